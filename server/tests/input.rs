//! Bad input never panics and never changes anything; hostile strings round-trip verbatim;
//! idempotency keys replay.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn malformed_unknown_wrong_and_oversized_bodies() {
    let s = spawn().await;
    let ids = s.ids("view=pending&actionType=quarantineFile", ALICE).await;
    let send = |body: &'static str| {
        s.req(reqwest::Method::POST, "/decisions", ALICE)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let p = problem(send("{not json").await.unwrap(), 400, "invalidRequest").await;
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("malformed JSON"));
    problem(send("").await.unwrap(), 400, "invalidRequest").await;
    let p = problem(
        send(r#"{"decision":"approve","actions":[{"id":"a"}],"extra":1}"#)
            .await
            .unwrap(),
        400,
        "invalidRequest",
    )
    .await;
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown field"));
    let p = problem(
        send(r#"{"decision":"approve","actions":[{"id":7}]}"#)
            .await
            .unwrap(),
        400,
        "invalidRequest",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "actions[0].id");
    let p = problem(
        send(r#"{"decision":"maybe","actions":[{"id":"a"}]}"#)
            .await
            .unwrap(),
        400,
        "invalidRequest",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "decision");
    let p = problem(
        send(r#"{"decision":"approve","actions":[]}"#)
            .await
            .unwrap(),
        400,
        "invalidRequest",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "actions");
    let p = problem(
        send(r#"{"decision":"approve","actions":[{"id":""}]}"#)
            .await
            .unwrap(),
        400,
        "invalidRequest",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "actions[0].id");

    let too_many: Vec<Value> = (0..201)
        .map(|i| json!({"id": format!("act_{i}")}))
        .collect();
    let p = problem(
        s.post(
            "/decisions",
            ALICE,
            json!({"decision": "approve", "actions": too_many}),
        )
        .await,
        400,
        "invalidRequest",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "actions");
    let long = "x".repeat(2001);
    let body = json!({"decision": "approve", "comment": long, "actions": [{"id": ids[0]}]});
    let p = problem(
        s.post("/decisions", ALICE, body).await,
        400,
        "invalidRequest",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "comment");

    // The server answers 413 from the declared length, before any of the body, and then drops
    // the connection. Told so with the headers alone, it answers at once.
    let response = oversized_request_headers_only(&s.base, 1024 * 1024 + 10).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("payloadTooLarge"), "{response}");
    // A client that sends such a body whole gets the 413, or sees the connection dropped while
    // it is still writing (which of the two is a race); either way it must not stay in the
    // client's pool for the checks that follow.
    let huge = format!(
        r#"{{"decision":"approve","comment":"{}","actions":[]}}"#,
        "y".repeat(1024 * 1024 + 10)
    );
    let sent = s
        .req(reqwest::Method::POST, "/decisions", ALICE)
        .header(reqwest::header::CONNECTION, "close")
        .body(huge)
        .send()
        .await;
    if let Ok(r) = sent {
        problem(r, 413, "payloadTooLarge").await;
    }

    assert_eq!(
        s.action(&ids[0]).await["status"],
        "pending",
        "nothing changed"
    );
    // Still serving.
    s.get_json("/me", ALICE).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_strings_are_stored_and_returned_verbatim() {
    let s = spawn().await;
    let page = s.get_json("/actions?q=img%20src%20onerror", ALICE).await;
    let a = &page["items"][0];
    assert_eq!(a["entity"]["name"], "<img src=x onerror=alert(1)>");
    assert_eq!(a["requestComment"], "<script>alert(\"xss\")</script>");
    let page = s.get_json("/actions?q=cmd%20calc", ALICE).await;
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["entity"]["name"] == "=cmd|' /C calc'!A0.xlsx"));

    let ids = s
        .ids("view=pending&actionType=killProcess&q=onerror", ALICE)
        .await;
    let comment = "<script>alert(1)</script> '; DROP TABLE audit; -- \u{202E} \u{0000} =1+1";
    let r: Value = s
        .post(
            "/decisions",
            ALICE,
            json!({"decision": "reject", "comment": comment, "actions": [{"id": ids[0]}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["action"]["decision"]["comment"], comment);
    let timeline = s
        .get_json(&format!("/actions/{}/timeline", ids[0]), ALICE)
        .await;
    assert_eq!(timeline[1]["comment"], comment);
    assert_eq!(s.get_json("/actions?pageSize=1", ALICE).await["total"], 300);
}

#[tokio::test(flavor = "multi_thread")]
async fn idempotency_keys_replay_and_refuse_reuse() {
    let s = spawn().await;
    let ids = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    let body = json!({"decision": "approve", "actions": [{"id": ids[0]}]});
    let send = |b: Value, key: &str| {
        s.req(reqwest::Method::POST, "/decisions", ALICE)
            .header("Idempotency-Key", key)
            .json(&b)
            .send()
    };
    let first = send(body.clone(), "k-1").await.unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["results"][0]["outcome"], "applied");
    let replay = send(body.clone(), "k-1").await.unwrap();
    assert_eq!(replay.headers()["idempotency-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay, first, "the stored response, not alreadyDecided");
    let other = json!({"decision": "reject", "actions": [{"id": ids[1]}]});
    problem(
        send(other, "k-1").await.unwrap(),
        422,
        "idempotencyKeyReused",
    )
    .await;
    assert_eq!(s.action(&ids[1]).await["status"], "pending");
    // Keys belong to their caller.
    let bob = s
        .req(reqwest::Method::POST, "/decisions", BOB)
        .header("Idempotency-Key", "k-1")
        .json(&json!({"decision": "reject", "actions": [{"id": ids[1]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bob.status(), 200);
}

/// Sends a decision's headers declaring a body of `length` bytes, none of the body, and reads
/// the whole answer.
async fn oversized_request_headers_only(base: &str, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /api/v1/decisions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {ALICE}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("an answer without the body")
    .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}
