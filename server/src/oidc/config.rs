//! What the operator tells the server about the identity provider: `--oidc-*` flags and/or an
//! `--oidc-config` TOML file (flags win). Checked once, at start: a bad issuer URL or an unknown
//! role is a start-up error, not a 401 for every analyst later.

use std::collections::BTreeMap;
use std::path::Path;

use action_center_core::Role;
use serde::Deserialize;

/// Scopes the standalone app asks for when none are configured.
pub const DEFAULT_SCOPES: [&str; 3] = ["openid", "profile", "email"];
/// The claim roles are read from when none is configured.
pub const DEFAULT_ROLES_CLAIM: &str = "roles";

/// The identity provider, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The issuer URL, exactly as tokens carry it in `iss` (no trailing-slash normalisation).
    pub issuer: String,
    /// Accepted `aud` values (at least one); the first is the one the app is told about.
    pub audiences: Vec<String>,
    /// The standalone app's client id (a public client: no secret).
    pub client_id: String,
    /// Scopes the standalone app asks for.
    pub scopes: Vec<String>,
    /// Where the roles are in the token: a claim name, or a dotted path (`realm_access.roles`).
    pub roles_claim: String,
    /// Claim value → role. Empty: the values `viewer`, `responder`, `integration` themselves.
    pub role_map: BTreeMap<String, Role>,
    /// The role of a signed-in user whose token maps to none (none: such a user gets 403).
    pub default_role: Option<Role>,
    /// The claim with the name to show (before `name`, `preferred_username`, `email`).
    pub name_claim: Option<String>,
    /// "Sign in with <provider name>".
    pub provider_name: String,
}

/// The `--oidc-*` flags as given (all optional; `issuer` turns the feature on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OidcFlags {
    /// `--oidc-config FILE`.
    pub config_file: Option<String>,
    /// `--oidc-issuer URL`.
    pub issuer: Option<String>,
    /// `--oidc-audience X` (repeatable).
    pub audiences: Vec<String>,
    /// `--oidc-client-id ID`.
    pub client_id: Option<String>,
    /// `--oidc-scopes "openid profile …"`.
    pub scopes: Option<String>,
    /// `--oidc-roles-claim PATH`.
    pub roles_claim: Option<String>,
    /// `--oidc-role VALUE=ROLE` (repeatable).
    pub roles: Vec<String>,
    /// `--oidc-default-role ROLE`.
    pub default_role: Option<String>,
    /// `--oidc-provider-name NAME`.
    pub provider_name: Option<String>,
}

impl OidcFlags {
    /// Whether any flag was given.
    pub fn any(&self) -> bool {
        *self != OidcFlags::default()
    }
}

/// One string or a list of strings (TOML `audience = "x"` or `audience = ["x", "y"]`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => s.split_whitespace().map(str::to_owned).collect(),
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OidcFile {
    issuer: Option<String>,
    audience: Option<OneOrMany>,
    client_id: Option<String>,
    scopes: Option<OneOrMany>,
    roles_claim: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, String>,
    default_role: Option<String>,
    name_claim: Option<String>,
    provider_name: Option<String>,
}

fn role(raw: &str, what: &str) -> Result<Role, String> {
    Role::parse_known(raw.trim())
        .ok_or_else(|| format!("{what}: unknown role '{raw}' (viewer, responder, integration)"))
}

/// The host of a URL like `https://login.example.com/tenant/v2.0`, if it has one.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// The origin (`scheme://host[:port]`) of an absolute URL.
pub fn url_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    // Only plain host names, IP literals and ports: the origin goes into a CSP header.
    let plain = authority
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let scheme = scheme.to_ascii_lowercase();
    (!authority.is_empty() && plain && (scheme == "https" || scheme == "http"))
        .then(|| format!("{scheme}://{authority}"))
}

