//! What the app knows, provided through context: session, page state, selection, feedback.

pub mod clock;
pub mod feedback;
pub mod page;
pub mod selection;
pub mod session;

pub use clock::{provide_clock, use_now, Clock};
pub use feedback::{Feedback, Progress};
pub use page::PageState;
pub use selection::Selection;
pub use session::{Session, TokenSource};
