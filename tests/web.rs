#![cfg(target_arch = "wasm32")]
//! Browser tests: components mounted into a fresh element with sample data (no network),
//! asserted on the DOM the way an analyst (or a screen reader) finds things.

use action_center::components::{
    ActionTable, BulkBar, Flyout, LiveRegion, OperationPanel, PanelKind,
};
use action_center::state::{Feedback, Selection};
use action_center_core::{Action, Permissions, RelatedInstances, Sort, SortKey, View};
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

mod dom;

use dom::{all, fresh_root, text};

wasm_bindgen_test_configure!(run_in_browser);

/// A sample action; `allowed` lists allowedOperations.
fn action(id: &str, action_type: &str, status: &str, allowed: &[&str]) -> Action {
    let json = serde_json::json!({
        "id": id, "version": 1, "actionType": action_type, "category": "device",
        "source": "automatedInvestigation", "status": status, "investigationId": "inv_1",
        "asset": { "kind": "device", "id": "dev_1", "name": format!("HOST-{id}") },
        "entity": { "kind": "file", "name": "invoice.pdf.exe", "sha256": "abc" },
        "requestedBy": "AIR",
        "createdAt": "2026-03-01T10:00:00Z", "updatedAt": "2026-03-01T11:00:00Z",
        "expiresAt": "2026-03-08T10:00:00Z",
        "allowedOperations": allowed,
    });
    serde_json::from_value(json).expect("sample action decodes")
}

/// The visible button whose text is exactly `name`, if any (`hidden` ones are not offered).
fn button(root: &Element, name: &str) -> Option<HtmlElement> {
    all(root, "button")
        .into_iter()
        .filter(|b| b.closest("[hidden]").ok().flatten().is_none())
        .find(|b| b.text_content().unwrap_or_default().trim() == name)
        .map(|b| b.unchecked_into())
}

fn checkbox(root: &Element, name: &str) -> HtmlInputElement {
    root.query_selector(&format!("input[aria-label='{name}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("checkbox {name}"))
        .unchecked_into()
}

/// What a user sees: `innerText` leaves out `hidden` parts.
fn shown(root: &HtmlElement) -> String {
    root.inner_text()
}

fn provide_feedback() {
    provide_context(Feedback::new(None, Callback::new(|_| ())));
}

#[wasm_bindgen_test]
async fn the_table_shows_rows_checkboxes_and_unknown_values() {
    let root = fresh_root();
    let items = vec![
        action("act_1", "quarantineFile", "pending", &["approve", "reject"]),
        action("act_2", "isolateDevice", "pending", &["approve", "reject"]),
        action("act_3", "teleportDevice", "somethingNew", &[]),
    ];
    let selection = Selection::new();
    let opened = RwSignal::new(None::<String>);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <ActionTable
                view=View::Pending
                items=items
                sort=Sort::default()
                on_sort=Callback::new(|_: SortKey| ())
                selection
                on_open=Callback::new(move |id| opened.set(Some(id)))
            />
        }
    });
    tick().await;
    assert_eq!(all(&root, "tbody tr[data-action-id]").len(), 3);
    for id in ["act_1", "act_2", "act_3"] {
        checkbox(&root, &format!("Select {id}"));
    }
    let page = shown(&root);
    assert!(page.contains("Quarantine file"), "{page}");
    assert!(page.contains("Unknown (teleportDevice)"), "{page}");
    assert!(page.contains("Unknown (somethingNew)"), "{page}");
    // Sortable headers are buttons inside th with aria-sort.
    assert!(all(&root, "th[aria-sort] button").len() >= 6);

    // A checkbox selects without opening the flyout.
    checkbox(&root, "Select act_2").click();
    tick().await;
    assert!(selection.contains("act_2"));
    assert_eq!(opened.get_untracked(), None);

    // "Select all" selects every row; clicking a row opens it.
    checkbox(&root, "Select all").click();
    tick().await;
    assert_eq!(selection.len(), 3);
    let row: HtmlElement = root
        .query_selector("tr[data-action-id='act_1']")
        .unwrap()
        .unwrap()
        .unchecked_into();
    row.click();
    tick().await;
    assert_eq!(opened.get_untracked().as_deref(), Some("act_1"));
}

