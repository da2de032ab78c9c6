use action_center_core::{Sort, SortKey};
use leptos::prelude::*;

/// A sortable column header: a button inside the `th`, with `aria-sort` on the `th`.
#[component]
pub fn SortHeader(
    /// The column's name.
    #[prop(into)]
    label: String,
    /// The sort key the column sorts by.
    key: SortKey,
    /// The current sort.
    sort: Signal<Sort>,
    /// Called with `key` when the header is clicked.
    on_sort: Callback<SortKey>,
) -> impl IntoView {
    let this = key.clone();
    let state = Signal::derive(move || {
        let sort = sort.get();
        match (sort.key == this, sort.descending) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        }
    });
    let arrow = move || match state.get() {
        "descending" => "▼",
        "ascending" => "▲",
        _ => "",
    };
    view! {
        <th scope="col" class="ac-th" aria-sort=state>
            <button type="button" class="ac-th__button" on:click=move |_| on_sort.run(key.clone())>
                {label}
                <span class="ac-th__arrow" aria-hidden="true">
                    {arrow}
                </span>
            </button>
        </th>
    }
}
