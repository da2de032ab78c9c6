//! An in-memory search index, one per server instance, for the PostgreSQL store: every action's
//! search words as posting lists, and the columns the list filters and sorts on.
//!
//! Why: at 1,000,000 actions a common search term matches tens of thousands of rows, and
//! PostgreSQL must visit each of them (about 2 µs a row here) to count them, test the filters
//! and sort them; GIN cannot count or sort by itself (see `server/BENCHMARKS.md`). Held in
//! memory, the same work is a walk of a few posting lists and compact columns, and the database
//! only reads the page's documents.
//!
//! Keeping it current: the instance loads the index from one snapshot at start (recording the
//! newest audit entry it covers), applies its own writes as they commit (read-your-writes), and
//! applies every other instance's from the audit trail that its `LISTEN` connection follows
//! (see `postgres/listen.rs`), so a change made anywhere is searchable here within the time
//! live updates take. An action is only ever replaced by a version at least as new.
//! (Before it has loaded, which the store does as it opens, a search is a plain filter in the
//! database.)

mod column;
mod index;
mod matching;
mod order;

use std::sync::RwLock;

use action_center_core::{Action, ActionQuery};

pub use index::{Entry, Index};
use matching::{each_match, SlotFilter};
use order::Order;

use super::list::{without_facet_filters, Search, TOTAL_CAP};
use super::search::fold;

/// Words with their accents removed, each once, in order.
pub fn folded(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = words.iter().map(|w| fold(w)).collect();
    out.sort();
    out.dedup();
    out
}

/// A page of a search: the rows' sequence numbers in list order, the total (at most
/// [`TOTAL_CAP`]) and whether more rows match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub seqs: Vec<i64>,
    pub total: u64,
    pub total_is_lower_bound: bool,
}

/// Grouped counts of a search's matches: (type, status, source, category, count).
pub type FacetRows = Vec<(String, String, String, String, i64)>;

struct Loaded {
    index: Index,
    /// The newest audit entry the index covers.
    through: i64,
}

/// The index of one instance, shared by its requests and the tasks that keep it current.
#[derive(Default)]
pub struct MemSearch {
    state: RwLock<Option<Loaded>>,
    /// Words are matched with their accents removed (`cafe` finds `Café`), as SQLite's
    /// full-text tokenizer folds them; PostgreSQL's words are matched as written.
    folds: bool,
}

impl MemSearch {
    /// An index not loaded yet, matching words as written (PostgreSQL).
    pub fn new() -> MemSearch {
        MemSearch::default()
    }

    /// An index not loaded yet, matching words with accents removed (SQLite).
    pub fn folding() -> MemSearch {
        MemSearch {
            folds: true,
            ..MemSearch::default()
        }
    }

    /// The search as the index matches it.
    fn as_indexed(&self, search: &Search) -> Search {
        match search {
            Search::Words { whole, prefix } if self.folds => Search::Words {
                whole: whole.iter().map(|w| fold(w)).collect(),
                prefix: fold(prefix),
            },
            other => other.clone(),
        }
    }

    /// Replaces the whole index with one loaded from a snapshot that covers the audit trail up
    /// to entry `through`.
    pub fn replace(&self, index: Index, through: i64) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        *state = Some(Loaded { index, through });
    }

    /// The newest audit entry the index covers, once loaded.
    pub fn through(&self) -> Option<i64> {
        self.read(|l| l.through)
    }

    fn read<T>(&self, f: impl FnOnce(&Loaded) -> T) -> Option<T> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.as_ref().map(f)
    }

    /// Applies committed changes: `(row seq, the action after it)`, and the newest audit entry
    /// they bring the index to, if they come from the audit trail.
    pub fn apply<'a>(
        &self,
        changes: impl IntoIterator<Item = (i64, &'a Action)>,
        through: Option<i64>,
    ) {
        let entries: Vec<Entry> = changes
            .into_iter()
            .map(|(seq, a)| {
                let mut e = Entry::of(seq, a);
                if self.folds {
                    e.words = folded(&e.words);
                }
                e
            })
            .collect();
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if let Some(loaded) = state.as_mut() {
            for e in entries {
                loaded.index.upsert(e);
            }
            if let Some(t) = through {
                loaded.through = loaded.through.max(t);
            }
        }
    }

    /// The page of a search, its total and whether that is a lower bound; `None` until loaded
    /// or for a query without words.
    pub fn page(&self, q: &ActionQuery, search: &Search) -> Option<SearchPage> {
        if !matches!(search, Search::Words { .. }) {
            return None;
        }
        let search = self.as_indexed(search);
        self.read(|l| page(&l.index, q, &search))
    }

    /// The facet counts of a search (the query's facet filters are the caller's to apply);
    /// `None` until loaded or for a query without words.
    pub fn facet_rows(&self, q: &ActionQuery, search: &Search) -> Option<FacetRows> {
        if !matches!(search, Search::Words { .. }) {
            return None;
        }
        let search = self.as_indexed(search);
        self.read(|l| facet_rows(&l.index, q, &search))
    }
}

fn page(index: &Index, q: &ActionQuery, search: &Search) -> SearchPage {
    let filter = SlotFilter::new(index, q);
    let mut matches: Vec<u32> = Vec::new();
    each_match(index, search, &filter, |slot| {
        matches.push(slot);
        true
    });
    let size = q.page_size_or_default() as usize;
    let offset = (q.page_or_default() as usize - 1).saturating_mul(size);
    let order = Order::new(index, &q.sort_or_default());
    let seqs = order
        .page(&matches, offset, size)
        .into_iter()
        .map(|slot| index.seqs[slot as usize])
        .collect();
    let n = matches.len() as u64;
    SearchPage {
        seqs,
        total: n.min(TOTAL_CAP),
        total_is_lower_bound: n > TOTAL_CAP,
    }
}

fn facet_rows(index: &Index, q: &ActionQuery, search: &Search) -> FacetRows {
    let filter = SlotFilter::new(index, &without_facet_filters(q));
    let mut counts: std::collections::HashMap<[u16; 4], i64> = std::collections::HashMap::new();
    each_match(index, search, &filter, |slot| {
        let a = &index.attrs[slot as usize];
        *counts
            .entry([a.action_type, a.status, a.source, a.category])
            .or_default() += 1;
        true
    });
    let d = &index.dims;
    counts
        .into_iter()
        .map(|([t, s, o, c], n)| {
            (
                d.action_type.name(t).to_owned(),
                d.status.name(s).to_owned(),
                d.source.name(o).to_owned(),
                d.category.name(c).to_owned(),
                n,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
