//! Which columns each tab shows, in what order, remembered in the browser (`localStorage`).

use action_center_core::columns::{Column, ColumnLayout};
use action_center_core::View;
use leptos::prelude::*;

const KEY_PREFIX: &str = "action-center.columns.";

/// The column layouts of both tabs; provided through context by the page.
#[derive(Clone, Copy, Debug)]
pub struct ColumnPrefs {
    pending: RwSignal<ColumnLayout>,
    history: RwSignal<ColumnLayout>,
}

impl Default for ColumnPrefs {
    fn default() -> Self {
        ColumnPrefs {
            pending: RwSignal::new(ColumnLayout::default_for(&View::Pending)),
            history: RwSignal::new(ColumnLayout::default_for(&View::History)),
        }
    }
}

impl ColumnPrefs {
    /// The layouts the browser remembers (each tab's default when none or unreadable).
    pub fn load() -> Self {
        let read =
            |view: &View| ColumnLayout::from_storage_for(load(&storage_key(view)).as_deref(), view);
        ColumnPrefs {
            pending: RwSignal::new(read(&View::Pending)),
            history: RwSignal::new(read(&View::History)),
        }
    }

    /// The layout of `view`'s table.
    pub fn layout(&self, view: &View) -> RwSignal<ColumnLayout> {
        match view {
            View::History => self.history,
            _ => self.pending,
        }
    }

    /// Shows or hides `column` on `view` and remembers it.
    pub fn toggle(&self, view: &View, column: &Column) {
        self.change(view, |layout| layout.toggle(column));
    }

    /// Moves `column` one place left (`-1`) or right (`+1`) on `view` and remembers it.
    pub fn shift(&self, view: &View, column: &Column, delta: isize) {
        self.change(view, |layout| layout.shift(column, delta));
    }

    /// Back to `view`'s default columns.
    pub fn reset(&self, view: &View) {
        let default = ColumnLayout::default_for(view);
        self.change(view, |layout| *layout = default);
    }

    fn change(&self, view: &View, f: impl FnOnce(&mut ColumnLayout)) {
        let layout = self.layout(view);
        layout.update(f);
        let stored = layout.with_untracked(ColumnLayout::to_storage);
        save(&storage_key(view), &stored);
    }
}

fn storage_key(view: &View) -> String {
    format!("{KEY_PREFIX}{}", view.as_str())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

fn save(key: &str, value: &str) {
    if let Some(storage) = storage() {
        // Storage can refuse (private mode, quota); the layout still applies for this visit.
        let _ = storage.set_item(key, value);
    }
}
