//! The full-text index on SQLite, for the CSV export's search (pages come from the in-memory
//! index, [`crate::store::memsearch`], which loads its words from `search_rows`): the FTS5
//! index holds each action's words and filter tokens (see [`crate::store::search`]);
//! `search_rows` keeps the same text per row (to take it out of the index again);
//! `search_vocab` lists the indexed words, so that the last word of a query becomes the few
//! whole words it begins, which the index streams, instead of a prefix query, which it merges
//! in full first.

use action_center_core::Action;
use rusqlite::{params, Connection, OptionalExtension};

use super::super::list::filter_tokens;
use super::super::search::{fold, index_text, TOKEN_MARK};
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
