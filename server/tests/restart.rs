//! A restart loses nothing: actions, decisions and the audit trail survive; demo data is not
//! seeded twice. Static files: SPA fallback, CSP hashes of inline scripts, cache headers.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn data_and_audit_survive_a_restart() {
    let mut s = spawn().await;
    let ids = s.ids("view=pending&actionType=quarantineFile", ALICE).await;
    let r: Value = s
        .post(
            "/decisions",
            ALICE,
            json!({"decision": "reject", "comment": "keep me", "actions": [{"id": ids[0]}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["outcome"], "applied");
    let before_timeline = s
        .get_json(&format!("/actions/{}/timeline", ids[0]), ALICE)
        .await;
    let before_facets = s.get_json("/actions/facets", ALICE).await;
    s.stop().await;

    let config = s.config.clone();
    let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().unwrap());
    let s2 = spawn_with(dir, config).await;
    let a = s2.action(&ids[0]).await;
    assert_eq!(a["status"], "rejected");
    assert_eq!(a["decision"]["comment"], "keep me");
    assert_eq!(
        s2.get_json(&format!("/actions/{}/timeline", ids[0]), ALICE)
            .await,
        before_timeline
    );
    let after = s2.get_json("/actions/facets", ALICE).await;
    assert_eq!(after["total"], 300, "not seeded twice");
    assert_eq!(after["total"], before_facets["total"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_is_served_with_spa_fallback_and_csp_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("dist");
    std::fs::create_dir(&site).unwrap();
    let loader = "import init from '/action-center-0123456789abcdef.js';await init();";
    std::fs::write(
        site.join("index.html"),
        format!("<!doctype html><html><head><script type=\"module\">{loader}</script></head><body></body></html>"),
    )
    .unwrap();
    std::fs::write(
        site.join("action-center-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(
        site.join("action-center-0123456789abcdef.js"),
        "export default 1;",
    )
    .unwrap();
    let mut config = config(&dir);
    config.static_dir = Some(site);
    config.frame_ancestors = "https://portal.example.com".into();
    let s = spawn_with(dir, config).await;

    use base64::Engine;
    use sha2::Digest;
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(loader.as_bytes()));
    for path in ["/", "/index.html", "/actions/act_123", "/history"] {
        let r = s
            .client
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
        assert!(csp.contains("frame-ancestors https://portal.example.com"));
        assert!(!r.headers().contains_key("x-frame-options"));
        assert!(r.text().await.unwrap().contains("<script type=\"module\">"));
    }
    let wasm = s
        .client
        .get(format!("{}/action-center-0123456789abcdef_bg.wasm", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert!(wasm.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let missing = s
        .client
        .get(format!("{}/missing.js", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let api = s
        .client
        .get(format!("{}/api/v1/nope", s.base))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    problem(api, 404, "notFound").await;
}
