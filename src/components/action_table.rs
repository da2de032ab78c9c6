use action_center_core::{Action, Sort, SortKey, View};
use leptos::prelude::*;

use crate::components::action_row::ActionRow;
use crate::components::sort_header::SortHeader;
use crate::state::Selection;

/// The columns of each tab after the checkbox: name and the key it sorts by.
fn columns(view: &View) -> Vec<(&'static str, SortKey)> {
    let mut cols = vec![
        ("Action type", SortKey::ActionType),
        ("Asset", SortKey::Asset),
        ("Entity", SortKey::Entity),
        ("Source", SortKey::Source),
    ];
    if *view == View::History {
        cols.extend([
            ("Status", SortKey::Status),
            ("Decided by", SortKey::DecidedBy),
            ("Updated", SortKey::UpdatedAt),
        ]);
    } else {
        cols.extend([
            ("Decision", SortKey::ExpiresAt),
            ("Created", SortKey::CreatedAt),
        ]);
    }
    cols.push(("Investigation", SortKey::InvestigationId));
    cols
}

/// The action table: one server page of rows, sortable headers, a checkbox per row and
/// "Select all".
#[component]
pub fn ActionTable(
    /// Which tab (decides columns and the caption).
    #[prop(into)]
    view: Signal<View>,
    /// The rows of the current page.
    #[prop(into)]
    items: Signal<Vec<Action>>,
    /// The current sort.
    #[prop(into)]
    sort: Signal<Sort>,
    /// Called with a column's key when its header is clicked.
    on_sort: Callback<SortKey>,
    /// The selection (ids).
    selection: Selection,
    /// Called with an action id to open its flyout.
    on_open: Callback<String>,
) -> impl IntoView {
    let ids = Memo::new(move |_| {
        items.with(|items| items.iter().map(|a| a.id.clone()).collect::<Vec<_>>())
    });
    let selected_here =
        move || ids.with(|ids| ids.iter().filter(|id| selection.contains(id)).count());
    let all_selected = move || {
        let n = ids.with(Vec::len);
        n > 0 && selected_here() == n
    };
    let some_selected = move || {
        let k = selected_here();
        k > 0 && k < ids.with(Vec::len)
    };
    let toggle_all = move |ev: web_sys::Event| {
        if event_target_checked(&ev) {
            selection.replace(ids.get_untracked());
        } else {
            selection.clear();
        }
    };
    let caption = move || match view.get() {
        View::History => "History of actions",
        _ => "Pending actions",
    };
    let headers = move || {
        columns(&view.get())
            .into_iter()
            .map(|(label, key)| view! { <SortHeader label key sort on_sort /> })
            .collect_view()
    };
    let column_count = move || columns(&view.get()).len() + 1;

    view! {
        <div class="ac-table-wrap">
            <table class="ac-table">
                <caption class="ac-sr-only">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="ac-th ac-th--check">
                            <input
                                type="checkbox"
                                class="ac-checkbox"
                                aria-label="Select all"
                                prop:checked=all_selected
                                prop:indeterminate=some_selected
                                on:change=toggle_all
                            />
                        </th>
                        {headers}
                    </tr>
                </thead>
                <tbody>
                    <tr hidden=move || !ids.with(Vec::is_empty)>
                        <td class="ac-cell ac-empty" colspan=column_count>
                            {move || match view.get() {
                                View::History => "No actions in the history match.",
                                _ => "No actions are waiting for a decision.",
                            }}
                        </td>
                    </tr>
                    <For
                        each=move || items.get()
                        key=|a| (a.id.clone(), a.version)
                        children=move |action| {
                            view! { <ActionRow action view=view.get_untracked() selection on_open /> }
                        }
                    />
                </tbody>
            </table>
        </div>
    }
}
