//! Integration accounts: submit actions, claim work, report results.

use action_center_core::{ResultReport, SubmitActionRequest};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::auth::Caller;
use crate::errors::AppError;
use crate::extract::{if_match, ActionId, Posted};
use crate::idempotency::{self, location_of, Reply};
use crate::ops::{self, validate};
use crate::AppState;

/// Most work items per claim.
const MAX_WORK: usize = 100;

/// `POST /actions`: a detector submits an action (`Idempotency-Key` required).
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    posted: Posted<SubmitActionRequest>,
) -> Result<Response, AppError> {
    caller.require_integration()?;
    let key = idempotency::key(&headers, true)?;
    let req = posted.body;
    validate::submit(&req)?;
    let who = caller.clone();
    let expiry = state.config().expiry_days;
    let policy = state.policy().clone();
    idempotency::run(
        &state,
        &caller,
        key,
        "POST /actions",
        posted.digest,
        move |ctx| {
            let (who, req, policy) = (who.clone(), req.clone(), policy.clone());
            Box::pin(async move {
                let action = ops::submit(ctx, &who, &policy, &req, expiry).await?;
                let mut reply = Reply::json(201, &action)?;
                reply.location = Some(location_of(&action.id));
                Ok(reply)
            })
        },
    )
    .await
}

/// `GET /work?limit=N`: claims queued actions and undo requests.
pub async fn work(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    caller.require_integration()?;
    let mut limit = 10;
    for (k, v) in action_center_core::query::decode_pairs(raw.as_deref().unwrap_or("")) {
        match k.as_str() {
            "limit" => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_WORK).contains(&n) => limit = n,
                _ => return Err(AppError::invalid("limit", format!("1 to {MAX_WORK}"))),
            },
            other => return Err(AppError::invalid(other, "unknown query parameter")),
        }
    }
    let who = caller.clone();
    let work = state
        .store()
        .write(move |ctx| {
            let who = who.clone();
            Box::pin(async move { ops::claim_work(ctx, &who, limit).await })
        })
        .await?;
    Ok(Json(work).into_response())
}

/// `POST /actions/{id}/result`: how the claimed work went.
pub async fn result(
    State(state): State<AppState>,
    caller: Caller,
    ActionId(id): ActionId,
    headers: HeaderMap,
    posted: Posted<ResultReport>,
) -> Result<Response, AppError> {
    caller.require_integration()?;
    let report = posted.body;
    validate::result(&report)?;
    let pin = if_match(&headers)?;
    let key = idempotency::key(&headers, false)?;
    let who = caller.clone();
    let digest = format!("{id}:{}", posted.digest);
    idempotency::run(
        &state,
        &caller,
        key,
        "POST /actions/{id}/result",
        digest,
        move |ctx| {
            let (who, id, report) = (who.clone(), id.clone(), report.clone());
            Box::pin(async move {
                Reply::json(
                    200,
                    &ops::report_result(ctx, &who, &id, &report, pin).await?,
                )
            })
        },
    )
    .await
}
