use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use crate::browser::{active_element, focusables};
use crate::unique_id;

/// The flyout pane: a modal dialog from the right, named by its title. Focus moves in when
/// it opens and stays in (Tab cycles); Escape or the close button calls `on_close`.
#[component]
pub fn Flyout(
    /// The dialog's title and accessible name, e.g. "Quarantine file on FIN-LAPTOP-07".
    #[prop(into)]
    title: Signal<String>,
    /// Called to close the pane (Escape, close button, backdrop click).
    on_close: Callback<()>,
    /// The pane's content.
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<Div>::new();
    let title_id = unique_id("ac-flyout-title");
    let title_id_ref = title_id.clone();
    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            let _ = el.focus();
        }
    });
    // On the window, so that Escape and the focus trap work wherever focus happens to be
    // (e.g. on <body> after the focused button was removed by an update).
    let on_keydown = move |ev: KeyboardEvent| {
        // `try_`: a window listener can outlive the dialog within one event dispatch.
        let Some(root) = dialog.try_get_untracked().flatten() else {
            return;
        };
        if !crate::browser::is_for_instance(&ev, &root) {
            return;
        }
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                on_close.try_run(());
            }
            "Tab" => {
                let items = focusables(&root);
                let (Some(first), Some(last)) = (items.first(), items.last()) else {
                    ev.prevent_default();
                    return;
                };
                let active = active_element();
                let is = |el: &web_sys::HtmlElement| {
                    active.as_ref() == Some(el.unchecked_ref::<web_sys::Element>())
                };
                let inside = active.as_ref().is_some_and(|a| root.contains(Some(a)));
                let on_dialog = active.as_ref() == Some(root.unchecked_ref::<web_sys::Element>());
                if !inside {
                    ev.prevent_default();
                    let _ = first.focus();
                } else if ev.shift_key() && (is(first) || on_dialog) {
                    ev.prevent_default();
                    let _ = last.focus();
                } else if !ev.shift_key() && is(last) {
                    ev.prevent_default();
                    let _ = first.focus();
                }
            }
            _ => {}
        }
    };
    let listener = window_event_listener(leptos::ev::keydown, on_keydown);
    on_cleanup(move || listener.remove());
    view! {
        <div class="ac-flyout-layer">
            <div class="ac-flyout-backdrop" on:click=move |_| on_close.run(())></div>
            <div
                node_ref=dialog
                class="ac-flyout"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id_ref
                tabindex="-1"
            >
                <header class="ac-flyout__header">
                    <h2 id=title_id class="ac-flyout__title">
                        {title}
                    </h2>
                    <button
                        type="button"
                        class="ac-icon-button"
                        aria-label="Close"
                        on:click=move |_| on_close.run(())
                    >
                        "✕"
                    </button>
                </header>
                <div class="ac-flyout__body">{children()}</div>
            </div>
        </div>
    }
}
