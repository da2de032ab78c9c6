//! The status lifecycle — the one place that says which moves are legal — and the rules for
//! deciding or undoing several actions together.
//!
//! ```text
//! pending ──approve──▶ queued ──▶ running ──▶ completed ──undo──▶ undoing ──▶ undone
//!    │                   │           │           │                  └──▶ undoFailed ──undo──▶ undoing
//!    ├──reject──▶ rejected            └──▶ failed │
//!    └──(expiresAt)──▶ expired  queued|running ──cancel──▶ cancelled
//!
//! failed ──retry──▶ queued, or ──retry──▶ pending where the policy asks to approve again
//! undoFailed ──retry──▶ undoing
//! ```
//! A pending action whose decision is not required (`requiresApproval: false`) is born `queued`.
//! The only way back to `pending` is a retry that needs fresh approvals; each attempt is decided
//! once.

use std::fmt;

use crate::model::{Action, ActionType, Operation, Status};

/// Largest number of actions one decision or undo request may carry.
pub const MAX_BULK: usize = 200;

/// A move along the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// An analyst approves a pending action.
    Approve,
    /// An analyst rejects a pending action.
    Reject,
    /// A pending action passes its `expiresAt`.
    Expire,
    /// The executor picks up a queued action.
    Start,
    /// The executor reports success.
    Complete,
    /// The executor reports failure.
    Fail,
    /// An analyst cancels a queued or running action.
    Cancel,
    /// An analyst asks to undo a completed action (or retries a failed undo).
    RequestUndo,
    /// The executor reports the undo succeeded.
    UndoSucceeded,
    /// The executor reports the undo failed.
    UndoFailed,
    /// An analyst retries a failed action (queued again) or a failed undo (undoing again).
    Retry,
    /// An analyst retries a failed action whose policy asks for fresh approvals (pending again).
    RetryForApproval,
}

impl Transition {
    /// Every transition, for exhaustive tests.
    pub const ALL: [Transition; 12] = [
        Transition::Approve,
        Transition::Reject,
        Transition::Expire,
        Transition::Start,
        Transition::Complete,
        Transition::Fail,
        Transition::Cancel,
        Transition::RequestUndo,
        Transition::UndoSucceeded,
        Transition::UndoFailed,
        Transition::Retry,
        Transition::RetryForApproval,
    ];

    /// The audit-trail event name, e.g. `approved`.
    pub fn event_name(self) -> &'static str {
        match self {
            Transition::Approve => "approved",
            Transition::Reject => "rejected",
            Transition::Expire => "expired",
            Transition::Start => "started",
            Transition::Complete => "completed",
            Transition::Fail => "failed",
            Transition::Cancel => "cancelled",
            Transition::RequestUndo => "undoRequested",
            Transition::UndoSucceeded => "undone",
            Transition::UndoFailed => "undoFailed",
            // One event for both retries, so clients that know `retried` keep working; its
            // `toStatus` tells a new approval round from a new attempt.
            Transition::Retry | Transition::RetryForApproval => "retried",
        }
    }
}

/// Why a transition is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// The action is not in a status the transition starts from.
    InvalidState {
        /// The status it is in.
        from: Status,
        /// The transition asked for.
        transition: Transition,
    },
    /// Undo asked for an action type that cannot be undone.
    NotUndoable(ActionType),
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::InvalidState { from, transition } => write!(
                f,
                "cannot {} an action that is {}",
                transition.event_name(),
                from.label().to_ascii_lowercase()
            ),
            TransitionError::NotUndoable(t) => write!(f, "{} actions cannot be undone", t.label()),
        }
    }
}

/// The status an action of `action_type` in `from` moves to under `transition`.
pub fn next_status(
    action_type: &ActionType,
    from: &Status,
    transition: Transition,
) -> Result<Status, TransitionError> {
    use Status as S;
    use Transition as T;
    if transition == T::RequestUndo && !action_type.is_undoable() {
        return Err(TransitionError::NotUndoable(action_type.clone()));
    }
    let to = match (from, transition) {
        (S::Pending, T::Approve) => S::Queued,
        (S::Pending, T::Reject) => S::Rejected,
        (S::Pending, T::Expire) => S::Expired,
        (S::Queued, T::Start) => S::Running,
        (S::Running, T::Complete) => S::Completed,
        (S::Running, T::Fail) => S::Failed,
        (S::Queued | S::Running, T::Cancel) => S::Cancelled,
        (S::Completed | S::UndoFailed, T::RequestUndo) => S::Undoing,
        (S::Undoing, T::UndoSucceeded) => S::Undone,
        (S::Undoing, T::UndoFailed) => S::UndoFailed,
        (S::Failed, T::Retry) => S::Queued,
        (S::UndoFailed, T::Retry) => S::Undoing,
        (S::Failed, T::RetryForApproval) => S::Pending,
        _ => {
            return Err(TransitionError::InvalidState {
                from: from.clone(),
                transition,
            })
        }
    };
    Ok(to)
}

