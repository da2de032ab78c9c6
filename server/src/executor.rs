//! Background work: the simulated executor (`--demo`) and the expiry sweep.
//!
//! The executor is deterministic: an approved action goes queued → running → completed, one
//! step per `delay`, and fails (with a plain-words reason) when a stable hash of its asset and
//! entity names is 0 mod 10. An undo succeeds, except that an undo on an asset whose name holds
//! "OFFLINE" fails on its first attempt ("Device offline…") and succeeds when retried. Each step
//! is its own short transaction, audited as `system`.

use std::sync::Arc;
use std::time::Duration;

use action_center_core::{Action, ActionType, Status};

use crate::errors::AppError;
use crate::ids::stable_hash;
use crate::ops::{self, SYSTEM};
use crate::store::{ms, Store, WriteCtx};

/// Steps taken per pass at most (each in its own transaction).
const STEPS_PER_PASS: usize = 50;
/// Actions expired per transaction by the sweep.
const SWEEP_BATCH: usize = 500;

/// Why the simulated execution of `action` fails, if it does.
pub fn will_fail(action: &Action) -> Option<String> {
    let key = format!("{}|{}", action.asset.name, action.entity.name);
    if stable_hash(&key) % 10 != 0 {
        return None;
    }
    let asset = &action.asset.name;
    Some(match action.action_type {
        ActionType::QuarantineFile => format!(
            "File not found at {}: it may have been removed already",
            action.entity.path.as_deref().unwrap_or(&action.entity.name)
        ),
        ActionType::StopService => {
            format!(
                "The service {} is protected and cannot be stopped",
                action.entity.name
            )
        }
        _ => format!("Device offline: {asset} has not reported for 3 days"),
    })
}

async fn undo_fails(
    ctx: &mut WriteCtx,
    seq: i64,
    action: &Action,
) -> Result<Option<String>, AppError> {
    if !action.asset.name.contains("OFFLINE") {
        return Ok(None);
    }
    let failed_before = ctx.tx.undo_failed_before(seq).await?;
    Ok((!failed_before).then(|| {
        format!(
            "Device offline: {} did not respond to the undo request",
            action.asset.name
        )
    }))
}

/// One step of the oldest in-flight action that has waited `delay` (rows another instance is
/// stepping are skipped); false when none is due.
async fn step_one(ctx: &mut WriteCtx, delay: Duration) -> Result<bool, AppError> {
    let cutoff = ms(ctx.now) - delay.as_millis() as i64;
    let Some(seq) = ctx.tx.next_simulated_step(cutoff).await? else {
        return Ok(false);
    };
    let Some(mut stored) = ctx.tx.load_by_seq(seq).await? else {
        return Ok(false);
    };
    match stored.action.status {
        Status::Queued => ops::start_execution(ctx, &mut stored, SYSTEM).await?,
        Status::Running => {
            let result = will_fail(&stored.action).map_or(Ok(()), Err);
            ops::finish(ctx, &mut stored, SYSTEM, result).await?
        }
        Status::Undoing => {
            let result = undo_fails(ctx, seq, &stored.action)
                .await?
                .map_or(Ok(()), Err);
            ops::finish(ctx, &mut stored, SYSTEM, result).await?
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Steps every in-flight action that has waited `delay`, up to [`STEPS_PER_PASS`], each in its
/// own transaction; returns how many moved.
pub async fn step_due(store: &Arc<Store>, delay: Duration) -> Result<usize, AppError> {
    let mut moved = 0;
    while moved < STEPS_PER_PASS {
        let stepped = store
            .write(move |ctx| Box::pin(step_one(ctx, delay)))
            .await?;
        if !stepped {
            break;
        }
        moved += 1;
    }
    Ok(moved)
}

/// Runs the simulated executor until the task is dropped.
pub async fn run_simulated(store: Arc<Store>, delay: Duration) {
    let tick = (delay / 4).clamp(Duration::from_millis(20), Duration::from_millis(250));
    loop {
        tokio::time::sleep(tick).await;
        if let Err(err) = step_due(&store, delay).await {
            crate::telemetry::log::warn("executor", &[("error", err.to_string().into())]);
        }
    }
}

/// Backend housekeeping every `every`, forever (off the request path).
pub async fn run_maintenance(store: Arc<Store>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(err) = store.backend().maintain().await {
            crate::telemetry::log::warn("maintenance", &[("error", err.to_string().into())]);
        }
    }
}

/// Expires overdue pending actions and forgets idempotency records older than 24 h, forever.
pub async fn run_sweeper(store: Arc<Store>, every: Duration) {
    loop {
        if let Err(err) = sweep(&store).await {
            crate::telemetry::log::warn("sweeper", &[("error", err.to_string().into())]);
        }
        tokio::time::sleep(every).await;
    }
}

/// One sweep: expiry in batches of 500 (short transactions), then old idempotency records. Runs
/// in one instance at a time: a batch that finds the sweeper's lock taken ends the sweep.
pub async fn sweep(store: &Arc<Store>) -> Result<usize, AppError> {
    let mut total = 0;
    loop {
        let n = store
            .write(|ctx| {
                Box::pin(async move {
                    if !ctx.tx.try_lock_sweeper().await? {
                        return Ok(None);
                    }
                    Ok(Some(ops::expire_overdue(ctx, SWEEP_BATCH).await?))
                })
            })
            .await?;
        let Some(n) = n else { return Ok(total) };
        total += n;
        if n < SWEEP_BATCH {
            break;
        }
    }
    store
        .write(|ctx| {
            Box::pin(async move {
                if ctx.tx.try_lock_sweeper().await? {
                    let day_ago = ms(ctx.now) - 24 * 3600 * 1000;
                    ctx.tx.forget_replies(day_ago).await?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(total)
}
