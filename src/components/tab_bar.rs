use action_center_core::{Total, View};
use leptos::html::Button;
use leptos::prelude::*;
use web_sys::KeyboardEvent;

/// The tabs, left to right.
pub const TAB_VIEWS: [View; TAB_COUNT] = [View::Pending, View::History, View::Contained];
const TAB_COUNT: usize = 3;

/// Each tab's row count, when known, in the order of [`TAB_VIEWS`].
pub type TabCounts = [Option<Total>; TAB_COUNT];

/// The tab at `index`, left to right.
fn tab_at(index: usize) -> View {
    TAB_VIEWS.get(index).cloned().unwrap_or(View::Pending)
}

/// The index of `view`'s tab.
fn index_of(view: &View) -> usize {
    TAB_VIEWS.iter().position(|v| v == view).unwrap_or(0)
}

/// The Pending / History / Contained tabs (WAI-ARIA tabs: roving tabindex, arrows, Home, End; selection
/// follows focus).
#[component]
pub fn TabBar(
    /// The selected tab.
    #[prop(into)]
    view: Signal<View>,
    /// Called with the tab the analyst picks.
    on_select: Callback<View>,
    /// Each tab's row count, when known.
    #[prop(into)]
    counts: Signal<TabCounts>,
    /// Id prefix for the tabs; the panel they control is `{id_prefix}-panel`.
    #[prop(into)]
    id_prefix: String,
) -> impl IntoView {
    let refs = [
        NodeRef::<Button>::new(),
        NodeRef::<Button>::new(),
        NodeRef::<Button>::new(),
    ];
    let panel_id = format!("{id_prefix}-panel");
    let pick = move |index: usize| {
        on_select.run(tab_at(index));
        if let Some(button) = refs[index].get_untracked() {
            let _ = button.focus();
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let current = index_of(&view.get_untracked());
        let last = TAB_COUNT - 1;
        let next = match ev.key().as_str() {
            "ArrowRight" => Some(if current == last { 0 } else { current + 1 }),
            "ArrowLeft" => Some(if current == 0 { last } else { current - 1 }),
            "Home" => Some(0),
            "End" => Some(last),
            _ => None,
        };
        if let Some(next) = next {
            ev.prevent_default();
            pick(next);
        }
    };
    let buttons = (0..TAB_COUNT)
        .map(|index| {
            let tab = tab_at(index);
            let this = tab.clone();
            let selected = Signal::derive(move || view.get() == this);
            let label = tab.label().into_owned();
            let count = move || {
                counts
                    .with(|c| c[index])
                    .map(|n| format!(" {}", n.label()))
                    .unwrap_or_default()
            };
            view! {
                <button
                    type="button"
                    role="tab"
                    class="ac-tab"
                    id=format!("{id_prefix}-{}", tab.as_str())
                    node_ref=refs[index]
                    aria-selected=move || if selected.get() { "true" } else { "false" }
                    aria-controls=panel_id.clone()
                    tabindex=move || if selected.get() { "0" } else { "-1" }
                    on:click=move |_| pick(index)
                >
                    {label}
                    <span class="ac-tab__count">{count}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="ac-tabs" role="tablist" aria-label="Action views" on:keydown=on_keydown>
            {buttons}
        </div>
    }
}