/// Whether `url` may be fetched: `https`, or `http` to a loopback address (tests, demos).
pub fn allowed_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return url_host(url).is_some();
    }
    lower.starts_with("http://")
        && url_host(url).is_some_and(|h| {
            h.eq_ignore_ascii_case("localhost")
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
}

impl OidcConfig {
    /// The configuration the flags (and the file they name) describe; `Ok(None)` without any.
    pub fn from_flags(flags: &OidcFlags) -> Result<Option<OidcConfig>, String> {
        if !flags.any() {
            return Ok(None);
        }
        let file = match &flags.config_file {
            Some(path) => read_file(Path::new(path))?,
            None => OidcFile::default(),
        };
        let issuer = flags
            .issuer
            .clone()
            .or(file.issuer)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or("--oidc-issuer is required with the other --oidc-* options")?;
        if !allowed_url(&issuer) || issuer.contains(['?', '#']) {
            return Err(format!(
                "--oidc-issuer: '{issuer}' must be an https URL (http only for a loopback address), without query or fragment"
            ));
        }
        let audiences = if flags.audiences.is_empty() {
            file.audience.map(OneOrMany::into_vec).unwrap_or_default()
        } else {
            flags.audiences.clone()
        };
        let audiences: Vec<String> = audiences
            .into_iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        if audiences.is_empty() {
            return Err("--oidc-audience is required: the `aud` your access tokens carry".into());
        }
        let client_id = flags
            .client_id
            .clone()
            .or(file.client_id)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| audiences[0].clone());
        let scopes = match (&flags.scopes, file.scopes) {
            (Some(flag), _) => OneOrMany::One(flag.clone()).into_vec(),
            (None, Some(list)) => list.into_vec(),
            (None, None) => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
        };
        if !scopes.iter().any(|s| s == "openid") {
            return Err("--oidc-scopes must include openid".into());
        }
        let roles_claim = flags
            .roles_claim
            .clone()
            .or(file.roles_claim)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_ROLES_CLAIM.to_owned());
        let mut role_map = BTreeMap::new();
        for (value, raw) in &file.roles {
            role_map.insert(value.clone(), role(raw, "--oidc-config roles")?);
        }
        for entry in &flags.roles {
            let (value, raw) = entry
                .rsplit_once('=')
                .ok_or_else(|| format!("--oidc-role: '{entry}' is not VALUE=ROLE"))?;
            if value.is_empty() {
                return Err(format!("--oidc-role: '{entry}' has no claim value"));
            }
            role_map.insert(value.to_owned(), role(raw, "--oidc-role")?);
        }
        let default_role = match flags.default_role.clone().or(file.default_role) {
            Some(raw) => Some(role(&raw, "--oidc-default-role")?),
            None => None,
        };
        let provider_name = flags
            .provider_name
            .clone()
            .or(file.provider_name)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                url_host(&issuer)
                    .unwrap_or("your identity provider")
                    .to_owned()
            });
        Ok(Some(OidcConfig {
            issuer,
            audiences,
            client_id,
            scopes,
            roles_claim,
            role_map,
            default_role,
            name_claim: file.name_claim.filter(|s| !s.trim().is_empty()),
            provider_name,
        }))
    }

    /// The roles a token's roles claim grants: mapped values, deduplicated, in a fixed order.
    pub fn roles_for(&self, values: &[String]) -> Vec<Role> {
        let mut roles = Vec::new();
        for value in values {
            let role = if self.role_map.is_empty() {
                Role::parse_known(&value.to_ascii_lowercase())
            } else {
                self.role_map.get(value).cloned()
            };
            if let Some(role) = role {
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
        }
        if roles.is_empty() {
            roles.extend(self.default_role.clone());
        }
        roles.sort_by_key(|r| match r {
            Role::Viewer => 0,
            Role::Responder => 1,
            _ => 2,
        });
        roles
    }
}

