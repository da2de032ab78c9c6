//! The approval policy in force: `--policy FILE` (TOML) or the built-in default
//! ([`action_center_core::Policy::default`]). The rules themselves live in the core crate, so
//! the app and the server read them the same way.
//!
//! ```toml
//! selfApproval = false            # the requester of an action never approves it (default)
//!
//! [[rules]]                       # two responders for isolating or releasing any device,
//! actionTypes = ["isolateDevice"] # and two again before a failed isolation is retried
//! requiredApprovals = 2
//! reapproveOnRetry = true
//!
//! [[rules]]                       # three for anything on a domain controller
//! assetTags = ["domain-controller"]
//! requiredApprovals = 3
//! ```
//! Where several rules cover an action, the strictest wins (the highest count; re-approval if any
//! asks for it); an action no rule covers needs one approval. An action's required approvals are
//! fixed when it is submitted, and again when a retry sends it back for approval.

use std::path::Path;

use action_center_core::Policy;

/// Reads and checks a policy file.
pub fn load(path: &Path) -> Result<Policy, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--policy {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("--policy {}: {e}", path.display()))
}

/// Parses and checks a policy in TOML.
pub fn parse(text: &str) -> Result<Policy, String> {
    let policy: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
    policy.validate().map_err(|e| e.to_string())?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use action_center_core::ActionType;

    #[test]
    fn a_policy_file_with_rules() {
        let p = parse(
            r#"
            selfApproval = false
            [[rules]]
            actionTypes = ["isolateDevice", "disableUser"]
            requiredApprovals = 2
            reapproveOnRetry = true
            [[rules]]
            assetTags = ["domain-controller"]
            requiredApprovals = 3
            "#,
        )
        .unwrap();
        assert_eq!(p.rules.len(), 2);
        assert_eq!(p.required_approvals(&ActionType::DisableUser, &[]), 2);
        assert!(p.reapprove_on_retry(&ActionType::DisableUser, &[]));
        assert!(!p.reapprove_on_retry(&ActionType::StopService, &["domain-controller".into()]));
        assert_eq!(
            p.required_approvals(&ActionType::StopService, &["domain-controller".into()]),
            3
        );
    }

    #[test]
    fn mistakes_are_named() {
        let typo = parse("[[rules]]\nrequiredApprovls = 2\n").unwrap_err();
        assert!(typo.contains("requiredApprovls"), "{typo}");
        let zero = parse("[[rules]]\nrequiredApprovals = 0\n").unwrap_err();
        assert!(zero.contains("rule 1"), "{zero}");
        let unknown =
            parse("[[rules]]\nactionTypes = [\"nuke\"]\nrequiredApprovals = 2\n").unwrap_err();
        assert!(unknown.contains("nuke"), "{unknown}");
        let not_a_flag = parse("[[rules]]\nrequiredApprovals = 1\nreapproveOnRetry = \"yes\"\n");
        assert!(not_a_flag.unwrap_err().contains("reapproveOnRetry"));
        assert!(parse("").unwrap().rules.is_empty());
    }
}
