//! The issuer's discovery document and signing keys (JWKS), fetched over HTTPS and cached.
//!
//! Keys rotate: a token signed with a key id (`kid`) the cache does not know makes the cache
//! fetch the JWKS again — at most once per [`UNKNOWN_KID_REFETCH`], so that a stream of tokens
//! with made-up key ids cannot turn the server into a load generator against the provider.
//! Keys are also refreshed after [`KEYS_TTL`]; when a refresh fails, the keys already known keep
//! working. Only RSA keys (for RS256) and P-256 keys (for ES256) are kept: a symmetric (`oct`)
//! key in the set is ignored, so an HS256 token can never be checked against anything.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::Value;

use super::config::allowed_url;

/// How long fetched keys are used before they are fetched again.
pub const KEYS_TTL: Duration = Duration::from_secs(3600);
/// The shortest time between two fetches caused by an unknown key id.
pub const UNKNOWN_KID_REFETCH: Duration = Duration::from_secs(10);
/// The shortest time between two attempts after a failed fetch.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);
/// Documents larger than this are refused (a JWKS is a few KB).
const MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The endpoints of the provider's discovery document that the server and the app use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Discovery {
    /// Must equal the configured issuer.
    pub issuer: String,
    /// Where the signing keys are.
    pub jwks_uri: String,
    /// Where the app sends the analyst to sign in.
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// Where the app exchanges the code and refreshes tokens.
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// Where the app ends the provider's session (RP-initiated logout), if the provider has one.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// A verification key and the one algorithm it may be used with.
#[derive(Clone)]
pub struct VerifyingKey {
    /// RS256 for an RSA key, ES256 for a P-256 key.
    pub algorithm: Algorithm,
    /// The key.
    pub key: DecodingKey,
}

/// Why no key could be found for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The JWKS (fetched now, or recently) has no usable key with that id.
    UnknownKey,
    /// No keys could be fetched at all (the provider is down or misconfigured).
    Unavailable(String),
}

#[derive(Default)]
struct Cache {
    discovery: Option<Discovery>,
    keys: HashMap<String, VerifyingKey>,
    /// Keys without a `kid`, for tokens without one.
    anonymous: Vec<VerifyingKey>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    last_unknown_kid_fetch: Option<Instant>,
    last_error: Option<String>,
}

/// Discovery and keys of one issuer.
pub struct KeyStore {
    issuer: String,
    http: reqwest::Client,
    cache: RwLock<Cache>,
    /// One fetch at a time; others wait for its result.
    fetching: tokio::sync::Mutex<()>,
    /// How many JWKS fetches were made (for the operator's log and for tests).
    fetches: std::sync::atomic::AtomicU64,
}

impl KeyStore {
    /// A key store for `issuer` (nothing is fetched yet).
    pub fn new(issuer: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent("action-center-server")
            .build()
            .unwrap_or_default();
        KeyStore {
            issuer: issuer.to_owned(),
            http,
            cache: RwLock::new(Cache::default()),
            fetching: tokio::sync::Mutex::new(()),
            fetches: Default::default(),
        }
    }

