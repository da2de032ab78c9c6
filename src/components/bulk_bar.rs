use action_center_core::{
    check_decision_batch, check_undo_batch, Action, Operation, Permissions, View,
};
use leptos::prelude::*;

use crate::components::decision_panel::DecisionPanel;
use crate::components::undo_panel::UndoPanel;

/// Why the selection cannot get `op`, beyond the batch rules: the server did not offer it on
/// every selected action.
fn not_allowed(actions: &[Action], op: Operation) -> Option<String> {
    actions
        .iter()
        .find(|a| !a.allows(&op))
        .map(|a| format!("You cannot {} {} now", op.label().to_lowercase(), a.id))
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
    let count = move || selected.with(Vec::len);
    let may_decide = Signal::derive(move || permissions.get().decide);
    let may_undo = Signal::derive(move || permissions.get().undo);
    let read_only = move || match view.get() {
        View::History => !permissions.get().undo,
        _ => !permissions.get().decide,
    };
    view! {
        <Show when=move || { count() > 0 }>
            <section class="ac-bulk" aria-label="Selected actions">
                <div class="ac-bulk__summary">
                    <strong>{move || format!("{} selected", count())}</strong>
                    <button
                        type="button"
                        class="ac-button ac-button--subtle"
                        on:click=move |_| on_clear.run(())
                    >
                        "Clear selection"
                    </button>
                    <Show when=read_only>
                        <span class="ac-subtle">"Your role can view these actions but not change them."</span>
                    </Show>
                </div>
                {move || match view.get() {
                    View::History => view! {
                        <UndoPanel actions=selected offer=may_undo blocker=undo_blocker />
                    }
                    .into_any(),
                    _ => view! {
                        <DecisionPanel
                            actions=selected
                            offer_approve=may_decide
                            offer_reject=may_decide
                            blocker=decision_blocker
                        />
                    }
                    .into_any(),
                }}
            </section>
        </Show>
    }
}
