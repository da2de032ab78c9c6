//! Benchmark (not a test): seeds — or reuses — a database of 1,000,000 demo actions, starts the
//! server, and prints p50/p95 over real HTTP for the list, search, facets and a bulk undo of 200,
//! then opens 1,000 live-update streams and times until every one has a change's event.
//!
//! `cargo bench -p action-center-server` (env: `AC_BENCH_DB` = a SQLite file, default
//! `/tmp/action-center-bench.db`, or a `postgres://` URL; `AC_BENCH_ACTIONS` = actions to seed,
//! default 1000000; `AC_BENCH_STREAMS` = live-update streams, default 1000).

use std::time::{Duration, Instant};

use action_center_server::cli::Config;
use action_center_server::{prepare, start};
use serde_json::{json, Value};

const ROUNDS: usize = 60;
const TOKEN: &str = "demo-analyst";

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut times: Vec<Duration>, note: &str) {
    times.sort();
    println!(
        "| {name:<34} | {:>7.2} | {:>7.2} | {note}",
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let db = std::env::var("AC_BENCH_DB").unwrap_or_else(|_| "/tmp/action-center-bench.db".into());
    let n: usize = std::env::var("AC_BENCH_ACTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: db.clone(),
        demo: true,
        demo_actions: n,
        executor_delay: Duration::from_millis(500),
        access_log: false,
        ..Config::default()
    };
    let fresh = db.starts_with("postgres") || !std::path::Path::new(&db).exists();
    let started = Instant::now();
    prepare(&config).await.expect("seed");
    if fresh {
        println!(
            "prepared {n} actions in {:.1} s (seeding time if the database was empty)",
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("reusing {db} (delete it to measure seeding)");
    }
    let server = start(config).await.expect("server");
    // The instance's memory (this process: the server, its caches and, on PostgreSQL, its
    // search index).
    // RssAnon is the process's own memory; RssFile counts the pages of a memory-mapped SQLite
    // file it has read, which the kernel may drop at any time.
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map_or(String::new(), |v| v.trim().to_owned())
        };
        println!(
            "resident memory after start: {} (own memory {}, file pages {})",
            field("VmRSS:"),
            field("RssAnon:"),
            field("RssFile:")
        );
    }
    let base = format!("http://{}/api/v1", server.addr);
    let client = reqwest::Client::new();
    let get = |path: String| {
        let req = client.get(format!("{base}{path}")).bearer_auth(TOKEN);
        async move {
            let t = Instant::now();
            let r = req.send().await.expect("request");
            assert!(r.status().is_success(), "{}", r.status());
            let body: Value = r.json().await.expect("json");
            (t.elapsed(), body)
        }
    };
    let total = get("/actions?pageSize=1".into()).await.1["total"].clone();
    println!("actions in the database: {total}\n");
    println!("| request                            | p50 ms  | p95 ms  | rows matched");
    println!("|------------------------------------|---------|---------|-------------");
    let sha = action_center_server::demo::shared_sha256();
    let cases: Vec<(&str, String)> = vec![
        ("list pending (default)", "/actions?view=pending".into()),
        ("list history (default)", "/actions?view=history".into()),
        (
            "filtered: type + status",
            "/actions?view=history&actionType=quarantineFile&status=completed".into(),
        ),
        (
            "filtered: source, pending",
            "/actions?view=pending&source=advancedHunting".into(),
        ),
        (
            "sorted: asset asc",
            "/actions?view=history&sort=asset:asc".into(),
        ),
        (
            "sorted: decidedBy desc, pending",
            "/actions?view=pending&sort=decidedBy:desc".into(),
        ),
        (
            "deep page: page 200",
            "/actions?view=history&page=200".into(),
        ),
        (
            "search: device name",
            "/actions?view=history&q=FIN-LAPTOP-07".into(),
        ),
        ("search: hash prefix", format!("/actions?q={}", &sha[..16])),
        ("search: investigation id", "/actions?q=inv_1042".into()),
        ("search: common word (invoice)", "/actions?q=invoice".into()),
        (
            "search: common prefix FIN-LAPTOP",
            "/actions?view=history&q=FIN-LAPTOP".into(),
        ),
        (
            "search: FIN-LAPTOP, pending",
            "/actions?view=pending&q=FIN-LAPTOP".into(),
        ),
        (
            "search: FIN-LAPTOP, page 20",
            "/actions?view=history&q=FIN-LAPTOP&page=20".into(),
        ),
        (
            "search: FIN-LAPTOP + type + status",
            "/actions?view=history&q=FIN-LAPTOP&actionType=quarantineFile&status=completed".into(),
        ),
        (
            "search: every row (act), sorted by asset",
            "/actions?view=history&q=act&sort=asset:asc".into(),
        ),
        (
            "search: two common words, rare together",
            "/actions?view=history&q=SRV%20laptop".into(),
        ),
        (
            "search: user name (priya)",
            "/actions?view=history&q=priya".into(),
        ),
        ("facets: history", "/actions/facets?view=history".into()),
        (
            "facets: type filter",
            "/actions/facets?actionType=quarantineFile".into(),
        ),
        (
            "facets: with search",
            "/actions/facets?view=history&q=FIN-LAPTOP-07".into(),
        ),
    ];
    for (name, path) in cases {
        for _ in 0..3 {
            get(path.clone()).await;
        }
        let mut times = Vec::with_capacity(ROUNDS);
        let mut matched = Value::Null;
        for _ in 0..ROUNDS {
            let (t, body) = get(path.clone()).await;
            matched = body["total"].clone();
            times.push(t);
        }
        report(name, times, &matched.to_string());
    }
    // Bulk undo: 200 completed actions of one type per request, each request a new set.
    let mut times = Vec::new();
    for round in 0..10 {
        let page = get(format!(
            "/actions?view=history&actionType=removeRegistryKey&status=completed&pageSize=200&page={}",
            1 + round
        ))
        .await
        .1;
        let refs: Vec<Value> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| json!({"id": a["id"]}))
            .collect();
        assert_eq!(refs.len(), 200);
        let body = json!({"comment": "bench", "actions": refs});
        let t = Instant::now();
        let r = client
            .post(format!("{base}/undo"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let out: Value = r.json().await.unwrap();
        times.push(t.elapsed());
        let applied = out["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["outcome"] == "applied")
            .count();
        assert_eq!(applied, 200);
    }
    report("bulk undo of 200 (10 requests)", times, "200 applied each");
    live_streams(&client, &base).await;
    server.stop().await;
}

/// Opens `AC_BENCH_STREAMS` live-update streams on the server, makes one change, and prints how
/// long until every stream had its event.
async fn live_streams(client: &reqwest::Client, base: &str) {
    let streams: usize = std::env::var("AC_BENCH_STREAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let page: Value = client
        .get(format!("{base}/actions?view=pending&pageSize=1"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    let opened = Instant::now();
    let mut readers = Vec::with_capacity(streams);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(streams);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<Instant>(streams);
    for _ in 0..streams {
        let req = client.get(format!("{base}/events")).bearer_auth(TOKEN);
        let (ready, done) = (ready_tx.clone(), done_tx.clone());
        let wanted = format!("\"id\":\"{id}\"");
        readers.push(tokio::spawn(async move {
            let mut r = req.send().await.expect("stream");
            let mut text = String::new();
            let mut announced = false;
            while let Ok(Some(chunk)) = r.chunk().await {
                text.push_str(&String::from_utf8_lossy(&chunk));
                if !announced && text.contains(": connected") {
                    announced = true;
                    let _ = ready.send(()).await;
                }
                // This decision's event, not the simulated executor's other changes.
                if text.contains(&wanted) {
                    let _ = done.send(Instant::now()).await;
                    return;
                }
            }
        }));
    }
    for _ in 0..streams {
        ready_rx.recv().await;
    }
    println!(
        "\n{streams} live-update streams open in {:.2} s",
        opened.elapsed().as_secs_f64()
    );
    let changed = Instant::now();
    let r = client
        .post(format!("{base}/decisions"))
        .bearer_auth(TOKEN)
        .json(&json!({"decision": "reject", "comment": "bench", "actions": [{"id": id}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut times = Vec::with_capacity(streams);
    for _ in 0..streams {
        let at = done_rx.recv().await.expect("every stream gets the event");
        times.push(at.saturating_duration_since(changed));
    }
    times.sort();
    println!(
        "one decision reached all {streams} streams: p50 {:.1} ms, p95 {:.1} ms, last {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().unwrap().as_secs_f64() * 1000.0
    );
    for r in readers {
        r.abort();
    }
}
