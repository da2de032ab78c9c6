//! How a search reads its page when the full-text index holds filter tokens beside the words:
//! the index text of an action, the full-text expression of a query (its last word expanded
//! into the indexed words it begins, each filter as the cheaper of "one of these" or "none of
//! the others"), and which of three ways finds the page once the matches are collected.
//!
//! Costs behind the choices (SQLite, 1,000,000 actions): the index merges doclists at about
//! 10 ns an entry and streams whole words under a limit, but a prefix query merges every
//! doclist of the prefix first; touching one row costs about 1 µs; a step along a sort index
//! costs well under that. So a search collects its matches from the index alone (filters
//! included), and touches rows only for the page.

use std::collections::HashMap;

use action_center_core::{ActionQuery, View};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::list::{counter_tokens, filter_token_groups, search_plan, SearchPlan};

/// Starts every filter token in the index text: a private-use character, which no searched word
/// holds (words are runs of letters and digits) but the tokenizer keeps as part of a token.
pub const TOKEN_MARK: char = '\u{E000}';

/// Most matches a search collects. Past it, the page comes from walking the list in order and
/// testing each row, which finds a page quickly because so many rows match.
pub const COLLECT_CAP: usize = 50_000;

/// Most indexed words the last word of a query is expanded into; past it, the index's own
/// prefix match is used.
pub const MAX_EXPANSION: usize = 64;

/// A word as the index keeps it: lower case, accents removed (`Café` → `cafe`), as the
/// tokenizer's `remove_diacritics` folds it.
pub fn fold(word: &str) -> String {
    word.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What the index holds for an action: its words (folded) and its filter tokens (marked),
/// separated by spaces with one at both ends, so that `instr(text, ' word ')` finds a whole word
/// and `instr(text, ' prefix')` a word's start.
pub fn index_text(words: &[String], tokens: &[String]) -> String {
    let mut text = String::from(" ");
    for w in words {
        text.push_str(&fold(w));
        text.push(' ');
    }
    for t in tokens {
        text.push(TOKEN_MARK);
        text.push_str(t);
        text.push(' ');
    }
    text
}

/// How the last word of a query is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixTerms {
    /// Every indexed word it begins (none: the search matches nothing).
    Words(Vec<String>),
    /// Too many words begin with it (or it has letters the vocabulary may fold differently):
    /// the index's prefix match.
    Wildcard(String),
}

/// The prefix terms of `prefix` given the indexed words it begins, in order, at most
/// [`MAX_EXPANSION`] + 1 of them.
pub fn expand(prefix: &str, words: Vec<String>) -> PrefixTerms {
    if !prefix.is_ascii() || words.len() > MAX_EXPANSION {
        PrefixTerms::Wildcard(prefix.to_owned())
    } else {
        PrefixTerms::Words(words)
    }
}

/// The first word after every word that begins with `prefix` (for a range scan).
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// How many actions hold each filter token, from the `counters` rows (their five dimensions
/// and count).
pub fn token_counts<'a>(
    rows: impl IntoIterator<Item = ([&'a str; 5], u64)>,
) -> HashMap<String, u64> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for (key, n) in rows {
        for token in counter_tokens(key) {
            *counts.entry(token).or_default() += n;
        }
    }
    counts
}

/// A filter in the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFilter {
    /// One of these tokens.
    AnyOf(Vec<String>),
    /// None of these (the rest of the dimension): fewer entries to merge.
    NoneOf(Vec<String>),
}

/// The dimension a filter token belongs to: its first letter (`v`iew, `s`tatus, `t`ype…).
fn dimension(token: &str) -> Option<char> {
    token.chars().next()
}

/// The query's filters as token filters, each written the cheaper way given how many actions
/// hold each token (`counts`, every token of every dimension that occurs). A filter that keeps
/// every value of its dimension is left out, and so is the view when the statuses asked for
/// are all in it.
///
/// "None of the others" is chosen only when the others are one token with fewer entries: the
/// index subtracts a doclist by reading it whole, while a required one is stepped through
/// beside the words (at 1,000,000 actions, `completed` as nine negated statuses took 23 ms,
/// as one required token 15).
pub fn token_filters(q: &ActionQuery, counts: &HashMap<String, u64>) -> Vec<TokenFilter> {
    let mut out = Vec::new();
    for group in filter_token_groups(q) {
        let Some(dim) = group.first().and_then(|t| dimension(t)) else {
            continue;
        };
        if dim == 'v' && view_implied_by_statuses(q) {
            continue;
        }
        let kept: u64 = group.iter().filter_map(|t| counts.get(t)).sum();
        let mut others: Vec<(&String, &u64)> = counts
            .iter()
            .filter(|(t, _)| dimension(t) == Some(dim) && !group.contains(t))
            .collect();
        others.sort();
        if others.is_empty() && kept > 0 {
            continue;
        }
        match others.as_slice() {
            [(other, n)] if **n < kept => out.push(TokenFilter::NoneOf(vec![(*other).clone()])),
            _ => out.push(TokenFilter::AnyOf(group)),
        }
    }
    out
}

