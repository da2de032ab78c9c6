//! The filter menus above the table: which dimensions they offer, which values each tab offers,
//! the counts from `GET /actions/facets`, and how picking a value changes the view.
//!
//! The server counts each dimension with every filter but its own, so a menu shows what one may
//! add; `total` applies them all. A value with no count in the facets counts zero.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::api::Facets;
use crate::model::{ActionType, Category, Source, Status};
use crate::query::{ActionQuery, View};
use crate::view_state::{TimeRange, ViewState};

/// A dimension with a filter menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    /// `actionType`.
    ActionType,
    /// `status`.
    Status,
    /// `source`.
    Source,
    /// `category`.
    Category,
}

/// One value of a filter menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetOption {
    /// The wire value, e.g. `quarantineFile`.
    pub value: String,
    /// What the analyst reads, e.g. "Quarantine file".
    pub label: String,
    /// Rows this value would match with the other filters; `None` while counts load.
    pub count: Option<u64>,
    /// Whether the value is picked.
    pub selected: bool,
}

impl Facet {
    /// Every dimension, in the order the menus appear.
    pub const ALL: [Facet; 4] = [
        Facet::ActionType,
        Facet::Status,
        Facet::Source,
        Facet::Category,
    ];

    /// The query-string key, e.g. `actionType`.
    pub fn key(&self) -> &'static str {
        match self {
            Facet::ActionType => "actionType",
            Facet::Status => "status",
            Facet::Source => "source",
            Facet::Category => "category",
        }
    }

    /// The menu's name, e.g. "Action type".
    pub fn label(&self) -> &'static str {
        match self {
            Facet::ActionType => "Action type",
            Facet::Status => "Status",
            Facet::Source => "Source",
            Facet::Category => "Category",
        }
    }

    /// Whether the menu makes sense on `view`: every pending action has the same status, so
    /// the Pending tab (and the containment view, all completed) has no status menu.
    pub fn offered_on(&self, view: &View) -> bool {
        !(*self == Facet::Status && matches!(view, View::Pending | View::Contained))
    }

    /// The known values the menu offers on `view`, as `(wire, label)`.
    pub fn values(&self, view: &View) -> Vec<(String, String)> {
        fn pairs<T: Clone>(
            all: &[T],
            keep: impl Fn(&T) -> bool,
            wire: impl Fn(&T) -> String,
            label: impl Fn(&T) -> String,
        ) -> Vec<(String, String)> {
            all.iter()
                .filter(|v| keep(v))
                .map(|v| (wire(v), label(v)))
                .collect()
        }
        match self {
            Facet::ActionType => pairs(
                ActionType::ALL,
                |t| *view != View::Contained || t.is_undoable(),
                |v| v.as_str().to_owned(),
                |v| v.label().into_owned(),
            ),
            Facet::Status => pairs(
                Status::ALL,
                |s| view.contains(s),
                |v| v.as_str().to_owned(),
                |v| v.label().into_owned(),
            ),
            Facet::Source => pairs(
                Source::ALL,
                |_| true,
                |v| v.as_str().to_owned(),
                |v| v.label().into_owned(),
            ),
            Facet::Category => pairs(
                Category::ALL,
                |_| true,
                |v| v.as_str().to_owned(),
                |v| v.label().into_owned(),
            ),
        }
    }

    /// The picked values of this dimension in `query`, as wire strings.
    pub fn selected(&self, query: &ActionQuery) -> Vec<String> {
        fn wire<T: std::fmt::Display>(values: &[T]) -> Vec<String> {
            values.iter().map(T::to_string).collect()
        }
        match self {
            Facet::ActionType => wire(&query.action_type),
            Facet::Status => wire(&query.status),
            Facet::Source => wire(&query.source),
            Facet::Category => wire(&query.category),
        }
    }

    /// The counts of this dimension in `facets`.
    pub fn counts<'a>(&self, facets: &'a Facets) -> &'a std::collections::BTreeMap<String, u64> {
        match self {
            Facet::ActionType => &facets.action_type,
            Facet::Status => &facets.status,
            Facet::Source => &facets.source,
            Facet::Category => &facets.category,
        }
    }

    /// The menu's options on `view`: every known value the tab offers, with its count and
    /// whether it is picked. Picked values stay listed even when they count zero.
    pub fn options(
        &self,
        view: &View,
        query: &ActionQuery,
        facets: Option<&Facets>,
    ) -> Vec<FacetOption> {
        let selected = self.selected(query);
        self.values(view)
            .into_iter()
            .map(|(value, label)| FacetOption {
                count: facets.map(|f| self.counts(f).get(&value).copied().unwrap_or(0)),
                selected: selected.contains(&value),
                value,
                label,
            })
            .collect()
    }
}

fn toggle_in<T: PartialEq>(values: &mut Vec<T>, value: T) {
    if let Some(pos) = values.iter().position(|v| *v == value) {
        values.remove(pos);
    } else {
        values.push(value);
    }
}

