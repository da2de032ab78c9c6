//! `GET /openapi.json`: the machine-readable contract (public, like the docs it is).

use axum::http::header;
use axum::response::IntoResponse;

/// The OpenAPI 3.1 document.
pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::DOCUMENT,
    )
}
