//! One HTTP exchange with the API, whatever the call: the token brought up to date and sent,
//! a `429` waited out as the server asks (saying so), a `401` with a host-supplied token answered
//! by asking the host once more, and the session's end reported once the server still refuses.
//! Only then does the caller read the answer.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use action_center_core::retry::{busy_notice, retry_after, MAX_RATE_LIMITED_RETRIES};
use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::*;

use super::{idempotency_key, ApiClient, ApiError};

/// What is being asked.
#[derive(Clone, Copy)]
pub(super) enum Method {
    Get,
    Post,
}

/// "The server is busy" while any call of this client waits out a 429: the page shows it in a
/// status region. Arc signals: a wait may end after the view that showed it is gone.
#[derive(Clone, Default)]
pub struct BusyNotice {
    message: ArcRwSignal<Option<String>>,
    waiting: Arc<AtomicU32>,
}

impl BusyNotice {
    /// The notice to show, if a call is waiting.
    pub fn message(&self) -> ArcReadSignal<Option<String>> {
        self.message.read_only()
    }

    fn start(&self, message: String) {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        self.message.set(Some(message));
    }

    fn end(&self) {
        let before = self.waiting.fetch_sub(1, Ordering::Relaxed);
        if before <= 1 {
            self.message.set(None);
        }
    }
}

impl ApiClient {
    /// Sends `method url` (with a JSON body for POST) until the answer is one to read.
    pub(super) async fn exchange(
        &self,
        method: Method,
        url: &str,
        accept: &str,
        json: Option<&str>,
    ) -> Result<Response, ApiError> {
        // One key for every attempt: a POST repeated after a 429 is the same request.
        let key = json.map(|_| idempotency_key());
        let mut asked_host_again = false;
        let mut waits = 0;
        loop {
            // A request started just before its instance was unmounted runs after the
            // instance's signals are gone: it must end here quietly, not touch them.
            if self.is_disposed() {
                return Err(unmounted());
            }
            self.refresh_token().await?;
            if self.is_disposed() {
                return Err(unmounted());
            }
            let request = self
                .authorized(match method {
                    Method::Get => Request::get(url),
                    Method::Post => Request::post(url),
                })
                .header("Accept", accept);
            let response = send(request, json, key.as_deref()).await?;
            match response.status() {
                // The host's token may have expired between its `getToken` and our request:
                // ask once more before calling the session over.
                401 if self.has_token_refresh() && !asked_host_again => {
                    asked_host_again = true;
                }
                429 if waits < MAX_RATE_LIMITED_RETRIES => {
                    waits += 1;
                    let header = response.headers().get("retry-after");
                    let wait = retry_after(header.as_deref(), chrono::Utc::now());
                    self.busy.start(busy_notice(wait));
                    crate::state::task::sleep(wait).await;
                    self.busy.end();
                }
                401 => {
                    if let Some(callback) = self.on_unauthorized {
                        callback.try_run(());
                    }
                    return Ok(response);
                }
                _ => return Ok(response),
            }
        }
    }
}

fn unmounted() -> ApiError {
    ApiError::Network("the Action Center was unmounted".to_owned())
}

async fn send(
    request: RequestBuilder,
    json: Option<&str>,
    idempotency_key: Option<&str>,
) -> Result<Response, ApiError> {
    let network = |e: gloo_net::Error| ApiError::Network(e.to_string());
    match (json, idempotency_key) {
        (Some(json), Some(key)) => request
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .body(json.to_owned())
            .map_err(network)?
            .send()
            .await
            .map_err(network),
        _ => request.send().await.map_err(network),
    }
}
