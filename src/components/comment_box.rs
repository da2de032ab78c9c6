use leptos::html::Textarea;
use leptos::prelude::*;

use action_center_core::MAX_COMMENT_CHARS;

use crate::unique_id;

/// The optional "Comment" textbox of a decision or undo.
#[component]
pub fn CommentBox(
    /// The comment text (kept when a request fails).
    value: RwSignal<String>,
    /// Lets the panel focus the box when it opens.
    textarea_ref: NodeRef<Textarea>,
    /// A line under the label, e.g. "Optional. Kept in the audit trail."
    hint: &'static str,
) -> impl IntoView {
    let id = unique_id("ac-comment");
    let hint_id = format!("{id}-hint");
    view! {
        <div class="ac-field">
            <label class="ac-field__label" for=id.clone()>
                "Comment"
            </label>
            <span class="ac-subtle" id=hint_id.clone()>
                {hint}
            </span>
            <textarea
                id=id
                node_ref=textarea_ref
                class="ac-input ac-textarea"
                rows="3"
                maxlength=MAX_COMMENT_CHARS.to_string()
                aria-describedby=hint_id
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
        </div>
    }
}
