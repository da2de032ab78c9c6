use leptos::prelude::*;

use crate::api::LiveStatus;

/// Whether live updates arrive: "Live", "Connecting…", or "Live updates off" with a retry.
/// Polite live text, so that a screen reader hears when updates stop.
#[component]
pub fn LiveIndicator(
    /// The connection's state.
    #[prop(into)]
    status: Signal<LiveStatus>,
    /// Called to reconnect now.
    on_retry: Callback<()>,
) -> impl IntoView {
    let off = move || status.get() == LiveStatus::Off;
    let text = move || match status.get() {
        LiveStatus::Live => "Live",
        LiveStatus::Connecting => "Connecting…",
        LiveStatus::Off => "Live updates off",
    };
    view! {
        <span class="ac-feed" class:ac-feed--on=move || status.get() == LiveStatus::Live class:ac-feed--off=off>
            <span class="ac-feed__dot" aria-hidden="true"></span>
            <span class="ac-feed__text" aria-live="polite">{text}</span>
            <button
                type="button"
                class="ac-button ac-button--subtle ac-feed__retry"
                aria-label="Retry live updates"
                hidden=move || !off()
                on:click=move |_| on_retry.run(())
            >
                "Retry"
            </button>
        </span>
    }
}
