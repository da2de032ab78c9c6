use action_center_core::containment::in_force_on;
use action_center_core::format::relative_age;
use action_center_core::{Action, ActionPage, Asset};
use leptos::prelude::*;

use crate::api::ApiError;
use crate::browser::local_time;
use crate::components::error_view::ErrorView;
use crate::state::use_now;

/// Everything in force on one asset (the containment view, grouped by asset): each action with
/// what it holds, since when and who approved it. The others open in the flyout.
#[component]
pub fn InForceOnAsset(
    /// The asset.
    #[prop(into)]
    asset: Signal<Asset>,
    /// The action the flyout shows (listed, not linked).
    current_id: String,
    /// The containment view searched for the asset: `None` while loading.
    #[prop(into)]
    found: Signal<Option<Result<ActionPage, ApiError>>>,
    /// Called with the id of another action to open.
    on_open: Callback<String>,
    /// Called when the analyst clicks "Retry" after a failed load.
    on_retry: Callback<()>,
) -> impl IntoView {
    let now = use_now();
    let error =
        Signal::derive(move || found.with(|f| f.as_ref().and_then(|r| r.as_ref().err().cloned())));
    let name = move || asset.with(|a| a.name.clone());
    let body = move || {
        let now = now.get();
        let Some(Ok(page)) = found.get() else {
            let loading = found.with(Option::is_none);
            return loading
                .then(|| view! { <p class="ac-subtle">"Loading what is in force…"</p> })
                .into_any();
        };
        let held: Vec<Action> =
            asset.with(|a| in_force_on(&page.items, a).into_iter().cloned().collect());
        if held.is_empty() {
            return view! { <p class="ac-subtle">"Nothing else is in force on this asset."</p> }
                .into_any();
        }
        let summary = match held.len() {
            1 => "1 action in force".to_owned(),
            n => format!("{n} actions in force"),
        };
        let items = held
            .into_iter()
            .map(|a| {
                let what = format!("{} · {}", a.action_type.label(), a.entity.name);
                let since = format!(
                    "In force since {} · {}",
                    local_time(a.updated_at),
                    relative_age(a.updated_at, now)
                );
                let approved = a.decided_by().map(|by| format!("Approved by {by}"));
                let this_one = a.id == current_id;
                let id = a.id.clone();
                let label = if this_one {
                    view! { <span class="ac-in-force__what">{what}" (this action)"</span> }
                        .into_any()
                } else {
                    view! {
                        <button
                            type="button"
                            class="ac-button ac-button--subtle ac-in-force__what"
                            on:click=move |_| on_open.run(id.clone())
                        >
                            {what}
                        </button>
                    }
                    .into_any()
                };
                view! {
                    <li class="ac-in-force__item">
                        {label}
                        <span class="ac-subtle">{since}</span>
                        {approved.map(|text| view! { <span class="ac-subtle">{text}</span> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <p class="ac-line">{summary}</p>
            <ul class="ac-in-force">{items}</ul>
        }
        .into_any()
    };
    view! {
        <section class="ac-section" aria-label=move || format!("In force on {}", name())>
            <h3 class="ac-section__title">"In force on " {name}</h3>
            {body}
            <ErrorView title="Could not load what is in force on this asset" error on_retry />
        </section>
    }
}
