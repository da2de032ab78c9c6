//! Checking a bearer JWT: shape, algorithm (RS256 or ES256 only, and the one the key is for),
//! key, signature, `iss`, `aud`, `exp`, `nbf` (with [`CLOCK_SKEW`]) and `sub`; then its claims
//! become a [`Caller`]. Every refusal names its reason and never repeats the token.

use action_center_core::Role;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;

use super::config::OidcConfig;
use super::keys::{KeyError, KeyStore};
use crate::auth::Caller;

/// Tolerated difference between our clock and the provider's, for `exp` and `nbf`.
pub const CLOCK_SKEW_SECS: u64 = 60;
/// [`CLOCK_SKEW_SECS`] as a duration, for documentation.
pub const CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(CLOCK_SKEW_SECS);
/// The algorithms accepted, whatever the token says.
pub const ALLOWED_ALGORITHMS: [&str; 2] = ["RS256", "ES256"];

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not a JWT (three base64url parts with a JSON header and payload).
    Malformed,
    /// `alg` is not RS256 or ES256 (`none`, HS256, …), or not the one the key is for.
    Algorithm(String),
    /// No key of the issuer has the token's `kid`.
    UnknownKey,
    /// The signature does not verify.
    Signature,
    /// `exp` has passed.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// `iss` is not the configured issuer.
    Issuer,
    /// `aud` has none of the configured audiences.
    Audience,
    /// A required claim (`exp`, `iss`, `aud`, `sub`) is missing or of the wrong type.
    Claim(String),
    /// The token is fine but grants no Action Center role (403, not 401).
    NoRole,
    /// The provider's keys cannot be fetched (503: not the token's fault).
    Unavailable,
}

impl TokenError {
    /// A sentence for the problem document and `error_description`.
    pub fn reason(&self) -> String {
        match self {
            TokenError::Malformed => "The access token is not a valid JWT".into(),
            TokenError::Algorithm(alg) => format!(
                "The access token's algorithm '{}' is not accepted (RS256 or ES256 only)",
                sanitize(alg)
            ),
            TokenError::UnknownKey => {
                "The access token is signed with a key the identity provider does not publish (unknown key id)".into()
            }
            TokenError::Signature => "The access token's signature is not valid".into(),
            TokenError::Expired => "The access token has expired".into(),
            TokenError::NotYetValid => "The access token is not valid yet (nbf)".into(),
            TokenError::Issuer => "The access token was issued by another issuer (wrong iss)".into(),
            TokenError::Audience => {
                "The access token is meant for another audience (wrong aud)".into()
            }
            TokenError::Claim(claim) => format!(
                "The access token's claim '{}' is missing or invalid",
                sanitize(claim)
            ),
            TokenError::NoRole => "Your account has no Action Center role (viewer, responder or integration); ask your administrator".into(),
            TokenError::Unavailable => "The identity provider's signing keys cannot be fetched; try again shortly".into(),
        }
    }

    /// Whether this looks like guessing or forging rather than an honest, stale token.
    pub fn is_suspicious(&self) -> bool {
        matches!(
            self,
            TokenError::Malformed | TokenError::Algorithm(_) | TokenError::Signature
        )
    }
}

/// At most 40 printable ASCII characters of a value taken from a token (never the token).
fn sanitize(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(40)
        .collect()
}

/// The decoded JOSE header fields that matter here.
#[derive(Debug, PartialEq, Eq)]
pub struct Header {
    /// `alg`, as written.
    pub alg: String,
    /// `kid`, if any.
    pub kid: Option<String>,
}

/// Reads the header of a compact JWS without trusting it.
pub fn header(token: &str) -> Result<Header, TokenError> {
    let mut parts = token.split('.');
    let (Some(head), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| TokenError::Malformed)
    };
    // The whole shape first, so that garbage is called garbage (not an unknown key).
    decode(signature)?;
    let claims: Value =
        serde_json::from_slice(&decode(payload)?).map_err(|_| TokenError::Malformed)?;
    if !claims.is_object() {
        return Err(TokenError::Malformed);
    }
    let json: Value = serde_json::from_slice(&decode(head)?).map_err(|_| TokenError::Malformed)?;
    let alg = json
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(TokenError::Malformed)?
        .to_owned();
    // `crit` extensions this server does not understand must make it refuse (RFC 7515, 4.1.11).
    if json.get("crit").is_some() {
        return Err(TokenError::Malformed);
    }
    let kid = json.get("kid").and_then(Value::as_str).map(str::to_owned);
    Ok(Header { alg, kid })
}

/// Whether the string has the shape of a JWT (so opaque tokens never reach the JWT checks).
pub fn looks_like_jwt(token: &str) -> bool {
    token.len() > 20 && token.bytes().filter(|b| *b == b'.').count() == 2 && token.starts_with("ey")
}

