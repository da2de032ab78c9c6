//! What the page shows — tab, filters, search, sort, page and the open action — as a URL query
//! string and back, so that a link reopens the same view.
//!
//! Parsing is lenient, unlike the server's: a link is typed, pasted and truncated by people, so
//! unknown keys and bad values are dropped rather than refused, and nothing a link holds can make
//! the page fail.

use chrono::{DateTime, Duration, Utc};

use crate::api::MAX_PAGE_SIZE;
use crate::query::{decode_pairs, encode_pairs, ActionQuery, Sort, View, MAX_SEARCH_CHARS};
use crate::wire_enum::wire_enum;
use crate::{ActionType, Category, EntityKind, Source, Status};

/// Longest action id a link may open (ids are short; anything longer is not an id).
const MAX_ID_CHARS: usize = 100;
/// At most this many values per repeatable filter (there are at most 13 known values anyway).
const MAX_VALUES_PER_FILTER: usize = 20;

wire_enum! {
    /// A time-range preset for `createdAt`.
    TimeRange {
        PastDay => "1d", "Past day";
        PastWeek => "7d", "Past week";
        Past30Days => "30d", "Past 30 days";
        Past6Months => "6m", "Past 6 months";
        Custom => "custom", "Custom range";
    }
}

impl TimeRange {
    /// How far back a preset reaches; `None` for a custom range.
    pub fn span(&self) -> Option<Duration> {
        match self {
            TimeRange::PastDay => Some(Duration::days(1)),
            TimeRange::PastWeek => Some(Duration::days(7)),
            TimeRange::Past30Days => Some(Duration::days(30)),
            TimeRange::Past6Months => Some(Duration::days(182)),
            TimeRange::Custom | TimeRange::Unknown(_) => None,
        }
    }
}

/// The state of the page that a link carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ViewState {
    /// Pending or History (`None` reads as Pending).
    pub tab: Option<View>,
    /// Filters, search, sort and page. `query.view` is ignored: the tab decides it.
    pub query: ActionQuery,
    /// A time-range preset; with `Custom`, `query.from` / `query.to` hold the range.
    pub range: Option<TimeRange>,
    /// The action whose flyout is open.
    pub open: Option<String>,
}

impl ViewState {
    /// The tab, Pending when none is set.
    pub fn tab_or_default(&self) -> View {
        self.tab.clone().unwrap_or(View::Pending)
    }

    /// The API query for this view at `now`: the tab becomes `view`, a preset becomes `from`.
    pub fn api_query(&self, now: DateTime<Utc>) -> ActionQuery {
        let mut query = self.query.clone();
        query.view = Some(self.tab_or_default());
        if let Some(span) = self.range.as_ref().and_then(TimeRange::span) {
            query.from = Some(now - span);
            query.to = None;
        }
        query
    }

