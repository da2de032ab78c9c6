use action_center_core::{Facet, Facets, View, ViewState};
use leptos::prelude::*;

use crate::components::filter_menu::FilterMenu;
use crate::components::time_range::{RangeChoice, TimeRangeFilter};

/// The filters above the table: a menu per dimension the tab offers (action type, status on
/// History, source, category) with counts from the server's facets, the time range, and
/// "Clear filters" (which also clears the search).
#[component]
pub fn FilterBar(
    /// Which tab (decides the menus and the values they offer).
    #[prop(into)]
    view: Signal<View>,
    /// The view as it is now (its filters are what the menus show picked).
    #[prop(into)]
    state: Signal<ViewState>,
    /// Counts per value, when loaded.
    #[prop(into)]
    facets: Signal<Option<Facets>>,
    /// Called with a value to pick or unpick.
    on_toggle: Callback<(Facet, String)>,
    /// Called to clear one menu.
    on_clear_facet: Callback<Facet>,
    /// Called with a new time range.
    on_range: Callback<RangeChoice>,
    /// Called to clear every filter and the search.
    on_clear: Callback<()>,
) -> impl IntoView {
    let menus = move || {
        let tab = view.get();
        Facet::ALL
            .into_iter()
            .filter(|facet| facet.offered_on(&tab))
            .map(|facet| {
                let options = Signal::derive(move || {
                    let tab = view.get();
                    state.with(|s| facets.with(|f| facet.options(&tab, &s.query, f.as_ref())))
                });
                view! { <FilterMenu facet options on_toggle on_clear=on_clear_facet /> }
            })
            .collect_view()
    };
    let range = Signal::derive(move || state.with(|s| s.range.clone()));
    let from = Signal::derive(move || state.with(|s| s.query.from));
    let to = Signal::derive(move || state.with(|s| s.query.to));
    let has_filters = move || state.with(ViewState::has_filters);
    view! {
        <div class="ac-filters" role="group" aria-label="Filters">
            {menus}
            <TimeRangeFilter range from to on_change=on_range />
            <button
                type="button"
                class="ac-button ac-button--subtle"
                disabled=move || !has_filters()
                on:click=move |_| on_clear.run(())
            >
                "Clear filters"
            </button>
        </div>
    }
}
