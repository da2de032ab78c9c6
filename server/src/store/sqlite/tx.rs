//! A SQLite write: `BEGIN IMMEDIATE` on the one writer connection, held (through the lock) until
//! commit or rollback. Writes are serialized, so a loaded row cannot change under the write and
//! audit sequence numbers follow commit order.

use action_center_core::{Action, Status};
use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::OwnedMutexGuard;

use super::super::backend::{Announce, AuditEntry, CounterKey, RowUpdate, Stored, StoredReply, Tx};
use super::super::outbox::{AttemptResult, ClaimedDelivery, NewDelivery};
use super::super::rows::{decided_by, encode};
use super::super::{decode, ms, search_words};
use super::outbox;
use super::search;
use crate::errors::AppError;

/// The open write transaction.
pub struct SqliteTx {
    conn: OwnedMutexGuard<Connection>,
    open: bool,
}

impl SqliteTx {
    /// Begins a write on the writer connection.
    pub fn begin(conn: OwnedMutexGuard<Connection>) -> Result<Self, AppError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(SqliteTx { conn, open: true })
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Inserts the row and its search entry (no counters, no audit).
pub fn insert_row(conn: &Connection, a: &Action) -> Result<i64, AppError> {
    let body = encode(a)?;
    conn.prepare_cached(
        "INSERT INTO actions (id, version, action_type, category, source, status, pending,
            entity_kind, asset_id, asset_name, entity_name, sha256, investigation_id, decided_by,
            created_at, updated_at, expires_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        a.id,
        a.version,
        a.action_type.as_str(),
        a.category.as_str(),
        a.source.as_str(),
        a.status.as_str(),
        a.status.is_pending(),
        a.entity.kind.as_str(),
        a.asset.id,
        a.asset.name,
        a.entity.name,
        a.entity.sha256,
        a.investigation_id,
        decided_by(a),
        ms(a.created_at),
        ms(a.updated_at),
        a.expires_at.map(ms),
        body
    ])?;
    let seq = conn.last_insert_rowid();
    search::index_row(conn, seq, a)?;
    Ok(seq)
}

/// The row's words as migration 2 kept them, space-separated with a space at both ends
/// (`search_rows` holds them since migration 4).
pub fn words_column(a: &Action) -> String {
    format!(" {} ", search_words(a).join(" "))
}

