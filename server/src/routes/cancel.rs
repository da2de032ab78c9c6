//! `POST /actions/{id}/cancel`: stop a queued or running action.

use action_center_core::CancelRequest;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::auth::Caller;
use crate::errors::AppError;
use crate::extract::{if_match, ActionId, Posted};
use crate::idempotency::{self, Reply};
use crate::ops::{self, validate};
use crate::AppState;

/// Cancels one action (409 `invalidState` unless queued or running).
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ActionId(id): ActionId,
    headers: HeaderMap,
    posted: Posted<Option<CancelRequest>>,
) -> Result<Response, AppError> {
    if !caller.permissions().cancel {
        return Err(AppError::forbidden("Your role may not cancel actions"));
    }
    let comment = posted.body.and_then(|b| b.comment);
    validate::comment(comment.as_deref())?;
    let pin = if_match(&headers)?;
    let key = idempotency::key(&headers, false)?;
    let who = caller.clone();
    let route = "POST /actions/{id}/cancel";
    let digest = format!("{id}:{}", posted.digest);
    idempotency::run(&state, &caller, key, route, digest, move |ctx| {
        let (who, id, comment) = (who.clone(), id.clone(), comment.clone());
        Box::pin(async move {
            Reply::json(
                200,
                &ops::cancel(ctx, &who, &id, comment.as_deref(), pin).await?,
            )
        })
    })
    .await
}
