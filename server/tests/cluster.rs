//! Three instances on one PostgreSQL database behind nginx (round-robin), as a team that
//! outgrows one machine runs the server: decisions race across instances with exactly one
//! winner, idempotency keys hold across instances, executor work is never handed out twice,
//! the expiry sweep expires each action once, live updates made through one instance reach
//! streams on the others within a second, `Last-Event-ID` resumes on any instance, and killing
//! an instance mid-way loses no request that nginx can send elsewhere — its restart serves the
//! same data.
//!
//! Needs PostgreSQL (`AC_TEST_POSTGRES`) and nginx: `scripts/test` runs it with
//! `--include-ignored`; by hand: `scripts/with-postgres cargo test -p action-center-server
//! --test cluster -- --include-ignored`.

mod common;

use std::collections::HashSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::sse::*;
use common::*;
use futures_util::future::join_all;
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// One server process.
struct Instance {
    child: Child,
    base: String,
    port: u16,
}

/// Starts the server binary on `port` (0: any) over `database`; returns once it listens.
async fn instance(database: &str, port: u16) -> Instance {
    let mut child = Command::new(env!("CARGO_BIN_EXE_action-center-server"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            database,
            "--demo",
            "--demo-actions",
            "300",
            // The simulated executor stays out of the way: the tests claim work themselves.
            "--executor-delay-ms",
            "600000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(addr) = line.strip_prefix("listening on http://") {
                return addr.to_owned();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens within a minute");
    // Keep reading its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let port = addr.rsplit_once(':').unwrap().1.parse().unwrap();
    Instance {
        child,
        base: format!("http://{addr}"),
        port,
    }
}

/// nginx in front of the instances, from its own prefix folder; one process, killed on drop.
struct Nginx {
    _child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn nginx(dir: &std::path::Path, ports: &[u16]) -> Nginx {
    let prefix = dir.join("nginx");
    std::fs::create_dir_all(prefix.join("tmp")).unwrap();
    let port = free_port();
    let servers: String = ports
        .iter()
        .map(|p| format!("    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n"))
        .collect();
    let p = prefix.display();
    let conf = format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 2048; }}
http {{
  access_log off;
  client_body_temp_path {p}/tmp/body;
  proxy_temp_path {p}/tmp/proxy;
  fastcgi_temp_path {p}/tmp/fastcgi;
  uwsgi_temp_path {p}/tmp/uwsgi;
  scgi_temp_path {p}/tmp/scgi;
  upstream action_center {{
{servers}    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://action_center;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"#
    );
    std::fs::write(prefix.join("nginx.conf"), conf).unwrap();
    // Debian installs it in /usr/sbin, which a non-root PATH may lack.
    let program = if std::path::Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    };
    let child = Command::new(program)
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .arg("-e")
        .arg(prefix.join("error.log"))
        .kill_on_drop(true)
        .spawn()
        .expect("nginx (scripts/setup installs it)");
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new();
    for _ in 0..100 {
        if client
            .get(format!("{base}/api/v1/openapi.json"))
            .send()
            .await
            .is_ok()
        {
            return Nginx {
                _child: child,
                base,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nginx did not start");
}

struct Cluster {
    _dir: tempfile::TempDir,
    database: String,
    instances: Vec<Instance>,
    lb: Nginx,
    client: Client,
}

async fn cluster() -> Cluster {
    assert!(
        postgres_server().is_some(),
        "the cluster tests need PostgreSQL: set AC_TEST_POSTGRES (scripts/with-postgres does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir);
    // The first seeds the demo data; the other two find it there.
    let mut instances = vec![instance(&database, 0).await];
    for _ in 0..2 {
        instances.push(instance(&database, 0).await);
    }
    let ports: Vec<u16> = instances.iter().map(|i| i.port).collect();
    let lb = nginx(dir.path(), &ports).await;
    Cluster {
        _dir: dir,
        database,
        instances,
        lb,
        client: Client::new(),
    }
}

impl Cluster {
    fn req(&self, base: &str, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{base}/api/v1{path}"))
            .bearer_auth(token)
    }

    async fn get_json(&self, base: &str, path: &str) -> Value {
        let r = self
            .req(base, Method::GET, path, ALICE)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GET {path} via {base}");
        r.json().await.unwrap()
    }

    async fn ids(&self, query: &str) -> Vec<String> {
        let page = self
            .get_json(&self.lb.base, &format!("/actions?{query}"))
            .await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn decide(&self, base: &str, token: &str, verb: &str, id: &str) -> Value {
        let r = self
            .req(base, Method::POST, "/decisions", token)
            .json(&json!({"decision": verb, "actions": [{"id": id}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    async fn events(&self, base: &str, last_event_id: Option<&str>) -> Response {
        let mut req = self
            .req(base, Method::GET, "/events", VIEWER)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        r
    }
}

fn action_event_for<'a>(blocks: &'a [Sse], id: &str) -> Option<&'a Sse> {
    blocks.iter().find(|b| {
        b.event == "action" && serde_json::from_str::<Value>(&b.data).unwrap()["id"] == id
    })
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and nginx: scripts/test runs it"]
async fn three_instances_behind_nginx() {
    let mut c = cluster().await;
    let lb = c.lb.base.clone();
    let bases: Vec<String> = c.instances.iter().map(|i| i.base.clone()).collect();

    // Round-robin really spreads the requests: every instance answers the same data.
    let facets: Vec<Value> = join_all(bases.iter().map(|b| c.get_json(b, "/actions/facets"))).await;
    assert!(facets.iter().all(|f| f == &facets[0] && f["total"] == 300));

    // 1. Races: two analysts decide the same action at once through different instances, ten
    // times over: exactly one wins each time, the other is told who did.
    let pending = c.ids("view=pending&pageSize=10&sort=id:asc").await;
    assert_eq!(pending.len(), 10);
    for (n, id) in pending.iter().enumerate() {
        let (a, b) = (&bases[n % 3], &bases[(n + 1) % 3]);
        let (r1, r2) = tokio::join!(
            c.decide(a, ALICE, "approve", id),
            c.decide(b, BOB, "reject", id)
        );
        let outcomes = [
            r1["results"][0]["outcome"].as_str().unwrap(),
            r2["results"][0]["outcome"].as_str().unwrap(),
        ];
        assert_eq!(
            outcomes.iter().filter(|o| **o == "applied").count(),
            1,
            "{id}: {outcomes:?}"
        );
        assert!(outcomes.contains(&"alreadyDecided"), "{outcomes:?}");
        let timeline = c.get_json(&lb, &format!("/actions/{id}/timeline")).await;
        let decisions = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "approved" || e["event"] == "rejected")
            .count();
        assert_eq!(decisions, 1, "{id}: one decision in the audit trail");
    }

    // 2. One Idempotency-Key sent to all three instances at once: one applies, the others get
    // its stored answer.
    let target = c
        .ids("view=pending&pageSize=1&sort=id:desc")
        .await
        .remove(0);
    let body = json!({"decision": "approve", "comment": "once", "actions": [{"id": target}]});
    let send = |base: &String| {
        c.req(base, Method::POST, "/decisions", ALICE)
            .header("Idempotency-Key", "cluster-key-1")
            .json(&body)
            .send()
    };
    let (a, b, d) = tokio::join!(send(&bases[0]), send(&bases[1]), send(&bases[2]));
    let mut answers = Vec::new();
    let mut replayed = 0;
    for r in [a, b, d] {
        let r = r.unwrap();
        assert_eq!(r.status(), 200);
        replayed += r.headers().contains_key("idempotency-replayed") as usize;
        answers.push(r.json::<Value>().await.unwrap());
    }
    assert_eq!(replayed, 2);
    assert!(answers.iter().all(|x| x == &answers[0]));
    assert_eq!(answers[0]["results"][0]["outcome"], "applied");

    // 3. Executor work: three executors claim at once, one per instance; nothing twice.
    let mut submitted = Vec::new();
    for n in 0..24 {
        let r = c
            .req(&lb, Method::POST, "/actions", INTEGRATION)
            .header("Idempotency-Key", format!("cluster-submit-{n}"))
            .json(&json!({
                "actionType": "killProcess", "category": "device", "source": "manual",
                "asset": {"kind": "device", "id": format!("dev_c{n}"), "name": format!("CLUSTER-{n:02}")},
                "entity": {"kind": "process", "name": "evil.exe"},
                "requiresApproval": false
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        submitted.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let claim = |base: &String| {
        let req = c.req(base, Method::GET, "/work?limit=20", INTEGRATION);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (w1, w2, w3) = tokio::join!(claim(&bases[0]), claim(&bases[1]), claim(&bases[2]));
    let mut claimed = Vec::new();
    for w in [w1, w2, w3] {
        for item in w["items"].as_array().unwrap() {
            claimed.push(item["action"]["id"].as_str().unwrap().to_owned());
        }
    }
    let distinct: HashSet<&String> = claimed.iter().collect();
    assert_eq!(distinct.len(), claimed.len(), "no work handed out twice");
    assert!(
        claimed.len() >= 24,
        "every submitted action claimed: {}",
        claimed.len()
    );
    assert!(submitted.iter().all(|id| distinct.contains(id)));

    // 4. Expiry: deadlines in the past, three sweeps at once (one per instance's view of the
    // database): each action expires once.
    let overdue = c.ids("view=pending&pageSize=5&sort=id:asc").await;
    for id in &overdue {
        expire_deadline(&c.database, id).await;
    }
    let location = action_center_server::store::Location::parse(&c.database);
    let mut stores = Vec::new();
    for _ in 0..3 {
        stores.push(
            action_center_server::store::Store::open(&location)
                .await
                .unwrap(),
        );
    }
    let sweeps = join_all(stores.iter().map(action_center_server::executor::sweep)).await;
    let expired: usize = sweeps.into_iter().map(|r| r.unwrap()).sum();
    assert!(expired >= 5, "{expired}");
    for id in &overdue {
        let timeline = c.get_json(&lb, &format!("/actions/{id}/timeline")).await;
        let n = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "expired")
            .count();
        assert_eq!(n, 1, "{id} expired once");
    }

    // 5. Live updates: streams on instances B and C see a decision made through A within a
    // second; a stream that missed it resumes on another instance with Last-Event-ID.
    let mut on_b = c.events(&bases[1], None).await;
    let mut on_c = c.events(&bases[2], None).await;
    let hello = read_until(&mut on_b, |b| !b.is_empty()).await;
    let before = hello[0].id.clone().unwrap();
    read_until(&mut on_c, |b| !b.is_empty()).await;
    let live = c.ids("view=pending&pageSize=2&sort=id:desc").await;
    let started = Instant::now();
    c.decide(&bases[0], ALICE, "reject", &live[0]).await;
    for stream in [&mut on_b, &mut on_c] {
        let blocks = read_until(stream, |b| action_event_for(b, &live[0]).is_some()).await;
        assert!(action_event_for(&blocks, &live[0]).is_some());
    }
    let latency = started.elapsed();
    assert!(
        latency < Duration::from_secs(1),
        "live update took {latency:?}"
    );
    drop(on_b);
    c.decide(&bases[2], BOB, "reject", &live[1]).await;
    let mut resumed = c.events(&bases[0], Some(&before)).await;
    let blocks = read_until(&mut resumed, |b| {
        action_event_for(b, &live[0]).is_some() && action_event_for(b, &live[1]).is_some()
    })
    .await;
    assert!(blocks.iter().all(|b| b.event != "reset"), "{blocks:?}");

    // 6. Search: each instance answers searches from its own in-memory index, kept current
    // from the audit trail it follows. A decision made through A moves the action between
    // searches on B and C within a second.
    let sought = c.ids("view=pending&pageSize=1&sort=id:asc").await.remove(0);
    let in_search = |base: String, query: String| {
        let c = &c;
        let sought = sought.clone();
        async move {
            let page = c
                .get_json(&base, &format!("/actions?{query}&q={sought}"))
                .await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == sought.as_str())
        }
    };
    for base in &bases {
        assert!(
            in_search(base.clone(), "view=pending".into()).await,
            "{base}"
        );
    }
    let started = Instant::now();
    c.decide(&bases[0], ALICE, "reject", &sought).await;
    for base in &bases[1..] {
        loop {
            let gone = !in_search(base.clone(), "view=pending".into()).await;
            let moved = in_search(base.clone(), "view=history&status=rejected".into()).await;
            if gone && moved {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{base}: the search still shows the action as pending"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // 7. Kill one instance mid-way: requests through nginx keep succeeding; the restarted
    // instance serves the same data and takes part again.
    let killed_port = c.instances[1].port;
    c.instances[1].child.kill().await.unwrap();
    let rejected = c.ids("view=pending&pageSize=6&sort=id:asc").await;
    for id in &rejected {
        let r = c.decide(&lb, BOB, "reject", id).await;
        assert_eq!(r["results"][0]["outcome"], "applied");
        let facets = c.get_json(&lb, "/actions/facets").await;
        assert_eq!(facets["total"], 324);
    }
    let restarted = instance(&c.database, killed_port).await;
    assert_eq!(restarted.port, killed_port);
    let facets = c.get_json(&restarted.base, "/actions/facets").await;
    assert_eq!(facets["total"], 324, "not seeded twice");
    for id in &rejected {
        let a = c.get_json(&restarted.base, &format!("/actions/{id}")).await;
        assert_eq!(a["status"], "rejected");
        // Its search index, loaded at start, holds the decisions made while it was down.
        let found = c
            .get_json(
                &restarted.base,
                &format!("/actions?view=history&status=rejected&q={id}"),
            )
            .await;
        assert_eq!(found["items"][0]["id"], id.as_str(), "{found}");
    }
    c.instances[1] = restarted;
    for _ in 0..6 {
        c.get_json(&lb, "/actions?view=history").await;
    }
}
