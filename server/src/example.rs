//! `/embed-example.html`, served only with `--demo`: a fake security portal with its own
//! (deliberately hostile) CSS that embeds the app through its stable entry
//! `/action-center-embed.js` and records the app's events on `window.hostEvents`. The page,
//! its CSS and its script are compiled into the binary; like the app, it runs under the strict
//! Content-Security-Policy (external scripts and styles only).

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::AppState;

const HTML: &str = include_str!("example/embed-example.html");
const CSS: &str = include_str!("example/embed-example.css");
const JS: &str = include_str!("example/embed-example.js");

/// The example's three files.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/embed-example.html",
            get(|| file(HTML, "text/html; charset=utf-8")),
        )
        .route(
            "/embed-example.css",
            get(|| file(CSS, "text/css; charset=utf-8")),
        )
        .route(
            "/embed-example.js",
            get(|| file(JS, "text/javascript; charset=utf-8")),
        )
}

async fn file(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        assert!(crate::headers::inline_script_hashes(HTML).is_empty());
        for text in [HTML, JS] {
            assert!(!text.contains("style="), "no style attributes");
            assert!(!text.contains("<style"), "no style elements");
        }
        assert!(HTML.contains(r#"<div id="portal-slot"></div>"#));
        assert!(HTML.contains(r#"src="/embed-example.js""#));
        assert!(JS.contains(r#"from "/action-center-embed.js""#));
        assert!(JS.contains("window.hostEvents"));
    }
}
