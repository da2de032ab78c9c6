//! Reading: list, filters, sorting, paging, facets, one action with ETag, timeline, related
//! instances, /me, auth errors, headers, OpenAPI.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn list_filters_sorts_and_pages() {
    let s = spawn().await;
    let all = s.get_json("/actions?pageSize=200", ALICE).await;
    assert_eq!(all["total"], 300);
    assert_eq!(all["page"], 1);
    assert_eq!(all["pageSize"], 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 200);

    let pending = s
        .get_json("/actions?view=pending&pageSize=200", ALICE)
        .await;
    let history = s.get_json("/actions?view=history&pageSize=10", ALICE).await;
    let (p, h) = (
        pending["total"].as_u64().unwrap(),
        history["total"].as_u64().unwrap(),
    );
    assert_eq!(p + h, 300);
    assert_eq!(pending["items"].as_array().unwrap().len() as u64, p);
    for a in pending["items"].as_array().unwrap() {
        assert_eq!(a["status"], "pending");
        assert_eq!(
            a["allowedOperations"],
            serde_json::json!(["approve", "reject"])
        );
    }
    // Default sort: updatedAt descending, id breaking ties.
    let items = pending["items"].as_array().unwrap();
    for pair in items.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a["updatedAt"].as_str() >= b["updatedAt"].as_str());
    }
    // Filter by type and status (repeatable).
    let f = s
        .get_json(
            "/actions?actionType=quarantineFile&status=completed&status=undoFailed&pageSize=200",
            ALICE,
        )
        .await;
    assert!(f["total"].as_u64().unwrap() >= 8);
    for a in f["items"].as_array().unwrap() {
        assert_eq!(a["actionType"], "quarantineFile");
        assert!(a["status"] == "completed" || a["status"] == "undoFailed");
    }
    // Sort by asset ascending, then page through: pages join up to the whole.
    let mut seen = Vec::new();
    for page in 1..=4 {
        let ids = s
            .ids(
                &format!("view=history&sort=asset:asc&pageSize=100&page={page}"),
                ALICE,
            )
            .await;
        seen.extend(ids);
    }
    assert_eq!(seen.len() as u64, h);
    let sorted = s
        .get_json("/actions?sort=asset:asc&pageSize=50", ALICE)
        .await;
    let names: Vec<String> = sorted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["asset"]["name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names, expected);
    // Search by asset name, file name, hash and investigation.
    let fin = s.get_json("/actions?q=FIN-LAPTOP-07", ALICE).await;
    assert!(fin["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["asset"]["name"] == "FIN-LAPTOP-07"));
    let sha = action_center_server::demo::shared_sha256();
    let by_hash = s
        .get_json(&format!("/actions?q={}", &sha[..12]), ALICE)
        .await;
    assert_eq!(by_hash["total"], 6);
    let inv = s.get_json("/actions?q=inv_1042", ALICE).await;
    assert!(inv["total"].as_u64().unwrap() >= 6);
    let none = s.get_json("/actions?q=%3C%3E", ALICE).await;
    assert_eq!(none["total"], 0);
    // Time range and entity kind.
    let recent = s
        .get_json(
            "/actions?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z",
            ALICE,
        )
        .await;
    assert_eq!(recent["total"], 300);
    let files = s
        .get_json("/actions?entityKind=file&pageSize=200", ALICE)
        .await;
    assert!(files["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["entity"]["kind"] == "file"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_query_parameters_are_named() {
    let s = spawn().await;
    for (query, field) in [
        ("view=everything", "view"),
        ("actionType=wipeDevice", "actionType"),
        ("status=done", "status"),
        ("pageSize=500", "pageSize"),
        ("page=0", "page"),
        ("sort=color:up", "sort"),
        ("from=yesterday", "from"),
        ("bogus=1", "bogus"),
    ] {
        let body = problem(
            s.get(&format!("/actions?{query}"), ALICE).await,
            400,
            "invalidRequest",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field, "{query}");
        problem(
            s.get(&format!("/actions/facets?{query}"), ALICE).await,
            400,
            "invalidRequest",
        )
        .await;
    }
    let long = "x".repeat(201);
    problem(
        s.get(&format!("/actions?q={long}"), ALICE).await,
        400,
        "invalidRequest",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn facets_count_from_the_counters() {
    let s = spawn().await;
    let f = s.get_json("/actions/facets", ALICE).await;
    assert_eq!(f["total"], 300);
    let sum: u64 = f["status"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(sum, 300);
    assert_eq!(f["actionType"].as_object().unwrap().len(), 13);
    let pending = s.get_json("/actions/facets?view=pending", ALICE).await;
    assert_eq!(pending["status"].as_object().unwrap().len(), 1);
    // A dimension ignores its own filter, so the menu still offers the other values.
    let q = s
        .get_json("/actions/facets?actionType=quarantineFile", ALICE)
        .await;
    assert_eq!(q["actionType"].as_object().unwrap().len(), 13);
    let list = s
        .get_json("/actions?actionType=quarantineFile", ALICE)
        .await;
    assert_eq!(q["total"], list["total"]);
    let q_status: u64 = q["status"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(q_status, list["total"].as_u64().unwrap());
    // Search counts by scan and agrees with the list.
    let searched = s.get_json("/actions/facets?q=FIN", ALICE).await;
    let listed = s.get_json("/actions?q=FIN", ALICE).await;
    assert_eq!(searched["total"], listed["total"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_action_with_etag_timeline_and_related_instances() {
    let s = spawn().await;
    let sha = action_center_server::demo::shared_sha256();
    let page = s
        .get_json(
            &format!("/actions?q={sha}&status=completed&sort=asset:asc"),
            ALICE,
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[0]["asset"]["name"], "FIN-LAPTOP-07");
    let id = items[0]["id"].as_str().unwrap();
    assert!(id.starts_with("act_") && id.len() == 30);

    let r = s.get(&format!("/actions/{id}"), VIEWER).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let a: Value = r.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", a["version"]));
    assert_eq!(
        a["allowedOperations"],
        serde_json::json!([]),
        "viewer may do nothing"
    );
    let alice_view = s.action(id).await;
    assert_eq!(alice_view["allowedOperations"], serde_json::json!(["undo"]));
    let r = s
        .req(reqwest::Method::GET, &format!("/actions/{id}"), ALICE)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    let timeline = s.get_json(&format!("/actions/{id}/timeline"), ALICE).await;
    let events: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events[0], "created");
    assert_eq!(*events.last().unwrap(), "completed");
    assert_eq!(
        timeline.as_array().unwrap().len() as i64,
        a["version"].as_i64().unwrap()
    );

    let related = s
        .get_json(&format!("/actions/{id}/related-instances"), ALICE)
        .await;
    assert_eq!(related["count"], 4);
    assert_eq!(related["sha256"], sha.as_str());
    assert!(related["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["asset"]["name"] != "FIN-LAPTOP-07"));

    let not_file = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    let none = s
        .get_json(
            &format!("/actions/{}/related-instances", not_file[0]),
            ALICE,
        )
        .await;
    assert_eq!(none["count"], 0);

    for path in [
        "/actions/act_nope",
        "/actions/act_nope/timeline",
        "/actions/act_nope/related-instances",
    ] {
        problem(s.get(path, ALICE).await, 404, "notFound").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn me_auth_and_headers() {
    let s = spawn().await;
    let me = s.get_json("/me", ALICE).await;
    assert_eq!(me["id"], "alice@example.com");
    assert_eq!(me["displayName"], "Alice Analyst");
    assert_eq!(me["roles"], serde_json::json!(["responder"]));
    assert_eq!(
        me["permissions"],
        serde_json::json!({"decide": true, "undo": true, "cancel": true})
    );
    let viewer = s.get_json("/me", VIEWER).await;
    assert_eq!(viewer["permissions"]["decide"], false);
    let integration = s.get_json("/me", INTEGRATION).await;
    assert_eq!(integration["id"], "defender-air");
    s.get_json("/actions", INTEGRATION).await;

    let r = s.client.get(s.url("/me")).send().await.unwrap();
    assert_eq!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("Bearer")
    );
    problem(r, 401, "unauthorized").await;
    problem(s.get("/me", "wrong-token").await, 401, "unauthorized").await;

    let r = s.get("/actions", ALICE).await;
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"));
    assert!(!csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'self'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    assert_eq!(h["x-frame-options"], "SAMEORIGIN");
    assert!(h.contains_key("permissions-policy"));

    let unknown = s.get("/nothing/here", ALICE).await;
    assert!(unknown.headers().contains_key("content-security-policy"));
    problem(unknown, 404, "notFound").await;
    let r = s
        .req(reqwest::Method::DELETE, "/actions", ALICE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);

    let doc: Value = s
        .client
        .get(s.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_failed_sign_ins_are_rate_limited() {
    let s = spawn().await;
    for _ in 0..action_center_server::auth::MAX_FAILED_SIGN_INS {
        problem(s.get("/me", "guess").await, 401, "unauthorized").await;
    }
    let r = s.get("/me", "guess").await;
    assert!(r.headers().contains_key("retry-after"));
    problem(r, 429, "rateLimited").await;
    // A valid token still works.
    s.get_json("/me", ALICE).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn search_totals_are_exact_up_to_ten_thousand_then_a_lower_bound() {
    let dir = tempfile::tempdir().unwrap();
    let config = action_center_server::cli::Config {
        demo_actions: 12_000,
        // No executor steps between the requests compared below.
        executor_delay: std::time::Duration::from_secs(3600),
        ..common::config(&dir)
    };
    let s = spawn_with(dir, config).await;
    let ids_of = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Every id is `act_…`: the word matches all 12,000 actions, the history about 11,000.
    for page in [1, 2, 150] {
        let q = format!("view=history&q=act&page={page}");
        let searched = s.get_json(&format!("/actions?{q}"), ALICE).await;
        assert_eq!(searched["total"], 10_000, "{q}");
        assert_eq!(searched["totalIsLowerBound"], true, "{q}");
        let plain = s
            .get_json(&format!("/actions?view=history&page={page}"), ALICE)
            .await;
        assert_eq!(
            ids_of(&searched),
            ids_of(&plain),
            "{q}: same rows, same order"
        );
        assert_eq!(ids_of(&searched).len(), 50);
    }
    // Past the bound, paging goes on.
    let far = s
        .get_json("/actions?view=history&q=act&page=215", ALICE)
        .await;
    let plain = s.get_json("/actions?view=history&page=215", ALICE).await;
    assert_eq!(ids_of(&far), ids_of(&plain));
    // Both views at once, past the bound: the two views' walks merged in list order.
    for sort in ["updatedAt:desc", "asset:asc", "decidedBy:desc"] {
        for page in [1, 40] {
            let searched = s
                .get_json(&format!("/actions?q=act&sort={sort}&page={page}"), ALICE)
                .await;
            assert_eq!(searched["totalIsLowerBound"], true, "{sort} {page}");
            let plain = s
                .get_json(&format!("/actions?sort={sort}&page={page}"), ALICE)
                .await;
            assert_eq!(ids_of(&searched), ids_of(&plain), "{sort} {page}");
        }
    }
    // A last word matched as the start of words (`lap` of laptop): the same rows as the
    // unsearched list filtered by the words.
    let mut expected = Vec::new();
    for page in 1.. {
        let chunk = s
            .get_json(
                &format!("/actions?view=history&sort=asset:asc&pageSize=200&page={page}"),
                ALICE,
            )
            .await;
        let items = chunk["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        for a in items {
            let action: action_center_core::Action = serde_json::from_value(a).unwrap();
            let words = action_center_server::store::search_words(&action);
            if words.iter().any(|w| w == "fin") && words.iter().any(|w| w.starts_with("lap")) {
                expected.push(action.id);
            }
        }
    }
    assert!(expected.len() > 50, "{}", expected.len());
    for page in [1, 2] {
        let q = format!("view=history&sort=asset:asc&q=FIN-LAP&page={page}");
        let searched = s.get_json(&format!("/actions?{q}"), ALICE).await;
        assert_eq!(searched["total"], expected.len(), "{q}");
        let want: Vec<String> = expected
            .iter()
            .skip((page - 1) * 50)
            .take(50)
            .cloned()
            .collect();
        assert_eq!(ids_of(&searched), want, "{q}");
    }
    // Under the bound the total is exact, whichever way the page is read.
    let facets = s.get_json("/actions/facets?view=pending", ALICE).await;
    let pending = facets["total"].as_u64().unwrap();
    assert!(pending > 100 && pending < 10_000, "{pending}");
    for sort in ["updatedAt:desc", "asset:asc", "id:asc"] {
        for page in [1, 3] {
            let q = format!("view=pending&q=act&sort={sort}&page={page}");
            let searched = s.get_json(&format!("/actions?{q}"), ALICE).await;
            assert_eq!(searched["total"], pending, "{q}");
            assert!(searched.get("totalIsLowerBound").is_none(), "{q}");
            let plain = s
                .get_json(
                    &format!("/actions?view=pending&sort={sort}&page={page}"),
                    ALICE,
                )
                .await;
            assert_eq!(ids_of(&searched), ids_of(&plain), "{q}");
        }
    }
    // A rare word: the few matches, all of them.
    let sha = action_center_server::demo::shared_sha256();
    let rare = s
        .get_json(&format!("/actions?view=history&q={}", &sha[..20]), ALICE)
        .await;
    let n = rare["total"].as_u64().unwrap();
    assert!((1..50).contains(&n), "{n}");
    assert_eq!(ids_of(&rare).len() as u64, n);
    // Filters are part of the count: the completed quarantines among the matches.
    let q = "view=history&actionType=quarantineFile&status=completed";
    let filtered = s.get_json(&format!("/actions?{q}&q=act"), ALICE).await;
    let counted = s.get_json(&format!("/actions?{q}"), ALICE).await;
    assert_eq!(filtered["total"], counted["total"]);
    assert_eq!(ids_of(&filtered), ids_of(&counted));
}
