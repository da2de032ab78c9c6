//! Checks on request bodies beyond what serde checks: known enum values, no unknown entity
//! fields, lengths, counts. Each failure names its field.

use std::collections::HashSet;

use action_center_core::{
    ActionRef, Asset, DecisionRequest, Entity, FieldError, Links, ResultReport, RetryRequest,
    SubmitActionRequest, UndoRequest, MAX_BULK, MAX_COMMENT_CHARS,
};

use crate::errors::AppError;

/// Longest id of an action in a request.
pub const MAX_ID_CHARS: usize = 100;
/// Longest free-text field other than comments (names, paths, URLs, keys…).
pub const MAX_TEXT_CHARS: usize = 2048;

#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    fn known(&mut self, field: &str, known: bool, raw: &str) {
        if !known {
            self.add(field, format!("unknown value '{raw}'"));
        }
    }

    fn text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            let n = v.chars().count();
            if n > max {
                self.add(field, format!("at most {max} characters ({n} given)"));
            }
        }
    }

    fn required(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, "must not be empty");
        } else {
            self.text(field, Some(value), max);
        }
    }

    fn done(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(self.0))
        }
    }
}

fn refs(errors: &mut Errors, actions: &[ActionRef]) {
    if actions.is_empty() || actions.len() > MAX_BULK {
        errors.add(
            "actions",
            format!("1 to {MAX_BULK} actions ({} given)", actions.len()),
        );
    }
    let mut seen = HashSet::new();
    for (i, r) in actions.iter().enumerate() {
        let field = format!("actions[{i}].id");
        errors.required(&field, &r.id, MAX_ID_CHARS);
        if !seen.insert(r.id.as_str()) {
            errors.add(field, format!("'{}' is named twice", r.id));
        }
        if r.version.is_some_and(|v| v < 1) {
            errors.add(format!("actions[{i}].version"), "must be 1 or more");
        }
    }
}

/// `POST /decisions`.
pub fn decision(req: &DecisionRequest) -> Result<(), AppError> {
    let mut errors = Errors::default();
    errors.known("decision", req.decision.is_known(), req.decision.as_str());
    errors.text("comment", req.comment.as_deref(), MAX_COMMENT_CHARS);
    refs(&mut errors, &req.actions);
    errors.done()
}

/// `POST /undo`.
pub fn undo(req: &UndoRequest) -> Result<(), AppError> {
    let mut errors = Errors::default();
    errors.text("comment", req.comment.as_deref(), MAX_COMMENT_CHARS);
    refs(&mut errors, &req.actions);
    errors.done()
}

/// `POST /retry`.
pub fn retry(req: &RetryRequest) -> Result<(), AppError> {
    let mut errors = Errors::default();
    errors.text("comment", req.comment.as_deref(), MAX_COMMENT_CHARS);
    refs(&mut errors, &req.actions);
    errors.done()
}

/// A comment (cancel).
pub fn comment(comment: Option<&str>) -> Result<(), AppError> {
    let mut errors = Errors::default();
    errors.text("comment", comment, MAX_COMMENT_CHARS);
    errors.done()
}

/// `POST /actions/{id}/result`.
pub fn result(report: &ResultReport) -> Result<(), AppError> {
    let mut errors = Errors::default();
    errors.known(
        "outcome",
        report.outcome.is_known(),
        report.outcome.as_str(),
    );
    errors.text("error", report.error.as_deref(), MAX_COMMENT_CHARS);
    errors.done()
}

fn asset(errors: &mut Errors, a: &Asset) {
    errors.known("asset.kind", a.kind.is_known(), a.kind.as_str());
    errors.text("asset.id", Some(&a.id), MAX_TEXT_CHARS);
    errors.required("asset.name", &a.name, MAX_TEXT_CHARS);
    if a.tags.len() > MAX_TAGS {
        errors.add("asset.tags", format!("at most {MAX_TAGS} tags"));
    }
    for (i, tag) in a.tags.iter().enumerate() {
        errors.required(&format!("asset.tags[{i}]"), tag, MAX_ID_CHARS);
    }
}

/// Most tags an asset carries.
pub const MAX_TAGS: usize = 16;

fn entity(errors: &mut Errors, e: &Entity) {
    errors.known("entity.kind", e.kind.is_known(), e.kind.as_str());
    errors.required("entity.name", &e.name, MAX_TEXT_CHARS);
    for key in e.unknown_fields.keys() {
        errors.add(format!("entity.{key}"), "unknown field");
    }
    if let Some(sha) = &e.sha256 {
        if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            errors.add("entity.sha256", "must be 64 hexadecimal digits");
        }
    }
    let texts = [
        ("entity.path", &e.path),
        ("entity.key", &e.key),
        ("entity.valueName", &e.value_name),
        ("entity.serviceName", &e.service_name),
        ("entity.url", &e.url),
        ("entity.sender", &e.sender),
        ("entity.subject", &e.subject),
        ("entity.internetMessageId", &e.internet_message_id),
        ("entity.upn", &e.upn),
    ];
    for (field, value) in texts {
        errors.text(field, value.as_deref(), MAX_TEXT_CHARS);
    }
}

fn links(errors: &mut Errors, l: &Links) {
    errors.text(
        "links.investigation",
        l.investigation.as_deref(),
        MAX_TEXT_CHARS,
    );
    errors.text("links.hunt", l.hunt.as_deref(), MAX_TEXT_CHARS);
}

/// `POST /actions`.
pub fn submit(req: &SubmitActionRequest) -> Result<(), AppError> {
    let mut errors = Errors::default();
    errors.known(
        "actionType",
        req.action_type.is_known(),
        req.action_type.as_str(),
    );
    errors.known("category", req.category.is_known(), req.category.as_str());
    errors.known("source", req.source.is_known(), req.source.as_str());
    asset(&mut errors, &req.asset);
    entity(&mut errors, &req.entity);
    errors.text(
        "investigationId",
        req.investigation_id.as_deref(),
        MAX_ID_CHARS,
    );
    errors.text("incidentId", req.incident_id.as_deref(), MAX_ID_CHARS);
    errors.text("requestedBy", req.requested_by.as_deref(), MAX_TEXT_CHARS);
    errors.text(
        "requestedById",
        req.requested_by_id.as_deref(),
        MAX_TEXT_CHARS,
    );
    errors.text(
        "requestComment",
        req.request_comment.as_deref(),
        MAX_COMMENT_CHARS,
    );
    if let Some(l) = &req.links {
        links(&mut errors, l);
    }
    errors.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use action_center_core::{DecisionVerb, EntityKind};

    #[test]
    fn unknown_values_and_fields_are_named() {
        let req = DecisionRequest {
            decision: DecisionVerb::Unknown("maybe".into()),
            comment: Some("x".repeat(2001)),
            actions: vec![
                ActionRef {
                    id: "a".into(),
                    version: None,
                },
                ActionRef {
                    id: "a".into(),
                    version: Some(0),
                },
                ActionRef {
                    id: " ".into(),
                    version: None,
                },
            ],
        };
        let err = decision(&req).unwrap_err();
        let fields: Vec<_> = err
            .problem()
            .errors
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "decision",
                "comment",
                "actions[1].id",
                "actions[1].version",
                "actions[2].id"
            ]
        );
        let mut e = Entity::named(EntityKind::File, "a.exe");
        e.unknown_fields
            .insert("hologram".into(), serde_json::Value::Bool(true));
        let mut errors = Errors::default();
        entity(&mut errors, &e);
        assert_eq!(errors.0[0].field, "entity.hologram");
    }
}
