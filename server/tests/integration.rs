//! Integration accounts (submit, claim work, report results), cancel, CSV export.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn submission(requires_approval: bool) -> Value {
    json!({
        "actionType": "quarantineFile", "category": "device", "source": "advancedHunting",
        "asset": {"kind": "device", "id": "dev_new", "name": "NEW-LAPTOP-01"},
        "entity": {"kind": "file", "name": "evil.exe", "sha256": "a".repeat(64), "path": "C:\\Temp\\evil.exe"},
        "investigationId": "inv_9001", "requestComment": "from a detector",
        "links": {"investigation": "https://security.example.com/investigations/inv_9001"},
        "requiresApproval": requires_approval
    })
}

async fn submit(s: &TestServer, key: &str, body: Value) -> reqwest::Response {
    s.req(reqwest::Method::POST, "/actions", INTEGRATION)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn submit_claim_and_report() {
    let s = spawn().await;
    let r = submit(&s, "sub-1", submission(true)).await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/actions/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["status"], "pending");
    assert_eq!(created["requestedBy"], "defender-air");
    assert!(created["expiresAt"].is_string());
    let replay = submit(&s, "sub-1", submission(true)).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], created["id"]);
    problem(
        submit(&s, "sub-1", submission(false)).await,
        422,
        "idempotencyKeyReused",
    )
    .await;
    let r = s.post("/actions", INTEGRATION, submission(true)).await;
    let p = problem(r, 400, "invalidRequest").await;
    assert_eq!(p["errors"][0]["field"], "Idempotency-Key");
    problem(
        s.req(reqwest::Method::POST, "/actions", ALICE)
            .header("Idempotency-Key", "x")
            .json(&submission(true))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    // Unknown enum values and unknown entity fields are named.
    let mut bad = submission(true);
    bad["actionType"] = json!("wipeDevice");
    bad["entity"]["hologram"] = json!(true);
    bad["asset"]["kind"] = json!("spaceship");
    let p = problem(submit(&s, "sub-bad", bad).await, 400, "invalidRequest").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["actionType", "asset.kind", "entity.hologram"]);

    // Not requiring approval: queued at once; an executor claims and reports.
    let queued: Value = submit(&s, "sub-2", submission(false))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["decision"]["state"], "notRequired");
    let id = queued["id"].as_str().unwrap();
    let work = s.get_json("/work?limit=100", INTEGRATION).await;
    let item = work["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["action"]["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(item["kind"], "execute");
    assert_eq!(item["action"]["status"], "running");
    problem(
        s.get("/work?limit=0", INTEGRATION).await,
        400,
        "invalidRequest",
    )
    .await;
    problem(s.get("/work", ALICE).await, 403, "forbidden").await;
    let report = json!({"outcome": "failed", "error": "Device offline: NEW-LAPTOP-01"});
    let version = item["action"]["version"].as_i64().unwrap();
    let r = s
        .req(
            reqwest::Method::POST,
            &format!("/actions/{id}/result"),
            INTEGRATION,
        )
        .header("If-Match", format!("\"{}\"", version + 1))
        .json(&report)
        .send()
        .await
        .unwrap();
    problem(r, 412, "versionMismatch").await;
    let r: Value = s
        .post(
            &format!("/actions/{id}/result"),
            INTEGRATION,
            report.clone(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "failed");
    assert_eq!(r["error"], "Device offline: NEW-LAPTOP-01");
    problem(
        s.post(&format!("/actions/{id}/result"), INTEGRATION, report)
            .await,
        409,
        "invalidState",
    )
    .await;
    problem(
        s.post(
            "/actions/act_none/result",
            INTEGRATION,
            json!({"outcome": "succeeded"}),
        )
        .await,
        404,
        "notFound",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_only_while_queued_or_running() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.executor_delay = Duration::from_secs(30);
    let s = spawn_with(dir, config).await;
    let ids = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    s.post(
        "/decisions",
        ALICE,
        json!({"decision": "approve", "actions": [{"id": ids[0]}, {"id": ids[1]}]}),
    )
    .await;
    let v = s.action(&ids[0]).await["version"].as_i64().unwrap();
    let r = s
        .req(
            reqwest::Method::POST,
            &format!("/actions/{}/cancel", ids[0]),
            ALICE,
        )
        .header("If-Match", format!("\"{}\"", v - 1))
        .json(&json!({"comment": "wrong"}))
        .send()
        .await
        .unwrap();
    let p = problem(r, 412, "versionMismatch").await;
    assert_eq!(p["action"]["status"], "queued");
    let a = s.action(&ids[0]).await;
    assert_eq!(a["allowedOperations"], json!(["cancel"]));
    let r: Value = s
        .post(
            &format!("/actions/{}/cancel", ids[0]),
            ALICE,
            json!({"comment": "wrong device"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "cancelled");
    // Empty body is fine.
    let r = s
        .req(
            reqwest::Method::POST,
            &format!("/actions/{}/cancel", ids[1]),
            BOB,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let p = problem(
        s.post(&format!("/actions/{}/cancel", ids[0]), ALICE, json!({}))
            .await,
        409,
        "invalidState",
    )
    .await;
    assert_eq!(p["action"]["status"], "cancelled");
    problem(
        s.post(&format!("/actions/{}/cancel", ids[2]), ALICE, json!({}))
            .await,
        409,
        "invalidState",
    )
    .await;
    problem(
        s.post("/actions/act_none/cancel", ALICE, json!({})).await,
        404,
        "notFound",
    )
    .await;
    let timeline = s
        .get_json(&format!("/actions/{}/timeline", ids[0]), ALICE)
        .await;
    assert_eq!(
        timeline.as_array().unwrap().last().unwrap()["event"],
        "cancelled"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_export_is_streamed_and_formula_safe() {
    let s = spawn().await;
    let r = s.get("/actions/export.csv?sort=asset:asc", VIEWER).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"actions-")
            && disposition.ends_with(".csv\"")
    );
    let text = r.text().await.unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        action_center_core::csv::EXPORT_HEADER.join(",")
    );
    assert_eq!(text.matches("\r\nact_").count(), 300);
    assert!(
        text.contains(",'=cmd|' /C calc'!A0.xlsx,"),
        "formula defused"
    );
    assert!(!text.contains(",=cmd"));
    let filtered = s
        .get(
            "/actions/export.csv?view=pending&actionType=isolateDevice",
            VIEWER,
        )
        .await
        .text()
        .await
        .unwrap();
    let rows = filtered.matches("\r\nact_").count() as u64;
    assert_eq!(
        rows,
        s.get_json("/actions?view=pending&actionType=isolateDevice", ALICE)
            .await["total"]
            .as_u64()
            .unwrap()
    );
    problem(
        s.get("/actions/export.csv?status=nope", VIEWER).await,
        400,
        "invalidRequest",
    )
    .await;
}
