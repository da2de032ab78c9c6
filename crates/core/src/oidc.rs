//! The standalone app's sign-in with an identity provider, as pure rules: OAuth 2.0
//! authorization code with PKCE (RFC 7636, S256) for a public client, the authorization
//! response (with the RFC 9207 `iss` check), token requests (code and refresh token), when to
//! renew, and RP-initiated logout. The app supplies randomness, SHA-256 (WebCrypto) and HTTP.

use serde::{Deserialize, Serialize};

use crate::query::{decode_pairs, encode_pairs};

/// `GET /auth/config`: how to sign in with the identity provider (`null`: no provider).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthConfig {
    /// The issuer; an authorization response's `iss` must equal it.
    pub issuer: String,
    /// The app's public client id.
    pub client_id: String,
    /// Scopes to ask for.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The API's audience.
    #[serde(default)]
    pub audience: String,
    /// The button reads "Sign in with <provider name>".
    #[serde(default)]
    pub provider_name: String,
    /// Where the analyst signs in (from the provider's discovery document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// Where codes and refresh tokens are exchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// Where "Sign out" ends the provider's session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
}

impl AuthConfig {
    /// The name for "Sign in with …".
    pub fn display_name(&self) -> &str {
        match self.provider_name.trim() {
            "" => "your organization",
            name => name,
        }
    }

    /// Whether the app can sign in (the server knows the provider's endpoints).
    pub fn is_usable(&self) -> bool {
        self.authorization_endpoint
            .as_deref()
            .is_some_and(is_http_url)
            && self.token_endpoint.as_deref().is_some_and(is_http_url)
    }
}

fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// A sign-in the app started and will finish when the provider sends the browser back; kept
/// in the tab's `sessionStorage` across the round trip (no token in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    /// The `state` sent; the answer must carry the same.
    pub state: String,
    /// The PKCE code verifier (its S256 challenge was sent).
    pub verifier: String,
    /// Path, query and fragment to return to (the view and the open flyout).
    pub return_to: String,
    /// Whether this was a silent attempt (`prompt=none`): a refusal then just shows the form.
    pub silent: bool,
}

impl PendingSignIn {
    /// One line for storage: `state verifier silent return_to` (the first three are base64url
    /// or a digit, so only the last may hold spaces).
    pub fn to_line(&self) -> String {
        let silent = if self.silent { '1' } else { '0' };
        format!(
            "{} {} {silent} {}",
            self.state, self.verifier, self.return_to
        )
    }

    /// Reads [`PendingSignIn::to_line`]'s output back.
    pub fn from_line(line: &str) -> Option<PendingSignIn> {
        let mut parts = line.splitn(4, ' ');
        let (state, verifier, silent, return_to) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        (!state.is_empty() && !verifier.is_empty()).then(|| PendingSignIn {
            state: state.to_owned(),
            verifier: verifier.to_owned(),
            return_to: return_to.to_owned(),
            silent: silent == "1",
        })
    }
}

/// Base64url without padding (RFC 4648, 5), for PKCE and random values.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The authorization request URL: code flow, PKCE S256, `state`; `silent` adds `prompt=none`
/// (join the provider's session without showing anything, or come back with an error).
pub fn authorize_url(
    config: &AuthConfig,
    redirect_uri: &str,
    state: &str,
    code_challenge: &str,
    silent: bool,
) -> Option<String> {
    let endpoint = config.authorization_endpoint.as_deref()?;
    let scope = config.scopes.join(" ");
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", config.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("scope", scope.as_str()),
        ("state", state),
        ("code_challenge", code_challenge),
        ("code_challenge_method", "S256"),
    ];
    if silent {
        pairs.push(("prompt", "none"));
    }
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    Some(format!("{endpoint}{separator}{}", encode_pairs(pairs)))
}

/// The RP-initiated logout URL: `client_id` and where to come back, never `id_token_hint`
/// (no token in a URL).
pub fn end_session_url(config: &AuthConfig, post_logout_redirect_uri: &str) -> Option<String> {
    let endpoint = config.end_session_endpoint.as_deref()?;
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    Some(format!(
        "{endpoint}{separator}{}",
        encode_pairs([
            ("client_id", config.client_id.as_str()),
            ("post_logout_redirect_uri", post_logout_redirect_uri),
        ])
    ))
}

