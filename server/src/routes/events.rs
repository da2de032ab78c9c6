//! `GET /events`: Server-Sent Events. Each committed change arrives as `event: action` with the
//! action as this subscriber may act on it; a comment every 15 s keeps proxies from closing it.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use crate::auth::Caller;
use crate::ops::for_caller;
use crate::AppState;

/// The live stream of changed actions.
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let perms = caller.permissions();
    let changes = BroadcastStream::new(state.store().subscribe()).filter_map(move |msg| {
        let event = msg.ok().and_then(|action| {
            Event::default()
                .event("action")
                .json_data(for_caller(action, perms))
                .ok()
        });
        std::future::ready(event.map(Ok))
    });
    let hello = futures_util::stream::once(std::future::ready(Ok(
        Event::default().comment("connected")
    )));
    let stream = hello.chain(changes).take_until(state.shutting_down());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
