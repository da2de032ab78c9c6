//! Small browser helpers: sleeping, local time, focus. None of them panics when the DOM is
//! not what it expects; they just do nothing.

use action_center_core::format::format_timestamp;
use chrono::{DateTime, Local, Utc};
use wasm_bindgen::JsCast;

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A timestamp in the browser's time zone, e.g. `2026-03-01 14:05`.
pub fn local_time(at: DateTime<Utc>) -> String {
    format_timestamp(at.with_timezone(&Local).naive_local())
}

/// Moves focus to the table row of action `id`; falls back to `fallback_selector` when the
/// row is gone (e.g. the action left the Pending list).
pub fn focus_row(id: &str, fallback_selector: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let row = document
        .query_selector_all("tr[data-action-id]")
        .ok()
        .and_then(|rows| {
            (0..rows.length())
                .filter_map(|i| rows.item(i))
                .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
                .find(|el| el.get_attribute("data-action-id").as_deref() == Some(id))
        });
    let target = row.or_else(|| {
        document
            .query_selector(fallback_selector)
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    });
    if let Some(el) = target {
        let _ = el.focus();
    }
}

/// The focusable elements inside `root`, in document order (for the dialog's focus trap).
pub fn focusables(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    const SELECTOR: &str = "a[href], button:not([disabled]), input:not([disabled]), \
        select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
    let Ok(list) = root.query_selector_all(SELECTOR) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        // `hidden` parts (an operation not offered, a closed confirmation) take no focus.
        .filter(|el| el.closest("[hidden]").ok().flatten().is_none())
        .collect()
}

/// The element that has focus now.
pub fn active_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

/// Keeps focus in a sensible place after the focused control went away (a decision removed
/// its buttons): the enclosing dialog, else the enclosing tab panel, else `el` itself.
pub fn refocus_near(el: &web_sys::HtmlElement) {
    let target = el
        .closest("[role='dialog'], [role='tabpanel']")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    let _ = target.as_ref().unwrap_or(el).focus();
}
