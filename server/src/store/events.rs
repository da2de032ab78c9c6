//! Live-event numbering and replay. An event's id is the sequence number of the audit entry that
//! recorded the change: monotonic, stored with the change itself, so a client that reconnects with
//! `Last-Event-ID` can be given what it missed straight from the audit trail — across restarts too.

use action_center_core::Action;
use rusqlite::{params, Connection};

use super::rows::decode;
use crate::errors::AppError;

/// One committed change of one action, numbered by its audit entry.
#[derive(Clone, Debug)]
pub struct Change {
    /// The audit sequence number: the SSE `id:`.
    pub id: i64,
    /// The action after the change.
    pub action: Action,
}

/// What a reconnecting client is owed.
#[derive(Debug)]
pub enum Replay {
    /// The current state of every action changed after the client's last event, in the order of
    /// their latest changes; `through` is the newest event id they cover.
    Changes { through: i64, changes: Vec<Change> },
    /// More has changed than is worth replaying, or the id is from another database: the client
    /// reloads its rows instead. `through` is the newest event id now.
    TooFarBehind { through: i64 },
}

/// The newest event id (0 for an empty audit trail).
pub fn last_event_id(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM audit")?
        .query_row([], |r| r.get(0))?)
}

/// The changes after event `after`, collapsed to one per action (its current state), unless more
/// than `max_entries` audit entries were written since.
pub fn changes_since(
    conn: &Connection,
    after: i64,
    max_entries: usize,
) -> Result<Replay, AppError> {
    // One read transaction: the count, the entries and the bodies are of one snapshot, so the ids
    // sent agree with the states sent.
    conn.execute_batch("BEGIN")?;
    let result = replay_in_snapshot(conn, after, max_entries);
    conn.execute_batch("COMMIT")?;
    result
}

fn replay_in_snapshot(
    conn: &Connection,
    after: i64,
    max_entries: usize,
) -> Result<Replay, AppError> {
    let through = last_event_id(conn)?;
    if after > through {
        return Ok(Replay::TooFarBehind { through });
    }
    let limit = i64::try_from(max_entries)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    let entries: i64 = conn
        .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM audit WHERE seq > ?1 LIMIT ?2)")?
        .query_row(params![after, limit], |r| r.get(0))?;
    if entries >= limit {
        return Ok(Replay::TooFarBehind { through });
    }
    let mut statement = conn.prepare_cached(
        "SELECT last.id, a.body
         FROM (SELECT action_seq, max(seq) AS id FROM audit WHERE seq > ?1 GROUP BY action_seq) last
         JOIN actions a ON a.seq = last.action_seq
         ORDER BY last.id",
    )?;
    let rows = statement.query_map(params![after], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut changes = Vec::new();
    for row in rows {
        let (id, body) = row?;
        changes.push(Change {
            id,
            action: decode(&body)?,
        });
    }
    Ok(Replay::Changes { through, changes })
}
