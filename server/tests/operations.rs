//! What the operator relies on: health and readiness probes, Prometheus metrics, request ids,
//! JSON log lines, and a shutdown that ends live-update streams with a retry hint.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::sse::*;
use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

async fn metrics(s: &TestServer) -> String {
    let r = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    r.text().await.unwrap()
}

/// The value of the sample named exactly `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn probes_answer_and_readiness_follows_the_schema() {
    let s = spawn().await;
    let health = s
        .client
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");
    let ready: Value = s
        .client
        .get(format!("{}/readyz", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let store = if postgres_server().is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(ready, json!({"status": "ready", "store": store}));
    // A database whose schema is not the one this server expects is not ready.
    exec_sql(
        &s.db(),
        "DELETE FROM schema_migrations WHERE version = CAST(?1 AS INTEGER)",
        "DELETE FROM schema_migrations WHERE version::text = $1",
        "1",
    )
    .await;
    let r = s
        .client
        .get(format!("{}/readyz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "notReady");
    let text = metrics(&s).await;
    assert_eq!(
        sample(&text, &format!("action_center_ready{{store=\"{store}\"}}")),
        Some(0.0)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_outcomes_streams_and_the_queue() {
    let s = spawn().await;
    for _ in 0..3 {
        s.get_json("/actions?view=pending", ALICE).await;
    }
    problem(s.get("/actions/act_nope", ALICE).await, 404, "notFound").await;
    let ids = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    let body = json!({"decision": "approve", "actions": [{"id": ids[0]}, {"id": "act_missing"}]});
    assert_eq!(s.post("/decisions", ALICE, body).await.status(), 200);
    let mut stream = s
        .req(reqwest::Method::GET, "/events", VIEWER)
        .send()
        .await
        .unwrap();
    read_until(&mut stream, |b| !b.is_empty()).await;

    let text = metrics(&s).await;
    let requests = |route: &str, status: u16| {
        sample(
            &text,
            &format!(
                "action_center_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(requests("/api/v1/actions", 200), Some(4.0), "{text}");
    assert_eq!(requests("/api/v1/actions/{id}", 404), Some(1.0));
    assert_eq!(
        sample(
            &text,
            "action_center_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/actions\",status=\"200\"}"
        ),
        Some(4.0)
    );
    assert_eq!(
        sample(
            &text,
            "action_center_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/actions\",status=\"200\",le=\"+Inf\"}"
        ),
        Some(4.0)
    );
    let outcome = |o: &str| {
        sample(
            &text,
            &format!(
                "action_center_action_outcomes_total{{operation=\"approve\",outcome=\"{o}\"}}"
            ),
        )
    };
    assert_eq!(outcome("applied"), Some(1.0));
    assert_eq!(outcome("notFound"), Some(1.0));
    assert_eq!(
        sample(&text, "action_center_live_update_connections"),
        Some(1.0)
    );
    assert!(sample(&text, "action_center_executor_queue_depth").is_some());
    assert!(sample(&text, "action_center_db_pool_connections{state=\"open\"}").unwrap() >= 1.0);

    drop(stream);
    let mut open = 1.0;
    for _ in 0..50 {
        open = sample(&metrics(&s).await, "action_center_live_update_connections").unwrap();
        if open == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(open, 0.0, "a closed stream is no longer counted");
}

#[tokio::test(flavor = "multi_thread")]
async fn request_ids_are_kept_or_made_and_sent_back() {
    let s = spawn().await;
    let r = s
        .req(reqwest::Method::GET, "/me", ALICE)
        .header("x-request-id", "portal-42.a_b")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "portal-42.a_b");
    let r = s
        .req(reqwest::Method::GET, "/me", ALICE)
        .header("x-request-id", "no spaces <or> tags")
        .send()
        .await
        .unwrap();
    let made = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(made.len(), 16);
    assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_ends_streams_with_a_retry_hint_and_stops_readiness() {
    let mut s = spawn().await;
    let mut stream = s
        .req(reqwest::Method::GET, "/events", VIEWER)
        .send()
        .await
        .unwrap();
    read_until(&mut stream, |b| !b.is_empty()).await;
    let server = s.server.take().unwrap();
    let stopping = tokio::spawn(server.stop());
    let blocks = read_until(&mut stream, |b| b.iter().any(|e| e.retry == Some(500))).await;
    let last = blocks.last().unwrap();
    assert!(last.comment && last.retry == Some(500), "{blocks:?}");
    assert!(
        stream.chunk().await.unwrap_or(None).is_none(),
        "the stream ends"
    );
    tokio::time::timeout(Duration::from_secs(15), stopping)
        .await
        .expect("the server stops")
        .unwrap();
    assert!(
        s.client
            .get(format!("{}/healthz", s.base))
            .send()
            .await
            .is_err(),
        "no longer listening"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_the_request_id_and_no_query_string() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_action-center-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database",
            &database,
            "--demo",
            "--log-format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = out.next_line().await.unwrap().expect("server output");
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.to_owned();
        }
    };
    let r = reqwest::Client::new()
        .get(format!(
            "{base}/api/v1/actions?view=pending&q=secret-search"
        ))
        .bearer_auth(ALICE)
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let line = err.next_line().await.unwrap().expect("a log line");
            if line.contains("trace-me-1") {
                return line;
            }
        }
    })
    .await
    .expect("the request is logged");
    let entry: Value = serde_json::from_str(&line).expect("one JSON object per line");
    assert_eq!(entry["msg"], "request");
    assert_eq!(entry["level"], "info");
    assert_eq!(entry["requestId"], "trace-me-1");
    assert_eq!(entry["route"], "/api/v1/actions");
    assert_eq!(entry["path"], "/api/v1/actions");
    assert_eq!(entry["status"], 200);
    assert!(entry["durationMs"].is_number());
    assert!(!line.contains("secret-search") && !line.contains(ALICE));
    child.kill().await.unwrap();
}
