use action_center_core::format::{decision_phrase, failure_reason, time_left};
use action_center_core::{Action, Status};
use leptos::prelude::*;

use crate::browser::local_time;
use crate::components::status_badge::StatusBadge;
use crate::components::time_stamp::TimeStamp;
use crate::state::use_now;

/// One term / description pair, left out when there is nothing to say.
fn row(term: &'static str, value: Option<String>) -> Option<AnyView> {
    let value = value.filter(|v| !v.trim().is_empty())?;
    Some(
        view! {
            <dt>{term}</dt>
            <dd>{value}</dd>
        }
        .into_any(),
    )
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
        let e = &a.entity;
        let entity_rows = [
            row("Entity", Some(format!("{} · {}", e.kind.label(), e.name))),
            row("SHA-256", e.sha256.clone()),
            row("Path", e.path.clone()),
            row("Registry key", e.key.clone()),
            row("Value name", e.value_name.clone()),
            row("Service", e.service_name.clone()),
            row("Process id", e.process_id.map(|p| p.to_string())),
            row("URL", e.url.clone()),
            row("Sender", e.sender.clone()),
            row("Subject", e.subject.clone()),
            row("Message id", e.internet_message_id.clone()),
            row("User", e.upn.clone()),
        ];
        let expiry = match (&a.status, a.expires_at) {
            (Status::Pending, Some(at)) => Some(
                view! {
                    <dt>"Expires"</dt>
                    <dd>
                        <time datetime=at.to_rfc3339()>{local_time(at)}</time>
                        <span class="ac-subtle">{move || time_left(at, now.get())}</span>
                    </dd>
                }
                .into_any(),
            ),
            _ => None,
        };
        let decision = a.decision.as_ref().and_then(|d| {
            let phrase = decision_phrase(&a)?;
            let at = d.at;
            let comment = d.comment.clone().filter(|c| !c.trim().is_empty());
            Some(
                view! {
                    <dt>"Decision"</dt>
                    <dd>
                        <span>{phrase}</span>
                        {at.map(|at| view! { <TimeStamp at /> })}
                        {comment.map(|c| view! { <q class="ac-comment">{c}</q> })}
                    </dd>
                }
                .into_any(),
            )
        });
        let undo = a.undo.as_ref().map(|u| {
            let by =
                u.by.clone()
                    .map(|by| format!(" by {by}"))
                    .unwrap_or_default();
            let state = format!("{}{by}", u.state.label());
            let at = u.at;
            let comment = u.comment.clone().filter(|c| !c.trim().is_empty());
            let error = u.error.clone().filter(|c| !c.trim().is_empty());
            view! {
                <dt>"Undo"</dt>
                <dd>
                    <span>{state}</span>
                    {at.map(|at| view! { <TimeStamp at /> })}
                    {comment.map(|c| view! { <q class="ac-comment">{c}</q> })}
                    {error.map(|e| view! { <span class="ac-reason">{e}</span> })}
                </dd>
            }
        });
        let failure = matches!(a.status, Status::Failed)
            .then(|| row("Failure reason", Some(failure_reason(Some(&a)))))
            .flatten();
        let requested = a.requested_by.clone().unwrap_or_else(|| "—".to_owned());
        view! {
            <dl class="ac-details">
                <dt>"Status"</dt>
                <dd>
                    <StatusBadge status=a.status.clone() />
                </dd>
                {row("Action type", Some(a.action_type.label().into_owned()))}
                {row("Action id", Some(a.id.clone()))}
                {row(
                    "Asset",
                    Some(format!("{} ({}, {})", a.asset.name, a.asset.kind.label(), a.asset.id)),
                )}
                {entity_rows}
                {row("Category", Some(a.category.label().into_owned()))}
                {row("Source", Some(a.source.label().into_owned()))}
                {row("Investigation", a.investigation_id.clone())}
                {row("Incident", a.incident_id.clone())}
                <dt>"Requested"</dt>
                <dd>
                    <span>{requested}</span>
                    <TimeStamp at=a.created_at />
                </dd>
                {row("Request comment", a.request_comment.clone())}
                {expiry}
                {decision}
                {undo}
                {failure}
                <dt>"Updated"</dt>
                <dd>
                    <TimeStamp at=a.updated_at />
                </dd>
            </dl>
        }
    }
}
