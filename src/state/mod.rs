//! What the app knows, provided through context: session, page state (and its place in the
//! address bar), selection, columns, feedback.
//!
//! **Async work is owned** (see [`task`] for the whole rule): a request's answer, a timer, a
//! poll or a live-update handler runs only while the owner that started it is alive — start
//! it with [`spawn_owned`], [`Alive::spawn`], [`after`] or [`next_frame`], never with a bare
//! `spawn_local`/`set_timeout`; results that must outlive a view go to page-owned state
//! ([`Feedback`]); closures that can outlive their owner use `try_` access.

pub mod clock;
pub mod columns;
pub mod feedback;
pub mod identity;
pub mod latest;
pub mod page;
mod pkce;
pub mod selection;
pub mod session;
pub mod task;
pub mod url;

pub use clock::{provide_clock, use_now, Clock};
pub use columns::ColumnPrefs;
pub use feedback::{Feedback, Progress};
pub use identity::IdentityProvider;
pub use latest::Latest;
pub use page::PageState;
pub use selection::Selection;
pub use session::{Session, TokenSource};
pub use task::{after, next_frame, spawn_owned, Alive};
pub use url::sync_with_address_bar;
