use action_center_core::format::event_label;
use action_center_core::TimelineEntry;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::error_view::ErrorView;
use crate::components::time_stamp::TimeStamp;

/// The audit trail of one action, oldest first.
#[component]
pub fn Timeline(
    /// The entries: `None` while loading.
    #[prop(into)]
    entries: Signal<Option<Result<Vec<TimelineEntry>, ApiError>>>,
    /// Called when the analyst clicks "Retry" after a failed load.
    on_retry: Callback<()>,
) -> impl IntoView {
    let body = move || {
        match entries.get() {
        None => view! { <p class="ac-subtle">"Loading the timeline…"</p> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorView title="Could not load the timeline" error on_retry /> }.into_any()
        }
        Some(Ok(entries)) if entries.is_empty() => {
            view! { <p class="ac-subtle">"No events recorded."</p> }.into_any()
        }
        Some(Ok(entries)) => view! {
            <ol class="ac-timeline">
                {entries
                    .into_iter()
                    .map(|entry| {
                        let change = match (&entry.from_status, &entry.to_status) {
                            (Some(from), Some(to)) => Some(format!("{} → {}", from.label(), to.label())),
                            (None, Some(to)) => Some(to.label().into_owned()),
                            _ => None,
                        };
                        let comment = entry.comment.clone().filter(|c| !c.trim().is_empty());
                        view! {
                            <li class="ac-timeline__item">
                                <span class="ac-timeline__event">{event_label(&entry.event)}</span>
                                <span class="ac-subtle">{format!(" by {}", entry.actor)}</span>
                                {change.map(|c| view! { <span class="ac-timeline__change">{c}</span> })}
                                <TimeStamp at=entry.at />
                                {comment.map(|c| view! { <q class="ac-comment">{c}</q> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any(),
    }
    };
    view! {
        <section class="ac-section" aria-label="Timeline">
            <h3 class="ac-section__title">"Timeline"</h3>
            {body}
        </section>
    }
}
