//! Live updates: `GET /events` (Server-Sent Events), reconnecting with backoff on its own.
//!
//! EventSource cannot send headers, so the token travels as `?access_token=` on this one route.
//! Each `event: action` carries the changed action as JSON; an event that does not decode is
//! ignored. The browser's own reconnection is replaced by ours, so that the indicator knows when
//! updates are off and a retry waits longer each time (1, 2, 4 … 30 s).

use std::time::Duration;

use action_center_core::query::encode_pairs;
use action_center_core::Action;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};

use super::ApiClient;

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

/// How long to wait before reconnection attempt `attempt` (0-based): 1, 2, 4, 8, 16, 30 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs((1u64 << attempt.min(5)).min(30))
}

impl ApiClient {
    /// The URL of the event stream, with the current token unless the browser's cookies sign
    /// in (then the stream is opened with credentials); `None` when signed out.
    pub fn events_url(&self) -> Option<String> {
        if self.cookies.is_some() {
            return Some(self.url("/events"));
        }
        let token = self.token.try_get_untracked().flatten()?;
        let query = encode_pairs([("access_token", token.trim())]);
        Some(self.url(&format!("/events?{query}")))
    }

    /// Opens the event stream (`withCredentials` when cookies sign in).
    fn open_events(&self, url: &str) -> Option<EventSource> {
        if self.cookies.is_none() {
            return EventSource::new(url).ok();
        }
        // `new EventSource(url, { withCredentials: true })`, without one more web-sys feature.
        let init = js_sys::Object::new();
        js_sys::Reflect::set(&init, &"withCredentials".into(), &true.into()).ok()?;
        let constructor = js_sys::Reflect::get(&js_sys::global(), &"EventSource".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let args = js_sys::Array::of2(&url.into(), &init);
        js_sys::Reflect::construct(&constructor, &args)
            .ok()?
            .dyn_into::<EventSource>()
            .ok()
    }
}

/// An open stream and the callbacks it holds. Dropping it closes the stream first, so that no
/// callback runs after it is gone.
struct Connection {
    source: EventSource,
    on_action: Closure<dyn FnMut(MessageEvent)>,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.source.close();
        self.source.set_onopen(None);
        self.source.set_onerror(None);
        let _ = self
            .source
            .remove_event_listener_with_callback("action", self.on_action.as_ref().unchecked_ref());
    }
}

#[derive(Default)]
struct Inner {
    connection: Option<Connection>,
    timer: Option<TimeoutHandle>,
    attempt: u32,
    opened_before: bool,
}

/// The live feed of changed actions. Lives as long as the reactive owner that started it.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    /// The connection's state, for the indicator.
    pub status: RwSignal<LiveStatus>,
    inner: StoredValue<Inner, LocalStorage>,
    client: StoredValue<ApiClient, LocalStorage>,
    on_action: Callback<Action>,
    on_reconnect: Callback<()>,
}

impl LiveFeed {
    /// Connects now. `on_action` gets every changed action; `on_reconnect` runs when the stream
    /// opens again after a break (events may have been missed: reload what is shown).
    pub fn start(
        client: ApiClient,
        on_action: Callback<Action>,
        on_reconnect: Callback<()>,
    ) -> Self {
        let feed = LiveFeed {
            status: RwSignal::new(LiveStatus::Connecting),
            inner: StoredValue::new_local(Inner::default()),
            client: StoredValue::new_local(client),
            on_action,
            on_reconnect,
        };
        feed.open();
        on_cleanup(move || feed.stop());
        feed
    }

    /// Reconnects at once (the indicator's "Retry").
    pub fn retry(&self) {
        self.inner.update_value(|inner| {
            inner.attempt = 0;
            if let Some(timer) = inner.timer.take() {
                timer.clear();
            }
        });
        self.open();
    }

    /// Closes the stream and cancels any retry.
    fn stop(&self) {
        if let Some(mut inner) = self.inner.try_update_value(std::mem::take) {
            if let Some(timer) = inner.timer.take() {
                timer.clear();
            }
            inner.connection = None;
        }
    }

    fn open(&self) {
        let feed = *self;
        // Never called from the old connection's own callbacks, so dropping it here is safe.
        self.inner.update_value(|inner| inner.connection = None);
        let Some(url) = self.client.with_value(ApiClient::events_url) else {
            self.status.set(LiveStatus::Off);
            return;
        };
        let Some(source) = self.client.with_value(|c| c.open_events(&url)) else {
            self.status.set(LiveStatus::Off);
            self.schedule_retry();
            return;
        };
        self.status.set(LiveStatus::Connecting);

        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            feed.status.try_set(LiveStatus::Live);
            let again = feed
                .inner
                .try_update_value(|inner| {
                    inner.attempt = 0;
                    std::mem::replace(&mut inner.opened_before, true)
                })
                .unwrap_or(false);
            if again {
                feed.on_reconnect.try_run(());
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            // Close (not drop: this callback belongs to the connection) and retry later.
            if let Some(source) = ev.target().and_then(|t| t.dyn_into::<EventSource>().ok()) {
                source.close();
            }
            if feed.status.try_set(LiveStatus::Off).is_none() {
                feed.schedule_retry();
            }
        });
        let on_action = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                return;
            };
            if let Ok(action) = serde_json::from_str::<Action>(&text) {
                feed.on_action.try_run(action);
            }
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let _ =
            source.add_event_listener_with_callback("action", on_action.as_ref().unchecked_ref());
        self.inner.update_value(|inner| {
            inner.connection = Some(Connection {
                source,
                on_action,
                _on_open: on_open,
                _on_error: on_error,
            })
        });
    }

    fn schedule_retry(&self) {
        let feed = *self;
        let Some(attempt) = self.inner.try_update_value(|inner| {
            let attempt = inner.attempt;
            inner.attempt = attempt.saturating_add(1);
            if let Some(timer) = inner.timer.take() {
                timer.clear();
            }
            attempt
        }) else {
            return;
        };
        if let Ok(handle) = set_timeout_with_handle(
            move || {
                if feed
                    .inner
                    .try_update_value(|inner| inner.timer = None)
                    .is_none()
                {
                    return;
                }
                // A host's token may have been replaced meanwhile: bring it up to date first.
                let Some(client) = feed.client.try_get_value() else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    let _ = client.refresh_token().await;
                    if feed.inner.try_with_value(|_| ()).is_some() {
                        feed.open();
                    }
                });
            },
            backoff(attempt),
        ) {
            self.inner.update_value(|inner| inner.timer = Some(handle));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn retries_wait_longer_up_to_half_a_minute() {
        let waits: Vec<_> = (0..8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(u32::MAX), Duration::from_secs(30));
    }
}
