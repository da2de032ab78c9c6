use leptos::prelude::*;

use crate::api::ApiError;

/// A failed view: what went wrong, and "Retry". Other views keep working. Hidden while
/// `error` is `None`.
#[component]
pub fn ErrorView(
    /// What the view was trying to do, e.g. "Could not load the actions".
    #[prop(into)]
    title: String,
    /// The error, if the view failed.
    #[prop(into)]
    error: Signal<Option<ApiError>>,
    /// Called when the analyst clicks "Retry".
    on_retry: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="ac-error" role="alert" hidden=move || error.with(Option::is_none)>
            <p class="ac-error__title">{title}</p>
            <p class="ac-error__detail">
                {move || error.with(|e| e.as_ref().map(ToString::to_string).unwrap_or_default())}
            </p>
            <button type="button" class="ac-button" on:click=move |_| on_retry.run(())>
                "Retry"
            </button>
        </div>
    }
}
