//! `GET /policy`: the approval rules in force, for any signed-in role.

use action_center_core::Policy;
use axum::extract::State;
use axum::Json;

use crate::auth::Caller;
use crate::AppState;

/// The policy (`--policy FILE` or the built-in one).
pub async fn show(State(state): State<AppState>, _caller: Caller) -> Json<Policy> {
    Json(state.policy().clone())
}
