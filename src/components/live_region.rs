use leptos::prelude::*;

use crate::state::Feedback;

/// The polite live region (role `status`) that announces results, and the progress of bulk
/// work the executor is still doing. Lives outside the part of the page a dialog makes inert.
#[component]
pub fn LiveRegion() -> impl IntoView {
    let feedback = use_context::<Feedback>();
    let status = move || feedback.map(|f| f.status.get()).unwrap_or_default();
    let progress = move || feedback.and_then(|f| f.progress.get());
    let label = move || progress().map(|p| p.label).unwrap_or_default();
    view! {
        <div class="ac-toasts">
            <div class="ac-toast ac-toast--progress" hidden=move || progress().is_none()>
                <progress
                    class="ac-progress"
                    max=move || progress().map_or(1, |p| p.total).to_string()
                    value=move || progress().map_or(0, |p| p.done).to_string()
                    aria-label=move || format!("{} progress", label())
                ></progress>
                <span>
                    {move || {
                        progress()
                            .map(|p| format!("{}: {} of {} finished", p.label, p.done, p.total))
                            .unwrap_or_default()
                    }}
                </span>
            </div>
            <div
                class="ac-toast ac-live"
                class:ac-live--empty=move || status().is_empty()
                role="status"
                aria-live="polite"
            >
                {status}
            </div>
        </div>
    }
}
