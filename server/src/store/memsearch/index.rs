//! The index's storage: one slot per action, its columns kept apart (a search reads the filter
//! columns of thousands of slots and the sort key of only the matches), and a posting list of
//! slots per search word.

use std::collections::{BTreeMap, HashMap};

use action_center_core::{Action, Status};

use super::super::postgres::{ascii_key, column_text};
use super::super::rows::decided_by;
use super::super::{ms, search_words};
use super::column::Column;

/// One action as the index takes it: the columns the list filters and sorts on, as the
/// database stores them, and its search words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The row's sequence number.
    pub seq: i64,
    /// The action's version: an older one never replaces a newer one.
    pub version: i64,
    pub id: String,
    pub action_type: String,
    pub category: String,
    pub source: String,
    pub status: String,
    pub entity_kind: String,
    pub asset_key: String,
    pub entity_key: String,
    pub investigation_id: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: Option<i64>,
    /// The search words, each once.
    pub words: Vec<String>,
}

impl Entry {
    /// The entry of the action in row `seq`, with the values the row's columns get.
    pub fn of(seq: i64, a: &Action) -> Entry {
        Entry {
            seq,
            version: a.version,
            id: column_text(&a.id).into_owned(),
            action_type: a.action_type.as_str().to_owned(),
            category: a.category.as_str().to_owned(),
            source: a.source.as_str().to_owned(),
            status: a.status.as_str().to_owned(),
            entity_kind: a.entity.kind.as_str().to_owned(),
            asset_key: ascii_key(&a.asset.name),
            entity_key: ascii_key(&a.entity.name),
            investigation_id: a
                .investigation_id
                .as_deref()
                .map(|s| column_text(s).into_owned()),
            decided_by: decided_by(a).map(|s| column_text(s).into_owned()),
            created_at: ms(a.created_at),
            updated_at: ms(a.updated_at),
            expires_at: a.expires_at.map(ms),
            words: search_words(a),
        }
    }
}

/// The filter columns of a slot, small enough that a search reads millions of them quickly.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attrs {
    pub pending: bool,
    pub status: u16,
    pub action_type: u16,
    pub source: u16,
    pub category: u16,
    pub entity_kind: u16,
}

/// The values one filter dimension has taken, numbered in order of first appearance.
#[derive(Debug, Default)]
pub struct Values {
    names: Vec<String>,
    numbers: HashMap<String, u16>,
}

impl Values {
    fn number(&mut self, name: &str) -> u16 {
        if let Some(n) = self.numbers.get(name) {
            return *n;
        }
        // More than 65,535 values of one enum cannot be stored by a server that validates
        // them; should it happen, the last number is shared, which only merges filter values.
        let n = u16::try_from(self.names.len()).unwrap_or(u16::MAX);
        if n < u16::MAX {
            self.names.push(name.to_owned());
            self.numbers.insert(name.to_owned(), n);
        }
        n
    }

    /// The number of a value, if any slot had it.
    pub fn get(&self, name: &str) -> Option<u16> {
        self.numbers.get(name).copied()
    }

