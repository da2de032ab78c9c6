//! A PostgreSQL write: a `READ COMMITTED` transaction on a pooled connection. Rows a write loads
//! are locked (`FOR UPDATE`), so concurrent writes on any instance queue behind each other per
//! action and exactly one wins a race; work and expiry candidates are taken with `SKIP LOCKED`;
//! audit entries are appended under a transaction-level advisory lock, so their sequence numbers
//! follow commit order, and a `NOTIFY` tells every instance's listener.

use action_center_core::{Action, Status};
use async_trait::async_trait;
use deadpool_postgres::Object;
use tokio_postgres::types::ToSql;

use super::super::backend::{Announce, AuditEntry, CounterKey, RowUpdate, Stored, StoredReply, Tx};
use super::super::outbox::{AttemptResult, ClaimedDelivery, NewDelivery};
use super::super::rows::{decided_by, encode};
use super::super::{decode, ms, search_words};
use super::outbox;
use super::{
    ascii_key, column_text as t, encode_comment, search, tsvector_literal, EVENTS_CHANNEL,
};
use crate::errors::AppError;

/// Advisory lock key of the audit append ("ac-event").
const EVENT_LOCK: i64 = 0x6163_2d65_7665_6e74;
/// Advisory lock key of the expiry sweep ("ac-sweep").
const SWEEP_LOCK: i64 = 0x6163_2d73_7765_6570;

/// The open write transaction.
pub struct PgTx {
    client: Option<Object>,
}

impl PgTx {
    /// Begins a write on a pooled connection.
    pub async fn begin(client: Object) -> Result<Self, AppError> {
        client.batch_execute("BEGIN").await?;
        Ok(PgTx {
            client: Some(client),
        })
    }

    fn client(&self) -> &Object {
        self.client.as_ref().expect("transaction still open")
    }

    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, AppError> {
        let client = self.client();
        let stmt = client.prepare_cached(sql).await?;
        Ok(client.query(&stmt, params).await?)
    }

    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, AppError> {
        let client = self.client();
        let stmt = client.prepare_cached(sql).await?;
        Ok(client.execute(&stmt, params).await?)
    }

    async fn stored(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Stored>, AppError> {
        self.query(sql, params)
            .await?
            .iter()
            .map(|r| {
                Ok(Stored {
                    seq: r.get(0),
                    action: decode(r.get(1))?,
                })
            })
            .collect()
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        // Dropped mid-transaction (a panic): the connection leaves the pool and closes, which
        // rolls the transaction back on the server.
        if let Some(client) = self.client.take() {
            drop(Object::take(client));
        }
    }
}

/// What a new row stores beyond the action's own fields (its document goes to
/// `action_bodies`).
pub fn row_values(a: &Action) -> RowValues {
    RowValues {
        words: tsvector_literal(a),
        asset_key: ascii_key(&a.asset.name),
        entity_key: ascii_key(&a.entity.name),
    }
}

/// What an action row stores beyond the action's own fields.
pub struct RowValues {
    /// The search words, as a `tsvector` literal.
    pub words: String,
    /// The asset name for sorting (ASCII lower case).
    pub asset_key: String,
    /// The entity name for sorting (ASCII lower case).
    pub entity_key: String,
}

#[async_trait]
impl Tx for PgTx {
    // Loads lock the row and its document (`OF a, b`): when a lock waits for another write,
    // PostgreSQL re-reads only the locked rows' newest versions, and a document left unlocked
    // would be the one from before that write, a version behind the row.
    async fn load_by_id(&mut self, id: &str) -> Result<Option<Stored>, AppError> {
        Ok(self
            .stored(
                "SELECT a.seq, b.body FROM actions a JOIN action_bodies b ON b.seq = a.seq
                 WHERE a.id = $1 FOR UPDATE OF a, b",
                &[&id],
            )
            .await?
            .pop())
    }

    async fn load_many(&mut self, ids: &[String]) -> Result<Vec<Option<Stored>>, AppError> {
        let rows = self
            .query(
                "SELECT a.seq, b.body, a.id FROM actions a JOIN action_bodies b ON b.seq = a.seq
                 WHERE a.id = ANY($1) ORDER BY a.id FOR UPDATE OF a, b",
                &[&ids],
            )
            .await?;
        let mut found = std::collections::HashMap::with_capacity(rows.len());
        for r in rows {
            let id: String = r.get(2);
            let stored = Stored {
                seq: r.get(0),
                action: decode(r.get(1))?,
            };
            found.insert(id, stored);
        }
        Ok(ids.iter().map(|id| found.remove(id)).collect())
    }

