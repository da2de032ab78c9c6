//! Approval policies (contract v1.1): how many distinct responders must approve an action, that
//! whoever requested an action may not approve it, and whether a retry of a failure needs fresh
//! approvals. The server enforces these rules; the app reads them to say why Approve is missing
//! and how many approvals are still needed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::lifecycle::Transition;
use crate::model::{Action, ActionType, DecisionState, Status};
use crate::wire_enum::wire_enum;

/// Most approvals a rule may ask for (a typo such as 20 would make actions undecidable).
pub const MAX_REQUIRED_APPROVALS: u32 = 5;

/// One rule: actions of these types on assets with any of these tags need this many approvals.
/// An empty list matches every type (or every asset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyRule {
    /// The action types the rule covers (empty: all).
    #[serde(default)]
    pub action_types: Vec<ActionType>,
    /// The asset tags the rule covers: an asset with any of them (empty: every asset).
    #[serde(default)]
    pub asset_tags: Vec<String>,
    /// Distinct responders who must approve (1 or more).
    pub required_approvals: u32,
    /// Whether a retry of a failed action it covers goes back to `pending` for fresh approvals
    /// instead of being queued under the approval it had (the world may have changed since).
    #[serde(default)]
    pub reapprove_on_retry: bool,
}

impl PolicyRule {
    /// Whether the rule covers an action of `action_type` on an asset with `tags`.
    pub fn covers(&self, action_type: &ActionType, tags: &[String]) -> bool {
        let type_ok = self.action_types.is_empty() || self.action_types.contains(action_type);
        let tag_ok = self.asset_tags.is_empty()
            || self
                .asset_tags
                .iter()
                .any(|want| tags.iter().any(|t| t.eq_ignore_ascii_case(want)));
        type_ok && tag_ok
    }
}

/// `GET /policy`: the approval rules in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    /// The rules; where several cover an action, the strictest wins.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
    /// Whether the requester of an action may approve it (false: never).
    #[serde(default)]
    pub self_approval: bool,
}

impl Default for Policy {
    /// The built-in policy: two responders for any action on a critical asset or a domain
    /// controller (containing or releasing one of those alone is how outages and insider abuse
    /// happen), one elsewhere; nobody approves their own request.
    fn default() -> Self {
        Policy {
            rules: vec![PolicyRule {
                action_types: Vec::new(),
                asset_tags: vec!["critical".to_owned(), "domain-controller".to_owned()],
                required_approvals: 2,
                reapprove_on_retry: false,
            }],
            self_approval: false,
        }
    }
}

/// Why a policy cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Policy {
    /// Approvals an action of `action_type` on an asset with `tags` needs (at least 1).
    pub fn required_approvals(&self, action_type: &ActionType, tags: &[String]) -> u32 {
        self.rules
            .iter()
            .filter(|r| r.covers(action_type, tags))
            .map(|r| r.required_approvals)
            .max()
            .unwrap_or(1)
            .max(1)
    }

    /// Whether a retry of a failed action of `action_type` on an asset with `tags` must be
    /// approved again: any covering rule asking for it wins, as the strictest count does.
    pub fn reapprove_on_retry(&self, action_type: &ActionType, tags: &[String]) -> bool {
        self.rules
            .iter()
            .any(|r| r.reapprove_on_retry && r.covers(action_type, tags))
    }

    /// The move a retry of `action` makes: a failed undo is asked for again (an undo needs no
    /// approval); a failure that was approved goes back for fresh approvals when the policy says
    /// so, else it is queued again under its approval. An action that never needed approval
    /// (`notRequired`) is queued again too: the policy counts approvals, it does not make a
    /// detector's automatic action need one.
    pub fn retry_transition(&self, action: &Action) -> Transition {
        let was_approved = action
            .decision
            .as_ref()
            .is_some_and(|d| d.state == DecisionState::Approved);
        if action.status == Status::Failed
            && was_approved
            && self.reapprove_on_retry(&action.action_type, &action.asset.tags)
        {
            Transition::RetryForApproval
        } else {
            Transition::Retry
        }
    }

    /// Checks the rules: 1 to [`MAX_REQUIRED_APPROVALS`] approvals, known action types.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for (i, rule) in self.rules.iter().enumerate() {
            let n = i + 1;
            if rule.required_approvals == 0 || rule.required_approvals > MAX_REQUIRED_APPROVALS {
                return Err(PolicyError(format!(
                    "rule {n}: requiredApprovals must be 1 to {MAX_REQUIRED_APPROVALS}, not {}",
                    rule.required_approvals
                )));
            }
            if let Some(t) = rule
                .action_types
                .iter()
                .find(|t| matches!(t, ActionType::Unknown(_)))
            {
                return Err(PolicyError(format!(
                    "rule {n}: unknown action type \"{}\"",
                    t.as_str()
                )));
            }
            if rule.asset_tags.iter().any(|t| t.trim().is_empty()) {
                return Err(PolicyError(format!("rule {n}: an asset tag is empty")));
            }
        }
        Ok(())
    }
}

