//! The storage interface. A backend answers the reads the API needs ([`Backend`]) and opens
//! write transactions ([`Tx`]) made of small steps; the rules that combine those steps (the
//! lifecycle, compare-and-set, audit and counters, idempotency) are written once, in
//! [`super::rows`], [`crate::ops`] and [`crate::idempotency`], and run unchanged on every backend.
//!
//! Every backend keeps these promises, and `tests/` checks them against each:
//! - a row loaded inside a write is the committed current state, and nobody else can change it
//!   until the write ends (SQLite: one writer; PostgreSQL: `SELECT … FOR UPDATE`);
//! - the audit entries of a write get event ids in commit order (so `Last-Event-ID` replay never
//!   skips a change), and its counter deltas are applied with it, all or nothing;
//! - an idempotency key is taken by one write at a time.

use action_center_core::{Action, ActionQuery, Facets, Status, TimelineEntry};
use async_trait::async_trait;
use tokio::sync::mpsc;

use super::events::{Change, Replay};
use super::list::ListResult;
use super::outbox::{
    AttemptResult, ClaimedDelivery, DeliveryFilter, DeliveryRow, NewDelivery, OutboxBacklog,
};
use super::seed::SeedPlan;
use crate::errors::AppError;

/// An action with its row number.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Row number (internal).
    pub seq: i64,
    /// The action.
    pub action: Action,
}

/// One audit entry, written when its transaction ends.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The action's row.
    pub action_seq: i64,
    /// When (ms since the epoch).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What (`created`, `approved`, `claimed`, …).
    pub event: String,
    /// Status before.
    pub from: Option<Status>,
    /// Status after.
    pub to: Option<Status>,
    /// The comment given with it.
    pub comment: Option<String>,
}

/// The dimensions one counter counts: status, type, source, category, entity kind.
pub type CounterKey = [String; 5];

/// A stored answer to an idempotent request.
#[derive(Debug, Clone)]
pub struct StoredReply {
    /// The route it answered.
    pub route: String,
    /// SHA-256 of the request it answered.
    pub digest: String,
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

/// The columns of an action row that a write changes.
pub struct RowUpdate<'a> {
    /// The row.
    pub seq: i64,
    /// The version it must still have (compare-and-set).
    pub expected_version: i64,
    /// The action after the change.
    pub after: &'a Action,
    /// The change leaves `pending` (a decision, expiry) or enters it again (a retry that needs
    /// fresh approvals): the pending, decider and expiry columns change too.
    pub pending_changed: bool,
    /// The status changes: the row's filter tokens in the search index change too.
    pub status_changed: bool,
    /// Who claims the work now (`None` ends any claim), and since when (ms).
    pub claim: Option<(&'a str, i64)>,
}

/// What a connection pool holds now, for `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolUse {
    /// Connections open.
    pub open: usize,
    /// Connections lent out.
    pub in_use: usize,
    /// Most connections it opens.
    pub max: usize,
}