    /// How many times the JWKS has been fetched.
    pub fn jwks_fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Cache> {
        self.cache.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The discovery document, fetched (with the keys) when not known yet.
    pub async fn discovery(&self) -> Result<Discovery, KeyError> {
        let known = self.read().discovery.clone();
        if let Some(d) = known {
            return Ok(d);
        }
        self.refresh(None).await?;
        self.read()
            .discovery
            .clone()
            .ok_or_else(|| KeyError::Unavailable("no discovery document".into()))
    }

    /// The discovery document if it has been fetched (no network).
    pub fn cached_discovery(&self) -> Option<Discovery> {
        self.read().discovery.clone()
    }

    /// The key for a token's `kid` (`None`: the token names none).
    pub async fn key(&self, kid: Option<&str>) -> Result<VerifyingKey, KeyError> {
        let (found, fresh) = {
            let cache = self.read();
            let fresh = cache.fetched_at.is_some_and(|t| t.elapsed() < KEYS_TTL);
            (lookup(&cache, kid), fresh)
        };
        match found {
            Some(key) if fresh => return Ok(key),
            Some(key) => {
                // Stale: try to refresh, but a failure keeps the known key working.
                let _ = self.refresh(None).await;
                let now_known = lookup(&self.read(), kid);
                return Ok(now_known.unwrap_or(key));
            }
            None => {}
        }
        self.refresh(Some(kid)).await?;
        let fetched = lookup(&self.read(), kid);
        fetched.ok_or(KeyError::UnknownKey)
    }

    /// Fetches discovery and keys unless another caller just did. `unknown`: the fetch is
    /// caused by this unknown key id, and is rate-limited as such.
    async fn refresh(&self, unknown: Option<Option<&str>>) -> Result<(), KeyError> {
        let _one_at_a_time = self.fetching.lock().await;
        {
            let cache = self.read();
            if let Some(kid) = unknown {
                if lookup(&cache, kid).is_some() {
                    return Ok(()); // fetched while this caller waited
                }
                let have_keys = cache.fetched_at.is_some();
                if have_keys
                    && cache
                        .last_unknown_kid_fetch
                        .is_some_and(|t| t.elapsed() < UNKNOWN_KID_REFETCH)
                {
                    return Err(KeyError::UnknownKey);
                }
            } else if cache.fetched_at.is_some_and(|t| t.elapsed() < KEYS_TTL) {
                return Ok(());
            }
            if cache
                .last_attempt
                .is_some_and(|t| t.elapsed() < RETRY_AFTER_FAILURE)
                && cache.last_error.is_some()
            {
                return match cache.fetched_at {
                    Some(_) if unknown.is_some() => Err(KeyError::UnknownKey),
                    Some(_) => Ok(()),
                    None => Err(KeyError::Unavailable(
                        cache.last_error.clone().unwrap_or_default(),
                    )),
                };
            }
        }
        let now = Instant::now();
        let result = self.fetch().await;
        let mut cache = self.write();
        cache.last_attempt = Some(now);
        if unknown.is_some() && cache.fetched_at.is_some() {
            cache.last_unknown_kid_fetch = Some(now);
        }
        match result {
            Ok((discovery, keys, anonymous)) => {
                cache.discovery = Some(discovery);
                cache.keys = keys;
                cache.anonymous = anonymous;
                cache.fetched_at = Some(now);
                cache.last_error = None;
                Ok(())
            }
            Err(message) => {
                eprintln!("oidc: cannot fetch the keys of {}: {message}", self.issuer);
                cache.last_error = Some(message.clone());
                if cache.fetched_at.is_some() {
                    Ok(())
                } else {
                    Err(KeyError::Unavailable(message))
                }
            }
        }
    }

    #[allow(clippy::type_complexity)]
    async fn fetch(
        &self,
    ) -> Result<(Discovery, HashMap<String, VerifyingKey>, Vec<VerifyingKey>), String> {
        let known = self.read().discovery.clone();
        let discovery = match known {
            Some(d) => d,
            None => {
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    self.issuer.trim_end_matches('/')
                );
                let doc: Discovery = serde_json::from_slice(&self.get(&url).await?)
                    .map_err(|e| format!("discovery document: {e}"))?;
                check_discovery(&self.issuer, &doc)?;
                doc
            }
        };
        let jwks: Value = serde_json::from_slice(&self.get(&discovery.jwks_uri).await?)
            .map_err(|e| format!("JWKS: {e}"))?;
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (keys, anonymous) = parse_jwks(&jwks);
        if keys.is_empty() && anonymous.is_empty() {
            return Err("the JWKS has no RS256 or ES256 signing key".into());
        }
        Ok((discovery, keys, anonymous))
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, String> {
        if !allowed_url(url) {
            return Err(format!(
                "{url} is neither https nor a loopback http address"
            ));
        }
        let mut response = self
            .http
            .get(url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url}: HTTP {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(format!("{url}: the document is too large"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DOCUMENT_BYTES {
                return Err(format!("{url}: the document is too large"));
            }
        }
        Ok(body)
    }
}

fn lookup(cache: &Cache, kid: Option<&str>) -> Option<VerifyingKey> {
    match kid {
        Some(kid) => cache.keys.get(kid).cloned(),
        // A token without `kid`: only unambiguous when the provider publishes a single key.
        None => match (cache.anonymous.as_slice(), cache.keys.len()) {
            ([one], 0) => Some(one.clone()),
            ([], 1) => cache.keys.values().next().cloned(),
            _ => None,
        },
    }
}

/// The discovery document must name this issuer (OpenID Connect Discovery 1.0, 4.3) and
/// point only at URLs the server may fetch.
fn check_discovery(issuer: &str, doc: &Discovery) -> Result<(), String> {
    if doc.issuer != issuer {
        return Err(format!(
            "the discovery document names issuer '{}', not '{issuer}'",
            doc.issuer
        ));
    }
    if !allowed_url(&doc.jwks_uri) {
        return Err(format!(
            "jwks_uri '{}' is neither https nor a loopback http address",
            doc.jwks_uri
        ));
    }
    Ok(())
}

/// The usable signing keys of a JWKS: RSA (RS256) and EC P-256 (ES256) keys whose `use`, if
/// any, is `sig` and whose `alg`, if any, agrees. Anything else is skipped, not an error: a
/// provider may publish encryption keys or algorithms this server does not accept.
pub fn parse_jwks(jwks: &Value) -> (HashMap<String, VerifyingKey>, Vec<VerifyingKey>) {
    let mut keys = HashMap::new();
    let mut anonymous = Vec::new();
    let Some(list) = jwks.get("keys").and_then(Value::as_array) else {
        return (keys, anonymous);
    };
    for jwk in list {
        let text = |name: &str| jwk.get(name).and_then(Value::as_str);
        if text("use").is_some_and(|u| u != "sig") {
            continue;
        }
        let parsed = match (text("kty"), text("alg")) {
            (Some("RSA"), None | Some("RS256")) => match (text("n"), text("e")) {
                (Some(n), Some(e)) => {
                    DecodingKey::from_rsa_components(n, e)
                        .ok()
                        .map(|key| VerifyingKey {
                            algorithm: Algorithm::RS256,
                            key,
                        })
                }
                _ => None,
            },
            (Some("EC"), None | Some("ES256")) if text("crv") == Some("P-256") => {
                match (text("x"), text("y")) {
                    (Some(x), Some(y)) => {
                        DecodingKey::from_ec_components(x, y)
                            .ok()
                            .map(|key| VerifyingKey {
                                algorithm: Algorithm::ES256,
                                key,
                            })
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(key) = parsed {
            match text("kid") {
                Some(kid) => {
                    keys.insert(kid.to_owned(), key);
                }
                None => anonymous.push(key),
            }
        }
    }
    (keys, anonymous)
}

/// A shared key store.
pub type SharedKeys = Arc<KeyStore>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_rsa_and_p256_signing_keys_are_kept() {
        let jwks = json!({ "keys": [
            { "kty": "RSA", "kid": "r1", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB" },
              { "kty": "RSA", "kid": "enc", "use": "enc", "n": "sXch", "e": "AQAB" },
              { "kty": "oct", "kid": "h1", "k": "c2VjcmV0" },
              { "kty": "EC", "kid": "p384", "crv": "P-384", "x": "AA", "y": "AA" },
              { "kty": "RSA", "kid": "ps", "alg": "PS256", "n": "sXch", "e": "AQAB" },
              { "kty": "EC", "kid": "e1", "crv": "P-256",
                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" } ] });
        let (keys, anonymous) = parse_jwks(&jwks);
        let mut ids: Vec<_> = keys.keys().cloned().collect();
        ids.sort();
        assert_eq!(ids, ["e1", "r1"]);
        assert_eq!(keys["r1"].algorithm, Algorithm::RS256);
        assert_eq!(keys["e1"].algorithm, Algorithm::ES256);
        assert!(anonymous.is_empty());
        assert!(parse_jwks(&json!({ "nokeys": 1 })).0.is_empty());
    }

    #[test]
    fn the_discovery_document_must_name_our_issuer() {
        let doc = |issuer: &str, jwks: &str| Discovery {
            issuer: issuer.into(),
            jwks_uri: jwks.into(),
            authorization_endpoint: None,
            token_endpoint: None,
            end_session_endpoint: None,
        };
        let iss = "https://idp.example.com";
        assert!(check_discovery(iss, &doc(iss, "https://idp.example.com/jwks")).is_ok());
        assert!(check_discovery(iss, &doc("https://evil.example", "https://x/j")).is_err());
        assert!(check_discovery(iss, &doc(iss, "http://idp.example.com/jwks")).is_err());
    }
}
