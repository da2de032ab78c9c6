//! The built app (`--static-dir`): its files (precompressed, see [`crate::assets`]),
//! `index.html` for app routes (SPA fallback), a problem+json 404 for unknown API routes —
//! never HTML there.

use std::path::{Path, PathBuf};

use action_center_core::{ErrorCode, Problem};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};

use crate::errors::{problem_response, AppError};
use crate::AppState;
use crate::{assets, headers};

/// The static site.
#[derive(Debug, Clone)]
pub struct Site {
    dir: PathBuf,
}

impl Site {
    /// A site served from `dir`.
    pub fn new(dir: &Path) -> Self {
        Site {
            dir: dir.to_owned(),
        }
    }

    /// The `'sha256-…'` sources of `index.html`'s inline scripts (none if it is missing).
    pub fn script_hashes(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("index.html"))
            .map(|html| headers::inline_script_hashes(&html))
            .unwrap_or_default()
    }
}

/// Whether a file name carries a content hash (Trunk: `name-<16+ hex>[_bg].ext`).
pub fn is_hashed(file: &str) -> bool {
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.trim_end_matches("_bg");
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() >= 16 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

async fn index(site: &Site, frame_ancestors: &str, request: &HeaderMap, head: bool) -> Response {
    let file = site.dir.join("index.html");
    let html = match tokio::fs::read_to_string(&file).await {
        Ok(html) => html,
        Err(_) => {
            return AppError::not_found("The app is not built (no index.html)").into_response()
        }
    };
    let policy = headers::csp(&headers::inline_script_hashes(&html), frame_ancestors);
    let mut response = match assets::serve(&file, request, head, "no-cache").await {
        Ok(Some(response)) => response,
        Ok(None) => {
            return AppError::not_found("The app is not built (no index.html)").into_response()
        }
        Err(err) => return AppError::internal(err).into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// Everything no route matched.
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if path == "/api" || path.starts_with("/api/") {
        return AppError::not_found(format!("No API route {} {path}", request.method()))
            .into_response();
    }
    let Some(site) = state.site() else {
        if path == "/" {
            return (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Action Center API server: the API is at /api/v1 (start with --static-dir to serve the app)\n",
            )
                .into_response();
        }
        return AppError::not_found("No such page").into_response();
    };
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return AppError::not_found("No such page").into_response();
    }
    let frame_ancestors = state.config().frame_ancestors.clone();
    let head = request.method() == Method::HEAD;
    let headers = request.headers();
    if path == "/" || path == "/index.html" {
        return index(site, &frame_ancestors, headers, head).await;
    }
    let last = path.rsplit('/').next().unwrap_or("").to_owned();
    let cache = if is_hashed(&last) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let served = match assets::resolve(&site.dir, &path) {
        Some(file) => assets::serve(&file, headers, head, cache).await,
        None => Ok(None),
    };
    match served {
        Ok(Some(response)) => response,
        Ok(None) if !last.contains('.') => index(site, &frame_ancestors, headers, head).await,
        Ok(None) => problem_response(&Problem::new(
            ErrorCode::NotFound,
            format!("No file {path}"),
        )),
        Err(err) => AppError::internal(err).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_names_are_hashed() {
        assert!(is_hashed("action-center-3f9a1c2b4d5e6f70_bg.wasm"));
        assert!(is_hashed("action-center-3f9a1c2b4d5e6f70.js"));
        assert!(is_hashed("style-0123456789abcdef.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("favicon.ico"));
        assert!(!is_hashed("action-center.js"));
    }
}
