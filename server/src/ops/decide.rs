//! `POST /decisions`: approve or reject one or many pending actions of one type.

use action_center_core::{
    check_decision_batch, BulkResponse, Decision, DecisionBlocker, DecisionRequest, DecisionState,
    DecisionVerb, ErrorCode, ItemResult, Outcome, Transition,
};

use super::{check_if_match, expire_if_due, for_caller, load_refs};
use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{self, WriteCtx};

/// Applies a validated decision request. With `if_match` (one action only) the request is a
/// single operation: a lost race answers 412 or 409 instead of a per-item outcome.
pub async fn decide(
    ctx: &mut WriteCtx,
    caller: &Caller,
    req: &DecisionRequest,
    if_match: Option<i64>,
) -> Result<BulkResponse, AppError> {
    let perms = caller.permissions();
    let mut loaded = load_refs(ctx, &req.actions).await?;
    let found: Vec<_> = loaded.iter().flatten().map(|s| &s.action).collect();
    if let Err(DecisionBlocker::MixedTypes) = check_decision_batch(&found) {
        return Err(AppError::new(
            ErrorCode::MixedActionTypes,
            "All actions of one decision must share one action type; nothing was changed",
        ));
    }
    let (transition, state) = match req.decision {
        DecisionVerb::Approve => (Transition::Approve, DecisionState::Approved),
        _ => (Transition::Reject, DecisionState::Rejected),
    };
    if if_match.is_some() {
        let Some(Some(stored)) = loaded.first_mut() else {
            return Err(AppError::not_found(format!(
                "No action {}",
                req.actions[0].id
            )));
        };
        check_if_match(stored, if_match, perms)?;
        expire_if_due(ctx, stored).await?;
        if !stored.action.status.is_pending() {
            return Err(already_decided(&stored.action, perms));
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
        let outcome = if !perms.decide {
            Outcome::Forbidden
        } else if item.version.is_some_and(|v| v != stored.action.version) {
            Outcome::VersionMismatch
        } else if expire_if_due(ctx, stored).await? || !stored.action.status.is_pending() {
            Outcome::AlreadyDecided
        } else {
            let (by, at, comment) = (caller.id.clone(), ctx.now, req.comment.clone());
            let state = state.clone();
            store::transition(
                ctx,
                stored,
                transition,
                &caller.id,
                req.comment.as_deref(),
                |a| {
                    a.decision = Some(Decision {
                        state,
                        by: Some(by),
                        at: Some(at),
                        comment,
                    })
                },
            )
            .await?;
            Outcome::Applied
        };
        let action =
            (outcome != Outcome::Forbidden).then(|| for_caller(stored.action.clone(), perms));
        results.push(ItemResult {
            id: item.id.clone(),
            outcome,
            action,
        });
    }
    Ok(BulkResponse { results })
}

fn already_decided(
    action: &action_center_core::Action,
    perms: action_center_core::Permissions,
) -> AppError {
    let who = action
        .decision
        .as_ref()
        .map(|d| match &d.by {
            Some(by) => format!("{} by {by}", d.state.label().to_lowercase()),
            None => d.state.label().to_lowercase(),
        })
        .unwrap_or_else(|| action.status.label().to_lowercase());
    AppError::new(
        ErrorCode::AlreadyDecided,
        format!("{} was already decided ({who})", action.id),
    )
    .with_action(for_caller(action.clone(), perms))
}