    async fn load_by_seq(&mut self, seq: i64) -> Result<Option<Stored>, AppError> {
        Ok(self
            .stored(
                "SELECT a.seq, b.body FROM actions a JOIN action_bodies b ON b.seq = a.seq
                 WHERE a.seq = $1 FOR UPDATE OF a, b",
                &[&seq],
            )
            .await?
            .pop())
    }

    async fn insert(&mut self, a: &Action) -> Result<i64, AppError> {
        let v = row_values(a);
        let rows = self
            .query(
                "INSERT INTO actions (id, version, action_type, category, source, status, pending,
                    entity_kind, asset_id, asset_name, asset_key, entity_name, entity_key, sha256,
                    investigation_id, decided_by, created_at, updated_at, expires_at, words)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17, $18, $19, $20::text::tsvector)
                 RETURNING seq",
                &[
                    &a.id,
                    &a.version,
                    &a.action_type.as_str(),
                    &a.category.as_str(),
                    &a.source.as_str(),
                    &a.status.as_str(),
                    &a.status.is_pending(),
                    &a.entity.kind.as_str(),
                    &t(&a.asset.id),
                    &t(&a.asset.name),
                    &v.asset_key,
                    &t(&a.entity.name),
                    &v.entity_key,
                    &a.entity.sha256.as_deref().map(t),
                    &a.investigation_id.as_deref().map(t),
                    &decided_by(a).map(t),
                    &ms(a.created_at),
                    &ms(a.updated_at),
                    &a.expires_at.map(ms),
                    &v.words,
                ],
            )
            .await?;
        let seq: i64 = rows[0].get(0);
        self.execute(
            "INSERT INTO action_bodies (seq, body) VALUES ($1, $2)",
            &[&seq, &encode(a)?],
        )
        .await?;
        self.execute(search::NOTE_WORDS, &[&search_words(a)])
            .await?;
        Ok(seq)
    }

    async fn update(&mut self, u: RowUpdate<'_>) -> Result<bool, AppError> {
        let a = u.after;
        let body = encode(a)?;
        let claimed_by = u.claim.map(|c| t(c.0));
        let claimed_at = u.claim.map(|c| c.1);
        let changed = if u.pending_changed {
            self.execute(
                "UPDATE actions SET version = $1, status = $2, pending = $3, decided_by = $4,
                    updated_at = $5, expires_at = $6, claimed_by = $7, claimed_at = $8,
                    words = $11::text::tsvector
                 WHERE seq = $9 AND version = $10",
                &[
                    &a.version,
                    &a.status.as_str(),
                    &a.status.is_pending(),
                    &decided_by(a).map(t),
                    &ms(a.updated_at),
                    &a.expires_at.map(ms),
                    &claimed_by,
                    &claimed_at,
                    &u.seq,
                    &u.expected_version,
                    &tsvector_literal(a),
                ],
            )
            .await?
        } else if u.status_changed {
            // The filter tokens in the search words change with the status.
            self.execute(
                "UPDATE actions SET version = $1, status = $2, updated_at = $3,
                    claimed_by = $4, claimed_at = $5, words = $8::text::tsvector
                 WHERE seq = $6 AND version = $7",
                &[
                    &a.version,
                    &a.status.as_str(),
                    &ms(a.updated_at),
                    &claimed_by,
                    &claimed_at,
                    &u.seq,
                    &u.expected_version,
                    &tsvector_literal(a),
                ],
            )
            .await?
        } else {
            self.execute(
                "UPDATE actions SET version = $1, status = $2, updated_at = $3,
                    claimed_by = $4, claimed_at = $5
                 WHERE seq = $6 AND version = $7",
                &[
                    &a.version,
                    &a.status.as_str(),
                    &ms(a.updated_at),
                    &claimed_by,
                    &claimed_at,
                    &u.seq,
                    &u.expected_version,
                ],
            )
            .await?
        };
        if changed == 1 {
            self.execute(
                "UPDATE action_bodies SET body = $1 WHERE seq = $2",
                &[&body, &u.seq],
            )
            .await?;
        }
        Ok(changed == 1)
    }

    async fn set_claim(&mut self, seq: i64, claim: Option<(&str, i64)>) -> Result<(), AppError> {
        let (by, at) = (claim.map(|c| t(c.0)), claim.map(|c| c.1));
        self.execute(
            "UPDATE actions SET claimed_by = $1, claimed_at = $2 WHERE seq = $3",
            &[&by, &at, &seq],
        )
        .await?;
        Ok(())
    }

    async fn claimed_by(&mut self, seq: i64) -> Result<Option<String>, AppError> {
        Ok(self
            .query("SELECT claimed_by FROM actions WHERE seq = $1", &[&seq])
            .await?
            .first()
            .and_then(|r| r.get(0)))
    }

    async fn related_instances(&mut self, action: &Action) -> Result<Vec<Stored>, AppError> {
        let Some(sha) = action.entity.sha256.as_deref() else {
            return Ok(Vec::new());
        };
        let mut rows = self
            .stored(
                "SELECT a.seq, b.body FROM actions a JOIN action_bodies b ON b.seq = a.seq
                 WHERE a.sha256 = $1 AND a.action_type = 'quarantineFile'
                   AND a.status IN ('completed', 'undoFailed') AND a.id <> $2 AND a.asset_id <> $3
                 ORDER BY a.id FOR UPDATE OF a, b",
                &[&t(sha), &action.id, &t(&action.asset.id)],
            )
            .await?;
        // Locked in id order (as every write locks); listed newest first.
        rows.sort_by(|a, b| {
            (b.action.updated_at, &b.action.id).cmp(&(a.action.updated_at, &a.action.id))
        });
        Ok(rows)
    }

    async fn overdue(&mut self, now_ms: i64, limit: usize) -> Result<Vec<i64>, AppError> {
        Ok(self
            .query(
                "SELECT seq FROM actions WHERE pending AND expires_at <= $1
                 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                &[&now_ms, &(limit as i64)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn claimable(
        &mut self,
        stale_ms: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Status)>, AppError> {
        Ok(self
            .query(
                "SELECT seq, status FROM actions
                 WHERE (status = 'queued' AND claimed_by IS NULL)
                    OR (status = 'undoing' AND (claimed_by IS NULL OR claimed_at < $1))
                    OR (status = 'running' AND claimed_at < $1)
                 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                &[&stale_ms, &(limit as i64)],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), Status::parse(r.get(1))))
            .collect())
    }

    async fn next_simulated_step(&mut self, cutoff_ms: i64) -> Result<Option<i64>, AppError> {
        Ok(self
            .query(
                "SELECT seq FROM actions
                 WHERE status IN ('queued', 'running', 'undoing') AND updated_at <= $1
                   AND (claimed_by IS NULL OR claimed_by = 'system')
                 ORDER BY updated_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                &[&cutoff_ms],
            )
            .await?
            .first()
            .map(|r| r.get(0)))
    }

    async fn undo_failed_before(&mut self, seq: i64) -> Result<bool, AppError> {
        Ok(self
            .query(
                "SELECT EXISTS (SELECT 1 FROM audit WHERE action_seq = $1 AND event = 'undoFailed')",
                &[&seq],
            )
            .await?[0]
            .get(0))
    }

    async fn lock_idempotency_key(&mut self, caller: &str, key: &str) -> Result<(), AppError> {
        let name = format!("{}\n{}", t(caller), t(key));
        self.query(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&name],
        )
        .await?;
        Ok(())
    }

    async fn idempotent_reply(
        &mut self,
        caller: &str,
        key: &str,
    ) -> Result<Option<StoredReply>, AppError> {
        Ok(self
            .query(
                "SELECT route, body_hash, status, response FROM idempotency
                 WHERE caller = $1 AND key = $2",
                &[&t(caller), &t(key)],
            )
            .await?
            .first()
            .map(|r| StoredReply {
                route: r.get(0),
                digest: r.get(1),
                status: r.get::<_, i32>(2) as u16,
                body: r.get(3),
            }))
    }

    async fn store_reply(
        &mut self,
        caller: &str,
        key: &str,
        reply: &StoredReply,
        now_ms: i64,
    ) -> Result<(), AppError> {
        self.execute(
            "INSERT INTO idempotency (caller, key, route, body_hash, status, response, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &t(caller),
                &t(key),
                &reply.route,
                &reply.digest,
                &(reply.status as i32),
                &reply.body,
                &now_ms,
            ],
        )
        .await?;
        Ok(())
    }

    async fn forget_replies(&mut self, before_ms: i64) -> Result<u64, AppError> {
        self.execute(
            "DELETE FROM idempotency WHERE created_at < $1",
            &[&before_ms],
        )
        .await
    }

    async fn try_lock_sweeper(&mut self) -> Result<bool, AppError> {
        Ok(self
            .query("SELECT pg_try_advisory_xact_lock($1)", &[&SWEEP_LOCK])
            .await?[0]
            .get(0))
    }

    async fn apply_counters(&mut self, deltas: &[(CounterKey, i64)]) -> Result<(), AppError> {
        // Keys arrive sorted, so concurrent writes lock counter rows in one order.
        for ([status, t, source, category, kind], delta) in deltas {
            self.execute(
                "INSERT INTO counters (status, action_type, source, category, entity_kind, n)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (status, action_type, source, category, entity_kind)
                 DO UPDATE SET n = counters.n + excluded.n",
                &[status, t, source, category, kind, delta],
            )
            .await?;
        }
        Ok(())
    }

    async fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<Vec<i64>, AppError> {
        // Held until commit: the next write's entries get higher numbers and become visible
        // after these, so a reader never sees event N+1 without event N.
        self.query("SELECT pg_advisory_xact_lock($1)", &[&EVENT_LOCK])
            .await?;
        let action_seqs: Vec<i64> = entries.iter().map(|e| e.action_seq).collect();
        let ats: Vec<i64> = entries.iter().map(|e| e.at).collect();
        let actors: Vec<std::borrow::Cow<'_, str>> = entries.iter().map(|e| t(&e.actor)).collect();
        let events: Vec<&str> = entries.iter().map(|e| e.event.as_str()).collect();
        let froms: Vec<Option<&str>> = entries
            .iter()
            .map(|e| e.from.as_ref().map(|s| s.as_str()))
            .collect();
        let tos: Vec<Option<&str>> = entries
            .iter()
            .map(|e| e.to.as_ref().map(|s| s.as_str()))
            .collect();
        let comments: Vec<Option<String>> = entries
            .iter()
            .map(|e| encode_comment(e.comment.as_deref()))
            .collect();
        let rows = self
            .query(
                "INSERT INTO audit (action_seq, at, actor, event, from_status, to_status, comment)
                 SELECT a, b, c, d, e, f, g
                 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                             $6::text[], $7::text[]) WITH ORDINALITY AS u(a, b, c, d, e, f, g, o)
                 ORDER BY o
                 RETURNING seq",
                &[
                    &action_seqs,
                    &ats,
                    &actors,
                    &events,
                    &froms,
                    &tos,
                    &comments,
                ],
            )
            .await?;
        // Numbers are drawn row by row in insertion order, and no other write draws meanwhile.
        let mut seqs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        seqs.sort_unstable();
        if let Some(last) = seqs.last() {
            self.query(
                "SELECT pg_notify($1, $2)",
                &[&EVENTS_CHANNEL, &last.to_string()],
            )
            .await?;
        }
        Ok(seqs)
    }

    async fn enqueue_deliveries(&mut self, rows: &[NewDelivery]) -> Result<(), AppError> {
        outbox::enqueue(self.client(), rows).await
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
            self.client(),
            receiver,
            now_ms,
            lease_until_ms,
            lease_token,
            limit,
        )
        .await
    }

    async fn record_deliveries(&mut self, results: &[AttemptResult]) -> Result<(), AppError> {
        outbox::record(self.client(), results).await
    }

    async fn commit(mut self: Box<Self>, announce: Announce) -> Result<(), AppError> {
        let client = self.client.take().expect("transaction still open");
        match client.batch_execute("COMMIT").await {
            Ok(()) => {
                announce();
                Ok(())
            }
            Err(err) => {
                drop(Object::take(client));
                Err(err.into())
            }
        }
    }

    async fn rollback(mut self: Box<Self>) -> Result<(), AppError> {
        let client = self.client.take().expect("transaction still open");
        if let Err(err) = client.batch_execute("ROLLBACK").await {
            drop(Object::take(client));
            return Err(err.into());
        }
        Ok(())
    }
}
