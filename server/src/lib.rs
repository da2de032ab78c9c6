//! The reference server of Action Center: the v1 JSON API on SQLite, the app's static files,
//! demo data and a simulated executor. `main.rs` only parses arguments and calls [`start`].

pub mod assets;
pub mod auth;
pub mod cli;
pub mod compression;
pub mod demo;
pub mod errors;
pub mod example;
pub mod executor;
pub mod extract;
pub mod headers;
pub mod idempotency;
pub mod ids;
pub mod oidc;
pub mod openapi;
pub mod ops;
pub mod policy;
pub mod routes;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use action_center_core::{ErrorCode, Problem};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;

use crate::auth::{FailedSignIns, Users};
use crate::cli::Config;
use crate::errors::problem_response;
use crate::headers::SecurityHeaders;
use crate::store::{Location, Store};

struct Inner {
    store: Arc<Store>,
    users: Users,
    failed_sign_ins: FailedSignIns,
    oidc: Option<oidc::Oidc>,
    config: Config,
    site: Option<web::Site>,
    shutdown: watch::Receiver<bool>,
    metrics: telemetry::metrics::Metrics,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// State over an open store; `shutdown` turning true ends open event streams.
    pub fn new(
        config: Config,
        store: Arc<Store>,
        users: Users,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let site = config.static_dir.as_deref().map(web::Site::new);
        let oidc = config.oidc.clone().map(|c| oidc::Oidc::new(*c));
        AppState(Arc::new(Inner {
            store,
            users,
            failed_sign_ins: FailedSignIns::default(),
            oidc,
            config,
            site,
            shutdown,
            metrics: Default::default(),
        }))
    }

    /// This instance's metrics.
    pub fn metrics(&self) -> &telemetry::metrics::Metrics {
        &self.0.metrics
    }

    /// Whether the server has begun to shut down.
    pub fn is_shutting_down(&self) -> bool {
        *self.0.shutdown.borrow()
    }

    /// The database.
    pub fn store(&self) -> &Arc<Store> {
        &self.0.store
    }

    /// The accounts.
    pub fn users(&self) -> &Users {
        &self.0.users
    }

    /// Failed sign-ins per address.
    pub fn failed_sign_ins(&self) -> &FailedSignIns {
        &self.0.failed_sign_ins
    }

    /// The identity provider whose JWTs are accepted, if one is configured.
    pub fn oidc(&self) -> Option<&oidc::Oidc> {
        self.0.oidc.as_ref()
    }

    /// The approval policy in force.
    pub fn policy(&self) -> &action_center_core::Policy {
        &self.0.config.policy
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The static site, if any.
    pub fn site(&self) -> Option<&web::Site> {
        self.0.site.as_ref()
    }

    /// Resolves when the server begins to shut down.
    pub fn shutting_down(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.0.shutdown.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    telemetry::log::error(
        "a request handler panicked; answered 500",
        &[("requestId", telemetry::current_request_id().into())],
    );
    problem_response(&Problem::new(
        ErrorCode::Internal,
        "The server could not complete the request",
    ))
}

async fn method_not_allowed() -> Response {
    let mut problem = Problem::new(
        ErrorCode::InvalidRequest,
        "This method is not allowed on this route",
    );
    problem.status = 405;
    problem.title = "Method not allowed".into();
    problem_response(&problem).into_response()
}

/// The whole HTTP application: API, static files, security headers, panic safety.
pub fn app(state: AppState) -> Router {
    let (api, _) = routes::api();
    let hashes = state.site().map(|s| s.script_hashes()).unwrap_or_default();
    let connect = state
        .oidc()
        .map(|o| o.connect_origins())
        .unwrap_or_default();
    let headers = Arc::new(
        SecurityHeaders::new(&hashes, &state.config().frame_ancestors)
            .with_connect_sources(&connect),
    );
    // API answers are compressed as they stream out (the live stream does its own, event by
    // event); the app's files come precompressed from the build.
    let api = api
        .method_not_allowed_fallback(method_not_allowed)
        .layer(compression::layer())
        .layer(axum::middleware::from_fn(compression::weaken_etag));
    let mut router = Router::new().nest(routes::BASE, api);
    if state.config().demo {
        router = router.merge(example::routes().layer(compression::layer()));
    }
    let router = router
        .merge(telemetry::routes())
        .merge(webhooks::routes())
        .fallback(web::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            telemetry::track,
        ))
        .with_state(state);
    with_layers(router, headers)
}

/// Panic safety (500 problem+json, the server keeps running) and security headers on every
/// response, errors included.
pub fn with_layers(router: Router, headers: Arc<SecurityHeaders>) -> Router {
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(headers, headers::add))
}

