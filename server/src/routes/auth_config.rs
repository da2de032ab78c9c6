//! `GET /auth/config` (no sign-in needed): `null`, or how the standalone app signs in with the
//! identity provider (issuer, public client id, scopes, audience, the button's provider name
//! and the provider's endpoints from its discovery document).

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::AppState;

/// The sign-in configuration, or `null` without an identity provider.
pub async fn show(State(state): State<AppState>) -> Response {
    let body = match state.oidc() {
        Some(oidc) => Some(oidc.public_config().await),
        None => None,
    };
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
