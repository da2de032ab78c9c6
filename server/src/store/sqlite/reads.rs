//! The reads of the API on SQLite: list, total, facets, export, timeline, event replay.
//!
//! Pages are read in two steps: row numbers through an index that serves the filter and sort,
//! then the documents of just those rows. A search's page comes from [`super::search`]; totals,
//! facets and exports of a search go through the FTS5 index (see [`fts_query`]).

use action_center_core::{Action, ActionQuery, Facets, Status, TimelineEntry};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection};

use super::super::events::{Change, Replay};
use super::super::list::{
    countable, filter, fold_facets, order_by, without_facet_filters, Dialect, ListResult, Param,
    Search, Where, TOTAL_CAP,
};
use super::super::memsearch::MemSearch;
use super::super::{decode, from_ms};
use super::tx::load_by_seq;
use crate::errors::AppError;

/// The FTS5 expression of a search: quoted words, the last one a prefix.
pub fn fts_query(search: &Search) -> Option<String> {
    match search {
        Search::Words { whole, prefix } => {
            let mut expr: Vec<String> = whole.iter().map(|w| format!("\"{w}\"")).collect();
            expr.push(format!("\"{prefix}\"*"));
            Some(expr.join(" "))
        }
        _ => None,
    }
}

fn values(w: &Where) -> Vec<Value> {
    w.params
        .iter()
        .flat_map(|p| match p {
            Param::Int(i) => vec![Value::Integer(*i)],
            Param::Text(t) => vec![Value::Text(t.clone())],
            Param::Texts(ts) => ts.iter().cloned().map(Value::Text).collect(),
            Param::Ints(is) => is.iter().copied().map(Value::Integer).collect(),
        })
        .collect()
}

/// The filter over `actions`, search included.
fn row_filter(q: &ActionQuery) -> Where {
    let mut w = filter(q, Dialect::Sqlite, false, None);
    add_search(&mut w, &Search::from_query(q.q.as_deref()));
    w
}

fn add_search(w: &mut Where, search: &Search) {
    match search {
        Search::None => {}
        Search::Nothing => w.push("0"),
        Search::Words { .. } => {
            let expr = fts_query(search).unwrap_or_default();
            let mark = w.bind(Param::Text(expr));
            w.push(format!(
                "seq IN (SELECT rowid FROM action_search WHERE action_search MATCH {mark})"
            ));
        }
    }
}

/// Rows matching the filter — from the counters, or counted up to [`TOTAL_CAP`].
pub fn count(conn: &Connection, q: &ActionQuery) -> Result<(u64, bool), AppError> {
    if countable(q) {
        let w = filter(q, Dialect::Sqlite, true, None);
        let sql = format!("SELECT COALESCE(SUM(n), 0) FROM counters WHERE {}", w.sql());
        let n: i64 = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values(&w)), |r| r.get(0))?;
        return Ok((n.max(0) as u64, false));
    }
    let w = row_filter(q);
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM actions WHERE {} LIMIT {})",
        w.sql(),
        TOTAL_CAP + 1
    );
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(values(&w)), |r| r.get(0))?;
    let n = n.max(0) as u64;
    Ok((n.min(TOTAL_CAP), n > TOTAL_CAP))
}

/// One page of the list: a search from the index in memory, its documents from the database.
pub fn list(conn: &Connection, q: &ActionQuery, index: &MemSearch) -> Result<ListResult, AppError> {
    let search = Search::from_query(q.q.as_deref());
    if let Some(page) = index.page(q, &search) {
        return Ok(ListResult {
            items: load_all(conn, &page.seqs)?,
            total: page.total,
            total_is_lower_bound: page.total_is_lower_bound,
        });
    }
    let size = q.page_size_or_default() as i64;
    let offset = (q.page_or_default() as i64 - 1) * size;
    let w = row_filter(q);
    let sql = format!(
        "SELECT seq FROM actions WHERE {} ORDER BY {} LIMIT {size} OFFSET {offset}",
        w.sql(),
        order_by(q, Dialect::Sqlite)
    );
    let seqs: Vec<i64> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values(&w)), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let (total, total_is_lower_bound) = count(conn, q)?;
    Ok(ListResult {
        items: load_all(conn, &seqs)?,
        total,
        total_is_lower_bound,
    })
}

fn load_all(conn: &Connection, seqs: &[i64]) -> Result<Vec<Action>, AppError> {
    let mut items = Vec::with_capacity(seqs.len());
    for seq in seqs {
        if let Some(stored) = load_by_seq(conn, *seq)? {
            items.push(stored.action);
        }
    }
    Ok(items)
}

/// Every matching row in list order, handed to `each` until it returns false.
pub fn export(
    conn: &Connection,
    q: &ActionQuery,
    mut each: impl FnMut(Action) -> bool,
) -> Result<(), AppError> {
    let w = row_filter(q);
    let sql = format!(
        "SELECT body FROM actions WHERE {} ORDER BY {}",
        w.sql(),
        order_by(q, Dialect::Sqlite)
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(values(&w)))?;
    while let Some(row) = rows.next()? {
        let body: String = row.get(0)?;
        if !each(decode(&body)?) {
            break;
        }
    }
    Ok(())
}

/// Counts per type, status, source and category: one grouped pass over the counters, or over
/// the matching rows.
pub fn facets(conn: &Connection, q: &ActionQuery, index: &MemSearch) -> Result<Facets, AppError> {
    if let Some(rows) = index.facet_rows(q, &Search::from_query(q.q.as_deref())) {
        return Ok(fold_facets(q, rows));
    }
    let base = without_facet_filters(q);
    let (sql, w) = if countable(q) {
        let w = filter(&base, Dialect::Sqlite, true, None);
        let sql = format!(
            "SELECT action_type, status, source, category, SUM(n) FROM counters WHERE {}
             GROUP BY 1, 2, 3, 4",
            w.sql()
        );
        (sql, w)
    } else {
        let w = row_filter(&base);
        let sql = format!(
            "SELECT action_type, status, source, category, count(*) FROM actions WHERE {}
             GROUP BY 1, 2, 3, 4",
            w.sql()
        );
        (sql, w)
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(values(&w)), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(fold_facets(q, rows))
}

/// The audit trail of one action, oldest first.
pub fn timeline(conn: &Connection, seq: i64) -> Result<Vec<TimelineEntry>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, event, from_status, to_status, comment
         FROM audit WHERE action_seq = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([seq], |r| {
        Ok(TimelineEntry {
            at: from_ms(r.get(0)?),
            actor: r.get(1)?,
            event: r.get(2)?,
            from_status: r.get::<_, Option<String>>(3)?.map(|s| Status::parse(&s)),
            to_status: r.get::<_, Option<String>>(4)?.map(|s| Status::parse(&s)),
            comment: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
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

/// Work waiting for an executor.
pub fn queue_depth(conn: &Connection) -> Result<u64, AppError> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(n), 0) FROM counters WHERE status IN ('queued', 'undoing')",
        )?
        .query_row([], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}
