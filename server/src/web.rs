//! The built app (`--static-dir`): files as they are, `index.html` for app routes (SPA
//! fallback), a problem+json 404 for unknown API routes — never HTML there.

use std::path::{Path, PathBuf};

use action_center_core::{ErrorCode, Problem};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::errors::{problem_response, AppError};
use crate::headers;
use crate::AppState;

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

async fn index(site: &Site, frame_ancestors: &str) -> Response {
    match tokio::fs::read_to_string(site.dir.join("index.html")).await {
        Ok(html) => {
            let policy = headers::csp(&headers::inline_script_hashes(&html), frame_ancestors);
            let mut response = html.into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            if let Ok(v) = HeaderValue::from_str(&policy) {
                h.insert(header::CONTENT_SECURITY_POLICY, v);
            }
            response
        }
        Err(_) => AppError::not_found("The app is not built (no index.html)").into_response(),
    }
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
    if path == "/" || path == "/index.html" {
        return index(site, &frame_ancestors).await;
    }
    let last = path.rsplit('/').next().unwrap_or("").to_owned();
    let served = ServeDir::new(&site.dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .oneshot(request)
        .await;
    let mut response = match served {
        Ok(r) => r.map(Body::new),
        Err(err) => return AppError::internal(err).into_response(),
    };
    if response.status() == StatusCode::NOT_FOUND {
        if !last.contains('.') {
            return index(site, &frame_ancestors).await;
        }
        return problem_response(&Problem::new(
            ErrorCode::NotFound,
            format!("No file {path}"),
        ));
    }
    let cache = if is_hashed(&last) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
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
