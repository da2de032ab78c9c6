//! The list, its total and its facets, as every backend builds them: which filter, which order,
//! and how grouped counts become facets. Each backend turns these into its own SQL.
//!
//! Totals and facet counts come from the `counters` table (kept in step with every change) when
//! the filter only involves status, type, source, category, entity kind and view; a search or a
//! time range counts the matching rows, up to [`TOTAL_CAP`].

use action_center_core::{Action, ActionQuery, ActionType, Facets, SortKey, Status, View};

/// Totals are exact up to this many rows; past it a count stops and says it is a lower bound.
pub const TOTAL_CAP: u64 = 10_000;

/// How the search box matches: every word of the query is a word of the action's search text
/// (id, asset, entity name / hash / path / key / service / URL / sender / UPN, investigation and
/// incident ids), the last one as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// No search.
    None,
    /// Whole words, then the prefix of the last one (lower case, at most 16 words).
    Words {
        /// Words that must appear whole.
        whole: Vec<String>,
        /// The last word, matched as a prefix.
        prefix: String,
    },
    /// Text without a single word in it: matches nothing.
    Nothing,
}

/// The lower-case runs of letters and digits of `text`.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

impl Search {
    /// The search of a query string's `q`.
    pub fn from_query(q: Option<&str>) -> Search {
        let Some(q) = q else { return Search::None };
        let mut all: Vec<String> = words(q).take(16).collect();
        match all.pop() {
            None => Search::Nothing,
            Some(prefix) => {
                let mut whole: Vec<String> = Vec::new();
                for w in all {
                    if !whole.contains(&w) {
                        whole.push(w);
                    }
                }
                Search::Words { whole, prefix }
            }
        }
    }

    /// Whether a document with these words (see [`super::search_words`]) matches.
    pub fn matches(&self, doc_words: &[String]) -> bool {
        match self {
            Search::None => true,
            Search::Nothing => false,
            Search::Words { whole, prefix } => {
                whole.iter().all(|w| doc_words.iter().any(|d| d == w))
                    && doc_words.iter().any(|d| d.starts_with(prefix.as_str()))
            }
        }
    }
}

/// Letters and digits only, lower case: a filter value as an index token.
fn token_part(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The filter tokens of an action, indexed with its search words so that one index lookup
/// answers "these words, in this view, with these statuses, types…": view (`vp` pending / `vh`
/// history), then `s`tatus, `t`ype, s`o`urce, `c`ategory and entity `k`ind with their value.
pub fn filter_tokens(a: &Action) -> Vec<String> {
    vec![
        if a.status.is_pending() { "vp" } else { "vh" }.to_owned(),
        format!("s{}", token_part(a.status.as_str())),
        format!("t{}", token_part(a.action_type.as_str())),
        format!("o{}", token_part(a.source.as_str())),
        format!("c{}", token_part(a.category.as_str())),
        format!("k{}", token_part(a.entity.kind.as_str())),
    ]
}

/// A page of the list and the total.
#[derive(Debug)]
pub struct ListResult {
    /// The rows of the page (without `allowedOperations`).
    pub items: Vec<Action>,
    /// Rows matching the filter (at most [`TOTAL_CAP`] when `total_is_lower_bound`).
    pub total: u64,
    /// More than `total` rows match.
    pub total_is_lower_bound: bool,
}

/// Whether totals can come from the counters.
pub fn countable(q: &ActionQuery) -> bool {
    q.q.is_none() && q.from.is_none() && q.to.is_none()
}

/// A filter value as a SQL parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Several texts (PostgreSQL: one array parameter).
    Texts(Vec<String>),
    /// Several integers (PostgreSQL only: one array parameter).
    Ints(Vec<i64>),
}

/// Which SQL to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `?` placeholders, `IN (…)`, 0/1 booleans.
    Sqlite,
    /// `$n` placeholders, `= ANY($n)`, real booleans, `NULLS FIRST`.
    Postgres,
}

/// A `WHERE` clause under construction.
#[derive(Debug, Clone)]
pub struct Where {
    dialect: Dialect,
    clauses: Vec<String>,
    /// Its parameters, in placeholder order.
    pub params: Vec<Param>,
}

