//! What a backend's bulk loader gets: the demo actions, each with its audit trail, as a stream
//! (a million actions never sit in memory at once).

use crate::demo::Draft;

/// Demo data to load into an empty database.
pub struct SeedPlan {
    /// How many drafts `drafts` yields.
    pub count: usize,
    /// The actions with their histories, in insertion order: the same drafts each time it is
    /// called (a loader may walk them twice rather than hold them).
    pub drafts: Box<dyn Fn() -> Box<dyn Iterator<Item = Draft> + Send> + Send + Sync>,
}
