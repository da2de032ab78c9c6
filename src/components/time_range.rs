use action_center_core::filters::{day_range, format_day, parse_day, range_days};
use action_center_core::TimeRange;
use chrono::{DateTime, Local, Utc};
use leptos::prelude::*;

use crate::unique_id;

/// A time range picked in the filter bar: a preset, or a custom `[from, to)` range.
pub type RangeChoice = (
    Option<TimeRange>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// The time-range filter over `createdAt`: "Any time", the presets, or a custom range of whole
/// days in the browser's time zone (two date fields, "From" and "To").
#[component]
pub fn TimeRangeFilter(
    /// The picked preset (`Custom` for a custom range).
    #[prop(into)]
    range: Signal<Option<TimeRange>>,
    /// A custom range's start (inclusive).
    #[prop(into)]
    from: Signal<Option<DateTime<Utc>>>,
    /// A custom range's end (exclusive).
    #[prop(into)]
    to: Signal<Option<DateTime<Utc>>>,
    /// Called with the new range.
    on_change: Callback<RangeChoice>,
) -> impl IntoView {
    let select_id = unique_id("ac-range");
    let days = Memo::new(move |_| range_days(&Local, from.get(), to.get()));
    let on_select = move |ev: web_sys::Event| {
        let picked = TimeRange::parse_known(&event_target_value(&ev));
        // Switching to a custom range starts from the days the last range covered.
        on_change.run((picked, from.get_untracked(), to.get_untracked()));
    };
    let set_day = move |first: bool, raw: String| {
        let (mut start, mut end) = days.get_untracked();
        if first {
            start = parse_day(&raw);
        } else {
            end = parse_day(&raw);
        }
        let (from, to) = day_range(&Local, start, end);
        on_change.run((Some(TimeRange::Custom), from, to));
    };
    let day_text = move |first: bool| {
        let (start, end) = days.get();
        let day = if first { start } else { end };
        day.map(format_day).unwrap_or_default()
    };
    let current = move || {
        range
            .get()
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default()
    };
    // Static options (the first render selects by attribute); later changes set the value.
    let initial = current();
    let options = std::iter::once((String::new(), "Any time".to_owned()))
        .chain(
            TimeRange::ALL
                .iter()
                .map(|r| (r.as_str().to_owned(), r.label().into_owned())),
        )
        .map(|(value, label)| {
            let selected = value == initial;
            view! {
                <option value=value selected=selected>
                    {label}
                </option>
            }
        })
        .collect_view();
    let custom = move || range.get() != Some(TimeRange::Custom);
    view! {
        <div class="ac-range">
            <label class="ac-range__label" for=select_id.clone()>
                "Time range"
            </label>
            <select id=select_id class="ac-select" prop:value=current on:change=on_select>
                {options}
            </select>
            <label class="ac-range__day" hidden=custom>
                "From "
                <input
                    type="date"
                    class="ac-input"
                    prop:value=move || day_text(true)
                    on:change=move |ev| set_day(true, event_target_value(&ev))
                />
            </label>
            <label class="ac-range__day" hidden=custom>
                "To "
                <input
                    type="date"
                    class="ac-input"
                    prop:value=move || day_text(false)
                    on:change=move |ev| set_day(false, event_target_value(&ev))
                />
            </label>
        </div>
    }
}
