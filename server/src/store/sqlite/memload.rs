//! Loads the in-memory search index ([`crate::store::memsearch`]) from the database: every
//! action's filter and sort columns, and its folded words from `search_rows` (the text the
//! full-text index holds).

use rusqlite::Connection;

use super::super::memsearch::{folded, Entry, Index};
use super::super::postgres::ascii_key;
use super::super::search::TOKEN_MARK;
use super::super::{decode, search_words};
use crate::errors::AppError;

/// The index of every action.
pub fn load(conn: &Connection) -> Result<Index, AppError> {
    let mut stmt = conn.prepare(
        "SELECT a.seq, a.version, a.id, a.action_type, a.category, a.source, a.status,
                a.entity_kind, a.asset_name, a.entity_name, a.investigation_id, a.decided_by,
                a.created_at, a.updated_at, a.expires_at, r.text
         FROM actions a LEFT JOIN search_rows r ON r.seq = a.seq ORDER BY a.seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut index = Index::default();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let words = match r.get::<_, Option<String>>(15)? {
            // The filter tokens (marked) are read from the columns instead.
            Some(text) => text
                .split(' ')
                .filter(|w| !w.is_empty() && !w.starts_with(TOKEN_MARK))
                .map(str::to_owned)
                .collect(),
            // A row without its search text (none should lack it): from its document.
            None => {
                let body: String =
                    conn.query_row("SELECT body FROM actions WHERE seq = ?1", [seq], |r| {
                        r.get(0)
                    })?;
                folded(&search_words(&decode(&body)?))
            }
        };
        index.upsert(Entry {
            seq,
            version: r.get(1)?,
            id: r.get(2)?,
            action_type: r.get(3)?,
            category: r.get(4)?,
            source: r.get(5)?,
            status: r.get(6)?,
            entity_kind: r.get(7)?,
            // SQLite sorts these names NOCASE: ASCII case folded, as these keys are.
            asset_key: ascii_key(&r.get::<_, String>(8)?),
            entity_key: ascii_key(&r.get::<_, String>(9)?),
            investigation_id: r.get(10)?,
            decided_by: r.get(11)?,
            created_at: r.get(12)?,
            updated_at: r.get(13)?,
            expires_at: r.get(14)?,
            words,
        });
    }
    Ok(index)
}