impl ViewState {
    /// Picks or unpicks `value` (a wire string) in a filter menu, back to the first page.
    /// Unknown values are ignored: a link could not carry them anyway.
    pub fn toggle_filter(&mut self, facet: Facet, value: &str) {
        let q = &mut self.query;
        match facet {
            Facet::ActionType => match ActionType::parse_known(value) {
                Some(v) => toggle_in(&mut q.action_type, v),
                None => return,
            },
            Facet::Status => match Status::parse_known(value) {
                Some(v) => toggle_in(&mut q.status, v),
                None => return,
            },
            Facet::Source => match Source::parse_known(value) {
                Some(v) => toggle_in(&mut q.source, v),
                None => return,
            },
            Facet::Category => match Category::parse_known(value) {
                Some(v) => toggle_in(&mut q.category, v),
                None => return,
            },
        }
        self.query.page = None;
    }

    /// Unpicks every value of one menu, back to the first page.
    pub fn clear_filter(&mut self, facet: Facet) {
        let q = &mut self.query;
        match facet {
            Facet::ActionType => q.action_type.clear(),
            Facet::Status => q.status.clear(),
            Facet::Source => q.source.clear(),
            Facet::Category => q.category.clear(),
        }
        self.query.page = None;
    }

    /// Sets the time range: a preset, a custom range (`from` inclusive, `to` exclusive), or
    /// none. An inverted custom range is dropped. Back to the first page.
    pub fn set_range(
        &mut self,
        range: Option<TimeRange>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) {
        let range = range.filter(TimeRange::is_known);
        let (from, to) = match (&range, from, to) {
            (Some(TimeRange::Custom), Some(f), Some(t)) if f > t => (None, None),
            (Some(TimeRange::Custom), f, t) => (f, t),
            _ => (None, None),
        };
        self.range = range;
        self.query.from = from;
        self.query.to = to;
        self.query.page = None;
    }

    /// How many filter values and ranges narrow the list (the search not counted).
    pub fn filter_count(&self) -> usize {
        let q = &self.query;
        q.action_type.len()
            + q.status.len()
            + q.source.len()
            + q.category.len()
            + q.entity_kind.len()
            + usize::from(self.range.is_some())
    }

    /// The query for `GET /actions/facets` at `now`: the list's filters without sort or page.
    pub fn facets_query(&self, now: DateTime<Utc>) -> ActionQuery {
        ActionQuery {
            sort: None,
            page: None,
            page_size: None,
            ..self.api_query(now)
        }
    }

    /// The query for `GET /actions/export.csv` at `now`: every row of the current filter, in
    /// the table's order (no page).
    pub fn export_query(&self, now: DateTime<Utc>) -> ActionQuery {
        ActionQuery {
            page: None,
            page_size: None,
            ..self.api_query(now)
        }
    }
}