/// The form body that exchanges an authorization code.
pub fn code_request(config: &AuthConfig, code: &str, redirect_uri: &str, verifier: &str) -> String {
    encode_pairs([
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", config.client_id.as_str()),
        ("code_verifier", verifier),
    ])
}

/// The form body that redeems a refresh token.
pub fn refresh_request(config: &AuthConfig, refresh_token: &str) -> String {
    encode_pairs([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", config.client_id.as_str()),
    ])
}

/// What the provider sent the browser back with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// A code to exchange.
    Code {
        /// The authorization code.
        code: String,
        /// The `state` it answers.
        state: String,
        /// The issuer that answered (RFC 9207), when it says.
        iss: Option<String>,
    },
    /// A refusal, e.g. `login_required` after `prompt=none`, `access_denied`.
    Error {
        /// The OAuth error code.
        error: String,
        /// The `state` it answers.
        state: String,
    },
}

impl Callback {
    /// Reads an authorization response from a query string, if it is one.
    pub fn parse(query: &str) -> Option<Callback> {
        let pairs = decode_pairs(query);
        let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let state = get("state")?;
        if let Some(code) = get("code") {
            return Some(Callback::Code {
                code,
                state,
                iss: get("iss"),
            });
        }
        get("error").map(|error| Callback::Error { error, state })
    }

    /// The `state` it answers.
    pub fn state(&self) -> &str {
        match self {
            Callback::Code { state, .. } | Callback::Error { state, .. } => state,
        }
    }
}

/// A token endpoint's answer: tokens (RFC 6749, 5.1) or a refusal (5.2), in one type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenAnswer {
    /// The bearer token for the API.
    #[serde(default)]
    pub access_token: Option<String>,
    /// Seconds until it expires.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// A refresh token (rotated: each use returns a new one), if the provider gives one.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// A refusal's code, e.g. `invalid_grant` (the refresh token or the session is over).
    #[serde(default)]
    pub error: Option<String>,
}

/// Seconds assumed when a token response does not say how long the token lives.
pub const DEFAULT_EXPIRES_IN: u64 = 300;

/// After how many seconds to renew a token that lives `expires_in` seconds: a minute before it
/// expires, or after three quarters of a short life — never sooner than 5 s.
pub fn renew_after(expires_in: Option<u64>) -> u64 {
    let life = expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
    life.saturating_sub((life / 4).min(60)).max(5)
}

