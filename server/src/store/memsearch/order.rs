//! A page of the matches in list order, as PostgreSQL orders the list: the sort column (bytes
//! compared, NULL first ascending and last descending), then the id, both in the sort's
//! direction.
//!
//! Sorting every match to keep one page would compare strings millions of times for a common
//! word. Instead each slot has a number per sort column that orders as the column does (times
//! as they are, filter values by rank, text by its order label), and the id's first 16 bytes:
//! the page is found by selecting on the column's number, then, among the matches that tie at
//! the page's edge, on the id's, and only the few left are compared in full.

use std::cmp::Ordering;

use action_center_core::{Sort, SortKey};

use super::index::{Index, Values};

/// A millisecond time as an unsigned number in the same order, above 0 (which is NULL).
fn time_key(ms: i64) -> u64 {
    ((ms as u64) ^ (1 << 63)).max(1)
}

/// The ranks of a dimension's values in byte order of their names.
fn ranks(values: &Values) -> Vec<u64> {
    let mut order: Vec<u16> = (0..values.len() as u16).collect();
    order.sort_by(|a, b| values.name(*a).cmp(values.name(*b)));
    let mut ranks = vec![0u64; values.len()];
    for (rank, n) in order.into_iter().enumerate() {
        ranks[n as usize] = rank as u64;
    }
    ranks
}

/// The sort column of a slot, as compared in full.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Value<'a> {
    Time(Option<i64>),
    Text(Option<&'a str>),
}

/// How one sort orders slots.
pub struct Order<'a> {
    index: &'a Index,
    key: SortKey,
    descending: bool,
    /// For a sort by a filter dimension: each value's rank.
    ranks: Vec<u64>,
}

impl<'a> Order<'a> {
    pub fn new(index: &'a Index, sort: &Sort) -> Order<'a> {
        let d = &index.dims;
        let ranks = match sort.key {
            SortKey::ActionType => ranks(&d.action_type),
            SortKey::Status => ranks(&d.status),
            SortKey::Source => ranks(&d.source),
            SortKey::Category => ranks(&d.category),
            _ => Vec::new(),
        };
        Order {
            index,
            key: sort.key.clone(),
            descending: sort.descending,
            ranks,
        }
    }

    fn value(&self, slot: u32) -> Value<'a> {
        let i = slot as usize;
        let ix = self.index;
        let (d, t) = (&ix.dims, &ix.text);
        let a = &ix.attrs[i];
        match self.key {
            SortKey::UpdatedAt => Value::Time(Some(ix.updated_at[i])),
            SortKey::CreatedAt => Value::Time(Some(ix.created_at[i])),
            SortKey::ExpiresAt => Value::Time(ix.expires_at[i]),
            SortKey::ActionType => Value::Text(Some(d.action_type.name(a.action_type))),
            SortKey::Status => Value::Text(Some(d.status.name(a.status))),
            SortKey::Source => Value::Text(Some(d.source.name(a.source))),
            SortKey::Category => Value::Text(Some(d.category.name(a.category))),
            SortKey::Asset => Value::Text(t.asset.name(ix.asset[i])),
            SortKey::Entity => Value::Text(t.entity.name(ix.entity[i])),
            SortKey::DecidedBy => Value::Text(t.decided_by.name(ix.decided_by[i])),
            SortKey::InvestigationId => Value::Text(t.investigation.name(ix.investigation[i])),
            SortKey::Id | SortKey::Unknown(_) => Value::Text(None),
        }
    }

    /// List order of two slots.
    pub fn compare(&self, a: u32, b: u32) -> Ordering {
        let o = self
            .value(a)
            .cmp(&self.value(b))
            .then_with(|| self.index.ids[a as usize].cmp(&self.index.ids[b as usize]));
        if self.descending {
            o.reverse()
        } else {
            o
        }
    }

    fn rank(&self, n: u16) -> u64 {
        self.ranks.get(n as usize).copied().unwrap_or(0)
    }

