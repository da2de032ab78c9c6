//! The reads of the API on PostgreSQL: list, total, facets, export, timeline, event replay.

use action_center_core::{Action, ActionQuery, Facets, Status, TimelineEntry};
use deadpool_postgres::ClientWrapper as Client;
use futures_util::{pin_mut, TryStreamExt};
use tokio::sync::mpsc;
use tokio_postgres::types::ToSql;
use tokio_postgres::IsolationLevel;

use super::super::backend::Stored;
use super::super::events::{Change, Replay};
use super::super::list::{
    countable, filter, fold_facets, order_by, without_facet_filters, Dialect, ListResult, Param,
    Search, Where, TOTAL_CAP,
};
use super::super::memsearch::MemSearch;
use super::super::{decode, from_ms};
use super::{column_text, decode_comment, search};
use crate::errors::AppError;

/// A parameter as tokio-postgres takes it.
fn sql_params(w: &Where) -> Vec<Box<dyn ToSql + Sync + Send>> {
    w.params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                Param::Int(i) => Box::new(*i),
                Param::Text(t) => Box::new(t.clone()),
                Param::Texts(ts) => Box::new(ts.clone()),
                Param::Ints(is) => Box::new(is.clone()),
            }
        })
        .collect()
}

fn refs(params: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect()
}

/// The filter over `actions`, search included (its last word expanded through the vocabulary).
async fn row_filter(client: &Client, q: &ActionQuery) -> Result<Where, AppError> {
    let mut w = filter(q, Dialect::Postgres, false, None);
    let search = Search::from_query(q.q.as_deref());
    match search::tsquery(client, &search, &[]).await? {
        Some(query) => {
            let mark = w.bind(Param::Text(query));
            w.push(format!("words @@ {mark}::text::tsquery"));
        }
        None if search != Search::None => w.push("FALSE"),
        None => {}
    }
    Ok(w)
}

pub(super) async fn query(
    client: &Client,
    sql: &str,
    w: &Where,
) -> Result<Vec<tokio_postgres::Row>, AppError> {
    let params = sql_params(w);
    let stmt = client.prepare_cached(sql).await?;
    Ok(client.query(&stmt, &refs(&params)).await?)
}

/// Rows matching the query — from the counters, or the rows its row filter `w` keeps, counted up
/// to [`TOTAL_CAP`].
async fn count(client: &Client, q: &ActionQuery, w: &Where) -> Result<(u64, bool), AppError> {
    if countable(q) {
        let counters = filter(q, Dialect::Postgres, true, None);
        let sql = format!(
            "SELECT COALESCE(SUM(n), 0)::bigint FROM counters WHERE {}",
            counters.sql()
        );
        let n: i64 = query(client, &sql, &counters).await?[0].get(0);
        return Ok((n.max(0) as u64, false));
    }
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM actions WHERE {} LIMIT {}) m",
        w.sql(),
        TOTAL_CAP + 1
    );
    let n: i64 = query(client, &sql, w).await?[0].get(0);
    let n = n.max(0) as u64;
    Ok((n.min(TOTAL_CAP), n > TOTAL_CAP))
}

/// Reads the documents of `keys` (`sql` selects key and body for `= ANY($1)`), in that order.
async fn bodies_in_order<K>(client: &Client, sql: &str, keys: &[K]) -> Result<Vec<Action>, AppError>
where
    K: ToSql + Sync + Eq + std::hash::Hash + for<'a> tokio_postgres::types::FromSql<'a>,
{
    let stmt = client.prepare_cached(sql).await?;
    let mut found: std::collections::HashMap<K, String> = client
        .query(&stmt, &[&keys])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    keys.iter()
        .filter_map(|key| found.remove(key))
        .map(|body| decode(&body))
        .collect()
}

/// The documents of rows, by sequence number.
const BODIES_BY_SEQ: &str = "SELECT seq, body FROM action_bodies WHERE seq = ANY($1)";
/// The documents of actions, by id.
const BODIES_BY_ID: &str =
    "SELECT a.id, b.body FROM actions a JOIN action_bodies b ON b.seq = a.seq
     WHERE a.id = ANY($1)";

