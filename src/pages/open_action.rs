//! The flyout for one action: loads its latest state, timeline and (for quarantines) other
//! instances of the file, and composes details, the operation panels and the timeline.

use action_center_core::{
    change_note, check_undoable, Action, ActionType, Operation, RelatedInstances, Status,
    TimelineEntry,
};
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::components::{ActionDetails, Flyout, OperationPanel, PanelKind, Timeline};
use crate::embed::{use_host, LinkKind};

/// The newest of the copies of an action the page holds (highest version; later wins ties).
fn newest(copies: impl IntoIterator<Item = Option<Action>>) -> Option<Action> {
    copies
        .into_iter()
        .flatten()
        .fold(None, |best: Option<Action>, a| match best {
            Some(b) if b.version > a.version => Some(b),
            _ => Some(a),
        })
}

/// What the flyout loads about one action, each part failing on its own.
#[derive(Clone)]
struct Loaded {
    action: Result<Action, ApiError>,
    timeline: Result<Vec<TimelineEntry>, ApiError>,
    related: Option<Result<RelatedInstances, ApiError>>,
}

/// The flyout of the action `id`.
#[component]
pub fn OpenAction(
    /// The action's id.
    id: String,
    /// Its row on the current page, if it is listed.
    #[prop(into)]
    row: Signal<Option<Action>>,
    /// Its state as last reported by a decision or undo.
    #[prop(into)]
    reported: Signal<Option<Action>>,
    /// The API client.
    client: ApiClient,
    /// Called to close the flyout.
    on_close: Callback<()>,
    /// The signed-in account's id (their own changes are not news to them).
    #[prop(optional, into)]
    me: String,
    /// Whether this analyst acted on the action here (the executor finishing it is expected).
    #[prop(optional, into)]
    acted_here: Signal<bool>,
) -> impl IntoView {
    // Reload whenever the page learns of a newer version (a decision, an undo, a poll).
    let seen = Memo::new(move |_| newest([row.get(), reported.get()]).map(|a| a.version));
    let loaded = LocalResource::new(move || {
        seen.track();
        let (client, id) = (client.clone(), id.clone());
        async move {
            let action = client.action(&id).await;
            let timeline = client.timeline(&id).await;
            let related = match &action {
                Ok(a)
                    if a.action_type == ActionType::QuarantineFile
                        && matches!(a.status, Status::Completed | Status::UndoFailed) =>
                {
                    Some(client.related_instances(&id).await)
                }
                _ => None,
            };
            Loaded {
                action,
                timeline,
                related,
            }
        }
    });
    let retry = Callback::new(move |_| loaded.refetch());
    // Once known, the action stays known (its row may leave the page after a decision).
    let shown = Memo::new(move |previous: Option<&Option<Action>>| {
        let fetched = loaded.with(|l| l.as_ref().and_then(|l| l.action.clone().ok()));
        newest([fetched, row.get(), reported.get()]).or_else(|| previous.cloned().flatten())
    });
    let known = Memo::new(move |_| shown.with(Option::is_some));
    // A change under the open flyout (someone else decided, the executor moved it) says so.
    let note = RwSignal::new(None::<String>);
    Effect::new(move |before: Option<Option<Action>>| {
        let after = shown.get();
        if let (Some(Some(before)), Some(now)) = (&before, &after) {
            if let Some(text) = change_note(before, now, &me, acted_here.get_untracked()) {
                note.set(Some(text));
            }
        }
        after
    });
    let title = Signal::derive(move || {
        shown.with(|a| {
            a.as_ref()
                .map(Action::title)
                .unwrap_or_else(|| "Action".to_owned())
        })
    });

    let body = move || {
        let Some(first) = known.get().then(|| shown.get_untracked()).flatten() else {
            let error = Signal::derive(move || {
                loaded.with(|l| l.as_ref().and_then(|l| l.action.clone().err()))
            });
            return view! {
                <crate::components::ErrorView title="Could not load this action" error on_retry=retry />
                <p class="ac-subtle" hidden=move || error.with(Option::is_some)>
                    "Loading the action…"
                </p>
            }
            .into_any();
        };
        let action = Signal::derive(move || shown.get().unwrap_or_else(|| first.clone()));
        let one = Signal::derive(move || vec![action.get()]);
        let decide = Signal::derive(move || {
            action.with(|a| (a.allows(&Operation::Approve), a.allows(&Operation::Reject)))
        });
        let undo = Signal::derive(move || (action.with(|a| a.allows(&Operation::Undo)), false));
        let undo_blocker =
            Signal::derive(move || action.with(|a| check_undoable(a).err().map(|b| b.to_string())));
        let no_blocker = Signal::derive(|| None::<String>);
        let related =
            Signal::derive(move || loaded.with(|l| l.as_ref().and_then(|l| l.related.clone())));
        let timeline =
            Signal::derive(move || loaded.with(|l| l.as_ref().map(|l| l.timeline.clone())));
        // The host's links (or the action's own); following one tells the host first.
        let host = use_host();
        let no_link = move |kind| action.with(|a| host.link(kind, a).is_none());
        let follow = move |kind| action.with_untracked(|a| host.follow(kind, a));
        view! {
            <p class="ac-change-note" aria-live="polite">{move || note.get()}</p>
            <section class="ac-section" aria-label="Actions">
                <OperationPanel kind=PanelKind::Decide actions=one offer=decide blocker=no_blocker />
                <OperationPanel
                    kind=PanelKind::Undo
                    actions=one
                    offer=undo
                    blocker=undo_blocker
                    related
                    on_retry_related=retry
                />
                <div class="ac-actions">
                    <button
                        type="button"
                        class="ac-button ac-button--subtle"
                        disabled=move || no_link(LinkKind::Investigation)
                        on:click=move |_| follow(LinkKind::Investigation)
                    >
                        "Open investigation page"
                    </button>
                    <button
                        type="button"
                        class="ac-button ac-button--subtle"
                        disabled=move || no_link(LinkKind::Hunt)
                        on:click=move |_| follow(LinkKind::Hunt)
                    >
                        "Go hunt"
                    </button>
                </div>
            </section>
            <section class="ac-section" aria-label="Details">
                <h3 class="ac-section__title">"Details"</h3>
                <ActionDetails action />
            </section>
            <Timeline entries=timeline on_retry=retry />
        }
        .into_any()
    };
    view! { <Flyout title on_close>{body}</Flyout> }
}
