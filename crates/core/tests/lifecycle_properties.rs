//! Property tests: any sequence of operations on any set of actions keeps the lifecycle's
//! invariants, checked against an audit log the model writes for every accepted transition.
//! Native only: proptest does not build for wasm32-unknown-unknown.
#![cfg(not(target_arch = "wasm32"))]

use action_center_core::{check_undoable, next_status, ActionType, Status, Transition};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct ModelAction {
    action_type: ActionType,
    status: Status,
    decisions: u32,
    /// Retries that sent it back for fresh approvals: each opens one more decision.
    approval_rounds: u32,
    audit: Vec<(Status, Transition, Status)>,
}

fn any_type() -> impl Strategy<Value = ActionType> {
    prop::sample::select(ActionType::ALL.to_vec())
}

fn any_transition() -> impl Strategy<Value = Transition> {
    prop::sample::select(Transition::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_sequence_keeps_the_invariants(
        types in prop::collection::vec(any_type(), 1..6),
        ops in prop::collection::vec((0usize..6, any_transition()), 0..80),
    ) {
        let mut actions: Vec<ModelAction> = types
            .into_iter()
            .map(|action_type| ModelAction { action_type, status: Status::Pending, decisions: 0, approval_rounds: 0, audit: vec![] })
            .collect();
        for (index, transition) in ops {
            let count = actions.len();
            let action = &mut actions[index % count];
            let before = action.status.clone();
            match next_status(&action.action_type, &before, transition) {
                Ok(after) => {
                    // Only completed (or undo-failed) actions of undoable types can be undone.
                    if transition == Transition::RequestUndo {
                        prop_assert!(action.action_type.is_undoable());
                        prop_assert!(matches!(before, Status::Completed | Status::UndoFailed));
                        prop_assert!(check_undoable(&*action).is_ok());
                    }
                    if matches!(transition, Transition::Approve | Transition::Reject | Transition::Expire) {
                        action.decisions += 1;
                    }
                    if transition == Transition::RetryForApproval {
                        prop_assert_eq!(&before, &Status::Failed);
                        action.approval_rounds += 1;
                    }
                    action.audit.push((before, transition, after.clone()));
                    action.status = after;
                }
                Err(_) => prop_assert_eq!(&action.status, &before, "a refused transition changes nothing"),
            }
        }
        for action in &actions {
            // No attempt is decided twice: one decision, plus one per round of re-approval.
            prop_assert!(action.decisions <= 1 + action.approval_rounds);
            // The audit trail explains the current status: a chain from pending to now.
            let mut status = Status::Pending;
            for (from, _, to) in &action.audit {
                prop_assert_eq!(from, &status);
                status = to.clone();
            }
            prop_assert_eq!(&status, &action.status);
            // Only a retry for fresh approvals returns to pending, and only from a failure.
            prop_assert!(action
                .audit
                .iter()
                .filter(|(_, _, to)| *to == Status::Pending)
                .all(|(from, t, _)| *t == Transition::RetryForApproval && *from == Status::Failed));
        }
    }
}

// Lets the property reuse the real single-action undo rule.
impl action_center_core::ActionFacts for ModelAction {
    fn id(&self) -> &str {
        "model"
    }
    fn action_type(&self) -> &ActionType {
        &self.action_type
    }
    fn status(&self) -> &Status {
        &self.status
    }
}
