#![cfg(target_arch = "wasm32")]
//! Browser tests of the analyst's tools (issue 6): filter menus with counts, the column
//! chooser, empty states, and the view kept in the address bar with Back / Forward.

use action_center::components::{
    ActionTable, ColumnChooser, EmptyState, FilterMenu, Pager, TabBar,
};
use action_center::state::{sync_with_address_bar, ColumnPrefs, PageState, Selection};
use action_center_core::{Action, Facet, Facets, Sort, SortKey, Total, View, ViewState};
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

mod dom;

use dom::{all, fresh_root, text};

wasm_bindgen_test_configure!(run_in_browser);

fn button(root: &Element, name: &str) -> HtmlElement {
    all(root, "button")
        .into_iter()
        .find(|b| text(b).trim().starts_with(name))
        .unwrap_or_else(|| panic!("button {name}"))
        .unchecked_into()
}

fn sample(id: &str) -> Action {
    serde_json::from_value(serde_json::json!({
        "id": id, "version": 1, "actionType": "quarantineFile", "category": "device",
        "source": "antivirus", "status": "pending", "investigationId": "inv_9",
        "asset": { "kind": "device", "id": "d", "name": "HOST-1" },
        "entity": { "kind": "file", "name": "a.exe" },
        "createdAt": "2026-03-01T10:00:00Z", "updatedAt": "2026-03-01T11:00:00Z"
    }))
    .unwrap()
}

async fn settle() {
    for _ in 0..3 {
        tick().await;
    }
}

#[wasm_bindgen_test]
async fn a_filter_menu_shows_counts_and_picks_values() {
    let root = fresh_root();
    let state = RwSignal::new(ViewState::default());
    let mut facets = Facets::default();
    facets.action_type.insert("quarantineFile".into(), 12);
    let options = Signal::derive(move || {
        state.with(|s| Facet::ActionType.options(&View::Pending, &s.query, Some(&facets)))
    });
    let on_toggle = Callback::new(move |(facet, value): (Facet, String)| {
        state.update(|s| s.toggle_filter(facet, &value))
    });
    let on_clear = Callback::new(move |facet| state.update(|s| s.clear_filter(facet)));
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <FilterMenu facet=Facet::ActionType options on_toggle on_clear /> }
    });
    settle().await;
    let toggle = button(&root, "Action type");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    toggle.click();
    settle().await;
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let labels: Vec<String> = all(&root, "label").iter().map(text).collect();
    assert!(
        labels.iter().any(|l| l == "Quarantine file 12"),
        "{labels:?}"
    );
    assert!(labels.iter().any(|l| l == "Stop service 0"), "{labels:?}");

    let quarantine: HtmlInputElement = all(&root, "label")
        .into_iter()
        .find(|l| text(l).starts_with("Quarantine file"))
        .and_then(|l| l.query_selector("input").unwrap())
        .unwrap()
        .unchecked_into();
    quarantine.click();
    settle().await;
    assert_eq!(
        state.get_untracked().to_url_query(),
        "actionType=quarantineFile"
    );
    assert!(text(&toggle).contains("(1)"));
    // The same checkbox element is still there (options are keyed), and checked.
    assert!(quarantine.is_connected() && quarantine.checked());
    button(&root, "Clear action type").click();
    settle().await;
    assert_eq!(state.get_untracked().to_url_query(), "");
}

#[wasm_bindgen_test]
async fn the_column_chooser_hides_and_moves_columns_of_the_table() {
    let root = fresh_root();
    let prefs = ColumnPrefs::default();
    let items = vec![sample("act_1")];
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        let columns = Signal::derive(move || prefs.layout(&View::Pending).get().shown);
        view! {
            <ColumnChooser view=View::Pending prefs />
            <ActionTable
                view=View::Pending
                items=items
                sort=Sort::default()
                on_sort=Callback::new(|_: SortKey| ())
                selection=Selection::new()
                on_open=Callback::new(|_: String| ())
                columns
            />
        }
    });
    settle().await;
    let headers = || -> Vec<String> {
        all(&root, "th[aria-sort]")
            .iter()
            .map(|h| text(h).replace(['▲', '▼'], "").trim().to_owned())
            .collect()
    };
    assert_eq!(
        headers(),
        [
            "Action type",
            "Asset",
            "Entity",
            "Source",
            "Decision",
            "Created",
            "Investigation"
        ]
    );
    button(&root, "Columns").click();
    settle().await;
    let check = |name: &str| -> HtmlInputElement {
        all(&root, ".ac-columns label")
            .into_iter()
            .find(|l| text(l).trim() == name)
            .and_then(|l| l.query_selector("input").unwrap())
            .unwrap_or_else(|| panic!("column {name}"))
            .unchecked_into()
    };
    check("Source").click();
    check("Action id").click();
    settle().await;
    let moved: HtmlElement = root
        .query_selector("[aria-label='Move Action id up']")
        .unwrap()
        .unwrap()
        .unchecked_into();
    moved.click();
    settle().await;
    assert_eq!(
        headers(),
        [
            "Action type",
            "Asset",
            "Entity",
            "Decision",
            "Created",
            "Action id",
            "Investigation"
        ]
    );
    // The row follows the header: the id cell sits under "Action id".
    let cells: Vec<String> = all(&root, "tr[data-action-id] td")
        .iter()
        .map(text)
        .collect();
    assert_eq!(cells[6], "act_1");
}