impl Where {
    /// An empty clause (matches everything).
    pub fn new(dialect: Dialect) -> Self {
        Where {
            dialect,
            clauses: Vec::new(),
            params: Vec::new(),
        }
    }

    /// The placeholder of a new parameter.
    pub fn bind(&mut self, param: Param) -> String {
        self.params.push(param);
        match self.dialect {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => format!("${}", self.params.len()),
        }
    }

    /// Adds a condition.
    pub fn push(&mut self, clause: impl Into<String>) {
        self.clauses.push(clause.into());
    }

    fn any_of(&mut self, column: &str, values: Vec<&str>) {
        if values.is_empty() {
            return;
        }
        let values: Vec<String> = values.into_iter().map(str::to_owned).collect();
        match self.dialect {
            Dialect::Sqlite => {
                let marks: Vec<String> = values
                    .into_iter()
                    .map(|v| self.bind(Param::Text(v)))
                    .collect();
                self.push(format!("{column} IN ({})", marks.join(", ")));
            }
            Dialect::Postgres => {
                let mark = self.bind(Param::Texts(values));
                self.push(format!("{column} = ANY({mark})"));
            }
        }
    }

    /// The condition (`TRUE`-like when empty).
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            match self.dialect {
                Dialect::Sqlite => "1".to_owned(),
                Dialect::Postgres => "TRUE".to_owned(),
            }
        } else {
            self.clauses.join(" AND ")
        }
    }
}

/// A dimension of the facets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// `actionType`.
    ActionType,
    /// `status`.
    Status,
    /// `source`.
    Source,
    /// `category`.
    Category,
}

/// The filter without the search: over `actions` or, with `counters`, over the counters.
/// `skip` leaves out one dimension (for facets). The search and time range are the caller's.
pub fn filter(q: &ActionQuery, dialect: Dialect, counters: bool, skip: Option<Dim>) -> Where {
    let mut w = Where::new(dialect);
    let (pending, history) = match dialect {
        Dialect::Sqlite => ("pending = 1", "pending = 0"),
        Dialect::Postgres => ("pending", "NOT pending"),
    };
    match (&q.view, counters) {
        (Some(View::Pending), false) => w.push(pending),
        (Some(View::History), false) => w.push(history),
        (Some(View::Pending), true) => w.push("status = 'pending'"),
        (Some(View::History), true) => w.push("status <> 'pending'"),
        (Some(View::Contained), _) => {
            // In force: completed (not undone, not being undone) and of a type that can be
            // undone; the counters answer its totals and facets like any other filter.
            if !counters {
                w.push(history);
            }
            w.any_of("status", vec![Status::Completed.as_str()]);
            w.any_of("action_type", undoable_types().collect());
        }
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
        let mark = w.bind(Param::Int(from.timestamp_millis()));
        w.push(format!("created_at >= {mark}"));
    }
    if let Some(to) = q.to {
        let mark = w.bind(Param::Int(to.timestamp_millis()));
        w.push(format!("created_at < {mark}"));
    }
    w
}

/// The wire names of the action types that can be undone (the containment view's types).
pub fn undoable_types() -> impl Iterator<Item = &'static str> {
    ActionType::ALL
        .iter()
        .filter(|t| t.is_undoable())
        .map(|t| t.as_str())
}

/// The sort column of the query and its direction (`None`: by id alone).
pub fn sort_column(q: &ActionQuery, dialect: Dialect) -> (Option<&'static str>, bool) {
    let sort = q.sort_or_default();
    let pg = dialect == Dialect::Postgres;
    let column = match sort.key {
        SortKey::UpdatedAt => "updated_at",
        SortKey::CreatedAt => "created_at",
        SortKey::ExpiresAt => "expires_at",
        SortKey::ActionType => "action_type",
        SortKey::Status => "status",
        SortKey::Source => "source",
        SortKey::Category => "category",
        // SQLite compares these columns NOCASE; PostgreSQL keeps lower-case copies.
        SortKey::Asset if pg => "asset_key",
        SortKey::Asset => "asset_name",
        SortKey::Entity if pg => "entity_key",
        SortKey::Entity => "entity_name",
        SortKey::DecidedBy => "decided_by",
        SortKey::InvestigationId => "investigation_id",
        SortKey::Id | SortKey::Unknown(_) => return (None, sort.descending),
    };
    (Some(column), sort.descending)
}

