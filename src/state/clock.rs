//! "Now", ticking, so that relative ages ("3 min ago") and time left stay true.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The current time, updated every 30 seconds.
#[derive(Clone, Copy)]
pub struct Clock(pub Signal<DateTime<Utc>>);

/// Provides a ticking clock to the components below.
pub fn provide_clock() {
    let now = RwSignal::new(Utc::now());
    if let Ok(handle) = set_interval_with_handle(
        move || {
            now.try_set(Utc::now());
        },
        Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    provide_context(Clock(now.into()));
}

/// The clock from context, or a fixed "now" when none was provided (component tests).
pub fn use_now() -> Signal<DateTime<Utc>> {
    use_context::<Clock>()
        .map(|c| c.0)
        .unwrap_or_else(|| Signal::stored(Utc::now()))
}
