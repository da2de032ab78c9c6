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
    let layout = Signal::derive(move || prefs.layout(&view.get()).get());
    // Shown columns first, in their order, then the hidden ones.
    let rows = Memo::new(move |_| {
        layout.with(|l| {
            l.shown
                .iter()
                .cloned()
                .chain(l.hidden())
                .collect::<Vec<Column>>()
        })
    });
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
    // Moving a column re-orders the list; focus returns to the control that was used.
    let refocus = move |id: String| {
        request_animation_frame(move || {
            let Some(root) = wrapper.get_untracked() else {
                return;
            };
            if let Ok(Some(el)) = root.query_selector(&format!("[data-control='{id}']")) {
                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    };
    let row = move |column: Column| {
        let name = Memo::new({
            let column = column.clone();
            move |_| column.header(&view.get()).into_owned()
        });
        let shown = {
            let column = column.clone();
            Memo::new(move |_| layout.with(|l| l.is_shown(&column)))
        };
        let position = {
            let column = column.clone();
            Memo::new(move |_| {
                layout.with(|l| {
                    l.shown
                        .iter()
                        .position(|c| *c == column)
                        .map(|i| (i, l.shown.len()))
                })
            })
        };
        let only_one = move || position.get().is_some_and(|(_, n)| n == 1);
        let (toggle, up, down) = (column.clone(), column.clone(), column.clone());
        let wire = column.as_str().to_owned();
        let (check_id, up_id, down_id) = (
            format!("show-{wire}"),
            format!("up-{wire}"),
            format!("down-{wire}"),
        );
        view! {
            <li class="ac-columns__item">
                <label class="ac-check-field">
                    <input
                        type="checkbox"
                        class="ac-checkbox"
                        prop:checked=move || shown.get()
                        disabled=only_one
                        data-control=check_id.clone()
                        on:change=move |_| {
                            prefs.toggle(&view.get_untracked(), &toggle);
                            refocus(check_id.clone());
                        }
                    />
                    {move || name.get()}
                </label>
                <span class="ac-columns__move">
                    <button
                        type="button"
                        class="ac-icon-button"
                        aria-label=move || format!("Move {} up", name.get())
                        disabled=move || position.get().is_none_or(|(i, _)| i == 0)
                        data-control=up_id.clone()
                        on:click=move |_| {
                            prefs.shift(&view.get_untracked(), &up, -1);
                            refocus(up_id.clone());
                        }
                    >
                        "↑"
                    </button>
                    <button
                        type="button"
                        class="ac-icon-button"
                        aria-label=move || format!("Move {} down", name.get())
                        disabled=move || position.get().is_none_or(|(i, n)| i + 1 >= n)
                        data-control=down_id.clone()
                        on:click=move |_| {
                            prefs.shift(&view.get_untracked(), &down, 1);
                            refocus(down_id.clone());
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
                <span class="ac-filter__chevron" aria-hidden="true">"▾"</span>
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
                    <For each=move || rows.get() key=|c| c.clone() let:column>
                        {row(column)}
                    </For>
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
