//! Search on SQLite: the FTS5 index holds each action's words and filter tokens (see
//! [`crate::store::search`]); `search_rows` keeps the same text per row (to take it out of the
//! index again, and to test rows while walking the list); `search_vocab` lists the indexed
//! words, so that the last word of a query becomes the few whole words it begins, which the
//! index streams, instead of a prefix query, which it merges in full first.

use std::collections::HashMap;
use std::rc::Rc;

use action_center_core::{Action, ActionQuery, View};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, ToSql};

use super::super::list::{filter_tokens, order_by, Dialect, Search, TOTAL_CAP};
use super::super::search::{
    expand, fold, index_text, match_expression, page_plan, prefix_end, text_test, token_filters,
    PagePlan, TokenFilter, COLLECT_CAP, FTS5, MAX_EXPANSION, TOKEN_MARK,
};
use super::super::search_words;
use crate::errors::AppError;

/// The index text of an action now.
fn text_of(a: &Action) -> String {
    index_text(&search_words(a), &filter_tokens(a))
}

/// Puts a new row into the search index (not the vocabulary: see [`note_words`]).
pub fn index_row(conn: &Connection, seq: i64, a: &Action) -> Result<(), AppError> {
    let text = text_of(a);
    conn.prepare_cached("INSERT INTO action_search (rowid, text) VALUES (?1, ?2)")?
        .execute(params![seq, text])?;
    conn.prepare_cached("INSERT INTO search_rows (seq, text) VALUES (?1, ?2)")?
        .execute(params![seq, text])?;
    Ok(())
}

/// Adds a new action's words to the vocabulary.
pub fn note_words(conn: &Connection, a: &Action) -> Result<(), AppError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO search_vocab (term, docs) VALUES (?1, 1)
         ON CONFLICT (term) DO UPDATE SET docs = docs + 1",
    )?;
    let mut seen: Vec<String> = search_words(a).iter().map(|w| fold(w)).collect();
    seen.sort();
    seen.dedup();
    for word in seen {
        stmt.execute([word])?;
    }
    Ok(())
}

/// Rewrites a row's filter tokens in the index after its status or view changed.
pub fn reindex_row(conn: &Connection, seq: i64, a: &Action) -> Result<(), AppError> {
    let old: Option<String> = conn
        .prepare_cached("SELECT text FROM search_rows WHERE seq = ?1")?
        .query_row([seq], |r| r.get(0))
        .optional()?;
    let text = text_of(a);
    if old.as_deref() == Some(text.as_str()) {
        return Ok(());
    }
    if let Some(old) = old {
        conn.prepare_cached(
            "INSERT INTO action_search (action_search, rowid, text) VALUES ('delete', ?1, ?2)",
        )?
        .execute(params![seq, old])?;
    }
    conn.prepare_cached("INSERT INTO action_search (rowid, text) VALUES (?1, ?2)")?
        .execute(params![seq, text])?;
    conn.prepare_cached("INSERT OR REPLACE INTO search_rows (seq, text) VALUES (?1, ?2)")?
        .execute(params![seq, text])?;
    Ok(())
}

/// Fills the index, the row texts and the vocabulary from every stored action (a migration,
/// or after a bulk seed with `rows_indexed`).
pub fn rebuild(conn: &Connection, rows_indexed: bool) -> Result<(), AppError> {
    if !rows_indexed {
        conn.execute_batch("DELETE FROM search_rows; DELETE FROM action_search;")?;
        let mut read = conn.prepare("SELECT seq, body FROM actions")?;
        let rows = read.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (seq, body) = row?;
            let Ok(action) = serde_json::from_str::<Action>(&body) else {
                continue;
            };
            index_row(conn, seq, &action)?;
        }
    }
    conn.execute("DELETE FROM search_vocab", [])?;
    conn.execute(
        "INSERT INTO search_vocab (term, docs)
         SELECT term, doc FROM action_search_terms WHERE substr(term, 1, 1) <> ?1",
        [TOKEN_MARK.to_string()],
    )?;
    Ok(())
}

