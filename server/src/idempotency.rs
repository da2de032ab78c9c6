//! `Idempotency-Key` on POSTs: the first response is stored with the caller, route and body
//! hash, in the same transaction as the change it describes; a replay within 24 h gets it back,
//! and the same key with another body gets 422 `idempotencyKeyReused`.

use action_center_core::ErrorCode;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;

use crate::auth::Caller;
use crate::errors::AppError;
use crate::store::{ms, StoredReply, WriteCtx};
use crate::AppState;

/// Header carrying the key.
pub const HEADER: &str = "idempotency-key";
/// Longest key accepted.
const MAX_KEY_CHARS: usize = 255;

/// A stored (or storable) JSON answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
    /// `Location` header, for creations.
    pub location: Option<String>,
    /// Per-action outcomes for the metrics, as (operation, outcome); counted once the write
    /// commits (a replay counts nothing).
    pub tally: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer.
    pub fn json<T: serde::Serialize>(status: u16, value: &T) -> Result<Reply, AppError> {
        Ok(Reply {
            status,
            body: serde_json::to_string(value)?,
            location: None,
            tally: Vec::new(),
        })
    }

    fn into_response(self, replayed: bool) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = (status, self.body).into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(loc) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            h.insert(header::LOCATION, loc);
        }
        if replayed {
            h.insert("idempotency-replayed", HeaderValue::from_static("true"));
        }
        response
    }
}

/// The key of a request, checked; `required` makes its absence a 400.
pub fn key(headers: &HeaderMap, required: bool) -> Result<Option<String>, AppError> {
    match headers.get(HEADER) {
        None if required => Err(AppError::invalid(
            "Idempotency-Key",
            "this request needs an Idempotency-Key header",
        )),
        None => Ok(None),
        Some(value) => {
            let key = value.to_str().unwrap_or("").trim();
            if key.is_empty() || key.len() > MAX_KEY_CHARS {
                Err(AppError::invalid(
                    "Idempotency-Key",
                    format!("1 to {MAX_KEY_CHARS} visible ASCII characters"),
                ))
            } else {
                Ok(Some(key.to_owned()))
            }
        }
    }
}

/// Runs `op` in one write transaction, honouring the idempotency key if there is one. Requests
/// with the same key queue behind each other (on every instance), so the second one gets the
/// first one's answer rather than running again.
pub async fn run<F>(
    state: &AppState,
    caller: &Caller,
    key: Option<String>,
    route: &'static str,
    digest: String,
    op: F,
) -> Result<Response, AppError>
where
    F: for<'a> Fn(&'a mut WriteCtx) -> BoxFuture<'a, Result<Reply, AppError>>
        + Send
        + Sync
        + 'static,
{
    let caller_id = caller.id.clone();
    let op = std::sync::Arc::new(op);
    let (reply, replayed) = state
        .store()
        .write(move |ctx| {
            let (caller_id, key, digest) = (caller_id.clone(), key.clone(), digest.clone());
            let op = std::sync::Arc::clone(&op);
            Box::pin(async move {
                let Some(key) = key else {
                    return Ok((op(ctx).await?, false));
                };
                ctx.tx.lock_idempotency_key(&caller_id, &key).await?;
                if let Some(stored) = ctx.tx.idempotent_reply(&caller_id, &key).await? {
                    if stored.route != route || stored.digest != digest {
                        return Err(AppError::new(
                            ErrorCode::IdempotencyKeyReused,
                            "This Idempotency-Key was used with another request; use a new key",
                        ));
                    }
                    let location = serde_json::from_str::<serde_json::Value>(&stored.body)
                        .ok()
                        .filter(|_| stored.status == 201)
                        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(location_of));
                    let reply = Reply {
                        status: stored.status,
                        body: stored.body,
                        location,
                        tally: Vec::new(),
                    };
                    return Ok((reply, true));
                }
                let reply = op(ctx).await?;
                let record = StoredReply {
                    route: route.to_owned(),
                    digest,
                    status: reply.status,
                    body: reply.body.clone(),
                };
                let now = ms(ctx.now);
                ctx.tx.store_reply(&caller_id, &key, &record, now).await?;
                Ok((reply, false))
            })
        })
        .await?;
    for (operation, outcome) in &reply.tally {
        state
            .metrics()
            .outcomes(operation, std::iter::once(outcome.as_str()));
    }
    Ok(reply.into_response(replayed))
}

/// Where a created action lives.
pub fn location_of(id: &str) -> String {
    format!("/api/v1/actions/{id}")
}
