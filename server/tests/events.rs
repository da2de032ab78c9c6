//! `GET /events`: the token only in the header, numbered events, replay after `Last-Event-ID`, and
//! `reset` when the server cannot replay.

mod common;

use common::sse::*;
use common::*;
use reqwest::Response;
use serde_json::{json, Value};

async fn open(s: &TestServer, token: &str, last_event_id: Option<&str>) -> Response {
    let mut req = s
        .req(reqwest::Method::GET, "/events", token)
        .header("accept", "text/event-stream");
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    r
}

async fn approve(s: &TestServer, id: &str) {
    let r = s
        .post(
            "/decisions",
            ALICE,
            json!({"decision": "approve", "actions": [{"id": id}]}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

fn id_of(sse: &Sse) -> i64 {
    sse.id.as_deref().unwrap().parse().unwrap()
}

fn action_of(sse: &Sse) -> Value {
    serde_json::from_str(&sse.data).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_in_the_query_string_is_refused_without_being_echoed() {
    let s = spawn().await;
    for path in [
        "/events?access_token=",
        "/actions?view=pending&ACCESS_TOKEN=",
    ] {
        let r = s
            .client
            .get(format!("{}{path}{VIEWER}", s.url("")))
            .send()
            .await
            .unwrap();
        let body = problem(r, 400, "invalidRequest").await;
        assert!(body["detail"].as_str().unwrap().contains("Authorization"));
        assert!(!body.to_string().contains(VIEWER), "{body}");
    }
    // Even with a valid header beside it: the URL is already in someone's log.
    let r = s
        .get(&format!("/events?access_token={VIEWER}"), VIEWER)
        .await;
    problem(r, 400, "invalidRequest").await;
    problem(
        s.client.get(s.url("/events")).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_are_numbered_and_carry_the_action_as_the_subscriber_sees_it() {
    let s = spawn().await;
    let mut stream = open(&s, VIEWER, None).await;
    let hello = read_until(&mut stream, |b| !b.is_empty()).await;
    assert!(hello[0].comment, "{hello:?}");
    assert_eq!(hello[0].retry, Some(2000));
    let start = id_of(&hello[0]);
    assert!(start > 0, "the demo data has an audit trail");

    let ids = s.ids("view=pending&actionType=stopService", ALICE).await;
    approve(&s, &ids[0]).await;
    approve(&s, &ids[1]).await;
    let blocks = read_until(&mut stream, |b| {
        b.iter()
            .filter(|e| {
                e.event == "action" && ids[..2].iter().any(|id| action_of(e)["id"] == id.as_str())
            })
            .count()
            >= 2
    })
    .await;
    // The simulated executor may still be stepping the demo's in-flight actions: only the two
    // approvals matter here.
    let mine = |e: &&Sse| {
        e.event == "action" && ids[..2].iter().any(|id| action_of(e)["id"] == id.as_str())
    };
    let events: Vec<&Sse> = blocks.iter().filter(mine).collect();
    let first = action_of(events[0]);
    assert_eq!(first["id"], ids[0].as_str());
    assert_eq!(first["status"], "queued");
    assert_eq!(
        first["allowedOperations"],
        json!([]),
        "as the viewer sees it"
    );
    assert!(id_of(events[0]) > start);
    assert!(id_of(events[1]) > id_of(events[0]), "monotonic");
}

/// Writes that commit one after another while the executor writes too: each subscriber gets
/// every change, in commit order. (A later commit announced first once made the stream drop the
/// earlier one as already sent.)
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_writes_reach_a_subscriber_in_commit_order_and_none_is_skipped() {
    let s = spawn().await;
    let mut stream = open(&s, VIEWER, None).await;
    read_until(&mut stream, |b| !b.is_empty()).await;
    let page = s
        .get_json("/actions?view=pending&pageSize=100", ALICE)
        .await;
    // Actions one approval decides: each approval's own event shows it queued.
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["requiredApprovals"].as_i64().unwrap_or(1) <= 1
                && a["allowedOperations"]
                    .as_array()
                    .is_some_and(|ops| ops.iter().any(|o| o == "approve"))
        })
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .take(16)
        .collect();
    assert!(ids.len() >= 8, "the demo data has pending work: {ids:?}");
    futures_util::future::join_all(ids.iter().map(|id| approve(&s, id))).await;
    let queued = |b: &[Sse], id: &str| {
        b.iter().any(|e| {
            e.event == "action" && {
                let a = action_of(e);
                a["id"] == id && a["status"] == "queued"
            }
        })
    };
    let blocks = read_until(&mut stream, |b| ids.iter().all(|id| queued(b, id))).await;
    let numbered: Vec<i64> = blocks
        .iter()
        .filter(|e| e.event == "action")
        .map(id_of)
        .collect();
    assert!(
        numbered.windows(2).all(|w| w[0] < w[1]),
        "in commit order: {numbered:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_comes_back_gets_what_it_missed_once() {
    let s = spawn().await;
    let mut stream = open(&s, ALICE, None).await;
    let start = id_of(&read_until(&mut stream, |b| !b.is_empty()).await[0]);
    drop(stream);

    // Missed while away: two decisions (and whatever the executor does with them meanwhile).
    let ids = s.ids("view=pending&actionType=stopService", ALICE).await;
    approve(&s, &ids[0]).await;
    approve(&s, &ids[1]).await;

    let mut before = std::collections::HashMap::new();
    for id in &ids[..2] {
        before.insert(id.clone(), s.action(id).await["version"].as_i64().unwrap());
    }
    let mut stream = open(&s, ALICE, Some(&start.to_string())).await;
    let blocks = read_until(&mut stream, |b| {
        let missed: Vec<String> = b
            .iter()
            .filter(|e| e.event == "action")
            .map(|e| action_of(e)["id"].as_str().unwrap().to_owned())
            .collect();
        missed.contains(&ids[0]) && missed.contains(&ids[1])
    })
    .await;
    assert!(blocks.iter().all(|e| e.event != "reset"), "{blocks:#?}");
    let replayed: Vec<&Sse> = blocks.iter().filter(|e| e.event == "action").collect();
    let mut seen: Vec<i64> = replayed.iter().map(|e| id_of(e)).collect();
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order: {seen:?}");
    seen.dedup();
    for action in replayed.iter().map(|e| action_of(e)) {
        // The current state as of the replay: no older than before the stream opened (the
        // simulated executor may move it on after).
        let id = action["id"].as_str().unwrap();
        let version = action["version"].as_i64().unwrap();
        if let Some(earlier) = before.get(id) {
            assert!(
                version >= *earlier,
                "{id}: replayed v{version}, was v{earlier}"
            );
        }
        assert!(version <= s.action(id).await["version"].as_i64().unwrap());
    }

    // A change after the replay arrives once, with a newer id.
    approve(&s, &ids[2]).await;
    let newest = *seen.last().unwrap();
    let later = read_until(&mut stream, |b| {
        b.iter()
            .any(|e| e.event == "action" && action_of(e)["id"] == ids[2].as_str())
    })
    .await;
    let live: Vec<&Sse> = later.iter().filter(|e| e.event == "action").collect();
    assert!(live.iter().all(|e| id_of(e) > newest));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_the_server_cannot_replay_gets_one_reset() {
    // Enough demo actions that replaying from the start is over the limit.
    let dir = tempfile::tempdir().unwrap();
    let config = action_center_server::cli::Config {
        demo_actions: 1_000,
        ..common::config(&dir)
    };
    let s = spawn_with(dir, config).await;
    for (id, reason) in [
        ("not-a-number", "unknownEventId"),
        ("99999999999", "tooFarBehind"),
        ("0", "tooFarBehind"),
    ] {
        let mut stream = open(&s, ALICE, Some(id)).await;
        let blocks = read_until(&mut stream, |b| b.len() >= 2).await;
        assert!(blocks[0].comment, "{blocks:?}");
        assert_eq!(blocks[1].event, "reset", "{id}: {blocks:?}");
        let data: Value = serde_json::from_str(&blocks[1].data).unwrap();
        assert_eq!(data["reason"], reason, "{id}");
        assert_eq!(blocks[1].id, blocks[0].id, "resumes from now");
    }
}
