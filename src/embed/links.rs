//! "Open investigation page" and "Go hunt": where they lead. By default the action's own links
//! from the API; a host replaces them with a template (`"/investigations/{investigationId}"`)
//! or a function of the action.

use action_center_core::Action;
use wasm_bindgen::JsValue;

use crate::embed::to_js;

/// Which of the two links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// "Open investigation page".
    Investigation,
    /// "Go hunt".
    Hunt,
}

impl LinkKind {
    /// The event the host receives when the analyst follows the link.
    pub fn event(self) -> &'static str {
        match self {
            LinkKind::Investigation => "actioncenter:open-investigation",
            LinkKind::Hunt => "actioncenter:go-hunt",
        }
    }
}

/// How one link is made.
#[derive(Clone, Debug, Default)]
pub enum LinkRule {
    /// The action's own link from the API (`links.investigation`, `links.hunt`).
    #[default]
    Server,
    /// A template whose `{placeholders}` are filled in, percent-encoded.
    Template(String),
    /// A host function `(action) => url | null`.
    Function(js_sys::Function),
    /// No link: the button is disabled.
    Off,
}

/// The host's rules for both links.
#[derive(Clone, Debug, Default)]
pub struct LinkRules {
    /// "Open investigation page".
    pub investigation: LinkRule,
    /// "Go hunt".
    pub hunt: LinkRule,
}

impl LinkRules {
    /// The link of `kind` for `action`, if there is a safe one.
    pub fn url(&self, kind: LinkKind, action: &Action) -> Option<String> {
        let rule = match kind {
            LinkKind::Investigation => &self.investigation,
            LinkKind::Hunt => &self.hunt,
        };
        let url = match rule {
            LinkRule::Server => match kind {
                LinkKind::Investigation => action.links.investigation.clone(),
                LinkKind::Hunt => action.links.hunt.clone(),
            },
            LinkRule::Template(template) => expand(template, action),
            LinkRule::Function(f) => {
                let action = to_js(action);
                f.call1(&JsValue::NULL, &action).ok()?.as_string()
            }
            LinkRule::Off => None,
        };
        url.map(|u| u.trim().to_owned()).filter(|u| is_safe(u))
    }
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 8] = [
    "actionId",
    "actionType",
    "investigationId",
    "incidentId",
    "assetId",
    "assetName",
    "entityName",
    "sha256",
];

fn value(name: &str, action: &Action) -> Option<String> {
    let v = match name {
        "actionId" => Some(action.id.clone()),
        "actionType" => Some(action.action_type.as_str().to_owned()),
        "investigationId" => action.investigation_id.clone(),
        "incidentId" => action.incident_id.clone(),
        "assetId" => Some(action.asset.id.clone()),
        "assetName" => Some(action.asset.name.clone()),
        "entityName" => Some(action.entity.name.clone()),
        "sha256" => action.entity.sha256.clone(),
        _ => None,
    };
    v.filter(|v| !v.is_empty())
}

/// Checks a template: braces balanced, only known placeholders.
pub fn check_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(format!("'{template}' has a '}}' without '{{'"));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("'{template}' has a '{{' without '}}'"))?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "'{template}' uses {{{name}}}; known placeholders: {}",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(" ")
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// Fills in a (checked) template; `None` when a placeholder it uses has no value.
pub fn expand(template: &str, action: &Action) -> Option<String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        out.push_str(&encode_component(&value(&after[..close], action)?));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Percent-encodes like JavaScript's `encodeURIComponent`.
fn encode_component(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Only web links and paths of this site: never `javascript:` or `data:`.
pub fn is_safe(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action() -> Action {
        serde_json::from_value(serde_json::json!({
            "id": "act_1", "version": 1, "actionType": "quarantineFile", "category": "device",
            "source": "manual", "status": "pending", "investigationId": "inv 7/8",
            "asset": { "kind": "device", "id": "dev_1", "name": "FIN-LAPTOP-07" },
            "entity": { "kind": "file", "name": "a b&c.exe", "sha256": "abc123" },
            "createdAt": "2026-03-01T10:00:00Z", "updatedAt": "2026-03-01T10:00:00Z",
            "links": { "investigation": "https://x.example/inv", "hunt": "javascript:alert(1)" }
        }))
        .unwrap()
    }

    #[test]
    fn templates_fill_in_encoded_values() {
        let a = action();
        assert_eq!(
            expand("/inv/{investigationId}?a={actionId}&f={entityName}", &a).as_deref(),
            Some("/inv/inv%207%2F8?a=act_1&f=a%20b%26c.exe")
        );
        assert_eq!(expand("/i/{incidentId}", &a), None, "no incident: no link");
        assert_eq!(
            expand("/h?type={actionType}&sha={sha256}", &a).as_deref(),
            Some("/h?type=quarantineFile&sha=abc123")
        );
    }

    #[test]
    fn templates_are_checked() {
        assert!(check_template("/inv/{investigationId}").is_ok());
        assert!(check_template("/plain").is_ok());
        assert!(check_template("/inv/{investigation}")
            .unwrap_err()
            .contains("{investigation}"));
        assert!(check_template("/inv/{actionId").is_err());
        assert!(check_template("/inv/actionId}").is_err());
    }

    #[test]
    fn only_safe_links_are_followed() {
        let a = action();
        let rules = LinkRules::default();
        assert_eq!(
            rules.url(LinkKind::Investigation, &a).as_deref(),
            Some("https://x.example/inv")
        );
        assert_eq!(rules.url(LinkKind::Hunt, &a), None);
        for bad in ["javascript:alert(1)", "//evil.example", "data:text/html,x"] {
            assert!(!is_safe(bad), "{bad}");
        }
        let off = LinkRules {
            investigation: LinkRule::Off,
            hunt: LinkRule::Template("/hunt/{sha256}".into()),
        };
        assert_eq!(off.url(LinkKind::Investigation, &a), None);
        assert_eq!(off.url(LinkKind::Hunt, &a).as_deref(), Some("/hunt/abc123"));
    }
}
