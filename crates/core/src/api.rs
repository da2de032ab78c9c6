//! Request and response bodies of contract v1 (everything but the action itself).
//!
//! Request bodies reject unknown fields (the server answers 400 `invalidRequest`); response
//! bodies are lenient so that the app keeps working against newer servers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::lifecycle::Permissions;
use crate::model::{Action, ActionType, Asset, Category, Entity, Links, Source, Status};
use crate::wire_enum::wire_enum;

/// Base path of every API route.
pub const API_BASE_PATH: &str = "/api/v1";
/// Largest request body the server reads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest comment an analyst may write.
pub const MAX_COMMENT_CHARS: usize = 2000;
/// Largest page size.
pub const MAX_PAGE_SIZE: u32 = 200;
/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

wire_enum! {
    /// A caller's role.
    Role {
        Viewer => "viewer", "Viewer";
        Responder => "responder", "Responder";
        Integration => "integration", "Integration";
    }
}

impl Role {
    /// What the roles together allow on actions.
    pub fn permissions(roles: &[Role]) -> Permissions {
        let responder = roles.contains(&Role::Responder);
        Permissions {
            decide: responder,
            undo: responder,
            cancel: responder,
        }
    }
}

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// Account id, e.g. `alice@example.com`.
    pub id: String,
    /// Name to show.
    #[serde(default)]
    pub display_name: String,
    /// The account's roles.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// What the account may do.
    #[serde(default)]
    pub permissions: Permissions,
}

/// `GET /actions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionPage {
    /// The rows of this page.
    pub items: Vec<Action>,
    /// 1-based page number.
    pub page: u32,
    /// Rows per page.
    pub page_size: u32,
    /// Rows matching the filter, over all pages (exact up to 10,000; see
    /// `total_is_lower_bound`).
    pub total: u64,
    /// More rows than `total` match: the server stopped counting (contract v1.1 "Totals").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_is_lower_bound: bool,
}

/// `GET /actions/facets`: counts per value, for filter menus.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Facets {
    /// Counts per action type.
    #[serde(default)]
    pub action_type: BTreeMap<String, u64>,
    /// Counts per status.
    #[serde(default)]
    pub status: BTreeMap<String, u64>,
    /// Counts per source.
    #[serde(default)]
    pub source: BTreeMap<String, u64>,
    /// Counts per category.
    #[serde(default)]
    pub category: BTreeMap<String, u64>,
    /// Rows matching the filter.
    #[serde(default)]
    pub total: u64,
}

/// One entry of `GET /actions/{id}/timeline`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it (an analyst, an integration, `system`).
    #[serde(default)]
    pub actor: String,
    /// What happened, e.g. `created`, `approved`, `undoRequested`.
    #[serde(default)]
    pub event: String,
    /// Status before.
    #[serde(default)]
    pub from_status: Option<Status>,
    /// Status after.
    #[serde(default)]
    pub to_status: Option<Status>,
    /// The comment that came with it.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `GET /actions/{id}/related-instances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedInstances {
    /// The file hash shared by the instances.
    #[serde(default)]
    pub sha256: Option<String>,
    /// How many other completed quarantines of that file there are.
    pub count: u64,
    /// Those actions.
    #[serde(default)]
    pub items: Vec<Action>,
}

/// An action named in a bulk request, optionally pinned to the version the caller saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionRef {
    /// The action's id.
    pub id: String,
    /// The version the caller saw; a mismatch answers `versionMismatch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

wire_enum! {
    /// Approve or reject.
    DecisionVerb {
        Approve => "approve", "Approve";
        Reject => "reject", "Reject";
    }
}

/// `POST /decisions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionRequest {
    /// Approve or reject.
    pub decision: DecisionVerb,
    /// Optional comment, kept with the decision.
    #[serde(default)]
    pub comment: Option<String>,
    /// 1 to 200 actions of one action type.
    pub actions: Vec<ActionRef>,
}

/// `POST /undo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UndoRequest {
    /// Optional comment, kept with the undo.
    #[serde(default)]
    pub comment: Option<String>,
    /// Also undo every related instance of each quarantine action.
    #[serde(default)]
    pub include_related_instances: bool,
    /// 1 to 200 actions of one action type.
    pub actions: Vec<ActionRef>,
}

/// `POST /actions/{id}/cancel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelRequest {
    /// Optional comment.
    #[serde(default)]
    pub comment: Option<String>,
}

wire_enum! {
    /// What happened to one action of a bulk request.
    Outcome {
        Applied => "applied", "Applied";
        AlreadyDecided => "alreadyDecided", "Already decided";
        AlreadyUndone => "alreadyUndone", "Already undone";
        VersionMismatch => "versionMismatch", "Changed by someone else";
        NotFound => "notFound", "Not found";
        Forbidden => "forbidden", "Not allowed";
        InvalidState => "invalidState", "Not possible in its current state";
        ApprovalRecorded => "approvalRecorded", "Approval recorded; more approvals needed";
        SelfApprovalRefused => "selfApprovalRefused", "You requested it; another responder must approve";
        AlreadyApprovedByYou => "alreadyApprovedByYou", "You approved it already";
        NotRetryable => "notRetryable", "Not retryable";
    }
}