    /// The URL query string (without `?`); defaults are left out so links stay short.
    pub fn to_url_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(tab) = self.tab.as_ref().filter(|t| **t != View::Pending) {
            pairs.push(("tab", tab.as_str().to_owned()));
        }
        let mut query = self.query.clone();
        query.view = None;
        if matches!(self.range, Some(ref r) if r.span().is_some()) {
            // A preset is relative to "now": the link keeps the preset, not the instant.
            query.from = None;
            query.to = None;
        }
        if let Some(range) = &self.range {
            pairs.push(("range", range.as_str().to_owned()));
        }
        pairs.extend(query.to_pairs());
        if let Some(open) = &self.open {
            pairs.push(("open", open.clone()));
        }
        encode_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// Reads a URL query string (with or without `?`). Never fails: what cannot be understood
    /// is left out.
    pub fn from_url_query(raw: &str) -> ViewState {
        let mut state = ViewState::default();
        for (key, value) in decode_pairs(raw) {
            let value = value.as_str();
            match key.as_str() {
                "tab" => state.tab = View::parse_known(value),
                "range" => state.range = TimeRange::parse_known(value),
                "open" => {
                    state.open = Some(value)
                        .filter(|v| !v.is_empty() && v.chars().count() <= MAX_ID_CHARS)
                        .map(str::to_owned)
                }
                "actionType" => add_known(&mut state.query.action_type, ActionType::parse(value)),
                "status" => add_known(&mut state.query.status, Status::parse(value)),
                "source" => add_known(&mut state.query.source, Source::parse(value)),
                "category" => add_known(&mut state.query.category, Category::parse(value)),
                "entityKind" => add_known(&mut state.query.entity_kind, EntityKind::parse(value)),
                "q" => {
                    let q: String = value.chars().take(MAX_SEARCH_CHARS).collect();
                    state.query.q = Some(q).filter(|q| !q.trim().is_empty());
                }
                "from" => state.query.from = parse_time(value),
                "to" => state.query.to = parse_time(value),
                "sort" => state.query.sort = Sort::parse(value),
                "page" => state.query.page = value.parse().ok().filter(|p: &u32| *p >= 1),
                "pageSize" => {
                    state.query.page_size = value
                        .parse()
                        .ok()
                        .filter(|n: &u32| (1..=MAX_PAGE_SIZE).contains(n))
                }
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (state.query.from, state.query.to) {
            if from > to {
                state.query.from = None;
                state.query.to = None;
            }
        }
        if state.range.is_none() && (state.query.from.is_some() || state.query.to.is_some()) {
            state.range = Some(TimeRange::Custom);
        }
        if state.range.as_ref().is_some_and(|r| r.span().is_some()) {
            // A preset decides `from` itself; bounds beside it would not survive a round trip.
            state.query.from = None;
            state.query.to = None;
        }
        state
    }

    /// Whether any filter or search narrows the list (for "Clear filters").
    pub fn has_filters(&self) -> bool {
        let q = &self.query;
        !(q.action_type.is_empty()
            && q.status.is_empty()
            && q.source.is_empty()
            && q.category.is_empty()
            && q.entity_kind.is_empty()
            && q.q.is_none()
            && q.from.is_none()
            && q.to.is_none()
            && self.range.is_none())
    }

    /// The same view with every filter and the search removed (tab, sort and page size kept).
    pub fn cleared(&self) -> ViewState {
        ViewState {
            tab: self.tab.clone(),
            query: ActionQuery {
                sort: self.query.sort.clone(),
                page_size: self.query.page_size,
                ..ActionQuery::default()
            },
            range: None,
            open: None,
        }
    }
}

/// The query-string keys a view uses; any other key in a URL belongs to someone else.
pub const URL_KEYS: [&str; 14] = [
    "tab",
    "range",
    "open",
    "actionType",
    "status",
    "source",
    "category",
    "entityKind",
    "q",
    "from",
    "to",
    "sort",
    "page",
    "pageSize",
];

/// The query string for the address bar: the host page's own parameters from `current` (keys
/// the view does not use, kept verbatim and in order), then the view's query `ours`.
pub fn merge_into_url_query(current: &str, ours: &str) -> String {
    let foreign = current
        .trim_start_matches('?')
        .split('&')
        .filter(|part| !part.is_empty())
        .filter(|part| {
            let key = part.split_once('=').map_or(*part, |(k, _)| k);
            let decoded = decode_pairs(key).into_iter().next().map(|(k, _)| k);
            !decoded.is_some_and(|k| URL_KEYS.contains(&k.as_str()))
        });
    foreign
        .chain(Some(ours).filter(|q| !q.is_empty()))
        .collect::<Vec<_>>()
        .join("&")
}

fn add_known<T: PartialEq + IsKnown>(into: &mut Vec<T>, value: T) {
    if value.known() && !into.contains(&value) && into.len() < MAX_VALUES_PER_FILTER {
        into.push(value);
    }
}

/// Lets [`add_known`] drop unknown values of any wire enum.
trait IsKnown {
    fn known(&self) -> bool;
}

macro_rules! is_known {
    ($($t:ty),*) => {$(
        impl IsKnown for $t {
            fn known(&self) -> bool {
                self.is_known()
            }
        }
    )*};
}
is_known!(ActionType, Status, Source, Category, EntityKind);

fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::SortKey;

    fn full_state() -> ViewState {
        ViewState {
            tab: Some(View::History),
            query: ActionQuery {
                view: None,
                action_type: vec![ActionType::QuarantineFile, ActionType::IsolateDevice],
                status: vec![Status::Completed, Status::UndoFailed],
                source: vec![Source::Antivirus],
                category: vec![Category::Device],
                entity_kind: vec![EntityKind::File],
                q: Some("invoice.pdf.exe & \"quotes\" <b>#?=%".into()),
                from: Some("2026-01-01T00:00:00Z".parse().unwrap()),
                to: Some("2026-02-01T12:30:00Z".parse().unwrap()),
                sort: Some(Sort {
                    key: SortKey::Asset,
                    descending: false,
                }),
                page: Some(4),
                page_size: Some(100),
            },
            range: Some(TimeRange::Custom),
            open: Some("act_01J9ZQ7&x=1".into()),
        }
    }

    #[test]
    fn every_field_round_trips() {
        let state = full_state();
        let url = state.to_url_query();
        assert_eq!(ViewState::from_url_query(&url), state);
        assert_eq!(ViewState::from_url_query(&format!("?{url}")), state);
    }

    #[test]
    fn the_default_view_is_an_empty_query() {
        assert_eq!(ViewState::default().to_url_query(), "");
        assert_eq!(ViewState::from_url_query(""), ViewState::default());
        assert_eq!(ViewState::default().tab_or_default(), View::Pending);
    }

    #[test]
    fn presets_stay_relative() {
        let state = ViewState {
            range: Some(TimeRange::PastWeek),
            ..ViewState::default()
        };
        let url = state.to_url_query();
        assert_eq!(url, "range=7d");
        let now: DateTime<Utc> = "2026-03-10T00:00:00Z".parse().unwrap();
        let query = ViewState::from_url_query(&url).api_query(now);
        assert_eq!(query.from, Some("2026-03-03T00:00:00Z".parse().unwrap()));
        assert_eq!(query.view, Some(View::Pending));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_dropped() {
        let state = ViewState::from_url_query(
            "tab=everything&utm_source=mail&actionType=wipeDisk&actionType=stopService\
             &status=completed&status=completed&page=0&pageSize=10000&sort=color:up\
             &from=yesterday&range=forever&open=",
        );
        assert_eq!(state.tab, None);
        assert_eq!(state.query.action_type, vec![ActionType::StopService]);
        assert_eq!(state.query.status, vec![Status::Completed]);
        assert_eq!(state.query.page, None);
        assert_eq!(state.query.page_size, None);
        assert_eq!(state.query.sort, None);
        assert_eq!(state.query.from, None);
        assert_eq!(state.range, None);
        assert_eq!(state.open, None);
    }

    #[test]
    fn hostile_values_are_bounded_and_kept_verbatim_as_text() {
        let long = "A".repeat(5000);
        let state = ViewState::from_url_query(&format!(
            "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&open={long}&q2=%00%ff"
        ));
        assert_eq!(state.query.q.as_deref(), Some("<script>alert(1)</script>"));
        assert_eq!(state.open, None);
        let state = ViewState::from_url_query(&format!("q={long}"));
        assert_eq!(state.query.q.map(|q| q.len()), Some(MAX_SEARCH_CHARS));
        let state = ViewState::from_url_query("q=%");
        assert_eq!(state.query.q.as_deref(), Some("%"));
    }

    #[test]
    fn an_inverted_range_is_dropped() {
        let state = ViewState::from_url_query("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
        assert_eq!((state.query.from, state.query.to), (None, None));
    }

    #[test]
    fn each_field_round_trips_alone() {
        let mut states = vec![
            ViewState {
                tab: Some(View::History),
                ..ViewState::default()
            },
            ViewState {
                open: Some("act_01J9".into()),
                ..ViewState::default()
            },
        ];
        for preset in TimeRange::ALL {
            states.push(ViewState {
                range: Some(preset.clone()),
                ..ViewState::default()
            });
        }
        let full = full_state().query;
        let one_field = [
            ActionQuery {
                action_type: full.action_type.clone(),
                ..ActionQuery::default()
            },
            ActionQuery {
                status: full.status.clone(),
                ..ActionQuery::default()
            },
            ActionQuery {
                source: full.source.clone(),
                ..ActionQuery::default()
            },
            ActionQuery {
                category: full.category.clone(),
                ..ActionQuery::default()
            },
            ActionQuery {
                entity_kind: full.entity_kind.clone(),
                ..ActionQuery::default()
            },
            ActionQuery {
                q: full.q.clone(),
                ..ActionQuery::default()
            },
            ActionQuery {
                sort: full.sort.clone(),
                ..ActionQuery::default()
            },
            ActionQuery {
                page: Some(7),
                ..ActionQuery::default()
            },
            ActionQuery {
                page_size: Some(200),
                ..ActionQuery::default()
            },
        ];
        for query in one_field {
            states.push(ViewState {
                query,
                ..ViewState::default()
            });
        }
        for key in SortKey::ALL {
            for descending in [false, true] {
                states.push(ViewState {
                    query: ActionQuery {
                        sort: Some(Sort {
                            key: key.clone(),
                            descending,
                        }),
                        ..ActionQuery::default()
                    },
                    ..ViewState::default()
                });
            }
        }
        for state in states {
            let url = state.to_url_query();
            assert!(!url.is_empty(), "{state:?}");
            assert_eq!(ViewState::from_url_query(&url), state, "{url}");
        }
    }

    #[test]
    fn every_filter_value_round_trips() {
        let state = ViewState {
            tab: Some(View::History),
            query: ActionQuery {
                action_type: ActionType::ALL.to_vec(),
                status: Status::ALL.to_vec(),
                source: Source::ALL.to_vec(),
                category: Category::ALL.to_vec(),
                entity_kind: EntityKind::ALL.to_vec(),
                ..ActionQuery::default()
            },
            ..ViewState::default()
        };
        assert_eq!(ViewState::from_url_query(&state.to_url_query()), state);
    }

    #[test]
    fn unknown_keys_change_nothing() {
        let plain = ViewState::from_url_query("tab=history&status=failed&page=2");
        let noisy = ViewState::from_url_query(
            "utm_source=mail&tab=history&fbclid=x&status=failed&&=&page=2&view=pending\
             &__proto__=1&constructor=2&page_size=9&Tab=pending&STATUS=completed",
        );
        assert_eq!(noisy, plain);
        // The view comes from the tab, never from an API key smuggled into the link.
        assert_eq!(noisy.query.view, None);
    }

    #[test]
    fn hostile_links_never_panic_and_stay_bounded() {
        let many = "actionType=stopService&".repeat(10_000);
        let state = ViewState::from_url_query(&many);
        assert_eq!(state.query.action_type, vec![ActionType::StopService]);
        for raw in [
            "%",
            "%%%",
            "=",
            "&&&",
            "?",
            "??tab=history",
            "tab",
            "tab=",
            "page=-1",
            "page=4294967296",
            "page=1e3",
            "pageSize=0",
            "pageSize=201",
            "sort=:desc",
            "sort=asset:",
            "sort=asset:DESC",
            "from=2026-13-01T00:00:00Z",
            "to=9999999-01-01",
            "q=%F0%9F%92%A3%00%0A",
            "open=%0A",
            "range=%00",
            "range=7d&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z",
            "\u{0}=\u{0}",
        ] {
            let state = ViewState::from_url_query(raw);
            // Whatever survives serializes and reads back the same.
            assert_eq!(
                ViewState::from_url_query(&state.to_url_query()),
                state,
                "{raw}"
            );
        }
        // Ids and search text are kept as text (the views render text and encode path
        // segments), never interpreted.
        let state = ViewState::from_url_query("open=..%2F..%2Fme&q=javascript%3Aalert(1)");
        assert_eq!(state.open.as_deref(), Some("../../me"));
        assert_eq!(state.query.q.as_deref(), Some("javascript:alert(1)"));
        // A blank search is no search.
        assert_eq!(ViewState::from_url_query("q=+++").query.q, None);
    }

    #[test]
    fn the_last_value_of_a_single_key_wins() {
        let state = ViewState::from_url_query("tab=history&tab=pending&page=2&page=5");
        assert_eq!(state.tab, Some(View::Pending));
        assert_eq!(state.query.page, Some(5));
        // Pending is the default tab, so the link leaves it out.
        assert_eq!(state.to_url_query(), "page=5");
    }

    #[test]
    fn a_custom_range_without_bounds_is_kept() {
        let state = ViewState::from_url_query("range=custom&from=2026-01-01T00:00:00Z");
        assert_eq!(state.range, Some(TimeRange::Custom));
        assert_eq!(ViewState::from_url_query(&state.to_url_query()), state);
        let only_bounds = ViewState::from_url_query("to=2026-01-01T00:00:00Z");
        assert_eq!(only_bounds.range, Some(TimeRange::Custom));
    }

    // Native only: proptest does not build for wasm32-unknown-unknown.
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_text_survives_the_round_trip(
            q in "\\PC{1,200}",
            open in "\\PC{1,100}",
            page in 1u32..100_000,
            size in 1u32..=200,
        ) {
            let state = ViewState {
                tab: Some(View::History),
                query: ActionQuery {
                    q: Some(q.clone()).filter(|q| !q.trim().is_empty()),
                    page: Some(page),
                    page_size: Some(size),
                    ..ActionQuery::default()
                },
                range: None,
                open: Some(open),
            };
            proptest::prop_assert_eq!(ViewState::from_url_query(&state.to_url_query()), state);
        }

        #[test]
        fn any_input_parses_without_panic(raw in "\\PC{0,400}") {
            let state = ViewState::from_url_query(&raw);
            proptest::prop_assert_eq!(
                ViewState::from_url_query(&state.to_url_query()),
                state
            );
        }
    }

    #[test]
    fn the_host_keeps_its_own_parameters() {
        assert_eq!(
            merge_into_url_query("?mount=manual&tab=history&x=%20y&open=a", "q=fin"),
            "mount=manual&x=%20y&q=fin"
        );
        assert_eq!(merge_into_url_query("", "tab=history"), "tab=history");
        assert_eq!(merge_into_url_query("?tab=history", ""), "");
        assert_eq!(merge_into_url_query("?a&&b=", ""), "a&b=");
        // Every key the view writes is one it owns.
        let url = full_state().to_url_query();
        assert_eq!(merge_into_url_query(&url, ""), "");
    }

    #[test]
    fn clearing_keeps_tab_sort_and_page_size() {
        let state = full_state();
        assert!(state.has_filters());
        let cleared = state.cleared();
        assert!(!cleared.has_filters());
        assert_eq!(cleared.tab, state.tab);
        assert_eq!(cleared.query.sort, state.query.sort);
        assert_eq!(cleared.query.page_size, Some(100));
        assert_eq!(cleared.query.page, None);
    }
}
