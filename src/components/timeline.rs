use action_center_core::format::{event_label, relative_age};
use action_center_core::TimelineEntry;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::browser::local_time;
use crate::components::error_view::ErrorView;
use crate::state::use_now;

/// The audit trail of one action, oldest first.
#[component]
pub fn Timeline(
    /// The entries: `None` while loading.
    #[prop(into)]
    entries: Signal<Option<Result<Vec<TimelineEntry>, ApiError>>>,
    /// Called when the analyst clicks "Retry" after a failed load.
    on_retry: Callback<()>,
) -> impl IntoView {
    let now = use_now();
    let error = Signal::derive(move || {
        entries.with(|e| e.as_ref().and_then(|r| r.as_ref().err().cloned()))
    });
    let body = move || {
        let loaded = entries.get();
        let now = now.get();
        let items: Vec<Vec<(&'static str, String)>> = match loaded {
            None => vec![vec![("ac-subtle", "Loading the timeline…".to_owned())]],
            Some(Ok(entries)) if entries.is_empty() => {
                vec![vec![("ac-subtle", "No events recorded.".to_owned())]]
            }
            Some(Ok(entries)) => entries
                .into_iter()
                .map(|e| {
                    let mut lines = vec![
                        ("ac-timeline__event", event_label(&e.event)),
                        ("ac-subtle", format!("by {}", e.actor)),
                    ];
                    match (&e.from_status, &e.to_status) {
                        (Some(from), Some(to)) => lines.push((
                            "ac-timeline__change",
                            format!("{} → {}", from.label(), to.label()),
                        )),
                        (None, Some(to)) => {
                            lines.push(("ac-timeline__change", to.label().into_owned()))
                        }
                        _ => {}
                    }
                    lines.push((
                        "ac-subtle",
                        format!("{} · {}", local_time(e.at), relative_age(e.at, now)),
                    ));
                    if let Some(c) = e.comment.filter(|c| !c.trim().is_empty()) {
                        lines.push(("ac-comment", format!("“{}”", c.trim())));
                    }
                    lines
                })
                .collect(),
            Some(Err(_)) => Vec::new(),
        };
        view! {
            <ol class="ac-timeline">
                {items
                    .into_iter()
                    .map(|lines| {
                        view! {
                            <li class="ac-timeline__item">
                                {lines
                                    .into_iter()
                                    .map(|(class, text)| view! { <span class=class>{text}</span> })
                                    .collect_view()}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
    };
    view! {
        <section class="ac-section" aria-label="Timeline">
            <h3 class="ac-section__title">"Timeline"</h3>
            <ErrorView title="Could not load the timeline" error on_retry />
            {body}
        </section>
    }
}
