use action_center_core::format::{already_decided_notice, BulkKind};
use action_center_core::{Action, ActionRef, DecisionRequest, DecisionVerb, ErrorCode, Outcome};
use leptos::html::{Div, Textarea};
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::browser::refocus_near;
use crate::components::comment_box::CommentBox;
use crate::state::{use_now, Feedback};
use crate::unique_id;

/// Approve / Reject for one or many pending actions: a first click reveals the optional
/// comment and a confirming button. A failed request keeps the comment.
#[component]
pub fn DecisionPanel(
    /// The actions to decide (one in the flyout, the selection in the bulk bar).
    #[prop(into)]
    actions: Signal<Vec<Action>>,
    /// Whether "Approve" is offered at all.
    #[prop(into)]
    offer_approve: Signal<bool>,
    /// Whether "Reject" is offered at all.
    #[prop(into)]
    offer_reject: Signal<bool>,
    /// Why the actions cannot be decided together; the buttons are disabled while set.
    #[prop(into)]
    blocker: Signal<Option<String>>,
) -> impl IntoView {
    let client = use_context::<ApiClient>();
    let feedback = use_context::<Feedback>();
    let now = use_now();
    let step = RwSignal::new(None::<DecisionVerb>);
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let root = NodeRef::<Div>::new();
    let textarea = NodeRef::<Textarea>::new();
    let blocker_id = unique_id("ac-blocker");

    let submit = leptos::prelude::Action::new_local(move |request: &DecisionRequest| {
        let client = client.clone();
        let request = request.clone();
        async move {
            let kind = match request.decision {
                DecisionVerb::Reject => BulkKind::Reject,
                _ => BulkKind::Approve,
            };
            let result = match &client {
                Some(client) => client.decide(&request).await,
                None => Err(ApiError::Network("no API client".to_owned())),
            };
            match result {
                Ok(response) => {
                    let raced = match response.results.as_slice() {
                        [only] if only.outcome != Outcome::Applied => only.action.clone(),
                        _ => None,
                    };
                    notice.try_set(raced.map(|a| already_decided_notice(&a, now.get_untracked())));
                    if let Some(feedback) = feedback {
                        feedback.report(kind, response);
                    }
                    step.try_set(None);
                    comment.try_set(String::new());
                    error.try_set(None);
                    if let Some(el) = root.get_untracked() {
                        refocus_near(&el);
                    }
                }
                Err(ApiError::Http(problem)) if problem.action.is_some() => {
                    // 409 with the action's current state: someone else got there first.
                    if let Some(action) = problem.action.clone() {
                        let text = match problem.code {
                            ErrorCode::AlreadyDecided => {
                                already_decided_notice(&action, now.get_untracked())
                            }
                            _ => ApiError::Http(problem.clone()).to_string(),
                        };
                        notice.try_set(Some(text));
                        if let Some(feedback) = feedback {
                            feedback.changed(vec![*action]);
                        }
                    }
                    step.try_set(None);
                    error.try_set(None);
                    if let Some(el) = root.get_untracked() {
                        refocus_near(&el);
                    }
                }
                Err(err) => {
                    error.try_set(Some(err.to_string()));
                }
            }
        }
    });
    let busy = submit.pending();
    let blocked = move || blocker.with(Option::is_some);
    let describe = {
        let id = blocker_id.clone();
        Signal::derive(move || blocker.with(Option::is_some).then(|| id.clone()))
    };
    let confirm = move |_| {
        let Some(verb) = step.get_untracked() else {
            return;
        };
        if blocked() || busy.get_untracked() {
            return;
        }
        let text = comment.get_untracked();
        let request = DecisionRequest {
            decision: verb,
            comment: Some(text.trim().to_owned()).filter(|c| !c.is_empty()),
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
    let open_step = move |verb: DecisionVerb| {
        notice.set(None);
        error.set(None);
        step.set(Some(verb));
    };
    Effect::new(move |_| {
        if step.get().is_some() {
            if let Some(el) = textarea.get() {
                let _ = el.focus();
            }
        }
    });
    let count = move || actions.with(Vec::len);

    view! {
        <div class="ac-panel" node_ref=root tabindex="-1">
            {move || notice.get().map(|n| view! { <p class="ac-notice">{n}</p> })}
            {move || {
                blocker
                    .get()
                    .map(|b| view! { <p class="ac-blocker" id=blocker_id.clone()>{b}</p> })
            }}
            <Show when=move || step.get().is_none()>
                <div class="ac-actions">
                    <Show when=move || offer_approve.get()>
                        <button
                            type="button"
                            class="ac-button ac-button--primary"
                            disabled=blocked
                            aria-describedby=describe
                            on:click=move |_| open_step(DecisionVerb::Approve)
                        >
                            "Approve"
                        </button>
                    </Show>
                    <Show when=move || offer_reject.get()>
                        <button
                            type="button"
                            class="ac-button ac-button--danger"
                            disabled=blocked
                            aria-describedby=describe
                            on:click=move |_| open_step(DecisionVerb::Reject)
                        >
                            "Reject"
                        </button>
                    </Show>
                </div>
            </Show>
            {move || {
                step.get()
                    .map(|verb| {
                        let (label, class) = match verb {
                            DecisionVerb::Reject => ("Confirm reject", "ac-button ac-button--danger"),
                            _ => ("Confirm approve", "ac-button ac-button--primary"),
                        };
                        let what = match count() {
                            1 => format!("{} this action?", verb.label()),
                            n => format!("{} these {n} actions?", verb.label()),
                        };
                        view! {
                            <div class="ac-confirm">
                                <p class="ac-confirm__question">{what}</p>
                                <CommentBox value=comment textarea_ref=textarea hint="Optional. Kept with the decision and in the audit trail." />
                                {move || {
                                    error.get().map(|e| view! { <p class="ac-alert" role="alert">{e}</p> })
                                }}
                                <div class="ac-actions">
                                    <button
                                        type="button"
                                        class=class
                                        disabled=move || busy.get() || blocked()
                                        on:click=confirm
                                    >
                                        {label}
                                    </button>
                                    <button
                                        type="button"
                                        class="ac-button ac-button--subtle"
                                        disabled=move || busy.get()
                                        on:click=move |_| step.set(None)
                                    >
                                        "Back"
                                    </button>
                                    <Show when=move || busy.get()>
                                        <span class="ac-subtle">"Sending…"</span>
                                    </Show>
                                </div>
                            </div>
                        }
                    })
            }}
        </div>
    }
}