fn read_file(path: &Path) -> Result<OidcFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--oidc-config: cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("--oidc-config {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(issuer: &str) -> OidcFlags {
        OidcFlags {
            issuer: Some(issuer.into()),
            audiences: vec!["api://action-center".into()],
            ..OidcFlags::default()
        }
    }

    #[test]
    fn no_flags_no_provider() {
        assert_eq!(OidcConfig::from_flags(&OidcFlags::default()), Ok(None));
    }

    #[test]
    fn defaults_follow_the_issuer_and_audience() {
        let c = OidcConfig::from_flags(&flags("https://login.example.com/t/v2.0"))
            .unwrap()
            .unwrap();
        assert_eq!(c.client_id, "api://action-center");
        assert_eq!(c.scopes, ["openid", "profile", "email"]);
        assert_eq!(c.roles_claim, "roles");
        assert_eq!(c.provider_name, "login.example.com");
        assert_eq!(
            c.roles_for(&["Responder".into(), "viewer".into(), "admin".into()]),
            [Role::Viewer, Role::Responder]
        );
        assert!(c.roles_for(&["admin".into()]).is_empty());
    }

    #[test]
    fn http_only_for_loopback_issuers() {
        assert!(OidcConfig::from_flags(&flags("http://127.0.0.1:9000")).is_ok());
        assert!(OidcConfig::from_flags(&flags("http://localhost:9000/realms/x")).is_ok());
        assert!(OidcConfig::from_flags(&flags("http://[::1]:9000")).is_ok());
        assert!(OidcConfig::from_flags(&flags("http://idp.example.com")).is_err());
        assert!(OidcConfig::from_flags(&flags("http://127.0.0.1.example.com")).is_err());
        assert!(OidcConfig::from_flags(&flags("ftp://idp.example.com")).is_err());
        assert!(OidcConfig::from_flags(&flags("https://idp.example.com/?x=1")).is_err());
        let mut no_aud = flags("https://idp.example.com");
        no_aud.audiences.clear();
        assert!(OidcConfig::from_flags(&no_aud).is_err());
        let mut no_issuer = flags("https://idp.example.com");
        no_issuer.issuer = None;
        assert!(OidcConfig::from_flags(&no_issuer).is_err());
    }

    #[test]
    fn role_flags_map_claim_values() {
        let mut f = flags("https://idp.example.com");
        f.roles = vec!["SOC-Responders=responder".into(), "SOC=Tier1=viewer".into()];
        f.default_role = Some("viewer".into());
        let c = OidcConfig::from_flags(&f).unwrap().unwrap();
        assert_eq!(c.roles_for(&["SOC-Responders".into()]), [Role::Responder]);
        assert_eq!(c.roles_for(&["SOC=Tier1".into()]), [Role::Viewer]);
        // With a map, the role names themselves mean nothing; the default role applies.
        assert_eq!(c.roles_for(&["responder".into()]), [Role::Viewer]);
        f.roles = vec!["x=admin".into()];
        assert!(OidcConfig::from_flags(&f).is_err());
        f.roles = vec!["x".into()];
        assert!(OidcConfig::from_flags(&f).is_err());
    }

    #[test]
    fn a_config_file_with_flags_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oidc.toml");
        std::fs::write(
            &path,
            r#"
issuer = "https://keycloak.example.com/realms/soc"
audience = ["action-center", "account"]
clientId = "action-center-app"
scopes = ["openid", "profile"]
rolesClaim = "realm_access.roles"
providerName = "Keycloak"
nameClaim = "preferred_username"
[roles]
ac-responder = "responder"
ac-viewer = "viewer"
"#,
        )
        .unwrap();
        let mut f = OidcFlags {
            config_file: Some(path.display().to_string()),
            ..OidcFlags::default()
        };
        let c = OidcConfig::from_flags(&f).unwrap().unwrap();
        assert_eq!(c.audiences, ["action-center", "account"]);
        assert_eq!(c.client_id, "action-center-app");
        assert_eq!(c.roles_claim, "realm_access.roles");
        assert_eq!(c.name_claim.as_deref(), Some("preferred_username"));
        assert_eq!(c.roles_for(&["ac-responder".into()]), [Role::Responder]);
        f.provider_name = Some("SOC Keycloak".into());
        let c = OidcConfig::from_flags(&f).unwrap().unwrap();
        assert_eq!(c.provider_name, "SOC Keycloak");
        std::fs::write(&path, "issuer = \"https://x.example\"\nbogus = 1\n").unwrap();
        assert!(OidcConfig::from_flags(&f).is_err());
    }

    #[test]
    fn urls_split_into_host_and_origin() {
        assert_eq!(url_host("https://a.example:8443/x"), Some("a.example"));
        assert_eq!(url_host("http://[::1]:80/"), Some("::1"));
        assert_eq!(
            url_origin("https://A.example:8443/x?y").as_deref(),
            Some("https://A.example:8443")
        );
        assert_eq!(url_origin("https://u@a.example/"), None);
        assert_eq!(url_origin("https://a.example;script-src *"), None);
        assert!(!allowed_url("http://user@127.0.0.1.evil.example/"));
    }
}