/// Whether every status the query asks for lies in its (pending or history) view, so the view
/// filter adds nothing.
fn view_implied_by_statuses(q: &ActionQuery) -> bool {
    let pending = match q.view {
        Some(View::Pending) => true,
        Some(View::History) => false,
        _ => return false,
    };
    !q.status.is_empty() && q.status.iter().all(|s| s.is_pending() == pending)
}

/// How a full-text dialect writes a match expression. Words and tokens are letters and digits
/// (and the token mark), so quoting them is all the escaping they need.
pub struct MatchSyntax {
    /// A whole word.
    pub word: fn(&str) -> String,
    /// Any word that begins with this.
    pub wildcard: fn(&str) -> String,
    /// A filter token.
    pub token: fn(&str) -> String,
    /// Between terms that must all match.
    pub and: &'static str,
    /// Between alternatives.
    pub or: &'static str,
    /// Before a term that must not match, after the rest.
    pub and_not: &'static str,
}

/// FTS5's syntax: words folded as the tokenizer folds them, `*` for a prefix, a binary `NOT`.
pub const FTS5: MatchSyntax = MatchSyntax {
    word: |w| format!("\"{}\"", fold(w)),
    wildcard: |p| format!("\"{}\"*", fold(p)),
    token: |t| format!("\"{TOKEN_MARK}{t}\""),
    and: " AND ",
    or: " OR ",
    and_not: " NOT ",
};

/// The match expression: every whole word, one of the prefix terms, every filter; `None` when
/// nothing can match.
pub fn match_expression(
    syntax: &MatchSyntax,
    whole: &[String],
    prefix: &PrefixTerms,
    filters: &[TokenFilter],
) -> Option<String> {
    let any_of = |items: Vec<String>| {
        if items.len() == 1 {
            items.into_iter().next().unwrap_or_default()
        } else {
            format!("({})", items.join(syntax.or))
        }
    };
    let tokens = |ts: &[String]| any_of(ts.iter().map(|t| (syntax.token)(t)).collect());
    let mut all: Vec<String> = whole.iter().map(|w| (syntax.word)(w)).collect();
    match prefix {
        PrefixTerms::Words(words) if words.is_empty() => return None,
        PrefixTerms::Words(words) => {
            all.push(any_of(words.iter().map(|w| (syntax.word)(w)).collect()))
        }
        PrefixTerms::Wildcard(p) => all.push((syntax.wildcard)(p)),
    }
    let mut none = Vec::new();
    for f in filters {
        match f {
            TokenFilter::AnyOf(ts) if ts.is_empty() => return None,
            TokenFilter::AnyOf(ts) => all.push(tokens(ts)),
            TokenFilter::NoneOf(ts) if ts.is_empty() => {}
            TokenFilter::NoneOf(ts) => none.push(tokens(ts)),
        }
    }
    let mut expr = all.join(syntax.and);
    for n in none {
        expr.push_str(syntax.and_not);
        expr.push_str(&n);
    }
    Some(expr)
}

/// The same match as a test of one row's index text (for walking the list in order): every
/// whole word, a word that begins with `prefix`, every filter. Returns SQL over `column` and
/// its parameters, in order.
pub fn text_test(
    column: &str,
    whole: &[String],
    prefix: &str,
    filters: &[TokenFilter],
) -> (String, Vec<String>) {
    let mut sql = Vec::new();
    let mut params = Vec::new();
    let has = |needle: String, params: &mut Vec<String>| {
        params.push(needle);
        format!("instr({column}, ?) > 0")
    };
    for w in whole {
        sql.push(has(format!(" {} ", fold(w)), &mut params));
    }
    sql.push(has(format!(" {}", fold(prefix)), &mut params));
    for f in filters {
        let (ts, negate) = match f {
            TokenFilter::AnyOf(ts) => (ts, false),
            TokenFilter::NoneOf(ts) => (ts, true),
        };
        if ts.is_empty() {
            sql.push(if negate { "1" } else { "0" }.to_owned());
            continue;
        }
        let alternatives: Vec<String> = ts
            .iter()
            .map(|t| has(format!(" {TOKEN_MARK}{t} "), &mut params))
            .collect();
        let any = format!("({})", alternatives.join(" OR "));
        sql.push(if negate { format!("NOT {any}") } else { any });
    }
    (sql.join(" AND "), params)
}

/// How the page of a search is read, once its matches are collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagePlan {
    /// Fetch the matches' rows and sort them: few matches.
    Lookup,
    /// Walk the sort index in order and keep the collected matches: many, an early page.
    Scan,
    /// The collection stopped at [`COLLECT_CAP`]: walk the sort index and test each row's text.
    Walk,
}

