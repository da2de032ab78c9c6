//! Keyboard shortcuts for the table, as in mail and issue trackers: `j` / `↓` next row,
//! `k` / `↑` previous row, `o` / `Enter` open the focused row, `/` focus "Search".
//! Typing in a field is never taken over, nor are keys with Ctrl, Alt or Meta.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// Focus the next row.
    Next,
    /// Focus the previous row.
    Previous,
    /// Open the focused row.
    Open,
    /// Focus the search box.
    Search,
}

/// The shortcut for `key`; arrows and Enter only count when focus is on a row (elsewhere they
/// keep their usual meaning: scrolling, pressing a button).
pub fn shortcut_for(key: &str, on_row: bool) -> Option<Shortcut> {
    match key {
        "j" => Some(Shortcut::Next),
        "k" => Some(Shortcut::Previous),
        "o" => Some(Shortcut::Open),
        "/" => Some(Shortcut::Search),
        "ArrowDown" if on_row => Some(Shortcut::Next),
        "ArrowUp" if on_row => Some(Shortcut::Previous),
        _ => None,
    }
}

/// The index of the row to focus from `current` among `len` rows.
pub fn step(current: Option<usize>, len: usize, forward: bool) -> Option<usize> {
    if len == 0 {
        return None;
    }
    Some(match (current, forward) {
        (None, _) => 0,
        (Some(i), true) => (i + 1).min(len - 1),
        (Some(i), false) => i.saturating_sub(1),
    })
}

fn is_typing_target(el: &web_sys::Element) -> bool {
    let tag = el.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select")
        || el
            .dyn_ref::<HtmlElement>()
            .is_some_and(|h| h.is_content_editable())
}

fn rows(root: &web_sys::Element) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all("tr[data-action-id]") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// Installs the shortcuts for the table inside `root` while `enabled` holds (e.g. no flyout is
/// open). Keys count when focus is inside `root` or nowhere in particular (the page body).
pub fn use_table_shortcuts(root: NodeRef<Div>, enabled: Signal<bool>, on_open: Callback<String>) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.default_prevented()
            || ev.ctrl_key()
            || ev.alt_key()
            || ev.meta_key()
            || !enabled.get_untracked()
        {
            return;
        }
        let Some(root) = root.get_untracked() else {
            return;
        };
        let root: &web_sys::Element = root.as_ref();
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let body = target
            .as_ref()
            .is_some_and(|t| t.tag_name().eq_ignore_ascii_case("body"));
        let inside = target.as_ref().is_some_and(|t| root.contains(Some(t)));
        if !(inside || body) || target.as_ref().is_some_and(is_typing_target) {
            return;
        }
        let rows = rows(root);
        let current = target.as_ref().and_then(|t| {
            rows.iter()
                .position(|r| r.unchecked_ref::<web_sys::Element>() == t)
        });
        let Some(shortcut) = shortcut_for(&ev.key(), current.is_some()) else {
            return;
        };
        match shortcut {
            Shortcut::Next | Shortcut::Previous => {
                if let Some(i) = step(current, rows.len(), shortcut == Shortcut::Next) {
                    ev.prevent_default();
                    let _ = rows[i].focus();
                }
            }
            Shortcut::Open => {
                if let Some(id) = current.and_then(|i| rows[i].get_attribute("data-action-id")) {
                    ev.prevent_default();
                    on_open.run(id);
                }
            }
            Shortcut::Search => {
                if let Ok(Some(search)) =
                    root.query_selector("input[type='search'], input[aria-label='Search']")
                {
                    if let Ok(search) = search.dyn_into::<HtmlElement>() {
                        ev.prevent_default();
                        let _ = search.focus();
                    }
                }
            }
        }
    });
    on_cleanup(move || handle.remove());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_shortcuts() {
        assert_eq!(shortcut_for("j", false), Some(Shortcut::Next));
        assert_eq!(shortcut_for("k", true), Some(Shortcut::Previous));
        assert_eq!(shortcut_for("ArrowDown", true), Some(Shortcut::Next));
        assert_eq!(shortcut_for("ArrowDown", false), None);
        assert_eq!(shortcut_for("o", true), Some(Shortcut::Open));
        assert_eq!(shortcut_for("/", false), Some(Shortcut::Search));
        assert_eq!(shortcut_for("J", false), None);
    }

    #[test]
    fn steps_stay_within_the_rows() {
        assert_eq!(step(None, 0, true), None);
        assert_eq!(step(None, 3, true), Some(0));
        assert_eq!(step(None, 3, false), Some(0));
        assert_eq!(step(Some(1), 3, true), Some(2));
        assert_eq!(step(Some(2), 3, true), Some(2));
        assert_eq!(step(Some(0), 3, false), Some(0));
    }
}
