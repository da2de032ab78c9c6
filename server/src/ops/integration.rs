//! The integration side: detectors submit actions, executors claim work and report results.
//! The simulated executor uses the same moves ([`start`], [`finish`]).

use action_center_core::{
    Action, Decision, DecisionState, ErrorCode, Policy, ResultOutcome, ResultReport, Status,
    SubmitActionRequest, Transition, UndoState, WorkItem, WorkKind, WorkResponse,
};

use super::{check_if_match, for_caller};
use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{self, ms, AuditEntry, Stored, WriteCtx};

/// How long a claim holds before the work is offered again.
const CLAIM_TIMEOUT_MS: i64 = 10 * 60 * 1000;

/// Stores a submitted action: `pending` when it needs approval, else `queued` (`notRequired`).
pub async fn submit(
    ctx: &mut WriteCtx,
    caller: &Caller,
    policy: &Policy,
    req: &SubmitActionRequest,
    expiry_days: i64,
) -> Result<Action, AppError> {
    let now = ctx.now;
    let (status, decision, expires_at) = if req.requires_approval {
        let decision = Decision {
            state: DecisionState::Pending,
            by: None,
            at: None,
            comment: None,
        };
        (
            Status::Pending,
            decision,
            Some(now + chrono::Duration::days(expiry_days)),
        )
    } else {
        let decision = Decision {
            state: DecisionState::NotRequired,
            by: None,
            at: Some(now),
            comment: None,
        };
        (Status::Queued, decision, None)
    };
    let action = Action {
        id: crate::ids::fresh_action_id(now),
        version: 1,
        action_type: req.action_type.clone(),
        category: req.category.clone(),
        source: req.source.clone(),
        status,
        investigation_id: req.investigation_id.clone(),
        incident_id: req.incident_id.clone(),
        asset: req.asset.clone(),
        entity: req.entity.clone(),
        requested_by: Some(
            req.requested_by
                .clone()
                .unwrap_or_else(|| caller.id.clone()),
        ),
        requested_by_id: req.requested_by_id.clone(),
        request_comment: req.request_comment.clone(),
        // Fixed at submission, so a policy change never moves the goal under a pending action.
        required_approvals: if req.requires_approval {
            policy.required_approvals(&req.action_type, &req.asset.tags)
        } else {
            1
        },
        approvals: Vec::new(),
        approve_blocked_reason: None,
        attempt: 1,
        decision: Some(decision),
        undo: None,
        error: None,
        created_at: now,
        updated_at: now,
        expires_at,
        allowed_operations: Vec::new(),
        links: req.links.clone().unwrap_or_default(),
    };
    store::insert_action(ctx, &action, &caller.id).await?;
    Ok(for_caller(action, caller.permissions()))
}

/// Picks up a queued action: `queued → running`, claimed by `actor`.
pub async fn start(ctx: &mut WriteCtx, stored: &mut Stored, actor: &str) -> Result<(), AppError> {
    store::transition(ctx, stored, Transition::Start, actor, None, |_| {}).await
}

/// Ends a running execution or an undo: success, or failure with the reason in plain words.
pub async fn finish(
    ctx: &mut WriteCtx,
    stored: &mut Stored,
    actor: &str,
    result: Result<(), String>,
) -> Result<(), AppError> {
    let step = match (&stored.action.status, &result) {
        (Status::Running, Ok(())) => Transition::Complete,
        (Status::Running, Err(_)) => Transition::Fail,
        (Status::Undoing, Ok(())) => Transition::UndoSucceeded,
        (Status::Undoing, Err(_)) => Transition::UndoFailed,
        (other, _) => {
            return Err(AppError::new(
                ErrorCode::InvalidState,
                format!(
                    "{} is {}: there is no execution to report on",
                    stored.action.id,
                    other.label().to_lowercase()
                ),
            ))
        }
    };
    let error = result.err();
    store::transition(ctx, stored, step, actor, error.as_deref(), |a| match step {
        Transition::Fail => a.error = error.clone(),
        Transition::UndoSucceeded | Transition::UndoFailed => {
            if let Some(undo) = a.undo.as_mut() {
                undo.state = if step == Transition::UndoSucceeded {
                    UndoState::Succeeded
                } else {
                    UndoState::Failed
                };
                undo.error = error.clone();
            }
        }
        _ => {}
    })
    .await
}

/// `GET /work`: claims up to `limit` items — queued actions (now `running`) and undo requests.
/// Rows another executor's claim holds at this moment are skipped, not waited for.
pub async fn claim_work(
    ctx: &mut WriteCtx,
    caller: &Caller,
    limit: usize,
) -> Result<WorkResponse, AppError> {
    let stale = ms(ctx.now) - CLAIM_TIMEOUT_MS;
    let rows = ctx.tx.claimable(stale, limit).await?;
    let perms = caller.permissions();
    let mut items = Vec::with_capacity(rows.len());
    for (seq, status) in rows {
        let Some(mut stored) = ctx.tx.load_by_seq(seq).await? else {
            continue;
        };
        let kind = if status == Status::Queued {
            start(ctx, &mut stored, &caller.id).await?;
            WorkKind::Execute
        } else {
            ctx.tx
                .set_claim(seq, Some((&caller.id, ms(ctx.now))))
                .await?;
            let entry = AuditEntry {
                action_seq: seq,
                at: ms(ctx.now),
                actor: caller.id.clone(),
                event: "claimed".to_owned(),
                from: Some(stored.action.status.clone()),
                to: Some(stored.action.status.clone()),
                comment: None,
            };
            ctx.audit(entry, None);
            if status == Status::Running {
                WorkKind::Execute
            } else {
                WorkKind::Undo
            }
        };
        items.push(WorkItem {
            kind,
            action: for_caller(stored.action, perms),
        });
    }
    Ok(WorkResponse { items })
}

/// `POST /actions/{id}/result`: an executor reports how its claimed work went.
pub async fn report_result(
    ctx: &mut WriteCtx,
    caller: &Caller,
    id: &str,
    report: &ResultReport,
    if_match: Option<i64>,
) -> Result<Action, AppError> {
    let perms = caller.permissions();
    let mut stored = ctx
        .tx
        .load_by_id(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("No action {id}")))?;
    check_if_match(&stored, if_match, perms)?;
    let claimed_by = ctx.tx.claimed_by(stored.seq).await?;
    if let Some(owner) = claimed_by.filter(|o| *o != caller.id) {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            format!("{id} is being worked on by {owner}"),
        )
        .with_action(for_caller(stored.action.clone(), perms)));
    }
    let result = match report.outcome {
        ResultOutcome::Succeeded => Ok(()),
        _ => Err(report
            .error
            .clone()
            .unwrap_or_else(|| "The executor reported a failure without a reason".to_owned())),
    };
    if let Err(err) = finish(ctx, &mut stored, &caller.id, result).await {
        return Err(err.with_action(for_caller(stored.action.clone(), perms)));
    }
    Ok(for_caller(stored.action, perms))
}