#[wasm_bindgen_test]
async fn empty_states_say_what_to_do() {
    let root = fresh_root();
    let filtered = RwSignal::new(true);
    let cleared = RwSignal::new(false);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <EmptyState
                view=View::History
                filtered
                on_clear=Callback::new(move |_| cleared.set(true))
            />
        }
    });
    settle().await;
    assert!(text(&root).contains("No actions match these filters"));
    button(&root, "Clear filters").click();
    assert!(cleared.get_untracked());
    filtered.set(false);
    settle().await;
    assert!(text(&root).contains("No actions in the history yet"));
    assert!(all(&root, "button")
        .iter()
        .all(|b| b.has_attribute("hidden")));
}

#[wasm_bindgen_test]
async fn totals_past_the_counting_bound_read_10000_plus_and_still_page() {
    let root = fresh_root();
    let page = RwSignal::new(200u32);
    let page_size = RwSignal::new(50u32);
    let bound = Total {
        count: 10_000,
        lower_bound: true,
    };
    let total = RwSignal::new(bound);
    let rows = RwSignal::new(50usize);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <TabBar
                view=View::History
                on_select=Callback::new(|_| {})
                counts=Signal::derive(move || [Some(Total::exact(1_234)), Some(total.get()), Some(Total::exact(7))])
                id_prefix="t"
            />
            <Pager page page_size total rows />
        }
    });
    settle().await;
    let tabs: Vec<String> = all(&root, "[role=tab]").iter().map(text).collect();
    assert_eq!(tabs, ["Pending 1,234", "History 10,000+", "Contained 7"]);
    let pager = text(&all(&root, "nav")[0]);
    assert!(pager.contains("9,951–10,000 of 10,000+"), "{pager}");
    assert!(pager.contains("Page 200 of 200+"), "{pager}");
    let next = button(&root, "Next page");
    assert!(
        !next.has_attribute("disabled"),
        "paging past the bound works"
    );
    next.click();
    settle().await;
    assert_eq!(page.get_untracked(), 201);
    // The page past the bound comes back short: it is the last.
    rows.set(7);
    settle().await;
    let pager = text(&all(&root, "nav")[0]);
    assert!(pager.contains("10,001–10,007 of 10,000+"), "{pager}");
    assert!(pager.contains("Page 201 of 201+"), "{pager}");
    assert!(button(&root, "Next page").has_attribute("disabled"));
    // An exact total pages as before.
    total.set(Total::exact(120));
    page.set(3);
    rows.set(20);
    settle().await;
    let pager = text(&all(&root, "nav")[0]);
    assert!(
        pager.contains("101–120 of 120") && pager.contains("Page 3 of 3"),
        "{pager}"
    );
}

fn location_query() -> String {
    web_sys::window()
        .unwrap()
        .location()
        .search()
        .unwrap_or_default()
}

async fn wait_for(mut check: impl FnMut() -> bool) {
    for _ in 0..50 {
        if check() {
            return;
        }
        action_center::browser::sleep(20).await;
    }
    panic!("condition not met in time");
}

#[wasm_bindgen_test]
async fn the_view_lives_in_the_address_bar_with_back_and_forward() {
    let window = web_sys::window().unwrap();
    let history = window.history().unwrap();
    let path = window.location().pathname().unwrap();
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!(
                "{path}?host=1&tab=history&status=failed&open=act_7"
            )),
        )
        .unwrap();
    let root = fresh_root();
    let state = StoredValue::new(None::<PageState>);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        let page = PageState::new();
        state.set_value(Some(page));
        sync_with_address_bar(page, None);
    });
    settle().await;
    let page = state.get_value().unwrap();
    // A link opens the same view.
    assert_eq!(page.view.get_untracked(), View::History);
    assert_eq!(page.open.get_untracked().as_deref(), Some("act_7"));
    assert_eq!(
        page.view_state().to_url_query(),
        "tab=history&status=failed&open=act_7"
    );

    // Closing the flyout adds a history entry; the host's own parameter stays.
    page.open.set(None);
    wait_for(|| location_query() == "?host=1&tab=history&status=failed").await;
    page.show(View::Pending);
    wait_for(|| location_query() == "?host=1").await;

    // Back and Forward walk the same steps.
    history.back().unwrap();
    wait_for(|| page.view.get_untracked() == View::History).await;
    assert!(page.open.get_untracked().is_none());
    history.back().unwrap();
    wait_for(|| page.open.get_untracked().as_deref() == Some("act_7")).await;
    history.forward().unwrap();
    wait_for(|| page.open.get_untracked().is_none()).await;
    assert_eq!(location_query(), "?host=1&tab=history&status=failed");
}