/// One write transaction. Loads lock what they return until the end of the transaction.
#[async_trait]
pub trait Tx: Send {
    /// The action with this id.
    async fn load_by_id(&mut self, id: &str) -> Result<Option<Stored>, AppError>;
    /// The actions with these ids, in this order (`None` where missing); rows are locked in id
    /// order, so two writes over overlapping sets cannot deadlock.
    async fn load_many(&mut self, ids: &[String]) -> Result<Vec<Option<Stored>>, AppError>;
    /// The action in row `seq`.
    async fn load_by_seq(&mut self, seq: i64) -> Result<Option<Stored>, AppError>;
    /// Stores a new row and its search entry; returns its row number.
    async fn insert(&mut self, action: &Action) -> Result<i64, AppError>;
    /// Rewrites a row if it still has `expected_version`; false if it had changed.
    async fn update(&mut self, update: RowUpdate<'_>) -> Result<bool, AppError>;
    /// Sets (or clears) who is working on a row.
    async fn set_claim(&mut self, seq: i64, claim: Option<(&str, i64)>) -> Result<(), AppError>;
    /// Who is working on a row.
    async fn claimed_by(&mut self, seq: i64) -> Result<Option<String>, AppError>;
    /// Other completed (or undo-failed) quarantines of `action`'s file on other assets, newest
    /// first.
    async fn related_instances(&mut self, action: &Action) -> Result<Vec<Stored>, AppError>;
    /// Pending rows past their deadline, oldest deadline first; rows another write holds are
    /// skipped.
    async fn overdue(&mut self, now_ms: i64, limit: usize) -> Result<Vec<i64>, AppError>;
    /// Work an executor may claim: queued and unclaimed, undo requests unclaimed or stale, runs
    /// whose claim went stale; rows another write holds are skipped.
    async fn claimable(
        &mut self,
        stale_ms: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Status)>, AppError>;
    /// The oldest in-flight row of the simulated executor that waited since `cutoff_ms`; rows
    /// another write holds are skipped.
    async fn next_simulated_step(&mut self, cutoff_ms: i64) -> Result<Option<i64>, AppError>;
    /// Whether an undo of this row failed before.
    async fn undo_failed_before(&mut self, seq: i64) -> Result<bool, AppError>;
    /// Waits until no other write holds this idempotency key.
    async fn lock_idempotency_key(&mut self, caller: &str, key: &str) -> Result<(), AppError>;
    /// The stored answer for a key.
    async fn idempotent_reply(
        &mut self,
        caller: &str,
        key: &str,
    ) -> Result<Option<StoredReply>, AppError>;
    /// Stores the answer for a key.
    async fn store_reply(
        &mut self,
        caller: &str,
        key: &str,
        reply: &StoredReply,
        now_ms: i64,
    ) -> Result<(), AppError>;
    /// Forgets answers stored before `before_ms`; returns how many.
    async fn forget_replies(&mut self, before_ms: i64) -> Result<u64, AppError>;
    /// Takes the sweeper's lock for this transaction; false if another instance holds it.
    async fn try_lock_sweeper(&mut self) -> Result<bool, AppError>;
    /// Adds these deltas to the counters (keys sorted, each once).
    async fn apply_counters(&mut self, deltas: &[(CounterKey, i64)]) -> Result<(), AppError>;
    /// Appends audit entries; returns their sequence numbers (the event ids), which follow
    /// every committed entry's.
    async fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<Vec<i64>, AppError>;
    /// Writes webhook deliveries (with the changes they announce).
    async fn enqueue_deliveries(&mut self, rows: &[NewDelivery]) -> Result<(), AppError>;
    /// Leases up to `limit` deliveries to `receiver` that are due at `now_ms`: the oldest
    /// undelivered, not dead event of each action only, so an action's events go out in order;
    /// rows another worker holds (a live lease, or locked) are skipped. Until `lease_until_ms`
    /// nobody else claims them; `lease_token` is what [`Tx::record_deliveries`] must show.
    async fn claim_deliveries(
        &mut self,
        receiver: &str,
        now_ms: i64,
        lease_until_ms: i64,
        lease_token: i64,
        limit: usize,
    ) -> Result<Vec<ClaimedDelivery>, AppError>;
    /// Records attempts: delivered rows go, failed ones wait for their next attempt (or die).
    /// A result whose lease token no longer matches (the lease ran out and another worker
    /// claimed the row) is ignored.
    async fn record_deliveries(&mut self, results: &[AttemptResult]) -> Result<(), AppError>;
    /// Makes the write durable and visible, then runs `announce` before letting go of what the
    /// write holds: announcements then leave in commit order (SQLite: the one writer is still
    /// held, so a later write cannot announce first and make subscribers skip this one).
    async fn commit(self: Box<Self>, announce: Announce) -> Result<(), AppError>;
    /// Abandons the write.
    async fn rollback(self: Box<Self>) -> Result<(), AppError>;
}

/// What a committed write runs before it lets go of the database (see [`Tx::commit`]).
pub type Announce = Box<dyn FnOnce() + Send>;

/// A database the server runs on.
#[async_trait]
pub trait Backend: Send + Sync {
    /// `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;
    /// Whether a write's steps block the thread (they then run on a blocking thread).
    fn blocking(&self) -> bool;
    /// Whether a committed write is announced by the writer itself (one process), rather than
    /// by a listener every instance runs ([`Backend::listen`]).
    fn announces_locally(&self) -> bool;
    /// Opens a write transaction.
    async fn begin(&self) -> Result<Box<dyn Tx>, AppError>;
    /// Whether a failed write may be tried again from the start (a deadlock or a
    /// serialization failure the database resolved by aborting it).
    fn retryable(&self, err: &AppError) -> bool;

    /// A page of the list and its total.
    async fn list(&self, query: ActionQuery) -> Result<ListResult, AppError>;
    /// Facet counts.
    async fn facets(&self, query: ActionQuery) -> Result<Facets, AppError>;
    /// One action.
    async fn action(&self, id: String) -> Result<Option<Stored>, AppError>;
    /// The audit trail of one action, oldest first.
    async fn timeline(&self, seq: i64) -> Result<Vec<TimelineEntry>, AppError>;
    /// Other completed quarantines of the same file (see [`Tx::related_instances`]).
    async fn related_instances(&self, action: Action) -> Result<Vec<Stored>, AppError>;
    /// Every matching row in list order, sent to `sink` until it closes.
    async fn export(
        &self,
        query: ActionQuery,
        sink: mpsc::Sender<Result<Action, AppError>>,
    ) -> Result<(), AppError>;
    /// The newest event id (0 for an empty audit trail).
    async fn last_event_id(&self) -> Result<i64, AppError>;
    /// What a client that saw event `after` missed (see [`Replay`]).
    async fn changes_since(&self, after: i64, max_entries: usize) -> Result<Replay, AppError>;
    /// The database answers and its schema is current.
    async fn ready(&self) -> Result<(), AppError>;
    /// Connections in use, for `/metrics`.
    fn pool_use(&self) -> PoolUse;
    /// Work waiting for an executor (queued or undoing), for `/metrics`.
    async fn queue_depth(&self) -> Result<u64, AppError>;
    /// Webhook deliveries that failed at least once (oldest first), for the operator.
    async fn deliveries(
        &self,
        filter: DeliveryFilter,
        limit: usize,
    ) -> Result<Vec<DeliveryRow>, AppError>;
    /// Webhook deliveries waiting and dead, for `/metrics`.
    async fn outbox_backlog(&self) -> Result<OutboxBacklog, AppError>;
    /// Bulk-loads demo data into an empty database; false if it held actions already.
    /// A write of this instance committed these changes (each with its action's row), in
    /// commit order: for state the backend keeps beside the database.
    fn committed(&self, _changes: &[(i64, Change)]) {}

    async fn seed(&self, plan: SeedPlan) -> Result<bool, AppError>;
    /// Housekeeping the backend wants every few hundred milliseconds (SQLite: WAL checkpoint).
    async fn maintain(&self) -> Result<(), AppError> {
        Ok(())
    }
    /// Follows other instances' commits and sends every change to `events`, in commit order,
    /// until the task is dropped (PostgreSQL: `LISTEN`). `None` when
    /// [`Backend::announces_locally`].
    fn listen(
        &self,
        events: tokio::sync::broadcast::Sender<super::Change>,
    ) -> Option<tokio::task::JoinHandle<()>>;
}
