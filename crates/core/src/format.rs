//! The words an analyst reads: relative ages ("3 h ago"), time left on a pending action
//! ("expires in 5 h"), local timestamps, and one-line summaries of bulk results
//! ("5 approved, 1 already decided by bob@example.com"). Pure functions: "now" is a parameter.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};

use crate::api::{ItemResult, Outcome};
use crate::model::{Action, DecisionState, Status};

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// How long ago `then` was, e.g. "just now", "12 min ago", "3 h ago", "4 d ago".
/// A time in the future (clock skew) reads "in 5 min".
pub fn relative_age(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    if seconds.abs() < MINUTE {
        return "just now".to_owned();
    }
    let span = span_words(seconds.abs());
    if seconds > 0 {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

/// How long a pending action has left before it expires, e.g. "expires in 5 h";
/// "expired" once the time has passed.
pub fn time_left(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (expires_at - now).num_seconds();
    if seconds <= 0 {
        "expired".to_owned()
    } else if seconds < MINUTE {
        "expires in under a minute".to_owned()
    } else {
        format!("expires in {}", span_words(seconds))
    }
}

/// Whether a pending action expires within a day (the table highlights those).
pub fn expires_soon(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (expires_at - now).num_seconds() < DAY
}

/// A positive span in the largest whole unit: "12 min", "3 h", "4 d".
fn span_words(seconds: i64) -> String {
    if seconds < HOUR {
        format!("{} min", seconds / MINUTE)
    } else if seconds < 2 * DAY {
        format!("{} h", seconds / HOUR)
    } else {
        format!("{} d", seconds / DAY)
    }
}

/// A wall-clock time as the table shows it: `2026-03-01 14:05`. The caller converts to the
/// analyst's local time first (the app uses the browser's time zone).
pub fn format_timestamp(local: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// The operation a bulk response answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    /// `POST /decisions` with `approve`.
    Approve,
    /// `POST /decisions` with `reject`.
    Reject,
    /// `POST /undo`.
    Undo,
    /// `POST /retry`.
    Retry,
}

/// What happened to one item, in a few words: "approved", "already decided by bob@example.com",
/// "undone", "failed: device offline".
pub fn item_phrase(kind: BulkKind, result: &ItemResult) -> String {
    let action = result.action.as_ref();
    match &result.outcome {
        Outcome::Applied => match kind {
            BulkKind::Approve => "approved".to_owned(),
            BulkKind::Reject => "rejected".to_owned(),
            BulkKind::Undo => match action.map(|a| &a.status) {
                Some(Status::Undone) => "undone".to_owned(),
                Some(Status::UndoFailed) => format!("failed: {}", failure_reason(action)),
                _ => "undo requested".to_owned(),
            },
            BulkKind::Retry => match action.map(|a| &a.status) {
                Some(Status::Undoing) => "undo retried".to_owned(),
                // The policy asks for fresh approvals before this attempt runs.
                Some(Status::Pending) => "retried (awaiting approval)".to_owned(),
                _ => "retried".to_owned(),
            },
        },
        Outcome::ApprovalRecorded => match action {
            Some(a) if a.required_approvals > 1 => format!(
                "approval recorded ({} of {})",
                a.approvals.len(),
                a.required_approvals
            ),
            _ => "approval recorded".to_owned(),
        },
        Outcome::SelfApprovalRefused => {
            "not approved: you requested it, another responder must approve".to_owned()
        }
        Outcome::AlreadyApprovedByYou => "already approved by you".to_owned(),
        Outcome::NotRetryable => "not retryable (it has not failed)".to_owned(),
        Outcome::AlreadyDecided => match action.and_then(Action::decided_by) {
            Some(by) => format!("already decided by {by}"),
            None => "already decided".to_owned(),
        },
        Outcome::AlreadyUndone => match action.and_then(|a| a.undo.as_ref()?.by.as_deref()) {
            Some(by) => format!("already undone by {by}"),
            None => "already undone".to_owned(),
        },
        Outcome::VersionMismatch => "changed by someone else".to_owned(),
        Outcome::NotFound => "not found".to_owned(),
        Outcome::Forbidden => "not allowed".to_owned(),
        Outcome::InvalidState => "not possible in their current state".to_owned(),
        Outcome::Unknown(raw) => format!("Unknown ({raw})"),
    }
}

/// Why an action (or its undo) failed, in plain words; a fallback when the server gave none.
pub fn failure_reason(action: Option<&Action>) -> String {
    action
        .and_then(|a| {
            a.undo
                .as_ref()
                .and_then(|u| u.error.clone())
                .filter(|_| a.status == Status::UndoFailed)
                .or_else(|| a.error.clone())
        })
        .filter(|reason| !reason.trim().is_empty())
        .unwrap_or_else(|| "no reason given".to_owned())
}

/// One line for a bulk response: identical phrases grouped and counted in order of first
/// appearance, e.g. "5 approved, 1 already decided by bob@example.com".
pub fn summarize_results(kind: BulkKind, results: &[ItemResult]) -> String {
    let mut groups: Vec<(String, usize)> = Vec::new();
    for result in results {
        let phrase = item_phrase(kind, result);
        match groups.iter_mut().find(|(p, _)| *p == phrase) {
            Some((_, n)) => *n += 1,
            None => groups.push((phrase, 1)),
        }
    }
    if groups.is_empty() {
        return "Nothing changed".to_owned();
    }
    groups
        .iter()
        .map(|(phrase, n)| format!("{n} {phrase}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the executor still has work on any of these results' actions (the app keeps
/// polling and shows progress until this is false).
pub fn any_in_flight(results: &[ItemResult]) -> bool {
    results
        .iter()
        .any(|r| r.action.as_ref().is_some_and(|a| a.status.is_in_flight()))
}

/// How a decided action reads: "Approved by alice@example.com", "Rejected", "Expired".
/// `None` while it is still pending.
pub fn decision_phrase(action: &Action) -> Option<String> {
    let decision = action.decision.as_ref()?;
    if decision.state == DecisionState::Pending {
        return None;
    }
    let state = decision.state.label();
    Some(match decision.by.as_deref() {
        Some(by) => format!("{state} by {by}"),
        None => state.into_owned(),
    })
}

/// The pane's note when an analyst tried to decide an action someone else decided first:
/// "Already decided: bob@example.com rejected this action 2 min ago."
pub fn already_decided_notice(action: &Action, now: DateTime<Utc>) -> String {
    match action.decision.as_ref() {
        Some(d) if d.state != DecisionState::Pending => {
            let what = d.state.label().to_ascii_lowercase();
            let when =
                d.at.map(|at| format!(" {}", relative_age(at, now)))
                    .unwrap_or_default();
            match d.by.as_deref() {
                Some(by) => format!("Already decided: {by} {what} this action{when}."),
                None => format!("Already decided: this action was {what}{when}."),
            }
        }
        _ => format!(
            "This action is no longer pending (it is {}).",
            action.status.label().to_ascii_lowercase()
        ),
    }
}

/// An audit-trail event name as words: `undoRequested` reads "Undo requested".
pub fn event_label(event: &str) -> String {
    let mut out = String::with_capacity(event.len() + 4);
    for (i, c) in event.chars().enumerate() {
        // Event names are ASCII camelCase; ASCII case mapping keeps Unicode's tables out of
        // the wasm download.
        if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Asset, Category, Decision, Entity, EntityKind, Links, Source, UndoInfo};
    use crate::{ActionType, UndoState};
    use chrono::{Duration, NaiveDate, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn relative_ages() {
        let n = now();
        let cases = [
            (Duration::seconds(0), "just now"),
            (Duration::seconds(59), "just now"),
            (Duration::minutes(1), "1 min ago"),
            (Duration::minutes(59), "59 min ago"),
            (Duration::hours(3), "3 h ago"),
            (Duration::hours(47), "47 h ago"),
            (Duration::days(4), "4 d ago"),
            (Duration::minutes(-5), "in 5 min"),
        ];
        for (ago, expected) in cases {
            assert_eq!(relative_age(n - ago, n), expected, "{ago:?}");
        }
    }

    #[test]
    fn time_left_on_pending_actions() {
        let n = now();
        assert_eq!(time_left(n + Duration::hours(5), n), "expires in 5 h");
        assert_eq!(time_left(n + Duration::minutes(12), n), "expires in 12 min");
        assert_eq!(time_left(n + Duration::days(6), n), "expires in 6 d");
        assert_eq!(
            time_left(n + Duration::seconds(30), n),
            "expires in under a minute"
        );
        assert_eq!(time_left(n, n), "expired");
        assert_eq!(time_left(n - Duration::hours(1), n), "expired");
        assert!(expires_soon(n + Duration::hours(5), n));
        assert!(!expires_soon(n + Duration::days(3), n));
    }

    #[test]
    fn timestamps_are_zero_padded() {
        let t = NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(9, 5, 7)
            .unwrap();
        assert_eq!(format_timestamp(t), "2026-03-01 09:05");
    }

    fn action(id: &str, status: Status) -> Action {
        Action {
            id: id.into(),
            version: 1,
            action_type: ActionType::QuarantineFile,
            category: Category::Device,
            source: Source::Manual,
            status,
            investigation_id: None,
            incident_id: None,
            asset: Asset {
                kind: EntityKind::Device,
                id: "dev".into(),
                name: "HOST".into(),
                tags: vec![],
            },
            entity: Entity::named(EntityKind::File, "a.exe"),
            requested_by: None,
            requested_by_id: None,
            request_comment: None,
            required_approvals: 1,
            approvals: vec![],
            approve_blocked_reason: None,
            attempt: 1,
            decision: None,
            undo: None,
            error: None,
            created_at: now(),
            updated_at: now(),
            expires_at: None,
            allowed_operations: vec![],
            links: Links::default(),
        }
    }

    fn result(outcome: Outcome, action: Option<Action>) -> ItemResult {
        ItemResult {
            id: action.as_ref().map(|a| a.id.clone()).unwrap_or_default(),
            outcome,
            action,
        }
    }

    fn decided_by(mut a: Action, state: DecisionState, by: &str) -> Action {
        a.decision = Some(Decision {
            state,
            by: Some(by.into()),
            at: Some(now()),
            comment: None,
        });
        a
    }

    #[test]
    fn decision_summary_groups_and_names_the_other_analyst() {
        let mut results: Vec<_> = (0..5)
            .map(|i| {
                result(
                    Outcome::Applied,
                    Some(action(&format!("a{i}"), Status::Queued)),
                )
            })
            .collect();
        let raced = decided_by(
            action("b", Status::Rejected),
            DecisionState::Rejected,
            "bob@example.com",
        );
        results.push(result(Outcome::AlreadyDecided, Some(raced)));
        assert_eq!(
            summarize_results(BulkKind::Approve, &results),
            "5 approved, 1 already decided by bob@example.com"
        );
        assert_eq!(
            summarize_results(BulkKind::Reject, &results[..1]),
            "1 rejected"
        );
    }

    #[test]
    fn undo_summary_reports_final_states_and_reasons() {
        let mut failed = action("f", Status::UndoFailed);
        failed.undo = Some(UndoInfo {
            state: UndoState::Failed,
            by: Some("alice@example.com".into()),
            at: Some(now()),
            comment: None,
            error: Some("device offline".into()),
        });
        let mut undone_by_bob = action("u", Status::Undone);
        undone_by_bob.undo = Some(UndoInfo {
            state: UndoState::Succeeded,
            by: Some("bob@example.com".into()),
            at: Some(now()),
            comment: None,
            error: None,
        });
        let mut results: Vec<_> = (0..12)
            .map(|i| {
                result(
                    Outcome::Applied,
                    Some(action(&format!("a{i}"), Status::Undone)),
                )
            })
            .collect();
        results.push(result(Outcome::AlreadyUndone, Some(undone_by_bob)));
        results.push(result(Outcome::Applied, Some(failed)));
        assert_eq!(
            summarize_results(BulkKind::Undo, &results),
            "12 undone, 1 already undone by bob@example.com, 1 failed: device offline"
        );
        assert!(!any_in_flight(&results));
        let running = [result(Outcome::Applied, Some(action("x", Status::Undoing)))];
        assert_eq!(
            summarize_results(BulkKind::Undo, &running),
            "1 undo requested"
        );
        assert!(any_in_flight(&running));
    }

    #[test]
    fn a_retry_says_when_it_awaits_approval_again() {
        let results = [
            result(Outcome::Applied, Some(action("a", Status::Queued))),
            result(Outcome::Applied, Some(action("b", Status::Pending))),
            result(Outcome::Applied, Some(action("c", Status::Pending))),
            result(Outcome::Applied, Some(action("d", Status::Undoing))),
        ];
        assert_eq!(
            summarize_results(BulkKind::Retry, &results),
            "1 retried, 2 retried (awaiting approval), 1 undo retried"
        );
    }

    #[test]
    fn odd_outcomes_still_read_as_words() {
        let results = [
            result(Outcome::NotFound, None),
            result(Outcome::Unknown("vanished".into()), None),
            result(Outcome::AlreadyDecided, None),
        ];
        assert_eq!(
            summarize_results(BulkKind::Approve, &results),
            "1 not found, 1 Unknown (vanished), 1 already decided"
        );
        assert_eq!(summarize_results(BulkKind::Undo, &[]), "Nothing changed");
        assert_eq!(
            failure_reason(Some(&action("x", Status::Failed))),
            "no reason given"
        );
    }

    #[test]
    fn decision_phrases() {
        let pending = action("p", Status::Pending);
        assert_eq!(decision_phrase(&pending), None);
        let approved = decided_by(
            action("a", Status::Queued),
            DecisionState::Approved,
            "alice@example.com",
        );
        assert_eq!(
            decision_phrase(&approved).as_deref(),
            Some("Approved by alice@example.com")
        );
    }

    #[test]
    fn event_names_read_as_words() {
        assert_eq!(event_label("undoRequested"), "Undo requested");
        assert_eq!(event_label("created"), "Created");
        assert_eq!(event_label(""), "");
    }

    #[test]
    fn the_race_notice_names_who_decided_what_and_when() {
        let mut raced = decided_by(
            action("r", Status::Rejected),
            DecisionState::Rejected,
            "bob@example.com",
        );
        if let Some(d) = raced.decision.as_mut() {
            d.at = Some(now() - Duration::minutes(2));
        }
        assert_eq!(
            already_decided_notice(&raced, now()),
            "Already decided: bob@example.com rejected this action 2 min ago."
        );
        assert_eq!(
            already_decided_notice(&action("e", Status::Expired), now()),
            "This action is no longer pending (it is expired)."
        );
    }
}
