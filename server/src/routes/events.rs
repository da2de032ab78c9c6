//! `GET /events`: Server-Sent Events. Each committed change arrives as `event: action` with the
//! action as this subscriber may act on it, numbered `id:` by its audit entry. A client that comes
//! back with `Last-Event-ID` first gets what it missed (replayed from the audit trail), or one
//! `event: reset` when that is too much or the id is not ours — then it reloads its rows. A
//! subscriber too slow for the broadcast buffer gets a `reset` as well rather than a silent gap.
//! A comment every 15 s keeps proxies from closing the stream. Compressed when the client takes
//! it, each event flushed on its own (never held back for the next).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{stream, StreamExt};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

use action_center_core::Policy;

use crate::auth::Caller;
use crate::compression::{accept_encoding, flush_each_chunk, negotiate, Coding};
use crate::errors::AppError;
use crate::ops::present;
use crate::store::{Change, Replay};
use crate::AppState;

/// Audit entries a reconnecting client may be behind and still be replayed to; past this, reloading
/// one page of rows is cheaper than streaming every change.
pub const MAX_REPLAY_ENTRIES: usize = 2_000;

/// The reconnection wait the stream suggests (`retry:`), in milliseconds.
pub const RETRY_HINT: Duration = Duration::from_millis(2_000);

/// The wait suggested when this instance stops: another instance (behind the load balancer)
/// is there at once.
pub const RESTART_HINT: Duration = Duration::from_millis(500);

/// Counts an open stream in the metrics until dropped with it.
struct Connected(AppState);

impl Connected {
    fn new(state: &AppState) -> Self {
        state.metrics().live_connection(1);
        Connected(state.clone())
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.0.metrics().live_connection(-1);
    }
}

/// The live stream of changed actions.
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // Each event as this account sees it (its operations, and why Approve may be missing).
    let audience = (caller.clone(), state.policy().clone());
    let replay_audience = audience.clone();
    // Subscribe before reading the audit trail: a change committed in between is then in both,
    // and the id filter below sends it once.
    let live = BroadcastStream::new(state.store().subscribe());
    let resume = headers
        .get("last-event-id")
        .map(|v| v.to_str().ok().and_then(parse_event_id));
    let (through, first) = match resume {
        None => {
            let through = state.store().last_event_id().await?;
            (through, Vec::new())
        }
        Some(None) => {
            let through = state.store().last_event_id().await?;
            (through, vec![reset(through, "unknownEventId")])
        }
        Some(Some(after)) => {
            match state
                .store()
                .changes_since(after, MAX_REPLAY_ENTRIES)
                .await?
            {
                Replay::Changes { through, changes } => (
                    through,
                    changes
                        .iter()
                        .filter_map(|c| action_event(c, &replay_audience))
                        .collect(),
                ),
                Replay::TooFarBehind { through } => (through, vec![reset(through, "tooFarBehind")]),
            }
        }
    };
    // The opening block numbers the stream even before the first change, so a reconnect after a
    // quiet spell still resumes instead of reloading.
    let hello = Event::default()
        .id(through.to_string())
        .retry(RETRY_HINT)
        .comment("connected");
    let mut newest = through;
    let connected = Connected::new(&state);
    let changes = live.filter_map(move |msg| {
        let _ = &connected;
        let event = match msg {
            Ok(change) if change.id <= newest => None,
            Ok(change) => {
                newest = change.id;
                action_event(&change, &audience)
            }
            Err(BroadcastStreamRecvError::Lagged(_)) => Some(reset(newest, "lagged")),
        };
        std::future::ready(event)
    });
    let opening = stream::iter(std::iter::once(hello).chain(first));
    // The changes never end on their own: the stream ends when the server stops, with a short
    // retry hint so the browser reconnects (to another instance) at once.
    let goodbye = Event::default()
        .retry(RESTART_HINT)
        .comment("server stopping; reconnect");
    let stream = opening
        .chain(changes)
        .take_until(state.shutting_down())
        .chain(stream::once(std::future::ready(goodbye)));
    let sse = Sse::new(stream.map(Ok::<_, Infallible>))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)));
    let coding = negotiate(accept_encoding(&headers), &[Coding::Brotli, Coding::Gzip]);
    Ok(flush_each_chunk(sse.into_response(), coding))
}

/// A `Last-Event-ID` this server issued: a decimal audit sequence number.
fn parse_event_id(value: &str) -> Option<i64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn action_event(change: &Change, (caller, policy): &(Caller, Policy)) -> Option<Event> {
    Event::default()
        .id(change.id.to_string())
        .event("action")
        .json_data(present(change.action.clone(), caller, policy))
        .ok()
}

fn reset(through: i64, reason: &str) -> Event {
    Event::default()
        .id(through.to_string())
        .event("reset")
        .data(format!(r#"{{"reason":"{reason}"}}"#))
}

#[cfg(test)]
mod tests {
    use super::parse_event_id;

    #[test]
    fn only_decimal_ids_are_ours() {
        assert_eq!(parse_event_id("42"), Some(42));
        assert_eq!(parse_event_id(" 7 "), Some(7));
        for bad in ["", "-1", "4e3", "abc", "99999999999999999999999"] {
            assert_eq!(parse_event_id(bad), None, "{bad}");
        }
    }
}
