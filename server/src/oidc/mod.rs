//! Sign-in with the organisation's identity provider (OpenID Connect): bearer JWTs from the
//! configured issuer are accepted beside the opaque tokens of `--users`, and the standalone app
//! learns from `GET /auth/config` how to sign in (authorization code + PKCE, a public client).
//!
//! [`config`] reads the operator's flags or file, [`keys`] fetches and caches discovery and the
//! JWKS (following key rotation), [`token`] checks a token and maps its claims to a caller.

pub mod config;
pub mod keys;
pub mod token;

use action_center_core::oidc::AuthConfig;

pub use config::{OidcConfig, OidcFlags};
pub use keys::KeyStore;
pub use token::TokenError;

use crate::auth::Caller;

/// The identity provider the server trusts.
pub struct Oidc {
    config: OidcConfig,
    keys: KeyStore,
}

impl Oidc {
    /// Trusts the provider `config` describes (nothing is fetched yet).
    pub fn new(config: OidcConfig) -> Self {
        let keys = KeyStore::new(&config.issuer);
        Oidc { config, keys }
    }

    /// The configuration.
    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// The key store (for its fetch counter).
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// Fetches discovery and keys now, so that the first analyst does not wait for them and a
    /// misconfiguration shows in the log at start. A failure is only logged: the provider may
    /// come up after the server.
    pub async fn prefetch(&self) {
        if let Err(err) = self.keys.discovery().await {
            eprintln!(
                "oidc: {} is not reachable yet ({err:?}); sign-in will retry",
                self.config.issuer
            );
        }
    }

    /// Checks a bearer JWT; the caller it stands for.
    pub async fn verify(&self, token: &str) -> Result<Caller, TokenError> {
        token::verify(&self.config, &self.keys, token).await
    }

    /// The app's sign-in configuration (fetching discovery if it is not known yet).
    pub async fn public_config(&self) -> AuthConfig {
        let discovery = self.keys.discovery().await.ok();
        let c = &self.config;
        AuthConfig {
            issuer: c.issuer.clone(),
            client_id: c.client_id.clone(),
            scopes: c.scopes.clone(),
            audience: c.audiences[0].clone(),
            provider_name: c.provider_name.clone(),
            authorization_endpoint: discovery
                .as_ref()
                .and_then(|d| d.authorization_endpoint.clone()),
            token_endpoint: discovery.as_ref().and_then(|d| d.token_endpoint.clone()),
            end_session_endpoint: discovery.and_then(|d| d.end_session_endpoint),
        }
    }

    /// Origins the app must be allowed to `fetch` from (CSP `connect-src`): the issuer's and,
    /// once discovery is known, the token endpoint's.
    pub fn connect_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = config::url_origin(&self.config.issuer)
            .into_iter()
            .collect();
        if let Some(origin) = self
            .keys
            .cached_discovery()
            .and_then(|d| d.token_endpoint)
            .and_then(|t| config::url_origin(&t))
        {
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        origins
    }
}
