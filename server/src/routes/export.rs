//! `GET /actions/export.csv`: the filtered list as CSV, streamed in chunks from a blocking
//! reader (never the whole file in memory), every cell formula-safe (core's escaping).

use action_center_core::csv::{action_record, record, EXPORT_HEADER};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use tokio_stream::wrappers::ReceiverStream;

use crate::auth::Caller;
use crate::errors::AppError;
use crate::extract::parse_query;
use crate::AppState;
use action_center_core::Action;

/// Bytes per chunk sent.
const CHUNK: usize = 64 * 1024;

/// The export.
pub async fn csv(
    State(state): State<AppState>,
    _caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let query = parse_query(raw.as_deref())?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let (rows, mut actions) = tokio::sync::mpsc::channel::<Result<Action, AppError>>(256);
    let store = state.store().clone();
    tokio::spawn(async move {
        let reading = tokio::spawn(async move { store.export(query, rows).await });
        let mut buf = record(EXPORT_HEADER);
        while let Some(row) = actions.recv().await {
            let Ok(action) = row else { break };
            buf.push_str(&action_record(&action));
            if buf.len() >= CHUNK {
                let chunk = Bytes::from(std::mem::take(&mut buf));
                if tx.send(Ok(chunk)).await.is_err() {
                    return; // the client went away; dropping `actions` stops the reader
                }
            }
        }
        let last = match reading.await {
            Ok(Ok(())) => Ok(Bytes::from(buf)),
            Ok(Err(err)) => Err(std::io::Error::other(err.to_string())),
            Err(err) => Err(std::io::Error::other(err.to_string())),
        };
        let _ = tx.send(last).await;
    });
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut response = Body::from_stream(ReceiverStream::new(rx)).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"actions-{stamp}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
