use action_center_core::format::{already_decided_notice, failure_reason, BulkKind};
use action_center_core::{
    Action, ActionRef, DecisionRequest, DecisionVerb, ErrorCode, Outcome, RelatedInstances,
    RetryRequest, Status, UndoRequest,
};
use leptos::html::{Div, Textarea};
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::browser::refocus_near;
use crate::components::comment_box::CommentBox;
use crate::components::error_view::ErrorView;
use crate::state::{use_now, Alive, Feedback};
use crate::unique_id;

/// Which operations a panel offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelKind {
    /// "Approve" and "Reject" (pending actions).
    Decide,
    /// "Undo" (completed actions).
    Undo,
    /// "Retry" (failed actions and failed undos).
    Retry,
}

impl PanelKind {
    /// The panel a verb's button lives in.
    fn of(verb: BulkKind) -> PanelKind {
        match verb {
            BulkKind::Approve | BulkKind::Reject => PanelKind::Decide,
            BulkKind::Undo => PanelKind::Undo,
            BulkKind::Retry => PanelKind::Retry,
        }
    }
}

/// The verbs, in the order their buttons appear.
const VERBS: [BulkKind; 4] = [
    BulkKind::Approve,
    BulkKind::Reject,
    BulkKind::Undo,
    BulkKind::Retry,
];

fn verb_label(verb: BulkKind) -> &'static str {
    match verb {
        BulkKind::Approve => "Approve",
        BulkKind::Reject => "Reject",
        BulkKind::Undo => "Undo",
        BulkKind::Retry => "Retry",
    }
}

fn refs(actions: &[Action]) -> Vec<ActionRef> {
    actions
        .iter()
        .map(|a| ActionRef {
            id: a.id.clone(),
            version: None,
        })
        .collect()
}

/// The request a confirmed operation sends.
#[derive(Clone)]
enum Request {
    Decide(DecisionRequest),
    Undo(UndoRequest),
    Retry(RetryRequest),
}

