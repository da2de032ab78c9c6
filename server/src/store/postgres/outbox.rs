//! The webhook outbox on PostgreSQL, shared by every instance on the database. A claim leases
//! rows in one statement (`FOR UPDATE SKIP LOCKED`, so two instances claiming at once take
//! different rows and neither waits); a row is only due when no earlier event of its action to
//! the same receiver is still undelivered (leased or not), so an action's events go out one at a
//! time, in order, whichever instance sends them.

use deadpool_postgres::ClientWrapper as Client;
use tokio_postgres::types::ToSql;

use super::super::outbox::{
    AttemptOutcome, AttemptResult, ClaimedDelivery, DeliveryFilter, DeliveryRow, NewDelivery,
    OutboxBacklog,
};
use super::column_text as t;
use crate::errors::AppError;

async fn execute(
    client: &Client,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, AppError> {
    let stmt = client.prepare_cached(sql).await?;
    Ok(client.execute(&stmt, params).await?)
}

/// Writes the deliveries of a write's changes, in one statement.
pub async fn enqueue(client: &Client, rows: &[NewDelivery]) -> Result<(), AppError> {
    let receivers: Vec<&str> = rows.iter().map(|r| r.receiver.as_str()).collect();
    let origins: Vec<&str> = rows.iter().map(|r| r.receiver_origin.as_str()).collect();
    let events: Vec<i64> = rows.iter().map(|r| r.event_id).collect();
    let actions: Vec<std::borrow::Cow<'_, str>> = rows.iter().map(|r| t(&r.action_id)).collect();
    // The body is JSON, where a NUL is always escaped: `text` can hold it.
    let bodies: Vec<&str> = rows.iter().map(|r| r.body.as_str()).collect();
    let created: Vec<i64> = rows.iter().map(|r| r.created_at).collect();
    execute(
        client,
        "INSERT INTO webhook_outbox (receiver, receiver_origin, event_id, action_id, body,
            created_at, next_attempt_at)
         SELECT a, b, c, d, e, f, f
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[])
              AS u(a, b, c, d, e, f)",
        &[&receivers, &origins, &events, &actions, &bodies, &created],
    )
    .await?;
    Ok(())
}

/// Leases the due deliveries to `receiver`: per action only the oldest one not yet delivered.
pub async fn claim(
    client: &Client,
    receiver: &str,
    now_ms: i64,
    lease_until_ms: i64,
    lease_token: i64,
    limit: usize,
) -> Result<Vec<ClaimedDelivery>, AppError> {
    let stmt = client
        .prepare_cached(
            "WITH due AS (
                SELECT o.id FROM webhook_outbox o
                WHERE o.receiver = $1 AND NOT o.dead AND o.next_attempt_at <= $2
                  AND (o.lease_until IS NULL OR o.lease_until <= $2)
                  AND NOT EXISTS (
                      SELECT 1 FROM webhook_outbox e
                      WHERE e.receiver = o.receiver AND e.action_id = o.action_id
                        AND e.event_id < o.event_id AND NOT e.dead)
                ORDER BY o.event_id LIMIT $5
                FOR UPDATE SKIP LOCKED)
             UPDATE webhook_outbox w SET lease_until = $3, lease_token = $4
             FROM due WHERE w.id = due.id
             RETURNING w.id, w.event_id, w.action_id, w.body, w.attempts",
        )
        .await?;
    let rows = client
        .query(
            &stmt,
            &[
                &receiver,
                &now_ms,
                &lease_until_ms,
                &lease_token,
                &(limit as i64),
            ],
        )
        .await?;
    let mut claimed: Vec<ClaimedDelivery> = rows
        .iter()
        .map(|r| ClaimedDelivery {
            id: r.get(0),
            event_id: r.get(1),
            action_id: r.get(2),
            body: r.get(3),
            attempts: r.get::<_, i32>(4).max(0) as u32,
        })
        .collect();
    // `RETURNING` keeps no order.
    claimed.sort_by_key(|c| c.event_id);
    Ok(claimed)
}

/// Records attempts made under a lease that is still the row's.
pub async fn record(client: &Client, results: &[AttemptResult]) -> Result<(), AppError> {
    for r in results {
        match &r.outcome {
            AttemptOutcome::Delivered => {
                execute(
                    client,
                    "DELETE FROM webhook_outbox WHERE id = $1 AND lease_token = $2",
                    &[&r.id, &r.lease_token],
                )
                .await?;
            }
            AttemptOutcome::Failed {
                next_attempt_at,
                status,
                error,
            } => {
                let status = status.map(i32::from);
                execute(
                    client,
                    "UPDATE webhook_outbox SET attempts = attempts + 1, dead = $1,
                        next_attempt_at = COALESCE($2, next_attempt_at), last_status = $3,
                        last_error = $4, last_attempt_at = $5, lease_until = NULL,
                        lease_token = NULL
                     WHERE id = $6 AND lease_token = $7",
                    &[
                        &next_attempt_at.is_none(),
                        next_attempt_at,
                        &status,
                        &t(error),
                        &r.at,
                        &r.id,
                        &r.lease_token,
                    ],
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// The operator's listing.
pub async fn list(
    client: &Client,
    filter: DeliveryFilter,
    limit: usize,
) -> Result<Vec<DeliveryRow>, AppError> {
    let (dead_min, dead_max) = match filter {
        DeliveryFilter::Failing => (false, false),
        DeliveryFilter::Dead => (true, true),
        DeliveryFilter::Troubled => (false, true),
    };
    let stmt = client
        .prepare_cached(
            "SELECT receiver_origin, event_id, action_id, attempts, dead, last_status,
                last_error, last_attempt_at, next_attempt_at, created_at
             FROM webhook_outbox
             WHERE dead IN ($1, $2) AND attempts > 0
             ORDER BY id LIMIT $3",
        )
        .await?;
    let rows = client
        .query(&stmt, &[&dead_min, &dead_max, &(limit as i64)])
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let dead: bool = r.get(4);
            DeliveryRow {
                receiver_origin: r.get(0),
                event_id: r.get(1),
                action_id: r.get(2),
                attempts: r.get::<_, i32>(3).max(0) as u32,
                dead,
                last_status: r
                    .get::<_, Option<i32>>(5)
                    .and_then(|s| u16::try_from(s).ok()),
                last_error: r.get(6),
                last_attempt_at: r.get(7),
                next_attempt_at: if dead { None } else { Some(r.get(8)) },
                created_at: r.get(9),
            }
        })
        .collect())
}

/// Deliveries waiting and dead.
pub async fn backlog(client: &Client) -> Result<OutboxBacklog, AppError> {
    let row = client
        .query_one(
            "SELECT count(*) FILTER (WHERE NOT dead), count(*) FILTER (WHERE dead)
             FROM webhook_outbox",
            &[],
        )
        .await?;
    let waiting: i64 = row.get(0);
    let dead: i64 = row.get(1);
    Ok(OutboxBacklog {
        waiting: waiting.max(0) as u64,
        dead: dead.max(0) as u64,
    })
}
