use action_center_core::columns::{Column, ColumnLayout};
use action_center_core::format::{expires_soon, failure_reason, relative_age, time_left};
use action_center_core::{Action, DecisionState, Status, View};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::components::status_badge::StatusBadge;
use crate::components::time_stamp::TimeStamp;
use crate::state::{use_now, Selection};

/// Who decided, how long ago, and their comment (the History tab's "Decided by" cell).
fn decision_cell(a: &Action, now: DateTime<Utc>) -> (String, Option<String>, Option<String>) {
    let decision = a.decision.as_ref();
    let who = match (a.decided_by(), decision.map(|d| &d.state)) {
        (Some(by), _) => by.to_owned(),
        (None, Some(DecisionState::NotRequired)) => "Automatic".to_owned(),
        _ => "—".to_owned(),
    };
    let when = decision.and_then(|d| d.at).map(|at| relative_age(at, now));
    let comment = decision.and_then(|d| d.comment.clone());
    (who, when, comment)
}

/// One row of the action table, rendered from one version of the action (the table keys rows
/// by id and version). The table handles its rows' clicks, keys and checkboxes in one place
/// (see [`crate::components::ActionTable`]); a row itself holds only what changes in it: its
/// selected state, and the relative ages of its times.
#[component]
pub fn ActionRow(
    /// The row's action.
    action: Action,
    /// Which tab the row is on (decides the columns).
    view: View,
    /// The selection the row's checkbox shows.
    selection: Selection,
    /// The columns after the checkbox, in order (default: the tab's default columns).
    #[prop(optional)]
    columns: Option<Vec<Column>>,
) -> impl IntoView {
    let clock = use_now();
    let now = clock.get_untracked();
    let selected = selection.is_selected(&action.id);
    let checked = selected.clone();
    let columns = columns.unwrap_or_else(|| ColumnLayout::default_for(&view).shown);
    let cells = columns
        .iter()
        .map(|column| cell(column, &action, now, clock))
        .collect_view();
    let label = format!("Select {}", action.id);

    view! {
        <tr
            class="ac-row"
            class:ac-row--selected=move || selected.get()
            tabindex="0"
            data-action-id=action.id
        >
            <td class="ac-cell ac-cell--check">
                <input
                    type="checkbox"
                    class="ac-checkbox"
                    aria-label=label
                    prop:checked=move || checked.get()
                />
            </td>
            {cells}
        </tr>
    }
}

/// What one cell shows. Every column renders through the same markup, so that the table
/// costs one view type, not one per column, in the download.
struct Cell {
    class: &'static str,
    badge: Option<Status>,
    text: Option<(&'static str, String)>,
    time: Option<DateTime<Utc>>,
    notes: Vec<(&'static str, String)>,
}

impl Cell {
    fn text(class: &'static str, text: String) -> Cell {
        Cell {
            class,
            badge: None,
            text: Some(("", text)),
            time: None,
            notes: Vec::new(),
        }
    }
}

/// The cell of `column` for `a`.
fn cell(
    column: &Column,
    a: &Action,
    now: DateTime<Utc>,
    clock: Signal<DateTime<Utc>>,
) -> impl IntoView {
    let cell = match column {
        Column::ActionType => Cell::text(
            "ac-cell ac-cell--strong",
            a.action_type.label().into_owned(),
        ),
        Column::Asset => Cell::text("ac-cell", a.asset.name.clone()),
        Column::Entity => Cell {
            text: Some(("ac-clip", a.entity.name.clone())),
            notes: vec![("ac-subtle", a.entity.kind.label().into_owned())],
            ..Cell::text("ac-cell ac-clip-cell", String::new())
        },
        Column::Source => Cell::text("ac-cell", a.source.label().into_owned()),
        Column::Category => Cell::text("ac-cell", a.category.label().into_owned()),
        Column::Status => {
            let note = match (&a.status, a.expires_at) {
                (Status::Pending, Some(expires)) => Some((
                    if expires_soon(expires, now) {
                        "ac-subtle ac-expiry--soon"
                    } else {
                        "ac-subtle"
                    },
                    time_left(expires, now),
                )),
                (Status::Failed | Status::UndoFailed, _) => {
                    Some(("ac-reason", failure_reason(Some(a))))
                }
                _ => None,
            };
            Cell {
                class: "ac-cell",
                badge: Some(a.status.clone()),
                text: None,
                time: None,
                notes: note.into_iter().collect(),
            }
        }
        Column::DecidedBy => {
            let (who, when, comment) = decision_cell(a, now);
            Cell {
                notes: vec![
                    ("ac-subtle", when.unwrap_or_default()),
                    ("ac-subtle ac-clip", comment.unwrap_or_default()),
                ],
                ..Cell::text("ac-cell", who)
            }
        }
        Column::CreatedAt => time_cell(Some(a.created_at)),
        Column::UpdatedAt => time_cell(Some(a.updated_at)),
        Column::ExpiresAt => time_cell(a.expires_at),
        Column::InvestigationId => Cell::text(
            "ac-cell ac-mono",
            a.investigation_id.clone().unwrap_or_default(),
        ),
        Column::Id => Cell::text("ac-cell ac-mono", a.id.clone()),
        Column::Unknown(_) => Cell::text("ac-cell", String::new()),
    };
    let Cell {
        class,
        badge,
        text,
        time,
        notes,
    } = cell;
    view! {
        <td class=class>
            {badge.map(|status| view! { <StatusBadge status /> })}
            {text.map(|(class, text)| view! { <span class=class>{text}</span> })}
            {time.map(|at| view! { <TimeStamp at now=clock /> })}
            {notes
                .into_iter()
                .map(|(class, text)| view! { <span class=class>{text}</span> })
                .collect_view()}
        </td>
    }
}

fn time_cell(at: Option<DateTime<Utc>>) -> Cell {
    Cell {
        time: at,
        text: at.is_none().then(|| ("", "—".to_owned())),
        ..Cell::text("ac-cell ac-cell--time", String::new())
    }
}
