//! Accounts and bearer tokens. Tokens are never stored: only their SHA-256, compared as such.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use action_center_core::{Me, Permissions, Role};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::errors::AppError;
use crate::AppState;

/// A signed-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Account id (an email, or a machine name for integrations).
    pub id: String,
    /// Name to show.
    pub display_name: String,
    /// The account's roles.
    pub roles: Vec<Role>,
}

impl Caller {
    /// What the roles allow on actions.
    pub fn permissions(&self) -> Permissions {
        Role::permissions(&self.roles)
    }

    /// Whether the account is a machine that submits and executes actions.
    pub fn is_integration(&self) -> bool {
        self.roles.contains(&Role::Integration)
    }

    /// The `/me` document.
    pub fn me(&self) -> Me {
        Me {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
            roles: self.roles.clone(),
            permissions: self.permissions(),
        }
    }

    /// 403 unless the account is an integration.
    pub fn require_integration(&self) -> Result<(), AppError> {
        if self.is_integration() {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "Only integration accounts may submit actions, claim work or report results",
            ))
        }
    }
}

/// The demo accounts, token first.
pub const DEMO_ACCOUNTS: [(&str, &str, &str, Role); 4] = [
    (
        "demo-analyst",
        "alice@example.com",
        "Alice Analyst",
        Role::Responder,
    ),
    (
        "demo-analyst2",
        "bob@example.com",
        "Bob Responder",
        Role::Responder,
    ),
    (
        "demo-viewer",
        "victor@example.com",
        "Victor Viewer",
        Role::Viewer,
    ),
    (
        "demo-integration",
        "defender-air",
        "Defender AIR",
        Role::Integration,
    ),
];

/// Every account the server knows, by token hash.
#[derive(Debug, Default)]
pub struct Users {
    by_hash: HashMap<String, Caller>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    #[serde(default)]
    user: Vec<UserEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserEntry {
    id: String,
    display_name: String,
    roles: Vec<String>,
    token_sha256: String,
}

/// Lowercase hex SHA-256 of a token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Users {
    /// The fixed demo accounts.
    pub fn add_demo(&mut self) {
        for (token, id, name, role) in DEMO_ACCOUNTS {
            self.insert(
                token_hash(token),
                Caller {
                    id: id.to_owned(),
                    display_name: name.to_owned(),
                    roles: vec![role],
                },
            );
        }
    }

    /// Reads `[[user]]` entries from a TOML file.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: UsersFile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let count = file.user.len();
        for entry in file.user {
            let hash = entry.token_sha256.trim().to_ascii_lowercase();
            if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "{}: user {}: tokenSha256 must be 64 hex digits",
                    path.display(),
                    entry.id
                ));
            }
            let mut roles = Vec::new();
            for raw in &entry.roles {
                match Role::parse_known(raw) {
                    Some(role) => roles.push(role),
                    None => {
                        return Err(format!(
                            "{}: user {}: unknown role '{raw}' (viewer, responder, integration)",
                            path.display(),
                            entry.id
                        ))
                    }
                }
            }
            self.insert(
                hash,
                Caller {
                    id: entry.id,
                    display_name: entry.display_name,
                    roles,
                },
            );
        }
        Ok(count)
    }

    fn insert(&mut self, hash: String, caller: Caller) {
        self.by_hash.insert(hash, caller);
    }

    /// The account a token belongs to.
    pub fn find(&self, token: &str) -> Option<&Caller> {
        self.by_hash.get(&token_hash(token))
    }

    /// How many accounts exist.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether no account exists.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// Failed sign-ins per client address, to slow down token guessing.
