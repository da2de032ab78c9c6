use action_center_core::View;
use leptos::prelude::*;

/// What an empty table says, and what to do about it: clear the filters when they hide
/// everything; otherwise why the tab is empty and that new actions appear on their own.
#[component]
pub fn EmptyState(
    /// Which tab.
    #[prop(into)]
    view: Signal<View>,
    /// Whether filters or a search narrow the list.
    #[prop(into)]
    filtered: Signal<bool>,
    /// Called to clear filters and search.
    on_clear: Callback<()>,
) -> impl IntoView {
    let title = move || match (filtered.get(), view.get()) {
        (true, _) => "No actions match these filters",
        (false, View::History) => "No actions in the history yet",
        (false, View::Contained) => "Nothing is contained right now",
        (false, _) => "No actions are waiting for a decision",
    };
    let hint = move || match (filtered.get(), view.get()) {
        (true, _) => {
            "Try fewer filters, another time range or other search words, or clear them all."
        }
        (false, View::History) => "Decided and automatic actions appear here once they run.",
        (false, View::Contained) => {
            "Completed isolations, quarantines and other undoable actions appear here until undone."
        }
        (false, _) => "New actions that need approval appear here as they arrive.",
    };
    view! {
        <div class="ac-empty-state">
            <p class="ac-empty-state__title">{title}</p>
            <p class="ac-subtle">{hint}</p>
            <button
                type="button"
                class="ac-button ac-button--subtle"
                hidden=move || !filtered.get()
                on:click=move |_| on_clear.run(())
            >
                "Clear filters"
            </button>
        </div>
    }
}
