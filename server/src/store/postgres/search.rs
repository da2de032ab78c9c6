//! Search in the database, for the CSV export (pages come from each instance's in-memory index,
//! [`super::super::memsearch`]): the GIN index on `actions.words` holds each action's words and
//! filter tokens (`~`-marked); `search_vocab` lists the indexed words, so that the last word of
//! a query becomes the few whole words it begins. A prefix query (`'laptop':*`) makes GIN build
//! the full bitmap of every word in the range before it returns a row, while whole words are
//! intersected with its fast scan (several times cheaper at 1,000,000 actions, see
//! BENCHMARKS.md).

use deadpool_postgres::ClientWrapper as Client;

use super::super::list::Search;
use super::super::search::{
    expand, match_expression, prefix_end, MatchSyntax, PrefixTerms, TokenFilter, MAX_EXPANSION,
};
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

#[cfg(test)]
mod tests {
    use super::*;

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