impl Status {
    /// Whether the action shows on the Pending tab (everything else is History).
    pub fn is_pending(&self) -> bool {
        *self == Status::Pending
    }

    /// Whether the executor still has work to do on it.
    pub fn is_in_flight(&self) -> bool {
        matches!(self, Status::Queued | Status::Running | Status::Undoing)
    }

    /// Whether nothing will ever move it again without an analyst.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Status::Failed
                | Status::Rejected
                | Status::Expired
                | Status::Cancelled
                | Status::Undone
        )
    }
}

/// What a caller's roles let it do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Permissions {
    /// Approve or reject pending actions.
    #[serde(default)]
    pub decide: bool,
    /// Undo completed actions.
    #[serde(default)]
    pub undo: bool,
    /// Cancel queued or running actions.
    #[serde(default)]
    pub cancel: bool,
}

/// The operations a caller with `permissions` may perform on an action now.
pub fn allowed_operations(
    action_type: &ActionType,
    status: &Status,
    permissions: Permissions,
) -> Vec<Operation> {
    let mut ops = Vec::new();
    let can = |t| next_status(action_type, status, t).is_ok();
    if permissions.decide && can(Transition::Approve) {
        ops.push(Operation::Approve);
        ops.push(Operation::Reject);
    }
    if permissions.undo && can(Transition::RequestUndo) {
        ops.push(Operation::Undo);
    }
    if permissions.cancel && can(Transition::Cancel) {
        ops.push(Operation::Cancel);
    }
    let retry_allowed = match status {
        Status::Failed => permissions.decide,
        Status::UndoFailed => permissions.undo,
        _ => false,
    };
    // Retry stands for both retries: the one needing fresh approvals starts only from `failed`,
    // where Retry starts too; the policy picks between them when the retry is made.
    if retry_allowed && can(Transition::Retry) {
        ops.push(Operation::Retry);
    }
    ops
}

/// Why a set of actions cannot be retried together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryBlocker {
    /// Nothing is selected.
    Empty,
    /// More than [`MAX_BULK`] actions.
    TooMany(usize),
    /// The actions are not all of one action type.
    MixedTypes,
    /// An action has not failed (nor has its undo).
    NotFailed {
        /// Its id.
        id: String,
        /// Its status.
        status: Status,
    },
}

impl fmt::Display for RetryBlocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryBlocker::Empty => f.write_str("Select one or more failed actions"),
            RetryBlocker::TooMany(n) => {
                write!(
                    f,
                    "Select at most {MAX_BULK} actions at once ({n} selected)"
                )
            }
            RetryBlocker::MixedTypes => f.write_str("Select actions of the same action type"),
            RetryBlocker::NotFailed { id, status } => write!(
                f,
                "Only failed actions and failed undos can be retried ({id} is {})",
                status.label().to_ascii_lowercase()
            ),
        }
    }
}

/// Whether one action may be retried now: it failed, or its undo did.
pub fn check_retryable<A: ActionFacts>(action: &A) -> Result<(), RetryBlocker> {
    match action.status() {
        Status::Failed | Status::UndoFailed => Ok(()),
        other => Err(RetryBlocker::NotFailed {
            id: action.id().to_owned(),
            status: other.clone(),
        }),
    }
}

/// May these actions be retried together? `Ok` or the first rule that blocks it.
pub fn check_retry_batch<A: ActionFacts>(actions: &[A]) -> Result<(), RetryBlocker> {
    common_batch_rule(actions).map_err(|b| match b {
        SharedBlocker::Empty => RetryBlocker::Empty,
        SharedBlocker::TooMany(n) => RetryBlocker::TooMany(n),
        SharedBlocker::MixedTypes => RetryBlocker::MixedTypes,
    })?;
    actions.iter().try_for_each(check_retryable)
}

/// Why a set of actions cannot be approved or rejected together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionBlocker {
    /// Nothing is selected.
    Empty,
    /// More than [`MAX_BULK`] actions.
    TooMany(usize),
    /// The actions are not all of one action type.
    MixedTypes,
    /// An action is no longer pending.
    NotPending {
        /// Its id.
        id: String,
        /// Its status.
        status: Status,
    },
}

