//! The full-text index's text and expressions: the index text of an action (folded words and
//! marked filter tokens) and the match expression of a query (its last word expanded into the
//! indexed words it begins). Both stores' full-text indexes serve the CSV export's search; the
//! list's searches are answered in memory ([`super::memsearch`]).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Starts every filter token in the index text: a private-use character, which no searched word
/// holds (words are runs of letters and digits) but the tokenizer keeps as part of a token.
pub const TOKEN_MARK: char = '\u{E000}';

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

/// A filter in the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFilter {
    /// One of these tokens.
    AnyOf(Vec<String>),
    /// None of these (the rest of the dimension): fewer entries to merge.
    NoneOf(Vec<String>),
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
#[cfg(test)]
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
