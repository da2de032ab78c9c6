//! One file of the built app, in the coding the client takes best: the build writes `name.br`
//! and `name.gz` beside each file, and the answer is the smallest one `Accept-Encoding` allows,
//! with its own `Content-Length`, `ETag` and `Last-Modified` (each coding is its own
//! representation), `Vary: Accept-Encoding`, and `304` for a validator that still matches.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::compression::{accept_encoding, negotiate, Coding};

/// The media type of a file of the build, by its extension.
pub fn content_type(file: &str) -> &'static str {
    let ext = file.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The file under `dir` that the URL path `path` names, if it is a plain relative path (no
/// `..`, no hidden or empty segments, no escapes).
pub fn resolve(dir: &Path, path: &str) -> Option<PathBuf> {
    let relative = path.trim_start_matches('/');
    if relative.is_empty() || relative.contains(['\\', '%', '\0']) {
        return None;
    }
    let mut file = dir.to_path_buf();
    for segment in relative.split('/') {
        if segment.is_empty() || segment.starts_with('.') {
            return None;
        }
        file.push(segment);
    }
    Some(file)
}

/// A file as it will be sent: which coding, where, how big, when changed.
struct Variant {
    coding: Coding,
    path: PathBuf,
    len: u64,
    modified: SystemTime,
}

impl Variant {
    async fn open(file: &Path, coding: Coding) -> Option<Variant> {
        let mut name = file.as_os_str().to_owned();
        name.push(coding.suffix());
        let path = PathBuf::from(name);
        let meta = tokio::fs::metadata(&path).await.ok()?;
        if !meta.is_file() {
            return None;
        }
        Some(Variant {
            coding,
            path,
            len: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        })
    }

    /// A strong validator of these exact bytes: size, change time and coding.
    fn etag(&self) -> String {
        let nanos = self
            .modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let coding = self
            .coding
            .token()
            .map(|t| format!("-{t}"))
            .unwrap_or_default();
        format!("\"{:x}-{nanos:x}{coding}\"", self.len)
    }

    fn last_modified(&self) -> String {
        DateTime::<Utc>::from(self.modified)
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    }

    /// Whether the client's copy (`If-None-Match`, else `If-Modified-Since`) is this one.
    fn is_fresh(&self, request: &HeaderMap, etag: &str) -> bool {
        if let Some(tags) = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            return tags
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == etag);
        }
        let since = request
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok());
        let modified = DateTime::<Utc>::from(self.modified).timestamp();
        since.is_some_and(|since| modified <= since.timestamp())
    }
}

/// Answers a `GET` (or, with `head`, a `HEAD`) for `file`: `None` when there is no such file.
/// `cache_control` is the caching the file gets.
pub async fn serve(
    file: &Path,
    request: &HeaderMap,
    head: bool,
    cache_control: &'static str,
) -> std::io::Result<Option<Response>> {
    let Some(plain) = Variant::open(file, Coding::Identity).await else {
        return Ok(None);
    };
    let mut available = Vec::new();
    let mut variants = Vec::new();
    for coding in [Coding::Brotli, Coding::Gzip] {
        if let Some(v) = Variant::open(file, coding).await {
            available.push(coding);
            variants.push(v);
        }
    }
    let coding = negotiate(accept_encoding(request), &available);
    let variant = variants
        .into_iter()
        .find(|v| v.coding == coding)
        .unwrap_or(plain);
    let etag = variant.etag();
    let fresh = variant.is_fresh(request, &etag);
    let body = if fresh || head {
        Body::empty()
    } else {
        Body::from(tokio::fs::read(&variant.path).await?)
    };
    let mut response = Response::new(body);
    if fresh {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
    }
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    if !fresh {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(variant.len));
    }
    if let Some(token) = variant.coding.token() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&variant.last_modified()) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    Ok(Some(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_resolve() {
        let dir = Path::new("/srv/dist");
        assert_eq!(
            resolve(dir, "/app-0123456789abcdef_bg.wasm"),
            Some(dir.join("app-0123456789abcdef_bg.wasm"))
        );
        assert_eq!(resolve(dir, "/a/b.css"), Some(dir.join("a").join("b.css")));
        for bad in [
            "/",
            "/../etc/passwd",
            "/a/../b",
            "/.env",
            "/a//b",
            "/a%2e%2e",
            "/a\\b",
        ] {
            assert_eq!(resolve(dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn media_types() {
        assert_eq!(content_type("x_bg.wasm"), "application/wasm");
        assert_eq!(content_type("x.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
