use action_center_core::format::{failure_reason, BulkKind};
use action_center_core::{Action, ActionRef, RelatedInstances, Status, UndoRequest};
use leptos::html::{Div, Textarea};
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::browser::refocus_near;
use crate::components::comment_box::CommentBox;
use crate::components::error_view::ErrorView;
use crate::state::Feedback;
use crate::unique_id;

/// "Undo" for one or many completed actions of one type, with the optional comment and a
/// confirming click. For a quarantined file with other instances it offers
/// "Apply to N more instances of this file".
#[component]
pub fn UndoPanel(
    /// The actions to undo.
    #[prop(into)]
    actions: Signal<Vec<Action>>,
    /// Whether "Undo" is offered at all.
    #[prop(into)]
    offer: Signal<bool>,
    /// Why the actions cannot be undone together; "Undo" is disabled while set.
    #[prop(into)]
    blocker: Signal<Option<String>>,
    /// Other completed quarantines of the same file (single quarantine actions only).
    #[prop(into, optional)]
    related: Signal<Option<Result<RelatedInstances, ApiError>>>,
    /// Reloads `related` after a failure.
    #[prop(optional)]
    on_retry_related: Option<Callback<()>>,
) -> impl IntoView {
    let client = use_context::<ApiClient>();
    let feedback = use_context::<Feedback>();
    let confirming = RwSignal::new(false);
    let include = RwSignal::new(false);
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let root = NodeRef::<Div>::new();
    let textarea = NodeRef::<Textarea>::new();
    let blocker_id = unique_id("ac-blocker");
    let include_id = unique_id("ac-include");

    let submit = leptos::prelude::Action::new_local(move |request: &UndoRequest| {
        let client = client.clone();
        let request = request.clone();
        async move {
            let result = match &client {
                Some(client) => client.undo(&request).await,
                None => Err(ApiError::Network("no API client".to_owned())),
            };
            match result {
                Ok(response) => {
                    if let Some(feedback) = feedback {
                        feedback.report(BulkKind::Undo, response);
                    }
                    confirming.try_set(false);
                    include.try_set(false);
                    comment.try_set(String::new());
                    error.try_set(None);
                    if let Some(el) = root.get_untracked() {
                        refocus_near(&el);
                    }
                }
                Err(err) => {
                    if let (Some(feedback), Some(problem)) = (feedback, err.problem()) {
                        if let Some(action) = problem.action.clone() {
                            feedback.changed(vec![*action]);
                        }
                    }
                    error.try_set(Some(err.to_string()));
                }
            }
        }
    });
    let busy = submit.pending();
    let blocked = move || blocker.with(Option::is_some);
    let related_count = move || {
        related.with(|r| match r {
            Some(Ok(r)) => r.count.max(r.items.len() as u64),
            _ => 0,
        })
    };
    let devices = move || {
        related.with(|r| match r {
            Some(Ok(r)) => r.items.iter().map(|a| a.asset.name.clone()).collect(),
            _ => Vec::new(),
        })
    };
    let confirm = move |_| {
        if blocked() || busy.get_untracked() {
            return;
        }
        let text = comment.get_untracked();
        let request = UndoRequest {
            comment: Some(text.trim().to_owned()).filter(|c| !c.is_empty()),
            include_related_instances: include.get_untracked() && related_count() > 0,
            actions: actions.with_untracked(|all| {
                all.iter()
                    .map(|a| ActionRef {
                        id: a.id.clone(),
                        version: None,
                    })
                    .collect()
            }),
        };
        error.set(None);
        submit.dispatch(request);
    };
    Effect::new(move |_| {
        if confirming.get() {
            if let Some(el) = textarea.get() {
                let _ = el.focus();
            }
        }
    });
    let retry_hint = move || {
        actions.with(|all| match all.as_slice() {
            [only] if only.status == Status::UndoFailed => Some(format!(
                "The last undo failed: {}. Undo again to retry.",
                failure_reason(Some(only))
            )),
            _ => None,
        })
    };
    let undo_what = move || {
        actions.with(|all| {
            let verb = all
                .first()
                .map(|a| a.action_type.undo_label())
                .unwrap_or("Undo");
            let devices = if include.get() { related_count() } else { 0 };
            match (all.len(), devices) {
                (1, 0) => format!("{verb}?"),
                (1, n) => format!("{verb} on {} devices?", n + 1),
                (n, _) => format!("{verb} for these {n} actions?"),
            }
        })
    };
    let describe = {
        let id = blocker_id.clone();
        Signal::derive(move || blocker.with(Option::is_some).then(|| id.clone()))
    };
    let related_view = move || {
        let retry = on_retry_related.unwrap_or_else(|| Callback::new(|_| ()));
        match related.get() {
            Some(Err(error)) => Some(
                view! { <ErrorView title="Could not load other instances of this file" error on_retry=retry /> }
                    .into_any(),
            ),
            Some(Ok(_)) if related_count() > 0 => {
                let n = related_count();
                let noun = if n == 1 { "instance" } else { "instances" };
                let label = format!("Apply to {n} more {noun} of this file");
                let include_id = include_id.clone();
                Some(
                    view! {
                        <div class="ac-related">
                            <div class="ac-check-field">
                                <input
                                    type="checkbox"
                                    class="ac-checkbox"
                                    id=include_id.clone()
                                    prop:checked=move || include.get()
                                    on:change=move |ev| include.set(event_target_checked(&ev))
                                />
                                <label for=include_id>{label}</label>
                            </div>
                            <ul class="ac-devices" aria-label="Other devices with this file">
                                {devices()
                                    .into_iter()
                                    .map(|name| view! { <li>{name}</li> })
                                    .collect_view()}
                            </ul>
                        </div>
                    }
                    .into_any(),
                )
            }
            _ => None,
        }
    };

    view! {
        <div class="ac-panel" node_ref=root tabindex="-1">
            <Show when=move || offer.get()>
                {
                    let blocker_id = blocker_id.clone();
                    move || {
                        blocker
                            .get()
                            .map(|b| view! { <p class="ac-blocker" id=blocker_id.clone()>{b}</p> })
                    }
                }
                {move || retry_hint().map(|hint| view! { <p class="ac-notice">{hint}</p> })}
                {related_view.clone()}
                <Show when=move || !confirming.get()>
                    <div class="ac-actions">
                        <button
                            type="button"
                            class="ac-button ac-button--primary"
                            disabled=blocked
                            aria-describedby=describe
                            on:click=move |_| {
                                error.set(None);
                                confirming.set(true);
                            }
                        >
                            "Undo"
                        </button>
                    </div>
                </Show>
                <Show when=move || confirming.get()>
                    <div class="ac-confirm">
                        <p class="ac-confirm__question">{undo_what}</p>
                        <CommentBox value=comment textarea_ref=textarea hint="Optional. Kept with the undo and in the audit trail." />
                        {move || error.get().map(|e| view! { <p class="ac-alert" role="alert">{e}</p> })}
                        <div class="ac-actions">
                            <button
                                type="button"
                                class="ac-button ac-button--primary"
                                disabled=move || busy.get() || blocked()
                                on:click=confirm
                            >
                                "Confirm undo"
                            </button>
                            <button
                                type="button"
                                class="ac-button ac-button--subtle"
                                disabled=move || busy.get()
                                on:click=move |_| confirming.set(false)
                            >
                                "Back"
                            </button>
                            <Show when=move || busy.get()>
                                <span class="ac-subtle">"Sending…"</span>
                            </Show>
                        </div>
                    </div>
                </Show>
            </Show>
        </div>
    }
}
