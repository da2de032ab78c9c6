use action_center_core::Status;
use leptos::prelude::*;

/// A colored badge for a status; unknown values read "Unknown (value)".
#[component]
pub fn StatusBadge(
    /// The status to show.
    status: Status,
) -> impl IntoView {
    let tone = status_tone(&status);
    view! { <span class=format!("ac-badge ac-badge--{tone}")>{status.label().into_owned()}</span> }
}

/// The badge colour of a status (the `ac-badge--*` modifier).
pub fn status_tone(status: &Status) -> &'static str {
    match status {
        Status::Pending => "warning",
        Status::Queued | Status::Running | Status::Undoing => "info",
        Status::Completed | Status::Undone => "success",
        Status::Failed | Status::UndoFailed => "danger",
        _ => "neutral",
    }
}
