use action_center_core::{Facet, FacetOption};
use leptos::html::{Button, Div};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::unique_id;

/// One filter menu (a disclosure: a button and a panel of checkboxes). Each value shows how
/// many rows it would match with the other filters. Escape, or focus leaving, closes it.
#[component]
pub fn FilterMenu(
    /// The dimension, e.g. action type.
    facet: Facet,
    /// The values offered, with counts and whether each is picked.
    #[prop(into)]
    options: Signal<Vec<FacetOption>>,
    /// Called with a value to pick or unpick it.
    on_toggle: Callback<(Facet, String)>,
    /// Called to unpick every value of this menu.
    on_clear: Callback<Facet>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let wrapper = NodeRef::<Div>::new();
    let button = NodeRef::<Button>::new();
    let panel_id = unique_id("ac-filter");
    let picked = Memo::new(move |_| options.with(|o| o.iter().filter(|o| o.selected).count()));
    let close_and_focus = move || {
        open.set(false);
        if let Some(b) = button.get_untracked() {
            let _ = b.focus();
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.prevent_default();
            ev.stop_propagation();
            close_and_focus();
        }
    };
    let on_focusout = close_when_outside(wrapper, open);
    let label = facet.label();
    // One list, rebuilt in place: the values of a menu never change order, so each checkbox
    // element stays (and keeps focus) while its count and state are patched.
    let items = move || {
        options
            .get()
            .into_iter()
            .map(|option| {
                let class = if option.count == Some(0) {
                    "ac-filter__option ac-filter__option--empty"
                } else {
                    "ac-filter__option"
                };
                let count = option.count.map(|n| n.to_string()).unwrap_or_default();
                let value = option.value;
                view! {
                    <label class=class>
                        <input
                            type="checkbox"
                            class="ac-checkbox"
                            prop:checked=option.selected
                            on:change=move |_| on_toggle.run((facet, value.clone()))
                        />
                        <span class="ac-filter__label">{option.label}</span>
                        " "
                        <span class="ac-filter__count">{count}</span>
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <div class="ac-filter" node_ref=wrapper on:keydown=on_keydown on:focusout=on_focusout>
            <button
                type="button"
                class="ac-button ac-button--subtle ac-filter__button"
                class:ac-filter__button--active={move || picked.get() > 0}
                node_ref=button
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls=panel_id.clone()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {label}
                {move || match picked.get() {
                    0 => String::new(),
                    n => format!(" ({n})"),
                }}
                <span class="ac-filter__chevron" aria-hidden="true">"▾"</span>
            </button>
            <div
                id=panel_id
                class="ac-filter__panel"
                role="group"
                aria-label=label
                tabindex="-1"
                hidden=move || !open.get()
            >
                {items}
                <button
                    type="button"
                    class="ac-button ac-button--subtle ac-filter__clear"
                    disabled=move || picked.get() == 0
                    on:click=move |_| on_clear.run(facet)
                >
                    {format!("Clear {}", label.to_ascii_lowercase())}
                </button>
            </div>
        </div>
    }
}

/// Closes a disclosure (`open`) when the pointer goes down outside `wrapper`, or focus moves to
/// an element outside it. Focus lost to nowhere (a control re-rendered) keeps it open. Inside a
/// host's shadow root the event path, not the retargeted target, tells inside from outside.
/// Returns the `focusout` handler for the wrapper.
pub(crate) fn close_when_outside(
    wrapper: NodeRef<Div>,
    open: RwSignal<bool>,
) -> impl Fn(web_sys::FocusEvent) + Copy + 'static {
    let handle = window_event_listener(leptos::ev::mousedown, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let Some(wrapper) = wrapper.get_untracked() else {
            return;
        };
        let wrapper: &wasm_bindgen::JsValue = wrapper.as_ref();
        let inside = ev
            .composed_path()
            .iter()
            .any(|node| js_sys::Object::is(&node, wrapper));
        if !inside {
            open.set(false);
        }
    });
    on_cleanup(move || handle.remove());
    move |ev: web_sys::FocusEvent| {
        let Some(next) = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
        else {
            return;
        };
        let inside = wrapper
            .get_untracked()
            .is_some_and(|w| w.contains(Some(&next)));
        if !inside {
            open.set(false);
        }
    }
}
