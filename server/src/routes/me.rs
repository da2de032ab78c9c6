//! `GET /me`: who the caller is and what it may do.

use action_center_core::Me;
use axum::Json;

use crate::auth::Caller;

/// The signed-in account.
pub async fn show(caller: Caller) -> Json<Me> {
    Json(caller.me())
}
