//! The list query (`GET /actions`, `/actions/facets`, `/actions/export.csv`) as one typed value,
//! with its query-string form. The app builds requests with it; the server parses them with it,
//! so the two can never drift apart.

use chrono::{DateTime, Utc};

use crate::api::{FieldError, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::model::{ActionType, Category, EntityKind, Source, Status};
use crate::wire_enum::wire_enum;

/// Longest search text accepted.
pub const MAX_SEARCH_CHARS: usize = 200;

wire_enum! {
    /// Which tab: awaiting a decision, everything else, or what is in force now.
    View {
        Pending => "pending", "Pending";
        History => "history", "History";
        Contained => "contained", "Contained";
    }
}

impl View {
    /// Whether `action` belongs to this view (containment: completed actions of an undoable
    /// type — in force until undone).
    pub fn holds(&self, action_type: &ActionType, status: &Status) -> bool {
        match self {
            View::Contained => action_type.is_undoable() && *status == Status::Completed,
            other => other.contains(status),
        }
    }

    /// Whether an action with `status` belongs to this view (for containment, of an undoable
    /// type: see [`View::holds`]).
    pub fn contains(&self, status: &Status) -> bool {
        match self {
            View::Pending => status.is_pending(),
            View::History => !status.is_pending(),
            View::Contained => *status == Status::Completed,
            View::Unknown(_) => false,
        }
    }
}

wire_enum! {
    /// A sortable column.
    SortKey {
        UpdatedAt => "updatedAt", "Updated";
        CreatedAt => "createdAt", "Created";
        ExpiresAt => "expiresAt", "Expires";
        ActionType => "actionType", "Action type";
        Status => "status", "Status";
        Source => "source", "Source";
        Category => "category", "Category";
        Asset => "asset", "Asset";
        Entity => "entity", "Entity";
        DecidedBy => "decidedBy", "Decided by";
        InvestigationId => "investigationId", "Investigation";
        Id => "id", "Action id";
    }
}

/// A sort order: a column and a direction (`id` breaks ties).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sort {
    /// The column.
    pub key: SortKey,
    /// Largest first.
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::UpdatedAt,
            descending: true,
        }
    }
}

impl Sort {
    /// `updatedAt:desc` form.
    pub fn to_param(&self) -> String {
        format!(
            "{}:{}",
            self.key.as_str(),
            if self.descending { "desc" } else { "asc" }
        )
    }

    /// Parses `key`, `key:asc` or `key:desc`; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Sort> {
        let (key, dir) = raw.split_once(':').unwrap_or((raw, "asc"));
        let key = SortKey::parse_known(key)?;
        let descending = match dir {
            "asc" => false,
            "desc" => true,
            _ => return None,
        };
        Some(Sort { key, descending })
    }
}

/// Filters, sort and page of a list request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionQuery {
    /// Pending or History; `None` for both.
    pub view: Option<View>,
    /// Any of these action types (empty: all).
    pub action_type: Vec<ActionType>,
    /// Any of these statuses (empty: all).
    pub status: Vec<Status>,
    /// Any of these sources (empty: all).
    pub source: Vec<Source>,
    /// Any of these categories (empty: all).
    pub category: Vec<Category>,
    /// Any of these entity kinds (empty: all).
    pub entity_kind: Vec<EntityKind>,
    /// Free text over id, asset, entity and investigation id.
    pub q: Option<String>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// Sort order (`None`: `updatedAt:desc`).
    pub sort: Option<Sort>,
    /// 1-based page (`None`: 1).
    pub page: Option<u32>,
    /// Rows per page (`None`: 50).
    pub page_size: Option<u32>,
}

impl ActionQuery {
    /// The effective sort order.
    pub fn sort_or_default(&self) -> Sort {
        self.sort.clone().unwrap_or_default()
    }

    /// The effective 1-based page.
    pub fn page_or_default(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    /// The effective page size.
    pub fn page_size_or_default(&self) -> u32 {
        self.page_size
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE)
    }

