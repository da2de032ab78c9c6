use action_center_core::ActionQuery;
use leptos::prelude::*;

use crate::api::ApiClient;

/// "Export": downloads the current filter's rows as CSV (all pages, the table's order) from the
/// server's streaming export. The server makes every cell formula-safe.
#[component]
pub fn ExportButton(
    /// The export query (the current filters and sort, no page).
    #[prop(into)]
    query: Signal<ActionQuery>,
) -> impl IntoView {
    let client = StoredValue::new_local(use_context::<ApiClient>());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let alive = crate::state::Alive::here();
    let export = move |_| {
        let Some(client) = client.get_value() else {
            return;
        };
        let query = query.get_untracked();
        error.set(None);
        busy.set(true);
        alive.spawn(async move {
            let result = client.export_csv(&query).await;
            busy.try_set(false);
            error.try_set(result.err().map(|e| format!("Export failed. {e}")));
        });
    };
    view! {
        <span class="ac-export">
            <button
                type="button"
                class="ac-button ac-button--subtle"
                aria-busy=move || busy.get().then_some("true")
                disabled=move || busy.get()
                on:click=export
            >
                "Export"
            </button>
            <span
                class="ac-alert ac-export__error"
                role="alert"
                hidden=move || error.with(Option::is_none)
            >
                {move || error.get()}
            </span>
        </span>
    }
}
