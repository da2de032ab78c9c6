//! Turns a plan ("quarantine this file on that device, now undone") into an action with a
//! consistent history: decision, execution, undo, timestamps, audit trail.

use action_center_core::{
    Action, ActionType, Approval, Asset, Category, Decision, DecisionState, Entity, EntityKind,
    Links, Source, Status, UndoInfo, UndoState,
};
use chrono::{DateTime, Duration, Utc};

use super::catalog::*;
use crate::ids::{action_id, stable_hash, Rng};

/// What an action should look like; [`Gen::realize`] fills in its history.
#[derive(Debug, Clone)]
pub struct Plan {
    pub action_type: ActionType,
    pub source: Source,
    pub status: Status,
    pub asset: Asset,
    pub entity: Entity,
    pub investigation: Option<String>,
    pub incident: Option<String>,
    /// How long ago it was created.
    pub age: Duration,
    pub request_comment: Option<String>,
    /// Why execution failed (status `failed`).
    pub fail_error: Option<String>,
    /// Why the undo failed (status `undoFailed`).
    pub undo_error: Option<String>,
}

/// One audit entry to seed.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub event: &'static str,
    pub from: Option<Status>,
    pub to: Status,
    pub comment: Option<String>,
}

/// An action and its audit trail.
#[derive(Debug, Clone)]
pub struct Draft {
    pub action: Action,
    pub events: Vec<Event>,
}

impl Draft {
    /// The audit trail as entries of row `seq`.
    pub fn audit(&self, seq: i64) -> Vec<crate::store::AuditEntry> {
        self.events
            .iter()
            .map(|e| crate::store::AuditEntry {
                action_seq: seq,
                at: crate::store::ms(e.at),
                actor: e.actor.clone(),
                event: e.event.to_owned(),
                from: e.from.clone(),
                to: Some(e.to.clone()),
                comment: e.comment.clone(),
            })
            .collect()
    }
}

/// The seeded generator.
pub struct Gen {
    pub rng: Rng,
    pub now: DateTime<Utc>,
    pub expiry: Duration,
    hash_variants: u64,
}

/// The category an action type belongs to.
pub fn category_of(t: &ActionType) -> Category {
    match t {
        ActionType::SoftDeleteEmail | ActionType::BlockUrl => Category::Email,
        ActionType::DisableUser => Category::Identity,
        _ => Category::Device,
    }
}

