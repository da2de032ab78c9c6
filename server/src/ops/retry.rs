//! `POST /retry`: a new attempt at failed actions of one type. A `failed` action is queued
//! again (its `attempt` counts up, its error clears, its approval stands); a failed undo is
//! asked for again (`undoing`). The timeline shows each as `retried`, after the failure it
//! follows.

use action_center_core::{
    check_retry_batch, check_retryable, BulkResponse, ErrorCode, ItemResult, Outcome, Policy,
    RetryBlocker, RetryRequest, Status, Transition, UndoInfo, UndoState,
};

use super::{check_if_match, load_refs, present};
use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{self, WriteCtx};

/// Applies a validated retry request. With `if_match` (one action only) a stale version
/// answers 412 instead of a per-item outcome.
pub async fn retry(
    ctx: &mut WriteCtx,
    caller: &Caller,
    policy: &Policy,
    req: &RetryRequest,
    if_match: Option<i64>,
) -> Result<BulkResponse, AppError> {
    let perms = caller.permissions();
    let mut loaded = load_refs(ctx, &req.actions).await?;
    let found: Vec<_> = loaded.iter().flatten().map(|s| &s.action).collect();
    if let Err(RetryBlocker::MixedTypes) = check_retry_batch(&found) {
        return Err(AppError::new(
            ErrorCode::MixedActionTypes,
            "All actions of one retry must share one action type; nothing was changed",
        ));
    }
    if if_match.is_some() {
        match loaded.first() {
            Some(Some(stored)) => check_if_match(stored, if_match, perms)?,
            _ => {
                return Err(AppError::not_found(format!(
                    "No action {}",
                    req.actions[0].id
                )))
            }
        }
    }
    let mut results = Vec::with_capacity(req.actions.len());
    for (item, slot) in req.actions.iter().zip(loaded.iter_mut()) {
        let Some(stored) = slot else {
            results.push(ItemResult {
                id: item.id.clone(),
                outcome: Outcome::NotFound,
                action: None,
            });
            continue;
        };
        let may = match stored.action.status {
            Status::UndoFailed => perms.undo,
            _ => perms.decide,
        };
        let outcome = if !may {
            Outcome::Forbidden
        } else if item.version.is_some_and(|v| v != stored.action.version) {
            Outcome::VersionMismatch
        } else if check_retryable(&stored.action).is_err() {
            Outcome::NotRetryable
        } else {
            let undo_again = stored.action.status == Status::UndoFailed;
            let info = UndoInfo {
                state: UndoState::InProgress,
                by: Some(caller.id.clone()),
                at: Some(ctx.now),
                comment: req.comment.clone(),
                error: None,
            };
            store::transition(
                ctx,
                stored,
                Transition::Retry,
                &caller.id,
                req.comment.as_deref(),
                |a| {
                    if undo_again {
                        a.undo = Some(info);
                    } else {
                        a.attempt = a.attempt.max(1) + 1;
                        a.error = None;
                    }
                },
            )
            .await?;
            Outcome::Applied
        };
        let action =
            (outcome != Outcome::Forbidden).then(|| present(stored.action.clone(), caller, policy));
        results.push(ItemResult {
            id: item.id.clone(),
            outcome,
            action,
        });
    }
    Ok(BulkResponse { results })
}
