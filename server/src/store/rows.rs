//! One action as a row: the full JSON document in `body`, plus the columns the list filters and
//! sorts on. Every change goes through [`transition`], which asks the core lifecycle for the next
//! status and writes the row, the counters and the audit entry together.

use action_center_core::{next_status, Action, DecisionState, Status, Transition};
use rusqlite::{params, Connection, OptionalExtension};

use super::{ms, WriteCtx};
use crate::errors::AppError;

/// An action with its row number.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Row number (internal).
    pub seq: i64,
    /// The action.
    pub action: Action,
}

/// Decodes a stored document.
pub fn decode(body: &str) -> Result<Action, AppError> {
    serde_json::from_str(body).map_err(|e| AppError::internal(format!("stored action: {e}")))
}

/// The action with this id.
pub fn load_by_id(conn: &Connection, id: &str) -> Result<Option<Stored>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT seq, body FROM actions WHERE id = ?1")?;
    let row = stmt
        .query_row([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    match row {
        Some((seq, body)) => Ok(Some(Stored {
            seq,
            action: decode(&body)?,
        })),
        None => Ok(None),
    }
}

/// The action in row `seq`.
pub fn load_by_seq(conn: &Connection, seq: i64) -> Result<Option<Action>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT body FROM actions WHERE seq = ?1")?;
    let body: Option<String> = stmt.query_row([seq], |r| r.get(0)).optional()?;
    body.map(|b| decode(&b)).transpose()
}

/// The actions in these rows, in this order.
pub fn load_ids(conn: &Connection, seqs: &[i64]) -> Result<Vec<Action>, AppError> {
    let mut out = Vec::with_capacity(seqs.len());
    for seq in seqs {
        if let Some(action) = load_by_seq(conn, *seq)? {
            out.push(action);
        }
    }
    Ok(out)
}

/// The words the search box finds an action by.
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

fn decided_by(a: &Action) -> Option<&str> {
    a.decision
        .as_ref()
        .filter(|d| matches!(d.state, DecisionState::Approved | DecisionState::Rejected))
        .and_then(|d| d.by.as_deref())
}

/// Adds `delta` to the counter of the action's (status, type, source, category, entity kind).
pub fn bump_counter(conn: &Connection, a: &Action, delta: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO counters (status, action_type, source, category, entity_kind, n)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET n = n + excluded.n",
    )?
    .execute(params![
        a.status.as_str(),
        a.action_type.as_str(),
        a.source.as_str(),
        a.category.as_str(),
        a.entity.kind.as_str(),
        delta
    ])?;
    Ok(())
}

/// Appends an entry to an action's audit trail; returns its sequence number, which also numbers the
/// live event of the change.
#[allow(clippy::too_many_arguments)]
pub fn audit(
    conn: &Connection,
    seq: i64,
    at: i64,
    actor: &str,
    event: &str,
    from: Option<&Status>,
    to: Option<&Status>,
    comment: Option<&str>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO audit (action_seq, at, actor, event, from_status, to_status, comment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        seq,
        at,
        actor,
        event,
        from.map(|s| s.as_str()),
        to.map(|s| s.as_str()),
        comment
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Inserts the row and its search entry (no counters, no audit: see [`insert_action`]).
pub fn insert_row(conn: &Connection, a: &Action) -> Result<i64, AppError> {
    let mut body_action = a.clone();
    body_action.allowed_operations.clear();
    let body = serde_json::to_string(&body_action)?;
    conn.prepare_cached(
        "INSERT INTO actions (id, version, action_type, category, source, status, pending,
            entity_kind, asset_id, asset_name, entity_name, sha256, investigation_id, decided_by,
            created_at, updated_at, expires_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        a.id,
        a.version,
        a.action_type.as_str(),
        a.category.as_str(),
        a.source.as_str(),
        a.status.as_str(),
        a.status.is_pending(),
        a.entity.kind.as_str(),
        a.asset.id,
        a.asset.name,
        a.entity.name,
        a.entity.sha256,
        a.investigation_id,
        decided_by(a),
        ms(a.created_at),
        ms(a.updated_at),
        a.expires_at.map(ms),
        body
    ])?;
    let seq = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO action_search (rowid, text) VALUES (?1, ?2)")?
        .execute(params![seq, search_text(a)])?;
    Ok(seq)
}

/// Stores a new action with its counter and its `created` audit entry.
pub fn insert_action(ctx: &mut WriteCtx<'_>, a: &Action, actor: &str) -> Result<i64, AppError> {
    let seq = insert_row(&ctx.tx, a)?;
    bump_counter(&ctx.tx, a, 1)?;
    let audit_seq = audit(
        &ctx.tx,
        seq,
        ms(a.created_at),
        actor,
        "created",
        None,
        Some(&a.status),
        a.request_comment.as_deref(),
    )?;
    ctx.changed(a, audit_seq);
    Ok(seq)
}

/// Moves an action along the lifecycle: asks [`next_status`], applies `edit` (decision, undo,
/// error…), bumps version and `updatedAt`, writes the row, counters and audit entry in the
/// caller's transaction. Refused moves answer 409 `invalidState` and change nothing.
pub fn transition(
    ctx: &mut WriteCtx<'_>,
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
    edit(&mut after);
    let body = serde_json::to_string(&after)?;
    // Claims: starting claims the work for the actor; every other move ends any claim.
    let (claimed_by, claimed_at) = if step == Transition::Start {
        (Some(actor), Some(ms(after.updated_at)))
    } else {
        (None, None)
    };
    // Only a decision (leaving `pending`) touches the pending/decider columns, so other moves
    // leave most of the list's indexes alone.
    let changed = if before.status.is_pending() {
        ctx.tx
            .prepare_cached(
                "UPDATE actions SET version = ?1, status = ?2, pending = ?3, decided_by = ?4,
                    updated_at = ?5, expires_at = ?6, body = ?7, claimed_by = ?8, claimed_at = ?9
                 WHERE seq = ?10 AND version = ?11",
            )?
            .execute(params![
                after.version,
                after.status.as_str(),
                after.status.is_pending(),
                decided_by(&after),
                ms(after.updated_at),
                after.expires_at.map(ms),
                body,
                claimed_by,
                claimed_at,
                stored.seq,
                before.version
            ])?
    } else {
        ctx.tx
            .prepare_cached(
                "UPDATE actions SET version = ?1, status = ?2, updated_at = ?3, body = ?4,
                    claimed_by = ?5, claimed_at = ?6
                 WHERE seq = ?7 AND version = ?8",
            )?
            .execute(params![
                after.version,
                after.status.as_str(),
                ms(after.updated_at),
                body,
                claimed_by,
                claimed_at,
                stored.seq,
                before.version
            ])?
    };
    if changed != 1 {
        return Err(AppError::internal(format!(
            "compare-and-set lost on {} inside the writer",
            before.id
        )));
    }
    if before.status != after.status {
        bump_counter(&ctx.tx, &before, -1)?;
        bump_counter(&ctx.tx, &after, 1)?;
    }
    let audit_seq = audit(
        &ctx.tx,
        stored.seq,
        ms(after.updated_at),
        actor,
        step.event_name(),
        Some(&before.status),
        Some(&after.status),
        comment,
    )?;
    ctx.changed(&after, audit_seq);
    stored.action = after;
    Ok(())
}
