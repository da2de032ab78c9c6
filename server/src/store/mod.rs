//! Storage behind one interface ([`backend`]): SQLite, the embedded default (one file, one
//! process), and PostgreSQL, for several stateless instances on one database server.
//!
//! Every write runs as one transaction through [`Store::write`]: the operation's steps go through
//! [`WriteCtx`], which collects the audit entries and counter deltas and writes them last, then
//! commits. The actions a write changed reach live-update subscribers after it commits, each
//! numbered by the sequence number of its audit entry (see [`events`]). With webhook receivers
//! configured, the same transaction writes one outbox row per change and receiver (see
//! [`outbox`] and [`crate::webhooks`]), so every state change is delivered, whichever operation
//! made it.

pub mod backend;
pub mod events;
pub mod list;
pub mod memsearch;
pub mod outbox;
pub mod postgres;
mod rows;
pub mod search;
pub mod seed;
pub mod sqlite;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use action_center_core::{Action, ActionQuery, Facets, Status, TimelineEntry};
use chrono::{DateTime, TimeZone, Utc};
use futures_util::future::BoxFuture;
use tokio::sync::{broadcast, mpsc};

use crate::errors::AppError;

pub use backend::{AuditEntry, Backend, CounterKey, PoolUse, RowUpdate, Stored, StoredReply, Tx};
pub use events::{Change, Replay};
pub use list::{ListResult, Search};
pub use outbox::OutboxTarget;
pub use rows::{amend, decode, insert_action, search_text, search_words, transition};

/// How often a write is tried when the database aborts it to resolve a deadlock.
const WRITE_ATTEMPTS: usize = 5;

/// Where the data lives, as given to `--database`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Location {
    /// `postgres://…` / `postgresql://…`, `sqlite:PATH`, or a file path.
    pub fn parse(raw: &str) -> Location {
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Location::Postgres(raw.to_owned())
        } else if let Some(path) = raw.strip_prefix("sqlite://") {
            Location::Sqlite(path.into())
        } else if let Some(path) = raw.strip_prefix("sqlite:") {
            Location::Sqlite(path.into())
        } else {
            Location::Sqlite(raw.into())
        }
    }

    /// For messages: the file, or the server and database without the password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => postgres::redact(url),
        }
    }
}

/// A write in progress: the transaction, the clock it runs at, and what it will append.
pub struct WriteCtx {
    /// The open transaction.
    pub tx: Box<dyn Tx>,
    /// When the write happens (milliseconds precision).
    pub now: DateTime<Utc>,
    audit: Vec<(AuditEntry, Option<Action>)>,
    counters: BTreeMap<CounterKey, i64>,
}

impl WriteCtx {
    fn new(tx: Box<dyn Tx>) -> Self {
        WriteCtx {
            tx,
            now: now(),
            audit: Vec::new(),
            counters: BTreeMap::new(),
        }
    }

    /// Appends an audit entry at commit; with `changed`, the action's new state is announced
    /// under the entry's sequence number.
    pub fn audit(&mut self, entry: AuditEntry, changed: Option<&Action>) {
        self.audit.push((entry, changed.cloned()));
    }

    /// Adds `delta` to the counter of the action's (status, type, source, category, entity kind).
    pub fn count(&mut self, a: &Action, delta: i64) {
        *self.counters.entry(counter_key(a)).or_default() += delta;
    }

    /// Writes the counters, the audit entries and the webhook deliveries to `targets`, commits,
    /// and announces the changes to `announce_to` (when this process announces its own writes)
    /// in commit order. Returns what was committed: each changed action with its row.
    async fn finish(
        self,
        targets: &[OutboxTarget],
        announce_to: Option<broadcast::Sender<Change>>,
    ) -> Result<Vec<(i64, Change)>, AppError> {
        let WriteCtx {
            mut tx,
            now,
            audit,
            counters,
        } = self;
        let deltas: Vec<(CounterKey, i64)> =
            counters.into_iter().filter(|(_, d)| *d != 0).collect();
        if !deltas.is_empty() {
            tx.apply_counters(&deltas).await?;
        }
        let mut changes = Vec::new();
        let mut rows = Vec::new();
        if !audit.is_empty() {
            let entries: Vec<AuditEntry> = audit.iter().map(|(e, _)| e.clone()).collect();
            let ids = tx.append_audit(&entries).await?;
            for ((entry, action), id) in audit.into_iter().zip(ids) {
                if let Some(action) = action {
                    rows.push(entry.action_seq);
                    changes.push(Change { id, action });
                }
            }
        }
        if !targets.is_empty() && !changes.is_empty() {
            let deliveries = crate::webhooks::event::deliveries(&changes, now, targets)?;
            tx.enqueue_deliveries(&deliveries).await?;
        }
        let announced = announce_to.map(|to| (to, changes.clone()));
        tx.commit(Box::new(move || {
            if let Some((to, changes)) = announced {
                for change in changes {
                    // No subscriber is not an error.
                    let _ = to.send(change);
                }
            }
        }))
        .await?;
        Ok(rows.into_iter().zip(changes).collect())
    }
}

/// The counter dimensions of an action.
pub fn counter_key(a: &Action) -> CounterKey {
    [
        a.status.as_str().to_owned(),
        a.action_type.as_str().to_owned(),
        a.source.as_str().to_owned(),
        a.category.as_str().to_owned(),
        a.entity.kind.as_str().to_owned(),
    ]
}

/// An operation run inside one write; it may run again from the start if the database aborted
/// the first attempt to break a deadlock.
pub type WriteOp<T> =
    dyn for<'a> Fn(&'a mut WriteCtx) -> BoxFuture<'a, Result<T, AppError>> + Send + Sync;

