//! The Action Center page: tabs, search, the table of one server page, the bulk bar, paging,
//! the flyout and the live region.

use std::time::Duration;

use action_center_core::{Action, Me, View};
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::browser::focus_row;
use crate::components::{
    ActionTable, BulkBar, ErrorView, LiveRegion, Pager, SearchBox, TabBar, UserBar,
};
use crate::pages::open_action::OpenAction;
use crate::state::{Feedback, PageState};
use crate::unique_id;

/// How often a page with queued, running or undoing rows reloads.
const POLL: Duration = Duration::from_secs(2);

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
    let permissions = me.permissions;
    let ids = unique_id("ac-tabs");
    let panel_id = format!("{ids}-panel");

    // One page of the current tab, and the other tab's count for its label.
    let other_count = RwSignal::new(None::<u64>);
    let list = {
        let client = client.clone();
        LocalResource::new(move || {
            let query = state.query();
            let other = match state.view.get() {
                View::History => View::Pending,
                _ => View::History,
            };
            let count_query = state.count_query(other);
            let client = client.clone();
            async move {
                let page = client.list_actions(&query).await;
                if page.is_ok() {
                    let count = client.list_actions(&count_query).await;
                    other_count.try_set(count.ok().map(|p| p.total));
                }
                page
            }
        })
    };

    // The rows shown: the last page that loaded, patched in place by decisions and undos.
    let items = RwSignal::new(Vec::<Action>::new());
    let total = RwSignal::new(None::<u64>);
    Effect::new(move |_| {
        if let Some(Ok(page)) = list.get() {
            state
                .selection
                .prune(page.items.iter().map(|a| a.id.as_str()));
            total.set(Some(page.total));
            items.set(page.items);
        }
    });

    // Reload while the executor works on rows of this page, so they update as it finishes.
    let poll_armed = StoredValue::new(false);
    Effect::new(move |_| {
        let busy = items.with(|v| v.iter().any(|a| a.status.is_in_flight()));
        if busy && !poll_armed.get_value() {
            poll_armed.set_value(true);
            set_timeout(
                move || {
                    poll_armed.try_set_value(false);
                    list.refetch();
                },
                POLL,
            );
        }
    });

    // Decisions and undos hand back changed actions: patch rows, the flyout, then reload.
    let reported = RwSignal::new(None::<Action>);
    let changed = Callback::new(move |changed: Vec<Action>| {
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
    });
    let feedback = Feedback::new(Some(client.clone()), changed);
    provide_context(feedback);

    let view = Signal::derive(move || state.view.get());
    let counts = Signal::derive(move || {
        let here = total.get();
        let there = other_count.get();
        match state.view.get() {
            View::History => (there, here),
            _ => (here, there),
        }
    });
    let on_tab = Callback::new(move |v: View| {
        if state.view.get_untracked() != v {
            items.set(Vec::new());
            total.set(None);
            other_count.set(None);
            state.show(v);
        }
    });
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
            let fallback = fallback_focus.clone();
            // After the dialog is gone and the page is no longer inert.
            request_animation_frame(move || {
                if let Some(scope) = host.scope() {
                    focus_row(&scope, &id, &fallback);
                }
            });
        }
    });
    let selected = Signal::derive(move || {
        let ids = state.selection.ids();
        items.with(|rows| {
            rows.iter()
                .filter(|a| ids.contains(&a.id))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let flyout_open = move || state.open.with(Option::is_some);

    let list_error =
        Signal::derive(move || list.with(|r| r.as_ref().and_then(|r| r.as_ref().err().cloned())));
    let failed = move || list_error.with(Option::is_some);
    let loading = move || total.with(Option::is_none) && !failed();

    let flyout = {
        let client = client.clone();
        move || {
            state.open.get().map(|id| {
                let row_id = id.clone();
                let row = Signal::derive(move || {
                    items.with(|rows| rows.iter().find(|a| a.id == row_id).cloned())
                });
                view! { <OpenAction id row reported client=client.clone() on_close /> }
            })
        }
    };

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
                        tabindex="-1"
                        aria-labelledby=move || format!("{ids}-{}", state.view.get().as_str())
                    >
                        <div class="ac-toolbar">
                            <SearchBox
                                value=state.search
                                on_search=Callback::new(move |text| state.search_for(text))
                            />
                            <button
                                type="button"
                                class="ac-button ac-button--subtle"
                                on:click=move |_| list.refetch()
                            >
                                "Refresh"
                            </button>
                        </div>
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
                            />
                            <Pager
                                page=state.page
                                page_size=state.page_size
                                total=Signal::derive(move || total.get().unwrap_or(0))
                            />
                        </div>
                    </div>
                </main>
            </div>
            <LiveRegion />
            {flyout}
        </div>
    }
}
