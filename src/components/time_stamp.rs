use chrono::{DateTime, Utc};
use leptos::prelude::*;

use action_center_core::format::relative_age;

use crate::browser::local_time;
use crate::state::use_now;

/// A timestamp in local time with its relative age ("2026-03-01 14:05 · 3 h ago").
#[component]
pub fn TimeStamp(
    /// The instant to show.
    at: DateTime<Utc>,
    /// The ticking clock (default: the one in context); a table passes it to spare each cell
    /// the lookup.
    #[prop(optional)]
    now: Option<Signal<DateTime<Utc>>>,
) -> impl IntoView {
    let now = now.unwrap_or_else(use_now);
    view! {
        <span class="ac-time">
            <time datetime=at.to_rfc3339()>{local_time(at)}</time>
            <span class="ac-time__age">{move || relative_age(at, now.get())}</span>
        </span>
    }
}
