use action_center_core::format::{decision_phrase, failure_reason, relative_age, time_left};
use action_center_core::policy::approvals_label;
use action_center_core::{Action, Status};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::browser::local_time;
use crate::components::status_badge::StatusBadge;
use crate::state::use_now;

/// A line of a description: its CSS class and text.
type Line = (&'static str, String);

fn plain(text: impl Into<String>) -> Line {
    ("ac-line", text.into())
}

fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> Line {
    (
        "ac-line ac-subtle",
        format!("{} · {}", local_time(at), relative_age(at, now)),
    )
}

fn quoted(comment: &Option<String>) -> Option<Line> {
    comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| ("ac-line ac-comment", format!("“{c}”")))
}

/// Every detail of `a` as term / lines pairs; empty values are left out.
fn describe(a: &Action, now: DateTime<Utc>) -> Vec<(&'static str, Vec<Line>)> {
    let mut rows: Vec<(&'static str, Vec<Line>)> = Vec::new();
    let mut add = |term: &'static str, lines: Vec<Line>| {
        if lines.iter().any(|(_, text)| !text.trim().is_empty()) {
            rows.push((term, lines));
        }
    };
    let opt = |v: &Option<String>| v.clone().map(plain).into_iter().collect::<Vec<_>>();
    let e = &a.entity;
    add("Action type", vec![plain(a.action_type.label())]);
    add("Action id", vec![plain(a.id.as_str())]);
    add(
        "Asset",
        vec![plain(format!(
            "{} ({}, {})",
            a.asset.name,
            a.asset.kind.label(),
            a.asset.id
        ))],
    );
    add(
        "Entity",
        vec![plain(format!("{} · {}", e.kind.label(), e.name))],
    );
    add("SHA-256", opt(&e.sha256));
    add("Path", opt(&e.path));
    add("Registry key", opt(&e.key));
    add("Value name", opt(&e.value_name));
    add("Service", opt(&e.service_name));
    add(
        "Process id",
        e.process_id
            .map(|p| plain(p.to_string()))
            .into_iter()
            .collect(),
    );
    add("URL", opt(&e.url));
    add("Sender", opt(&e.sender));
    add("Subject", opt(&e.subject));
    add("Message id", opt(&e.internet_message_id));
    add("User", opt(&e.upn));
    add("Category", vec![plain(a.category.label())]);
    add("Source", vec![plain(a.source.label())]);
    add("Investigation", opt(&a.investigation_id));
    add("Incident", opt(&a.incident_id));
    let mut requested = vec![plain(a.requested_by.clone().unwrap_or_else(|| "—".into()))];
    requested.push(when(a.created_at, now));
    requested.extend(quoted(&a.request_comment));
    add("Requested", requested);
    if !a.asset.tags.is_empty() {
        add("Asset tags", vec![plain(a.asset.tags.join(", "))]);
    }
    if a.required_approvals > 1 || a.approvals.len() > 1 {
        let mut lines = vec![plain(approvals_label(a).unwrap_or_else(|| {
            format!(
                "{} of {} approvals",
                a.approvals.len(),
                a.required_approvals.max(1)
            )
        }))];
        for given in &a.approvals {
            lines.push(plain(format!("Approved by {}", given.by)));
            lines.push(when(given.at, now));
            lines.extend(quoted(&given.comment));
        }
        add("Approvals", lines);
    }
    if let (Status::Pending, Some(reason)) = (&a.status, a.approve_blocked_reason.as_ref()) {
        add(
            "Approve",
            vec![("ac-line ac-reason", reason.explanation().to_owned())],
        );
    }
    if a.attempt > 1 {
        add("Attempt", vec![plain(format!("Attempt {}", a.attempt))]);
    }
    if let (Status::Pending, Some(at)) = (&a.status, a.expires_at) {
        add(
            "Expires",
            vec![
                plain(local_time(at)),
                ("ac-line ac-subtle", time_left(at, now)),
            ],
        );
    }
    if let (Some(d), Some(phrase)) = (a.decision.as_ref(), decision_phrase(a)) {
        let mut lines = vec![plain(phrase)];
        lines.extend(d.at.map(|at| when(at, now)));
        lines.extend(quoted(&d.comment));
        add("Decision", lines);
    }
    if let Some(u) = a.undo.as_ref() {
        let by =
            u.by.as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default();
        let mut lines = vec![plain(format!("{}{by}", u.state.label()))];
        lines.extend(u.at.map(|at| when(at, now)));
        lines.extend(quoted(&u.comment));
        lines.extend(u.error.clone().map(|e| ("ac-line ac-reason", e)));
        add("Undo", lines);
    }
    if a.status == Status::Failed {
        add(
            "Failure reason",
            vec![("ac-line ac-reason", failure_reason(Some(a)))],
        );
    }
    add("Updated", vec![when(a.updated_at, now)]);
    rows
}

/// Every detail of an action: what, where, who asked, who decided, undo state and failure.
#[component]
pub fn ActionDetails(
    /// The action to describe.
    #[prop(into)]
    action: Signal<Action>,
) -> impl IntoView {
    let now = use_now();
    move || {
        let a = action.get();
        let rows = describe(&a, now.get());
        view! {
            <dl class="ac-details">
                <dt>"Status"</dt>
                <dd>
                    <StatusBadge status=a.status />
                </dd>
                {rows
                    .into_iter()
                    .map(|(term, lines)| {
                        view! {
                            <dt>{term}</dt>
                            <dd>
                                {lines
                                    .into_iter()
                                    .map(|(class, text)| view! { <span class=class>{text}</span> })
                                    .collect_view()}
                            </dd>
                        }
                    })
                    .collect_view()}
            </dl>
        }
    }
}