/// How many actions hold each filter token, from the counters.
fn token_counts(conn: &Connection) -> Result<HashMap<String, u64>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT status, action_type, source, category, entity_kind, n FROM counters WHERE n > 0",
    )?;
    let rows: Vec<([String; 5], u64)> = stmt
        .query_map([], |r| {
            Ok((
                [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                r.get::<_, i64>(5)?.max(0) as u64,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(super::super::search::token_counts(
        rows.iter()
            .map(|(key, n)| (key.each_ref().map(String::as_str), *n)),
    ))
}

/// The indexed words that begin with `prefix` (folded), at most one past [`MAX_EXPANSION`].
fn words_beginning(conn: &Connection, prefix: &str) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT term FROM search_vocab WHERE term >= ?1 AND term < ?2 ORDER BY term LIMIT ?3",
    )?;
    let words = stmt
        .query_map(
            params![prefix, prefix_end(prefix), MAX_EXPANSION as i64 + 1],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    Ok(words)
}

/// The index that serves the list's sort within one view (`INDEXED BY`).
fn sort_index(q: &ActionQuery) -> &'static str {
    match super::super::list::sort_column(q, Dialect::Sqlite).0 {
        Some("updated_at") => "ix_p_updated",
        Some("created_at") => "ix_p_created",
        Some("expires_at") => "ix_p_expires",
        Some("action_type") => "ix_p_type",
        Some("status") => "ix_p_status",
        Some("source") => "ix_p_source",
        Some("category") => "ix_p_category",
        Some("asset_name") => "ix_p_asset",
        Some("entity_name") => "ix_p_entity",
        Some("decided_by") => "ix_p_decided",
        Some("investigation_id") => "ix_p_investigation",
        _ => "ix_p_id",
    }
}

/// A page of a search without a time range, its total, and whether the total is a lower bound.
///
/// The index answers words and filters together; its matches are collected up to
/// [`COLLECT_CAP`]. Then the page comes from sorting the matches (few), from walking the sort
/// index and keeping the collected matches (many, an early page), or — when the collection was
/// cut off — from walking the sort index and testing each row's text, which meets a match every
/// few rows.
pub fn search_page(
    conn: &Connection,
    q: &ActionQuery,
    search: &Search,
) -> Result<(Vec<i64>, u64, bool), AppError> {
    planned_page(conn, q, search, COLLECT_CAP, None)
}

/// [`search_page`] collecting at most `cap` matches, with the plan `forced` (tests compare the
/// plans) or chosen by cost.
fn planned_page(
    conn: &Connection,
    q: &ActionQuery,
    search: &Search,
    cap: usize,
    forced: Option<PagePlan>,
) -> Result<(Vec<i64>, u64, bool), AppError> {
    let Search::Words { whole, prefix } = search else {
        return Ok((Vec::new(), 0, false));
    };
    let size = q.page_size_or_default() as u64;
    let offset = (q.page_or_default() as u64 - 1) * size;
    let folded = fold(prefix);
    let terms = expand(&folded, words_beginning(conn, &folded)?);
    let counts = token_counts(conn)?;
    let filters = token_filters(q, &counts);
    let Some(expr) = match_expression(&FTS5, whole, &terms, &filters) else {
        return Ok((Vec::new(), 0, false));
    };
    let mut stmt =
        conn.prepare_cached("SELECT rowid FROM action_search WHERE action_search MATCH ?1")?;
    let mut rows = stmt.query([&expr])?;
    let mut matches: Vec<i64> = Vec::new();
    while let Some(r) = rows.next()? {
        matches.push(r.get(0)?);
        if matches.len() == cap {
            break;
        }
    }
    drop(rows);
    let n = matches.len() as u64;
    let capped = matches.len() == cap;
    let (total, lower_bound) = if n > TOTAL_CAP {
        (TOTAL_CAP, true)
    } else {
        (n, false)
    };
    let rows_in_view = rows_in_view(&counts, q);
    let order = order_by(q, Dialect::Sqlite);
    let plan = match forced {
        Some(plan) if !capped || plan == PagePlan::Walk => plan,
        _ => page_plan(n, capped, rows_in_view, offset, size),
    };
    let seqs = match plan {
        PagePlan::Lookup => {
            let ids: Rc<Vec<Value>> = Rc::new(matches.into_iter().map(Value::Integer).collect());
            let sql = format!(
                "SELECT seq FROM actions WHERE seq IN rarray(?1) ORDER BY {order}
                 LIMIT {size} OFFSET {offset}"
            );
            conn.prepare_cached(&sql)?
                .query_map([ids], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        }
        PagePlan::Scan => {
            let ids: Rc<Vec<Value>> = Rc::new(matches.into_iter().map(Value::Integer).collect());
            let params = || -> Vec<Box<dyn ToSql>> { vec![Box::new(Rc::clone(&ids))] };
            walk(conn, q, offset, size, "a.seq IN rarray(?)", &params)?
        }
        PagePlan::Walk => {
            let (test, texts) = text_test("r.text", whole, &folded, &filters);
            let params = || -> Vec<Box<dyn ToSql>> {
                texts
                    .iter()
                    .map(|t| Box::new(t.clone()) as Box<dyn ToSql>)
                    .collect()
            };
            walk(conn, q, offset, size, &test, &params)?
        }
    };
    Ok((seqs, total, lower_bound))
}

/// Rows the query's view and filters keep, from the token counts (an estimate when several
/// filters combine: only the walk's cost depends on it).
fn rows_in_view(counts: &HashMap<String, u64>, q: &ActionQuery) -> u64 {
    let all = counts.get("vp").copied().unwrap_or(0) + counts.get("vh").copied().unwrap_or(0);
    let mut kept = all as f64;
    for f in token_filters(q, counts) {
        let n: u64 = match &f {
            TokenFilter::AnyOf(ts) => ts.iter().filter_map(|t| counts.get(t)).sum(),
            TokenFilter::NoneOf(ts) => {
                all.saturating_sub(ts.iter().filter_map(|t| counts.get(t)).sum())
            }
        };
        if all > 0 {
            kept *= n as f64 / all as f64;
        }
    }
    kept.round() as u64
}

/// Walks the sort index of each view the query covers, keeping rows that pass `test` (over
/// `a`, the action row, and `r`, its search row), and returns the page.
fn walk(
    conn: &Connection,
    q: &ActionQuery,
    offset: u64,
    size: u64,
    test: &str,
    params: &dyn Fn() -> Vec<Box<dyn ToSql>>,
) -> Result<Vec<i64>, AppError> {
    let index = sort_index(q);
    let order = order_by(q, Dialect::Sqlite);
    let order_a = qualified(&order);
    let join = if test.contains("r.") {
        "JOIN search_rows r ON r.seq = a.seq"
    } else {
        ""
    };
    let views: &[i64] = match q.view {
        Some(View::Pending) => &[1],
        Some(View::History) | Some(View::Contained) => &[0],
        _ => &[1, 0],
    };
    if views.len() == 1 {
        let sql = format!(
            "SELECT a.seq FROM actions a INDEXED BY {index} {join}
             WHERE a.pending = {} AND {test} ORDER BY {order_a} LIMIT {size} OFFSET {offset}",
            views[0]
        );
        return Ok(conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(params()), |r| r.get(0))?
            .collect::<Result<_, _>>()?);
    }
    // Both views: the first offset + size of each, merged in list order.
    let (column, _) = super::super::list::sort_column(q, Dialect::Sqlite);
    let keys = match column {
        Some(c) => format!("a.seq, a.{c} AS {c}, a.id AS id"),
        None => "a.seq, a.id AS id".to_owned(),
    };
    let part = |pending: i64| {
        format!(
            "SELECT * FROM (SELECT {keys} FROM actions a INDEXED BY {index} {join}
             WHERE a.pending = {pending} AND {test} ORDER BY {order_a} LIMIT {})",
            offset + size
        )
    };
    let sql = format!(
        "SELECT seq FROM ({} UNION ALL {}) ORDER BY {order} LIMIT {size} OFFSET {offset}",
        part(1),
        part(0)
    );
    let mut twice = params();
    twice.extend(params());
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(twice), |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// `ORDER BY` over the `a` alias.
fn qualified(order: &str) -> String {
    order
        .split(", ")
        .map(|part| format!("a.{part}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{drafts, Gen};
    use action_center_core::Status;

    /// A database of `n` demo actions, indexed as the server indexes them.
    fn database(n: usize) -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        rusqlite::vtab::array::load_module(&conn).unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        let mut g = Gen::new(chrono::Utc::now(), 7, n);
        for d in drafts(&mut g, n) {
            super::super::tx::insert_row(&conn, &d.action).unwrap();
            note_words(&conn, &d.action).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO counters (status, action_type, source, category, entity_kind, n)
             SELECT status, action_type, source, category, entity_kind, count(*)
             FROM actions GROUP BY 1, 2, 3, 4, 5;",
        )
        .unwrap();
        conn
    }

    fn parse(raw: &str) -> ActionQuery {
        let pairs = action_center_core::query::decode_pairs(raw);
        ActionQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap()
    }

    fn page(conn: &Connection, q: &ActionQuery, cap: usize, plan: PagePlan) -> Vec<i64> {
        let search = Search::from_query(q.q.as_deref());
        planned_page(conn, q, &search, cap, Some(plan)).unwrap().0
    }

    /// The page without the search, filtered by the words in Rust: what every plan must return.
    fn expected(conn: &Connection, q: &ActionQuery) -> Vec<i64> {
        let Search::Words { whole, prefix } = Search::from_query(q.q.as_deref()) else {
            unreachable!("the tests search words")
        };
        let size = q.page_size_or_default() as usize;
        let offset = (q.page_or_default() as usize - 1) * size;
        let unsearched = ActionQuery {
            q: None,
            page: None,
            page_size: Some(action_center_core::MAX_PAGE_SIZE),
            ..q.clone()
        };
        let mut all = Vec::new();
        let mut next = 1;
        loop {
            let chunk = super::super::reads::list(
                conn,
                &ActionQuery {
                    page: Some(next),
                    ..unsearched.clone()
                },
            )
            .unwrap();
            if chunk.items.is_empty() {
                break;
            }
            all.extend(chunk.items);
            next += 1;
        }
        let seq_of = |id: &str| -> i64 {
            conn.query_row("SELECT seq FROM actions WHERE id = ?1", [id], |r| r.get(0))
                .unwrap()
        };
        all.iter()
            .filter(|a| {
                let words: Vec<String> = search_words(a).iter().map(|w| fold(w)).collect();
                whole.iter().all(|w| words.contains(&fold(w)))
                    && words.iter().any(|w| w.starts_with(&fold(&prefix)))
            })
            .skip(offset)
            .take(size)
            .map(|a| seq_of(&a.id))
            .collect()
    }

    #[test]
    fn every_plan_reads_the_same_page() {
        let conn = database(1_500);
        let queries = [
            "view=history&q=act",
            "view=history&q=act&page=7&sort=asset:asc",
            "view=pending&q=act&sort=updatedAt:desc&page=2",
            "q=act&page=3",
            "view=history&q=FIN-LAP&sort=id:asc",
            "view=history&q=act&actionType=quarantineFile&status=completed",
            "view=contained&q=act",
            "view=history&q=nosuchword",
        ];
        for raw in queries {
            let q = parse(raw);
            let want = expected(&conn, &q);
            assert_eq!(
                want.is_empty(),
                raw.contains("nosuchword"),
                "{raw}: {want:?}"
            );
            assert_eq!(
                page(&conn, &q, usize::MAX, PagePlan::Lookup),
                want,
                "{raw}: lookup"
            );
            assert_eq!(
                page(&conn, &q, usize::MAX, PagePlan::Scan),
                want,
                "{raw}: scan"
            );
            assert_eq!(page(&conn, &q, 10, PagePlan::Walk), want, "{raw}: walk");
        }
    }

    #[test]
    fn a_status_change_moves_the_row_between_filters() {
        let conn = database(300);
        let q = parse("view=pending&q=act&pageSize=200");
        let before = page(&conn, &q, usize::MAX, PagePlan::Lookup);
        let seq = before[0];
        let body: String = conn
            .query_row("SELECT body FROM actions WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .unwrap();
        let mut a: Action = serde_json::from_str(&body).unwrap();
        a.status = Status::Rejected;
        conn.execute(
            "UPDATE actions SET status = 'rejected', pending = 0 WHERE seq = ?1",
            [seq],
        )
        .unwrap();
        reindex_row(&conn, seq, &a).unwrap();
        let after = page(&conn, &q, usize::MAX, PagePlan::Lookup);
        assert!(!after.contains(&seq));
        assert_eq!(after.len() + 1, before.len());
        let history = parse("view=history&q=act&status=rejected&pageSize=200");
        for plan in [PagePlan::Lookup, PagePlan::Scan, PagePlan::Walk] {
            let cap = if plan == PagePlan::Walk {
                5
            } else {
                usize::MAX
            };
            assert!(page(&conn, &history, cap, plan).contains(&seq), "{plan:?}");
        }
    }
}
