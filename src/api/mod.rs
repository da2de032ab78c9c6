//! The one HTTP client of the app: typed calls to contract v1, one error type.
//!
//! Views never build URLs or parse JSON; they call these methods and render `ApiError`.
//! Every body is read as text and decoded with serde_json, so nothing from the network can
//! panic the app: the core's wire types decode totally (unknown enum values are kept).

mod error;
mod events;
mod export;
mod oidc;
mod transport;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use action_center_core::retry::MAX_RESPONSE_BYTES;
use action_center_core::{
    Action, ActionPage, ActionQuery, BulkResponse, DecisionRequest, Me, Problem, RelatedInstances,
    RetryRequest, TimelineEntry, UndoRequest,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::*;
use serde::de::DeserializeOwned;

pub use error::ApiError;
pub use events::{LiveFeed, LiveStatus};
pub use export::download_name;
pub use oidc::{token_request, TokenRefusal};
pub use transport::BusyNotice;
use transport::Method;

/// Brings the token up to date before a request (embedded: the host page's `getToken`); an
/// error says why there is none.
pub type RefreshToken = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>>>>>;

/// Typed access to the Action Center API. Cheap to clone; safe to keep in a context.
#[derive(Clone)]
pub struct ApiClient {
    base: Arc<str>,
    token: Signal<Option<String>>,
    on_unauthorized: Option<Callback<()>>,
    refresh: Option<StoredValue<RefreshToken, LocalStorage>>,
    /// Cookie sign-in: `Some` (with the CSRF header and value, if any) instead of a token.
    cookies: Option<Arc<Option<(String, String)>>>,
    /// Shown while a call waits out a 429.
    busy: BusyNotice,
}

impl ApiClient {
    /// A client for the API at `base` (e.g. `/api/v1` or `https://portal.example/ac/api/v1`)
    /// that sends the current value of `token` as a bearer token.
    pub fn new(base: impl Into<String>, token: Signal<Option<String>>) -> Self {
        let base = base.into();
        ApiClient {
            base: Arc::from(base.trim_end_matches('/')),
            token,
            on_unauthorized: None,
            refresh: None,
            cookies: None,
            busy: BusyNotice::default(),
        }
    }

    /// Runs `refresh` before every request, so that the token is fresh (embedded `getToken`).
    pub fn with_token_refresh(mut self, refresh: RefreshToken) -> Self {
        self.refresh = Some(StoredValue::new_local(refresh));
        self
    }

    /// Signs in with the browser's cookies (`credentials: include`) instead of a token, and
    /// sends `csrf` (header, value) with every request.
    pub fn with_cookies(mut self, csrf: Option<(String, String)>) -> Self {
        self.cookies = Some(Arc::new(csrf));
        self
    }

    /// Brings the token up to date, when the host page supplies it; 401 when it cannot.
    pub async fn refresh_token(&self) -> Result<(), ApiError> {
        let Some(refresh) = self.refresh.and_then(|r| r.try_get_value()) else {
            return Ok(());
        };
        refresh().await.map_err(|_| ApiError::Unauthorized)
    }

    /// Whether the host page supplies (and refreshes) the token.
    fn has_token_refresh(&self) -> bool {
        self.refresh.is_some()
    }

    /// "The server is busy…" while a call waits out a 429.
    pub fn busy_notice(&self) -> &BusyNotice {
        &self.busy
    }

    /// Runs `callback` whenever the server answers 401 (the session is over).
    pub fn on_unauthorized(mut self, callback: Callback<()>) -> Self {
        self.on_unauthorized = Some(callback);
        self
    }

    /// `GET /me` with the current token.
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get("/me").await
    }

    /// `GET /me` with a token that is not stored yet (the sign-in form checks it).
    pub async fn me_with_token(&self, token: &str) -> Result<Me, ApiError> {
        let request = Request::get(&self.url("/me"))
            .header("Accept", "application/json")
            .header("Authorization", &bearer(token));
        parse(&body(send(request).await?).await?)
    }

    /// `GET /actions`: one page of the list.
    pub async fn list_actions(&self, query: &ActionQuery) -> Result<ActionPage, ApiError> {
        let qs = query.to_query_string();
        let path = if qs.is_empty() {
            "/actions".to_owned()
        } else {
            format!("/actions?{qs}")
        };
        self.get(&path).await
    }

    /// `GET /actions/{id}`.
    pub async fn action(&self, id: &str) -> Result<Action, ApiError> {
        self.get(&format!("/actions/{}", encode_segment(id))).await
    }

    /// `GET /actions/{id}/timeline`.
    pub async fn timeline(&self, id: &str) -> Result<Vec<TimelineEntry>, ApiError> {
        self.get(&format!("/actions/{}/timeline", encode_segment(id)))
            .await
    }

    /// `GET /actions/{id}/related-instances`.
    pub async fn related_instances(&self, id: &str) -> Result<RelatedInstances, ApiError> {
        self.get(&format!(
            "/actions/{}/related-instances",
            encode_segment(id)
        ))
        .await
    }

    /// `POST /decisions`: approve or reject one or many actions of one type.
    pub async fn decide(&self, body: &DecisionRequest) -> Result<BulkResponse, ApiError> {
        self.post("/decisions", body).await
    }

    /// `POST /undo`: undo one or many completed actions of one type.
    pub async fn undo(&self, body: &UndoRequest) -> Result<BulkResponse, ApiError> {
        self.post("/undo", body).await
    }

    /// `POST /retry`: a new attempt at failed actions (or failed undos) of one type.
    pub async fn retry(&self, body: &RetryRequest) -> Result<BulkResponse, ApiError> {
        self.post("/retry", body).await
    }

    /// Whether the instance this client belongs to has been unmounted.
    fn is_disposed(&self) -> bool {
        self.token.try_get_untracked().is_none()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        if let Some(cookies) = &self.cookies {
            let request = request.credentials(web_sys::RequestCredentials::Include);
            return match cookies.as_ref() {
                Some((header, value)) => request.header(header, value),
                None => request,
            };
        }
        // `try_`: the instance may have been unmounted while this request waited.
        match self.token.try_get_untracked().flatten() {
            Some(token) => request.header("Authorization", &bearer(&token)),
            None => request,
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        parse(&self.fetch(Method::Get, path, None).await?)
    }

    async fn post<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let json = serde_json::to_string(body).map_err(|e| ApiError::Network(e.to_string()))?;
        parse(&self.fetch(Method::Post, path, Some(&json)).await?)
    }

    /// Sends a request with the token and returns the body of a 2xx answer. Not generic, so
    /// the HTTP handling exists once in the binary; only the final decode is per type.
    async fn fetch(
        &self,
        method: Method,
        path: &str,
        json: Option<&str>,
    ) -> Result<String, ApiError> {
        let response = self
            .exchange(method, &self.url(path), "application/json", json)
            .await?;
        body(response).await
    }
}