/// A read-only snapshot and the newest audit entry in it: what it holds is every change up to
/// that entry (entries are numbered in commit order).
pub(super) async fn snapshot(
    client: &mut tokio_postgres::Client,
) -> Result<(tokio_postgres::Transaction<'_>, i64), AppError> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let through: i64 = tx
        .query_one("SELECT coalesce(max(seq), 0)::bigint FROM audit", &[])
        .await?
        .get(0);
    Ok((tx, through))
}

/// One page of the list: a search from the instance's index once it is loaded, its documents
/// from the database.
pub async fn list(
    client: &Client,
    q: &ActionQuery,
    index: &MemSearch,
) -> Result<ListResult, AppError> {
    let search = Search::from_query(q.q.as_deref());
    if let Some(page) = index.page(q, &search) {
        return Ok(ListResult {
            items: bodies_in_order(client, BODIES_BY_SEQ, &page.seqs).await?,
            total: page.total,
            total_is_lower_bound: page.total_is_lower_bound,
        });
    }
    let size = q.page_size_or_default() as i64;
    let offset = (q.page_or_default() as i64 - 1) * size;
    let w = row_filter(client, q).await?;
    // The ids, not the row numbers: every sort index ends with the id, so a deep page's
    // skipped rows are read from the index alone (an index-only scan), not each from the table.
    let sql = format!(
        "SELECT id FROM actions WHERE {} ORDER BY {} LIMIT {size} OFFSET {offset}",
        w.sql(),
        order_by(q, Dialect::Postgres)
    );
    let ids: Vec<String> = query(client, &sql, &w)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let items = bodies_in_order(client, BODIES_BY_ID, &ids).await?;
    let (total, total_is_lower_bound) = count(client, q, &w).await?;
    Ok(ListResult {
        items,
        total,
        total_is_lower_bound,
    })
}

/// Every matching row in list order, streamed into `sink`.
pub async fn export(
    client: &Client,
    q: &ActionQuery,
    sink: mpsc::Sender<Result<Action, AppError>>,
) -> Result<(), AppError> {
    let w = row_filter(client, q).await?;
    let sql = format!(
        "SELECT b.body FROM actions JOIN action_bodies b USING (seq) WHERE {} ORDER BY {}",
        w.sql(),
        order_by(q, Dialect::Postgres)
    );
    let params = sql_params(&w);
    let stmt = client.prepare(&sql).await?;
    let rows = client
        .query_raw(&stmt, params.iter().map(|p| &**p as &(dyn ToSql + Sync)))
        .await?;
    pin_mut!(rows);
    while let Some(row) = rows.try_next().await? {
        let action = decode(row.get(0))?;
        if sink.send(Ok(action)).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// Counts per type, status, source and category: one grouped pass over the counters, or over
/// the matching rows.
pub async fn facets(
    client: &Client,
    q: &ActionQuery,
    index: &MemSearch,
) -> Result<Facets, AppError> {
    if let Some(rows) = index.facet_rows(q, &Search::from_query(q.q.as_deref())) {
        return Ok(fold_facets(q, rows));
    }
    let base = without_facet_filters(q);
    let (sql, w) = if countable(q) {
        let w = filter(&base, Dialect::Postgres, true, None);
        let sql = format!(
            "SELECT action_type, status, source, category, SUM(n)::bigint FROM counters
             WHERE {} GROUP BY 1, 2, 3, 4",
            w.sql()
        );
        (sql, w)
    } else {
        let w = row_filter(client, &base).await?;
        let sql = format!(
            "SELECT action_type, status, source, category, count(*) FROM actions WHERE {}
             GROUP BY 1, 2, 3, 4",
            w.sql()
        );
        (sql, w)
    };
    let rows = query(client, &sql, &w).await?;
    Ok(fold_facets(
        q,
        rows.iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))),
    ))
}