/// One approval given to a pending action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    /// Who approved (display name).
    #[serde(default)]
    pub by: String,
    /// The approver's stable account id.
    #[serde(default)]
    pub by_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The approver's comment.
    #[serde(default)]
    pub comment: Option<String>,
}

wire_enum! {
    /// Why Approve is not offered to this caller although the action is pending.
    ApproveBlockedReason {
        RequestedByYou => "requestedByYou", "You requested this action";
        ApprovedByYou => "approvedByYou", "You have approved it already";
    }
}

impl ApproveBlockedReason {
    /// The sentence the app shows where Approve is missing.
    pub fn explanation(&self) -> &'static str {
        match self {
            ApproveBlockedReason::RequestedByYou => {
                "You requested this action, so another responder must approve it."
            }
            ApproveBlockedReason::ApprovedByYou => {
                "You have approved it already; it needs another responder's approval."
            }
            ApproveBlockedReason::Unknown(_) => "Approve is not available to you for this action.",
        }
    }
}

/// Whether the account `caller_id` requested `action` (its `requestedById`, or else its
/// `requestedBy` when that names the account).
pub fn requested_by(action: &Action, caller_id: &str) -> bool {
    match (&action.requested_by_id, &action.requested_by) {
        (Some(id), _) => id.eq_ignore_ascii_case(caller_id),
        (None, Some(name)) => name.eq_ignore_ascii_case(caller_id),
        (None, None) => false,
    }
}

/// Whether the account `caller_id` has approved `action` already.
pub fn approved_by(action: &Action, caller_id: &str) -> bool {
    action
        .approvals
        .iter()
        .any(|a| a.by_id.eq_ignore_ascii_case(caller_id))
}

/// Why `caller_id` may not approve the pending `action` under `policy`, if it may not.
pub fn approve_blocked(
    action: &Action,
    caller_id: &str,
    policy: &Policy,
) -> Option<ApproveBlockedReason> {
    if !policy.self_approval && requested_by(action, caller_id) {
        Some(ApproveBlockedReason::RequestedByYou)
    } else if approved_by(action, caller_id) {
        Some(ApproveBlockedReason::ApprovedByYou)
    } else {
        None
    }
}

