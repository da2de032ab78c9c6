use action_center_core::{
    check_decision_batch, check_retry_batch, check_undo_batch, Action, Operation, Permissions,
    Status, View,
};
use leptos::prelude::*;

use crate::components::operation_panel::{OperationPanel, PanelKind};

/// Why the selection cannot get `op`, beyond the batch rules: the server did not offer it on
/// every selected action.
fn not_allowed(actions: &[Action], op: Operation) -> Option<String> {
    actions.iter().find(|a| !a.allows(&op)).map(|a| {
        format!(
            "You cannot {} {} now",
            op.label().to_ascii_lowercase(),
            a.id
        )
    })
}

/// The bar above the table while rows are selected: how many, and Approve / Reject (Pending)
/// or Undo (History) for all of them — disabled, with the reason, when the rules forbid it.
#[component]
pub fn BulkBar(
    /// Which tab.
    #[prop(into)]
    view: Signal<View>,
    /// The selected actions.
    #[prop(into)]
    selected: Signal<Vec<Action>>,
    /// What the signed-in account may do (a viewer is offered nothing).
    #[prop(into)]
    permissions: Signal<Permissions>,
    /// Called to clear the selection.
    on_clear: Callback<()>,
) -> impl IntoView {
    // "Can these be decided / undone together" is core's rule, read through a memo.
    let decision_blocker = Memo::new(move |_| {
        selected.with(|all| match check_decision_batch(all) {
            Err(blocker) => Some(blocker.to_string()),
            Ok(()) => not_allowed(all, Operation::Approve),
        })
    });
    let undo_blocker = Memo::new(move |_| {
        selected.with(|all| match check_undo_batch(all) {
            Err(blocker) => Some(blocker.to_string()),
            Ok(()) => not_allowed(all, Operation::Undo),
        })
    });
    let retry_blocker = Memo::new(move |_| {
        selected.with(|all| match check_retry_batch(all) {
            Err(blocker) => Some(blocker.to_string()),
            Ok(()) => not_allowed(all, Operation::Retry),
        })
    });
    // Retry is offered once a failure is among the selection (it is noise otherwise).
    let any_failed = Memo::new(move |_| {
        selected.with(|all| {
            all.iter()
                .any(|a| matches!(a.status, Status::Failed | Status::UndoFailed))
        })
    });
    let may_retry = Signal::derive(move || {
        let p = permissions.get();
        (any_failed.get() && (p.decide || p.undo), false)
    });
    let count = move || selected.with(Vec::len);
    let history = move || view.get() != View::Pending;
    let may_decide = Signal::derive(move || {
        let may = permissions.get().decide;
        (may, may)
    });
    let may_undo = Signal::derive(move || (permissions.get().undo, false));
    let read_only = move || {
        let p = permissions.get();
        if history() {
            !p.undo
        } else {
            !p.decide
        }
    };
    view! {
        <section class="ac-bulk" aria-label="Selected actions" hidden=move || count() == 0>
            <div class="ac-bulk__summary">
                <strong>{move || format!("{} selected", count())}</strong>
                <button
                    type="button"
                    class="ac-button ac-button--subtle"
                    on:click=move |_| on_clear.run(())
                >
                    "Clear selection"
                </button>
                <span class="ac-subtle" hidden=move || !read_only()>
                    "Your role can view these actions but not change them."
                </span>
            </div>
            <div class="ac-bulk__panel" hidden=history>
                <OperationPanel
                    kind=PanelKind::Decide
                    actions=selected
                    offer=may_decide
                    blocker=decision_blocker
                />
            </div>
            <div class="ac-bulk__panel" hidden=move || !history()>
                <OperationPanel
                    kind=PanelKind::Undo
                    actions=selected
                    offer=may_undo
                    blocker=undo_blocker
                />
                <OperationPanel
                    kind=PanelKind::Retry
                    actions=selected
                    offer=may_retry
                    blocker=retry_blocker
                />
            </div>
        </section>
    }
}