/// The plan for `collected` matches (`capped`: the collection stopped at the cap) out of
/// `rows_in_view`, for the page at `offset`.
pub fn page_plan(
    collected: u64,
    capped: bool,
    rows_in_view: u64,
    offset: u64,
    size: u64,
) -> PagePlan {
    if capped {
        return PagePlan::Walk;
    }
    match search_plan(collected, rows_in_view, offset, size) {
        SearchPlan::Lookup => PagePlan::Lookup,
        SearchPlan::Scan => PagePlan::Scan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use action_center_core::{Status, View};

    fn counts(pairs: &[(&str, u64)]) -> HashMap<String, u64> {
        pairs.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    #[test]
    fn folding_lowers_and_drops_accents() {
        assert_eq!(fold("Café"), "cafe");
        assert_eq!(fold("ÅSA"), "asa");
        assert_eq!(fold("laptop07"), "laptop07");
    }

    #[test]
    fn index_text_marks_tokens_and_pads_words() {
        let text = index_text(&["Café".into(), "fin".into()], &["vh".into()]);
        assert_eq!(text, format!(" cafe fin {TOKEN_MARK}vh "));
    }

    #[test]
    fn a_prefix_expands_to_its_words_unless_there_are_too_many() {
        assert_eq!(
            expand("lap", vec!["laptop".into()]),
            PrefixTerms::Words(vec!["laptop".into()])
        );
        let many: Vec<String> = (0..=MAX_EXPANSION).map(|i| format!("a{i}")).collect();
        assert_eq!(expand("a", many), PrefixTerms::Wildcard("a".into()));
        assert_eq!(expand("cafë", vec![]), PrefixTerms::Wildcard("cafë".into()));
    }

    #[test]
    fn a_filter_is_written_the_cheaper_way() {
        let c = counts(&[
            ("vp", 90),
            ("vh", 910),
            ("spending", 90),
            ("scompleted", 700),
            ("sfailed", 210),
        ]);
        let history = ActionQuery {
            view: Some(View::History),
            ..ActionQuery::default()
        };
        assert_eq!(
            token_filters(&history, &c),
            vec![TokenFilter::NoneOf(vec!["vp".into()])]
        );
        let pending_failed = ActionQuery {
            view: Some(View::Pending),
            status: vec![Status::Failed],
            ..ActionQuery::default()
        };
        assert_eq!(
            token_filters(&pending_failed, &c),
            vec![
                TokenFilter::AnyOf(vec!["vp".into()]),
                TokenFilter::AnyOf(vec!["sfailed".into()]),
            ]
        );
        let completed = ActionQuery {
            status: vec![Status::Completed],
            ..ActionQuery::default()
        };
        assert_eq!(
            token_filters(&completed, &c),
            vec![TokenFilter::AnyOf(vec!["scompleted".into()])],
            "two others to subtract: required instead"
        );
        let history_failed = ActionQuery {
            view: Some(View::History),
            status: vec![Status::Failed],
            ..ActionQuery::default()
        };
        assert_eq!(
            token_filters(&history_failed, &c),
            vec![TokenFilter::AnyOf(vec!["sfailed".into()])],
            "failed is history: the view adds nothing"
        );
    }

    #[test]
    fn the_expression_ands_words_prefix_and_filters() {
        let expr = match_expression(
            &FTS5,
            &["FIN".into()],
            &PrefixTerms::Words(vec!["laptop".into(), "laptops".into()]),
            &[
                TokenFilter::AnyOf(vec!["tquarantinefile".into()]),
                TokenFilter::NoneOf(vec!["vp".into()]),
            ],
        );
        let m = TOKEN_MARK;
        assert_eq!(
            expr.as_deref(),
            Some(
                format!(
                    "\"fin\" AND (\"laptop\" OR \"laptops\") AND \"{m}tquarantinefile\" NOT \"{m}vp\""
                )
                .as_str()
            )
        );
        assert_eq!(
            match_expression(&FTS5, &[], &PrefixTerms::Wildcard("a".into()), &[]).as_deref(),
            Some("\"a\"*")
        );
        assert_eq!(
            match_expression(&FTS5, &[], &PrefixTerms::Words(vec![]), &[]),
            None
        );
    }

    #[test]
    fn the_row_test_matches_what_the_expression_matches() {
        let (sql, params) = text_test(
            "t",
            &["fin".into()],
            "Laptop",
            &[TokenFilter::NoneOf(vec!["vp".into()])],
        );
        assert_eq!(
            sql,
            "instr(t, ?) > 0 AND instr(t, ?) > 0 AND NOT (instr(t, ?) > 0)"
        );
        assert_eq!(
            params,
            vec![
                " fin ".to_owned(),
                " laptop".to_owned(),
                format!(" {TOKEN_MARK}vp ")
            ]
        );
    }

    #[test]
    fn a_full_collection_walks_the_list() {
        assert_eq!(page_plan(50_000, true, 900_000, 0, 50), PagePlan::Walk);
        assert_eq!(page_plan(40, false, 900_000, 0, 50), PagePlan::Lookup);
        assert_eq!(page_plan(20_000, false, 900_000, 0, 50), PagePlan::Scan);
    }
}
