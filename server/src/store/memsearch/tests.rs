//! The index against a plain reading of the list's rules: every match of the words and filters,
//! sorted in full (column, NULL first, then id), on random actions and random queries.

use std::cmp::Ordering;

use action_center_core::{
    ActionQuery, ActionType, Category, EntityKind, Sort, SortKey, Source, Status, View,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::index::Entry;
use super::matching::{each_match, SlotFilter};
use super::*;

const WORDS: &[&str] = &[
    "fin", "laptop", "laptops", "lap", "srv", "invoice", "invoices", "07", "070", "priya", "act",
    "exe", "a", "ab", "abc",
];
const NAMES: &[&str] = &[
    "fin-laptop-07",
    "fin-laptop-070",
    "fin-lapt",
    "fin-laptop",
    "a",
    "",
    "srv-01",
    "zz-top-laptop-99",
];
const STATUSES: &[Status] = &[
    Status::Pending,
    Status::Queued,
    Status::Completed,
    Status::Failed,
    Status::Undone,
    Status::UndoFailed,
];
const TYPES: &[ActionType] = &[
    ActionType::IsolateDevice,
    ActionType::QuarantineFile,
    ActionType::RunAntivirusScan,
];
const SOURCES: &[Source] = &[Source::Antivirus, Source::Manual];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn maybe(rng: &mut StdRng, s: &str) -> Option<String> {
    rng.gen_bool(0.7).then(|| s.to_owned())
}

fn entry(rng: &mut StdRng, seq: i64) -> Entry {
    let mut words: Vec<String> = (0..rng.gen_range(0..5))
        .map(|_| pick(rng, WORDS).to_string())
        .collect();
    words.sort();
    words.dedup();
    Entry {
        seq,
        version: 1,
        // Ids share a prefix, and some share more (the sort compares past the common part).
        id: format!("act_{:03}{}", rng.gen_range(0..40), seq),
        action_type: pick(rng, TYPES).as_str().to_owned(),
        category: Category::Device.as_str().to_owned(),
        source: pick(rng, SOURCES).as_str().to_owned(),
        status: pick(rng, STATUSES).as_str().to_owned(),
        entity_kind: pick(rng, &[EntityKind::File, EntityKind::Device])
            .as_str()
            .to_owned(),
        asset_key: pick(rng, NAMES).to_string(),
        entity_key: pick(rng, NAMES).to_string(),
        investigation_id: {
            let name = *pick(rng, NAMES);
            maybe(rng, name)
        },
        decided_by: {
            let name = *pick(rng, NAMES);
            maybe(rng, name)
        },
        created_at: rng.gen_range(0..30),
        updated_at: rng.gen_range(0..30),
        expires_at: rng.gen_bool(0.5).then(|| rng.gen_range(0..30)),
        words,
    }
}

fn query(rng: &mut StdRng) -> (ActionQuery, Search) {
    let text: Vec<&str> = (0..rng.gen_range(1..3))
        .map(|_| *pick(rng, WORDS))
        .collect();
    let mut text = text.join(" ");
    if rng.gen_bool(0.3) {
        // A prefix of a word.
        let cut = rng.gen_range(1..=text.len());
        text.truncate(cut);
    }
    let keys = [
        SortKey::UpdatedAt,
        SortKey::CreatedAt,
        SortKey::ExpiresAt,
        SortKey::ActionType,
        SortKey::Status,
        SortKey::Source,
        SortKey::Asset,
        SortKey::Entity,
        SortKey::DecidedBy,
        SortKey::InvestigationId,
        SortKey::Id,
    ];
    let q = ActionQuery {
        view: pick(
            rng,
            &[
                None,
                Some(View::Pending),
                Some(View::History),
                Some(View::Contained),
            ],
        )
        .clone(),
        status: if rng.gen_bool(0.3) {
            vec![pick(rng, STATUSES).clone()]
        } else {
            vec![]
        },
        action_type: if rng.gen_bool(0.3) {
            vec![pick(rng, TYPES).clone(), pick(rng, TYPES).clone()]
        } else {
            vec![]
        },
        q: Some(text.clone()),
        sort: Some(Sort {
            key: pick(rng, &keys).clone(),
            descending: rng.gen_bool(0.5),
        }),
        page: Some(rng.gen_range(1..4)),
        page_size: Some(rng.gen_range(1..12)),
        ..ActionQuery::default()
    };
    (q, Search::from_query(Some(&text)))
}

/// The list's rules, read plainly.
fn keeps(q: &ActionQuery, e: &Entry) -> bool {
    let status = Status::parse(&e.status);
    let t = ActionType::parse(&e.action_type);
    let view = match &q.view {
        None => true,
        Some(View::Pending) => status.is_pending(),
        Some(View::History) => !status.is_pending(),
        Some(View::Contained) => status == Status::Completed && t.is_undoable(),
        Some(View::Unknown(_)) => false,
    };
    view && (q.status.is_empty() || q.status.contains(&status))
        && (q.action_type.is_empty() || q.action_type.contains(&t))
}

fn column(key: &SortKey, e: &Entry) -> (Option<i64>, Option<String>) {
    match key {
        SortKey::UpdatedAt => (Some(e.updated_at), None),
        SortKey::CreatedAt => (Some(e.created_at), None),
        SortKey::ExpiresAt => (e.expires_at, None),
        SortKey::ActionType => (None, Some(e.action_type.clone())),
        SortKey::Status => (None, Some(e.status.clone())),
        SortKey::Source => (None, Some(e.source.clone())),
        SortKey::Category => (None, Some(e.category.clone())),
        SortKey::Asset => (None, Some(e.asset_key.clone())),
        SortKey::Entity => (None, Some(e.entity_key.clone())),
        SortKey::DecidedBy => (None, e.decided_by.clone()),
        SortKey::InvestigationId => (None, e.investigation_id.clone()),
        SortKey::Id | SortKey::Unknown(_) => (None, None),
    }
}

fn expected(entries: &[Entry], q: &ActionQuery, search: &Search) -> SearchPage {
    let mut hits: Vec<&Entry> = entries
        .iter()
        .filter(|e| search.matches(&e.words) && keeps(q, e))
        .collect();
    let sort = q.sort_or_default();
    hits.sort_by(|a, b| {
        let o = column(&sort.key, a)
            .cmp(&column(&sort.key, b))
            .then_with(|| a.id.cmp(&b.id));
        if sort.descending {
            o.reverse()
        } else {
            o
        }
    });
    let size = q.page_size_or_default() as usize;
    let offset = (q.page_or_default() as usize - 1) * size;
    SearchPage {
        seqs: hits.iter().skip(offset).take(size).map(|e| e.seq).collect(),
        total: hits.len() as u64,
        total_is_lower_bound: false,
    }
}

#[test]
fn pages_equal_the_plain_reading_of_the_rules() {
    for seed in 0..40u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut entries: Vec<Entry> = (1..=rng.gen_range(1..400))
            .map(|s| entry(&mut rng, s))
            .collect();
        let mut index = Index::default();
        for e in &entries {
            index.upsert(e.clone());
        }
        // Some actions change: status, decider, and now and then their words.
        for _ in 0..rng.gen_range(0..50) {
            let i = rng.gen_range(0..entries.len());
            let mut changed = entry(&mut rng, entries[i].seq);
            changed.id = entries[i].id.clone();
            changed.version = entries[i].version + 1;
            if rng.gen_bool(0.7) {
                changed.words = entries[i].words.clone();
            }
            entries[i] = changed.clone();
            index.upsert(changed);
        }
        let search = MemSearch::new();
        search.replace(index, 0);
        for _ in 0..60 {
            let (q, s) = query(&mut rng);
            let got = search.page(&q, &s).expect("loaded");
            assert_eq!(got, expected(&entries, &q, &s), "seed {seed}, query {q:?}");
        }
    }
}

