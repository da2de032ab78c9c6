//! `GET /webhooks/deliveries?state=failing|dead&limit=N`: the deliveries an operator should look
//! at, beside `/metrics` (outside `/api/v1`, no token; expose it where `/metrics` is exposed).
//! Rows show the receiver's origin only, never its URL or secret.

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::errors::AppError;
use crate::store::from_ms;
use crate::store::outbox::{DeliveryFilter, DeliveryRow};
use crate::AppState;

/// Rows listed unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;
/// Rows listed at most.
const MAX_LIMIT: usize = 1000;

/// The operator's routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/webhooks/deliveries", get(deliveries))
}

#[derive(Debug, Deserialize)]
struct Params {
    state: Option<String>,
    limit: Option<String>,
}

/// One delivery as listed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    receiver: String,
    event_id: String,
    action_id: String,
    state: &'static str,
    attempts: u32,
    last_status: Option<u16>,
    last_error: Option<String>,
    last_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<DeliveryRow> for Listed {
    fn from(row: DeliveryRow) -> Self {
        Listed {
            receiver: row.receiver_origin,
            event_id: row.event_id.to_string(),
            action_id: row.action_id,
            state: if row.dead { "dead" } else { "failing" },
            attempts: row.attempts,
            last_status: row.last_status,
            last_error: row.last_error,
            last_attempt_at: row.last_attempt_at.map(from_ms),
            next_attempt_at: row.next_attempt_at.map(from_ms),
            created_at: from_ms(row.created_at),
        }
    }
}

fn filter(raw: Option<&str>) -> Result<DeliveryFilter, AppError> {
    match raw {
        None | Some("") => Ok(DeliveryFilter::Troubled),
        Some("failing") => Ok(DeliveryFilter::Failing),
        Some("dead") => Ok(DeliveryFilter::Dead),
        Some(_) => Err(AppError::invalid("state", "must be failing or dead")),
    }
}

fn limit(raw: Option<&str>) -> Result<usize, AppError> {
    match raw {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| AppError::invalid("limit", format!("must be 1 to {MAX_LIMIT}"))),
    }
}

async fn deliveries(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, AppError> {
    let filter = filter(params.state.as_deref())?;
    let limit = limit(params.limit.as_deref())?;
    let rows = state.store().backend().deliveries(filter, limit).await?;
    let listed: Vec<Listed> = rows.into_iter().map(Listed::from).collect();
    let mut response = Json(serde_json::json!({ "deliveries": listed })).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_and_limit_are_checked() {
        assert_eq!(filter(None).unwrap(), DeliveryFilter::Troubled);
        assert_eq!(filter(Some("dead")).unwrap(), DeliveryFilter::Dead);
        assert!(filter(Some("gone")).is_err());
        assert_eq!(limit(Some("5")).unwrap(), 5);
        assert!(limit(Some("0")).is_err());
        assert!(limit(Some("5000")).is_err());
    }
}