#[derive(Debug, Default)]
pub struct FailedSignIns {
    window: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// Failed sign-ins allowed per address per window.
pub const MAX_FAILED_SIGN_INS: u32 = 30;
const WINDOW: Duration = Duration::from_secs(60);

impl FailedSignIns {
    /// Counts one failure; `Err(seconds to wait)` once the address is over the limit.
    fn fail(&self, ip: IpAddr) -> Result<(), u64> {
        let mut map = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = map.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > MAX_FAILED_SIGN_INS {
            let waited = now.duration_since(entry.0);
            Err(WINDOW.saturating_sub(waited).as_secs().max(1))
        } else {
            Ok(())
        }
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Whether the query string carries a token (RFC 6750's `access_token`). URLs land in access logs,
/// proxy logs and browser history, so such a request is refused outright — even on `/events`, whose
/// stream the app reads with `fetch` and the same header as every other call.
fn token_in_query(parts: &Parts) -> bool {
    let query = parts.uri.query().unwrap_or("");
    action_center_core::query::decode_pairs(query)
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("access_token"))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if token_in_query(parts) {
            // The detail never repeats the token.
            return Err(AppError::new(
                action_center_core::ErrorCode::InvalidRequest,
                "Tokens are not accepted in the URL: send Authorization: Bearer <token>",
            ));
        }
        let token = bearer(parts);
        if let Some(caller) = token.as_deref().and_then(|t| state.users().find(t)) {
            return Ok(caller.clone());
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let Some(token) = token else {
            return Err(AppError::unauthorized(
                "Sign in: send Authorization: Bearer <token>",
            ));
        };
        let refusal = match state.oidc() {
            Some(oidc) if crate::oidc::token::looks_like_jwt(&token) => {
                match oidc.verify(&token).await {
                    Ok(caller) => return Ok(caller),
                    Err(err) => err,
                }
            }
            _ => crate::oidc::TokenError::Malformed,
        };
        let detail = match refusal {
            crate::oidc::TokenError::NoRole => return Err(AppError::forbidden(refusal.reason())),
            crate::oidc::TokenError::Unavailable => {
                return Err(AppError::provider_unavailable(
                    "Identity provider unavailable",
                    refusal.reason(),
                    5,
                ))
            }
            // An unknown opaque token (no provider, or not a JWT): say no more than that.
            _ if state.oidc().is_none() || !crate::oidc::token::looks_like_jwt(&token) => {
                "The access token is not valid".to_owned()
            }
            _ => refusal.reason(),
        };
        // Guessing and forging are slowed down; an honest expired or mis-addressed token is not
        // (a busy office behind one address would lock itself out on every token expiry).
        if refusal.is_suspicious() {
            if let Err(wait) = state.failed_sign_ins().fail(ip) {
                return Err(AppError::rate_limited(wait));
            }
        }
        Err(AppError::invalid_token(detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tokens_resolve_by_hash() {
        let mut users = Users::default();
        users.add_demo();
        assert_eq!(users.find("demo-analyst").unwrap().id, "alice@example.com");
        assert!(users.find("demo-analyst ").is_none());
        assert!(users.find("nope").is_none());
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn users_come_from_toml_with_token_hashes_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        let hash = token_hash("s3cret-token");
        std::fs::write(
            &path,
            format!(
                "[[user]]\nid = \"carol@corp.example\"\ndisplayName = \"Carol\"\n\
                 roles = [\"responder\", \"integration\"]\ntokenSha256 = \"{hash}\"\n"
            ),
        )
        .unwrap();
        let mut users = Users::default();
        assert_eq!(users.add_file(&path).unwrap(), 1);
        let carol = users.find("s3cret-token").unwrap();
        assert_eq!(carol.roles, vec![Role::Responder, Role::Integration]);
        assert!(carol.permissions().decide && carol.is_integration());
        assert!(
            users.find("demo-analyst").is_none(),
            "no demo accounts without --demo"
        );
        std::fs::write(&path, "[[user]]\nid = \"x\"\ndisplayName = \"X\"\nroles = [\"admin\"]\ntokenSha256 = \"00\"\n").unwrap();
        assert!(Users::default().add_file(&path).is_err());
    }

    #[test]
    fn the_limiter_trips_after_the_limit() {
        let limiter = FailedSignIns::default();
        let ip = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..MAX_FAILED_SIGN_INS {
            assert!(limiter.fail(ip).is_ok());
        }
        assert!(limiter.fail(ip).is_err());
    }
}