/// Appends one audit entry; returns its sequence number.
pub fn insert_audit(conn: &Connection, e: &AuditEntry) -> Result<i64, AppError> {
    conn.prepare_cached(
        "INSERT INTO audit (action_seq, at, actor, event, from_status, to_status, comment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.action_seq,
        e.at,
        e.actor,
        e.event,
        e.from.as_ref().map(|s| s.as_str()),
        e.to.as_ref().map(|s| s.as_str()),
        e.comment
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The action in row `seq`.
pub fn load_by_seq(conn: &Connection, seq: i64) -> Result<Option<Stored>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT body FROM actions WHERE seq = ?1")?;
    let body: Option<String> = stmt.query_row([seq], |r| r.get(0)).optional()?;
    body.map(|b| {
        Ok(Stored {
            seq,
            action: decode(&b)?,
        })
    })
    .transpose()
}

/// The action with this id.
pub fn load_by_id(conn: &Connection, id: &str) -> Result<Option<Stored>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT seq, body FROM actions WHERE id = ?1")?;
    let row = stmt
        .query_row([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    row.map(|(seq, body)| {
        Ok(Stored {
            seq,
            action: decode(&body)?,
        })
    })
    .transpose()
}

/// Other completed (or undo-failed) quarantines of the same file on other assets.
pub fn related_instances(conn: &Connection, action: &Action) -> Result<Vec<Stored>, AppError> {
    let Some(sha) = action.entity.sha256.as_deref() else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT seq, body FROM actions
         WHERE sha256 = ?1 AND action_type = 'quarantineFile'
           AND status IN ('completed', 'undoFailed') AND id <> ?2 AND asset_id <> ?3
         ORDER BY updated_at DESC, id DESC",
    )?;
    let rows = stmt.query_map(params![sha, action.id, action.asset.id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, body) = row?;
        out.push(Stored {
            seq,
            action: decode(&body)?,
        });
    }
    Ok(out)
}

#[async_trait]
impl Tx for SqliteTx {
    async fn load_by_id(&mut self, id: &str) -> Result<Option<Stored>, AppError> {
        load_by_id(&self.conn, id)
    }

    async fn load_many(&mut self, ids: &[String]) -> Result<Vec<Option<Stored>>, AppError> {
        ids.iter().map(|id| load_by_id(&self.conn, id)).collect()
    }

    async fn load_by_seq(&mut self, seq: i64) -> Result<Option<Stored>, AppError> {
        load_by_seq(&self.conn, seq)
    }

    async fn insert(&mut self, action: &Action) -> Result<i64, AppError> {
        let seq = insert_row(&self.conn, action)?;
        search::note_words(&self.conn, action)?;
        Ok(seq)
    }

    async fn update(&mut self, u: RowUpdate<'_>) -> Result<bool, AppError> {
        let a = u.after;
        let body = encode(a)?;
        let (claimed_by, claimed_at) = match u.claim {
            Some((by, at)) => (Some(by), Some(at)),
            None => (None, None),
        };
        // Only entering or leaving `pending` touches the pending/decider/expiry columns, so other
        // moves leave most of the list's indexes alone.
        let changed = if u.pending_changed {
            self.conn
                .prepare_cached(
                    "UPDATE actions SET version = ?1, status = ?2, pending = ?3, decided_by = ?4,
                        updated_at = ?5, expires_at = ?6, body = ?7, claimed_by = ?8, claimed_at = ?9
                     WHERE seq = ?10 AND version = ?11",
                )?
                .execute(params![
                    a.version,
                    a.status.as_str(),
                    a.status.is_pending(),
                    decided_by(a),
                    ms(a.updated_at),
                    a.expires_at.map(ms),
                    body,
                    claimed_by,
                    claimed_at,
                    u.seq,
                    u.expected_version
                ])?
        } else {
            self.conn
                .prepare_cached(
                    "UPDATE actions SET version = ?1, status = ?2, updated_at = ?3, body = ?4,
                        claimed_by = ?5, claimed_at = ?6
                     WHERE seq = ?7 AND version = ?8",
                )?
                .execute(params![
                    a.version,
                    a.status.as_str(),
                    ms(a.updated_at),
                    body,
                    claimed_by,
                    claimed_at,
                    u.seq,
                    u.expected_version
                ])?
        };
        if changed == 1 && (u.status_changed || u.pending_changed) {
            search::reindex_row(&self.conn, u.seq, a)?;
        }
        Ok(changed == 1)
    }

    async fn set_claim(&mut self, seq: i64, claim: Option<(&str, i64)>) -> Result<(), AppError> {
        self.conn
            .prepare_cached("UPDATE actions SET claimed_by = ?1, claimed_at = ?2 WHERE seq = ?3")?
            .execute(params![claim.map(|c| c.0), claim.map(|c| c.1), seq])?;
        Ok(())
    }

    async fn claimed_by(&mut self, seq: i64) -> Result<Option<String>, AppError> {
        Ok(self
            .conn
            .prepare_cached("SELECT claimed_by FROM actions WHERE seq = ?1")?
            .query_row([seq], |r| r.get(0))
            .optional()?
            .flatten())
    }

    async fn related_instances(&mut self, action: &Action) -> Result<Vec<Stored>, AppError> {
        related_instances(&self.conn, action)
    }

    async fn overdue(&mut self, now_ms: i64, limit: usize) -> Result<Vec<i64>, AppError> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT seq FROM actions WHERE pending = 1 AND expires_at <= ?1
                 ORDER BY expires_at LIMIT ?2",
            )?
            .query_map(params![now_ms, limit as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    async fn claimable(
        &mut self,
        stale_ms: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Status)>, AppError> {
        let rows: Vec<(i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT seq, status FROM actions
                 WHERE (status = 'queued' AND claimed_by IS NULL)
                    OR (status = 'undoing' AND (claimed_by IS NULL OR claimed_at < ?1))
                    OR (status = 'running' AND claimed_at < ?1)
                 ORDER BY updated_at LIMIT ?2",
            )?
            .query_map(params![stale_ms, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(seq, s)| (seq, Status::parse(&s)))
            .collect())
    }

    async fn next_simulated_step(&mut self, cutoff_ms: i64) -> Result<Option<i64>, AppError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT seq FROM actions
                 WHERE status IN ('queued', 'running', 'undoing') AND updated_at <= ?1
                   AND (claimed_by IS NULL OR claimed_by = 'system')
                 ORDER BY updated_at LIMIT 1",
            )?
            .query_row([cutoff_ms], |r| r.get(0))
            .optional()?)
    }

    async fn undo_failed_before(&mut self, seq: i64) -> Result<bool, AppError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM audit WHERE action_seq = ?1 AND event = 'undoFailed')",
            )?
            .query_row([seq], |r| r.get(0))?)
    }

    async fn lock_idempotency_key(&mut self, _caller: &str, _key: &str) -> Result<(), AppError> {
        Ok(()) // the one writer holds every key
    }

    async fn idempotent_reply(
        &mut self,
        caller: &str,
        key: &str,
    ) -> Result<Option<StoredReply>, AppError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT route, body_hash, status, response FROM idempotency
                 WHERE caller = ?1 AND key = ?2",
            )?
            .query_row(params![caller, key], |r| {
                Ok(StoredReply {
                    route: r.get(0)?,
                    digest: r.get(1)?,
                    status: r.get(2)?,
                    body: r.get(3)?,
                })
            })
            .optional()?)
    }

    async fn store_reply(
        &mut self,
        caller: &str,
        key: &str,
        reply: &StoredReply,
        now_ms: i64,
    ) -> Result<(), AppError> {
        self.conn
            .prepare_cached(
                "INSERT INTO idempotency (caller, key, route, body_hash, status, response, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                caller,
                key,
                reply.route,
                reply.digest,
                reply.status,
                reply.body,
                now_ms
            ])?;
        Ok(())
    }

    async fn forget_replies(&mut self, before_ms: i64) -> Result<u64, AppError> {
        Ok(self
            .conn
            .execute("DELETE FROM idempotency WHERE created_at < ?1", [before_ms])?
            as u64)
    }

    async fn try_lock_sweeper(&mut self) -> Result<bool, AppError> {
        Ok(true) // one process
    }

    async fn apply_counters(&mut self, deltas: &[(CounterKey, i64)]) -> Result<(), AppError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO counters (status, action_type, source, category, entity_kind, n)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT DO UPDATE SET n = n + excluded.n",
        )?;
        for ([status, t, source, category, kind], delta) in deltas {
            stmt.execute(params![status, t, source, category, kind, delta])?;
        }
        Ok(())
    }

    async fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<Vec<i64>, AppError> {
        entries
            .iter()
            .map(|e| insert_audit(&self.conn, e))
            .collect()
    }

    async fn enqueue_deliveries(&mut self, rows: &[NewDelivery]) -> Result<(), AppError> {
        outbox::enqueue(&self.conn, rows)
    }

    async fn claim_deliveries(
        &mut self,
        receiver: &str,
        now_ms: i64,
        lease_until_ms: i64,
        lease_token: i64,
        limit: usize,
    ) -> Result<Vec<ClaimedDelivery>, AppError> {
        outbox::claim(
            &self.conn,
            receiver,
            now_ms,
            lease_until_ms,
            lease_token,
            limit,
        )
    }

    async fn record_deliveries(&mut self, results: &[AttemptResult]) -> Result<(), AppError> {
        outbox::record(&self.conn, results)
    }

    async fn commit(mut self: Box<Self>, announce: Announce) -> Result<(), AppError> {
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        // Still holding the writer: the next write's changes cannot be announced before these.
        announce();
        Ok(())
    }

    async fn rollback(mut self: Box<Self>) -> Result<(), AppError> {
        self.open = false;
        self.conn.execute_batch("ROLLBACK")?;
        Ok(())
    }
}
