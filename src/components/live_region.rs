use leptos::prelude::*;

use crate::state::Feedback;

/// The polite live region (role `status`) that announces results, and the progress of bulk
/// work the executor is still doing. Lives outside the part of the page a dialog makes inert.
#[component]
pub fn LiveRegion() -> impl IntoView {
    let feedback = use_context::<Feedback>();
    let status = move || feedback.map(|f| f.status.get()).unwrap_or_default();
    let progress = move || feedback.and_then(|f| f.progress.get());
    view! {
        <div class="ac-toasts">
            {move || {
                progress()
                    .map(|p| {
                        let text = format!("{}: {} of {} finished", p.label, p.done, p.total);
                        view! {
                            <div class="ac-toast ac-toast--progress">
                                <progress
                                    class="ac-progress"
                                    max=p.total.to_string()
                                    value=p.done.to_string()
                                    aria-label=format!("{} progress", p.label)
                                ></progress>
                                <span>{text}</span>
                            </div>
                        }
                    })
            }}
            <div class="ac-toast ac-live" class:ac-live--empty=move || status().is_empty() role="status" aria-live="polite">
                {status}
            </div>
        </div>
    }
}
