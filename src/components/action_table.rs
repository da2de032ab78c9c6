use action_center_core::columns::{Column, ColumnLayout};
use action_center_core::{Action, Sort, SortKey, View};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::action_row::{refresh_ages, ActionRow};
use crate::components::sort_header::SortHeader;
use crate::embed::time::TimeFormat;
use crate::state::{use_now, Selection};

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
    // How many of the rows are selected: one pass over a set, not a scan per row.
    let selected_here = Memo::new(move |_| {
        selection.with_set(|set| ids.with(|ids| ids.iter().filter(|id| set.contains(*id)).count()))
    });
    let all_selected = move || {
        let n = ids.with(Vec::len);
        n > 0 && selected_here.get() == n
    };
    let some_selected = move || {
        let k = selected_here.get();
        k > 0 && k < ids.with(Vec::len)
    };
    // Relative ages ("3 min ago") follow the clock: one walk over the table per tick, rather
    // than a reactive node per time cell.
    let table = NodeRef::<leptos::html::Table>::new();
    let clock = use_now();
    let format = use_context::<TimeFormat>();
    Effect::new(move |ticked: Option<()>| {
        let now = clock.get();
        if ticked.is_some() {
            if let Some(table) = table.get_untracked() {
                refresh_ages(&table, now);
            }
        }
    });
    // The rows' clicks, Enter and checkboxes, handled once for the whole body: a row costs no
    // listener of its own.
    let on_click = move |ev: web_sys::MouseEvent| {
        if let Some((row, id)) = row_of(&ev) {
            // The checkbox cell only selects (its `change` below).
            let in_check_cell = event_element(&ev)
                .and_then(|el| el.closest(".ac-cell--check").ok().flatten())
                .is_some_and(|cell| row.contains(Some(&cell)));
            if !in_check_cell {
                on_open.run(id);
            }
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        // Only the row itself: Enter on the checkbox must not open the flyout.
        if ev.key() != "Enter" {
            return;
        }
        if let Some((row, id)) = row_of(&ev) {
            if event_element(&ev).is_some_and(|el| el == row) {
                ev.prevent_default();
                on_open.run(id);
            }
        }
    };
    let on_change = move |ev: web_sys::Event| {
        if let Some((_, id)) = row_of(&ev) {
            selection.set(&id, event_target_checked(&ev));
        }
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
        View::Contained => "Actions in force",
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
        View::Contained => "No actions in force match.",
        _ => "No actions are waiting for a decision.",
    };
    let empty = move || match &empty {
        Some(empty) => empty.run(),
        None => empty_text.into_any(),
    };

    view! {
        <div class="ac-table-wrap">
            <table class="ac-table" node_ref=table>
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
                <tbody on:click=on_click on:keydown=on_keydown on:change=on_change>
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
                                            columns=shown.clone()
                                            now=clock.get_untracked()
                                            format
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

/// The element an event started at.
fn event_element(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.target()?.dyn_into::<web_sys::Element>().ok()
}

/// The table row an event started in, and its action id.
fn row_of(ev: &web_sys::Event) -> Option<(web_sys::Element, String)> {
    let row = event_element(ev)?
        .closest("tr[data-action-id]")
        .ok()
        .flatten()?;
    let id = row.get_attribute("data-action-id")?;
    Some((row, id))
}