/// Reads a date field's value (`YYYY-MM-DD`). Written by hand rather than with chrono's format
/// strings, whose parser would add kilobytes to the app's download for this one use.
pub fn parse_day(raw: &str) -> Option<NaiveDate> {
    let mut parts = raw.trim().splitn(3, '-');
    let mut number = |len: std::ops::RangeInclusive<usize>| {
        let part = parts.next()?;
        (len.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (year, month, day) = (number(4..=4)?, number(2..=2)?, number(2..=2)?);
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// A date as a date field's value (`YYYY-MM-DD`).
pub fn format_day(day: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day())
}

/// A custom range of whole days in `tz` (both days included), as the `[from, to)` instants the
/// API filters `createdAt` by. A missing day leaves that side open.
pub fn day_range<Tz: TimeZone>(
    tz: &Tz,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let start_of = |day: NaiveDate| {
        let midnight = day.and_hms_opt(0, 0, 0)?;
        tz.from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let from = first.and_then(start_of);
    let to = last
        .and_then(|d| d.succ_opt())
        .and_then(start_of)
        .filter(|to| from.is_none_or(|from| from < *to));
    (from, to)
}

/// The inverse of [`day_range`]: the first and last whole day of a `[from, to)` range in `tz`,
/// for date inputs.
pub fn range_days<Tz: TimeZone>(
    tz: &Tz,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let first = from.map(|f| f.with_timezone(tz).date_naive());
    let last = to.map(|t| {
        let local = t.with_timezone(tz);
        let day = local.date_naive();
        // `to` is exclusive: a range ending at midnight ends the day before.
        if local.time() == chrono::NaiveTime::MIN {
            day.pred_opt().unwrap_or(day)
        } else {
            day
        }
    });
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{Sort, SortKey};
    use chrono::FixedOffset;

    fn facets() -> Facets {
        let mut f = Facets::default();
        f.action_type.insert("quarantineFile".into(), 12);
        f.action_type.insert("wipeDisk".into(), 3);
        f.status.insert("completed".into(), 5);
        f.total = 12;
        f
    }

    #[test]
    fn options_list_known_values_with_counts_and_picks() {
        let mut state = ViewState::default();
        state.toggle_filter(Facet::ActionType, "stopService");
        let options = Facet::ActionType.options(&View::Pending, &state.query, Some(&facets()));
        assert_eq!(options.len(), ActionType::ALL.len());
        let quarantine = options
            .iter()
            .find(|o| o.value == "quarantineFile")
            .unwrap();
        assert_eq!((quarantine.count, quarantine.selected), (Some(12), false));
        let stop = options.iter().find(|o| o.value == "stopService").unwrap();
        assert_eq!((stop.count, stop.selected), (Some(0), true));
        assert_eq!(stop.label, "Stop service");
        // Values this build does not know are not offered: a link could not carry them.
        assert!(options.iter().all(|o| o.value != "wipeDisk"));
        // While counts load, options have no count.
        let loading = Facet::Source.options(&View::Pending, &state.query, None);
        assert!(loading.iter().all(|o| o.count.is_none()));
    }

    #[test]
    fn the_status_menu_follows_the_tab() {
        assert!(!Facet::Status.offered_on(&View::Pending));
        assert!(Facet::Status.offered_on(&View::History));
        let history: Vec<_> = Facet::Status
            .values(&View::History)
            .into_iter()
            .map(|(v, _)| v)
            .collect();
        assert!(!history.contains(&"pending".to_owned()));
        assert!(history.contains(&"undoFailed".to_owned()));
    }

    #[test]
    fn toggling_adds_removes_and_resets_the_page() {
        let mut state = ViewState::default();
        state.query.page = Some(3);
        state.toggle_filter(Facet::Source, "antivirus");
        state.toggle_filter(Facet::Category, "email");
        assert_eq!(state.query.source, vec![Source::Antivirus]);
        assert_eq!(state.query.page, None);
        assert_eq!(state.filter_count(), 2);
        state.toggle_filter(Facet::Source, "antivirus");
        assert!(state.query.source.is_empty());
        state.toggle_filter(Facet::Status, "levitating");
        assert!(state.query.status.is_empty());
        state.clear_filter(Facet::Category);
        assert!(!state.has_filters());
    }

    #[test]
    fn ranges_are_set_whole() {
        let mut state = ViewState::default();
        let jan: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let feb: DateTime<Utc> = "2026-02-01T00:00:00Z".parse().unwrap();
        state.set_range(Some(TimeRange::Custom), Some(jan), Some(feb));
        assert_eq!((state.query.from, state.query.to), (Some(jan), Some(feb)));
        let back = ViewState::from_url_query(&state.to_url_query());
        assert_eq!(back, state);
        state.set_range(Some(TimeRange::PastDay), Some(jan), None);
        assert_eq!((state.query.from, state.query.to), (None, None));
        assert_eq!(state.to_url_query(), "range=1d");
        state.set_range(Some(TimeRange::Custom), Some(feb), Some(jan));
        assert_eq!((state.query.from, state.query.to), (None, None));
        state.set_range(None, None, None);
        assert!(!state.has_filters());
    }

    #[test]
    fn facets_and_export_queries_drop_paging() {
        let mut state = ViewState::from_url_query(
            "tab=history&status=completed&q=fin&sort=asset:asc&page=3&pageSize=25&range=7d",
        );
        state.open = Some("act_1".into());
        let now: DateTime<Utc> = "2026-03-10T00:00:00Z".parse().unwrap();
        let facets = state.facets_query(now);
        assert_eq!(
            facets.to_query_string(),
            "view=history&status=completed&q=fin&from=2026-03-03T00%3A00%3A00%2B00%3A00"
        );
        let export = state.export_query(now);
        assert_eq!(
            export.sort,
            Some(Sort {
                key: SortKey::Asset,
                descending: false
            })
        );
        assert_eq!((export.page, export.page_size), (None, None));
        assert_eq!(export.view, Some(View::History));
    }

    #[test]
    fn date_fields_read_and_write_iso_days() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(parse_day("2026-03-01"), Some(day));
        assert_eq!(parse_day(" 2026-03-01 "), Some(day));
        assert_eq!(format_day(day), "2026-03-01");
        for bad in [
            "",
            "2026-3-01",
            "2026-02-30",
            "20260301",
            "2026-03-01-",
            "+026-03-01",
            "abcd-ef-gh",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn day_ranges_are_local_whole_days() {
        let paris = FixedOffset::east_opt(3600).unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let (from, to) = day_range(&paris, Some(d("2026-03-01")), Some(d("2026-03-02")));
        assert_eq!(from, Some("2026-02-28T23:00:00Z".parse().unwrap()));
        assert_eq!(to, Some("2026-03-02T23:00:00Z".parse().unwrap()));
        assert_eq!(
            range_days(&paris, from, to),
            (Some(d("2026-03-01")), Some(d("2026-03-02")))
        );
        // Open sides and inverted ranges.
        assert_eq!(day_range(&paris, None, None), (None, None));
        let (from, to) = day_range(&paris, Some(d("2026-03-05")), Some(d("2026-03-01")));
        assert!(from.is_some() && to.is_none());
    }
}
