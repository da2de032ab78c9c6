//! The list, its total and its facets.
//!
//! Totals and facet counts come from the `counters` table (kept in step with every change) when
//! the filter only involves status, type, source, category, entity kind and view; a search or a
//! time range counts by scanning the matching rows. Pages are read in two steps: row numbers by
//! an index that serves the filter and sort, then the documents of just those rows.

use action_center_core::{Action, ActionQuery, Facets, SortKey, Status, TimelineEntry, View};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::from_ms;
use super::rows::load_ids;
use crate::errors::AppError;

/// How the search box matches: word prefixes over id, asset, entity and investigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// No search.
    None,
    /// An FTS5 expression.
    Match(String),
    /// Text without a single word in it: matches nothing.
    Nothing,
}

impl Search {
    /// Turns the search box text into an FTS5 query of quoted words, the last one a prefix.
    pub fn from_query(q: Option<&str>) -> Search {
        let Some(q) = q else { return Search::None };
        let words: Vec<String> = q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase())
            .take(16)
            .collect();
        match words.split_last() {
            None => Search::Nothing,
            Some((last, rest)) => {
                let mut expr: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
                expr.push(format!("\"{last}\"*"));
                Search::Match(expr.join(" "))
            }
        }
    }
}

/// A dimension of the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dim {
    ActionType,
    Status,
    Source,
    Category,
}

struct Where {
    clauses: Vec<String>,
    params: Vec<Value>,
}

impl Where {
    fn new() -> Self {
        Where {
            clauses: Vec::new(),
            params: Vec::new(),
        }
    }