/// "1 of 2 approvals" while more than one is needed and the action is pending; `None` otherwise.
pub fn approvals_label(action: &Action) -> Option<String> {
    let needed = action.required_approvals;
    if needed <= 1 || !action.status.is_pending() {
        return None;
    }
    Some(format!("{} of {needed} approvals", action.approvals.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_strictest_covering_rule_wins() {
        let policy = Policy {
            rules: vec![
                PolicyRule {
                    action_types: vec![ActionType::IsolateDevice],
                    asset_tags: vec![],
                    required_approvals: 2,
                    reapprove_on_retry: false,
                },
                PolicyRule {
                    action_types: vec![],
                    asset_tags: vec!["domain-controller".into()],
                    required_approvals: 3,
                    reapprove_on_retry: false,
                },
            ],
            self_approval: false,
        };
        assert_eq!(
            policy.required_approvals(&ActionType::IsolateDevice, &[]),
            2
        );
        assert_eq!(policy.required_approvals(&ActionType::StopService, &[]), 1);
        assert_eq!(
            policy.required_approvals(&ActionType::IsolateDevice, &tags(&["Domain-Controller"])),
            3
        );
        assert!(policy.validate().is_ok());
    }

    #[test]
    fn the_default_asks_two_for_critical_assets() {
        let p = Policy::default();
        assert_eq!(
            p.required_approvals(&ActionType::QuarantineFile, &tags(&["critical"])),
            2
        );
        assert_eq!(
            p.required_approvals(&ActionType::QuarantineFile, &tags(&["lab"])),
            1
        );
        assert!(!p.self_approval);
    }

    /// An action of `action_type` on an asset with `tags`, in `status`, decided `decision`.
    fn action(action_type: &str, tags: &[&str], status: &str, decision: &str) -> Action {
        serde_json::from_value(serde_json::json!({
            "id": "act_1", "version": 4, "actionType": action_type, "category": "device",
            "source": "manual", "status": status,
            "asset": { "kind": "device", "id": "d", "name": "HOST", "tags": tags },
            "entity": { "kind": "device", "name": "HOST" },
            "decision": { "state": decision },
            "createdAt": "2026-03-01T10:00:00Z", "updatedAt": "2026-03-01T10:00:00Z"
        }))
        .unwrap()
    }

    fn reapproving_isolations() -> Policy {
        Policy {
            rules: vec![
                PolicyRule {
                    action_types: vec![ActionType::IsolateDevice],
                    asset_tags: vec![],
                    required_approvals: 1,
                    reapprove_on_retry: true,
                },
                PolicyRule {
                    action_types: vec![],
                    asset_tags: vec!["critical".into()],
                    required_approvals: 2,
                    reapprove_on_retry: false,
                },
            ],
            self_approval: false,
        }
    }

    #[test]
    fn any_covering_rule_asking_for_reapproval_wins() {
        let policy = reapproving_isolations();
        assert!(policy.reapprove_on_retry(&ActionType::IsolateDevice, &[]));
        // The critical rule does not ask for it, the isolation rule does: re-approval wins.
        assert!(policy.reapprove_on_retry(&ActionType::IsolateDevice, &tags(&["Critical"])));
        assert!(!policy.reapprove_on_retry(&ActionType::StopService, &tags(&["critical"])));
        assert!(!Policy::default().reapprove_on_retry(&ActionType::IsolateDevice, &[]));
    }

    #[test]
    fn a_retry_goes_back_for_approval_only_for_an_approved_failure_the_policy_names() {
        let policy = reapproving_isolations();
        let failed = action("isolateDevice", &[], "failed", "approved");
        assert_eq!(
            policy.retry_transition(&failed),
            Transition::RetryForApproval
        );
        // Not covered by a reapproving rule: queued again under its approval.
        let other = action("stopService", &["critical"], "failed", "approved");
        assert_eq!(policy.retry_transition(&other), Transition::Retry);
        // Never needed an approval: the policy does not make it need one now.
        let automatic = action("isolateDevice", &[], "failed", "notRequired");
        assert_eq!(policy.retry_transition(&automatic), Transition::Retry);
        // An undo needs no approval.
        let undo = action("isolateDevice", &[], "undoFailed", "approved");
        assert_eq!(policy.retry_transition(&undo), Transition::Retry);
        assert_eq!(
            Policy::default().retry_transition(&failed),
            Transition::Retry
        );
    }

    #[test]
    fn reapprove_on_retry_defaults_to_false_and_is_published() {
        let rule: PolicyRule = serde_json::from_str(r#"{"requiredApprovals":2}"#).unwrap();
        assert!(!rule.reapprove_on_retry);
        let json = serde_json::to_value(reapproving_isolations()).unwrap();
        assert_eq!(json["rules"][0]["reapproveOnRetry"], true);
        assert_eq!(json["rules"][1]["reapproveOnRetry"], false);
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        let zero = Policy {
            rules: vec![PolicyRule {
                action_types: vec![],
                asset_tags: vec![],
                required_approvals: 0,
                reapprove_on_retry: false,
            }],
            self_approval: false,
        };
        assert!(zero.validate().unwrap_err().0.contains("rule 1"));
        let unknown: Result<Policy, _> = serde_json::from_str(
            r#"{"rules":[{"actionTypes":["teleport"],"requiredApprovals":2}]}"#,
        );
        assert!(unknown
            .unwrap()
            .validate()
            .unwrap_err()
            .0
            .contains("teleport"));
    }
}
