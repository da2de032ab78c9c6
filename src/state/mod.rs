//! What the app knows, provided through context: session, page state (and its place in the
//! address bar), selection, columns, feedback.

pub mod clock;
pub mod columns;
pub mod feedback;
pub mod latest;
pub mod page;
pub mod selection;
pub mod session;
pub mod url;

pub use clock::{provide_clock, use_now, Clock};
pub use columns::ColumnPrefs;
pub use feedback::{Feedback, Progress};
pub use latest::Latest;
pub use page::PageState;
pub use selection::Selection;
pub use session::{Session, TokenSource};
pub use url::sync_with_address_bar;
