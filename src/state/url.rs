//! The view in the address bar: tab, filters, search, sort, page and the open action live in the
//! URL's query string, so that a link reopens the same view and Back / Forward step through it.
//!
//! The History API directly (`pushState` / `popstate`), not leptos_router: the app only ever
//! changes the query string, and a router would also take over link clicks and the path, which
//! belong to the host page when the app is embedded. [`ViewState`] is the one parser and
//! serializer; the path, the fragment and the host's own query parameters are left as they are.

use action_center_core::view_state::merge_into_url_query;
use action_center_core::ViewState;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::state::PageState;

/// Whether `path` is under `base_path` (the app's place in a host's routes), if one is set.
pub fn path_is_ours(path: &str, base_path: Option<&str>) -> bool {
    match base_path.map(|b| b.trim_end_matches('/')) {
        None | Some("") => true,
        Some(base) => {
            path == base
                || path
                    .strip_prefix(base)
                    .is_some_and(|rest| rest.starts_with('/'))
        }
    }
}

/// Whether moving from `old` to `new` only refines a search already typed: such steps replace
/// the history entry instead of adding one per keystroke pause.
pub fn replaces_entry(old: &ViewState, new: &ViewState) -> bool {
    let mut same_but_search = new.clone();
    same_but_search.query.q = old.query.q.clone();
    same_but_search.query.page = old.query.page;
    same_but_search == *old && old.query.q.is_some() && new.query.q.is_some()
}

/// The address bar's query string, or `None` when the page is not under `base_path`.
fn current_query(base_path: Option<&str>) -> Option<String> {
    let location = web_sys::window()?.location();
    let path = location.pathname().ok()?;
    path_is_ours(&path, base_path).then(|| location.search().unwrap_or_default())
}

/// Writes the view's `query` into the address bar, keeping the path, the fragment, the host
/// page's own query parameters and its history state; `replace` rewrites the current entry
/// instead of adding one.
fn write_query(query: &str, replace: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let (Ok(path), Ok(hash)) = (location.pathname(), location.hash()) else {
        return;
    };
    let query = merge_into_url_query(&location.search().unwrap_or_default(), query);
    let url = if query.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{query}{hash}")
    };
    let Ok(history) = window.history() else {
        return;
    };
    let state = history.state().unwrap_or(JsValue::NULL);
    let _ = if replace {
        history.replace_state_with_url(&state, "", Some(&url))
    } else {
        history.push_state_with_url(&state, "", Some(&url))
    };
}

/// Keeps `state` and the address bar in step for as long as the current owner lives: reads the
/// URL now, writes it on every change of the view, and reads it again on Back / Forward.
/// Outside `base_path` (the host moved elsewhere) it neither reads nor writes.
pub fn sync_with_address_bar(state: PageState, base_path: Option<String>) {
    let base = StoredValue::new(base_path);
    let read = move || base.with_value(|b| current_query(b.as_deref()));
    if let Some(query) = read() {
        state.apply(&ViewState::from_url_query(&query));
    }
    Effect::new(move |_| {
        let wanted = state.view_state();
        let Some(current) = read() else {
            return;
        };
        let shown = ViewState::from_url_query(&current);
        let query = wanted.to_url_query();
        // Compare canonical forms: a link with extra keys or another order is the same view.
        if shown.to_url_query() == query {
            return;
        }
        write_query(&query, replaces_entry(&shown, &wanted));
    });
    let listener = window_event_listener_untyped("popstate", move |_| {
        if let Some(query) = read() {
            state.apply(&ViewState::from_url_query(&query));
        }
    });
    on_cleanup(move || listener.remove());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_path_scopes_the_address_bar() {
        assert!(path_is_ours("/anything", None));
        assert!(path_is_ours("/", Some("")));
        assert!(path_is_ours("/portal/actions", Some("/portal/actions")));
        assert!(path_is_ours("/portal/actions/", Some("/portal/actions/")));
        assert!(path_is_ours("/portal/actions/x", Some("/portal/actions")));
        assert!(!path_is_ours("/portal/actionsx", Some("/portal/actions")));
        assert!(!path_is_ours("/portal/incidents", Some("/portal/actions")));
    }

    #[test]
    fn refining_a_search_replaces_the_entry() {
        let v = ViewState::from_url_query;
        assert!(replaces_entry(&v("q=fin"), &v("q=fin-lap")));
        assert!(replaces_entry(&v("q=fin&page=3"), &v("q=fin-lap")));
        // Starting or clearing a search, or any other change, adds an entry.
        assert!(!replaces_entry(&v(""), &v("q=fin")));
        assert!(!replaces_entry(&v("q=fin"), &v("")));
        assert!(!replaces_entry(&v("q=fin"), &v("q=fin&tab=history")));
        assert!(!replaces_entry(&v("q=fin"), &v("q=fin&open=act_1")));
    }
}