/// 64 hex digits derived from `seed`: a plausible, stable SHA-256.
pub fn fake_sha256(seed: &str) -> String {
    let mut rng = Rng::new(stable_hash(seed));
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

fn short_id(prefix: &str, name: &str) -> String {
    format!("{prefix}_{:012x}", stable_hash(name) & 0xFFFF_FFFF_FFFF)
}

/// The asset record of a device.
pub fn device(name: &str) -> Asset {
    Asset {
        kind: EntityKind::Device,
        id: short_id("dev", name),
        name: name.to_owned(),
        tags: device_tags(name),
    }
}

/// The tags the approval policy keys on: domain controllers and the certificate authority are
/// the assets an organisation cannot lose.
fn device_tags(name: &str) -> Vec<String> {
    if name.starts_with("SRV-DC-") {
        vec!["domain-controller".to_owned(), "critical".to_owned()]
    } else if name.starts_with("SRV-CA-") {
        vec!["critical".to_owned()]
    } else {
        Vec::new()
    }
}

impl Gen {
    /// A generator for `n` actions ending at `now`.
    pub fn new(now: DateTime<Utc>, expiry_days: i64, n: usize) -> Self {
        Gen {
            rng: Rng::new(0x00AC_7105_C3E7_2026),
            now,
            expiry: Duration::days(expiry_days),
            hash_variants: (n as u64 / 400).max(2),
        }
    }

    /// A workstation or server name.
    pub fn device_name(&mut self) -> String {
        if self.rng.chance(0.15) {
            let role = self.rng.pick(SERVERS);
            format!("SRV-{role}-{:02}", 1 + self.rng.below(6))
        } else {
            let dept = self.rng.pick(DEPARTMENTS);
            let form = self.rng.pick(FORMS);
            format!("{dept}-{form}-{:02}", 1 + self.rng.below(40))
        }
    }

    /// A person: display name and UPN.
    pub fn person(&mut self) -> (String, String) {
        let (first, last) = (*self.rng.pick(FIRST), *self.rng.pick(LAST));
        let upn = format!(
            "{}.{}@contoso.com",
            first.to_lowercase(),
            last.to_lowercase()
        );
        (format!("{first} {last}"), upn)
    }

    fn profile(&mut self) -> String {
        let (first, last) = (*self.rng.pick(FIRST), *self.rng.pick(LAST));
        format!("{}{}", &first[..1].to_lowercase(), last.to_lowercase())
    }

    /// A file entity; `variant` picks one of the file's known hashes.
    pub fn file(&mut self, index: usize, variant: u64) -> Entity {
        let (name, path) = FILES[index % FILES.len()];
        let mut e = Entity::named(EntityKind::File, name);
        e.sha256 = Some(fake_sha256(&format!("{name}#{variant}")));
        e.path = Some(path.replace("{user}", &self.profile()));
        e
    }

    /// The asset an action of type `t` applies to.
    pub fn asset_for(&mut self, t: &ActionType) -> Asset {
        match category_of(t) {
            Category::Email => {
                let (_, upn) = self.person();
                Asset {
                    kind: EntityKind::Mailbox,
                    id: short_id("mbx", &upn),
                    name: upn,
                    tags: Vec::new(),
                }
            }
            Category::Identity => {
                let (_, upn) = self.person();
                Asset {
                    kind: EntityKind::User,
                    id: short_id("usr", &upn),
                    name: upn,
                    tags: Vec::new(),
                }
            }
            _ => {
                let name = self.device_name();
                device(&name)
            }
        }
    }

    /// The entity an action of type `t` on `asset` acts on.
    pub fn entity_for(&mut self, t: &ActionType, asset: &Asset) -> Entity {
        match t {
            ActionType::QuarantineFile => {
                let index = self.rng.below(FILES.len() as u64) as usize;
                let variant = self.rng.below(self.hash_variants);
                self.file(index, variant)
            }
            ActionType::KillProcess => {
                let (name, path) = *self.rng.pick(PROCESSES);
                let mut e = Entity::named(EntityKind::Process, name);
                e.path = Some(path.to_owned());
                e.sha256 = Some(fake_sha256(path));
                e.process_id = Some(1000 + self.rng.below(30_000));
                e
            }
            ActionType::RemoveRegistryKey => {
                let value = *self.rng.pick(REGISTRY_VALUES);
                let mut e = Entity::named(EntityKind::RegistryKey, value);
                e.key = Some((*self.rng.pick(REGISTRY_KEYS)).to_owned());
                e.value_name = Some(value.to_owned());
                e
            }
            ActionType::StopService => {
                let (display, short) = *self.rng.pick(SERVICES);
                let mut e = Entity::named(EntityKind::Service, display);
                e.service_name = Some(short.to_owned());
                e
            }
            ActionType::DisableDriver => {
                let name = *self.rng.pick(DRIVERS);
                let mut e = Entity::named(EntityKind::Driver, name);
                e.path = Some(format!(r"C:\Windows\System32\drivers\{name}"));
                e.sha256 = Some(fake_sha256(name));
                e
            }
            ActionType::RemoveScheduledTask => {
                let task = *self.rng.pick(TASKS);
                let mut e = Entity::named(EntityKind::ScheduledTask, task);
                e.path = Some(format!(r"C:\Windows\System32\Tasks{task}"));
                e
            }
            ActionType::SoftDeleteEmail => {
                let (subject, sender) = *self.rng.pick(EMAILS);
                let mut e = Entity::named(EntityKind::Email, subject);
                e.subject = Some(subject.to_owned());
                e.sender = Some(sender.to_owned());
                let domain = sender.split('@').nth(1).unwrap_or("example.com");
                e.internet_message_id = Some(format!("<{:016x}@{domain}>", self.rng.next_u64()));
                e
            }
            ActionType::BlockUrl => {
                let url = *self.rng.pick(URLS);
                let host = url.split('/').nth(2).unwrap_or(url);
                let mut e = Entity::named(EntityKind::Url, host);
                e.url = Some(url.to_owned());
                e
            }
            ActionType::DisableUser => {
                let (display, upn) = self.person();
                let mut e = Entity::named(EntityKind::User, display);
                e.upn = Some(upn);
                e
            }
            _ => Entity::named(EntityKind::Device, asset.name.clone()),
        }
    }

    /// A plan for the given type, source and status, with fresh names.
    pub fn plan(&mut self, t: ActionType, source: Source, status: Status) -> Plan {
        let asset = self.asset_for(&t);
        let entity = self.entity_for(&t, &asset);
        let age = if status.is_pending() {
            let window = self.expiry.num_minutes() as f64;
            Duration::minutes((30.0 + (window - 60.0).max(1.0) * self.rng.unit()) as i64)
        } else {
            let days = 180.0 * self.rng.unit().powf(2.5);
            Duration::minutes((days * 1440.0) as i64 + 30)
        };
        Plan {
            action_type: t,
            source,
            status,
            asset,
            entity,
            investigation: Some(format!("inv_{}", 1000 + self.rng.below(9000))),
            incident: Some(format!("inc_{}", 10 + self.rng.below(90))),
            age,
            request_comment: None,
            fail_error: None,
            undo_error: None,
        }
    }

    fn requester(&mut self, source: &Source) -> String {
        match source {
            Source::AutomatedInvestigation => "AIR".to_owned(),
            Source::Antivirus => "Microsoft Defender Antivirus".to_owned(),
            Source::AdvancedHunting => (*self.rng.pick(DETECTIONS)).to_owned(),
            _ => (*self.rng.pick(REQUESTERS)).to_owned(),
        }
    }

    fn failure(&mut self, plan: &Plan) -> String {
        let asset = &plan.asset.name;
        match self.rng.below(4) {
            0 => format!("Device offline: {asset} has not reported for 3 days"),
            1 if plan.entity.path.is_some() => format!(
                "File not found at {}: it may have been removed already",
                plan.entity.path.as_deref().unwrap_or("")
            ),
            2 => format!("Access denied: tamper protection blocked the change on {asset}"),
            _ => format!("Timed out after 60 minutes waiting for {asset} to respond"),
        }
    }

    /// The action and its history, consistent with the plan's status.
    pub fn realize(&mut self, plan: Plan) -> Draft {
        use Status as S;
        let needs_approval = matches!(
            plan.source,
            Source::AutomatedInvestigation | Source::AdvancedHunting
        ) || matches!(plan.status, S::Pending | S::Rejected | S::Expired);
        let requester = self.requester(&plan.source);
        let mut events = Vec::new();
        let mut t = self.now - plan.age;
        let created = t;
        let ev = |events: &mut Vec<Event>, at, actor: &str, event, from, to, comment| {
            events.push(Event {
                at,
                actor: actor.to_owned(),
                event,
                from,
                to,
                comment,
            })
        };
        let first = if needs_approval {
            S::Pending
        } else {
            S::Queued
        };
        ev(
            &mut events,
            t,
            &requester,
            "created",
            None,
            first.clone(),
            plan.request_comment.clone(),
        );
        let mut decision = Decision {
            state: if needs_approval {
                DecisionState::Pending
            } else {
                DecisionState::NotRequired
            },
            by: None,
            at: (!needs_approval).then_some(t),
            comment: None,
        };
        let mut undo = None;
        let mut error = None;
        let decider = if plan.source == Source::AutomatedInvestigation && self.rng.chance(0.25) {
            "AIR".to_owned()
        } else {
            (*self.rng.pick(ANALYSTS)).to_owned()
        };
        let mut done = matches!(plan.status, S::Pending);
        if needs_approval && !done {
            match plan.status {
                S::Rejected => {
                    t += Duration::minutes(5 + self.rng.below(600) as i64);
                    let comment = Some((*self.rng.pick(REJECT_COMMENTS)).to_owned());
                    decision = Decision {
                        state: DecisionState::Rejected,
                        by: Some(decider.clone()),
                        at: Some(t),
                        comment: comment.clone(),
                    };
                    ev(
                        &mut events,
                        t,
                        &decider,
                        "rejected",
                        Some(S::Pending),
                        S::Rejected,
                        comment,
                    );
                    done = true;
                }
                S::Expired => {
                    t = created + self.expiry;
                    decision = Decision {
                        state: DecisionState::Expired,
                        by: None,
                        at: Some(t),
                        comment: None,
                    };
                    ev(
                        &mut events,
                        t,
                        "system",
                        "expired",
                        Some(S::Pending),
                        S::Expired,
                        None,
                    );
                    done = true;
                }
                _ => {
                    t += Duration::minutes(2 + self.rng.below(300) as i64);
                    let comment = self.rng.pick(APPROVE_COMMENTS).map(str::to_owned);
                    decision = Decision {
                        state: DecisionState::Approved,
                        by: Some(decider.clone()),
                        at: Some(t),
                        comment: comment.clone(),
                    };
                    ev(
                        &mut events,
                        t,
                        &decider,
                        "approved",
                        Some(S::Pending),
                        S::Queued,
                        comment,
                    );
                }
            }
        }
        if !done && plan.status == S::Queued {
            done = true;
        }
        if !done && plan.status == S::Cancelled {
            t += Duration::seconds(20 + self.rng.below(100) as i64);
            let who = (*self.rng.pick(ANALYSTS)).to_owned();
            ev(
                &mut events,
                t,
                &who,
                "cancelled",
                Some(S::Queued),
                S::Cancelled,
                Some("Cancelled: device is being reimaged".into()),
            );
            done = true;
        }
        if !done {
            t += Duration::seconds(2 + self.rng.below(60) as i64);
            ev(
                &mut events,
                t,
                "system",
                "started",
                Some(S::Queued),
                S::Running,
                None,
            );
            done = plan.status == S::Running;
        }
        if !done {
            t += Duration::seconds(5 + self.rng.below(600) as i64);
            if plan.status == S::Failed {
                let reason = plan
                    .fail_error
                    .clone()
                    .unwrap_or_else(|| self.failure(&plan));
                ev(
                    &mut events,
                    t,
                    "system",
                    "failed",
                    Some(S::Running),
                    S::Failed,
                    Some(reason.clone()),
                );
                error = Some(reason);
                done = true;
            } else {
                ev(
                    &mut events,
                    t,
                    "system",
                    "completed",
                    Some(S::Running),
                    S::Completed,
                    None,
                );
                done = plan.status == S::Completed;
            }
        }
        if !done {
            // Undo: requested, then succeeded or failed (an undoFailed action failed once).
            t += Duration::minutes(30 + self.rng.below(60 * 24 * 3) as i64);
            let who = (*self.rng.pick(ANALYSTS)).to_owned();
            let comment = self.rng.pick(UNDO_COMMENTS).map(str::to_owned);
            ev(
                &mut events,
                t,
                &who,
                "undoRequested",
                Some(S::Completed),
                S::Undoing,
                comment.clone(),
            );
            let mut info = UndoInfo {
                state: UndoState::InProgress,
                by: Some(who),
                at: Some(t),
                comment,
                error: None,
            };
            t += Duration::seconds(3 + self.rng.below(120) as i64);
            match plan.status {
                S::Undone => {
                    ev(
                        &mut events,
                        t,
                        "system",
                        "undone",
                        Some(S::Undoing),
                        S::Undone,
                        None,
                    );
                    info.state = UndoState::Succeeded;
                }
                S::UndoFailed => {
                    let reason = plan.undo_error.clone().unwrap_or_else(|| {
                        format!(
                            "Device offline: {} did not respond to the undo request",
                            plan.asset.name
                        )
                    });
                    ev(
                        &mut events,
                        t,
                        "system",
                        "undoFailed",
                        Some(S::Undoing),
                        S::UndoFailed,
                        Some(reason.clone()),
                    );
                    info.state = UndoState::Failed;
                    info.error = Some(reason);
                }
                _ => {}
            }
            undo = Some(info);
        }
        // Keep the whole history in the past.
        let latest = self.now - Duration::seconds(30);
        if t > latest {
            let shift = t - latest;
            for e in &mut events {
                e.at -= shift;
            }
            decision.at = decision.at.map(|a| a - shift);
            if let Some(u) = undo.as_mut() {
                u.at = u.at.map(|a| a - shift);
            }
        }
        let created = events[0].at;
        let updated = events.last().map(|e| e.at).unwrap_or(created);
        let expires_at = needs_approval.then(|| created + self.expiry);
        let links = Links {
            investigation: plan
                .investigation
                .as_ref()
                .map(|i| format!("https://security.example.com/investigations/{i}")),
            hunt: Some(format!(
                "https://security.example.com/hunting?entity={}",
                plan.entity.sha256.as_deref().unwrap_or(&plan.asset.id)
            )),
        };
        // Demo data follows the built-in policy; the decider of a decided action is its approval.
        let required_approvals = if needs_approval {
            action_center_core::Policy::default()
                .required_approvals(&plan.action_type, &plan.asset.tags)
        } else {
            1
        };
        let approvals = match (&decision.state, &decision.by, decision.at) {
            (DecisionState::Approved, Some(by), Some(at)) => vec![Approval {
                by: by.clone(),
                by_id: by.clone(),
                at,
                comment: decision.comment.clone(),
            }],
            _ => Vec::new(),
        };
        let action = Action {
            id: action_id(created, &mut self.rng),
            version: events.len() as i64,
            category: category_of(&plan.action_type),
            action_type: plan.action_type,
            source: plan.source,
            status: plan.status,
            investigation_id: plan.investigation,
            incident_id: plan.incident,
            asset: plan.asset,
            entity: plan.entity,
            requested_by: Some(requester),
            requested_by_id: None,
            request_comment: plan.request_comment,
            required_approvals,
            approvals,
            approve_blocked_reason: None,
            attempt: 1,
            decision: Some(decision),
            undo,
            error,
            created_at: created,
            updated_at: updated,
            expires_at,
            allowed_operations: Vec::new(),
            links,
        };
        Draft { action, events }
    }
}
