//! `POST /decisions`: approve or reject one or many pending actions of one type.

use action_center_core::policy::{approved_by, requested_by};
use action_center_core::{
    check_decision_batch, Approval, BulkResponse, Decision, DecisionBlocker, DecisionRequest,
    DecisionState, DecisionVerb, ErrorCode, ItemResult, Outcome, Policy, Transition,
};

use super::{check_if_match, expire_if_due, load_refs, mixed_types, present};
use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{self, WriteCtx};

/// Applies a validated decision request. With `if_match` (one action only) the request is a
/// single operation: a lost race answers 412 or 409 instead of a per-item outcome.
///
/// An approval counts once per account and never from the action's requester (unless the
/// policy allows self-approval). While an action has fewer approvals than it requires, an
/// approval is recorded (`approvalRecorded`) and the action stays pending; the last one
/// approves it. A rejection ends it whatever approvals it had.
pub async fn decide(
    ctx: &mut WriteCtx,
    caller: &Caller,
    policy: &Policy,
    req: &DecisionRequest,
    if_match: Option<i64>,
) -> Result<BulkResponse, AppError> {
    let perms = caller.permissions();
    let mut loaded = load_refs(ctx, &req.actions).await?;
    let found: Vec<_> = loaded.iter().flatten().map(|s| &s.action).collect();
    if let Err(DecisionBlocker::MixedTypes) = check_decision_batch(&found) {
        return Err(mixed_types("decision"));
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
            return Err(already_decided(&stored.action, caller, policy));
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
        } else if transition == Transition::Approve
            && !policy.self_approval
            && requested_by(&stored.action, &caller.id)
        {
            Outcome::SelfApprovalRefused
        } else if transition == Transition::Approve && approved_by(&stored.action, &caller.id) {
            Outcome::AlreadyApprovedByYou
        } else {
            apply(ctx, caller, req, stored, transition, state.clone()).await?
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

/// Approves (or records one more approval) or rejects one pending action the caller may decide.
async fn apply(
    ctx: &mut WriteCtx,
    caller: &Caller,
    req: &DecisionRequest,
    stored: &mut crate::store::Stored,
    transition: Transition,
    state: DecisionState,
) -> Result<Outcome, AppError> {
    let (at, comment) = (ctx.now, req.comment.clone());
    let approval = Approval {
        by: caller.display_name.clone(),
        by_id: caller.id.clone(),
        at,
        comment: comment.clone(),
    };
    let needed = stored.action.required_approvals.max(1) as usize;
    if transition == Transition::Approve && stored.action.approvals.len() + 1 < needed {
        store::amend(
            ctx,
            stored,
            "approvalRecorded",
            &caller.id,
            req.comment.as_deref(),
            |a| a.approvals.push(approval),
        )
        .await?;
        return Ok(Outcome::ApprovalRecorded);
    }
    let by = caller.id.clone();
    store::transition(
        ctx,
        stored,
        transition,
        &caller.id,
        req.comment.as_deref(),
        |a| {
            if transition == Transition::Approve {
                a.approvals.push(approval);
            }
            a.decision = Some(Decision {
                state,
                by: Some(by),
                at: Some(at),
                comment,
            })
        },
    )
    .await?;
    Ok(Outcome::Applied)
}

fn already_decided(
    action: &action_center_core::Action,
    caller: &Caller,
    policy: &Policy,
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
    .with_action(present(action.clone(), caller, policy))
}
