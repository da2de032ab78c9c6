//! Live-event numbering and replay. An event's id is the sequence number of the audit entry that
//! recorded the change: stored with the change itself and assigned in commit order (see
//! [`super::backend::Tx::append_audit`]), so a client that reconnects with `Last-Event-ID` —
//! to any instance, after any restart — can be given what it missed straight from the audit trail.

use action_center_core::Action;

/// One committed change of one action, numbered by its audit entry.
#[derive(Clone, Debug)]
pub struct Change {
    /// The audit sequence number: the SSE `id:`.
    pub id: i64,
    /// The action after the change.
    pub action: Action,
}

/// What a reconnecting client is owed.
#[derive(Debug)]
pub enum Replay {
    /// The current state of every action changed after the client's last event, in the order of
    /// their latest changes; `through` is the newest event id they cover.
    Changes { through: i64, changes: Vec<Change> },
    /// More has changed than is worth replaying, or the id is from another database: the client
    /// reloads its rows instead. `through` is the newest event id now.
    TooFarBehind { through: i64 },
}
