//! Live updates across instances: every write's transaction ends with `NOTIFY` (see
//! [`super::tx`]); each instance keeps one connection of its own that `LISTEN`s, and on each
//! notification reads the audit entries after the last one it announced — in sequence order,
//! which is commit order — and announces them to its subscribers. A lost connection is
//! reopened and the listener catches up from where it was, so no change is skipped.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc};
use tokio_postgres::{AsyncMessage, NoTls};

use super::super::decode;
use super::super::events::Change;
use super::super::memsearch::MemSearch;
use super::EVENTS_CHANNEL;
use crate::errors::AppError;

/// Audit entries read per query while catching up.
const BATCH: i64 = 1_000;
/// A look even without a notification, in case one was lost with a connection.
const IDLE_POLL: Duration = Duration::from_secs(5);

/// Follows commits until the task is dropped, from the newest audit entry the search index
/// covers (so it misses none of them), else from the newest at the first connection.
pub async fn follow(
    config: tokio_postgres::Config,
    pool: Pool,
    events: broadcast::Sender<Change>,
    search: Arc<MemSearch>,
) {
    let mut last_seen = search.through();
    loop {
        if let Err(err) = follow_connection(&config, &pool, &events, &search, &mut last_seen).await
        {
            crate::telemetry::log::warn(
                "live updates; listening again in 1 s",
                &[("error", err.to_string().into())],
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn follow_connection(
    config: &tokio_postgres::Config,
    pool: &Pool,
    events: &broadcast::Sender<Change>,
    search: &MemSearch,
    last_seen: &mut Option<i64>,
) -> Result<(), AppError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (wake, mut woken) = mpsc::unbounded_channel::<()>();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    if wake.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    crate::telemetry::log::warn(
                        "live updates connection",
                        &[("error", err.to_string().into())],
                    );
                    break;
                }
            }
        }
    });
    let result = async {
        client
            .batch_execute(&format!("LISTEN {EVENTS_CHANNEL}"))
            .await?;
        if last_seen.is_none() {
            let row = client
                .query_one("SELECT coalesce(max(seq), 0)::bigint FROM audit", &[])
                .await?;
            *last_seen = Some(row.get(0));
        }
        loop {
            catch_up(pool, events, search, last_seen).await?;
            match tokio::time::timeout(IDLE_POLL, woken.recv()).await {
                Ok(None) => return Err(AppError::unavailable("the listening connection closed")),
                Ok(Some(())) => while woken.try_recv().is_ok() {},
                Err(_) => {}
            }
        }
    }
    .await;
    driver.abort();
    result
}

/// Announces every audit entry after `last_seen` (except claims, which change no action), and
/// applies each to the search index first.
async fn catch_up(
    pool: &Pool,
    events: &broadcast::Sender<Change>,
    search: &MemSearch,
    last_seen: &mut Option<i64>,
) -> Result<(), AppError> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "SELECT au.seq, au.event, b.body, au.action_seq FROM audit au
             JOIN action_bodies b ON b.seq = au.action_seq
             WHERE au.seq > $1 ORDER BY au.seq LIMIT $2",
        )
        .await?;
    loop {
        let after = last_seen.unwrap_or(0);
        let rows = client.query(&stmt, &[&after, &BATCH]).await?;
        let mut changes = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.get(0);
            if row.get::<_, &str>(1) == "claimed" {
                continue;
            }
            match decode(row.get(2)) {
                Ok(action) => changes.push((row.get::<_, i64>(3), Change { id, action })),
                // A document this build cannot read is skipped, not retried for ever.
                Err(err) => crate::telemetry::log::warn(
                    "live updates: unreadable action",
                    &[("error", err.to_string().into())],
                ),
            }
        }
        if let Some(last) = rows.last() {
            let through: i64 = last.get(0);
            search.apply(
                changes.iter().map(|(row, c)| (*row, &c.action)),
                Some(through),
            );
            *last_seen = Some(through);
        }
        for (_, change) in changes {
            // No subscriber is not an error.
            let _ = events.send(change);
        }
        if (rows.len() as i64) < BATCH {
            return Ok(());
        }
    }
}
