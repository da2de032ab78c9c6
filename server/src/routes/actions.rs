//! Reading actions: the list, facets, one action (with ETag), its timeline, related instances.

use action_center_core::{ActionPage, Facets, RelatedInstances, TimelineEntry};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::auth::Caller;
use crate::errors::AppError;
use crate::extract::{parse_query, ActionId};
use crate::ops::{for_caller, present};
use crate::AppState;

/// `GET /actions`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<ActionPage>, AppError> {
    let query = parse_query(raw.as_deref())?;
    let (page, page_size) = (query.page_or_default(), query.page_size_or_default());
    let result = state.store().list(query).await?;
    Ok(Json(ActionPage {
        items: result
            .items
            .into_iter()
            .map(|a| present(a, &caller, state.policy()))
            .collect(),
        page,
        page_size,
        total: result.total,
        total_is_lower_bound: result.total_is_lower_bound,
    }))
}

/// `GET /actions/facets`.
pub async fn facets(
    State(state): State<AppState>,
    _caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Facets>, AppError> {
    let query = parse_query(raw.as_deref())?;
    Ok(Json(state.store().facets(query).await?))
}

fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// `GET /actions/{id}`, with `ETag: "<version>"` and `If-None-Match` → 304.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ActionId(id): ActionId,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let missing = format!("No action {id}");
    let stored = state
        .store()
        .action(&id)
        .await?
        .ok_or_else(|| AppError::not_found(missing))?;
    let tag = etag(stored.action.version);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == tag || t.trim() == "*")
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(present(stored.action, &caller, state.policy())).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

/// `GET /actions/{id}/timeline`.
pub async fn timeline(
    State(state): State<AppState>,
    _caller: Caller,
    ActionId(id): ActionId,
) -> Result<Json<Vec<TimelineEntry>>, AppError> {
    let stored = state
        .store()
        .action(&id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("No action {id}")))?;
    Ok(Json(state.store().timeline(stored.seq).await?))
}

/// `GET /actions/{id}/related-instances`.
pub async fn related(
    State(state): State<AppState>,
    caller: Caller,
    ActionId(id): ActionId,
) -> Result<Json<RelatedInstances>, AppError> {
    let perms = caller.permissions();
    let stored = state
        .store()
        .action(&id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("No action {id}")))?;
    let items = state.store().related_instances(&stored.action).await?;
    let related = RelatedInstances {
        sha256: if items.is_empty()
            && stored.action.action_type != action_center_core::ActionType::QuarantineFile
        {
            None
        } else {
            stored.action.entity.sha256.clone()
        },
        count: items.len() as u64,
        items: items
            .into_iter()
            .map(|s| for_caller(s.action, perms))
            .collect(),
    };
    Ok(Json(related))
}