/// Checks `token` against the issuer's keys and the configuration; the caller it stands for.
pub async fn verify(
    config: &OidcConfig,
    keys: &KeyStore,
    token: &str,
) -> Result<Caller, TokenError> {
    let header = header(token)?;
    let algorithm = match header.alg.as_str() {
        "RS256" => Algorithm::RS256,
        "ES256" => Algorithm::ES256,
        other => return Err(TokenError::Algorithm(other.to_owned())),
    };
    let key = keys.key(header.kid.as_deref()).await.map_err(|e| match e {
        KeyError::UnknownKey => TokenError::UnknownKey,
        KeyError::Unavailable(_) => TokenError::Unavailable,
    })?;
    // The key decides the algorithm: an RSA key never checks an ES256 token, and no key
    // ever checks an HMAC one.
    if key.algorithm != algorithm {
        return Err(TokenError::Algorithm(header.alg));
    }
    let mut validation = Validation::new(algorithm);
    validation.leeway = CLOCK_SKEW_SECS;
    validation.validate_nbf = true;
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&config.audiences);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = jsonwebtoken::decode::<Value>(token, &key.key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::InvalidSignature => TokenError::Signature,
            K::ExpiredSignature => TokenError::Expired,
            K::ImmatureSignature => TokenError::NotYetValid,
            K::InvalidIssuer => TokenError::Issuer,
            K::InvalidAudience => TokenError::Audience,
            K::InvalidAlgorithm => TokenError::Algorithm(header.alg.clone()),
            K::MissingRequiredClaim(claim) | K::InvalidClaimFormat(claim) => {
                TokenError::Claim(claim.clone())
            }
            _ => TokenError::Malformed,
        }
    })?;
    caller_from_claims(config, &data.claims)
}

/// The claim at a dotted path (`realm_access.roles`), or a claim whose own name has dots
/// (`https://example.com/roles`).
fn claim_at<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(path) {
        return Some(value);
    }
    path.split('.')
        .try_fold(claims, |value, part| value.get(part))
}

/// The caller a verified token stands for: the stable id (`sub`) and name recorded in the
/// audit trail, and the roles the configured claim maps to.
pub fn caller_from_claims(config: &OidcConfig, claims: &Value) -> Result<Caller, TokenError> {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| TokenError::Claim("sub".into()))?;
    let name = config
        .name_claim
        .iter()
        .map(String::as_str)
        .chain(["name", "preferred_username", "email"])
        .find_map(|claim| {
            claim_at(claims, claim)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or(sub);
    let values: Vec<String> = match claim_at(claims, &config.roles_claim) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let roles: Vec<Role> = config.roles_for(&values);
    if roles.is_empty() {
        return Err(TokenError::NoRole);
    }
    Ok(Caller {
        id: audit_id(name, sub),
        display_name: name.to_owned(),
        roles,
    })
}

/// What the audit trail records for a token's user: the name people read and, in brackets,
/// the provider's stable id, which survives renames and tells two people of one name apart.
pub fn audit_id(name: &str, sub: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let sub: String = sub.chars().filter(|c| !c.is_control()).take(200).collect();
    if name == sub {
        sub
    } else {
        format!("{name} ({sub})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> OidcConfig {
        OidcConfig::from_flags(&super::super::config::OidcFlags {
            issuer: Some("https://idp.example.com".into()),
            audiences: vec!["action-center".into()],
            roles_claim: Some("realm_access.roles".into()),
            ..Default::default()
        })
        .unwrap()
        .unwrap()
    }

    #[test]
    fn headers_are_read_without_trusting_them() {
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let token = format!("{}.e30.c2ln", b64(json!({"alg": "none", "kid": "k"})));
        assert_eq!(
            header(&token),
            Ok(Header {
                alg: "none".into(),
                kid: Some("k".into())
            })
        );
        assert_eq!(header("a.b"), Err(TokenError::Malformed));
        assert_eq!(header("a.b.c.d"), Err(TokenError::Malformed));
        assert_eq!(header("!!.e30.c2ln"), Err(TokenError::Malformed));
        let array_claims = format!("{}.W10.c2ln", b64(json!({"alg": "RS256"})));
        assert_eq!(header(&array_claims), Err(TokenError::Malformed));
        let crit = format!("{}.e30.c2ln", b64(json!({"alg": "RS256", "crit": ["x"]})));
        assert_eq!(header(&crit), Err(TokenError::Malformed));
        assert!(!looks_like_jwt("demo-analyst"));
        assert!(looks_like_jwt(&format!("{token}xxxxxxxxxxxxxxx")));
    }

    #[test]
    fn claims_give_the_stable_id_name_and_roles() {
        let c = config();
        let caller = caller_from_claims(
            &c,
            &json!({ "sub": "u-42", "name": "Dana Demo", "realm_access": { "roles": ["responder", "offline"] } }),
        )
        .unwrap();
        assert_eq!(caller.id, "Dana Demo (u-42)");
        assert_eq!(caller.display_name, "Dana Demo");
        assert_eq!(caller.roles, [Role::Responder]);
        let no_name = caller_from_claims(
            &c,
            &json!({ "sub": "u-7", "realm_access": { "roles": "viewer" } }),
        )
        .unwrap();
        assert_eq!(no_name.id, "u-7");
        assert_eq!(
            caller_from_claims(
                &c,
                &json!({ "sub": "u-8", "realm_access": { "roles": ["x"] } })
            ),
            Err(TokenError::NoRole)
        );
        assert_eq!(
            caller_from_claims(&c, &json!({ "realm_access": { "roles": ["viewer"] } })),
            Err(TokenError::Claim("sub".into()))
        );
        // A claim whose name contains dots is found as a whole first.
        let mut dotted = config();
        dotted.roles_claim = "https://example.com/roles".into();
        let caller = caller_from_claims(
            &dotted,
            &json!({ "sub": "u", "preferred_username": "pat", "https://example.com/roles": ["viewer"] }),
        )
        .unwrap();
        assert_eq!(caller.display_name, "pat");
    }

    #[test]
    fn reasons_never_carry_more_than_a_short_clean_value() {
        let long = "x".repeat(500) + "\n\u{7}";
        assert!(TokenError::Algorithm(long).reason().len() < 120);
        assert!(TokenError::Expired.reason().contains("expired"));
        assert!(TokenError::Audience.reason().contains("audience"));
        assert!(TokenError::UnknownKey.reason().contains("unknown key"));
    }
}
