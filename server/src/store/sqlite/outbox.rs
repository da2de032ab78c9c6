//! The webhook outbox on SQLite. One process owns the file, so a lease only guards against the
//! process's own workers (one per receiver); the writer lock serialises claims.

use rusqlite::{params, Connection};

use super::super::outbox::{
    AttemptOutcome, AttemptResult, ClaimedDelivery, DeliveryFilter, DeliveryRow, NewDelivery,
    OutboxBacklog,
};
use crate::errors::AppError;

/// Writes the deliveries of a write's changes.
pub fn enqueue(conn: &Connection, rows: &[NewDelivery]) -> Result<(), AppError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO webhook_outbox (receiver, receiver_origin, event_id, action_id, body,
            created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?;
    for r in rows {
        stmt.execute(params![
            r.receiver,
            r.receiver_origin,
            r.event_id,
            r.action_id,
            r.body,
            r.created_at
        ])?;
    }
    Ok(())
}

/// Leases the due deliveries to `receiver`: per action only the oldest one not yet delivered.
pub fn claim(
    conn: &Connection,
    receiver: &str,
    now_ms: i64,
    lease_until_ms: i64,
    lease_token: i64,
    limit: usize,
) -> Result<Vec<ClaimedDelivery>, AppError> {
    let claimed: Vec<ClaimedDelivery> = conn
        .prepare_cached(
            "SELECT o.id, o.event_id, o.action_id, o.body, o.attempts FROM webhook_outbox o
             WHERE o.receiver = ?1 AND o.dead = 0 AND o.next_attempt_at <= ?2
               AND (o.lease_until IS NULL OR o.lease_until <= ?2)
               AND NOT EXISTS (
                   SELECT 1 FROM webhook_outbox e
                   WHERE e.receiver = o.receiver AND e.action_id = o.action_id
                     AND e.event_id < o.event_id AND e.dead = 0)
             ORDER BY o.event_id LIMIT ?3",
        )?
        .query_map(params![receiver, now_ms, limit as i64], |r| {
            Ok(ClaimedDelivery {
                id: r.get(0)?,
                event_id: r.get(1)?,
                action_id: r.get(2)?,
                body: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut lease = conn.prepare_cached(
        "UPDATE webhook_outbox SET lease_until = ?1, lease_token = ?2 WHERE id = ?3",
    )?;
    for c in &claimed {
        lease.execute(params![lease_until_ms, lease_token, c.id])?;
    }
    Ok(claimed)
}

/// Records attempts made under a lease that is still the row's.
pub fn record(conn: &Connection, results: &[AttemptResult]) -> Result<(), AppError> {
    for r in results {
        match &r.outcome {
            AttemptOutcome::Delivered => {
                conn.prepare_cached(
                    "DELETE FROM webhook_outbox WHERE id = ?1 AND lease_token = ?2",
                )?
                .execute(params![r.id, r.lease_token])?;
            }
            AttemptOutcome::Failed {
                next_attempt_at,
                status,
                error,
            } => {
                conn.prepare_cached(
                    "UPDATE webhook_outbox SET attempts = attempts + 1, dead = ?1,
                        next_attempt_at = COALESCE(?2, next_attempt_at), last_status = ?3,
                        last_error = ?4, last_attempt_at = ?5, lease_until = NULL,
                        lease_token = NULL
                     WHERE id = ?6 AND lease_token = ?7",
                )?
                .execute(params![
                    next_attempt_at.is_none(),
                    next_attempt_at,
                    status,
                    error,
                    r.at,
                    r.id,
                    r.lease_token
                ])?;
            }
        }
    }
    Ok(())
}

/// The operator's listing.
pub fn list(
    conn: &Connection,
    filter: DeliveryFilter,
    limit: usize,
) -> Result<Vec<DeliveryRow>, AppError> {
    let (dead_min, dead_max) = match filter {
        DeliveryFilter::Failing => (0, 0),
        DeliveryFilter::Dead => (1, 1),
        DeliveryFilter::Troubled => (0, 1),
    };
    let rows = conn
        .prepare_cached(
            "SELECT receiver_origin, event_id, action_id, attempts, dead, last_status,
                last_error, last_attempt_at, next_attempt_at, created_at
             FROM webhook_outbox
             WHERE dead BETWEEN ?1 AND ?2 AND attempts > 0
             ORDER BY id LIMIT ?3",
        )?
        .query_map(params![dead_min, dead_max, limit as i64], |r| {
            let dead: bool = r.get(4)?;
            Ok(DeliveryRow {
                receiver_origin: r.get(0)?,
                event_id: r.get(1)?,
                action_id: r.get(2)?,
                attempts: r.get(3)?,
                dead,
                last_status: r.get(5)?,
                last_error: r.get(6)?,
                last_attempt_at: r.get(7)?,
                next_attempt_at: if dead { None } else { Some(r.get(8)?) },
                created_at: r.get(9)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Deliveries waiting and dead.
pub fn backlog(conn: &Connection) -> Result<OutboxBacklog, AppError> {
    let (waiting, dead): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(dead = 0), 0), COALESCE(SUM(dead = 1), 0) FROM webhook_outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(OutboxBacklog {
        waiting: waiting as u64,
        dead: dead as u64,
    })
}