#[test]
fn an_older_version_never_replaces_a_newer_one() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut e = entry(&mut rng, 1);
    e.words = vec!["fin".into()];
    e.version = 3;
    let mut index = Index::default();
    index.upsert(e.clone());
    let mut older = e.clone();
    older.version = 2;
    older.words = vec!["srv".into()];
    index.upsert(older);
    let fin = Search::from_query(Some("fin"));
    let mut n = 0;
    each_match(&index, &fin, &SlotFilter::everything(), |_| {
        n += 1;
        true
    });
    assert_eq!(n, 1);
    let mut newer = e;
    newer.version = 4;
    newer.words = vec!["srv".into()];
    index.upsert(newer);
    let mut n = 0;
    each_match(&index, &fin, &SlotFilter::everything(), |_| {
        n += 1;
        true
    });
    assert_eq!(n, 0, "the new words replace the old ones");
}

#[test]
fn totals_past_the_cap_are_a_lower_bound() {
    let mut index = Index::default();
    for seq in 1..=(TOTAL_CAP as i64 + 5) {
        index.upsert(Entry {
            seq,
            version: 1,
            id: format!("act_{seq:08}"),
            action_type: "isolateDevice".into(),
            category: "device".into(),
            source: "manual".into(),
            status: "completed".into(),
            entity_kind: "device".into(),
            asset_key: "fin-laptop-07".into(),
            entity_key: "fin-laptop-07".into(),
            investigation_id: None,
            decided_by: None,
            created_at: seq,
            updated_at: seq,
            expires_at: None,
            words: vec!["fin".into(), "laptop".into()],
        });
    }
    let search = MemSearch::new();
    search.replace(index, 0);
    let q = ActionQuery {
        q: Some("FIN-LAP".into()),
        page: Some(3),
        page_size: Some(2),
        ..ActionQuery::default()
    };
    let page = search
        .page(&q, &Search::from_query(q.q.as_deref()))
        .unwrap();
    assert_eq!(page.total, TOTAL_CAP);
    assert!(page.total_is_lower_bound);
    // updatedAt descending: the newest first.
    let last = TOTAL_CAP as i64 + 5;
    assert_eq!(page.seqs, vec![last - 4, last - 5]);
}

