//! Security headers on every response, including a Content-Security-Policy that lets the app
//! run without `'unsafe-inline'` scripts. The build loads the app from an external module
//! (`/action-center-embed.js`), so `index.html` has no inline script; should a build ever carry
//! one (e.g. Trunk's default loader), it is allowed by its SHA-256 hash, never by
//! `'unsafe-inline'`.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// `'sha256-…'` sources for each inline `<script>` (one without `src`) in `html`.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script") {
        let open = at + start;
        let Some(tag_end) = lower[open..].find('>').map(|i| open + i) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let tag = &lower[open..tag_end];
        let has_src = tag
            .split(|c: char| c.is_whitespace())
            .any(|attr| attr.starts_with("src=") || attr == "src");
        if !has_src {
            let body = &html[tag_end + 1..close];
            let digest = Sha256::digest(body.as_bytes());
            let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
            hashes.push(format!("'sha256-{b64}'"));
        }
        at = close;
    }
    hashes
}

/// The Content-Security-Policy value.
pub fn csp(script_hashes: &[String], frame_ancestors: &str) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for h in script_hashes {
        script_src.push(' ');
        script_src.push_str(h);
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {frame_ancestors}"
    )
}

/// The headers added to every response.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    frame_options: Option<HeaderValue>,
    /// Origins the app may also `fetch` from (the identity provider's token endpoint).
    connect_extra: Option<String>,
}

/// `connect-src` of [`csp`], widened by the identity provider's origins.
const CONNECT_SELF: &str = "connect-src 'self'";

fn widen_connect_src(policy: &str, extra: &str) -> String {
    policy.replacen(CONNECT_SELF, &format!("{CONNECT_SELF} {extra}"), 1)
}

impl SecurityHeaders {
    /// Headers for a site whose `index.html` has these inline-script hashes.
    pub fn new(script_hashes: &[String], frame_ancestors: &str) -> Self {
        let csp = HeaderValue::from_str(&csp(script_hashes, frame_ancestors))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        let frame_options = match frame_ancestors.trim() {
            "'none'" => Some(HeaderValue::from_static("DENY")),
            "'self'" => Some(HeaderValue::from_static("SAMEORIGIN")),
            _ => None,
        };
        SecurityHeaders {
            csp,
            frame_options,
            connect_extra: None,
        }
    }

    /// Also lets the app `fetch` from these origins (every CSP on the way out, the page's
    /// own included): the standalone app exchanges and refreshes tokens at the identity
    /// provider's token endpoint. Origins are `scheme://host[:port]` (see `oidc::config`).
    pub fn with_connect_sources(mut self, origins: &[String]) -> Self {
        if origins.is_empty() {
            return self;
        }
        let extra = origins.join(" ");
        if let Ok(csp) = self.csp.to_str() {
            if let Ok(widened) = HeaderValue::from_str(&widen_connect_src(csp, &extra)) {
                self.csp = widened;
            }
        }
        self.connect_extra = Some(extra);
        self
    }

    /// Adds the headers (a response that set its own CSP keeps it).
    pub fn apply(&self, response: &mut Response) {
        let h = response.headers_mut();
        match h.get(header::CONTENT_SECURITY_POLICY) {
            None => {
                h.insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
            }
            Some(own) => {
                let widened = self.connect_extra.as_deref().and_then(|extra| {
                    let own = own.to_str().ok()?;
                    HeaderValue::from_str(&widen_connect_src(own, extra)).ok()
                });
                if let Some(widened) = widened {
                    h.insert(header::CONTENT_SECURITY_POLICY, widened);
                }
            }
        }
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
        h.insert(
            "permissions-policy",
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            ),
        );
        if let Some(xfo) = &self.frame_options {
            h.insert(header::X_FRAME_OPTIONS, xfo.clone());
        }
    }
}

/// Middleware: security headers on the way out.
pub async fn add(
    axum::extract::State(headers): axum::extract::State<std::sync::Arc<SecurityHeaders>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    headers.apply(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html = "<html><head><script src=\"/a.js\"></script>\
                    <script type=\"module\">import init from '/x.js';</script>\
                    <SCRIPT>alert(1)</SCRIPT></head></html>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/x.js';"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
        let policy = csp(&hashes, "'self'");
        assert!(policy.contains("'wasm-unsafe-eval'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.ends_with("frame-ancestors 'self'"));
    }

    #[test]
    fn the_identity_provider_is_added_to_connect_src_only() {
        let headers = SecurityHeaders::new(&[], "'self'")
            .with_connect_sources(&["https://idp.example".into()]);
        let csp = headers.csp.to_str().unwrap();
        assert!(csp.contains("connect-src 'self' https://idp.example;"));
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval';"));
        let mut own = Response::new(axum::body::Body::empty());
        own.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp_for_test()).unwrap(),
        );
        headers.apply(&mut own);
        let applied = own.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(applied.contains("connect-src 'self' https://idp.example;"));
        assert!(applied.contains("'sha256-x'"));
    }

    fn csp_for_test() -> String {
        csp(&["'sha256-x'".into()], "'none'")
    }
}
