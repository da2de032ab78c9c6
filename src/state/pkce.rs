//! Browser pieces of the provider sign-in, through the browser's own APIs (no crates): random
//! values (`crypto.getRandomValues`), SHA-256 (`crypto.subtle.digest`, for the PKCE S256
//! challenge), the sign-in in progress in the tab's `sessionStorage`, and the address bar.

use action_center_core::oidc::{base64url, PendingSignIn};
use wasm_bindgen::JsValue;

const PENDING_KEY: &str = "action-center.oidc.pending";
/// Set when the tab should not try to join the provider's session silently (the analyst
/// signed out, or a silent attempt was refused): the form is shown instead.
const NO_SILENT_KEY: &str = "action-center.oidc.no-silent";

/// `n` random bytes as base64url, or `None` where the browser has no `crypto`.
pub fn random(n: usize) -> Option<String> {
    let mut bytes = vec![0u8; n];
    web_sys::window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(base64url(&bytes))
}

/// The S256 challenge of a PKCE verifier: base64url(SHA-256(verifier)). `None` outside a secure
/// context (plain http to another host), where `crypto.subtle` does not exist.
pub async fn challenge(verifier: &str) -> Option<String> {
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    if JsValue::from(subtle.clone()).is_undefined() {
        return None;
    }
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", verifier.as_bytes())
        .ok()?;
    let digest = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    Some(base64url(&js_sys::Uint8Array::new(&digest).to_vec()))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Keeps the sign-in in progress for the round trip to the provider.
pub fn save_pending(pending: &PendingSignIn) -> bool {
    storage().is_some_and(|s| s.set_item(PENDING_KEY, &pending.to_line()).is_ok())
}

/// The sign-in in progress, removed from storage (a `state` is answered once).
pub fn take_pending() -> Option<PendingSignIn> {
    let storage = storage()?;
    let line = storage.get_item(PENDING_KEY).ok()??;
    let _ = storage.remove_item(PENDING_KEY);
    PendingSignIn::from_line(&line)
}

/// Whether the tab should skip the silent attempt.
pub fn silent_blocked() -> bool {
    storage()
        .and_then(|s| s.get_item(NO_SILENT_KEY).ok().flatten())
        .is_some()
}

/// Allows or blocks the silent attempt for this tab.
pub fn block_silent(block: bool) {
    if let Some(s) = storage() {
        let _ = if block {
            s.set_item(NO_SILENT_KEY, "1")
        } else {
            s.remove_item(NO_SILENT_KEY)
        };
    }
}

/// Where the provider sends the browser back: this page, without its query.
pub fn redirect_uri() -> Option<String> {
    let location = web_sys::window()?.location();
    Some(format!(
        "{}{}",
        location.origin().ok()?,
        location.pathname().ok()?
    ))
}

/// The page's query string now.
pub fn current_query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Path, query and fragment of the page now (where to come back to after the provider).
pub fn current_place() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return "/".to_owned();
    };
    let part = |p: Result<String, JsValue>| p.unwrap_or_default();
    part(location.pathname()) + &part(location.search()) + &part(location.hash())
}

/// Where to go after an authorization response that belongs to no sign-in of this tab: the
/// page without its query (which holds the response).
pub fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".to_owned())
}

/// Rewrites the address bar to `place` (same origin) without a new history entry: the
/// authorization code leaves it at once, and the view the analyst was on comes back.
pub fn replace_place(place: &str) {
    // Only a path on this origin: `return_to` came from storage, not from the network, but a
    // stray value must never send the page elsewhere.
    let place = if place.starts_with('/') && !place.starts_with("//") && !place.starts_with("/\\") {
        place
    } else {
        "/"
    };
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(place));
    }
}

/// Leaves the app for `url` (the provider's sign-in or sign-out page).
pub fn navigate(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
