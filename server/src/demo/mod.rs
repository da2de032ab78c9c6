//! Demo data: on an empty database, N realistic actions over every type, source and status,
//! generated deterministically (a seeded PRNG) so runs are reproducible.

mod catalog;
mod gen;
mod specials;

use std::time::{Duration, Instant};

use action_center_core::{ActionType, Source, Status};

use crate::errors::AppError;
use crate::store::seed::SeedPlan;
use crate::store::{self, Store};
pub use gen::{fake_sha256, Draft, Gen};
pub use specials::{shared_sha256, OFFLINE_DEVICE, SHARED_DEVICES};

const TYPE_WEIGHTS: &[(ActionType, u32)] = &[
    (ActionType::QuarantineFile, 25),
    (ActionType::IsolateDevice, 8),
    (ActionType::RestrictCodeExecution, 4),
    (ActionType::RemoveRegistryKey, 7),
    (ActionType::StopService, 6),
    (ActionType::DisableDriver, 3),
    (ActionType::RemoveScheduledTask, 5),
    (ActionType::RunAntivirusScan, 10),
    (ActionType::CollectInvestigationPackage, 6),
    (ActionType::KillProcess, 10),
    (ActionType::SoftDeleteEmail, 10),
    (ActionType::BlockUrl, 4),
    (ActionType::DisableUser, 2),
];

const STATUS_WEIGHTS: &[(Status, u32)] = &[
    (Status::Pending, 8),
    (Status::Completed, 50),
    (Status::Failed, 5),
    (Status::Rejected, 8),
    (Status::Expired, 5),
    (Status::Cancelled, 2),
    (Status::Undone, 7),
    (Status::UndoFailed, 1),
];

fn weighted<T: Clone>(g: &mut Gen, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut roll = g.rng.below(total as u64) as u32;
    for (value, w) in table {
        if roll < *w {
            return value.clone();
        }
        roll -= w;
    }
    table[0].0.clone()
}

fn random_draft(g: &mut Gen) -> Draft {
    let t = weighted(g, TYPE_WEIGHTS);
    let mut status = weighted(g, STATUS_WEIGHTS);
    if !t.is_undoable() && matches!(status, Status::Undone | Status::UndoFailed) {
        status = Status::Completed;
    }
    let roll = g.rng.unit();
    let mut source = if t == ActionType::QuarantineFile || t == ActionType::RunAntivirusScan {
        match roll {
            r if r < 0.40 => Source::Antivirus,
            r if r < 0.80 => Source::AutomatedInvestigation,
            r if r < 0.90 => Source::Manual,
            r if r < 0.95 => Source::LiveResponse,
            _ => Source::AdvancedHunting,
        }
    } else {
        match roll {
            r if r < 0.55 => Source::AutomatedInvestigation,
            r if r < 0.75 => Source::Manual,
            r if r < 0.87 => Source::AdvancedHunting,
            _ => Source::LiveResponse,
        }
    };
    let needs_decision = matches!(status, Status::Pending | Status::Rejected | Status::Expired);
    if needs_decision
        && !matches!(
            source,
            Source::AutomatedInvestigation | Source::AdvancedHunting
        )
    {
        source = Source::AutomatedInvestigation;
    }
    let plan = g.plan(t, source, status);
    g.realize(plan)
}

/// Every demo action, specials first: a deterministic stream of `n` drafts.
pub fn drafts(g: &mut Gen, n: usize) -> Vec<Draft> {
    let plans = specials::specials(g);
    let mut out: Vec<Draft> = plans.into_iter().take(n).map(|p| g.realize(p)).collect();
    while out.len() < n {
        out.push(random_draft(g));
    }
    out
}

/// What seeding did.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    /// Actions inserted.
    pub actions: usize,
    /// How long it took.
    pub elapsed: Duration,
}

/// The `n` demo actions, specials first, then random ones: the same stream on every call with
/// the same clock.
pub fn stream(
    now: chrono::DateTime<chrono::Utc>,
    n: usize,
    expiry_days: i64,
) -> impl Iterator<Item = Draft> + Send {
    let mut g = Gen::new(now, expiry_days, n);
    let specials: Vec<Draft> = specials::specials(&mut g)
        .into_iter()
        .take(n)
        .map(|p| g.realize(p))
        .collect();
    let rest = n - specials.len();
    specials
        .into_iter()
        .chain(std::iter::repeat_with(move || random_draft(&mut g)).take(rest))
}

/// Seeds `n` demo actions if the database holds none.
pub async fn seed_if_empty(
    store: &Store,
    n: usize,
    expiry_days: i64,
) -> Result<Option<Seeded>, AppError> {
    let started = Instant::now();
    let now = store::now();
    let plan = SeedPlan {
        count: n,
        drafts: Box::new(move || Box::new(stream(now, n, expiry_days))),
    };
    let seeded = store.backend().seed(plan).await?;
    Ok(seeded.then(|| Seeded {
        actions: n,
        elapsed: started.elapsed(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_type_source_category_and_status_is_there() {
        let mut g = Gen::new(store::now(), 7, 300);
        let drafts = drafts(&mut g, 300);
        let types: HashSet<_> = drafts
            .iter()
            .map(|d| d.action.action_type.clone())
            .collect();
        let statuses: HashSet<_> = drafts.iter().map(|d| d.action.status.clone()).collect();
        let sources: HashSet<_> = drafts.iter().map(|d| d.action.source.clone()).collect();
        let categories: HashSet<_> = drafts.iter().map(|d| d.action.category.clone()).collect();
        assert_eq!(types.len(), ActionType::ALL.len());
        assert_eq!(statuses.len(), Status::ALL.len());
        assert_eq!(sources.len(), Source::ALL.len());
        assert_eq!(categories.len(), 3);
        let now = store::now();
        for d in &drafts {
            let a = &d.action;
            assert_eq!(a.version as usize, d.events.len());
            assert_eq!(
                d.events.last().map(|e| e.to.clone()),
                Some(a.status.clone())
            );
            assert!(
                a.updated_at <= now && a.created_at <= a.updated_at,
                "{}",
                a.id
            );
            if a.status == Status::Pending {
                assert!(
                    a.expires_at.unwrap() > now + chrono::Duration::minutes(30),
                    "{}",
                    a.id
                );
            }
        }
        let shared = shared_sha256();
        let on_devices = drafts
            .iter()
            .filter(|d| d.action.entity.sha256.as_deref() == Some(shared.as_str()))
            .filter(|d| d.action.status == Status::Completed)
            .count();
        assert_eq!(on_devices, 5);
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let now = store::now();
        let a = drafts(&mut Gen::new(now, 7, 120), 120);
        let b = drafts(&mut Gen::new(now, 7, 120), 120);
        assert_eq!(
            a.iter().map(|d| &d.action).collect::<Vec<_>>(),
            b.iter().map(|d| &d.action).collect::<Vec<_>>()
        );
    }
}
