//! The integration side: detectors submit actions, executors claim work and report results.
//! The simulated executor uses the same moves ([`start`], [`finish`]).

use action_center_core::{
    Action, Decision, DecisionState, ErrorCode, ResultOutcome, ResultReport, Status,
    SubmitActionRequest, Transition, UndoState, WorkItem, WorkKind, WorkResponse,
};
use rusqlite::params;

use super::{check_if_match, for_caller};
use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{self, ms, Stored, WriteCtx};

/// How long a claim holds before the work is offered again.
const CLAIM_TIMEOUT_MS: i64 = 10 * 60 * 1000;

/// Stores a submitted action: `pending` when it needs approval, else `queued` (`notRequired`).
pub fn submit(
    ctx: &mut WriteCtx<'_>,
    caller: &Caller,
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
        request_comment: req.request_comment.clone(),
        decision: Some(decision),
        undo: None,
        error: None,
        created_at: now,
        updated_at: now,
        expires_at,
        allowed_operations: Vec::new(),
        links: req.links.clone().unwrap_or_default(),
    };
    store::insert_action(ctx, &action, &caller.id)?;
    Ok(for_caller(action, caller.permissions()))
}

fn set_claim(ctx: &WriteCtx<'_>, seq: i64, by: Option<&str>) -> Result<(), AppError> {
    let at = by.map(|_| ms(ctx.now));
    ctx.tx
        .prepare_cached("UPDATE actions SET claimed_by = ?1, claimed_at = ?2 WHERE seq = ?3")?
        .execute(params![by, at, seq])?;
    Ok(())
}

/// Picks up a queued action: `queued → running`, claimed by `actor`.
pub fn start(ctx: &mut WriteCtx<'_>, stored: &mut Stored, actor: &str) -> Result<(), AppError> {
    store::transition(ctx, stored, Transition::Start, actor, None, |_| {})
}

/// Ends a running execution or an undo: success, or failure with the reason in plain words.
pub fn finish(
    ctx: &mut WriteCtx<'_>,
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
}

/// `GET /work`: claims up to `limit` items — queued actions (now `running`) and undo requests.
pub fn claim_work(
    ctx: &mut WriteCtx<'_>,
    caller: &Caller,
    limit: usize,
) -> Result<WorkResponse, AppError> {
    let stale = ms(ctx.now) - CLAIM_TIMEOUT_MS;
    let rows: Vec<(i64, String)> = ctx
        .tx
        .prepare_cached(
            "SELECT seq, status FROM actions
             WHERE (status = 'queued' AND claimed_by IS NULL)
                OR (status = 'undoing' AND (claimed_by IS NULL OR claimed_at < ?1))
                OR (status = 'running' AND claimed_at < ?1)
             ORDER BY updated_at LIMIT ?2",
        )?
        .query_map(params![stale, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let perms = caller.permissions();
    let mut items = Vec::with_capacity(rows.len());
    for (seq, status) in rows {
        let Some(action) = store::load_by_seq(&ctx.tx, seq)? else {
            continue;
        };
        let mut stored = Stored { seq, action };
        let kind = if status == "queued" {
            start(ctx, &mut stored, &caller.id)?;
            WorkKind::Execute
        } else {
            set_claim(ctx, seq, Some(&caller.id))?;
            store::audit(
                &ctx.tx,
                seq,
                ms(ctx.now),
                &caller.id,
                "claimed",
                Some(&stored.action.status),
                Some(&stored.action.status),
                None,
            )?;
            if status == "running" {
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
pub fn report_result(
    ctx: &mut WriteCtx<'_>,
    caller: &Caller,
    id: &str,
    report: &ResultReport,
    if_match: Option<i64>,
) -> Result<Action, AppError> {
    let perms = caller.permissions();
    let mut stored = store::load_by_id(&ctx.tx, id)?
        .ok_or_else(|| AppError::not_found(format!("No action {id}")))?;
    check_if_match(&stored, if_match, perms)?;
    let claimed_by: Option<String> = ctx
        .tx
        .prepare_cached("SELECT claimed_by FROM actions WHERE seq = ?1")?
        .query_row([stored.seq], |r| r.get(0))?;
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
    if let Err(err) = finish(ctx, &mut stored, &caller.id, result) {
        return Err(err.with_action(for_caller(stored.action.clone(), perms)));
    }
    Ok(for_caller(stored.action, perms))
}
