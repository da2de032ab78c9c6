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
    let client = use_context::<ApiClient>();
    let error = RwSignal::new(None::<String>);
    let export = Action::new_local(move |query: &ActionQuery| {
        let (client, query) = (client.clone(), query.clone());
        async move {
            match client {
                Some(client) => client.export_csv(&query).await.map(|_| ()),
                None => Ok(()),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(result) = export.value().get() {
            error.set(result.err().map(|e| format!("Export failed. {e}")));
        }
    });
    let busy = export.pending();
    view! {
        <span class="ac-export">
            <button
                type="button"
                class="ac-button ac-button--subtle"
                aria-busy=move || busy.get().then_some("true")
                disabled=move || busy.get()
                on:click=move |_| {
                    error.set(None);
                    export.dispatch(query.get_untracked());
                }
            >
                "Export"
            </button>
            <span class="ac-alert ac-export__error" role="alert" hidden=move || error.with(Option::is_none)>
                {move || error.get()}
            </span>
        </span>
    }
}
