//! Live updates: `GET /events` (Server-Sent Events) read with `fetch`, reconnecting on its own.
//!
//! `EventSource` cannot send headers, so the stream is read with `fetch` instead: it carries
//! the same `Authorization` header (or cookies + CSRF header, and the host's `getToken`
//! refresh) as every other call, and no credential ever appears in a URL. The body is parsed
//! by core's [`SseParser`]. Each `event: action` carries the changed action as JSON (one that
//! does not decode is ignored); `event: reset` means the server cannot replay what was missed,
//! so the page reloads its rows. On reconnection the last event id goes back as
//! `Last-Event-ID`, so the server replays what happened meanwhile. Waits grow with each failed
//! attempt, with jitter ([`reconnect_delay`]); the indicator's "Retry" cuts a wait short.
//!
//! The connection loop is owned by the page that started it ([`crate::state::task`]): when the
//! page goes away the loop stops at its next wait and the request is aborted.

use action_center_core::sse::{reconnect_delay, SseParser};
use action_center_core::Action;
use gloo_net::http::Request;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{body, ApiClient, ApiError};
use crate::state::Alive;

/// Where the live connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveStatus {
    /// Opening the stream.
    Connecting,
    /// Receiving updates.
    Live,
    /// Not receiving updates; a retry is scheduled.
    Off,
}

/// Why one connection ended.
enum Ended {
    /// The server closed the stream (a restart, a deploy): come back soon.
    Closed,
    /// It failed; wait longer each time.
    Failed,
    /// The session is over (401): the client's unauthorized handler has been told.
    SignedOut,
}

/// The live feed of changed actions. Lives as long as the reactive owner that started it.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    /// The connection's state, for the indicator.
    pub status: RwSignal<LiveStatus>,
    /// Resolves the current wait between attempts early ("Retry").
    wake: StoredValue<Option<js_sys::Function>, LocalStorage>,
    /// Aborts the request of the current connection.
    abort: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
}

impl LiveFeed {
    /// Connects now and keeps connecting while the current owner lives. `on_action` gets
    /// every changed action; `on_reload` runs when events may have been missed and the server
    /// could not replay them (reload what is shown).
    pub fn start(client: ApiClient, on_action: Callback<Action>, on_reload: Callback<()>) -> Self {
        let feed = LiveFeed {
            status: RwSignal::new(LiveStatus::Connecting),
            wake: StoredValue::new_local(None),
            abort: StoredValue::new_local(None),
        };
        on_cleanup(move || {
            if let Some(Some(controller)) = feed.abort.try_update_value(Option::take) {
                controller.abort();
            }
        });
        Alive::here().spawn(feed.run(client, on_action, on_reload));
        feed
    }

    /// Reconnects at once (the indicator's "Retry").
    pub fn retry(&self) {
        if let Some(Some(wake)) = self.wake.try_update_value(Option::take) {
            let _ = wake.call0(&wasm_bindgen::JsValue::NULL);
        }
    }

    async fn run(self, client: ApiClient, on_action: Callback<Action>, on_reload: Callback<()>) {
        let mut parser = SseParser::new();
        let mut failures = 0u32;
        let mut opened_before = false;
        loop {
            self.status.try_set(LiveStatus::Connecting);
            let ended = self
                .connect(
                    &client,
                    &mut parser,
                    &mut opened_before,
                    on_action,
                    on_reload,
                )
                .await;
            if self.status.try_set(LiveStatus::Off).is_some() {
                return;
            }
            failures = match ended {
                Ended::SignedOut => return,
                Ended::Closed => 0,
                Ended::Failed => failures.saturating_add(1),
            };
            let delay = reconnect_delay(failures, parser.retry_ms(), js_sys::Math::random());
            self.wait(delay.as_millis().min(i32::MAX as u128) as i32)
                .await;
        }
    }