    fn any_of(&mut self, column: &str, values: Vec<&str>) {
        if values.is_empty() {
            return;
        }
        let marks = vec!["?"; values.len()].join(", ");
        self.clauses.push(format!("{column} IN ({marks})"));
        self.params
            .extend(values.into_iter().map(|v| Value::Text(v.to_owned())));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

/// Whether totals can come from the counters.
fn countable(q: &ActionQuery) -> bool {
    q.q.is_none() && q.from.is_none() && q.to.is_none()
}

/// The filter over `actions` (or over `counters` when `counters` is set), leaving out `skip`.
fn filter(q: &ActionQuery, search: &Search, counters: bool, skip: Option<Dim>) -> Where {
    let mut w = Where::new();
    match (&q.view, counters) {
        (Some(View::Pending), false) => w.clauses.push("pending = 1".into()),
        (Some(View::History), false) => w.clauses.push("pending = 0".into()),
        (Some(View::Pending), true) => w.clauses.push("status = 'pending'".into()),
        (Some(View::History), true) => w.clauses.push("status <> 'pending'".into()),
        _ => {}
    }
    if skip != Some(Dim::ActionType) {
        w.any_of(
            "action_type",
            q.action_type.iter().map(|v| v.as_str()).collect(),
        );
    }
    if skip != Some(Dim::Status) {
        w.any_of("status", q.status.iter().map(|v| v.as_str()).collect());
    }
    if skip != Some(Dim::Source) {
        w.any_of("source", q.source.iter().map(|v| v.as_str()).collect());
    }
    if skip != Some(Dim::Category) {
        w.any_of("category", q.category.iter().map(|v| v.as_str()).collect());
    }
    w.any_of(
        "entity_kind",
        q.entity_kind.iter().map(|v| v.as_str()).collect(),
    );
    if counters {
        return w;
    }
    if let Some(from) = q.from {
        w.clauses.push("created_at >= ?".into());
        w.params.push(Value::Integer(from.timestamp_millis()));
    }
    if let Some(to) = q.to {
        w.clauses.push("created_at < ?".into());
        w.params.push(Value::Integer(to.timestamp_millis()));
    }
    match search {
        Search::None => {}
        Search::Nothing => w.clauses.push("0".into()),
        Search::Match(expr) => {
            w.clauses.push(
                "seq IN (SELECT rowid FROM action_search WHERE action_search MATCH ?)".into(),
            );
            w.params.push(Value::Text(expr.clone()));
        }
    }
    w
}

fn order_by(q: &ActionQuery) -> String {
    let sort = q.sort_or_default();
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let column = match sort.key {
        SortKey::UpdatedAt => "updated_at",
        SortKey::CreatedAt => "created_at",
        SortKey::ExpiresAt => "expires_at",
        SortKey::ActionType => "action_type",
        SortKey::Status => "status",
        SortKey::Source => "source",
        SortKey::Category => "category",
        SortKey::Asset => "asset_name",
        SortKey::Entity => "entity_name",
        SortKey::DecidedBy => "decided_by",
        SortKey::InvestigationId => "investigation_id",
        SortKey::Id | SortKey::Unknown(_) => return format!("id {dir}"),
    };
    format!("{column} {dir}, id {dir}")
}

/// A page of the list and the total.
pub struct ListResult {
    /// The rows of the page (without `allowedOperations`).
    pub items: Vec<Action>,
    /// Rows matching the filter.
    pub total: u64,
}

/// Rows matching the filter, from the counters or by a scan.
pub fn count(conn: &Connection, q: &ActionQuery) -> Result<u64, AppError> {
    let search = Search::from_query(q.q.as_deref());
    let (sql, w) = if countable(q) {
        let w = filter(q, &search, true, None);
        (
            format!("SELECT COALESCE(SUM(n), 0) FROM counters WHERE {}", w.sql()),
            w,
        )
    } else {
        let w = filter(q, &search, false, None);
        (format!("SELECT count(*) FROM actions WHERE {}", w.sql()), w)
    };
    let n: i64 = conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(w.params.iter()), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// One page of the list.
pub fn list(conn: &Connection, q: &ActionQuery) -> Result<ListResult, AppError> {
    let search = Search::from_query(q.q.as_deref());
    let size = q.page_size_or_default() as i64;
    let offset = (q.page_or_default() as i64 - 1) * size;
    let w = filter(q, &search, false, None);
    let sql = format!(
        "SELECT seq FROM actions WHERE {} ORDER BY {} LIMIT {size} OFFSET {offset}",
        w.sql(),
        order_by(q)
    );
    let seqs: Vec<i64> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(w.params.iter()), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let items = load_ids(conn, &seqs)?;
    let total = count(conn, q)?;
    Ok(ListResult { items, total })
}

/// Every matching row in list order, handed to `each` in batches of documents.
pub fn export(
    conn: &Connection,
    q: &ActionQuery,
    mut each: impl FnMut(Action) -> bool,
) -> Result<(), AppError> {
    let search = Search::from_query(q.q.as_deref());
    let w = filter(q, &search, false, None);
    let sql = format!(
        "SELECT body FROM actions WHERE {} ORDER BY {}",
        w.sql(),
        order_by(q)
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(w.params.iter()))?;
    while let Some(row) = rows.next()? {
        let body: String = row.get(0)?;
        if !each(super::decode(&body)?) {
            break;
        }
    }
    Ok(())
}

/// Counts per type, status, source and category. Each dimension is counted with every filter
/// but its own (so a menu keeps showing the values one may add); `total` uses them all. One
/// grouped pass (over the counters, or over the matching rows) serves all four.
pub fn facets(conn: &Connection, q: &ActionQuery) -> Result<Facets, AppError> {
    let search = Search::from_query(q.q.as_deref());
    let use_counters = countable(q);
    let base = ActionQuery {
        action_type: Vec::new(),
        status: Vec::new(),
        source: Vec::new(),
        category: Vec::new(),
        ..q.clone()
    };
    let w = filter(&base, &search, use_counters, None);
    let sql = if use_counters {
        format!(
            "SELECT action_type, status, source, category, SUM(n) FROM counters WHERE {}
             GROUP BY 1, 2, 3, 4",
            w.sql()
        )
    } else {
        format!(
            "SELECT action_type, status, source, category, count(*) FROM actions WHERE {}
             GROUP BY 1, 2, 3, 4",
            w.sql()
        )
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut facets = Facets::default();
    let wanted = |values: Vec<&str>, v: &str| values.is_empty() || values.contains(&v);
    for row in rows {
        let (t, st, so, c, n) = row?;
        if n <= 0 {
            continue;
        }
        let n = n as u64;
        let ok = [
            wanted(q.action_type.iter().map(|v| v.as_str()).collect(), &t),
            wanted(q.status.iter().map(|v| v.as_str()).collect(), &st),
            wanted(q.source.iter().map(|v| v.as_str()).collect(), &so),
            wanted(q.category.iter().map(|v| v.as_str()).collect(), &c),
        ];
        let others = |skip: usize| ok.iter().enumerate().all(|(i, m)| i == skip || *m);
        if others(0) {
            *facets.action_type.entry(t).or_default() += n;
        }
        if others(1) {
            *facets.status.entry(st).or_default() += n;
        }
        if others(2) {
            *facets.source.entry(so).or_default() += n;
        }
        if others(3) {
            *facets.category.entry(c).or_default() += n;
        }
        if ok.iter().all(|m| *m) {
            facets.total += n;
        }
    }
    Ok(facets)
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

/// Other completed (or undo-failed) quarantines of the same file on other assets.
pub fn related_instances(
    conn: &Connection,
    action: &Action,
) -> Result<Vec<(i64, Action)>, AppError> {
    let Some(sha) = action.entity.sha256.as_deref() else {
        return Ok(Vec::new());
    };
    if action.action_type != action_center_core::ActionType::QuarantineFile {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT seq, body FROM actions
         WHERE sha256 = ?1 AND action_type = 'quarantineFile'
           AND status IN ('completed', 'undoFailed') AND id <> ?2 AND asset_id <> ?3
         ORDER BY updated_at DESC, id DESC",
    )?;
    let rows = stmt.query_map(rusqlite::params![sha, action.id, action.asset.id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, body) = row?;
        out.push((seq, super::decode(&body)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_become_a_safe_prefix_query() {
        assert_eq!(Search::from_query(None), Search::None);
        assert_eq!(
            Search::from_query(Some("FIN-LAPTOP-0")),
            Search::Match("\"fin\" \"laptop\" \"0\"*".into())
        );
        assert_eq!(
            Search::from_query(Some("\" OR NEAR(")),
            Search::Match("\"or\" \"near\"*".into())
        );
        assert_eq!(Search::from_query(Some("<>")), Search::Nothing);
    }
}
