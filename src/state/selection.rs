//! The selection: the ids of the selected actions (at most a page, 200 rows), owned in one
//! place and pruned when the list changes.

use leptos::prelude::*;

/// The ids of the selected rows. Never row indices: rows move when the list refetches.
#[derive(Clone, Copy, Debug)]
pub struct Selection {
    ids: RwSignal<Vec<String>>,
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
            ids: RwSignal::new(Vec::new()),
        }
    }

    /// Whether `id` is selected (tracked).
    pub fn contains(&self, id: &str) -> bool {
        self.ids.with(|ids| ids.iter().any(|x| x == id))
    }

    /// How many rows are selected (tracked).
    pub fn len(&self) -> usize {
        self.ids.with(Vec::len)
    }

    /// Whether nothing is selected (tracked).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The selected ids, in the order they were selected (tracked).
    pub fn ids(&self) -> Vec<String> {
        self.ids.get()
    }

    /// Selects or deselects one row.
    pub fn set(&self, id: &str, selected: bool) {
        self.ids.update(|ids| {
            ids.retain(|x| x != id);
            if selected {
                ids.push(id.to_owned());
            }
        });
    }

    /// Selects exactly these rows.
    pub fn replace(&self, ids: impl IntoIterator<Item = String>) {
        let mut unique: Vec<String> = Vec::new();
        for id in ids {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        self.ids.set(unique);
    }

    /// Deselects everything.
    pub fn clear(&self) {
        self.ids.update(Vec::clear);
    }

    /// Keeps only ids that are still listed; writes only when something was dropped.
    pub fn prune<'a>(&self, listed: impl IntoIterator<Item = &'a str>) {
        let listed: Vec<&str> = listed.into_iter().collect();
        let stale = self
            .ids
            .with_untracked(|ids| ids.iter().any(|id| !listed.contains(&id.as_str())));
        if stale {
            self.ids
                .update(|ids| ids.retain(|id| listed.contains(&id.as_str())));
        }
    }
}