/// One action.
pub async fn action(client: &Client, id: &str) -> Result<Option<Stored>, AppError> {
    let stmt = client
        .prepare_cached(
            "SELECT a.seq, b.body FROM actions a JOIN action_bodies b ON b.seq = a.seq
             WHERE a.id = $1",
        )
        .await?;
    let rows = client.query(&stmt, &[&id]).await?;
    rows.first()
        .map(|r| {
            Ok(Stored {
                seq: r.get(0),
                action: decode(r.get(1))?,
            })
        })
        .transpose()
}

/// Other completed (or undo-failed) quarantines of the same file on other assets.
pub async fn related_instances(client: &Client, a: &Action) -> Result<Vec<Stored>, AppError> {
    let Some(sha) = a.entity.sha256.as_deref() else {
        return Ok(Vec::new());
    };
    let rows = client
        .query(
            "SELECT a.seq, b.body FROM actions a JOIN action_bodies b ON b.seq = a.seq
             WHERE a.sha256 = $1 AND a.action_type = 'quarantineFile'
               AND a.status IN ('completed', 'undoFailed') AND a.id <> $2 AND a.asset_id <> $3
             ORDER BY a.updated_at DESC, a.id DESC",
            &[&column_text(sha), &a.id, &column_text(&a.asset.id)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Stored {
                seq: r.get(0),
                action: decode(r.get(1))?,
            })
        })
        .collect()
}

/// The audit trail of one action, oldest first.
pub async fn timeline(client: &Client, seq: i64) -> Result<Vec<TimelineEntry>, AppError> {
    let rows = client
        .query(
            "SELECT at, actor, event, from_status, to_status, comment
             FROM audit WHERE action_seq = $1 ORDER BY seq",
            &[&seq],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| TimelineEntry {
            at: from_ms(r.get(0)),
            actor: r.get(1),
            event: r.get(2),
            from_status: r.get::<_, Option<&str>>(3).map(Status::parse),
            to_status: r.get::<_, Option<&str>>(4).map(Status::parse),
            comment: decode_comment(r.get(5)),
        })
        .collect())
}

/// The newest event id (0 for an empty audit trail).
pub async fn last_event_id(client: &Client) -> Result<i64, AppError> {
    Ok(client
        .query_one("SELECT coalesce(max(seq), 0)::bigint FROM audit", &[])
        .await?
        .get(0))
}

/// The changes after event `after`, collapsed to one per action (its current state), unless more
/// than `max_entries` audit entries were written since — read in one snapshot.
pub async fn changes_since(
    client: &mut Client,
    after: i64,
    max_entries: usize,
) -> Result<Replay, AppError> {
    let (tx, through) = snapshot(client).await?;
    if after > through {
        return Ok(Replay::TooFarBehind { through });
    }
    let limit = i64::try_from(max_entries)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    let entries: i64 = tx
        .query_one(
            "SELECT count(*) FROM (SELECT 1 FROM audit WHERE seq > $1 LIMIT $2) e",
            &[&after, &limit],
        )
        .await?
        .get(0);
    if entries >= limit {
        return Ok(Replay::TooFarBehind { through });
    }
    let rows = tx
        .query(
            "SELECT last.id, a.body
             FROM (SELECT action_seq, max(seq) AS id FROM audit WHERE seq > $1
                   GROUP BY action_seq) last
             JOIN action_bodies a ON a.seq = last.action_seq
             ORDER BY last.id",
            &[&after],
        )
        .await?;
    let mut changes = Vec::with_capacity(rows.len());
    for r in rows {
        changes.push(Change {
            id: r.get(0),
            action: decode(r.get(1))?,
        });
    }
    tx.commit().await?;
    Ok(Replay::Changes { through, changes })
}

/// Work waiting for an executor.
pub async fn queue_depth(client: &Client) -> Result<u64, AppError> {
    let n: i64 = client
        .query_one(
            "SELECT COALESCE(SUM(n), 0)::bigint FROM counters WHERE status IN ('queued', 'undoing')",
            &[],
        )
        .await?
        .get(0);
    Ok(n.max(0) as u64)
}
