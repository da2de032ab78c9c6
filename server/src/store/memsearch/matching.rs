//! Which slots a search matches: every whole word's posting list and one of the prefix's, walked
//! from the shortest list (each other list is searched forward from where it last stopped), then
//! the query's filters on the slot's columns.

use action_center_core::{ActionQuery, Status, View};

use super::super::list::{undoable_types, Search};
use super::index::{Attrs, Index, Values};

/// One filter dimension: which of its values are kept (`None`: all).
struct Kept(Option<Vec<bool>>);

impl Kept {
    fn of<'a>(values: &Values, wanted: impl IntoIterator<Item = &'a str>) -> Kept {
        let mut kept = vec![false; values.len()];
        let mut any = false;
        for name in wanted {
            any = true;
            if let Some(n) = values.get(name) {
                kept[n as usize] = true;
            }
        }
        Kept(any.then_some(kept))
    }

    fn keeps(&self, n: u16) -> bool {
        match &self.0 {
            None => true,
            Some(kept) => kept.get(n as usize).copied().unwrap_or(false),
        }
    }

    /// Both must keep a value.
    fn and(self, other: Kept) -> Kept {
        match (self.0, other.0) {
            (None, o) => Kept(o),
            (s, None) => Kept(s),
            (Some(a), Some(b)) => Kept(Some(a.iter().zip(b).map(|(x, y)| *x && y).collect())),
        }
    }
}

/// The query's filter over a slot's columns (view, statuses, types, sources, categories,
/// entity kinds, time range).
pub struct SlotFilter {
    pending: Option<bool>,
    status: Kept,
    action_type: Kept,
    source: Kept,
    category: Kept,
    entity_kind: Kept,
    from: Option<i64>,
    to: Option<i64>,
}

impl SlotFilter {
    pub fn new(index: &Index, q: &ActionQuery) -> SlotFilter {
        let d = &index.dims;
        let mut status = Kept::of(&d.status, q.status.iter().map(|s| s.as_str()));
        let mut action_type = Kept::of(&d.action_type, q.action_type.iter().map(|t| t.as_str()));
        let pending = match q.view {
            Some(View::Pending) => Some(true),
            Some(View::History) => Some(false),
            Some(View::Contained) => {
                status = status.and(Kept::of(&d.status, [Status::Completed.as_str()]));
                action_type = action_type.and(Kept::of(&d.action_type, undoable_types()));
                Some(false)
            }
            // An unknown view is refused before a store sees it; both views otherwise.
            _ => None,
        };
        SlotFilter {
            pending,
            status,
            action_type,
            source: Kept::of(&d.source, q.source.iter().map(|s| s.as_str())),
            category: Kept::of(&d.category, q.category.iter().map(|c| c.as_str())),
            entity_kind: Kept::of(&d.entity_kind, q.entity_kind.iter().map(|k| k.as_str())),
            from: q.from.map(|t| t.timestamp_millis()),
            to: q.to.map(|t| t.timestamp_millis()),
        }
    }

    /// A filter that keeps every slot.
    #[cfg(test)]
    pub fn everything() -> SlotFilter {
        SlotFilter {
            pending: None,
            status: Kept(None),
            action_type: Kept(None),
            source: Kept(None),
            category: Kept(None),
            entity_kind: Kept(None),
            from: None,
            to: None,
        }
    }

    fn keeps_attrs(&self, a: &Attrs) -> bool {
        self.pending.is_none_or(|p| p == a.pending)
            && self.status.keeps(a.status)
            && self.action_type.keeps(a.action_type)
            && self.source.keeps(a.source)
            && self.category.keeps(a.category)
            && self.entity_kind.keeps(a.entity_kind)
    }

    /// Whether the filter keeps `slot`.
    pub fn keeps(&self, index: &Index, slot: u32) -> bool {
        let i = slot as usize;
        if !self.keeps_attrs(&index.attrs[i]) {
            return false;
        }
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        let created = index.created_at[i];
        self.from.is_none_or(|f| created >= f) && self.to.is_none_or(|t| created < t)
    }
}

/// The slots holding one of several words, as bits.
struct SlotSet {
    bits: Vec<u64>,
}

