//! Loads the in-memory search index ([`crate::store::memsearch`]) from one snapshot of the
//! database: every action's filter and sort columns and search words, and the newest audit
//! entry the snapshot holds, from which the listener carries the index forward.

use futures_util::{pin_mut, TryStreamExt};
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

use super::super::memsearch::{Entry, Index};
use crate::errors::AppError;

/// The index of every action in one snapshot, and the newest audit entry in it.
pub async fn load(client: &mut Client) -> Result<(Index, i64), AppError> {
    let (tx, through) = super::reads::snapshot(client).await?;
    let stmt = tx
        .prepare(
            "SELECT seq, version, id, action_type, category, source, status, entity_kind,
                    asset_key, entity_key, investigation_id, decided_by, created_at, updated_at,
                    expires_at, tsvector_to_array(words)
             FROM actions ORDER BY seq",
        )
        .await?;
    let rows = tx
        .query_raw(&stmt, std::iter::empty::<&(dyn ToSql + Sync)>())
        .await?;
    pin_mut!(rows);
    let mut index = Index::default();
    while let Some(r) = rows.try_next().await? {
        let lexemes: Vec<String> = r.get(15);
        index.upsert(Entry {
            seq: r.get(0),
            version: r.get(1),
            id: r.get(2),
            action_type: r.get(3),
            category: r.get(4),
            source: r.get(5),
            status: r.get(6),
            entity_kind: r.get(7),
            asset_key: r.get(8),
            entity_key: r.get(9),
            investigation_id: r.get(10),
            decided_by: r.get(11),
            created_at: r.get(12),
            updated_at: r.get(13),
            expires_at: r.get(14),
            // The `~`-marked lexemes are the filter tokens, which the index reads from columns.
            words: lexemes
                .into_iter()
                .filter(|w| !w.starts_with('~'))
                .collect(),
        });
    }
    tx.commit().await?;
    Ok((index, through))
}
