use action_center_core::columns::{Column, ColumnLayout};
use action_center_core::format::{expires_soon, failure_reason, relative_age, time_left};
use action_center_core::{Action, DecisionState, Status, View};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::components::status_badge::status_tone;
use crate::embed::time::{show_time_in, TimeFormat};
use crate::state::{use_now, Selection};
use wasm_bindgen::JsCast;

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
/// (see [`crate::components::ActionTable`]) and keeps their relative ages current
/// ([`refresh_ages`]). The row is one piece of escaped markup, parsed by the browser in one go;
/// all it holds besides is one effect that follows its own selected flag.
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
    /// "Now" for relative ages (default: the clock's current time).
    #[prop(optional)]
    now: Option<DateTime<Utc>>,
    /// How times are shown (`None`: the instance's format from context).
    #[prop(default = None)]
    format: Option<TimeFormat>,
) -> impl IntoView {
    let now = now.unwrap_or_else(|| use_now().get_untracked());
    let format = format.or_else(use_context::<TimeFormat>);
    let selected = selection.is_selected(&action.id);
    let initially = selected.get_untracked();
    let columns = columns.unwrap_or_else(|| ColumnLayout::default_for(&view).shown);
    let mut html = String::with_capacity(1024);
    html.push_str(
        "<td class=\"ac-cell ac-cell--check\"><input type=\"checkbox\" class=\"ac-checkbox\" aria-label=\"Select ",
    );
    escape_into(&mut html, &action.id);
    html.push_str(if initially {
        "\" checked></td>"
    } else {
        "\"></td>"
    });
    for column in &columns {
        let (class, inner) = cell(column, &action, now, format);
        html.push_str("<td class=\"");
        html.push_str(class);
        html.push_str("\">");
        html.push_str(&inner);
        html.push_str("</td>");
    }
    // Selected or not: the row's class and its checkbox follow the row's own flag.
    let row = NodeRef::<leptos::html::Tr>::new();
    Effect::new(move |before: Option<bool>| {
        let on = selected.get();
        if let Some(tr) = row.get() {
            if before.is_some() || on != initially {
                let _ = tr.class_list().toggle_with_force("ac-row--selected", on);
                if let Ok(Some(input)) = tr.query_selector("input") {
                    input
                        .unchecked_into::<web_sys::HtmlInputElement>()
                        .set_checked(on);
                }
            }
        }
        on
    });
    let class = if initially {
        "ac-row ac-row--selected"
    } else {
        "ac-row"
    };
    view! { <tr class=class tabindex="0" data-action-id=action.id node_ref=row inner_html=html></tr> }
}

/// Appends `text` to `html`, escaped for element content and attribute values.
fn escape_into(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
}

/// Appends `<span class="class">text</span>`.
fn span(html: &mut String, class: &str, text: &str) {
    html.push_str("<span class=\"");
    html.push_str(class);
    html.push_str("\">");
    escape_into(html, text);
    html.push_str("</span>");
}

/// Appends a time in the analyst's zone with its relative age; the age carries the instant
/// (`data-at`, milliseconds) so that the table can bring it up to date.
fn time(html: &mut String, at: DateTime<Utc>, now: DateTime<Utc>, format: Option<TimeFormat>) {
    html.push_str("<span class=\"ac-time\"><time datetime=\"");
    escape_into(html, &at.to_rfc3339());
    html.push_str("\">");
    escape_into(html, &show_time_in(format, at));
    html.push_str("</time><span class=\"ac-time__age\" data-at=\"");
    html.push_str(&at.timestamp_millis().to_string());
    html.push_str("\">");
    escape_into(html, &relative_age(at, now));
    html.push_str("</span></span>");
}

/// Brings every relative age under `root` up to `now` (the table calls it as the clock ticks).
pub fn refresh_ages(root: &web_sys::Element, now: DateTime<Utc>) {
    let Ok(ages) = root.query_selector_all(".ac-time__age[data-at]") else {
        return;
    };
    for i in 0..ages.length() {
        let Some(el) = ages
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let at = el
            .get_attribute("data-at")
            .and_then(|ms| ms.parse::<i64>().ok())
            .and_then(DateTime::<Utc>::from_timestamp_millis);
        if let Some(at) = at {
            el.set_text_content(Some(&relative_age(at, now)));
        }
    }
}

/// The class and inner markup of the cell of `column` for `a`.
fn cell(
    column: &Column,
    a: &Action,
    now: DateTime<Utc>,
    format: Option<TimeFormat>,
) -> (&'static str, String) {
    let mut html = String::new();
    let class = match column {
        Column::ActionType => {
            span(&mut html, "", &a.action_type.label());
            "ac-cell ac-cell--strong"
        }
        Column::Asset => {
            span(&mut html, "", &a.asset.name);
            "ac-cell"
        }
        Column::Entity => {
            span(&mut html, "ac-clip", &a.entity.name);
            span(&mut html, "ac-subtle", &a.entity.kind.label());
            "ac-cell ac-clip-cell"
        }
        Column::Source => {
            span(&mut html, "", &a.source.label());
            "ac-cell"
        }
        Column::Category => {
            span(&mut html, "", &a.category.label());
            "ac-cell"
        }
        Column::Status => {
            html.push_str("<span class=\"ac-badge ac-badge--");
            html.push_str(status_tone(&a.status));
            html.push_str("\">");
            escape_into(&mut html, &a.status.label());
            html.push_str("</span>");
            if let Some(label) = action_center_core::policy::approvals_label(a) {
                span(&mut html, "ac-approvals", &label);
            }
            match (&a.status, a.expires_at) {
                (Status::Pending, Some(expires)) => {
                    let class = if expires_soon(expires, now) {
                        "ac-subtle ac-expiry--soon"
                    } else {
                        "ac-subtle"
                    };
                    span(&mut html, class, &time_left(expires, now));
                }
                (Status::Failed | Status::UndoFailed, _) => {
                    span(&mut html, "ac-reason", &failure_reason(Some(a)));
                }
                _ => {}
            }
            "ac-cell"
        }
        Column::DecidedBy => {
            let (who, when, comment) = decision_cell(a, now);
            span(&mut html, "", &who);
            span(&mut html, "ac-subtle", &when.unwrap_or_default());
            span(&mut html, "ac-subtle ac-clip", &comment.unwrap_or_default());
            "ac-cell"
        }
        Column::CreatedAt | Column::UpdatedAt | Column::ExpiresAt => {
            let at = match column {
                Column::CreatedAt => Some(a.created_at),
                Column::UpdatedAt => Some(a.updated_at),
                _ => a.expires_at,
            };
            match at {
                Some(at) => time(&mut html, at, now, format),
                None => span(&mut html, "", "—"),
            }
            "ac-cell ac-cell--time"
        }
        Column::InvestigationId => {
            span(&mut html, "", a.investigation_id.as_deref().unwrap_or(""));
            "ac-cell ac-mono"
        }
        Column::Id => {
            span(&mut html, "", &a.id);
            "ac-cell ac-mono"
        }
        Column::Unknown(_) => "ac-cell",
    };
    (class, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped() {
        let mut html = String::new();
        span(&mut html, "c", "<img src=x onerror=\"alert('x')\"> & more");
        assert_eq!(
            html,
            "<span class=\"c\">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; more</span>"
        );
    }
}
