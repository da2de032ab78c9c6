//! What the Action Center page knows: tab, filters, search, sort, page, selection and the open
//! action. [`ViewState`] (core) is its link form: [`PageState::view_state`] and
//! [`PageState::apply`] convert, and `state::url` keeps the address bar in step.

use action_center_core::{
    ActionQuery, Facet, Sort, SortKey, TimeRange, View, ViewState, DEFAULT_PAGE_SIZE,
};
use chrono::{DateTime, Utc};
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
    /// The filters (the value filters and `from` / `to` of a custom range; nothing else).
    pub filters: RwSignal<ActionQuery>,
    /// The time-range preset, or `Custom`.
    pub range: RwSignal<Option<TimeRange>>,
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
            filters: RwSignal::new(ActionQuery::default()),
            range: RwSignal::new(None),
        }
    }

    /// Switches tab: first page, that tab's default sort, nothing selected or open. Filters
    /// and search stay, but statuses (each tab has its own).
    pub fn show(&self, view: View) {
        if self.view.get_untracked() == view {
            return;
        }
        self.sort.set(default_sort(&view));
        self.page.set(1);
        self.selection.clear();
        self.open.set(None);
        if self.filters.with_untracked(|f| !f.status.is_empty()) {
            self.filters.update(|f| f.status.clear());
        }
        self.view.set(view);
    }

    /// The view as a link carries it (tracked).
    pub fn view_state(&self) -> ViewState {
        let mut state = self.filter_state();
        let sort = self.sort.get();
        state.query.sort = (sort != Sort::default()).then_some(sort);
        state.query.page = Some(self.page.get()).filter(|p| *p > 1);
        state.query.page_size = Some(self.page_size.get()).filter(|n| *n != DEFAULT_PAGE_SIZE);
        state.open = self.open.get();
        state
    }

    /// Tab, filters and search only (tracked): what the counts of the filter menus depend on.
    pub fn filter_state(&self) -> ViewState {
        let filters = self.filters.get();
        let search = self.search.get();
        ViewState {
            tab: Some(self.view.get()).filter(|v| *v != View::Pending),
            query: ActionQuery {
                action_type: filters.action_type,
                status: filters.status,
                source: filters.source,
                category: filters.category,
                entity_kind: filters.entity_kind,
                q: Some(search.trim().to_owned()).filter(|q| !q.is_empty()),
                from: filters.from,
                to: filters.to,
                ..ActionQuery::default()
            },
            range: self.range.get(),
            open: None,
        }
    }

    /// Shows `state` (a link, Back or Forward). Only what differs is written, so that nothing
    /// reloads or closes needlessly.
    pub fn apply(&self, state: &ViewState) {
        let view = state.tab_or_default();
        if self.view.get_untracked() != view {
            self.selection.clear();
            self.view.set(view);
        }
        let q = &state.query;
        let filters = ActionQuery {
            action_type: q.action_type.clone(),
            status: q.status.clone(),
            source: q.source.clone(),
            category: q.category.clone(),
            entity_kind: q.entity_kind.clone(),
            from: q.from,
            to: q.to,
            ..ActionQuery::default()
        };
        set_if_changed(self.filters, filters);
        set_if_changed(self.range, state.range.clone());
        set_if_changed(self.search, q.q.clone().unwrap_or_default());
        set_if_changed(self.sort, q.sort_or_default());
        set_if_changed(self.page, q.page_or_default());
        set_if_changed(self.page_size, q.page_size_or_default());
        set_if_changed(self.open, state.open.clone());
    }

    /// Changes the filters as `change` does to the view state (first page again).
    fn change_filters(&self, change: impl FnOnce(&mut ViewState)) {
        let mut state = self.filter_state_untracked();
        change(&mut state);
        let q = state.query;
        self.filters.set(ActionQuery {
            action_type: q.action_type,
            status: q.status,
            source: q.source,
            category: q.category,
            entity_kind: q.entity_kind,
            from: q.from,
            to: q.to,
            ..ActionQuery::default()
        });
        self.range.set(state.range);
        self.page.set(1);
    }

    fn filter_state_untracked(&self) -> ViewState {
        untrack(|| self.filter_state())
    }

    /// Picks or unpicks a value in a filter menu.
    pub fn toggle_filter(&self, facet: Facet, value: &str) {
        self.change_filters(|s| s.toggle_filter(facet, value));
    }

    /// Clears one filter menu.
    pub fn clear_filter(&self, facet: Facet) {
        self.change_filters(|s| s.clear_filter(facet));
    }

    /// Sets the time range (a preset, a custom range, or none).
    pub fn set_range(
        &self,
        range: Option<TimeRange>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) {
        self.change_filters(|s| s.set_range(range, from, to));
    }

    /// Clears every filter and the search (tab, sort and page size stay).
    pub fn clear_filters(&self) {
        self.change_filters(|s| *s = s.cleared());
        self.search.set(String::new());
    }

    /// The query for the filter menus' counts (tracked; no sort or page).
    pub fn facets_query(&self) -> ActionQuery {
        self.filter_state().facets_query(Utc::now())
    }

    /// The query for "Export": every row of the current filter in the table's order (tracked).
    pub fn export_query(&self) -> ActionQuery {
        let mut state = self.filter_state();
        state.query.sort = Some(self.sort.get());
        state.export_query(Utc::now())
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

    /// The list query for the current state (tracked; not the open action).
    pub fn query(&self) -> ActionQuery {
        ActionQuery {
            sort: Some(self.sort.get()),
            page: Some(self.page.get()),
            page_size: Some(self.page_size.get()),
            ..self.filter_state().api_query(Utc::now())
        }
    }

    /// The query for a tab's count (one row; same filters and search but statuses, which
    /// belong to one tab; tracked).
    pub fn count_query(&self, view: View) -> ActionQuery {
        ActionQuery {
            page_size: Some(1),
            ..self.count_state(view).api_query(Utc::now())
        }
    }

    /// What a tab's count depends on, as text (tracked): the key it is remembered under. `None`
    /// for the current tab while a status filter narrows its list (its total is then not the
    /// tab's count).
    pub fn count_key(&self, view: View) -> Option<String> {
        let narrowed = view == self.view.get() && self.filters.with(|f| !f.status.is_empty());
        (!narrowed).then(|| self.count_state(view).to_url_query())
    }

    fn count_state(&self, view: View) -> ViewState {
        let mut state = self.filter_state();
        state.tab = Some(view);
        state.query.status.clear();
        state
    }
}

/// Writes `value` only when it differs, so that subscribers do not rerun for nothing.
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|current| *current != value) {
        signal.set(value);
    }
}

/// Both tabs start with the server's default order (most recently changed first), so that a
/// link without `sort` and the app agree on what page 1 holds.
fn default_sort(view: &View) -> Sort {
    match view {
        // What is in force, asset by asset: the devices and what holds each of them.
        View::Contained => Sort {
            key: action_center_core::SortKey::Asset,
            descending: false,
        },
        _ => Sort::default(),
    }
}
