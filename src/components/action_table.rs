use action_center_core::columns::{Column, ColumnLayout};
use action_center_core::{Action, Sort, SortKey, View};
use leptos::prelude::*;

use crate::components::action_row::ActionRow;
use crate::components::sort_header::SortHeader;
use crate::state::Selection;

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
    /// The columns after the checkbox, in order (default: the tab's default columns).
    #[prop(optional, into)]
    columns: Option<Signal<Vec<Column>>>,
    /// What an empty page shows (default: a short sentence).
    #[prop(optional, into)]
    empty: Option<ViewFn>,
) -> impl IntoView {
    let columns = columns
        .unwrap_or_else(|| Signal::derive(move || ColumnLayout::default_for(&view.get()).shown));
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
        let tab = view.get();
        columns
            .get()
            .into_iter()
            .map(|column| {
                let label = column.header(&tab).into_owned();
                let key = column.sort_key_on(&tab).unwrap_or(SortKey::Id);
                view! { <SortHeader label key sort on_sort /> }
            })
            .collect_view()
    };
    let column_count = move || columns.with(Vec::len) + 1;
    let empty_text = move || match view.get() {
        View::History => "No actions in the history match.",
        _ => "No actions are waiting for a decision.",
    };
    let empty = move || match &empty {
        Some(empty) => empty.run(),
        None => empty_text.into_any(),
    };

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
                            {empty}
                        </td>
                    </tr>
                    // A new column layout renders the rows again; otherwise only new versions do.
                    {move || {
                        let shown = columns.get();
                        view! {
                            <For
                                each=move || items.get()
                                key=|a| (a.id.clone(), a.version)
                                children=move |action| {
                                    view! {
                                        <ActionRow
                                            action
                                            view=view.get_untracked()
                                            selection
                                            on_open
                                            columns=shown.clone()
                                        />
                                    }
                                }
                            />
                        }
                    }}
                </tbody>
            </table>
        </div>
    }
}