/// Approve / Reject (or Undo) for one or many actions: the first click reveals the optional
/// comment and one confirming button. A failed request keeps the comment; the outcome is
/// announced through the page's feedback.
#[component]
pub fn OperationPanel(
    /// Decide (Approve / Reject) or Undo.
    kind: PanelKind,
    /// The actions to act on (one in the flyout, the selection in the bulk bar).
    #[prop(into)]
    actions: Signal<Vec<Action>>,
    /// Whether each verb is offered at all: Approve, Reject (Decide) or Undo (first flag).
    #[prop(into)]
    offer: Signal<(bool, bool)>,
    /// Why the actions cannot be acted on together; the buttons are disabled while set.
    #[prop(into)]
    blocker: Signal<Option<String>>,
    /// Other completed quarantines of the same file (a single quarantine action only).
    #[prop(into, optional)]
    related: Signal<Option<Result<RelatedInstances, ApiError>>>,
    /// Reloads `related` after a failure.
    #[prop(optional)]
    on_retry_related: Option<Callback<()>>,
) -> impl IntoView {
    let client = use_context::<ApiClient>();
    let feedback = use_context::<Feedback>();
    let host = crate::embed::use_host();
    let now = use_now();
    let step = RwSignal::new(None::<BulkKind>);
    let comment = RwSignal::new(String::new());
    let include = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let root = NodeRef::<Div>::new();
    let textarea = NodeRef::<Textarea>::new();
    let blocker_id = unique_id("ac-blocker");
    let include_id = unique_id("ac-include");

    // The panel's lifetime. A request outlives it when the analyst closes the flyout before
    // the answer: the outcome still goes to the page (feedback, host events), which owns it;
    // only the panel's own state waits for the panel to be alive.
    let alive = Alive::here();
    let submit = leptos::prelude::Action::new_local(move |request: &Request| {
        let client = client.clone();
        let request = request.clone();
        let alive = alive.clone();
        async move {
            let (kind, result) = match (&client, &request) {
                (None, _) => (
                    BulkKind::Undo,
                    Err(ApiError::Network("no API client".to_owned())),
                ),
                (Some(c), Request::Decide(r)) => {
                    let kind = match r.decision {
                        DecisionVerb::Reject => BulkKind::Reject,
                        _ => BulkKind::Approve,
                    };
                    (kind, c.decide(r).await)
                }
                (Some(c), Request::Undo(r)) => (BulkKind::Undo, c.undo(r).await),
                (Some(c), Request::Retry(r)) => (BulkKind::Retry, c.retry(r).await),
            };
            let conflict = match &result {
                // One action, and someone else got there first: say who decided what, when.
                Ok(response) => match response.results.as_slice() {
                    [only] if only.outcome == Outcome::AlreadyDecided => only.action.clone(),
                    _ => None,
                },
                Err(ApiError::Http(p)) if p.code == ErrorCode::AlreadyDecided => {
                    p.action.clone().map(|a| *a)
                }
                _ => None,
            };
            // Page-owned: the rows, the live region and the host hear of it in any case.
            let message = match result {
                Ok(response) => {
                    host.report(kind, &response);
                    if let Some(feedback) = feedback {
                        feedback.report(kind, response);
                    }
                    None
                }
                Err(err) => {
                    // A 409 carries the action's current state: update the row and the pane.
                    if let (Some(feedback), Some(action)) =
                        (feedback, err.problem().and_then(|p| p.action.clone()))
                    {
                        feedback.changed(vec![*action]);
                    }
                    Some(err.to_string())
                }
            };
            // Panel-owned: only while the panel is still shown.
            if !alive.is_alive() {
                return;
            }
            let when = now.try_get_untracked().unwrap_or_else(chrono::Utc::now);
            notice.try_set(conflict.map(|a| already_decided_notice(&a, when)));
            if message.is_none() {
                step.try_set(None);
                include.try_set(false);
                comment.try_set(String::new());
                if let Some(el) = root.try_get_untracked().flatten() {
                    refocus_near(&el);
                }
            }
            error.try_set(message);
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
    let confirm = move |_| {
        let Some(verb) = step.get_untracked() else {
            return;
        };
        if blocked() || busy.get_untracked() {
            return;
        }
        let text = comment.get_untracked();
        let comment = Some(text.trim().to_owned()).filter(|c| !c.is_empty());
        let actions = actions.with_untracked(|all| refs(all));
        let request = match verb {
            BulkKind::Undo => Request::Undo(UndoRequest {
                comment,
                include_related_instances: include.get_untracked() && related_count() > 0,
                actions,
            }),
            BulkKind::Retry => Request::Retry(RetryRequest { comment, actions }),
            other => Request::Decide(DecisionRequest {
                decision: if other == BulkKind::Reject {
                    DecisionVerb::Reject
                } else {
                    DecisionVerb::Approve
                },
                comment,
                actions,
            }),
        };
        error.set(None);
        submit.dispatch(request);
    };
    Effect::new(move |_| {
        if step.get().is_some() {
            if let Some(el) = textarea.get() {
                let _ = el.focus();
            }
        }
    });
    let offered = move |verb: BulkKind| {
        let (first, second) = offer.get();
        match (kind, verb) {
            (PanelKind::Decide, BulkKind::Approve)
            | (PanelKind::Undo, BulkKind::Undo)
            | (PanelKind::Retry, BulkKind::Retry) => first,
            (PanelKind::Decide, BulkKind::Reject) => second,
            _ => false,
        }
    };
    let question = move || {
        let verb = step.get().unwrap_or(BulkKind::Approve);
        actions.with(|all| {
            let n = all.len();
            if verb != BulkKind::Undo {
                return match n {
                    1 => format!("{} this action?", verb_label(verb)),
                    n => format!("{} these {n} actions?", verb_label(verb)),
                };
            }
            let what = all
                .first()
                .map(|a| a.action_type.undo_label())
                .unwrap_or("Undo");
            match (n, include.get().then(related_count).unwrap_or(0)) {
                (1, 0) => format!("{what}?"),
                (1, others) => format!("{what} on {} devices?", others + 1),
                (n, _) => format!("{what} for these {n} actions?"),
            }
        })
    };
    let retry_hint = move || {
        actions.with(|all| match all.as_slice() {
            [only] if kind == PanelKind::Undo && only.status == Status::UndoFailed => format!(
                "The last undo failed: {}. Undo again to retry.",
                failure_reason(Some(only))
            ),
            [only] if kind == PanelKind::Retry && only.status == Status::Failed => format!(
                "Attempt {} failed: {}. Retry runs it again, under the same approval unless the \
                 approval policy asks for a new one.",
                only.attempt.max(1),
                failure_reason(Some(only))
            ),
            _ => String::new(),
        })
    };
    let related_error = Signal::derive(move || {
        related.with(|r| r.as_ref().and_then(|r| r.as_ref().err().cloned()))
    });
    let related_view = move || {
        let n = related_count();
        let found = related.with(|r| match r {
            Some(Ok(found)) if n > 0 => found.items.iter().map(|a| a.asset.name.clone()).collect(),
            _ => Vec::new(),
        });
        (n > 0).then(|| {
            let noun = if n == 1 { "instance" } else { "instances" };
            let include_id = include_id.clone();
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
                        <label for=include_id>{format!("Apply to {n} more {noun} of this file")}</label>
                    </div>
                    <ul class="ac-devices" aria-label="Other devices with this file">
                        {found.into_iter().map(|name| view! { <li>{name}</li> }).collect_view()}
                    </ul>
                </div>
            }
        })
    };
    let buttons = VERBS
        .into_iter()
        .filter(|verb| PanelKind::of(*verb) == kind)
        .map(|verb| {
            let class = if verb == BulkKind::Reject {
                "ac-button ac-button--danger"
            } else {
                "ac-button ac-button--primary"
            };
            view! {
                <button
                    type="button"
                    class=class
                    hidden=move || !offered(verb) || step.get().is_some()
                    disabled=blocked
                    aria-describedby=blocker_id.clone()
                    on:click=move |_| {
                        notice.set(None);
                        error.set(None);
                        step.set(Some(verb));
                    }
                >
                    {verb_label(verb)}
                </button>
            }
        })
        .collect_view();
    let any_offered = move || VERBS.into_iter().any(offered);

    view! {
        <div class="ac-panel" node_ref=root>
            <p class="ac-notice" hidden=move || notice.with(Option::is_none)>
                {move || notice.get().unwrap_or_default()}
            </p>
            <p class="ac-notice" hidden=move || !any_offered() || retry_hint().is_empty()>
                {retry_hint}
            </p>
            <p
                class="ac-blocker"
                id=blocker_id.clone()
                hidden=move || !any_offered() || !blocked()
            >
                {move || blocker.get().unwrap_or_default()}
            </p>
            {(kind == PanelKind::Undo)
                .then(|| {
                    view! {
                        <ErrorView
                            title="Could not load other instances of this file"
                            error=related_error
                            on_retry=on_retry_related.unwrap_or_else(|| Callback::new(|_| ()))
                        />
                    }
                })}
            {move || (kind == PanelKind::Undo && any_offered()).then(&related_view).flatten()}
            <div class="ac-actions">{buttons}</div>
            <div class="ac-confirm" hidden=move || step.with(Option::is_none)>
                <p class="ac-confirm__question">{question}</p>
                <CommentBox
                    value=comment
                    textarea_ref=textarea
                    hint="Optional. Kept with the action and in the audit trail."
                />
                <p class="ac-alert" role="alert" hidden=move || error.with(Option::is_none)>
                    {move || error.get().unwrap_or_default()}
                </p>
                <div class="ac-actions">
                    <button
                        type="button"
                        class=move || match step.get() {
                            Some(BulkKind::Reject) => "ac-button ac-button--danger",
                            _ => "ac-button ac-button--primary",
                        }
                        disabled=move || busy.get() || blocked()
                        on:click=confirm
                    >
                        {move || match step.get() {
                            Some(BulkKind::Reject) => "Confirm reject",
                            Some(BulkKind::Undo) => "Confirm undo",
                            Some(BulkKind::Retry) => "Confirm retry",
                            _ => "Confirm approve",
                        }}
                    </button>
                    <button
                        type="button"
                        class="ac-button ac-button--subtle"
                        disabled=move || busy.get()
                        on:click=move |_| step.set(None)
                    >
                        "Back"
                    </button>
                    <span class="ac-subtle" hidden=move || !busy.get()>
                        "Sending…"
                    </span>
                </div>
            </div>
        </div>
    }
}
