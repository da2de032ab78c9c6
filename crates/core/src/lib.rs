//! Action Center's shared model: wire types of API contract v1 and the pure rules that both the
//! app and the reference server apply — the status lifecycle, which actions may be decided or
//! undone together, list query strings and CSV escaping. No I/O lives here.

#![warn(missing_docs)]

mod wire_enum;

pub mod api;
pub mod columns;
pub mod containment;
pub mod csv;
pub mod filters;
pub mod format;
pub mod lifecycle;
pub mod live;
pub mod model;
pub mod oidc;
pub mod policy;
pub mod query;
pub mod retry;
pub mod sse;
pub mod total;
pub mod view_state;

pub use api::*;
pub use filters::{Facet, FacetOption};
pub use lifecycle::{
    allowed_operations, check_decision_batch, check_retry_batch, check_retryable, check_undo_batch,
    check_undoable, next_status, ActionFacts, DecisionBlocker, Permissions, RetryBlocker,
    Transition, TransitionError, UndoBlocker, MAX_BULK,
};
pub use live::{change_note, live_effect, LiveEffect};
pub use model::*;
pub use policy::{Approval, ApproveBlockedReason, Policy, PolicyRule};
pub use query::{ActionQuery, Sort, SortKey, View};
pub use total::Total;
pub use view_state::{TimeRange, ViewState};
