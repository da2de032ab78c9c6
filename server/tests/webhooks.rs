//! Signed webhooks against a real receiver on loopback: every change arrives, signed (the HMAC
//! recomputed here with the secret, the time fresh), in order per action; a receiver that fails
//! or is down gets the events again later, duplicates only ever repeat an event; deliveries that
//! keep failing die and are listed for the operator and counted on `/metrics`. On PostgreSQL,
//! two instances deliver from one outbox without sending an event twice or out of order.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use action_center_server::webhooks::{WebhookConfig, WebhookFlags};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "whsec-test-0123456789";

/// What the receiver got in one request.
#[derive(Debug, Clone)]
struct Got {
    raw: Bytes,
    body: Value,
    headers: HeaderMap,
    /// What the receiver answered.
    accepted: bool,
}

impl Got {
    fn id(&self) -> i64 {
        self.body["id"].as_str().unwrap().parse().unwrap()
    }
    fn action_id(&self) -> &str {
        self.body["action"]["id"].as_str().unwrap()
    }
    fn status(&self) -> &str {
        self.body["action"]["status"].as_str().unwrap()
    }
}

/// How the receiver answers.
#[derive(Clone, Copy)]
enum Answer {
    /// 204 to everything.
    Accept,
    /// 500 to the first N requests of each event, then 204.
    FailEach(usize),
    /// 500 with a long, unprintable body, always.
    AlwaysFail,
}

struct HookState {
    answer: Answer,
    got: Mutex<Vec<Got>>,
}

#[derive(Clone)]
struct Hook(Arc<HookState>);

impl Hook {
    fn new(answer: Answer) -> Hook {
        Hook(Arc::new(HookState {
            answer,
            got: Mutex::new(Vec::new()),
        }))
    }

    fn got(&self) -> Vec<Got> {
        self.0.got.lock().unwrap().clone()
    }

    /// Serves on `listener` until the test ends.
    fn serve(&self, listener: tokio::net::TcpListener) {
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    }

    /// Serves on a free port; returns the URL to configure.
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        self.serve(listener);
        url
    }

    /// Waits until every action in `done` has an accepted event with one of its statuses.
    async fn wait_for(&self, done: &[(&str, &[&str])]) -> Vec<Got> {
        let started = Instant::now();
        loop {
            let got = self.got();
            let finished = done.iter().all(|(id, statuses)| {
                got.iter()
                    .any(|g| g.accepted && g.action_id() == *id && statuses.contains(&g.status()))
            });
            if finished {
                return got;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the receiver never got {done:?}; it got {:?}",
                got.iter()
                    .map(|g| (g.id(), g.action_id().to_owned(), g.status().to_owned()))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(State(hook): State<Hook>, headers: HeaderMap, raw: Bytes) -> (StatusCode, String) {
    let body: Value = serde_json::from_slice(&raw).expect("the body is JSON");
    let mut got = hook.0.got.lock().unwrap();
    let tries = got.iter().filter(|g| g.body["id"] == body["id"]).count();
    let (accepted, answer) = match hook.0.answer {
        Answer::Accept => (true, String::new()),
        Answer::FailEach(k) => (tries >= k, "try later".to_owned()),
        Answer::AlwaysFail => (
            false,
            format!("upstream\r\n\u{7}\t broken {}", "x".repeat(5000)),
        ),
    };
    got.push(Got {
        raw,
        body,
        headers,
        accepted,
    });
    if accepted {
        (StatusCode::NO_CONTENT, answer)
    } else {
        (StatusCode::INTERNAL_SERVER_ERROR, answer)
    }
}

fn webhooks(url: &str, max_attempts: u32, backoff_ms: u64) -> WebhookConfig {
    WebhookConfig::from_flags(
        &WebhookFlags {
            urls: vec![url.to_owned()],
            max_attempts: Some(max_attempts),
            backoff: Some(Duration::from_millis(backoff_ms)),
            ..Default::default()
        },
        Some(SECRET.to_owned()),
    )
    .unwrap()
}

async fn spawn_with_hook(url: &str, max_attempts: u32, backoff_ms: u64) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&dir);
    config.webhooks = Box::new(webhooks(url, max_attempts, backoff_ms));
    spawn_with(dir, config).await
}

/// What a receiver does with the `Action-Center-Signature` header: the HMAC recomputed here
/// (not with the server's code), the time within 5 minutes.
fn assert_signed(got: &Got) {
    let header = got.headers["action-center-signature"].to_str().unwrap();
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("malformed signature header {header}"));
    let t: i64 = t.parse().unwrap();
    assert!(
        (chrono::Utc::now().timestamp() - t).abs() <= 300,
        "stale t={t}"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&got.raw);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected, "signature of event {}", got.id());
    assert_eq!(got.headers["content-type"], "application/json");
    assert_eq!(
        got.headers["action-center-event-id"].to_str().unwrap(),
        got.body["id"].as_str().unwrap()
    );
    assert!(got.headers["user-agent"]
        .to_str()
        .unwrap()
        .starts_with("action-center-server/"));
    assert_eq!(got.body["type"], "action.changed");
    assert!(chrono::DateTime::parse_from_rfc3339(got.body["at"].as_str().unwrap()).is_ok());
    // As a viewer sees it: nothing the receiver could do.
    assert_eq!(got.body["action"]["allowedOperations"], json!([]));
}