#[test]
fn keys_never_order_against_the_full_comparison() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut index = Index::default();
    for seq in 1..300 {
        index.upsert(entry(&mut rng, seq));
    }
    let keys = [
        SortKey::Asset,
        SortKey::DecidedBy,
        SortKey::Status,
        SortKey::Id,
        SortKey::ExpiresAt,
    ];
    for key in keys {
        for descending in [false, true] {
            let sort = Sort {
                key: key.clone(),
                descending,
            };
            let order = order::Order::new(&index, &sort);
            for a in 0..index.len() as u32 {
                for b in 0..index.len() as u32 {
                    let (ka, kb) = (order.column_key(a), order.column_key(b));
                    let both = (ka, order.id_key(a)) < (kb, order.id_key(b));
                    if ka < kb || both {
                        assert_eq!(order.compare(a, b), Ordering::Less, "{key:?} {descending}");
                    }
                }
            }
        }
    }
}

#[test]
fn selection_keeps_exactly_the_smallest_and_the_ties_at_the_edge() {
    let mut rng = StdRng::seed_from_u64(3);
    for n in [10usize, 5_000, 60_000] {
        let keys: Vec<u64> = (0..n)
            .map(|_| rng.gen_range(0..(n as u64 / 3 + 1)))
            .collect();
        let items: Vec<u32> = (0..n as u32).collect();
        for k in [1, 7, 50, n - 1].into_iter().filter(|k| *k <= n) {
            let (below, at) = order::smallest(&items, k, |s| keys[s as usize]);
            let mut sorted = keys.clone();
            sorted.sort();
            let bound = sorted[k - 1];
            assert_eq!(below.len(), keys.iter().filter(|v| **v < bound).count());
            assert_eq!(at.len(), keys.iter().filter(|v| **v == bound).count());
            assert!(below.iter().all(|s| keys[*s as usize] < bound));
        }
    }
}

/// Not a test: `cargo test --profile server -p action-center-server --lib timing -- --ignored
/// --nocapture` prints how long the phases of a dense search take at 1,000,000 actions.
#[test]
#[ignore = "timing report"]
fn timing_of_a_dense_search() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut index = Index::default();
    let t = std::time::Instant::now();
    for seq in 1..=1_000_000 {
        let mut e = entry(&mut rng, seq);
        e.asset_key = format!("asset-{:04}.corp.example", rng.gen_range(0..1900));
        e.updated_at = rng.gen_range(0..1_000_000_000);
        e.words.push("act".into());
        e.words.sort();
        e.words.dedup();
        index.upsert(e);
    }
    eprintln!("built in {:?}", t.elapsed());
    let search = Search::from_query(Some("act"));
    for key in [
        SortKey::Asset,
        SortKey::UpdatedAt,
        SortKey::Id,
        SortKey::Status,
    ] {
        let q = ActionQuery {
            view: Some(View::History),
            sort: Some(Sort {
                key: key.clone(),
                descending: false,
            }),
            ..ActionQuery::default()
        };
        let filter = SlotFilter::new(&index, &q);
        let t = std::time::Instant::now();
        let mut matches = Vec::new();
        each_match(&index, &search, &filter, |s| {
            matches.push(s);
            true
        });
        let matched = t.elapsed();
        let order = order::Order::new(&index, &q.sort_or_default());
        let t = std::time::Instant::now();
        let page = order.page(&matches, 0, 50);
        eprintln!(
            "{key:?}: {} matches in {matched:?}, page of {} in {:?}",
            matches.len(),
            page.len(),
            t.elapsed()
        );
    }
}

#[test]
fn a_folding_index_finds_words_without_their_accents() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut e = entry(&mut rng, 1);
    e.words = folded(&["café".to_owned(), "Åsa".to_lowercase()]);
    let mut index = Index::default();
    index.upsert(e);
    let folding = MemSearch::folding();
    folding.replace(index, 0);
    let found = |q: &str| {
        let query = ActionQuery {
            q: Some(q.into()),
            ..ActionQuery::default()
        };
        folding
            .page(&query, &Search::from_query(Some(q)))
            .unwrap()
            .total
    };
    assert_eq!(found("cafe"), 1);
    assert_eq!(found("CAFÉ"), 1);
    assert_eq!(found("asa caf"), 1);
    assert_eq!(found("cafes"), 0);
}