    /// Sleeps `ms`, or until [`LiveFeed::retry`].
    async fn wait(&self, ms: i32) {
        let wake = self.wake;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
            wake.try_set_value(Some(resolve));
        });
        let _ = JsFuture::from(promise).await;
        wake.try_set_value(None);
    }

    /// One connection: open the stream, hand over its events until it ends.
    async fn connect(
        &self,
        client: &ApiClient,
        parser: &mut SseParser,
        opened_before: &mut bool,
        on_action: Callback<Action>,
        on_reload: Callback<()>,
    ) -> Ended {
        parser.reconnected();
        let response = match self.open(client, parser.last_event_id()).await {
            Ok(response) => response,
            Err(ApiError::Unauthorized) => {
                if let Some(callback) = client.on_unauthorized {
                    callback.try_run(());
                }
                return Ended::SignedOut;
            }
            Err(_) => return Ended::Failed,
        };
        let Some(reader) = response.body().map(|stream| {
            stream
                .get_reader()
                .unchecked_into::<web_sys::ReadableStreamDefaultReader>()
        }) else {
            return Ended::Failed;
        };
        self.status.try_set(LiveStatus::Live);
        // Without a last event id nothing can be replayed: what changed while the stream was
        // down is reloaded instead (the first connection has nothing to catch up on).
        if std::mem::replace(opened_before, true) && parser.last_event_id().is_empty() {
            on_reload.try_run(());
        }
        loop {
            let Ok(chunk) = JsFuture::from(reader.read()).await else {
                return Ended::Failed;
            };
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                return Ended::Closed;
            }
            let Ok(bytes) = js_sys::Reflect::get(&chunk, &"value".into())
                .and_then(|v| v.dyn_into::<js_sys::Uint8Array>())
            else {
                return Ended::Failed;
            };
            for event in parser.feed(&bytes.to_vec()) {
                match event.event.as_str() {
                    "action" => {
                        if let Ok(action) = serde_json::from_str::<Action>(&event.data) {
                            on_action.try_run(action);
                        }
                    }
                    "reset" => {
                        on_reload.try_run(());
                    }
                    _ => {}
                }
            }
        }
    }

    /// Opens the stream; a 401 with a host-supplied token asks the host once more first, as
    /// every other call does.
    async fn open(
        &self,
        client: &ApiClient,
        last_event_id: &str,
    ) -> Result<gloo_net::http::Response, ApiError> {
        match self.open_once(client, last_event_id).await {
            Err(ApiError::Unauthorized) if client.has_token_refresh() => {
                self.open_once(client, last_event_id).await
            }
            opened => opened,
        }
    }

    /// Sends `GET /events` the way every call is sent (token refresh, auth header or cookies)
    /// and returns the open response, or the error it answered with.
    async fn open_once(
        &self,
        client: &ApiClient,
        last_event_id: &str,
    ) -> Result<gloo_net::http::Response, ApiError> {
        if client.is_disposed() {
            return Err(ApiError::Network(
                "the Action Center was unmounted".to_owned(),
            ));
        }
        client.refresh_token().await?;
        if client.is_disposed() {
            return Err(ApiError::Network(
                "the Action Center was unmounted".to_owned(),
            ));
        }
        let controller = web_sys::AbortController::new()
            .map_err(|_| ApiError::Network("cannot open the live stream".to_owned()))?;
        let mut request = Request::get(&client.url("/events"))
            .abort_signal(Some(&controller.signal()))
            .cache(web_sys::RequestCache::NoStore);
        if !last_event_id.is_empty() {
            request = request.header("Last-Event-ID", last_event_id);
        }
        let request = client
            .authorized(request)
            .header("Accept", "text/event-stream");
        if let Some(Some(previous)) = self.abort.try_update_value(|a| a.replace(controller)) {
            previous.abort();
        }
        let response = request
            .send()
            .await
            .map_err(|e| ApiError::Network(e.to_string()))?;
        if !response.ok() {
            return Err(body(response).await.err().unwrap_or(ApiError::Decode(
                "the live stream answered without events".to_owned(),
            )));
        }
        let is_stream = response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.trim_start().starts_with("text/event-stream"));
        if !is_stream {
            return Err(ApiError::Decode(
                "the live stream is not an event stream".to_owned(),
            ));
        }
        Ok(response)
    }
}
