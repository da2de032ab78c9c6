//! The Action Center page: tabs, search, filters, the table of one server page, the bulk bar,
//! paging, the flyout and the live region — its view kept in the address bar and its rows kept
//! current by live updates.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use action_center_core::{live_effect, Action, Me, Total, View};
use leptos::html::Div;
use leptos::prelude::*;

use crate::api::{ApiClient, LiveFeed, LiveStatus};
use crate::browser::focus_row;
use crate::components::{
    use_table_shortcuts, ActionTable, BulkBar, ColumnChooser, EmptyState, ErrorView, ExportButton,
    FilterBar, LiveIndicator, LiveRegion, Pager, SearchBox, TabBar, UserBar, TAB_VIEWS,
};
use crate::pages::open_action::OpenAction;
use crate::state::{
    spawn_owned, sync_with_address_bar, Alive, ColumnPrefs, Feedback, Latest, PageState,
};
use crate::{unique_id, UrlState};

/// How often a page with queued, running or undoing rows reloads while live updates are off.
const POLL: Duration = Duration::from_secs(2);
/// How long live changes gather before the page reloads once for all of them.
const LIVE_RELOAD: Duration = Duration::from_millis(300);

/// The whole page for a signed-in account.
#[component]
pub fn ActionCenterPage(
    /// The signed-in account.
    me: Me,
    /// The API client.
    client: ApiClient,
) -> impl IntoView {
    let state = PageState::new();
    provide_context(state);
    // The page's lifetime: its timers and frames do nothing once it is gone.
    let alive = Alive::here();
    // Standalone (or under the host's route), the view lives in the address bar.
    if let Some(UrlState::AddressBar { base_path }) = use_context::<UrlState>() {
        sync_with_address_bar(state, base_path);
    }
    let columns = ColumnPrefs::load();
    provide_context(columns);
    let permissions = me.permissions;
    let ids = unique_id("ac-tabs");
    let panel_id = format!("{ids}-panel");

    // One page of the current tab. With it comes, for free, the count of the current tab (when
    // no status filter narrows it), which is the other tab's label once the analyst switches.
    let counts = StoredValue::new(BTreeMap::<String, Total>::new());
    let list = {
        let client = client.clone();
        Latest::new(
            move || (state.query(), state.count_key(state.view.get())),
            move |(query, key)| {
                let client = client.clone();
                async move {
                    let page = client.list_actions(&query).await;
                    if let (Ok(page), Some(key)) = (&page, key) {
                        counts.try_update_value(|c| c.insert(key, Total::of(page)));
                    }
                    page
                }
            },
        )
    };

    // The other tabs' counts for their labels: asked for only when they can have changed (other
    // filters or search, or a change to the data), not on a sort, a page or a tab switch.
    let other_counts = RwSignal::new(BTreeMap::<String, Total>::new());
    let count_reloads = RwSignal::new(0u64);
    Effect::new({
        let client = client.clone();
        move |_| {
            count_reloads.track();
            let here = state.view.get();
            let mut known_now = BTreeMap::new();
            for other in TAB_VIEWS.into_iter().filter(|v| *v != here) {
                let tab = other.as_str().to_owned();
                let key = state.count_key(other.clone()).unwrap_or_default();
                if let Some(known) = counts.with_value(|c| c.get(&key).copied()) {
                    known_now.insert(tab, known);
                    continue;
                }
                let query = state.count_query(other);
                let client = client.clone();
                spawn_owned(async move {
                    if let Ok(page) = client.list_actions(&query).await {
                        let total = Total::of(&page);
                        counts.try_update_value(|c| c.insert(key, total));
                        other_counts.try_update(|c| c.insert(tab, total));
                    }
                });
            }
            // A count still on its way keeps the label it had.
            if !known_now.is_empty() {
                other_counts.update(|c| c.extend(known_now));
            }
        }
    });
    // The data changed: every count may have. They are asked again once the page's own list
    // has answered (as a Refresh always did): a list that fails (a 401, a 500) is not followed
    // by a count that fails the same way.
    let count_stale = StoredValue::new(false);
    let recount = move || {
        counts.try_update_value(BTreeMap::clear);
        count_stale.try_update_value(|stale| *stale = true);
    };

    // Counts for the filter menus: every filter but the menu's own (the server's facets).
    let facets = {
        let client = client.clone();
        Latest::new(
            move || state.facets_query(),
            move |query| {
                let client = client.clone();
                async move { client.facets(&query).await }
            },
        )
    };

    // The rows shown: the last page that loaded, patched in place by decisions and undos.
    let items = RwSignal::new(Vec::<Action>::new());
    let total = RwSignal::new(None::<Total>);
    Effect::new(move |_| {
        if let Some(Ok(page)) = list.get() {
            state
                .selection
                .prune(page.items.iter().map(|a| a.id.as_str()));
            total.set(Some(Total::of(&page)));
            items.set(page.items);
            if count_stale.try_update_value(|stale| std::mem::replace(stale, false)) == Some(true) {
                count_reloads.update(|n| *n = n.wrapping_add(1));
            }
        }
    });

    // Another tab (a click, a link, Back): show "Loading" rather than the old tab's rows.
    Effect::new(move |previous: Option<View>| {
        let view = state.view.get();
        if previous.is_some_and(|p| p != view) {
            items.set(Vec::new());
            total.set(None);
        }
        view
    });

    // Live updates: changed rows are replaced in place; anything that may enter or leave the
    // page (or change its total) reloads it once, shortly, for a burst of changes.
    let reload_armed = StoredValue::new(false);
    let reload_soon = {
        let alive = alive.clone();
        Callback::new(move |_| {
            if reload_armed.try_get_value() == Some(false) {
                reload_armed.set_value(true);
                alive.after(LIVE_RELOAD, move || {
                    if reload_armed.try_set_value(false).is_none() {
                        list.refetch();
                        facets.refetch();
                        recount();
                    }
                });
            }
        })
    };
    let reported = RwSignal::new(None::<Action>);
    let on_live = Callback::new(move |action: Action| {
        let query = untrack(|| state.query());
        let effect = items.with_untracked(|rows| live_effect(rows, &query, &action));
        if let Some(index) = effect.replace {
            let fresh = action.clone();
            items.update(|rows| {
                if let Some(row) = rows.get_mut(index) {
                    *row = fresh;
                }
            });
        }
        if effect.refetch {
            reload_soon.run(());
        }
        if state.open.get_untracked().as_deref() == Some(action.id.as_str())
            && reported.with_untracked(|r| r.as_ref().is_none_or(|r| r.version < action.version))
        {
            reported.set(Some(action));
        }
    });
    let feed = LiveFeed::start(client.clone(), on_live, reload_soon);
    let live = Signal::derive(move || feed.status.get());

    // Reload while the executor works on rows of this page, so they update as it finishes
    // (live updates do that when they are on).
    let poll_armed = StoredValue::new(false);
    let poll_alive = alive.clone();
    Effect::new(move |_| {
        let busy = items.with(|v| v.iter().any(|a| a.status.is_in_flight()))
            && live.get() != LiveStatus::Live;
        if busy && !poll_armed.get_value() {
            poll_armed.set_value(true);
            poll_alive.after(POLL, move || {
                poll_armed.try_set_value(false);
                list.refetch();
            });
        }
    });

    // Decisions and undos hand back changed actions: patch rows, the flyout, then reload.
    // What this analyst acted on is remembered, so that the flyout does not call the
    // executor's progress on it news.
    let acted = RwSignal::new(BTreeSet::<String>::new());
    let changed = Callback::new(move |changed: Vec<Action>| {
        acted.update(|ids| ids.extend(changed.iter().map(|a| a.id.clone())));
        items.update(|rows| {
            for row in rows.iter_mut() {
                if let Some(new) = changed.iter().find(|c| c.id == row.id) {
                    if new.version >= row.version {
                        *row = new.clone();
                    }
                }
            }
        });
        if let Some(open) = state.open.get_untracked() {
            if let Some(new) = changed.iter().find(|c| c.id == open) {
                reported.set(Some(new.clone()));
            }
        }
        list.refetch();
        facets.refetch();
        recount();
    });
    let feedback = Feedback::new(Some(client.clone()), changed);
    provide_context(feedback);

    let view = Signal::derive(move || state.view.get());
    let counts = Signal::derive(move || {
        let here = state.view.get();
        TAB_VIEWS.map(|tab| {
            if tab == here {
                total.get()
            } else {
                other_counts.with(|c| c.get(tab.as_str()).copied())
            }
        })
    });
    let on_tab = Callback::new(move |v: View| state.show(v));
    let on_open = Callback::new(move |id: String| {
        reported.set(None);
        state.open.set(Some(id));
    });
    let fallback_focus = format!("#{panel_id}");
    let host = crate::embed::use_host();
    let on_close = Callback::new(move |_| {
        let id = state.open.get_untracked();
        state.open.set(None);
        reported.set(None);
        if let Some(id) = id {
            // Focus goes back to the row at once: the page stops being inert now (the view's
            // own update of the attribute follows with the same value), so the row can take it.
            if let Some(scope) = host.scope() {
                if let Ok(Some(main)) = scope.query_selector(".ac-main") {
                    let _ = main.remove_attribute("inert");
                    let _ = main.remove_attribute("aria-hidden");
                }
                focus_row(&scope, &id, &fallback_focus);
            }
        }
    });
    // Computed once per change of rows or selection (many views read it; each read of a
    // derived signal would filter and clone up to 200 actions again).
    let selected = Memo::new(move |_| {
        state.selection.with_set(|ids| {
            items.with(|rows| {
                rows.iter()
                    .filter(|a| ids.contains(&a.id))
                    .cloned()
                    .collect::<Vec<_>>()
            })
        })
    });
    let flyout_open = move || state.open.with(Option::is_some);

    let list_error =
        Signal::derive(move || list.with(|r| r.as_ref().and_then(|r| r.as_ref().err().cloned())));
    let failed = move || list_error.with(Option::is_some);
    let facets_error =
        Signal::derive(move || facets.with(|r| r.as_ref().and_then(|r| r.as_ref().err().cloned())));

    let loading = move || total.with(Option::is_none) && !failed();

    let me_id = me.id.clone();
    let flyout = {
        let client = client.clone();
        move || {
            state.open.get().map(|id| {
                let row_id = id.clone();
                let row = Signal::derive(move || {
                    items.with(|rows| rows.iter().find(|a| a.id == row_id).cloned())
                });
                let acted_id = id.clone();
                let acted_here = Signal::derive(move || acted.with(|ids| ids.contains(&acted_id)));
                // On the containment view the flyout groups what is in force by asset.
                let in_force_opener = state
                    .view
                    .with_untracked(|v| *v == View::Contained)
                    .then_some(on_open);
                view! {
                    <OpenAction
                        id
                        row
                        reported
                        client=client.clone()
                        on_close
                        me=me_id.clone()
                        acted_here
                        on_open_in_force=in_force_opener
                    />
                }
            })
        }
    };

    let panel = NodeRef::<Div>::new();
    use_table_shortcuts(panel, Signal::derive(move || !flyout_open()), on_open);
    let filter_state = Signal::derive(move || state.filter_state());
    let filtered = Signal::derive(move || filter_state.with(|s| s.has_filters()));
    let clear_filters = Callback::new(move |_| state.clear_filters());
    let shown_columns = Signal::derive(move || columns.layout(&state.view.get()).get().shown);

    view! {
        <div class="ac-page">
            <div class="ac-main" inert=flyout_open aria-hidden=move || flyout_open().then_some("true")>
                <UserBar me />
                <main class="ac-content">
                    <TabBar view on_select=on_tab counts id_prefix=ids.clone() />
                    <div
                        class="ac-tabpanel"
                        role="tabpanel"
                        id=panel_id.clone()
                        node_ref=panel
                        tabindex="-1"
                        aria-labelledby=move || format!("{ids}-{}", state.view.get().as_str())
                    >
                        <div class="ac-toolbar">
                            <SearchBox
                                value=state.search
                                on_search=Callback::new(move |text| state.search_for(text))
                            />
                            <div class="ac-toolbar__end">
                                <LiveIndicator
                                    status=live
                                    on_retry=Callback::new(move |_| feed.retry())
                                />
                                <button
                                    type="button"
                                    class="ac-button ac-button--subtle"
                                    on:click=move |_| {
                                        list.refetch();
                                        facets.refetch();
                                        recount();
                                    }
                                >
                                    "Refresh"
                                </button>
                                <ExportButton query=Signal::derive(move || state.export_query()) />
                                <ColumnChooser view prefs=columns />
                            </div>
                        </div>
                        <div class="ac-toolbar">
                            <FilterBar
                                view
                                state=filter_state
                                facets=Signal::derive(move || facets.get().and_then(Result::ok))
                                on_toggle=Callback::new(move |(facet, value): (_, String)| {
                                    state.toggle_filter(facet, &value)
                                })
                                on_clear_facet=Callback::new(move |facet| state.clear_filter(facet))
                                on_range=Callback::new(move |(range, from, to)| {
                                    state.set_range(range, from, to)
                                })
                                on_clear=clear_filters
                            />
                        </div>
                        <ErrorView
                            title="Could not load the filter counts"
                            error=facets_error
                            on_retry=Callback::new(move |_| facets.refetch())
                        />
                        <BulkBar
                            view
                            selected
                            permissions=Signal::derive(move || permissions)
                            on_clear=Callback::new(move |_| state.selection.clear())
                        />
                        <ErrorView
                            title="Could not load the actions"
                            error=list_error
                            on_retry=Callback::new(move |_| list.refetch())
                        />
                        <p class="ac-loading" aria-busy="true" hidden=move || !loading()>
                            "Loading actions…"
                        </p>
                        <div hidden=move || loading() || failed()>
                            <ActionTable
                                view
                                items
                                sort=state.sort
                                on_sort=Callback::new(move |key| state.sort_by(key))
                                selection=state.selection
                                on_open
                                columns=shown_columns
                                empty=ViewFn::from(move || {
                                    view! { <EmptyState view filtered on_clear=clear_filters /> }
                                })
                            />
                            <Pager
                                page=state.page
                                page_size=state.page_size
                                total=Signal::derive(move || total.get().unwrap_or_default())
                                rows=Signal::derive(move || items.with(Vec::len))
                            />
                            <p class="ac-hint">
                                "Keyboard: " <kbd>"j"</kbd> " / " <kbd>"k"</kbd>
                                " next and previous row, " <kbd>"o"</kbd> " or "
                                <kbd>"Enter"</kbd> " opens it, " <kbd>"/"</kbd> " searches."
                            </p>
                        </div>
                    </div>
                </main>
            </div>
            <LiveRegion />
            {flyout}
        </div>
    }
}