/// What the analyst reads when an authorization response is a refusal (`None`: say nothing,
/// e.g. `login_required` after a silent attempt).
pub fn callback_error_message(error: &str, silent: bool) -> Option<&'static str> {
    match error {
        _ if silent => None,
        "access_denied" => Some("Sign-in was cancelled."),
        "login_required" | "interaction_required" | "consent_required" => {
            Some("The identity provider asks you to sign in again.")
        }
        _ => Some("The identity provider could not sign you in. Try again."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AuthConfig {
        AuthConfig {
            issuer: "https://idp.example.com".into(),
            client_id: "ac app".into(),
            scopes: vec!["openid".into(), "profile".into()],
            audience: "api://action-center".into(),
            provider_name: "Contoso".into(),
            authorization_endpoint: Some("https://idp.example.com/authorize".into()),
            token_endpoint: Some("https://idp.example.com/token".into()),
            end_session_endpoint: Some("https://idp.example.com/logout?x=1".into()),
        }
    }

    #[test]
    fn base64url_matches_rfc_4648_and_the_pkce_example() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        // RFC 7636, appendix B: SHA-256 of the verifier, base64url, is the challenge.
        let digest = [
            19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120,
            173, 109, 241, 68, 86, 110, 225, 137, 74, 203, 112, 249, 195,
        ];
        assert_eq!(
            base64url(&digest),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_authorization_request_carries_pkce_and_state() {
        let url = authorize_url(&config(), "https://ac.example/", "st", "ch", false).unwrap();
        assert_eq!(
            url,
            "https://idp.example.com/authorize?response_type=code&client_id=ac+app\
             &redirect_uri=https%3A%2F%2Fac.example%2F&scope=openid+profile&state=st\
             &code_challenge=ch&code_challenge_method=S256"
        );
        let silent = authorize_url(&config(), "https://ac.example/", "st", "ch", true).unwrap();
        assert!(silent.ends_with("&prompt=none"));
        let mut none = config();
        none.authorization_endpoint = None;
        assert!(authorize_url(&none, "x", "s", "c", false).is_none());
        assert!(!none.is_usable() && config().is_usable());
    }

    #[test]
    fn logout_names_the_client_not_a_token() {
        assert_eq!(
            end_session_url(&config(), "https://ac.example/").unwrap(),
            "https://idp.example.com/logout?x=1&client_id=ac+app&post_logout_redirect_uri=https%3A%2F%2Fac.example%2F"
        );
    }

    #[test]
    fn token_requests_are_forms() {
        assert_eq!(
            code_request(&config(), "c/1", "https://ac.example/", "v"),
            "grant_type=authorization_code&code=c%2F1&redirect_uri=https%3A%2F%2Fac.example%2F&client_id=ac+app&code_verifier=v"
        );
        assert_eq!(
            refresh_request(&config(), "r+1"),
            "grant_type=refresh_token&refresh_token=r%2B1&client_id=ac+app"
        );
    }

    #[test]
    fn authorization_responses_are_recognised() {
        assert_eq!(
            Callback::parse("?tab=history&code=abc&state=s1&iss=https%3A%2F%2Fidp"),
            Some(Callback::Code {
                code: "abc".into(),
                state: "s1".into(),
                iss: Some("https://idp".into())
            })
        );
        assert_eq!(
            Callback::parse("error=login_required&state=s2"),
            Some(Callback::Error {
                error: "login_required".into(),
                state: "s2".into()
            })
        );
        assert_eq!(Callback::parse("tab=history&open=act_1"), None);
        assert_eq!(Callback::parse("code=abc"), None, "no state, no callback");
    }

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        assert_eq!(renew_after(Some(3600)), 3540);
        assert_eq!(renew_after(Some(300)), 240);
        assert_eq!(renew_after(Some(20)), 15);
        assert_eq!(renew_after(Some(2)), 5);
        assert_eq!(renew_after(None), 240);
    }

    #[test]
    fn a_pending_sign_in_survives_storage() {
        let pending = PendingSignIn {
            state: "s-1".into(),
            verifier: "v_2".into(),
            return_to: "/?tab=history&open=act_1#a b".into(),
            silent: true,
        };
        assert_eq!(PendingSignIn::from_line(&pending.to_line()), Some(pending));
        assert_eq!(PendingSignIn::from_line("only three parts"), None);
        assert_eq!(PendingSignIn::from_line("  0 /"), None);
    }

    #[test]
    fn token_answers_are_tokens_or_refusals() {
        let ok: TokenAnswer = serde_json::from_str(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":20,"refresh_token":"r","id_token":"i","scope":"x"}"#,
        )
        .unwrap();
        assert_eq!(
            (ok.access_token.as_deref(), ok.expires_in),
            (Some("a"), Some(20))
        );
        let no: TokenAnswer = serde_json::from_str(
            r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
        )
        .unwrap();
        assert_eq!(no.error.as_deref(), Some("invalid_grant"));
        assert_eq!(no.access_token, None);
    }

    #[test]
    fn refusals_read_as_sentences_except_after_a_silent_attempt() {
        assert_eq!(callback_error_message("login_required", true), None);
        assert_eq!(
            callback_error_message("access_denied", false),
            Some("Sign-in was cancelled.")
        );
        assert!(callback_error_message("server_error", false).is_some());
    }

    #[test]
    fn the_config_decodes_from_the_api() {
        let json = r#"{"issuer":"https://i","clientId":"c","scopes":["openid"],"audience":"a",
            "providerName":"","authorizationEndpoint":"https://i/a","tokenEndpoint":"https://i/t"}"#;
        let config: AuthConfig = serde_json::from_str(json).unwrap();
        assert_eq!(config.display_name(), "your organization");
        assert!(config.is_usable());
        assert_eq!(config.end_session_endpoint, None);
        let null: Option<AuthConfig> = serde_json::from_str("null").unwrap();
        assert!(null.is_none());
        let mut bad = config.clone();
        bad.token_endpoint = Some("javascript:alert(1)".into());
        assert!(!bad.is_usable());
    }
}
