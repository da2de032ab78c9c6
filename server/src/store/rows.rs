//! One action as a row: the full JSON document, plus the columns the list filters and sorts on.
//! Every change goes through [`transition`], which asks the core lifecycle for the next status
//! and writes the row, the counters and the audit entry in the caller's transaction — the same
//! rules on every backend.

use action_center_core::{next_status, Action, DecisionState, Transition};

use super::backend::{AuditEntry, RowUpdate, Stored};
use super::{ms, WriteCtx};
use crate::errors::AppError;

/// Decodes a stored document.
pub fn decode(body: &str) -> Result<Action, AppError> {
    serde_json::from_str(body).map_err(|e| AppError::internal(format!("stored action: {e}")))
}

/// The document stored for an action (without the caller-specific `allowedOperations` and
/// `approveBlockedReason`).
pub fn encode(a: &Action) -> Result<String, AppError> {
    if a.allowed_operations.is_empty() && a.approve_blocked_reason.is_none() {
        return Ok(serde_json::to_string(a)?);
    }
    let mut plain = a.clone();
    plain.allowed_operations.clear();
    plain.approve_blocked_reason = None;
    Ok(serde_json::to_string(&plain)?)
}

/// The text the search box finds an action by.
pub fn search_text(a: &Action) -> String {
    let e = &a.entity;
    let parts = [
        Some(a.id.as_str()),
        Some(a.asset.name.as_str()),
        Some(e.name.as_str()),
        e.sha256.as_deref(),
        e.path.as_deref(),
        e.key.as_deref(),
        e.service_name.as_deref(),
        e.url.as_deref(),
        e.sender.as_deref(),
        e.upn.as_deref(),
        a.investigation_id.as_deref(),
        a.incident_id.as_deref(),
    ];
    parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// The words of [`search_text`], each once: lower-case runs of letters and digits (the same
/// split the search box's query gets, see [`super::Search`]).
pub fn search_words(a: &Action) -> Vec<String> {
    let mut words: Vec<String> = super::list::words(&search_text(a)).collect();
    words.sort();
    words.dedup();
    words
}

/// Who approved or rejected it, if someone did.
pub fn decided_by(a: &Action) -> Option<&str> {
    a.decision
        .as_ref()
        .filter(|d| matches!(d.state, DecisionState::Approved | DecisionState::Rejected))
        .and_then(|d| d.by.as_deref())
}

/// Stores a new action with its counter and its `created` audit entry.
pub async fn insert_action(ctx: &mut WriteCtx, a: &Action, actor: &str) -> Result<i64, AppError> {
    let seq = ctx.tx.insert(a).await?;
    ctx.count(a, 1);
    let entry = AuditEntry {
        action_seq: seq,
        at: ms(a.created_at),
        actor: actor.to_owned(),
        event: "created".to_owned(),
        from: None,
        to: Some(a.status.clone()),
        comment: a.request_comment.clone(),
    };
    ctx.audit(entry, Some(a));
    Ok(seq)
}

/// Moves an action along the lifecycle: asks [`next_status`], applies `edit` (decision, undo,
/// error…), bumps version and `updatedAt`, writes the row, counters and audit entry in the
/// caller's transaction. Refused moves answer 409 `invalidState` and change nothing.
pub async fn transition(
    ctx: &mut WriteCtx,
    stored: &mut Stored,
    step: Transition,
    actor: &str,
    comment: Option<&str>,
    edit: impl FnOnce(&mut Action),
) -> Result<(), AppError> {
    let before = stored.action.clone();
    let to = next_status(&before.action_type, &before.status, step).map_err(|e| {
        AppError::new(action_center_core::ErrorCode::InvalidState, e.to_string())
            .with_action(before.clone())
    })?;
    let mut after = before.clone();
    after.status = to;
    after.version = before.version + 1;
    after.updated_at = ctx.now.max(before.updated_at);
    after.allowed_operations.clear();
    after.approve_blocked_reason = None;
    edit(&mut after);
    // Claims: starting claims the work for the actor; every other move ends any claim.
    let claim = (step == Transition::Start).then(|| (actor, ms(after.updated_at)));
    let written = ctx
        .tx
        .update(RowUpdate {
            seq: stored.seq,
            expected_version: before.version,
            after: &after,
            pending_changed: before.status.is_pending() != after.status.is_pending(),
            status_changed: before.status != after.status,
            claim,
        })
        .await?;
    if !written {
        // Rows are locked once loaded in a write, so this means a bug, not a race.
        return Err(AppError::internal(format!(
            "compare-and-set lost on {} inside a write",
            before.id
        )));
    }
    if before.status != after.status {
        ctx.count(&before, -1);
        ctx.count(&after, 1);
    }
    let entry = AuditEntry {
        action_seq: stored.seq,
        at: ms(after.updated_at),
        actor: actor.to_owned(),
        event: step.event_name().to_owned(),
        from: Some(before.status.clone()),
        to: Some(after.status.clone()),
        comment: comment.map(str::to_owned),
    };
    ctx.audit(entry, Some(&after));
    stored.action = after;
    Ok(())
}

/// Records a change that leaves the status as it is (an approval of an action that needs more):
/// applies `edit`, bumps version and `updatedAt`, writes the row and an audit entry `event`, and
/// announces the new state — like [`transition`], without a move along the lifecycle.
pub async fn amend(
    ctx: &mut WriteCtx,
    stored: &mut Stored,
    event: &str,
    actor: &str,
    comment: Option<&str>,
    edit: impl FnOnce(&mut Action),
) -> Result<(), AppError> {
    let before = stored.action.clone();
    let mut after = before.clone();
    after.version = before.version + 1;
    after.updated_at = ctx.now.max(before.updated_at);
    after.allowed_operations.clear();
    after.approve_blocked_reason = None;
    edit(&mut after);
    after.status = before.status.clone();
    let written = ctx
        .tx
        .update(RowUpdate {
            seq: stored.seq,
            expected_version: before.version,
            after: &after,
            pending_changed: false,
            status_changed: false,
            claim: None,
        })
        .await?;
    if !written {
        return Err(AppError::internal(format!(
            "compare-and-set lost on {} inside a write",
            before.id
        )));
    }
    let entry = AuditEntry {
        action_seq: stored.seq,
        at: ms(after.updated_at),
        actor: actor.to_owned(),
        event: event.to_owned(),
        from: Some(before.status.clone()),
        to: Some(after.status.clone()),
        comment: comment.map(str::to_owned),
    };
    ctx.audit(entry, Some(&after));
    stored.action = after;
    Ok(())
}