impl fmt::Display for DecisionBlocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecisionBlocker::Empty => f.write_str("Select one or more pending actions"),
            DecisionBlocker::TooMany(n) => {
                write!(
                    f,
                    "Select at most {MAX_BULK} actions at once ({n} selected)"
                )
            }
            DecisionBlocker::MixedTypes => f.write_str("Select actions of the same action type"),
            DecisionBlocker::NotPending { id, status } => write!(
                f,
                "{id} is no longer pending ({})",
                status.label().to_ascii_lowercase()
            ),
        }
    }
}

/// Why a set of actions cannot be undone together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoBlocker {
    /// Nothing is selected.
    Empty,
    /// More than [`MAX_BULK`] actions.
    TooMany(usize),
    /// The actions are not all of one action type.
    MixedTypes,
    /// An action's type cannot be undone at all.
    NotUndoableType {
        /// Its id.
        id: String,
        /// Its type.
        action_type: ActionType,
    },
    /// An action has been undone already.
    AlreadyUndone {
        /// Its id.
        id: String,
    },
    /// An undo of the action is under way.
    UndoInProgress {
        /// Its id.
        id: String,
    },
    /// An action has not completed (still pending, running, failed, …).
    NotCompleted {
        /// Its id.
        id: String,
        /// Its status.
        status: Status,
    },
}

impl fmt::Display for UndoBlocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UndoBlocker::Empty => f.write_str("Select one or more completed actions"),
            UndoBlocker::TooMany(n) => {
                write!(
                    f,
                    "Select at most {MAX_BULK} actions at once ({n} selected)"
                )
            }
            UndoBlocker::MixedTypes => f.write_str("Select actions of the same action type"),
            UndoBlocker::NotUndoableType { id, action_type } => {
                write!(f, "{} actions cannot be undone ({id})", action_type.label())
            }
            UndoBlocker::AlreadyUndone { id } => write!(f, "{id} has already been undone"),
            UndoBlocker::UndoInProgress { id } => write!(f, "{id} is being undone already"),
            UndoBlocker::NotCompleted { id, status } => write!(
                f,
                "Only completed actions can be undone ({id} is {})",
                status.label().to_ascii_lowercase()
            ),
        }
    }
}

/// The minimal view of an action that the bulk rules need.
pub trait ActionFacts {
    /// The action's id.
    fn id(&self) -> &str;
    /// The action's type.
    fn action_type(&self) -> &ActionType;
    /// The action's status.
    fn status(&self) -> &Status;
}

impl ActionFacts for Action {
    fn id(&self) -> &str {
        &self.id
    }
    fn action_type(&self) -> &ActionType {
        &self.action_type
    }
    fn status(&self) -> &Status {
        &self.status
    }
}

impl<T: ActionFacts + ?Sized> ActionFacts for &T {
    fn id(&self) -> &str {
        (**self).id()
    }
    fn action_type(&self) -> &ActionType {
        (**self).action_type()
    }
    fn status(&self) -> &Status {
        (**self).status()
    }
}

/// Checks count and "one action type only", shared by both bulk rules.
fn common_batch_rule<A: ActionFacts>(actions: &[A]) -> Result<(), SharedBlocker> {
    if actions.is_empty() {
        return Err(SharedBlocker::Empty);
    }
    if actions.len() > MAX_BULK {
        return Err(SharedBlocker::TooMany(actions.len()));
    }
    let first = actions[0].action_type();
    if actions.iter().any(|a| a.action_type() != first) {
        return Err(SharedBlocker::MixedTypes);
    }
    Ok(())
}

enum SharedBlocker {
    Empty,
    TooMany(usize),
    MixedTypes,
}

/// May these actions be approved or rejected together? `Ok` or the first rule that blocks it.
pub fn check_decision_batch<A: ActionFacts>(actions: &[A]) -> Result<(), DecisionBlocker> {
    common_batch_rule(actions).map_err(|b| match b {
        SharedBlocker::Empty => DecisionBlocker::Empty,
        SharedBlocker::TooMany(n) => DecisionBlocker::TooMany(n),
        SharedBlocker::MixedTypes => DecisionBlocker::MixedTypes,
    })?;
    match actions.iter().find(|a| !a.status().is_pending()) {
        Some(a) => Err(DecisionBlocker::NotPending {
            id: a.id().to_owned(),
            status: a.status().clone(),
        }),
        None => Ok(()),
    }
}