#[wasm_bindgen_test]
async fn the_bulk_bar_blocks_mixed_types_and_explains_why() {
    let root = fresh_root();
    let selected = RwSignal::new(vec![
        action("act_1", "quarantineFile", "pending", &["approve", "reject"]),
        action("act_2", "isolateDevice", "pending", &["approve", "reject"]),
    ]);
    let responder = Permissions {
        decide: true,
        undo: true,
        cancel: true,
    };
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        provide_feedback();
        view! {
            <BulkBar
                view=View::Pending
                selected
                permissions=responder
                on_clear=Callback::new(|_| ())
            />
        }
    });
    tick().await;
    let approve = button(&root, "Approve").expect("Approve offered");
    assert!(approve.has_attribute("disabled"));
    assert!(button(&root, "Reject").unwrap().has_attribute("disabled"));
    assert!(shown(&root).contains("Select actions of the same action type"));
    assert!(shown(&root).contains("2 selected"));

    // One type: enabled, no reason shown.
    selected.set(vec![
        action("act_1", "quarantineFile", "pending", &["approve", "reject"]),
        action("act_3", "quarantineFile", "pending", &["approve", "reject"]),
    ]);
    tick().await;
    assert!(!button(&root, "Approve").unwrap().has_attribute("disabled"));
    assert!(!shown(&root).contains("Select actions of the same action type"));

    // Approve reveals the comment box and one confirming button.
    button(&root, "Approve").unwrap().click();
    tick().await;
    let textarea = root
        .query_selector("textarea")
        .unwrap()
        .expect("a comment box");
    assert!(
        textarea.closest("[hidden]").unwrap().is_none(),
        "the comment box shows"
    );
    assert!(button(&root, "Confirm approve").is_some());
    assert!(button(&root, "Approve").is_none());
}

#[wasm_bindgen_test]
async fn the_bulk_bar_undo_names_the_blocking_rule_and_a_viewer_gets_nothing() {
    let root = fresh_root();
    let selected = RwSignal::new(vec![
        action("act_1", "quarantineFile", "completed", &["undo"]),
        action("act_2", "quarantineFile", "failed", &[]),
    ]);
    let permissions = RwSignal::new(Permissions {
        decide: true,
        undo: true,
        cancel: true,
    });
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        provide_feedback();
        view! {
            <BulkBar view=View::History selected permissions on_clear=Callback::new(|_| ()) />
        }
    });
    tick().await;
    assert!(button(&root, "Undo").unwrap().has_attribute("disabled"));
    assert!(
        shown(&root).contains("Only completed actions can be undone (act_2 is failed)"),
        "{}",
        shown(&root)
    );
    selected.set(vec![
        action("act_1", "quarantineFile", "completed", &["undo"]),
        action("act_2", "stopService", "completed", &["undo"]),
    ]);
    tick().await;
    assert!(shown(&root).contains("Select actions of the same action type"));
    selected.set(vec![
        action("act_1", "quarantineFile", "completed", &["undo"]),
        action("act_2", "quarantineFile", "undoFailed", &["undo"]),
    ]);
    tick().await;
    assert!(!button(&root, "Undo").unwrap().has_attribute("disabled"));

    permissions.set(Permissions::default());
    tick().await;
    assert!(button(&root, "Undo").is_none());
    assert!(button(&root, "Approve").is_none());
}

#[wasm_bindgen_test]
async fn decision_buttons_follow_allowed_operations() {
    let root = fresh_root();
    let actions = RwSignal::new(vec![action(
        "act_1",
        "quarantineFile",
        "pending",
        &["approve", "reject"],
    )]);
    let allows = move |op: &str| {
        actions.with(|a| {
            a.iter()
                .all(|a| a.allowed_operations.iter().any(|o| o.as_str() == op))
        })
    };
    let offer = Signal::derive(move || (allows("approve"), allows("reject")));
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        provide_feedback();
        view! {
            <OperationPanel kind=PanelKind::Decide actions offer blocker={ None::<String> } />
        }
    });
    tick().await;
    assert!(button(&root, "Approve").is_some());
    assert!(button(&root, "Reject").is_some());
    // A viewer's copy of the same action lists no operations.
    actions.set(vec![action("act_1", "quarantineFile", "pending", &[])]);
    tick().await;
    assert!(button(&root, "Approve").is_none());
    assert!(button(&root, "Reject").is_none());
}

