//! Signed webhooks: every state change of an action is posted to each configured receiver as
//! `{ "id", "type": "action.changed", "at", "action" }`, signed with HMAC-SHA256 ([`sign`]),
//! delivered at least once, in order per action.
//!
//! **Durable outbox.** The write that changes an action also writes one outbox row per
//! receiver, in the same transaction ([`crate::store::WriteCtx`]'s commit step): every change —
//! decisions, undo, executor moves, expiry, cancels, new actions, whatever comes later — is
//! delivered, and nothing is sent for a write that rolled back. Without receivers nothing is
//! written. A row leaves the outbox when the receiver answered 2xx; a failed attempt (any other
//! status, no answer within 10 s, no connection, a redirect) is tried again after 1 s, 2 s,
//! 4 s … (±20 % jitter, at most 5 min apart); after `--webhook-max-attempts` (12) it is dead:
//! no longer tried, counted on `/metrics` and listed at `GET /webhooks/deliveries` ([`routes`]).
//!
//! **Order and exclusivity across instances.** Several instances may share one PostgreSQL
//! database, and any of them may deliver. Rather than electing one deliverer per receiver (an
//! advisory lock would have to be held on one pooled connection for as long as the instance
//! lives, and a stalled holder would stall the receiver), deliveries are *claimed*: a claim
//! leases rows with `FOR UPDATE SKIP LOCKED` (SQLite: its single writer), and only a row whose
//! action has no earlier undelivered (and not dead) event to that receiver is due. So an
//! action's events are sent one at a time, in event-id order, by whichever instance is free,
//! while different actions go out in parallel; a lease (the timeout plus 30 s) ends a crashed
//! instance's hold, and an attempt recorded after its lease ran out is ignored. Redelivery after
//! a crash or a lost answer only ever repeats an event (same `id`, same body), never reorders
//! one action's events; events of different actions may arrive in any order.
//!
//! **Secrets** are never written to the database, a URL, a log line or an error message; only a
//! receiver's origin (`scheme://host[:port]`) is logged, counted and listed.

pub mod config;
pub mod deliver;
pub mod event;
pub mod routes;
pub mod sign;

pub use config::{WebhookConfig, WebhookFlags};
pub use deliver::start;
pub use routes::routes;