/// Whether one action may be undone now, or the rule that blocks it.
pub fn check_undoable<A: ActionFacts>(action: &A) -> Result<(), UndoBlocker> {
    let id = action.id().to_owned();
    if !action.action_type().is_undoable() {
        return Err(UndoBlocker::NotUndoableType {
            id,
            action_type: action.action_type().clone(),
        });
    }
    match action.status() {
        Status::Completed | Status::UndoFailed => Ok(()),
        Status::Undone => Err(UndoBlocker::AlreadyUndone { id }),
        Status::Undoing => Err(UndoBlocker::UndoInProgress { id }),
        other => Err(UndoBlocker::NotCompleted {
            id,
            status: other.clone(),
        }),
    }
}

/// May these actions be undone together? `Ok` or the first rule that blocks it.
pub fn check_undo_batch<A: ActionFacts>(actions: &[A]) -> Result<(), UndoBlocker> {
    common_batch_rule(actions).map_err(|b| match b {
        SharedBlocker::Empty => UndoBlocker::Empty,
        SharedBlocker::TooMany(n) => UndoBlocker::TooMany(n),
        SharedBlocker::MixedTypes => UndoBlocker::MixedTypes,
    })?;
    actions.iter().try_for_each(check_undoable)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fact(&'static str, ActionType, Status);
    impl ActionFacts for Fact {
        fn id(&self) -> &str {
            self.0
        }
        fn action_type(&self) -> &ActionType {
            &self.1
        }
        fn status(&self) -> &Status {
            &self.2
        }
    }

    use ActionType as T;
    use Status as S;

    #[test]
    fn the_happy_path_and_undo_retry() {
        let t = T::QuarantineFile;
        let mut s = S::Pending;
        for step in [
            Transition::Approve,
            Transition::Start,
            Transition::Complete,
            Transition::RequestUndo,
            Transition::UndoFailed,
            Transition::RequestUndo,
            Transition::UndoSucceeded,
        ] {
            s = next_status(&t, &s, step).unwrap();
        }
        assert_eq!(s, S::Undone);
        assert!(next_status(&t, &s, Transition::RequestUndo).is_err());
    }

    #[test]
    fn a_decision_is_taken_once() {
        let decided = next_status(&T::StopService, &S::Pending, Transition::Approve).unwrap();
        assert!(next_status(&T::StopService, &decided, Transition::Reject).is_err());
        assert!(next_status(&T::StopService, &decided, Transition::Approve).is_err());
    }

    #[test]
    fn undo_of_a_type_that_cannot_be_undone_is_refused() {
        assert_eq!(
            next_status(&T::KillProcess, &S::Completed, Transition::RequestUndo),
            Err(TransitionError::NotUndoable(T::KillProcess))
        );
    }

    #[test]
    fn cancel_only_while_queued_or_running() {
        for s in S::ALL {
            let ok = next_status(&T::IsolateDevice, s, Transition::Cancel).is_ok();
            assert_eq!(ok, matches!(s, S::Queued | S::Running), "{s}");
        }
    }

    #[test]
    fn unknown_statuses_allow_nothing() {
        let s = S::Unknown("weird".into());
        for t in Transition::ALL {
            assert!(next_status(&T::IsolateDevice, &s, t).is_err());
        }
    }

    #[test]
    fn allowed_operations_follow_permissions() {
        let all = Permissions {
            decide: true,
            undo: true,
            cancel: true,
        };
        assert_eq!(
            allowed_operations(&T::IsolateDevice, &S::Pending, all),
            vec![Operation::Approve, Operation::Reject]
        );
        assert_eq!(
            allowed_operations(&T::IsolateDevice, &S::Completed, all),
            vec![Operation::Undo]
        );
        assert!(allowed_operations(&T::BlockUrl, &S::Completed, all).is_empty());
        assert!(
            allowed_operations(&T::IsolateDevice, &S::Pending, Permissions::default()).is_empty()
        );
        assert_eq!(
            allowed_operations(&T::IsolateDevice, &S::Running, all),
            vec![Operation::Cancel]
        );
    }

    #[test]
    fn decision_batch_rules() {
        assert_eq!(
            check_decision_batch::<Fact>(&[]),
            Err(DecisionBlocker::Empty)
        );
        let same = [
            Fact("a", T::StopService, S::Pending),
            Fact("b", T::StopService, S::Pending),
        ];
        assert_eq!(check_decision_batch(&same), Ok(()));
        let mixed = [
            Fact("a", T::StopService, S::Pending),
            Fact("b", T::IsolateDevice, S::Pending),
        ];
        assert_eq!(
            check_decision_batch(&mixed),
            Err(DecisionBlocker::MixedTypes)
        );
        let decided = [
            Fact("a", T::StopService, S::Pending),
            Fact("b", T::StopService, S::Queued),
        ];
        assert!(matches!(
            check_decision_batch(&decided),
            Err(DecisionBlocker::NotPending { ref id, .. }) if id == "b"
        ));
        let many: Vec<_> = (0..201)
            .map(|_| Fact("x", T::StopService, S::Pending))
            .collect();
        assert_eq!(
            check_decision_batch(&many),
            Err(DecisionBlocker::TooMany(201))
        );
    }

    #[test]
    fn a_failure_or_a_failed_undo_can_be_retried() {
        assert_eq!(
            next_status(&T::StopService, &S::Failed, Transition::Retry),
            Ok(S::Queued)
        );
        assert_eq!(
            next_status(&T::StopService, &S::UndoFailed, Transition::Retry),
            Ok(S::Undoing)
        );
        for s in S::ALL {
            let ok = next_status(&T::StopService, s, Transition::Retry).is_ok();
            assert_eq!(ok, matches!(s, S::Failed | S::UndoFailed), "{s}");
        }
        let all = Permissions {
            decide: true,
            undo: true,
            cancel: true,
        };
        assert_eq!(
            allowed_operations(&T::KillProcess, &S::Failed, all),
            vec![Operation::Retry]
        );
        let mixed = [
            Fact("a", T::StopService, S::Failed),
            Fact("b", T::KillProcess, S::Failed),
        ];
        assert_eq!(check_retry_batch(&mixed), Err(RetryBlocker::MixedTypes));
        let done = [Fact("a", T::StopService, S::Completed)];
        assert!(matches!(
            check_retry_batch(&done),
            Err(RetryBlocker::NotFailed { .. })
        ));
        let ok = [
            Fact("a", T::StopService, S::Failed),
            Fact("b", T::StopService, S::UndoFailed),
        ];
        assert_eq!(check_retry_batch(&ok), Ok(()));
    }

    #[test]
    fn a_retry_for_approval_sends_only_a_failure_back_to_pending() {
        assert_eq!(
            next_status(&T::IsolateDevice, &S::Failed, Transition::RetryForApproval),
            Ok(S::Pending)
        );
        for s in S::ALL {
            let ok = next_status(&T::IsolateDevice, s, Transition::RetryForApproval).is_ok();
            assert_eq!(ok, *s == S::Failed, "{s}");
        }
        assert_eq!(Transition::RetryForApproval.event_name(), "retried");
        // Back to pending, the new attempt is decided like a new action.
        let again = next_status(&T::IsolateDevice, &S::Pending, Transition::Approve);
        assert_eq!(again, Ok(S::Queued));
        let all = Permissions {
            decide: true,
            undo: true,
            cancel: true,
        };
        assert_eq!(
            allowed_operations(&T::IsolateDevice, &S::Failed, all),
            vec![Operation::Retry]
        );
    }

    #[test]
    fn undo_batch_rules_each_blocker() {
        let ok = [
            Fact("a", T::QuarantineFile, S::Completed),
            Fact("b", T::QuarantineFile, S::UndoFailed),
        ];
        assert_eq!(check_undo_batch(&ok), Ok(()));
        let mixed = [
            Fact("a", T::QuarantineFile, S::Completed),
            Fact("b", T::StopService, S::Completed),
        ];
        assert_eq!(check_undo_batch(&mixed), Err(UndoBlocker::MixedTypes));
        assert_eq!(
            UndoBlocker::MixedTypes.to_string(),
            "Select actions of the same action type"
        );
        let not_completed = [
            Fact("a", T::QuarantineFile, S::Completed),
            Fact("b", T::QuarantineFile, S::Failed),
        ];
        assert_eq!(
            check_undo_batch(&not_completed),
            Err(UndoBlocker::NotCompleted {
                id: "b".into(),
                status: S::Failed
            })
        );
        let not_undoable = [Fact("a", T::RunAntivirusScan, S::Completed)];
        assert!(matches!(
            check_undo_batch(&not_undoable),
            Err(UndoBlocker::NotUndoableType { .. })
        ));
        let undone = [Fact("a", T::StopService, S::Undone)];
        assert_eq!(
            check_undo_batch(&undone),
            Err(UndoBlocker::AlreadyUndone { id: "a".into() })
        );
        let undoing = [Fact("a", T::StopService, S::Undoing)];
        assert_eq!(
            check_undo_batch(&undoing),
            Err(UndoBlocker::UndoInProgress { id: "a".into() })
        );
        assert_eq!(check_undo_batch::<Fact>(&[]), Err(UndoBlocker::Empty));
    }
}
