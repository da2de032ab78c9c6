//! A real server on an ephemeral port over a fresh database, and a small client.
//!
//! The store is SQLite (a file in a temporary folder) unless `AC_TEST_POSTGRES` names a
//! PostgreSQL server (`postgres://user@host:port/postgres`, as `scripts/test` and
//! `scripts/with-postgres` start one): then every server gets a database of its own there.
#![allow(dead_code)]

pub mod sse;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use action_center_server::cli::Config;
use action_center_server::{start, Server};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;

pub const ALICE: &str = "demo-analyst";
pub const BOB: &str = "demo-analyst2";
pub const VIEWER: &str = "demo-viewer";
pub const INTEGRATION: &str = "demo-integration";

pub struct TestServer {
    pub base: String,
    pub server: Option<Server>,
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub client: Client,
}

/// The PostgreSQL server the tests run against, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("AC_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
}

/// A new, empty database: a file in `dir`, or a database of its own on the PostgreSQL server.
pub fn fresh_database(dir: &tempfile::TempDir) -> String {
    let Some(server) = postgres_server() else {
        return dir.path().join("action-center.db").display().to_string();
    };
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "ac_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin = server.clone();
    let create = name.clone();
    // Its own thread and runtime: this may run inside or outside a Tokio runtime.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .expect("AC_TEST_POSTGRES: cannot connect");
            tokio::spawn(conn);
            client
                .batch_execute(&format!("CREATE DATABASE {create}"))
                .await
                .expect("create the test database");
        })
    })
    .join()
    .unwrap();
    let (base, _) = server
        .rsplit_once('/')
        .expect("AC_TEST_POSTGRES ends with /DATABASE");
    format!("{base}/{name}")
}

/// Runs one statement on the test server's database (SQLite or PostgreSQL SQL, as the store is).
pub async fn exec_sql(database: &str, sqlite: &str, postgres: &str, param: &str) {
    if database.starts_with("postgres") {
        let (client, conn) = tokio_postgres::connect(database, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client.execute(postgres, &[&param]).await.unwrap();
    } else {
        let conn = rusqlite::Connection::open(database).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.execute(sqlite, [param]).unwrap();
    }
}

/// Moves an action's approval deadline into the past, as time would, in its row and document.
pub async fn expire_deadline(database: &str, id: &str) {
    exec_sql(
        database,
        "UPDATE actions SET expires_at = 1000,
            body = json_set(body, '$.expiresAt', '1970-01-01T00:00:01Z') WHERE id = ?1",
        "WITH a AS (UPDATE actions SET expires_at = 1000 WHERE id = $1 RETURNING seq)
         UPDATE action_bodies b
         SET body = jsonb_set(b.body::jsonb, '{expiresAt}', '\"1970-01-01T00:00:01Z\"')::text
         FROM a WHERE b.seq = a.seq",
        id,
    )
    .await;
}

pub fn config(dir: &tempfile::TempDir) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: fresh_database(dir),
        demo: true,
        demo_actions: 300,
        executor_delay: Duration::from_millis(100),
        access_log: false,
        ..Config::default()
    }
}

pub async fn spawn() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir);
    spawn_with(dir, config).await
}

pub async fn spawn_with(dir: tempfile::TempDir, config: Config) -> TestServer {
    let server = start(config.clone()).await.expect("server starts");
    TestServer {
        base: format!("http://{}", server.addr),
        server: Some(server),
        dir,
        config,
        client: Client::new(),
    }
}

impl TestServer {
    /// The database it runs on (a file path or a PostgreSQL URL).
    pub fn db(&self) -> String {
        self.config.database.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub fn req(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.req(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let r = self.get(path, token).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.req(Method::POST, path, token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Ids of the list for `query`.
    pub async fn ids(&self, query: &str, token: &str) -> Vec<String> {
        let page = self.get_json(&format!("/actions?{query}"), token).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn action(&self, id: &str) -> Value {
        self.get_json(&format!("/actions/{id}"), ALICE).await
    }

    /// Waits until the action reaches `status` (the simulated executor runs every 100 ms).
    pub async fn wait_for_status(&self, id: &str, status: &str) -> Value {
        for _ in 0..100 {
            let a = self.action(id).await;
            if a["status"] == status {
                return a;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{id} never reached {status}: {}", self.action(id).await);
    }

    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}

/// Asserts a problem+json answer with this status and code; returns the document.
pub async fn problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let ct = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    body
}