#[wasm_bindgen_test]
async fn a_quarantine_with_other_instances_offers_them() {
    let root = fresh_root();
    let one = vec![action("act_1", "quarantineFile", "completed", &["undo"])];
    let related = RelatedInstances {
        sha256: Some("abc".into()),
        count: 3,
        items: vec![
            action("act_7", "quarantineFile", "completed", &["undo"]),
            action("act_8", "quarantineFile", "completed", &["undo"]),
            action("act_9", "quarantineFile", "completed", &["undo"]),
        ],
    };
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        provide_feedback();
        view! {
            <OperationPanel
                kind=PanelKind::Undo
                actions=one
                offer=(true, false)
                blocker={ None::<String> }
                related={ Some(Ok::<_, action_center::api::ApiError>(related)) }
            />
        }
    });
    tick().await;
    let label = all(&root, "label")
        .into_iter()
        .find(|l| text(l) == "Apply to 3 more instances of this file")
        .expect("the instances checkbox is labelled");
    let input_id = label.get_attribute("for").unwrap();
    assert!(root
        .query_selector(&format!("#{input_id}"))
        .unwrap()
        .is_some());
    let page = shown(&root);
    for device in ["HOST-act_7", "HOST-act_8", "HOST-act_9"] {
        assert!(page.contains(device), "{page}");
    }
    assert!(button(&root, "Undo").is_some());
}

#[wasm_bindgen_test]
async fn the_flyout_is_a_modal_dialog_that_takes_focus_and_closes_on_escape() {
    let root = fresh_root();
    let closed = RwSignal::new(0);
    let _handle = leptos::mount::mount_to(root.clone(), move || {
        provide_feedback();
        view! {
            <Flyout title="Quarantine file on FIN-LAPTOP-07" on_close=Callback::new(move |_| closed.update(|n| *n += 1))>
                <button type="button">"Approve"</button>
                <button type="button">"Reject"</button>
            </Flyout>
            <LiveRegion />
        }
    });
    tick().await;
    tick().await;
    let dialog = root
        .query_selector("[role='dialog']")
        .unwrap()
        .expect("a dialog");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let title_id = dialog.get_attribute("aria-labelledby").unwrap();
    let title = root
        .query_selector(&format!("#{title_id}"))
        .unwrap()
        .unwrap();
    assert_eq!(text(&title).trim(), "Quarantine file on FIN-LAPTOP-07");
    let document = web_sys::window().unwrap().document().unwrap();
    let active = document.active_element().unwrap();
    assert!(
        dialog.contains(Some(&active)),
        "focus moved into the dialog"
    );
    assert!(root.query_selector("[role='status']").unwrap().is_some());

    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let escape =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    dialog.dispatch_event(&escape).unwrap();
    tick().await;
    assert_eq!(closed.get_untracked(), 1);
}

#[wasm_bindgen_test]
fn each_row_hears_only_of_its_own_selection() {
    let owner = Owner::new();
    owner.with(|| {
        let selection = Selection::new();
        let a = selection.is_selected("act_a");
        let b = selection.is_selected("act_b");
        let (a_changes, b_changes) = (RwSignal::new(0), RwSignal::new(0));
        // Count how often each row's flag changes value.
        let count = |flag: ArcReadSignal<bool>, changes: RwSignal<i32>| {
            let before = StoredValue::new(flag.get_untracked());
            move || {
                let now = flag.get_untracked();
                if now != before.get_value() {
                    before.set_value(now);
                    changes.update(|n| *n += 1);
                }
            }
        };
        let (check_a, check_b) = (count(a.clone(), a_changes), count(b.clone(), b_changes));
        let check = || {
            check_a();
            check_b();
        };
        selection.set("act_a", true);
        check();
        assert!(a.get_untracked() && !b.get_untracked());
        assert_eq!(
            (a_changes.get_untracked(), b_changes.get_untracked()),
            (1, 0)
        );
        // Selecting it again changes nothing.
        selection.set("act_a", true);
        check();
        assert_eq!(a_changes.get_untracked(), 1);
        selection.replace(["act_a".to_owned(), "act_b".to_owned(), "act_c".to_owned()]);
        check();
        assert_eq!(
            (a_changes.get_untracked(), b_changes.get_untracked()),
            (1, 1)
        );
        assert_eq!(selection.len(), 3);
        assert_eq!(selection.ids(), ["act_a", "act_b", "act_c"]);
        // A row asking late still gets the right answer.
        assert!(selection.is_selected("act_c").get_untracked());
        selection.prune(["act_b", "act_c"]);
        check();
        assert_eq!(selection.ids(), ["act_b", "act_c"]);
        assert!(b.get_untracked());
        selection.clear();
        check();
        assert!(!b.get_untracked() && selection.is_empty());
        assert_eq!(b_changes.get_untracked(), 2);
    });
}
