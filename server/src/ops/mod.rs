//! What the API does to actions, each operation inside the caller's one write transaction.

mod decide;
mod integration;
mod retry;
mod undo;
pub mod validate;

use action_center_core::policy::approve_blocked;
use action_center_core::{
    allowed_operations, Action, ActionRef, Decision, DecisionState, ErrorCode, Operation,
    Permissions, Policy, Transition,
};

use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{self, Stored, WriteCtx};

pub use decide::decide;
pub use integration::{claim_work, finish, report_result, start as start_execution, submit};
pub use retry::retry;
pub use undo::undo;

/// The actor recorded for the server's own moves (expiry, simulated executor).
pub const SYSTEM: &str = "system";

/// The action as `perms` sees it: with `allowedOperations` filled in (by role alone; see
/// [`present`] for a signed-in account).
pub fn for_caller(mut action: Action, perms: Permissions) -> Action {
    action.allowed_operations = allowed_operations(&action.action_type, &action.status, perms);
    action.approve_blocked_reason = None;
    action
}

/// The action as `caller` sees it under `policy`: `allowedOperations` by role, without Approve
/// where the policy keeps this account from approving (it requested the action, or approved it
/// already), with `approveBlockedReason` saying why.
pub fn present(action: Action, caller: &Caller, policy: &Policy) -> Action {
    let mut action = for_caller(action, caller.permissions());
    if action.allows(&Operation::Approve) {
        if let Some(reason) = approve_blocked(&action, &caller.id, policy) {
            action
                .allowed_operations
                .retain(|op| *op != Operation::Approve);
            action.approve_blocked_reason = Some(reason);
        }
    }
    action
}

/// Expires a pending action whose `expiresAt` has passed; true if it did.
pub async fn expire_if_due(ctx: &mut WriteCtx, stored: &mut Stored) -> Result<bool, AppError> {
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
    })
    .await?;
    Ok(true)
}

/// Expires up to `limit` overdue pending actions; returns how many. Rows another write holds are
/// left for the next sweep.
pub async fn expire_overdue(ctx: &mut WriteCtx, limit: usize) -> Result<usize, AppError> {
    let seqs = ctx.tx.overdue(store::ms(ctx.now), limit).await?;
    let mut done = 0;
    for seq in seqs {
        if let Some(mut stored) = ctx.tx.load_by_seq(seq).await? {
            if expire_if_due(ctx, &mut stored).await? {
                done += 1;
            }
        }
    }
    Ok(done)
}

/// Cancels a queued or running action (409 `invalidState` otherwise).
pub async fn cancel(
    ctx: &mut WriteCtx,
    caller: &Caller,
    id: &str,
    comment: Option<&str>,
    if_match: Option<i64>,
) -> Result<Action, AppError> {
    let perms = caller.permissions();
    let mut stored = ctx
        .tx
        .load_by_id(id)
        .await?
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
    .await
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

/// With `If-Match` (a request of exactly one action, `refs[0]`, loaded as `loaded[0]`): 404
/// when that action is missing, 412 when it is at another version.
pub fn check_pinned(
    refs: &[ActionRef],
    loaded: &[Option<Stored>],
    if_match: Option<i64>,
    perms: Permissions,
) -> Result<(), AppError> {
    if if_match.is_none() {
        return Ok(());
    }
    match loaded.first() {
        Some(Some(stored)) => check_if_match(stored, if_match, perms),
        _ => Err(AppError::not_found(format!(
            "No action {}",
            refs.first().map_or("", |r| r.id.as_str())
        ))),
    }
}

/// 422 `mixedActionTypes`: one `operation` (decision, undo, retry) takes one action type.
pub fn mixed_types(operation: &str) -> AppError {
    AppError::new(
        ErrorCode::MixedActionTypes,
        format!("All actions of one {operation} must share one action type; nothing was changed"),
    )
}

/// Loads (and locks) the actions named in a bulk request, in order (`None` where not found).
pub async fn load_refs(
    ctx: &mut WriteCtx,
    refs: &[ActionRef],
) -> Result<Vec<Option<Stored>>, AppError> {
    let ids: Vec<String> = refs.iter().map(|r| r.id.clone()).collect();
    ctx.tx.load_many(&ids).await
}