/// Per action, the events in arrival order; asserts that a repeated id repeats the same body
/// and that no action's events ever go backwards. Returns each action's distinct statuses.
fn per_action(got: &[Got]) -> BTreeMap<String, Vec<String>> {
    let mut bodies: HashMap<i64, &Bytes> = HashMap::new();
    let mut last_id: HashMap<&str, i64> = HashMap::new();
    let mut statuses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in got {
        let id = g.id();
        if let Some(before) = bodies.insert(id, &g.raw) {
            assert_eq!(before, &g.raw, "a redelivery of {id} carries the same body");
        }
        let last = last_id.entry(g.action_id()).or_insert(0);
        assert!(
            id >= *last,
            "event {id} of {} arrived after event {last}",
            g.action_id()
        );
        if id > *last {
            statuses
                .entry(g.action_id().to_owned())
                .or_default()
                .push(g.status().to_owned());
        }
        *last = id;
    }
    statuses
}

async fn decide(s: &TestServer, decision: &str, id: &str) {
    let body = json!({"decision": decision, "actions": [{"id": id}]});
    let r: Value = s
        .post("/decisions", ALICE, body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["outcome"], "applied", "{r}");
}

async fn metrics(s: &TestServer) -> String {
    s.client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the sample named exactly `series` (0 when absent).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

fn origin(url: &str) -> String {
    url.trim_end_matches("/hook").to_owned()
}

async fn listing(s: &TestServer, query: &str) -> Value {
    let r = s
        .client
        .get(format!("{}/webhooks/deliveries{query}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

const FINISHED: &[&str] = &["completed", "failed"];

#[tokio::test(flavor = "multi_thread")]
async fn every_change_arrives_signed_and_in_order_per_action() {
    let hook = Hook::new(Answer::Accept);
    let url = hook.start().await;
    let s = spawn_with_hook(&url, 12, 50).await;
    let isolations = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    let quarantines = s.ids("view=pending&actionType=quarantineFile", ALICE).await;
    let (a, b, c) = (&isolations[0], &isolations[1], &quarantines[0]);
    decide(&s, "approve", a).await;
    decide(&s, "approve", b).await;
    decide(&s, "reject", c).await;
    let got = hook
        .wait_for(&[(a, FINISHED), (b, FINISHED), (c, &["rejected"])])
        .await;
    for g in &got {
        assert_signed(g);
    }
    let statuses = per_action(&got);
    for id in [a, b] {
        let seen = &statuses[id.as_str()];
        assert_eq!(&seen[..2], ["queued", "running"], "{id}: {seen:?}");
        assert!(
            FINISHED.contains(&seen[2].as_str()) && seen.len() == 3,
            "{seen:?}"
        );
    }
    assert_eq!(statuses[c.as_str()], ["rejected"]);
    // The receiver answered every request: nothing was sent twice.
    let mut ids: Vec<i64> = got.iter().map(Got::id).collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total);

    let text = metrics(&s).await;
    let series = |outcome: &str| {
        format!(
            "action_center_webhook_deliveries_total{{receiver=\"{}\",outcome=\"{outcome}\"}}",
            origin(&url)
        )
    };
    assert!(sample(&text, &series("delivered")) > 0.0);
    assert_eq!(sample(&text, &series("failed")), 0.0);
    assert_eq!(
        sample(&text, r#"action_center_webhook_outbox{state="dead"}"#),
        0.0
    );
    assert_eq!(listing(&s, "").await, json!({"deliveries": []}));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_answering_500_gets_the_events_again() {
    let hook = Hook::new(Answer::FailEach(2));
    let url = hook.start().await;
    let s = spawn_with_hook(&url, 12, 20).await;
    let id = &s.ids("view=pending&actionType=isolateDevice", ALICE).await[0];
    decide(&s, "approve", id).await;
    let got = hook.wait_for(&[(id, FINISHED)]).await;
    for g in &got {
        assert_signed(g);
    }
    let statuses = per_action(&got);
    assert_eq!(&statuses[id.as_str()][..2], ["queued", "running"]);
    // Each event was refused twice, then delivered: the same id three times in a row, and the
    // next event only after.
    let mine: Vec<(i64, bool)> = got
        .iter()
        .filter(|g| g.action_id() == id)
        .map(|g| (g.id(), g.accepted))
        .collect();
    assert_eq!(mine.len(), 9, "{mine:?}");
    for event in mine.chunks(3) {
        assert_eq!(
            event,
            [(event[0].0, false), (event[0].0, false), (event[0].0, true)]
        );
    }

    let text = metrics(&s).await;
    let series = |outcome: &str| {
        format!(
            "action_center_webhook_deliveries_total{{receiver=\"{}\",outcome=\"{outcome}\"}}",
            origin(&url)
        )
    };
    assert!(sample(&text, &series("failed")) >= 6.0);
    assert!(sample(&text, &series("delivered")) >= 3.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_was_down_gets_everything_when_it_is_back() {
    // A port nobody listens on, yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook?token=query-secret");
    let s = spawn_with_hook(&url, 12, 50).await;
    let isolations = s.ids("view=pending&actionType=isolateDevice", ALICE).await;
    let (a, b) = (&isolations[0], &isolations[1]);
    decide(&s, "approve", a).await;
    decide(&s, "reject", b).await;

    // The operator sees the failing deliveries: origin only, the connection error, retries.
    let started = Instant::now();
    let failing = loop {
        let listed = listing(&s, "?state=failing").await;
        let rows = listed["deliveries"].as_array().unwrap().clone();
        let ours = |id: &str| {
            rows.iter()
                .any(|r| r["actionId"] == id && r["attempts"].as_u64().unwrap() >= 2)
        };
        if ours(a) && ours(b) {
            break listed;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{listed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let text = failing.to_string();
    assert!(
        !text.contains("query-secret") && !text.contains(SECRET),
        "{text}"
    );
    let row = &failing["deliveries"][0];
    assert_eq!(row["receiver"], format!("http://127.0.0.1:{port}"));
    assert_eq!(row["state"], "failing");
    assert!(
        row["lastError"]
            .as_str()
            .unwrap()
            .starts_with("could not connect"),
        "{row}"
    );
    assert!(row["lastStatus"].is_null());
    assert!(row["nextAttemptAt"].is_string() && row["eventId"].is_string());
    let metrics_text = metrics(&s).await;
    assert!(!metrics_text.contains("query-secret"));
    assert!(
        sample(
            &metrics_text,
            &format!(
                "action_center_webhook_deliveries_total{{receiver=\"http://127.0.0.1:{port}\",outcome=\"failed\"}}"
            )
        ) >= 4.0
    );
    assert!(
        sample(
            &metrics_text,
            r#"action_center_webhook_outbox{state="waiting"}"#
        ) >= 2.0
    );
    // The approved action finishes meanwhile; its later events wait behind the first.
    let started = Instant::now();
    while !FINISHED.contains(&s.action(a).await["status"].as_str().unwrap()) {
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let hook = Hook::new(Answer::Accept);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    hook.serve(listener);
    let got = hook.wait_for(&[(a, FINISHED), (b, &["rejected"])]).await;
    for g in &got {
        assert_signed(g);
    }
    let statuses = per_action(&got);
    assert_eq!(&statuses[a.as_str()][..2], ["queued", "running"]);
    assert_eq!(statuses[b.as_str()], ["rejected"]);

    let started = Instant::now();
    while listing(&s, "").await != json!({"deliveries": []}) {
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_that_keep_failing_die_and_are_listed() {
    let hook = Hook::new(Answer::AlwaysFail);
    let url = hook.start().await;
    let s = spawn_with_hook(&url, 3, 20).await;
    let id = &s.ids("view=pending&actionType=quarantineFile", ALICE).await[0];
    decide(&s, "reject", id).await;

    let started = Instant::now();
    let dead = loop {
        let listed = listing(&s, "?state=dead").await;
        if let Some(row) = listed["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["actionId"] == id.as_str())
        {
            break row.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{listed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(dead["state"], "dead");
    assert_eq!(dead["attempts"], 3);
    assert_eq!(dead["lastStatus"], 500);
    assert!(dead["nextAttemptAt"].is_null());
    let error = dead["lastError"].as_str().unwrap();
    assert!(
        error.starts_with("HTTP 500: upstream broken xxx"),
        "{error}"
    );
    assert!(error.chars().count() < 200 && !error.chars().any(char::is_control));

    // No further attempts, and the failing listing no longer shows it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tries = hook
        .got()
        .iter()
        .filter(|g| g.action_id() == id.as_str())
        .count();
    assert_eq!(tries, 3);
    let failing = listing(&s, "?state=failing").await;
    assert!(!failing.to_string().contains(id.as_str()));

    let text = metrics(&s).await;
    let series = |outcome: &str| {
        format!(
            "action_center_webhook_deliveries_total{{receiver=\"{}\",outcome=\"{outcome}\"}}",
            origin(&url)
        )
    };
    // Other actions the demo executor moves die too: at least ours.
    assert!(sample(&text, &series("dead")) >= 1.0);
    assert!(sample(&text, &series("failed")) >= 2.0);
    assert!(sample(&text, r#"action_center_webhook_outbox{state="dead"}"#) >= 1.0);

    let r = s
        .client
        .get(format!("{}/webhooks/deliveries?state=gone", s.base))
        .send()
        .await
        .unwrap();
    problem(r, 400, "invalidRequest").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_receivers_nothing_is_queued() {
    let s = spawn().await;
    let id = &s.ids("view=pending&actionType=quarantineFile", ALICE).await[0];
    decide(&s, "reject", id).await;
    assert_eq!(listing(&s, "").await, json!({"deliveries": []}));
    let text = metrics(&s).await;
    assert!(!text.contains("action_center_webhook_outbox{"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_deliver_each_event_once_and_in_order() {
    if postgres_server().is_none() {
        eprintln!("skipped: needs AC_TEST_POSTGRES (several instances share PostgreSQL only)");
        return;
    }
    let hook = Hook::new(Answer::Accept);
    let url = hook.start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut first = config(&dir);
    first.webhooks = Box::new(webhooks(&url, 12, 50));
    let mut second = first.clone();
    second.demo_actions = 0;
    let one = spawn_with(dir, first).await;
    let two = spawn_with(tempfile::tempdir().unwrap(), second).await;
    let ids = one
        .ids("view=pending&actionType=isolateDevice", ALICE)
        .await;
    let mut expected: Vec<(&str, &[&str])> = Vec::new();
    for (i, id) in ids.iter().take(6).enumerate() {
        let via = if i % 2 == 0 { &one } else { &two };
        decide(via, "approve", id).await;
        expected.push((id, FINISHED));
    }
    let got = hook.wait_for(&expected).await;
    let statuses = per_action(&got);
    for (id, _) in &expected {
        assert_eq!(&statuses[*id][..2], ["queued", "running"], "{id}");
    }
    let mut seen: Vec<i64> = got.iter().map(Got::id).collect();
    let total = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), total, "no event was sent twice");
}
