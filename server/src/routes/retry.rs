//! `POST /retry`: a new attempt at failed actions, or failed undos, of one type.

use action_center_core::RetryRequest;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::auth::Caller;
use crate::errors::AppError;
use crate::extract::{bulk_if_match, Posted};
use crate::idempotency::{self, Reply};
use crate::ops::{self, validate};
use crate::AppState;

/// Retries one or many failed actions of one type.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    posted: Posted<RetryRequest>,
) -> Result<Response, AppError> {
    let perms = caller.permissions();
    if !perms.decide && !perms.undo {
        return Err(AppError::forbidden("Your role may not retry actions"));
    }
    let req = posted.body;
    validate::retry(&req)?;
    let pin = bulk_if_match(&headers, req.actions.len())?;
    let key = idempotency::key(&headers, false)?;
    let who = caller.clone();
    let policy = state.policy().clone();
    // A retry the policy sends back for approval gets a deadline like a new pending action.
    let expiry_days = state.config().expiry_days;
    idempotency::run(
        &state,
        &caller,
        key,
        "POST /retry",
        posted.digest,
        move |ctx| {
            let (who, req, policy) = (who.clone(), req.clone(), policy.clone());
            Box::pin(async move {
                let response = ops::retry(ctx, &who, &policy, &req, expiry_days, pin).await?;
                let mut reply = Reply::json(200, &response)?;
                reply.tally = super::decisions::tally("retry", &response);
                Ok(reply)
            })
        },
    )
    .await
}
