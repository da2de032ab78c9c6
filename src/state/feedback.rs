//! What the analyst hears back: the live region's text, progress of bulk work the executor is
//! still doing, and the hand-off of changed actions to the page (rows update in place).
//!
//! The hub is owned by the page, not by the flyout or bulk bar that sent a request, so that an
//! outcome still reaches the analyst after they closed the flyout (state that deliberately
//! outlives the view; see [`crate::state::task`]). Its own follow-up polling is bound to the
//! page and ends with it.

use action_center_core::format::{any_in_flight, summarize_results, BulkKind};
use action_center_core::{Action, BulkResponse, ItemResult, Outcome};
use leptos::prelude::*;

use crate::api::ApiClient;
use crate::browser::sleep;
use crate::state::task::Alive;

/// How often an undo in progress is checked, and for how long at most.
const POLL_MS: i32 = 1500;
const MAX_POLLS: usize = 120;

/// Bulk work under way: how many of the applied items the executor has finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// What is running, e.g. "Undo".
    pub label: String,
    /// Items finished (succeeded or failed).
    pub done: usize,
    /// Items applied.
    pub total: usize,
}

/// The feedback hub, shared through context by the page and its panels.
#[derive(Clone, Copy)]
pub struct Feedback {
    /// The text of the live region (role `status`).
    pub status: RwSignal<String>,
    /// Progress of bulk work, while the executor runs it.
    pub progress: RwSignal<Option<Progress>>,
    changed: Callback<Vec<Action>>,
    client: StoredValue<Option<ApiClient>>,
    generation: StoredValue<u64>,
    /// The page's lifetime: follow-up polls end with it.
    alive: StoredValue<Alive>,
}

impl Feedback {
    /// A hub that hands changed actions to `changed` and polls undo progress with `client`
    /// (`None`: no polling, e.g. in component tests).
    pub fn new(client: Option<ApiClient>, changed: Callback<Vec<Action>>) -> Self {
        Feedback {
            status: RwSignal::new(String::new()),
            progress: RwSignal::new(None),
            changed,
            client: StoredValue::new(client),
            generation: StoredValue::new(0),
            alive: StoredValue::new(Alive::here()),
        }
    }

    /// Says something in the live region.
    pub fn announce(&self, text: impl Into<String>) {
        // `try_`: called when a request answers, possibly after the page is gone.
        self.status.try_set(text.into());
    }

    /// Actions changed outside a bulk response (e.g. a 409 carried the current state).
    pub fn changed(&self, actions: Vec<Action>) {
        if !actions.is_empty() {
            self.changed.try_run(actions);
        }
    }

    /// A decision or undo answered: update the rows, announce the per-item summary and, for an
    /// undo the executor is still running, follow it to the end.
    pub fn report(&self, kind: BulkKind, response: BulkResponse) {
        let results = response.results;
        self.changed(results.iter().filter_map(|r| r.action.clone()).collect());
        self.announce(summarize_results(kind, &results));
        if kind == BulkKind::Undo && any_in_flight(&results) {
            self.follow(kind, results);
        }
    }

    /// Polls the in-flight actions until the executor has finished them all, updating rows
    /// and progress as it goes, then announces the final summary. A newer call supersedes it.
    fn follow(&self, kind: BulkKind, mut results: Vec<ItemResult>) {
        let (Some(Some(client)), Some(alive)) =
            (self.client.try_get_value(), self.alive.try_get_value())
        else {
            return;
        };
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        let this = *self;
        alive.spawn(async move {
            for _ in 0..MAX_POLLS {
                let total = results
                    .iter()
                    .filter(|r| r.outcome == Outcome::Applied)
                    .count();
                let running = results
                    .iter()
                    .filter(|r| r.action.as_ref().is_some_and(|a| a.status.is_in_flight()))
                    .count();
                let progress = Progress {
                    label: "Undo".to_owned(),
                    done: total.saturating_sub(running),
                    total,
                };
                if this.progress.try_set(Some(progress)).is_some() || running == 0 {
                    break;
                }
                sleep(POLL_MS).await;
                if this.generation.try_get_value() != Some(generation) {
                    return;
                }
                let mut changed = Vec::new();
                for result in results.iter_mut() {
                    if !result
                        .action
                        .as_ref()
                        .is_some_and(|a| a.status.is_in_flight())
                    {
                        continue;
                    }
                    // A failed check is retried on the next round.
                    if let Ok(action) = client.action(&result.id).await {
                        result.action = Some(action.clone());
                        changed.push(action);
                    }
                }
                if !changed.is_empty() {
                    this.changed.try_run(changed);
                }
            }
            if this.generation.try_get_value() == Some(generation) {
                this.progress.try_set(None);
                this.status.try_set(summarize_results(kind, &results));
            }
        });
    }
}
