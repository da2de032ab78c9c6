//! `POST /undo`: undo completed actions (and, for quarantines, their related instances).

use action_center_core::UndoRequest;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::auth::Caller;
use crate::errors::AppError;
use crate::extract::{bulk_if_match, Posted};
use crate::idempotency::{self, Reply};
use crate::ops::{self, validate};
use crate::AppState;

/// Undoes one or many completed actions of one type.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    posted: Posted<UndoRequest>,
) -> Result<Response, AppError> {
    if !caller.permissions().undo {
        return Err(AppError::forbidden("Your role may not undo actions"));
    }
    let req = posted.body;
    validate::undo(&req)?;
    let pin = bulk_if_match(&headers, req.actions.len())?;
    let key = idempotency::key(&headers, false)?;
    let who = caller.clone();
    idempotency::run(
        &state,
        &caller,
        key,
        "POST /undo",
        posted.digest,
        move |ctx| {
            let (who, req) = (who.clone(), req.clone());
            Box::pin(async move {
                let response = ops::undo(ctx, &who, &req, pin).await?;
                let mut reply = Reply::json(200, &response)?;
                reply.tally = super::decisions::tally("undo", &response);
                Ok(reply)
            })
        },
    )
    .await
}
