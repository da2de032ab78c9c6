//! The selection: the ids of the selected actions (at most a page, 200 rows), owned in one
//! place and pruned when the list changes.
//!
//! Rows ask "am I selected?" through [`Selection::is_selected`], a signal of their own (like
//! Leptos's `Selector`): selecting one row, or all 200, wakes only the rows whose answer changed,
//! and each row's answer costs O(1) — not a scan of the whole selection per row.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;

/// What is selected: in the order it was selected, and as a set for O(log n) membership.
#[derive(Default)]
struct Chosen {
    order: Vec<String>,
    set: BTreeSet<String>,
}

/// The ids of the selected rows. Never row indices: rows move when the list refetches.
#[derive(Clone, Copy)]
pub struct Selection {
    chosen: RwSignal<Chosen>,
    /// One flag per row that asked, keyed by id: what wakes that row, and only that row.
    flags: StoredValue<BTreeMap<String, ArcRwSignal<bool>>>,
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Selection")
    }
}

impl Default for Selection {
    fn default() -> Self {
        Self::new()
    }
}

impl Selection {
    /// An empty selection.
    pub fn new() -> Self {
        Selection {
            chosen: RwSignal::new(Chosen::default()),
            flags: StoredValue::new(BTreeMap::new()),
        }
    }

    /// Whether `id` is selected, as a signal that changes only when that answer does.
    pub fn is_selected(&self, id: &str) -> ArcReadSignal<bool> {
        let selected = self.chosen.with_untracked(|c| c.set.contains(id));
        self.flags
            .try_update_value(|flags| {
                flags
                    .entry(id.to_owned())
                    .or_insert_with(|| ArcRwSignal::new(selected))
                    .read_only()
            })
            .unwrap_or_else(|| ArcRwSignal::new(selected).read_only())
    }

    /// Whether `id` is selected (tracked: reruns on any change of the selection).
    pub fn contains(&self, id: &str) -> bool {
        self.chosen.with(|c| c.set.contains(id))
    }

    /// How many rows are selected (tracked).
    pub fn len(&self) -> usize {
        self.chosen.with(|c| c.order.len())
    }

    /// Whether nothing is selected (tracked).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The selected ids, in the order they were selected (tracked).
    pub fn ids(&self) -> Vec<String> {
        self.chosen.with(|c| c.order.clone())
    }

    /// Reads the selected ids as a set (tracked).
    pub fn with_set<R>(&self, f: impl FnOnce(&BTreeSet<String>) -> R) -> R {
        self.chosen.with(|c| f(&c.set))
    }

    /// Selects or deselects one row.
    pub fn set(&self, id: &str, selected: bool) {
        let already = self.chosen.with_untracked(|c| c.set.contains(id));
        if already == selected {
            return;
        }
        self.chosen.update(|c| {
            if selected {
                c.set.insert(id.to_owned());
                c.order.push(id.to_owned());
            } else {
                c.set.remove(id);
                c.order.retain(|x| x != id);
            }
        });
        self.flag(id, selected);
    }

    /// Selects exactly these rows.
    pub fn replace(&self, ids: impl IntoIterator<Item = String>) {
        let mut next = Chosen::default();
        for id in ids {
            if next.set.insert(id.clone()) {
                next.order.push(id);
            }
        }
        self.swap(next);
    }

    /// Deselects everything.
    pub fn clear(&self) {
        if self.chosen.with_untracked(|c| !c.order.is_empty()) {
            self.swap(Chosen::default());
        }
    }

    /// Keeps only ids that are still listed; writes only when something was dropped. Flags of
    /// rows no longer listed are forgotten.
    pub fn prune<'a>(&self, listed: impl IntoIterator<Item = &'a str>) {
        let listed: BTreeSet<&str> = listed.into_iter().collect();
        self.flags.try_update_value(|flags| {
            flags.retain(|id, _| listed.contains(id.as_str()));
        });
        let stale = self
            .chosen
            .with_untracked(|c| c.order.iter().any(|id| !listed.contains(id.as_str())));
        if stale {
            let kept = self.chosen.with_untracked(|c| {
                c.order
                    .iter()
                    .filter(|id| listed.contains(id.as_str()))
                    .cloned()
                    .collect::<Vec<_>>()
            });
            self.replace(kept);
        }
    }

    /// Makes `next` the selection and wakes exactly the rows whose answer changed.
    fn swap(&self, next: Chosen) {
        let before = self
            .chosen
            .try_update(|c| std::mem::replace(c, next))
            .unwrap_or_default();
        let after = self.chosen.with_untracked(|c| c.set.clone());
        for id in before.set.symmetric_difference(&after) {
            self.flag(id, after.contains(id));
        }
    }

    fn flag(&self, id: &str, selected: bool) {
        let flag = self
            .flags
            .try_with_value(|flags| flags.get(id).cloned())
            .flatten();
        if let Some(flag) = flag {
            flag.set(selected);
        }
    }
}
