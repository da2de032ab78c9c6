//! What the operator sees: `/healthz` (the process answers), `/readyz` (the database answers and
//! its schema is current; 503 while stopping), Prometheus `/metrics`, and a log line per request
//! with a request id (`X-Request-Id`, taken from the client or made up, and sent back).

pub mod log;
pub mod metrics;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;

/// The header carrying the request id.
pub const REQUEST_ID: &str = "x-request-id";

tokio::task_local! {
    /// The id of the request this task serves, for log lines written while serving it.
    static CURRENT_REQUEST: String;
}

/// The id of the request being served on this task, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST.try_with(|id| id.clone()).ok()
}

/// The client's id if it is a sensible one (1–64 letters, digits, `.`, `_`, `-`), else a new one.
fn request_id(headers: &HeaderMap) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let given = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    match given {
        Some(id) => id.to_owned(),
        None => {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
            format!("{:016x}", h.finish())
        }
    }
}

/// Probes and scrapes: counted, not logged when they succeed.
fn is_probe(route: &str) -> bool {
    matches!(route, "/healthz" | "/readyz" | "/metrics")
}

/// Middleware: request id, metrics by route and status, one log line per request.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(request.headers());
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let path = request.uri().path().to_owned();
    let mut response = CURRENT_REQUEST.scope(id.clone(), next.run(request)).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    state.metrics().request(&method, &route, status, took);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let quiet = status < 400 && (is_probe(&route) || !state.config().access_log);
    if !quiet {
        let fields = [
            ("requestId", id.into()),
            ("method", method.into()),
            ("route", route.into()),
            ("path", path.into()),
            ("status", status.into()),
            (
                "durationMs",
                ((took.as_secs_f64() * 1e5).round() / 100.0).into(),
            ),
        ];
        if status >= 500 && status != 503 {
            log::error("request", &fields);
        } else if status >= 400 {
            log::warn("request", &fields);
        } else {
            log::info("request", &fields);
        }
    }
    response
}

/// `/healthz`, `/readyz`, `/metrics`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up and answering.
async fn healthz() -> Response {
    no_store(Json(json!({"status": "ok"})).into_response())
}

/// Whether this instance should get traffic: not stopping, database reachable, schema current.
async fn ready(state: &AppState) -> Result<(), String> {
    if state.is_shutting_down() {
        return Err("shutting down".into());
    }
    state
        .store()
        .backend()
        .ready()
        .await
        .map_err(|_| "database unavailable or schema not current".to_owned())
}

async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.store().backend().kind();
    let response = match ready(&state).await {
        Ok(()) => Json(json!({"status": "ready", "store": store})).into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "notReady", "store": store, "reason": reason})),
        )
            .into_response(),
    };
    no_store(response)
}

async fn metrics(State(state): State<AppState>) -> Response {
    let backend = state.store().backend();
    let pool = backend.pool_use();
    let gauges = metrics::Gauges {
        store: backend.kind(),
        queue_depth: backend.queue_depth().await.ok(),
        pool: (pool.open, pool.in_use, pool.max),
        ready: ready(&state).await.is_ok(),
        webhook_outbox: if state.config().webhooks.enabled() {
            backend.outbox_backlog().await.ok()
        } else {
            None
        },
    };
    let mut response = state.metrics().render(&gauges).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    no_store(response)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