/// `POST /retry`: a new attempt at failed actions (or failed undos) of one type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryRequest {
    /// Optional comment, kept in the timeline.
    #[serde(default)]
    pub comment: Option<String>,
    /// 1 to 200 actions of one action type.
    pub actions: Vec<ActionRef>,
}

/// One item of a bulk response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    /// The action's id.
    pub id: String,
    /// What happened to it.
    pub outcome: Outcome,
    /// Its state after the request (absent when not found or forbidden).
    #[serde(default)]
    pub action: Option<Action>,
}

/// Response of `POST /decisions` and `POST /undo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResponse {
    /// One result per action, in request order (related instances follow).
    pub results: Vec<ItemResult>,
}

/// `POST /actions` (integration): a detector proposes or reports an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmitActionRequest {
    /// What to do.
    pub action_type: ActionType,
    /// Device, email or identity.
    pub category: Category,
    /// Who proposes it.
    pub source: Source,
    /// What it applies to.
    pub asset: Asset,
    /// The thing acted on.
    pub entity: Entity,
    /// The investigation, if any.
    #[serde(default)]
    pub investigation_id: Option<String>,
    /// The incident, if any.
    #[serde(default)]
    pub incident_id: Option<String>,
    /// Who asks.
    #[serde(default)]
    pub requested_by: Option<String>,
    /// The stable account id of the person who asks, if a person does (they may then not
    /// approve it themselves).
    #[serde(default)]
    pub requested_by_id: Option<String>,
    /// Why.
    #[serde(default)]
    pub request_comment: Option<String>,
    /// Links into the host product.
    #[serde(default)]
    pub links: Option<Links>,
    /// True: wait for an analyst (`pending`). False: taken at once (`queued`, `notRequired`).
    pub requires_approval: bool,
}

wire_enum! {
    /// What an executor is asked to do with a claimed action.
    WorkKind {
        Execute => "execute", "Execute";
        Undo => "undo", "Undo";
    }
}

/// One item of `GET /work`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkItem {
    /// Execute the action or undo it.
    pub kind: WorkKind,
    /// The action (now `running` or `undoing`).
    pub action: Action,
}

/// Response of `GET /work`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkResponse {
    /// Claimed work.
    pub items: Vec<WorkItem>,
}

wire_enum! {
    /// What an executor reports.
    ResultOutcome {
        Succeeded => "succeeded", "Succeeded";
        Failed => "failed", "Failed";
    }
}

/// `POST /actions/{id}/result` (integration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResultReport {
    /// Succeeded or failed.
    pub outcome: ResultOutcome,
    /// Why it failed, in plain words.
    #[serde(default)]
    pub error: Option<String>,
}

wire_enum! {
    /// Stable error codes of `application/problem+json` answers.
    ErrorCode {
        InvalidRequest => "invalidRequest", "Invalid request";
        Unauthorized => "unauthorized", "Not signed in";
        Forbidden => "forbidden", "Not allowed";
        NotFound => "notFound", "Not found";
        AlreadyDecided => "alreadyDecided", "Already decided";
        NotUndoable => "notUndoable", "Cannot be undone";
        InvalidState => "invalidState", "Not possible in its current state";
        VersionMismatch => "versionMismatch", "Changed by someone else";
        PayloadTooLarge => "payloadTooLarge", "Request too large";
        MixedActionTypes => "mixedActionTypes", "Mixed action types";
        IdempotencyKeyReused => "idempotencyKeyReused", "Idempotency key reused";
        RateLimited => "rateLimited", "Too many requests";
        Internal => "internal", "Internal error";
    }
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn http_status(&self) -> u16 {
        match self {
            ErrorCode::InvalidRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::AlreadyDecided | ErrorCode::NotUndoable | ErrorCode::InvalidState => 409,
            ErrorCode::VersionMismatch => 412,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::MixedActionTypes | ErrorCode::IdempotencyKeyReused => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal | ErrorCode::Unknown(_) => 500,
        }
    }
}

/// A per-field problem in an `invalidRequest` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// The field, e.g. `actions[3].id` or `pageSize`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An RFC 9457 problem document with the contract's extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type", default)]
    pub problem_type: String,
    /// Short summary.
    #[serde(default)]
    pub title: String,
    /// HTTP status.
    #[serde(default)]
    pub status: u16,
    /// What happened, for a person.
    #[serde(default)]
    pub detail: Option<String>,
    /// The stable error code.
    #[serde(default = "unknown_code")]
    pub code: ErrorCode,
    /// The action in conflict, in its current state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Box<Action>>,
    /// Per-field problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

fn unknown_code() -> ErrorCode {
    ErrorCode::Unknown(String::new())
}

impl Problem {
    /// A problem with the code's own status and title.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: format!("https://action-center.dev/problems/{}", code.as_str()),
            title: code.label().into_owned(),
            status: code.http_status(),
            detail: Some(detail.into()),
            code,
            action: None,
            errors: Vec::new(),
        }
    }
}
