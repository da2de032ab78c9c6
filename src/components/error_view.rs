use leptos::prelude::*;

use crate::api::ApiError;

/// A failed view: what went wrong, and "Retry". Other views keep working.
#[component]
pub fn ErrorView(
    /// What the view was trying to do, e.g. "Could not load the actions".
    #[prop(into)]
    title: String,
    /// The error.
    error: ApiError,
    /// Called when the analyst clicks "Retry".
    on_retry: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="ac-error" role="alert">
            <p class="ac-error__title">{title}</p>
            <p class="ac-error__detail">{error.to_string()}</p>
            <button type="button" class="ac-button" on:click=move |_| on_retry.run(())>
                "Retry"
            </button>
        </div>
    }
}
