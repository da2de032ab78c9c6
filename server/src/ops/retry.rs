//! `POST /retry`: a new attempt at failed actions of one type. A `failed` action is queued
//! again (its `attempt` counts up, its error clears, its approval stands), or, where the policy
//! asks to approve a retry again (`reapproveOnRetry`), goes back to `pending` for fresh
//! approvals; a failed undo is asked for again (`undoing`). The timeline shows each as
//! `retried`, after the failure it follows.
//!
//! Back in `pending`, the attempt is decided like a new action: its approvals start from none
//! (the earlier ones stay in the timeline), its `requiredApprovals` follows the policy in force
//! now and it expires `expiry_days` from the retry. Its requester stays who asked for the action
//! in the first place, so the self-approval rule still keeps them out; the responder who retried
//! may approve — retrying asks again for what was asked before, it is not a request of their own.

use action_center_core::{
    check_retry_batch, check_retryable, Action, BulkResponse, Decision, DecisionState, ItemResult,
    Outcome, Policy, RetryBlocker, RetryRequest, Status, UndoInfo, UndoState,
};
use chrono::{DateTime, Utc};

use super::{check_pinned, load_refs, mixed_types, present};
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
    expiry_days: i64,
    if_match: Option<i64>,
) -> Result<BulkResponse, AppError> {
    let perms = caller.permissions();
    let mut loaded = load_refs(ctx, &req.actions).await?;
    let found: Vec<_> = loaded.iter().flatten().map(|s| &s.action).collect();
    if let Err(RetryBlocker::MixedTypes) = check_retry_batch(&found) {
        return Err(mixed_types("retry"));
    }
    check_pinned(&req.actions, &loaded, if_match, perms)?;
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
            let step = policy.retry_transition(&stored.action);
            let now = ctx.now;
            let info = UndoInfo {
                state: UndoState::InProgress,
                by: Some(caller.id.clone()),
                at: Some(now),
                comment: req.comment.clone(),
                error: None,
            };
            store::transition(
                ctx,
                stored,
                step,
                &caller.id,
                req.comment.as_deref(),
                // `a` is in the status the retry moves it to already.
                |a| match a.status {
                    Status::Undoing => a.undo = Some(info),
                    Status::Pending => {
                        new_attempt(a);
                        reopen_for_approval(a, policy, now + chrono::Duration::days(expiry_days));
                    }
                    _ => new_attempt(a),
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

/// The next execution attempt: counted, with the last one's error gone.
fn new_attempt(action: &mut Action) {
    action.attempt = action.attempt.max(1) + 1;
    action.error = None;
}

/// Opens a fresh round of approvals, as a submitted action gets: none given yet, the decision
/// pending, the goal from the policy in force now, and a new deadline.
fn reopen_for_approval(action: &mut Action, policy: &Policy, expires_at: DateTime<Utc>) {
    action.approvals.clear();
    action.decision = Some(Decision {
        state: DecisionState::Pending,
        by: None,
        at: None,
        comment: None,
    });
    action.required_approvals = policy.required_approvals(&action.action_type, &action.asset.tags);
    action.expires_at = Some(expires_at);
}
