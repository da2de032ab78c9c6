use action_center_core::columns::Column;
use action_center_core::View;
use leptos::html::{Button, Div};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::filter_menu::close_when_outside;
use crate::state::ColumnPrefs;
use crate::unique_id;

/// "Columns": which columns the tab's table shows and in what order (a disclosure with a
/// checkbox per column and buttons to move shown columns). Remembered in the browser.
#[component]
pub fn ColumnChooser(
    /// Which tab's columns.
    #[prop(into)]
    view: Signal<View>,
    /// The remembered layouts.
    prefs: ColumnPrefs,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let wrapper = NodeRef::<Div>::new();
    let button = NodeRef::<Button>::new();
    let panel_id = unique_id("ac-columns");
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.prevent_default();
            ev.stop_propagation();
            open.set(false);
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    let on_focusout = close_when_outside(wrapper, open);
    // The list is rebuilt in place when a column moves; focus returns to the control used.
    let refocus = move |control: String| {
        crate::state::next_frame(move || {
            let Some(root) = wrapper.try_get_untracked().flatten() else {
                return;
            };
            if let Ok(Some(el)) = root.query_selector(&format!("[data-control='{control}']")) {
                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    };
    let change = move |control: String, f: &dyn Fn(&View)| {
        f(&view.get_untracked());
        refocus(control);
    };
    // Shown columns first, in their order, then the hidden ones. Keyed by column and place,
    // so that a checkbox always belongs to one column (a moved row is made anew, and
    // `refocus` puts focus back on it).
    let rows = Memo::new(move |_| {
        let tab = view.get();
        let layout = prefs.layout(&tab).get();
        let count = layout.shown.len();
        let hidden = layout.hidden();
        layout
            .shown
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c, Some(i)))
            .chain(hidden.into_iter().map(|c| (c, None)))
            .map(|(column, position)| (column.header(&tab).into_owned(), column, position, count))
            .collect::<Vec<_>>()
    });
    let row = move |(name, column, position, count): (String, Column, Option<usize>, usize)| {
        let wire = column.as_str().to_owned();
        let (show, up, down) = (column.clone(), column.clone(), column);
        view! {
            <li class="ac-columns__item">
                <label class="ac-check-field">
                    <input
                        type="checkbox"
                        class="ac-checkbox"
                        prop:checked=position.is_some()
                        disabled=count == 1 && position.is_some()
                        data-control=format!("show-{wire}")
                        on:change=move |_| {
                            change(format!("show-{}", show.as_str()), &|v| prefs.toggle(v, &show))
                        }
                    />
                    {name.clone()}
                </label>
                <span class="ac-columns__move">
                    <button
                        type="button"
                        class="ac-icon-button"
                        aria-label=format!("Move {name} up")
                        disabled=position.is_none_or(|i| i == 0)
                        data-control=format!("up-{wire}")
                        on:click=move |_| {
                            change(format!("up-{}", up.as_str()), &|v| prefs.shift(v, &up, -1))
                        }
                    >
                        "↑"
                    </button>
                    <button
                        type="button"
                        class="ac-icon-button"
                        aria-label=format!("Move {name} down")
                        disabled=position.is_none_or(|i| i + 1 >= count)
                        data-control=format!("down-{wire}")
                        on:click=move |_| {
                            change(format!("down-{}", down.as_str()), &|v| prefs.shift(v, &down, 1))
                        }
                    >
                        "↓"
                    </button>
                </span>
            </li>
        }
    };
    view! {
        <div class="ac-columns" node_ref=wrapper on:keydown=on_keydown on:focusout=on_focusout>
            <button
                type="button"
                class="ac-button ac-button--subtle"
                node_ref=button
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=panel_id.clone()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Columns"
                <span class="ac-filter__chevron" aria-hidden="true">
                    "▾"
                </span>
            </button>
            <div
                id=panel_id
                class="ac-columns__panel"
                role="group"
                aria-label="Columns"
                tabindex="-1"
                hidden=move || !open.get()
            >
                <ul class="ac-columns__list">
                    <For each=move || rows.get() key=|r| r.clone() children=row />
                </ul>
                <button
                    type="button"
                    class="ac-button ac-button--subtle"
                    on:click=move |_| prefs.reset(&view.get_untracked())
                >
                    "Reset columns"
                </button>
            </div>
        </div>
    }
}
