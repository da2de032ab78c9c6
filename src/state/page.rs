//! What the Action Center page knows: tab, search, sort, page, selection and the open action.

use action_center_core::{ActionQuery, Sort, SortKey, View, DEFAULT_PAGE_SIZE};
use leptos::prelude::*;

use crate::state::selection::Selection;

/// The page's view state; every part is a signal, so the struct is `Copy`.
#[derive(Clone, Copy)]
pub struct PageState {
    /// Pending or History.
    pub view: RwSignal<View>,
    /// Free-text search (`q`).
    pub search: RwSignal<String>,
    /// Sort column and direction.
    pub sort: RwSignal<Sort>,
    /// 1-based page.
    pub page: RwSignal<u32>,
    /// Rows per page.
    pub page_size: RwSignal<u32>,
    /// The selected rows.
    pub selection: Selection,
    /// The action shown in the flyout.
    pub open: RwSignal<Option<String>>,
}

impl Default for PageState {
    fn default() -> Self {
        Self::new()
    }
}

impl PageState {
    /// The Pending tab, most recently changed first.
    pub fn new() -> Self {
        PageState {
            view: RwSignal::new(View::Pending),
            search: RwSignal::new(String::new()),
            sort: RwSignal::new(default_sort(&View::Pending)),
            page: RwSignal::new(1),
            page_size: RwSignal::new(DEFAULT_PAGE_SIZE),
            selection: Selection::new(),
            open: RwSignal::new(None),
        }
    }

    /// Switches tab: first page, that tab's default sort, nothing selected or open.
    pub fn show(&self, view: View) {
        if self.view.get_untracked() == view {
            return;
        }
        self.sort.set(default_sort(&view));
        self.page.set(1);
        self.selection.clear();
        self.open.set(None);
        self.view.set(view);
    }

    /// Sorts by `key`: a second click on the same column flips the direction.
    pub fn sort_by(&self, key: SortKey) {
        let current = self.sort.get_untracked();
        let descending = if current.key == key {
            !current.descending
        } else {
            // Times read best newest first (expiry: soonest first); names alphabetically.
            matches!(key, SortKey::CreatedAt | SortKey::UpdatedAt)
        };
        self.sort.set(Sort { key, descending });
        self.page.set(1);
    }

    /// Searches for `text` from the first page.
    pub fn search_for(&self, text: String) {
        self.search.set(text);
        self.page.set(1);
    }

    /// The list query for the current state (tracked).
    pub fn query(&self) -> ActionQuery {
        let search = self.search.get();
        ActionQuery {
            view: Some(self.view.get()),
            q: Some(search.trim().to_owned()).filter(|q| !q.is_empty()),
            sort: Some(self.sort.get()),
            page: Some(self.page.get()),
            page_size: Some(self.page_size.get()),
            ..ActionQuery::default()
        }
    }

    /// The query for the other tab's count (one row, same search; tracked).
    pub fn count_query(&self, view: View) -> ActionQuery {
        let search = self.search.get();
        ActionQuery {
            view: Some(view),
            q: Some(search.trim().to_owned()).filter(|q| !q.is_empty()),
            page_size: Some(1),
            ..ActionQuery::default()
        }
    }
}

/// Both tabs start with the server's default order (most recently changed first), so that a
/// link without `sort` and the app agree on what page 1 holds.
fn default_sort(_view: &View) -> Sort {
    Sort::default()
}
