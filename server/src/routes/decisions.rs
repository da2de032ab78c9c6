//! `POST /decisions`: approve or reject.

use action_center_core::{BulkResponse, DecisionRequest, DecisionVerb};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::auth::Caller;
use crate::errors::AppError;
use crate::extract::{bulk_if_match, Posted};
use crate::idempotency::{self, Reply};
use crate::ops::{self, validate};
use crate::AppState;

/// Decides one or many pending actions of one type.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    posted: Posted<DecisionRequest>,
) -> Result<Response, AppError> {
    if !caller.permissions().decide {
        return Err(AppError::forbidden(
            "Your role may not approve or reject actions",
        ));
    }
    let req = posted.body;
    validate::decision(&req)?;
    let pin = bulk_if_match(&headers, req.actions.len())?;
    let key = idempotency::key(&headers, false)?;
    let who = caller.clone();
    let policy = state.policy().clone();
    idempotency::run(
        &state,
        &caller,
        key,
        "POST /decisions",
        posted.digest,
        move |ctx| {
            let (who, req, policy) = (who.clone(), req.clone(), policy.clone());
            Box::pin(async move {
                let response = ops::decide(ctx, &who, &policy, &req, pin).await?;
                let operation = match req.decision {
                    DecisionVerb::Approve => "approve",
                    _ => "reject",
                };
                let mut reply = Reply::json(200, &response)?;
                reply.tally = tally(operation, &response);
                Ok(reply)
            })
        },
    )
    .await
}

/// The per-action outcomes of a bulk answer, for the metrics.
pub fn tally(operation: &'static str, response: &BulkResponse) -> Vec<(&'static str, String)> {
    response
        .results
        .iter()
        .map(|r| (operation, r.outcome.as_str().to_owned()))
        .collect()
}
