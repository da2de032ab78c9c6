//! The flyout for one action: loads its latest state, timeline and (for quarantines) other
//! instances of the file, and composes details, decision and undo panels.

use action_center_core::{check_undoable, Action, ActionType, Operation, Status};
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::{ActionDetails, DecisionPanel, ErrorView, Flyout, Timeline, UndoPanel};

/// Opens `url` from the action's links in a new tab; only http(s) and same-origin paths.
fn open_link(url: &str) {
    let safe = url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"));
    if !safe {
        return;
    }
    if let Some(window) = web_sys::window() {
        let _ = window.open_with_url_and_target_and_features(url, "_blank", "noopener,noreferrer");
    }
}

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
) -> impl IntoView {
    let detail = {
        let (client, id) = (client.clone(), id.clone());
        LocalResource::new(move || {
            let (client, id) = (client.clone(), id.clone());
            async move { client.action(&id).await }
        })
    };
    // Once known, the action stays known (its row may leave the page after a decision).
    let shown = Memo::new(move |previous: Option<&Option<Action>>| {
        let fetched = detail.get().and_then(Result::ok);
        newest([fetched, row.get(), reported.get()]).or_else(|| previous.cloned().flatten())
    });
    let known = Memo::new(move |_| shown.with(Option::is_some));
    let version =
        Memo::new(move |_| shown.with(|a| a.as_ref().map(|a| (a.version, a.status.clone()))));
    let timeline = {
        let (client, id) = (client.clone(), id.clone());
        LocalResource::new(move || {
            version.track();
            let (client, id) = (client.clone(), id.clone());
            async move { client.timeline(&id).await }
        })
    };
    let related = {
        let (client, id) = (client.clone(), id.clone());
        LocalResource::new(move || {
            let eligible = version
                .with(|v| matches!(v, Some((_, Status::Completed | Status::UndoFailed))))
                && shown.with_untracked(|a| {
                    a.as_ref()
                        .is_some_and(|a| a.action_type == ActionType::QuarantineFile)
                });
            let (client, id) = (client.clone(), id.clone());
            async move {
                if eligible {
                    Some(client.related_instances(&id).await)
                } else {
                    None
                }
            }
        })
    };
    let title = Signal::derive(move || {
        shown.with(|a| {
            a.as_ref()
                .map(Action::title)
                .unwrap_or_else(|| "Action".to_owned())
        })
    });

    let body = move || match known.get().then(|| shown.get_untracked()).flatten() {
        Some(first) => {
            let action = Signal::derive(move || shown.get().unwrap_or_else(|| first.clone()));
            let one = Signal::derive(move || vec![action.get()]);
            let allows =
                move |op: Operation| Signal::derive(move || action.with(|a| a.allows(&op)));
            let undo_blocker = Signal::derive(move || {
                action.with(|a| check_undoable(a).err().map(|b| b.to_string()))
            });
            let no_blocker = Signal::derive(|| None::<String>);
            let related_state = Signal::derive(move || related.get().flatten());
            let links = move || action.with(|a| a.links.clone());
            view! {
                <section class="ac-section" aria-label="Actions">
                    <DecisionPanel
                        actions=one
                        offer_approve=allows(Operation::Approve)
                        offer_reject=allows(Operation::Reject)
                        blocker=no_blocker
                    />
                    <UndoPanel
                        actions=one
                        offer=allows(Operation::Undo)
                        blocker=undo_blocker
                        related=related_state
                        on_retry_related=Callback::new(move |_| related.refetch())
                    />
                    <div class="ac-actions">
                        <button
                            type="button"
                            class="ac-button ac-button--subtle"
                            disabled=move || links().investigation.is_none()
                            on:click=move |_| {
                                if let Some(url) = links().investigation {
                                    open_link(&url);
                                }
                            }
                        >
                            "Open investigation page"
                        </button>
                        <button
                            type="button"
                            class="ac-button ac-button--subtle"
                            disabled=move || links().hunt.is_none()
                            on:click=move |_| {
                                if let Some(url) = links().hunt {
                                    open_link(&url);
                                }
                            }
                        >
                            "Go hunt"
                        </button>
                    </div>
                </section>
                <section class="ac-section" aria-label="Details">
                    <h3 class="ac-section__title">"Details"</h3>
                    <ActionDetails action />
                </section>
                <Timeline
                    entries=Signal::derive(move || timeline.get())
                    on_retry=Callback::new(move |_| timeline.refetch())
                />
            }
            .into_any()
        }
        None => match detail.get() {
            Some(Err(error)) => view! {
                <ErrorView
                    title="Could not load this action"
                    error
                    on_retry=Callback::new(move |_| detail.refetch())
                />
            }
            .into_any(),
            _ => view! { <p class="ac-subtle">"Loading the action…"</p> }.into_any(),
        },
    };
    view! { <Flyout title on_close>{body}</Flyout> }
}