    /// The name of value `n`.
    pub fn name(&self, n: u16) -> &str {
        self.names.get(n as usize).map_or("", String::as_str)
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// The filter dimensions' values.
#[derive(Debug, Default)]
pub struct Dimensions {
    pub status: Values,
    pub action_type: Values,
    pub source: Values,
    pub category: Values,
    pub entity_kind: Values,
}

/// The text columns the list sorts on, each value once.
#[derive(Debug, Default)]
pub struct TextColumns {
    pub asset: Column,
    pub entity: Column,
    pub investigation: Column,
    pub decided_by: Column,
}

/// Every action's columns by slot, and the posting lists.
#[derive(Debug, Default)]
pub struct Index {
    slot_of: HashMap<i64, u32>,
    pub seqs: Vec<i64>,
    versions: Vec<i64>,
    pub attrs: Vec<Attrs>,
    pub created_at: Vec<i64>,
    pub updated_at: Vec<i64>,
    pub expires_at: Vec<Option<i64>>,
    pub ids: Vec<Box<str>>,
    /// The first 16 bytes of each id (zero padded), big-endian: ids in order, mostly distinct.
    pub id_prefixes: Vec<u128>,
    /// Value numbers of the text columns, by slot ([`super::column::NONE`] for none).
    pub asset: Vec<u32>,
    pub entity: Vec<u32>,
    pub investigation: Vec<u32>,
    pub decided_by: Vec<u32>,
    pub text: TextColumns,
    terms_of: Vec<Box<[u32]>>,
    /// Word → term number, in word order (a prefix is a range).
    pub vocabulary: BTreeMap<Box<str>, u32>,
    /// Term number → its slots, ascending.
    pub postings: Vec<Vec<u32>>,
    pub dims: Dimensions,
}

/// The first 16 bytes of `s`, zero padded, as a big-endian number: never greater for a string
/// that sorts first.
pub fn prefix16(s: &str) -> u128 {
    let mut buf = [0u8; 16];
    let n = s.len().min(16);
    buf[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(buf)
}

impl Index {
    /// Number of actions held.
    pub fn len(&self) -> usize {
        self.seqs.len()
    }

    /// Whether it holds no action.
    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    fn term(&mut self, word: &str) -> u32 {
        if let Some(t) = self.vocabulary.get(word) {
            return *t;
        }
        let t = self.postings.len() as u32;
        self.postings.push(Vec::new());
        self.vocabulary.insert(word.into(), t);
        t
    }

    /// Adds an action, or replaces what is held of it unless that is of a newer version.
    pub fn upsert(&mut self, e: Entry) {
        let attrs = Attrs {
            pending: Status::parse(&e.status).is_pending(),
            status: self.dims.status.number(&e.status),
            action_type: self.dims.action_type.number(&e.action_type),
            source: self.dims.source.number(&e.source),
            category: self.dims.category.number(&e.category),
            entity_kind: self.dims.entity_kind.number(&e.entity_kind),
        };
        let asset = self.text.asset.number(&e.asset_key);
        let entity = self.text.entity.number(&e.entity_key);
        let investigation = self
            .text
            .investigation
            .number_of(e.investigation_id.as_deref());
        let decider = self.text.decided_by.number_of(e.decided_by.as_deref());
        let mut terms: Vec<u32> = e.words.iter().map(|w| self.term(w)).collect();
        terms.sort_unstable();
        terms.dedup();
        match self.slot_of.get(&e.seq).copied() {
            Some(slot) => {
                let i = slot as usize;
                if self.versions[i] > e.version {
                    return;
                }
                self.versions[i] = e.version;
                self.attrs[i] = attrs;
                self.created_at[i] = e.created_at;
                self.updated_at[i] = e.updated_at;
                self.expires_at[i] = e.expires_at;
                self.asset[i] = asset;
                self.entity[i] = entity;
                self.investigation[i] = investigation;
                self.decided_by[i] = decider;
                if *self.terms_of[i] != *terms {
                    self.move_terms(slot, terms.into_boxed_slice());
                }
            }
            None => {
                let slot = self.seqs.len() as u32;
                self.slot_of.insert(e.seq, slot);
                self.seqs.push(e.seq);
                self.versions.push(e.version);
                self.attrs.push(attrs);
                self.created_at.push(e.created_at);
                self.updated_at.push(e.updated_at);
                self.expires_at.push(e.expires_at);
                self.id_prefixes.push(prefix16(&e.id));
                self.ids.push(e.id.into_boxed_str());
                self.asset.push(asset);
                self.entity.push(entity);
                self.investigation.push(investigation);
                self.decided_by.push(decider);
                for t in &terms {
                    // The newest slot is the largest: the lists stay ascending.
                    self.postings[*t as usize].push(slot);
                }
                self.terms_of.push(terms.into_boxed_slice());
            }
        }
    }

    /// A slot's words changed (rare: they come from fields set when the action is made).
    fn move_terms(&mut self, slot: u32, terms: Box<[u32]>) {
        let old = std::mem::take(&mut self.terms_of[slot as usize]);
        for t in old.iter() {
            let list = &mut self.postings[*t as usize];
            if let Ok(at) = list.binary_search(&slot) {
                list.remove(at);
            }
        }
        for t in terms.iter() {
            let list = &mut self.postings[*t as usize];
            if let Err(at) = list.binary_search(&slot) {
                list.insert(at, slot);
            }
        }
        self.terms_of[slot as usize] = terms;
    }
}
