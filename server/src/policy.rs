//! The approval policy in force: `--policy FILE` (TOML) or the built-in default
//! ([`action_center_core::Policy::default`]). The rules themselves live in the core crate, so
//! the app and the server read them the same way.
//!
//! ```toml
//! selfApproval = false            # the requester of an action never approves it (default)
//!
//! [[rules]]                       # two responders for isolating or releasing any device
//! actionTypes = ["isolateDevice"]
//! requiredApprovals = 2
//!
//! [[rules]]                       # three for anything on a domain controller
//! assetTags = ["domain-controller"]
//! requiredApprovals = 3
//! ```
//! Where several rules cover an action, the strictest wins; an action no rule covers needs one
//! approval. An action's required approvals are fixed when it is submitted.

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
            [[rules]]
            assetTags = ["domain-controller"]
            requiredApprovals = 3
            "#,
        )
        .unwrap();
        assert_eq!(p.rules.len(), 2);
        assert_eq!(p.required_approvals(&ActionType::DisableUser, &[]), 2);
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
        assert!(parse("").unwrap().rules.is_empty());
    }
}
