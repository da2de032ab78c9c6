//! The selection: a set of action ids, owned in one place and pruned when the list changes.

use std::collections::BTreeSet;

use leptos::prelude::*;

/// The ids of the selected rows. Never row indices: rows move when the list refetches.
#[derive(Clone, Copy, Debug)]
pub struct Selection {
    ids: RwSignal<BTreeSet<String>>,
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
            ids: RwSignal::new(BTreeSet::new()),
        }
    }

    /// Whether `id` is selected (tracked).
    pub fn contains(&self, id: &str) -> bool {
        self.ids.with(|ids| ids.contains(id))
    }

    /// How many rows are selected (tracked).
    pub fn len(&self) -> usize {
        self.ids.with(BTreeSet::len)
    }

    /// Whether nothing is selected (tracked).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The selected ids (tracked).
    pub fn ids(&self) -> BTreeSet<String> {
        self.ids.get()
    }

    /// Selects or deselects one row.
    pub fn set(&self, id: &str, selected: bool) {
        self.ids.update(|ids| {
            if selected {
                ids.insert(id.to_owned());
            } else {
                ids.remove(id);
            }
        });
    }

    /// Selects exactly these rows.
    pub fn replace(&self, ids: impl IntoIterator<Item = String>) {
        self.ids.set(ids.into_iter().collect());
    }

    /// Deselects everything.
    pub fn clear(&self) {
        self.ids.update(BTreeSet::clear);
    }

    /// Keeps only ids that are still listed; writes only when something was dropped.
    pub fn prune<'a>(&self, listed: impl IntoIterator<Item = &'a str>) {
        let listed: BTreeSet<&str> = listed.into_iter().collect();
        let stale = self
            .ids
            .with_untracked(|ids| ids.iter().any(|id| !listed.contains(id.as_str())));
        if stale {
            self.ids
                .update(|ids| ids.retain(|id| listed.contains(id.as_str())));
        }
    }
}