    /// The query as `(key, value)` pairs, repeatable keys repeated, defaults left out.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(view) = &self.view {
            pairs.push(("view", view.as_str().to_owned()));
        }
        let mut push_all = |key: &'static str, values: Vec<&str>| {
            pairs.extend(values.into_iter().map(|v| (key, v.to_owned())));
        };
        push_all(
            "actionType",
            self.action_type.iter().map(|v| v.as_str()).collect(),
        );
        push_all("status", self.status.iter().map(|v| v.as_str()).collect());
        push_all("source", self.source.iter().map(|v| v.as_str()).collect());
        push_all(
            "category",
            self.category.iter().map(|v| v.as_str()).collect(),
        );
        push_all(
            "entityKind",
            self.entity_kind.iter().map(|v| v.as_str()).collect(),
        );
        if let Some(q) = self.q.as_deref().filter(|q| !q.trim().is_empty()) {
            pairs.push(("q", q.to_owned()));
        }
        if let Some(from) = self.from {
            pairs.push(("from", from.to_rfc3339()));
        }
        if let Some(to) = self.to {
            pairs.push(("to", to.to_rfc3339()));
        }
        if let Some(sort) = &self.sort {
            pairs.push(("sort", sort.to_param()));
        }
        if let Some(page) = self.page {
            pairs.push(("page", page.to_string()));
        }
        if let Some(size) = self.page_size {
            pairs.push(("pageSize", size.to_string()));
        }
        pairs
    }

    /// The query string without `?`, percent-encoded.
    pub fn to_query_string(&self) -> String {
        encode_pairs(self.to_pairs().iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// Parses decoded pairs strictly, as the server must: unknown keys, unknown enum values,
    /// bad numbers and bad timestamps are reported per field.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<ActionQuery, Vec<FieldError>> {
        let mut query = ActionQuery::default();
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.to_owned(),
                message,
            })
        };
        for (key, value) in pairs {
            match key {
                "view" => match View::parse_known(value) {
                    Some(v) => query.view = Some(v),
                    None => bad(key, format!("unknown view '{value}' (pending or history)")),
                },
                "actionType" => push_known(&mut query.action_type, key, value, &mut bad),
                "status" => push_known(&mut query.status, key, value, &mut bad),
                "source" => push_known(&mut query.source, key, value, &mut bad),
                "category" => push_known(&mut query.category, key, value, &mut bad),
                "entityKind" => push_known(&mut query.entity_kind, key, value, &mut bad),
                "q" => {
                    if value.chars().count() > MAX_SEARCH_CHARS {
                        bad(key, format!("at most {MAX_SEARCH_CHARS} characters"));
                    } else if !value.trim().is_empty() {
                        query.q = Some(value.to_owned());
                    }
                }
                "from" | "to" => match DateTime::parse_from_rfc3339(value) {
                    Ok(t) => {
                        let t = t.with_timezone(&Utc);
                        if key == "from" {
                            query.from = Some(t)
                        } else {
                            query.to = Some(t)
                        }
                    }
                    Err(_) => bad(key, format!("'{value}' is not an RFC 3339 timestamp")),
                },
                "sort" => match Sort::parse(value) {
                    Some(s) => query.sort = Some(s),
                    None => bad(key, format!("'{value}' is not a sort (column:asc|desc)")),
                },
                "page" => match value.parse::<u32>() {
                    Ok(p) if p >= 1 => query.page = Some(p),
                    _ => bad(key, format!("'{value}' is not a page number (1 or more)")),
                },
                "pageSize" => match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => query.page_size = Some(n),
                    _ => bad(
                        key,
                        format!("'{value}' is not a page size (1 to {MAX_PAGE_SIZE})"),
                    ),
                },
                other => bad(other, "unknown query parameter".to_owned()),
            }
        }
        if let (Some(from), Some(to)) = (query.from, query.to) {
            if from > to {
                bad("from", "'from' is after 'to'".to_owned());
            }
        }
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }
}

/// Implemented by wire enums so that the parser can push known values generically.
trait KnownValue: Sized {
    fn parse_known_value(raw: &str) -> Option<Self>;
}

macro_rules! known_value {
    ($($t:ty),*) => {$(
        impl KnownValue for $t {
            fn parse_known_value(raw: &str) -> Option<Self> {
                <$t>::parse_known(raw)
            }
        }
    )*};
}
known_value!(ActionType, Status, Source, Category, EntityKind);

fn push_known<T: KnownValue + PartialEq>(
    into: &mut Vec<T>,
    key: &str,
    value: &str,
    bad: &mut impl FnMut(&str, String),
) {
    match T::parse_known_value(value) {
        Some(v) if !into.contains(&v) => into.push(v),
        Some(_) => {}
        None => bad(key, format!("unknown value '{value}'")),
    }
}

/// Percent-encodes `(key, value)` pairs as `application/x-www-form-urlencoded`.
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (i, (key, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(key, &mut out);
        out.push('=');
        encode_component(value, &mut out);
    }
    out
}

fn encode_component(raw: &str, out: &mut String) {
    for byte in raw.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[(other >> 4) as usize] as char);
                out.push(HEX[(other & 0xF) as usize] as char);
            }
        }
    }
}

/// Decodes an `application/x-www-form-urlencoded` string into pairs (invalid UTF-8 is replaced).
pub fn decode_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_query_round_trips() {
        let query = ActionQuery {
            view: Some(View::History),
            action_type: vec![ActionType::QuarantineFile, ActionType::StopService],
            status: vec![Status::Completed],
            source: vec![Source::Antivirus],
            category: vec![Category::Device],
            entity_kind: vec![EntityKind::File],
            q: Some("invoice.pdf.exe & <script>".into()),
            from: Some("2026-01-01T00:00:00Z".parse().unwrap()),
            to: Some("2026-02-01T00:00:00Z".parse().unwrap()),
            sort: Some(Sort {
                key: SortKey::Asset,
                descending: false,
            }),
            page: Some(3),
            page_size: Some(100),
        };
        let encoded = query.to_query_string();
        let pairs = decode_pairs(&encoded);
        let parsed =
            ActionQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(parsed, query);
    }

    #[test]
    fn strict_parsing_reports_each_bad_field() {
        let errors = ActionQuery::from_pairs([
            ("view", "everything"),
            ("actionType", "wipe"),
            ("pageSize", "500"),
            ("page", "0"),
            ("sort", "color:up"),
            ("from", "yesterday"),
            ("bogus", "1"),
        ])
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "view",
                "actionType",
                "pageSize",
                "page",
                "sort",
                "from",
                "bogus"
            ]
        );
    }

    #[test]
    fn defaults() {
        let q = ActionQuery::default();
        assert_eq!(q.page_or_default(), 1);
        assert_eq!(q.page_size_or_default(), 50);
        assert_eq!(q.sort_or_default().to_param(), "updatedAt:desc");
        assert_eq!(q.to_query_string(), "");
    }

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(decode_pairs("q=%"), vec![("q".into(), "%".into())]);
        assert_eq!(decode_pairs("q=%zz"), vec![("q".into(), "%zz".into())]);
        assert_eq!(
            decode_pairs("q=%e2%82%ac+x"),
            vec![("q".into(), "€ x".into())]
        );
        assert_eq!(decode_pairs("q=%ff"), vec![("q".into(), "\u{fffd}".into())]);
    }
}
