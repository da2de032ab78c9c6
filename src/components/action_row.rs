use action_center_core::format::{expires_soon, failure_reason, relative_age, time_left};
use action_center_core::{Action, DecisionState, Status, View};
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use crate::components::status_badge::StatusBadge;
use crate::components::time_stamp::TimeStamp;
use crate::state::{use_now, Selection};

/// One row of the action table. Clicking it (or Enter on it) opens the flyout; the checkbox
/// only selects.
#[component]
pub fn ActionRow(
    /// The row's action, kept current by the table.
    action: Memo<Action>,
    /// Which tab the row is on (decides the columns).
    view: Signal<View>,
    /// The selection the checkbox writes to.
    selection: Selection,
    /// Called with the action id to open the flyout.
    on_open: Callback<String>,
) -> impl IntoView {
    let id = action.with_untracked(|a| a.id.clone());
    let selected = {
        let id = id.clone();
        Memo::new(move |_| selection.contains(&id))
    };
    let open = {
        let id = id.clone();
        move || on_open.run(id.clone())
    };
    let open_on_enter = {
        let open = open.clone();
        move |ev: KeyboardEvent| {
            // Only the row itself: Enter on the checkbox must not open the flyout.
            let on_row = ev.target() == ev.current_target();
            if ev.key() == "Enter" && on_row {
                ev.prevent_default();
                open();
            }
        }
    };
    let toggle = {
        let id = id.clone();
        move |ev: web_sys::Event| selection.set(&id, event_target_checked(&ev))
    };
    let now = use_now();
    let a = move || action.get();

    let status_cell = move || {
        let a = a();
        let detail = match (&a.status, a.expires_at) {
            (Status::Pending, Some(expires)) => {
                let soon = expires_soon(expires, now.get());
                Some(
                    view! {
                        <span class="ac-subtle" class:ac-expiry--soon=soon>
                            {time_left(expires, now.get())}
                        </span>
                    }
                    .into_any(),
                )
            }
            (Status::Failed | Status::UndoFailed, _) => {
                Some(view! { <span class="ac-reason">{failure_reason(Some(&a))}</span> }.into_any())
            }
            _ => None,
        };
        view! {
            <StatusBadge status=a.status.clone() />
            {detail}
        }
    };
    let history_cells = move || {
        (view.get() == View::History).then(|| {
            let a = a();
            let decision = a.decision.clone();
            let decided = match (a.decided_by(), decision.as_ref().map(|d| &d.state)) {
                (Some(by), _) => by.to_owned(),
                (None, Some(DecisionState::NotRequired)) => "Automatic".to_owned(),
                _ => "—".to_owned(),
            };
            let when = decision.as_ref().and_then(|d| d.at);
            let comment = decision.and_then(|d| d.comment);
            view! {
                <td class="ac-cell">
                    {decided}
                    {when.map(|at| view! { <span class="ac-subtle">{relative_age(at, now.get())}</span> })}
                    {comment.map(|c| view! { <span class="ac-subtle ac-clip">{c}</span> })}
                </td>
                <td class="ac-cell ac-cell--time">
                    <TimeStamp at=a.updated_at />
                </td>
            }
        })
    };
    let pending_cells = move || {
        (view.get() != View::History).then(|| {
            view! {
                <td class="ac-cell ac-cell--time">
                    <TimeStamp at=a().created_at />
                </td>
            }
        })
    };

    view! {
        <tr
            class="ac-row"
            class:ac-row--selected=move || selected.get()
            tabindex="0"
            data-action-id=id.clone()
            on:click=move |_| open()
            on:keydown=open_on_enter
        >
            <td class="ac-cell ac-cell--check" on:click=|ev| ev.stop_propagation()>
                <input
                    type="checkbox"
                    class="ac-checkbox"
                    aria-label=format!("Select {id}")
                    prop:checked=move || selected.get()
                    on:change=toggle
                />
            </td>
            <td class="ac-cell ac-cell--strong">{move || a().action_type.label().into_owned()}</td>
            <td class="ac-cell">{move || a().asset.name}</td>
            <td class="ac-cell ac-clip-cell">
                <span class="ac-clip">{move || a().entity.name}</span>
                <span class="ac-subtle">{move || a().entity.kind.label().into_owned()}</span>
            </td>
            <td class="ac-cell">{move || a().source.label().into_owned()}</td>
            <td class="ac-cell">{status_cell}</td>
            {history_cells}
            {pending_cells}
            <td class="ac-cell ac-mono">{move || a().investigation_id.unwrap_or_default()}</td>
        </tr>
    }
}
