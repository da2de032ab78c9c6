//! Background work: the simulated executor (`--demo`) and the expiry sweep.
//!
//! The executor is deterministic: an approved action goes queued → running → completed, one
//! step per `delay`, and fails (with a plain-words reason) when a stable hash of its asset and
//! entity names is 0 mod 10. An undo succeeds, except that an undo on an asset whose name holds
//! "OFFLINE" fails on its first attempt ("Device offline…") and succeeds when retried. Each step
//! is its own short transaction, audited as `system`.

use std::sync::Arc;
use std::time::Duration;

use action_center_core::{Action, ActionType};
use rusqlite::params;

use crate::errors::AppError;
use crate::ids::stable_hash;
use crate::ops::{self, SYSTEM};
use crate::store::{self, ms, Store, Stored};

/// Steps taken per pass at most (each in its own transaction).
const STEPS_PER_PASS: i64 = 50;

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

fn undo_fails(
    conn: &rusqlite::Connection,
    seq: i64,
    action: &Action,
) -> Result<Option<String>, AppError> {
    if !action.asset.name.contains("OFFLINE") {
        return Ok(None);
    }
    let failed_before: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM audit WHERE action_seq = ?1 AND event = 'undoFailed')",
        )?
        .query_row([seq], |r| r.get(0))?;
    Ok((!failed_before).then(|| {
        format!(
            "Device offline: {} did not respond to the undo request",
            action.asset.name
        )
    }))
}

/// One step for every in-flight action that has waited `delay`; returns how many moved.
pub fn step_due(store: &Store, delay: Duration) -> Result<usize, AppError> {
    let cutoff = ms(store::now()) - delay.as_millis() as i64;
    let due: Vec<(i64, i64)> = store.read_blocking(|conn| {
        let rows = conn
            .prepare_cached(
                "SELECT seq, version FROM actions
                 WHERE status IN ('queued', 'running', 'undoing') AND updated_at <= ?1
                   AND (claimed_by IS NULL OR claimed_by = 'system')
                 ORDER BY updated_at LIMIT ?2",
            )?
            .query_map(params![cutoff, STEPS_PER_PASS], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })?;
    let mut moved = 0;
    for (seq, version) in due {
        let stepped = store.write_blocking(|ctx| {
            let Some(action) = store::load_by_seq(&ctx.tx, seq)? else {
                return Ok(false);
            };
            if action.version != version {
                return Ok(false); // someone else moved it meanwhile
            }
            let mut stored = Stored { seq, action };
            match stored.action.status {
                action_center_core::Status::Queued => {
                    ops::start_execution(ctx, &mut stored, SYSTEM)?
                }
                action_center_core::Status::Running => {
                    let result = will_fail(&stored.action).map_or(Ok(()), Err);
                    ops::finish(ctx, &mut stored, SYSTEM, result)?
                }
                action_center_core::Status::Undoing => {
                    let result = undo_fails(&ctx.tx, seq, &stored.action)?.map_or(Ok(()), Err);
                    ops::finish(ctx, &mut stored, SYSTEM, result)?
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        moved += stepped as usize;
    }
    Ok(moved)
}

/// Runs the simulated executor until the task is dropped.
pub async fn run_simulated(store: Arc<Store>, delay: Duration) {
    let tick = (delay / 4).clamp(Duration::from_millis(20), Duration::from_millis(250));
    loop {
        tokio::time::sleep(tick).await;
        let s = Arc::clone(&store);
        let result = tokio::task::spawn_blocking(move || step_due(&s, delay)).await;
        if let Ok(Err(err)) = result {
            eprintln!("executor: {err}");
        }
    }
}

/// Checkpoints the WAL every `every`, forever (off the request path).
pub async fn run_checkpointer(store: Arc<Store>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let s = Arc::clone(&store);
        if let Ok(Err(err)) = tokio::task::spawn_blocking(move || s.checkpoint()).await {
            eprintln!("checkpoint: {err}");
        }
    }
}

/// Expires overdue pending actions and forgets idempotency records older than 24 h, forever.
pub async fn run_sweeper(store: Arc<Store>, every: Duration) {
    loop {
        let s = Arc::clone(&store);
        let result = tokio::task::spawn_blocking(move || sweep(&s)).await;
        if let Ok(Err(err)) = result {
            eprintln!("sweeper: {err}");
        }
        tokio::time::sleep(every).await;
    }
}

/// One sweep: expiry in batches of 500 (short transactions), then old idempotency records.
pub fn sweep(store: &Store) -> Result<usize, AppError> {
    let mut total = 0;
    loop {
        let n = store.write_blocking(|ctx| ops::expire_overdue(ctx, 500))?;
        total += n;
        if n < 500 {
            break;
        }
    }
    store.write_blocking(|ctx| {
        let day_ago = ms(ctx.now) - 24 * 3600 * 1000;
        ctx.tx
            .execute("DELETE FROM idempotency WHERE created_at < ?1", [day_ago])?;
        Ok(())
    })?;
    Ok(total)
}
