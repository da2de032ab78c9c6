//! Small browser helpers: sleeping, local time, focus. None of them panics when the DOM is
//! not what it expects; they just do nothing.

use chrono::{DateTime, Utc};
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

/// A timestamp in the browser's time zone, e.g. `2026-03-01 14:05`, or in the host's locale
/// and time zone when it configured them (see [`crate::embed::time`]).
pub fn local_time(at: DateTime<Utc>) -> String {
    crate::embed::time::show_time(at)
}

/// Moves focus to the table row of action `id` inside `scope` (this instance of the app);
/// falls back to `fallback_selector` when the row is gone (e.g. the action left Pending).
pub fn focus_row(scope: &web_sys::Element, id: &str, fallback_selector: &str) {
    // Plain ids (all of the reference server's) are found by one selector; others by a scan.
    let plain = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let direct = plain
        .then(|| scope.query_selector(&format!("tr[data-action-id=\"{id}\"]")))
        .and_then(|found| found.ok().flatten())
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    let row = direct.or_else(|| {
        scope
            .query_selector_all("tr[data-action-id]")
            .ok()
            .and_then(|rows| {
                (0..rows.length())
                    .filter_map(|i| rows.item(i))
                    .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
                    .find(|el| el.get_attribute("data-action-id").as_deref() == Some(id))
            })
    });
    let target = row.or_else(|| {
        scope
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

/// The element that has focus now, looking into shadow roots (embedded, the app lives in one
/// and the document only sees its host element).
pub fn active_element() -> Option<web_sys::Element> {
    let mut active = web_sys::window()?.document()?.active_element()?;
    while let Some(inner) = active.shadow_root().and_then(|s| s.active_element()) {
        active = inner;
    }
    Some(active)
}

/// The element an event really started at, even inside a shadow root (a listener on the
/// window sees the shadow root's host as the target).
pub fn event_origin(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.composed_path()
        .get(0)
        .dyn_into::<web_sys::Element>()
        .ok()
        .or_else(|| ev.target()?.dyn_into().ok())
}

/// Whether a key event on the window is for the instance of the app that contains `el`: it
/// started inside that instance, or nowhere in particular (the page's `<body>`). With several
/// instances on a page, each handles only its own keys.
pub fn is_for_instance(ev: &web_sys::Event, el: &web_sys::Element) -> bool {
    let Some(origin) = event_origin(ev) else {
        return true;
    };
    let tag = origin.tag_name();
    if tag.eq_ignore_ascii_case("body") || tag.eq_ignore_ascii_case("html") {
        return true;
    }
    match el.closest(".ac-app").ok().flatten() {
        Some(app) => app.contains(Some(&origin)),
        None => true,
    }
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
