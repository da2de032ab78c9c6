//! The webhook outbox as the stores see it: rows written with the change they announce (same
//! transaction, so a committed change always has its deliveries and a rolled-back one never
//! does), claimed by a delivery worker under a lease, and deleted once delivered. What is sent,
//! when and how often is [`crate::webhooks`]'s business; these types are the contract between
//! it and each backend.

/// A receiver as the outbox knows it: a stable id (never the URL, which may carry a token) and
/// its origin, for the operator's listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxTarget {
    /// Stable id of the receiver (a digest of its URL).
    pub id: String,
    /// `scheme://host[:port]`.
    pub origin: String,
}

/// One delivery to write with its change.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// [`OutboxTarget::id`].
    pub receiver: String,
    /// [`OutboxTarget::origin`].
    pub receiver_origin: String,
    /// The change's event id (its audit sequence number).
    pub event_id: i64,
    /// The action it is about.
    pub action_id: String,
    /// The JSON body, exactly as it will be signed and sent.
    pub body: String,
    /// When the change happened (ms); also when the first attempt is due.
    pub created_at: i64,
}

/// A delivery a worker claimed: nobody else sends it until the lease ends.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    /// Outbox row id.
    pub id: i64,
    /// The event id.
    pub event_id: i64,
    /// The action it is about.
    pub action_id: String,
    /// The JSON body.
    pub body: String,
    /// Failed attempts before this one.
    pub attempts: u32,
}

/// How a claimed delivery's attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx: the row goes.
    Delivered,
    /// It failed; try again at `next_attempt_at` (ms), or never (`None`: dead).
    Failed {
        /// When to try again; `None` once the attempts are used up.
        next_attempt_at: Option<i64>,
        /// The receiver's HTTP status, if it answered.
        status: Option<u16>,
        /// A short, sanitised description (no URL, no secret).
        error: String,
    },
}

/// The result of one attempt, for [`super::Tx::record_deliveries`].
#[derive(Debug, Clone)]
pub struct AttemptResult {
    /// Outbox row id.
    pub id: i64,
    /// The lease token it was claimed with: a worker whose lease ran out records nothing.
    pub lease_token: i64,
    /// When the attempt ended (ms).
    pub at: i64,
    /// What happened.
    pub outcome: AttemptOutcome,
}

/// Which deliveries the operator asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryFilter {
    /// Still retried, after at least one failed attempt.
    Failing,
    /// Attempts used up: no longer retried.
    Dead,
    /// Both.
    Troubled,
}

/// One delivery in the operator's listing.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// [`OutboxTarget::origin`].
    pub receiver_origin: String,
    /// The event id.
    pub event_id: i64,
    /// The action.
    pub action_id: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Whether it is no longer retried.
    pub dead: bool,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<u16>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// When it was last tried (ms).
    pub last_attempt_at: Option<i64>,
    /// When it is tried next (ms); `None` when dead.
    pub next_attempt_at: Option<i64>,
    /// When the change happened (ms).
    pub created_at: i64,
}

/// Deliveries still to make, and dead ones, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxBacklog {
    /// Not delivered yet and still tried.
    pub waiting: u64,
    /// Attempts used up.
    pub dead: u64,
}