/// The database, whichever backend holds it, and the live-update fan-out of this instance.
pub struct Store {
    backend: Arc<dyn Backend>,
    events: broadcast::Sender<Change>,
    /// Webhook receivers every change is written to the outbox for (none until set).
    outbox_targets: OnceLock<Vec<OutboxTarget>>,
}

/// Now, truncated to milliseconds (the precision stored).
pub fn now() -> DateTime<Utc> {
    from_ms(Utc::now().timestamp_millis())
}

/// Milliseconds since the epoch.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant `ms` milliseconds after the epoch.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

impl Store {
    /// Opens (creating and migrating as needed) the database at `location`.
    pub async fn open(location: &Location) -> Result<Arc<Store>, String> {
        let backend: Arc<dyn Backend> = match location {
            Location::Sqlite(path) => {
                let path = path.clone();
                let store = tokio::task::spawn_blocking(move || sqlite::SqliteBackend::open(&path))
                    .await
                    .map_err(|e| e.to_string())??;
                Arc::new(store)
            }
            Location::Postgres(url) => Arc::new(postgres::PgBackend::open(url).await?),
        };
        let (events, _) = broadcast::channel(4096);
        Ok(Arc::new(Store {
            backend,
            events,
            outbox_targets: OnceLock::new(),
        }))
    }

    /// From now on, every write also queues a webhook delivery of each change to each of
    /// `targets`. Set once, at start-up; false if it was set already.
    pub fn deliver_changes_to(&self, targets: Vec<OutboxTarget>) -> bool {
        self.outbox_targets.set(targets).is_ok()
    }

    fn outbox_targets(&self) -> &[OutboxTarget] {
        self.outbox_targets.get().map_or(&[], Vec::as_slice)
    }

    /// The backend itself.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// A receiver of every changed action, after its transaction committed, in commit order.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.events.subscribe()
    }

    /// Starts following other instances' commits, if the backend has any to follow.
    pub fn listen(&self) -> Option<tokio::task::JoinHandle<()>> {
        self.backend.listen(self.events.clone())
    }

    /// Runs `op` in one write transaction and commits if it returns `Ok`. The write runs to
    /// its end even if the caller stops waiting (a client that hangs up mid-decision).
    pub async fn write<T, F>(self: &Arc<Self>, op: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'a> Fn(&'a mut WriteCtx) -> BoxFuture<'a, Result<T, AppError>>
            + Send
            + Sync
            + 'static,
    {
        let store = Arc::clone(self);
        let op: Box<WriteOp<T>> = Box::new(op);
        let task = async move { store.write_attempts(&*op).await };
        let joined = if self.backend.blocking() {
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || handle.block_on(task)).await
        } else {
            tokio::spawn(task).await
        };
        joined.map_err(AppError::internal)?
    }

    async fn write_attempts<T>(&self, op: &WriteOp<T>) -> Result<T, AppError> {
        let mut attempt = 1;
        loop {
            match self.write_once(op).await {
                Err(err) if attempt < WRITE_ATTEMPTS && self.backend.retryable(&err) => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt as u64)).await;
                }
                other => return other,
            }
        }
    }

    async fn write_once<T>(&self, op: &WriteOp<T>) -> Result<T, AppError> {
        let mut ctx = WriteCtx::new(self.backend.begin().await?);
        match op(&mut ctx).await {
            Ok(value) => {
                let announce_to = self
                    .backend
                    .announces_locally()
                    .then(|| self.events.clone());
                let committed = ctx.finish(self.outbox_targets(), announce_to).await?;
                self.backend.committed(&committed);
                Ok(value)
            }
            Err(err) => {
                let _ = ctx.tx.rollback().await;
                Err(err)
            }
        }
    }

    /// A page of the list and its total.
    pub async fn list(&self, query: ActionQuery) -> Result<ListResult, AppError> {
        self.backend.list(query).await
    }

    /// Facet counts.
    pub async fn facets(&self, query: ActionQuery) -> Result<Facets, AppError> {
        self.backend.facets(query).await
    }

    /// One action.
    pub async fn action(&self, id: &str) -> Result<Option<Stored>, AppError> {
        self.backend.action(id.to_owned()).await
    }

    /// The audit trail of the action in row `seq`.
    pub async fn timeline(&self, seq: i64) -> Result<Vec<TimelineEntry>, AppError> {
        self.backend.timeline(seq).await
    }

    /// Other completed quarantines of the same file.
    pub async fn related_instances(&self, action: &Action) -> Result<Vec<Stored>, AppError> {
        if action.entity.sha256.is_none()
            || action.action_type != action_center_core::ActionType::QuarantineFile
        {
            return Ok(Vec::new());
        }
        self.backend.related_instances(action.clone()).await
    }

    /// Every matching row in list order, into `sink`.
    pub async fn export(
        &self,
        query: ActionQuery,
        sink: mpsc::Sender<Result<Action, AppError>>,
    ) -> Result<(), AppError> {
        self.backend.export(query, sink).await
    }

    /// The newest event id.
    pub async fn last_event_id(&self) -> Result<i64, AppError> {
        self.backend.last_event_id().await
    }

    /// What a client that saw event `after` missed.
    pub async fn changes_since(&self, after: i64, max_entries: usize) -> Result<Replay, AppError> {
        self.backend.changes_since(after, max_entries).await
    }
}

/// Statuses as the strings stored.
pub fn status_names(statuses: &[Status]) -> Vec<&str> {
    statuses.iter().map(|s| s.as_str()).collect()
}