/// Opens the database, loads accounts and seeds demo data as the configuration asks.
pub async fn prepare(config: &Config) -> Result<(Arc<Store>, Users), String> {
    let store = Store::open(&Location::parse(&config.database)).await?;
    let mut users = Users::default();
    if config.demo {
        users.add_demo();
    }
    if let Some(path) = &config.users {
        users.add_file(path)?;
    }
    if config.demo {
        let seeded = demo::seed_if_empty(&store, config.demo_actions, config.expiry_days)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(seeded) = seeded {
            telemetry::log::info(
                "seeded demo actions",
                &[
                    ("actions", seeded.actions.into()),
                    ("seconds", seeded.elapsed.as_secs_f64().into()),
                ],
            );
        }
    }
    Ok((store, users))
}

/// A running server.
pub struct Server {
    /// The address it listens on.
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    serve: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
    drain: Duration,
}

impl Server {
    /// Stops accepting, reports not ready, ends event streams (with a retry hint, so browsers
    /// reconnect to another instance), waits up to the drain timeout for requests in flight,
    /// then stops background work.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let mut serve = self.serve;
        if tokio::time::timeout(self.drain, &mut serve).await.is_err() {
            telemetry::log::warn(
                "requests still running after the drain timeout; closing them",
                &[("seconds", self.drain.as_secs().into())],
            );
            serve.abort();
            let _ = serve.await;
        }
        for task in &self.background {
            task.abort();
        }
        for task in self.background {
            let _ = task.await;
        }
    }
}

/// Prepares everything and serves until [`Server::stop`].
pub async fn start(config: Config) -> Result<Server, String> {
    let (store, users) = prepare(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (shutdown, rx) = watch::channel(false);
    let demo = config.demo;
    let delay = config.executor_delay;
    let drain = config.drain_timeout;
    let state = AppState::new(config, Arc::clone(&store), users, rx);
    // Before anything writes: from here on every change is queued for the receivers.
    let webhook_workers = webhooks::start(&state)?;
    if let Some(oidc) = state.oidc() {
        // Before the CSP is built: it names the token endpoint's origin from discovery.
        oidc.prefetch().await;
    }
    let stopping = state.shutting_down();
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let serve = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, service)
            .with_graceful_shutdown(stopping)
            .await
        {
            telemetry::log::error("server", &[("error", err.to_string().into())]);
        }
    });
    let mut background = vec![
        tokio::spawn(executor::run_sweeper(
            Arc::clone(&store),
            Duration::from_secs(30),
        )),
        tokio::spawn(executor::run_maintenance(
            Arc::clone(&store),
            Duration::from_millis(500),
        )),
    ];
    background.extend(store.listen());
    background.extend(webhook_workers);
    if demo {
        background.push(tokio::spawn(executor::run_simulated(store, delay)));
    }
    Ok(Server {
        addr,
        shutdown,
        serve,
        background,
        drain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_problem_json_with_headers() {
        async fn boom() -> &'static str {
            panic!("boom")
        }
        let headers = Arc::new(SecurityHeaders::new(&[], "'none'"));
        let router = with_layers(
            Router::new().route("/boom", axum::routing::get(boom)),
            headers,
        );
        let request = Request::get("/boom").body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.code, ErrorCode::Internal);
        assert!(!String::from_utf8_lossy(&body).contains("boom"));
        let again = router
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await;
        assert_eq!(again.unwrap().status(), 500, "still serving");
    }
}
