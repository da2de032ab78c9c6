//! Embedding: the example portal page exists only with `--demo`, and it and the app are served
//! under a strict Content-Security-Policy (no 'unsafe-inline', 'wasm-unsafe-eval' only,
//! frame-ancestors from the configuration). The stable entry is never cached for long.

mod common;

use common::*;

/// A built site as Trunk and scripts/trunk-post-build write it: no inline script at all.
fn site(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let site = dir.path().join("dist");
    std::fs::create_dir(&site).unwrap();
    let files = [
        (
            "index.html",
            "<!doctype html><html><head><script type=\"module\" src=\"/action-center-embed.js\"></script>\
             </head><body data-action-center-standalone></body></html>",
        ),
        ("action-center-embed.js", "export async function mount() {}"),
        ("action-center-0123456789abcdef.js", "export default 1;"),
    ];
    for (name, body) in files {
        std::fs::write(site.join(name), body).unwrap();
    }
    site
}

async fn get(s: &TestServer, path: &str) -> reqwest::Response {
    s.client
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The policy every page of the app needs: scripts only from the origin, wasm compilation,
/// no inline script or style, framing as configured.
fn assert_strict(csp: &str, frame_ancestors: &str) {
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{csp}"
    );
    assert!(csp.contains("style-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{csp}");
    assert!(!csp.contains("sha256-"), "no inline script to allow: {csp}");
    assert!(
        csp.ends_with(&format!("frame-ancestors {frame_ancestors}")),
        "{csp}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_portal_and_the_app_run_under_a_strict_csp() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.static_dir = Some(site(&dir));
    config.frame_ancestors = "https://portal.example.com".into();
    let s = spawn_with(dir, config).await;

    let page = get(&s, "/embed-example.html").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_strict(
        &header(&page, "content-security-policy"),
        "https://portal.example.com",
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<div id="portal-slot"></div>"#));
    assert!(html.contains(r#"<script type="module" src="/embed-example.js"></script>"#));

    for (path, content_type, needle) in [
        (
            "/embed-example.js",
            "text/javascript; charset=utf-8",
            "from \"/action-center-embed.js\"",
        ),
        (
            "/embed-example.css",
            "text/css; charset=utf-8",
            "#portal-slot",
        ),
    ] {
        let r = get(&s, path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(header(&r, "content-type"), content_type, "{path}");
        assert_eq!(header(&r, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert!(r.text().await.unwrap().contains(needle), "{path}");
    }

    // The standalone page: Trunk's inline loader is gone, so nothing is allowed inline.
    let index = get(&s, "/").await;
    assert_eq!(index.status(), 200);
    assert_strict(
        &header(&index, "content-security-policy"),
        "https://portal.example.com",
    );
    // The stable entry keeps its name across builds, so browsers revalidate it.
    let entry = get(&s, "/action-center-embed.js").await;
    assert_eq!(entry.status(), 200);
    assert_eq!(header(&entry, "cache-control"), "no-cache");
    assert!(header(&entry, "content-type").contains("javascript"));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_demo_there_is_no_example_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.demo = false;
    config.static_dir = Some(site(&dir));
    let s = spawn_with(dir, config).await;
    for path in [
        "/embed-example.html",
        "/embed-example.js",
        "/embed-example.css",
    ] {
        let r = get(&s, path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(header(&r, "content-type"), "application/problem+json");
    }
    assert_strict(
        &header(&get(&s, "/").await, "content-security-policy"),
        "'self'",
    );
}