async fn send(request: RequestBuilder) -> Result<Response, ApiError> {
    request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))
}

/// Reads the body as text: a 2xx answer's body, or the error it stands for (the API's problem
/// document, or a generic problem for a non-JSON error body).
async fn body(response: Response) -> Result<String, ApiError> {
    let status = response.status();
    // Refuse what is too big to hold before reading it, when the size is announced, and after
    // reading otherwise: a runaway answer must end in a message, not exhaust the tab's memory.
    let announced = response
        .headers()
        .get("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_RESPONSE_BYTES) {
        return Err(ApiError::TooLarge);
    }
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if text.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(ApiError::TooLarge);
    }
    if (200..300).contains(&status) {
        return Ok(text);
    }
    if status == 401 {
        return Err(ApiError::Unauthorized);
    }
    match serde_json::from_str::<Problem>(&text) {
        Ok(mut problem) => {
            if problem.status == 0 {
                problem.status = status;
            }
            Err(ApiError::Http(Box::new(problem)))
        }
        Err(_) => Err(ApiError::from_status(status, &response.status_text())),
    }
}

/// Decodes a 2xx body; anything unexpected is a `Decode` error, never a panic.
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

fn bearer(token: &str) -> String {
    format!("Bearer {}", token.trim())
}

/// Percent-encodes an id for use as one path segment.
fn encode_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A fresh key per request, so that a replayed POST is not applied twice.
fn idempotency_key() -> String {
    let random = (js_sys::Math::random() * 1e15) as u64;
    format!("ac-{:x}-{random:x}", js_sys::Date::now() as u64)
}

#[cfg(test)]
mod tests {
    use super::encode_segment;

    #[test]
    fn ids_are_encoded_as_one_segment() {
        assert_eq!(encode_segment("act_01J"), "act_01J");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }
}
