//! The event a receiver gets: `{ "id", "type": "action.changed", "at", "action" }`, the action
//! as a viewer sees it (no operations a responder could take: the receiver is not a user). The
//! body is rendered when the change commits and stored as sent, so a redelivery carries the
//! same bytes and every event shows its own state, not a later one.

use action_center_core::{Action, Role};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::errors::AppError;
use crate::ops::for_caller;
use crate::store::outbox::NewDelivery;
use crate::store::{ms, Change, OutboxTarget};

/// The only event type so far.
pub const ACTION_CHANGED: &str = "action.changed";

/// The JSON body.
#[derive(Debug, Serialize)]
pub struct Event<'a> {
    /// The event id: the change's audit sequence number, as a string (receivers dedupe by it).
    pub id: String,
    /// [`ACTION_CHANGED`].
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// The action after the change.
    pub action: Action,
}

/// The body for one change.
pub fn body(change: &Change, at: DateTime<Utc>) -> Result<String, AppError> {
    let viewer = Role::permissions(&[Role::Viewer]);
    let event = Event {
        id: change.id.to_string(),
        kind: ACTION_CHANGED,
        at,
        action: for_caller(change.action.clone(), viewer),
    };
    serde_json::to_string(&event).map_err(AppError::internal)
}

/// One delivery per change and receiver, for the outbox.
pub fn deliveries(
    changes: &[Change],
    at: DateTime<Utc>,
    targets: &[OutboxTarget],
) -> Result<Vec<NewDelivery>, AppError> {
    let mut rows = Vec::with_capacity(changes.len() * targets.len());
    for change in changes {
        let body = body(change, at)?;
        for target in targets {
            rows.push(NewDelivery {
                receiver: target.id.clone(),
                receiver_origin: target.origin.clone(),
                event_id: change.id,
                action_id: change.action.id.clone(),
                body: body.clone(),
                created_at: ms(at),
            });
        }
    }
    Ok(rows)
}
