//! Search on PostgreSQL: the GIN index on `actions.words` holds each action's words and filter
//! tokens (`~`-marked); `search_vocab` lists the indexed words, so that the last word of a query
//! becomes the few whole words it begins. A prefix query (`'laptop':*`) makes GIN build the
//! full bitmap of every word in the range before it returns a row, while whole words are
//! intersected with its fast scan (several times cheaper at 1,000,000 actions, see
//! BENCHMARKS.md). The query's selective filters go into the same index query as required
//! tokens; the rows are tested against all of them.
//!
//! A page is then read one of two ways: the matches (at most [`TOTAL_CAP`] + 1) are collected
//! with their sort keys and sorted, which also gives the total; or, past the cap, the list's sort
//! index is walked in order and each row tested, which meets a match every few rows.

use std::collections::HashMap;

use action_center_core::{ActionQuery, View};
use deadpool_postgres::ClientWrapper as Client;

use super::super::list::{
    filter, filter_token_groups, order_by, sort_column, Dialect, Param, Search, TOTAL_CAP,
};
use super::super::search::{
    expand, match_expression, prefix_end, token_counts, MatchSyntax, PrefixTerms, TokenFilter,
    MAX_EXPANSION,
};
use super::reads;
use crate::errors::AppError;

/// Adds words of newly written actions to the vocabulary. Sorted, so that two writes adding
/// the same new words lock them in the same order.
pub const NOTE_WORDS: &str = "INSERT INTO search_vocab (term)
     SELECT w FROM unnest($1::text[]) AS w ORDER BY w ON CONFLICT (term) DO NOTHING";

/// Fills the vocabulary from every indexed word (a migration, or after a bulk seed).
pub const REBUILD_VOCAB: &str = "INSERT INTO search_vocab (term)
     SELECT word FROM ts_stat('SELECT words FROM actions') WHERE left(word, 1) <> '~'
     ON CONFLICT (term) DO NOTHING";

/// The indexed words that begin with `prefix`, at most one past [`MAX_EXPANSION`].
async fn words_beginning(client: &Client, prefix: &str) -> Result<Vec<String>, AppError> {
    let stmt = client
        .prepare_cached(
            "SELECT term FROM search_vocab WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3",
        )
        .await?;
    let rows = client
        .query(
            &stmt,
            &[&prefix, &prefix_end(prefix), &(MAX_EXPANSION as i64 + 1)],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// `tsquery` syntax: words as written (the index does not fold them), `:*` for a prefix, filter
/// tokens `~`-marked.
const TSQUERY: MatchSyntax = MatchSyntax {
    word: |w| format!("'{w}'"),
    wildcard: |p| format!("'{p}':*"),
    token: |t| format!("'~{t}'"),
    and: " & ",
    or: " | ",
    and_not: " & !",
};

/// The `tsquery` text: every whole word, one of the prefix terms, every filter; `None` when
/// nothing can match.
pub fn tsquery_text(
    whole: &[String],
    prefix: &PrefixTerms,
    filters: &[TokenFilter],
) -> Option<String> {
    match_expression(&TSQUERY, whole, prefix, filters)
}

/// The words of a search as a `tsquery`, its last word expanded through the vocabulary, with
/// `filters` as tokens; `None` when nothing can match.
pub async fn tsquery(
    client: &Client,
    search: &Search,
    filters: &[TokenFilter],
) -> Result<Option<String>, AppError> {
    let Search::Words { whole, prefix } = search else {
        return Ok(None);
    };
    let terms = expand(prefix, words_beginning(client, prefix).await?);
    Ok(tsquery_text(whole, &terms, filters))
}

/// How many actions hold each filter token, from the counters.
async fn filter_token_counts(client: &Client) -> Result<HashMap<String, u64>, AppError> {
    let stmt = client
        .prepare_cached(
            "SELECT status, action_type, source, category, entity_kind, n FROM counters
             WHERE n > 0",
        )
        .await?;
    let rows = client.query(&stmt, &[]).await?;
    Ok(token_counts(rows.iter().map(|r| {
        (
            [r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)],
            r.get::<_, i64>(5).max(0) as u64,
        )
    })))
}

/// The query's filters worth giving the index, each as "one of these" tokens: those that keep
/// at most half of the actions. GIN's fast scan skips through the posting lists of such
/// required entries; a common one (history: 90 % of the actions) costs the index more than
/// testing the rows it returns, and a negated one ("none of the others", cheaper on SQLite) is
/// read whole. The rows are tested against every filter anyway.
pub fn selective_filters(q: &ActionQuery, counts: &HashMap<String, u64>) -> Vec<TokenFilter> {
    let all = counts.get("vp").copied().unwrap_or(0) + counts.get("vh").copied().unwrap_or(0);
    filter_token_groups(q)
        .into_iter()
        .filter(|group| {
            let kept: u64 = group.iter().filter_map(|t| counts.get(t)).sum();
            kept * 2 <= all
        })
        .map(TokenFilter::AnyOf)
        .collect()
}

/// The row numbers of a search's page (without a time range), its total, and whether the total
/// is a lower bound.
pub async fn page(
    client: &Client,
    q: &ActionQuery,
    search: &Search,
) -> Result<(Vec<i64>, u64, bool), AppError> {
    let filters = selective_filters(q, &filter_token_counts(client).await?);
    let Some(query) = tsquery(client, search, &filters).await? else {
        return Ok((Vec::new(), 0, false));
    };
    let size = q.page_size_or_default() as i64;
    let offset = (q.page_or_default() as i64 - 1) * size;
    let (n, seqs) = collected_page(client, q, &query, size, offset).await?;
    if n <= TOTAL_CAP {
        return Ok((seqs, n, false));
    }
    let seqs = walk(client, q, &query, size, offset).await?;
    Ok((seqs, TOTAL_CAP, true))
}

/// The sort keys a page is ordered by (`id` last).
fn sort_keys(q: &ActionQuery) -> String {
    match sort_column(q, Dialect::Postgres).0 {
        Some(column) => format!("{column}, id"),
        None => "id".to_owned(),
    }
}

/// Collects at most [`TOTAL_CAP`] + 1 matches with their sort keys: their number, and the page
/// among them in list order (the page, when they are all the matches).
async fn collected_page(
    client: &Client,
    q: &ActionQuery,
    query: &str,
    size: i64,
    offset: i64,
) -> Result<(u64, Vec<i64>), AppError> {
    let mut w = filter(q, Dialect::Postgres, false, None);
    let mark = w.bind(Param::Text(query.to_owned()));
    // The filters test the rows GIN returns (`OFFSET 0` keeps them out of the scan): given
    // to the planner as conditions, it would AND a bitmap of the view's 100,000s of rows in.
    let sql = format!(
        "WITH m AS MATERIALIZED (
            SELECT seq, {keys} FROM (
                SELECT * FROM actions WHERE words @@ {mark}::text::tsquery OFFSET 0) a
            WHERE {filter} LIMIT {cap})
         SELECT (SELECT count(*) FROM m),
                ARRAY(SELECT seq FROM m ORDER BY {order} LIMIT {size} OFFSET {offset})",
        keys = sort_keys(q),
        filter = w.sql(),
        cap = TOTAL_CAP + 1,
        order = order_by(q, Dialect::Postgres),
    );
    let rows = reads::query(client, &sql, &w).await?;
    let n: i64 = rows.first().map_or(0, |r| r.get(0));
    let seqs = rows.first().map_or_else(Vec::new, |r| r.get(1));
    Ok((n.max(0) as u64, seqs))
}

