//! What the API does to actions, each operation inside the caller's one write transaction.

mod decide;
mod integration;
mod undo;
pub mod validate;

use action_center_core::{
    allowed_operations, Action, ActionRef, Decision, DecisionState, ErrorCode, Permissions,
    Transition,
};

use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{self, Stored, WriteCtx};

pub use decide::decide;
pub use integration::{claim_work, finish, report_result, start as start_execution, submit};
pub use undo::undo;

/// The actor recorded for the server's own moves (expiry, simulated executor).
pub const SYSTEM: &str = "system";

/// The action as `perms` sees it: with `allowedOperations` filled in.
pub fn for_caller(mut action: Action, perms: Permissions) -> Action {
    action.allowed_operations = allowed_operations(&action.action_type, &action.status, perms);
    action
}

/// Expires a pending action whose `expiresAt` has passed; true if it did.
pub fn expire_if_due(ctx: &mut WriteCtx<'_>, stored: &mut Stored) -> Result<bool, AppError> {
    let due = stored.action.status.is_pending()
        && stored.action.expires_at.is_some_and(|at| at <= ctx.now);
    if !due {
        return Ok(false);
    }
    let now = ctx.now;
    store::transition(ctx, stored, Transition::Expire, SYSTEM, None, |a| {
        a.decision = Some(Decision {
            state: DecisionState::Expired,
            by: None,
            at: Some(now),
            comment: None,
        });
    })?;
    Ok(true)
}

/// Expires up to `limit` overdue pending actions; returns how many.
pub fn expire_overdue(ctx: &mut WriteCtx<'_>, limit: usize) -> Result<usize, AppError> {
    let ids: Vec<String> = ctx
        .tx
        .prepare_cached(
            "SELECT id FROM actions WHERE pending = 1 AND expires_at <= ?1
             ORDER BY expires_at LIMIT ?2",
        )?
        .query_map(rusqlite::params![store::ms(ctx.now), limit as i64], |r| {
            r.get(0)
        })?
        .collect::<Result<_, _>>()?;
    let mut done = 0;
    for id in ids {
        if let Some(mut stored) = store::load_by_id(&ctx.tx, &id)? {
            if expire_if_due(ctx, &mut stored)? {
                done += 1;
            }
        }
    }
    Ok(done)
}

/// Cancels a queued or running action (409 `invalidState` otherwise).
pub fn cancel(
    ctx: &mut WriteCtx<'_>,
    caller: &Caller,
    id: &str,
    comment: Option<&str>,
    if_match: Option<i64>,
) -> Result<Action, AppError> {
    let perms = caller.permissions();
    let mut stored = store::load_by_id(&ctx.tx, id)?
        .ok_or_else(|| AppError::not_found(format!("No action {id}")))?;
    check_if_match(&stored, if_match, perms)?;
    if !perms.cancel {
        return Err(AppError::forbidden("Your role may not cancel actions"));
    }
    store::transition(
        ctx,
        &mut stored,
        Transition::Cancel,
        &caller.id,
        comment,
        |_| {},
    )
    .map_err(|e| with_caller_view(e, &stored, perms))?;
    Ok(for_caller(stored.action, perms))
}

fn with_caller_view(err: AppError, stored: &Stored, perms: Permissions) -> AppError {
    if *err.code() == ErrorCode::InvalidState {
        let status = stored.action.status.label().to_lowercase();
        AppError::new(
            ErrorCode::InvalidState,
            format!("{} is {status}; this is not possible now", stored.action.id),
        )
        .with_action(for_caller(stored.action.clone(), perms))
    } else {
        err
    }
}

/// 412 `versionMismatch` (with the current action) when `If-Match` names another version.
pub fn check_if_match(
    stored: &Stored,
    if_match: Option<i64>,
    perms: Permissions,
) -> Result<(), AppError> {
    match if_match {
        Some(v) if v != stored.action.version => Err(AppError::new(
            ErrorCode::VersionMismatch,
            format!(
                "{} changed: it is at version {}, not {v}",
                stored.action.id, stored.action.version
            ),
        )
        .with_action(for_caller(stored.action.clone(), perms))),
        _ => Ok(()),
    }
}

/// Loads the actions named in a bulk request, in order (`None` where not found).
pub fn load_refs(ctx: &WriteCtx<'_>, refs: &[ActionRef]) -> Result<Vec<Option<Stored>>, AppError> {
    refs.iter()
        .map(|r| store::load_by_id(&ctx.tx, &r.id))
        .collect()
}