impl SlotSet {
    fn union_of<'a>(slots: usize, lists: impl Iterator<Item = &'a [u32]>) -> SlotSet {
        let mut bits = vec![0u64; slots.div_ceil(64)];
        for list in lists {
            for s in list {
                bits[*s as usize >> 6] |= 1 << (s & 63);
            }
        }
        SlotSet { bits }
    }

    fn contains(&self, slot: u32) -> bool {
        self.bits
            .get(slot as usize >> 6)
            .is_some_and(|w| w & (1 << (slot & 63)) != 0)
    }

    fn each(&self, mut f: impl FnMut(u32) -> bool) {
        for (i, word) in self.bits.iter().enumerate() {
            let mut w = *word;
            while w != 0 {
                let bit = w.trailing_zeros();
                if !f(((i as u32) << 6) | bit) {
                    return;
                }
                w &= w - 1;
            }
        }
    }
}

/// The first position at or after `from` whose slot is at least `target` (galloping: cheap
/// when the next match is near, logarithmic when it is far).
fn seek(list: &[u32], from: usize, target: u32) -> usize {
    let mut step = 1;
    let mut lo = from;
    let mut hi = from;
    while hi < list.len() && list[hi] < target {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    let hi = hi.min(list.len());
    lo + list[lo..hi].partition_point(|s| *s < target)
}

/// The words' slots, ready to be walked.
enum Candidates<'a> {
    Nothing,
    /// Slots in every list (and, if set, the prefix's set).
    Lists(Vec<&'a [u32]>, Option<SlotSet>),
    /// Slots in the prefix's set alone.
    Set(SlotSet),
}

fn candidates<'a>(index: &'a Index, search: &Search) -> Candidates<'a> {
    let Search::Words { whole, prefix } = search else {
        return Candidates::Nothing;
    };
    let mut lists: Vec<&[u32]> = Vec::with_capacity(whole.len() + 1);
    for w in whole {
        match index.vocabulary.get(w.as_str()) {
            Some(t) => lists.push(&index.postings[*t as usize]),
            None => return Candidates::Nothing,
        }
    }
    let begun: Vec<&[u32]> = index
        .vocabulary
        .range::<str, _>((
            std::ops::Bound::Included(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(w, _)| w.starts_with(prefix.as_str()))
        .map(|(_, t)| index.postings[*t as usize].as_slice())
        .filter(|l| !l.is_empty())
        .collect();
    let set = match begun.len() {
        0 => return Candidates::Nothing,
        1 => {
            lists.push(begun[0]);
            None
        }
        _ => Some(SlotSet::union_of(index.len(), begun.into_iter())),
    };
    if lists.iter().any(|l| l.is_empty()) {
        return Candidates::Nothing;
    }
    match (lists.is_empty(), set) {
        (true, Some(set)) => Candidates::Set(set),
        (true, None) => Candidates::Nothing,
        (false, set) => {
            lists.sort_by_key(|l| l.len());
            Candidates::Lists(lists, set)
        }
    }
}

/// Calls `f` with every slot that matches the search and the filter, in slot order, until it
/// returns false.
pub fn each_match(
    index: &Index,
    search: &Search,
    filter: &SlotFilter,
    mut f: impl FnMut(u32) -> bool,
) {
    match candidates(index, search) {
        Candidates::Nothing => {}
        Candidates::Set(set) => set.each(|slot| !filter.keeps(index, slot) || f(slot)),
        Candidates::Lists(lists, set) => {
            let Some((driver, others)) = lists.split_first() else {
                return;
            };
            let mut at = vec![0usize; others.len()];
            'slots: for &slot in driver.iter() {
                for (list, pos) in others.iter().zip(at.iter_mut()) {
                    *pos = seek(list, *pos, slot);
                    if *pos >= list.len() {
                        break 'slots;
                    }
                    if list[*pos] != slot {
                        continue 'slots;
                    }
                }
                if set.as_ref().is_some_and(|s| !s.contains(slot)) {
                    continue;
                }
                if filter.keeps(index, slot) && !f(slot) {
                    return;
                }
            }
        }
    }
}