/// Walks the sort index of each view the query covers and tests each row (`ts_match_vq`, which
/// no index answers, so the planner keeps the index order), returning the page.
async fn walk(
    client: &Client,
    q: &ActionQuery,
    query: &str,
    size: i64,
    offset: i64,
) -> Result<Vec<i64>, AppError> {
    let mut w = filter(q, Dialect::Postgres, false, None);
    let mark = w.bind(Param::Text(query.to_owned()));
    w.push(format!("ts_match_vq(words, {mark}::text::tsquery)"));
    let order = order_by(q, Dialect::Postgres);
    let part = |pending: bool, limit: i64, skip: i64| {
        format!(
            "SELECT seq, {keys} FROM actions WHERE pending = {pending} AND {filter}
             ORDER BY {order} LIMIT {limit} OFFSET {skip}",
            keys = sort_keys(q),
            filter = w.sql(),
        )
    };
    let sql = match q.view {
        Some(View::Pending) => format!("SELECT seq FROM ({}) p", part(true, size, offset)),
        Some(View::History) | Some(View::Contained) => {
            format!("SELECT seq FROM ({}) p", part(false, size, offset))
        }
        // Both views: the first offset + size of each, merged in list order.
        _ => format!(
            "SELECT seq FROM (({}) UNION ALL ({})) p ORDER BY {order} LIMIT {size} OFFSET {offset}",
            part(true, offset + size, 0),
            part(false, offset + size, 0),
        ),
    };
    Ok(reads::query(client, &sql, &w)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_selective_filters_go_to_the_index() {
        let counts: HashMap<String, u64> = [("vp", 90), ("vh", 910), ("sfailed", 210)]
            .iter()
            .map(|(t, n)| (t.to_string(), *n))
            .collect();
        let q = |view, status: Vec<action_center_core::Status>| ActionQuery {
            view: Some(view),
            status,
            ..ActionQuery::default()
        };
        assert_eq!(
            selective_filters(&q(View::History, vec![]), &counts),
            vec![]
        );
        assert_eq!(
            selective_filters(
                &q(View::History, vec![action_center_core::Status::Failed]),
                &counts
            ),
            vec![TokenFilter::AnyOf(vec!["sfailed".into()])]
        );
        assert_eq!(
            selective_filters(&q(View::Pending, vec![]), &counts),
            vec![TokenFilter::AnyOf(vec!["vp".into()])]
        );
    }

    #[test]
    fn the_query_ands_words_prefix_and_filters() {
        let text = tsquery_text(
            &["fin".into()],
            &PrefixTerms::Words(vec!["laptop".into(), "laptops".into()]),
            &[
                TokenFilter::AnyOf(vec!["tquarantinefile".into()]),
                TokenFilter::NoneOf(vec!["vp".into()]),
            ],
        );
        assert_eq!(
            text.as_deref(),
            Some("'fin' & ('laptop' | 'laptops') & '~tquarantinefile' & !'~vp'")
        );
        assert_eq!(
            tsquery_text(&[], &PrefixTerms::Wildcard("07".into()), &[]).as_deref(),
            Some("'07':*")
        );
        assert_eq!(tsquery_text(&[], &PrefixTerms::Words(vec![]), &[]), None);
        assert_eq!(
            tsquery_text(
                &[],
                &PrefixTerms::Words(vec!["a".into()]),
                &[TokenFilter::AnyOf(vec![])]
            ),
            None
        );
    }
}