    /// The sort column as a number in list order: equal numbers are equal values (but for the
    /// id sort, where they are equal 16-byte prefixes).
    pub fn column_key(&self, slot: u32) -> u128 {
        let i = slot as usize;
        let ix = self.index;
        let t = &ix.text;
        let a = &ix.attrs[i];
        let k: u128 = match self.key {
            SortKey::UpdatedAt => time_key(ix.updated_at[i]).into(),
            SortKey::CreatedAt => time_key(ix.created_at[i]).into(),
            SortKey::ExpiresAt => ix.expires_at[i].map_or(0, time_key).into(),
            SortKey::ActionType => self.rank(a.action_type).into(),
            SortKey::Status => self.rank(a.status).into(),
            SortKey::Source => self.rank(a.source).into(),
            SortKey::Category => self.rank(a.category).into(),
            SortKey::Asset => t.asset.label(ix.asset[i]).into(),
            SortKey::Entity => t.entity.label(ix.entity[i]).into(),
            SortKey::DecidedBy => t.decided_by.label(ix.decided_by[i]).into(),
            SortKey::InvestigationId => t.investigation.label(ix.investigation[i]).into(),
            SortKey::Id | SortKey::Unknown(_) => ix.id_prefixes[i],
        };
        if self.descending {
            !k
        } else {
            k
        }
    }

    /// The id's first 16 bytes as a number in list order (among equal columns).
    pub fn id_key(&self, slot: u32) -> u128 {
        let k = self.index.id_prefixes[slot as usize];
        if self.descending {
            !k
        } else {
            k
        }
    }

    /// The slots at `offset..offset + size` of `matches` in list order.
    pub fn page(&self, matches: &[u32], offset: usize, size: usize) -> Vec<u32> {
        let end = offset.saturating_add(size);
        if offset >= matches.len() || size == 0 {
            return Vec::new();
        }
        let mut chosen: Vec<u32> = if end >= matches.len() {
            matches.to_vec()
        } else {
            let (mut chosen, edge) = smallest(matches, end, |s| self.column_key(s));
            let (before, at) = smallest(&edge, end - chosen.len(), |s| self.id_key(s));
            chosen.extend(before);
            chosen.extend(at);
            chosen
        };
        chosen.sort_unstable_by(|a, b| self.compare(*a, *b));
        chosen.truncate(end);
        chosen.drain(..offset);
        chosen
    }
}

/// Matches this many or fewer are selected on directly; past it, on a sample's estimate first.
const SELECT_DIRECTLY: usize = 4096;
/// Keys sampled to estimate the bound.
const SAMPLE: usize = 1024;

/// With `bound` the `k`-th smallest key of `items` (1 ≤ `k` ≤ its length): the items whose key
/// is below it (fewer than `k`), and those whose key equals it.
pub fn smallest<K: Ord + Copy>(
    items: &[u32],
    k: usize,
    key: impl Fn(u32) -> K,
) -> (Vec<u32>, Vec<u32>) {
    if k >= items.len() {
        return (items.to_vec(), Vec::new());
    }
    let mut keyed = candidates(items, k, &key);
    let (_, edge, _) = keyed.select_nth_unstable_by_key(k - 1, |p| p.0);
    let bound = edge.0;
    let mut below = Vec::with_capacity(k);
    let mut at = Vec::new();
    for (kv, slot) in keyed {
        match kv.cmp(&bound) {
            Ordering::Less => below.push(slot),
            Ordering::Equal => at.push(slot),
            Ordering::Greater => {}
        }
    }
    (below, at)
}

/// The keyed items that may be among the `k` smallest: all of them, or, for many, those at or
/// below a bound estimated from an evenly spread sample (checked: at least `k` of them).
fn candidates<K: Ord + Copy>(items: &[u32], k: usize, key: &impl Fn(u32) -> K) -> Vec<(K, u32)> {
    let all = || items.iter().map(|s| (key(*s), *s)).collect();
    if items.len() <= SELECT_DIRECTLY {
        return all();
    }
    let stride = items.len() / SAMPLE;
    let mut sample: Vec<K> = (0..SAMPLE).map(|i| key(items[i * stride])).collect();
    sample.sort_unstable();
    // A quarter more than the share of the sample the page takes, and a few, so that the
    // estimate rarely falls short.
    let share = (k as f64 / items.len() as f64 * SAMPLE as f64 * 1.25).ceil() as usize + 8;
    let Some(estimate) = sample.get(share).copied() else {
        return all();
    };
    let kept: Vec<(K, u32)> = items
        .iter()
        .filter_map(|s| {
            let kv = key(*s);
            (kv <= estimate).then_some((kv, *s))
        })
        .collect();
    if kept.len() >= k {
        kept
    } else {
        all()
    }
}
