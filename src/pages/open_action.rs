//! The flyout for one action: shows the page's copy at once, loads its timeline and (for
//! quarantines) other instances of the file, and composes details, the operation panels the
//! action allows and the timeline.

use action_center_core::containment::in_force_query;
use action_center_core::{
    change_note, check_undoable, Action, ActionPage, ActionType, Operation, RelatedInstances,
    Status, TimelineEntry, View,
};
use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::components::{
    ActionDetails, Flyout, InForceOnAsset, OperationPanel, PanelKind, Timeline,
};
use crate::embed::{use_host, LinkKind};
use crate::state::{spawn_owned, Alive};

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

/// Whether the flyout asks for the other devices holding the same file: a quarantine that is
/// done (or whose undo failed), so that its undo may release the file everywhere.
fn wants_related(a: &Action) -> bool {
    a.action_type == ActionType::QuarantineFile
        && matches!(a.status, Status::Completed | Status::UndoFailed)
}

/// The flyout of the action `id`: shown at once from the page's copy (its row, or what a
/// decision reported); the action is fetched only when the page has no copy (a link to an
/// action on another page). Its timeline and, for a quarantine, the other instances of the file
/// load in parallel, once per version of the action.
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
    /// Opened from the containment view: the flyout lists what else is in force on the asset,
    /// and opens those actions with this.
    #[prop(optional_no_strip)]
    on_open_in_force: Option<Callback<String>>,
) -> impl IntoView {
    // The action itself, only when the page has no copy of it.
    let fetched = RwSignal::new(None::<Result<Action, ApiError>>);
    let fetch_action = {
        let (client, id) = (client.clone(), id.clone());
        let alive = Alive::here();
        move || {
            let (client, id) = (client.clone(), id.clone());
            alive.spawn(async move {
                let answer = client.action(&id).await;
                fetched.try_set(Some(answer));
            });
        }
    };
    if untrack(|| newest([row.get(), reported.get()]).is_none()) {
        fetch_action();
    }
    // Once known, the action stays known (its row may leave the page after a decision).
    let shown = Memo::new(move |previous: Option<&Option<Action>>| {
        let fetched = fetched.with(|f| f.as_ref().and_then(|f| f.as_ref().ok().cloned()));
        newest([fetched, row.get(), reported.get()]).or_else(|| previous.cloned().flatten())
    });

    // Timeline and related instances: in parallel, once per version (a decision, an undo or
    // the executor adds to the timeline). A newer version's answers replace older ones; until
    // then the older ones stay on screen.
    let timeline = RwSignal::new(None::<Result<Vec<TimelineEntry>, ApiError>>);
    let related = RwSignal::new(None::<Result<RelatedInstances, ApiError>>);
    let reloads = RwSignal::new(0u32);
    let in_force = RwSignal::new(None::<Result<ActionPage, ApiError>>);
    let version = Memo::new(move |_| {
        shown.with(|a| {
            a.as_ref().map(|a| {
                let held = View::Contained.holds(&a.action_type, &a.status);
                let in_force =
                    on_open_in_force.and(held.then(|| in_force_query(&a.asset)).flatten());
                (a.version, wants_related(a), in_force)
            })
        })
    });
    Effect::new({
        let (client, id) = (client.clone(), id.clone());
        move |_| {
            reloads.track();
            let Some((_, with_related, in_force_asked)) = version.get() else {
                return;
            };
            if let Some(query) = in_force_asked {
                let c = client.clone();
                spawn_owned(async move {
                    let answer = c.list_actions(&query).await;
                    in_force.try_set(Some(answer));
                });
            } else if in_force.with_untracked(Option::is_some) {
                // Undone while open: it no longer holds the asset.
                in_force.set(None);
            }
            let (c, i) = (client.clone(), id.clone());
            spawn_owned(async move {
                let answer = c.timeline(&i).await;
                timeline.try_set(Some(answer));
            });
            if with_related {
                let (c, i) = (client.clone(), id.clone());
                spawn_owned(async move {
                    let answer = c.related_instances(&i).await;
                    related.try_set(Some(answer));
                });
            } else if related.with_untracked(Option::is_some) {
                related.set(None);
            }
        }
    });
    let retry = Callback::new(move |_| {
        if fetched.with_untracked(|f| matches!(f, Some(Err(_)))) {
            fetch_action();
        }
        reloads.update(|n| *n = n.wrapping_add(1));
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
                fetched.with(|f| f.as_ref().and_then(|f| f.as_ref().err().cloned()))
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
        // A panel is built once its operation is offered, and then kept (hidden when no longer
        // offered), so that focus stays in it after a decision.
        let decide_built = Memo::new(move |before: Option<&bool>| {
            before.copied().unwrap_or(false) || decide.with(|(a, r)| *a || *r)
        });
        let undo_built = Memo::new(move |before: Option<&bool>| {
            before.copied().unwrap_or(false) || undo.get().0
        });
        // Retry for a failure or a failed undo (ui.md); a failed undo keeps "Undo" too, which
        // asks for the same thing.
        let retry_offer =
            Signal::derive(move || (action.with(|a| a.allows(&Operation::Retry)), false));
        let retry_built = Memo::new(move |before: Option<&bool>| {
            before.copied().unwrap_or(false) || retry_offer.get().0
        });
        let undo_blocker =
            Signal::derive(move || action.with(|a| check_undoable(a).err().map(|b| b.to_string())));
        let no_blocker = Signal::derive(|| None::<String>);
        let related = Signal::derive(move || related.get());
        let timeline = Signal::derive(move || timeline.get());
        // The host's links (or the action's own); following one tells the host first.
        let host = use_host();
        let no_link = move |kind| action.with(|a| host.link(kind, a).is_none());
        let follow = move |kind| action.with_untracked(|a| host.follow(kind, a));
        // What else holds the asset: built while the action is in force (not again per version).
        let shows_in_force = Memo::new(move |_| {
            version.with(|v| v.as_ref().is_some_and(|(_, _, asked)| asked.is_some()))
        });
        let in_force_section = {
            let current_id = id.clone();
            move || {
                on_open_in_force
                    .filter(|_| shows_in_force.get())
                    .map(|on_open| {
                        let asset = Signal::derive(move || action.with(|a| a.asset.clone()));
                        let found = Signal::derive(move || in_force.get());
                        view! {
                            <InForceOnAsset
                                asset
                                current_id=current_id.clone()
                                found
                                on_open
                                on_retry=retry
                            />
                        }
                    })
            }
        };
        view! {
            <p class="ac-change-note" aria-live="polite">{move || note.get()}</p>
            <section class="ac-section" aria-label="Actions">
                {move || {
                    decide_built
                        .get()
                        .then(|| {
                            view! {
                                <OperationPanel
                                    kind=PanelKind::Decide
                                    actions=one
                                    offer=decide
                                    blocker=no_blocker
                                />
                            }
                        })
                }}
                {move || {
                    undo_built
                        .get()
                        .then(|| {
                            view! {
                                <OperationPanel
                                    kind=PanelKind::Undo
                                    actions=one
                                    offer=undo
                                    blocker=undo_blocker
                                    related
                                    on_retry_related=retry
                                />
                            }
                        })
                }}
                {move || {
                    retry_built
                        .get()
                        .then(|| {
                            view! {
                                <OperationPanel
                                    kind=PanelKind::Retry
                                    actions=one
                                    offer=retry_offer
                                    blocker=no_blocker
                                />
                            }
                        })
                }}
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
            {in_force_section}
            <Timeline entries=timeline on_retry=retry />
        }
        .into_any()
    };
    view! { <Flyout title on_close>{body}</Flyout> }
}
