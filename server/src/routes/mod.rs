//! The API routes under `/api/v1`, one file per resource. [`api`] builds the router and the
//! table of (method, path) it serves, which a test holds against the OpenAPI document.

mod actions;
mod auth_config;
mod cancel;
mod decisions;
mod docs;
mod events;
mod export;
mod integration;
mod me;
mod policy;
mod retry;
mod undo;

use axum::routing::{get, post, MethodRouter};
use axum::Router;

use crate::AppState;

/// Base path of the API.
pub use action_center_core::API_BASE_PATH as BASE;

struct Routes {
    router: Router<AppState>,
    table: Vec<(&'static str, &'static str)>,
}

impl Routes {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.table.push((method, path));
        self
    }
}

/// The API router (paths relative to [`BASE`]) and its (method, path) table.
pub fn api() -> (Router<AppState>, Vec<(&'static str, &'static str)>) {
    let routes = Routes {
        router: Router::new(),
        table: Vec::new(),
    }
    .add("GET", "/me", get(me::show))
    .add("GET", "/auth/config", get(auth_config::show))
    .add("GET", "/actions", get(actions::list))
    .add("POST", "/actions", post(integration::submit))
    .add("GET", "/actions/facets", get(actions::facets))
    .add("GET", "/actions/export.csv", get(export::csv))
    .add("GET", "/actions/{id}", get(actions::show))
    .add("GET", "/actions/{id}/timeline", get(actions::timeline))
    .add(
        "GET",
        "/actions/{id}/related-instances",
        get(actions::related),
    )
    .add("POST", "/actions/{id}/cancel", post(cancel::create))
    .add("POST", "/actions/{id}/result", post(integration::result))
    .add("POST", "/decisions", post(decisions::create))
    .add("POST", "/undo", post(undo::create))
    .add("POST", "/retry", post(retry::create))
    .add("GET", "/policy", get(policy::show))
    .add("GET", "/work", get(integration::work))
    .add("GET", "/events", get(events::stream))
    .add("GET", "/openapi.json", get(docs::openapi));
    (routes.router, routes.table)
}
