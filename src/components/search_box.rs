use std::time::Duration;

use leptos::prelude::*;

/// The "Search" box: matches action id, asset, entity and investigation id. Typing settles for
/// a moment before the list reloads; Enter searches at once.
#[component]
pub fn SearchBox(
    /// The current search text.
    #[prop(into)]
    value: Signal<String>,
    /// Called with the text to search for.
    on_search: Callback<String>,
) -> impl IntoView {
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    let cancel = move || {
        if let Some(handle) = pending.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    let on_input = move |ev: web_sys::Event| {
        cancel();
        let text = event_target_value(&ev);
        if let Ok(handle) = set_timeout_with_handle(
            move || {
                on_search.try_run(text);
            },
            Duration::from_millis(250),
        ) {
            pending.try_set_value(Some(handle));
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" {
            cancel();
            on_search.run(event_target_value(&ev));
        }
    };
    on_cleanup(cancel);
    view! {
        <input
            type="text"
            class="ac-input ac-search"
            aria-label="Search"
            placeholder="Search by action id, asset, entity or investigation"
            prop:value=move || value.get()
            on:input=on_input
            on:keydown=on_keydown
        />
    }
}