/// Columns that may hold NULL: SQLite sorts NULL first, PostgreSQL is told to do the same.
fn nullable(column: &str) -> bool {
    matches!(column, "expires_at" | "decided_by" | "investigation_id")
}

/// `ORDER BY` of the list (ties broken by id, in the same direction).
pub fn order_by(q: &ActionQuery, dialect: Dialect) -> String {
    let (column, descending) = sort_column(q, dialect);
    let dir = if descending { "DESC" } else { "ASC" };
    match column {
        None => format!("id {dir}"),
        Some(c) if dialect == Dialect::Postgres && nullable(c) => {
            let nulls = if descending {
                "NULLS LAST"
            } else {
                "NULLS FIRST"
            };
            format!("{c} {dir} {nulls}, id {dir}")
        }
        Some(c) => format!("{c} {dir}, id {dir}"),
    }
}

/// The query with the four facet dimensions cleared (facets count them themselves).
pub fn without_facet_filters(q: &ActionQuery) -> ActionQuery {
    ActionQuery {
        action_type: Vec::new(),
        status: Vec::new(),
        source: Vec::new(),
        category: Vec::new(),
        ..q.clone()
    }
}

/// Builds facets from grouped counts `(type, status, source, category, n)`: each dimension is
/// counted with every filter but its own (so a menu keeps showing the values one may add);
/// `total` uses them all.
pub fn fold_facets(
    q: &ActionQuery,
    rows: impl IntoIterator<Item = (String, String, String, String, i64)>,
) -> Facets {
    let mut facets = Facets::default();
    let types: Vec<&str> = q.action_type.iter().map(|v| v.as_str()).collect();
    let statuses: Vec<&str> = q.status.iter().map(|v| v.as_str()).collect();
    let sources: Vec<&str> = q.source.iter().map(|v| v.as_str()).collect();
    let categories: Vec<&str> = q.category.iter().map(|v| v.as_str()).collect();
    let wanted = |values: &[&str], v: &str| values.is_empty() || values.contains(&v);
    for (t, st, so, c, n) in rows {
        if n <= 0 {
            continue;
        }
        let n = n as u64;
        let ok = [
            wanted(&types, &t),
            wanted(&statuses, &st),
            wanted(&sources, &so),
            wanted(&categories, &c),
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
    facets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_become_whole_words_and_a_prefix() {
        assert_eq!(Search::from_query(None), Search::None);
        assert_eq!(
            Search::from_query(Some("FIN-LAPTOP-0")),
            Search::Words {
                whole: vec!["fin".into(), "laptop".into()],
                prefix: "0".into()
            }
        );
        assert_eq!(
            Search::from_query(Some("\" OR NEAR(")),
            Search::Words {
                whole: vec!["or".into()],
                prefix: "near".into()
            }
        );
        assert_eq!(Search::from_query(Some("<>")), Search::Nothing);
    }

    #[test]
    fn matching_is_whole_words_then_a_prefix() {
        let doc: Vec<String> = ["fin", "laptop", "07", "invoice", "exe"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let hit = |q: &str| Search::from_query(Some(q)).matches(&doc);
        assert!(hit("FIN-LAPTOP-0"));
        assert!(hit("fin laptop 07"));
        assert!(hit("inv"));
        assert!(!hit("lap fin"), "only the last word is a prefix");
        assert!(!hit("fin-desktop"));
        assert!(!hit("--"));
    }

    #[test]
    fn placeholders_follow_the_dialect() {
        let q = ActionQuery {
            status: vec![
                action_center_core::Status::Completed,
                action_center_core::Status::Failed,
            ],
            view: Some(View::History),
            ..ActionQuery::default()
        };
        let s = filter(&q, Dialect::Sqlite, false, None);
        assert_eq!(s.sql(), "pending = 0 AND status IN (?, ?)");
        let p = filter(&q, Dialect::Postgres, false, None);
        assert_eq!(p.sql(), "NOT pending AND status = ANY($1)");
        assert_eq!(
            p.params,
            vec![Param::Texts(vec!["completed".into(), "failed".into()])]
        );
    }
}
