//! The identity provider's side of the standalone sign-in: `GET /auth/config` on our API, and
//! the provider's token endpoint (code exchange, refresh). Tokens never appear in an error.

use action_center_core::oidc::{AuthConfig, TokenAnswer};
use gloo_net::http::Request;

use super::{ApiClient, ApiError};

/// Why the token endpoint gave no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// The provider said no (`invalid_grant`: the code or refresh token is spent, revoked, or
    /// the provider session is over).
    Refused(String),
    /// No answer, or one that is not OAuth (provider down, network, CORS).
    Unreachable,
}

impl ApiClient {
    /// `GET /auth/config`: the identity provider to offer, if the server trusts one.
    pub async fn auth_config(&self) -> Result<Option<AuthConfig>, ApiError> {
        self.get("/auth/config").await
    }
}

/// POSTs a token request (an `application/x-www-form-urlencoded` body) to the provider; the
/// answer has an access token.
pub async fn token_request(endpoint: &str, form: String) -> Result<TokenAnswer, TokenRefusal> {
    let request = Request::post(endpoint)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(form)
        .map_err(|_| TokenRefusal::Unreachable)?;
    let response = request
        .send()
        .await
        .map_err(|_| TokenRefusal::Unreachable)?;
    let ok = response.ok();
    let text = response
        .text()
        .await
        .map_err(|_| TokenRefusal::Unreachable)?;
    match serde_json::from_str::<TokenAnswer>(&text) {
        Ok(answer) if ok && answer.access_token.is_some() => Ok(answer),
        Ok(TokenAnswer {
            error: Some(error), ..
        }) if !ok => Err(TokenRefusal::Refused(error)),
        _ => Err(TokenRefusal::Unreachable),
    }
}
