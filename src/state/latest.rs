//! Loading where the latest request wins: a slow answer to an older request (a search typed
//! further, a filter changed again) never overwrites a newer one, and never holds it up.
//!
//! `LocalResource` runs one load at a time and queues the next behind it, so a slow answer
//! delays the one the analyst is waiting for; here every load starts at once and only the
//! answer to the latest is kept. Each load is owned by the run of the effect that started it
//! ([`crate::state::task`]): a newer run, or the page going away, drops the older load at its
//! next wait, so its answer never lands on state that is gone.

use std::future::Future;

use leptos::prelude::*;

use crate::state::task::spawn_owned;

/// A value loaded from the reactive input of `source`, reloaded when it changes or on
/// [`Latest::refetch`].
pub struct Latest<T: Send + Sync + 'static> {
    value: RwSignal<Option<T>>,
    reloads: RwSignal<u64>,
}

impl<T: Send + Sync + 'static> Clone for Latest<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Latest<T> {}

impl<T: Send + Sync + 'static> Latest<T> {
    /// Loads `fetch(source())` now and again whenever what `source` reads changes.
    pub fn new<Q, Fut>(source: impl Fn() -> Q + 'static, fetch: impl Fn(Q) -> Fut + 'static) -> Self
    where
        Q: 'static,
        Fut: Future<Output = T> + 'static,
    {
        let value = RwSignal::new(None);
        let reloads = RwSignal::new(0u64);
        let latest = StoredValue::new(0u64);
        Effect::new(move |_| {
            reloads.track();
            let load = fetch(source());
            let ticket = latest.get_value().wrapping_add(1);
            latest.set_value(ticket);
            spawn_owned(async move {
                let answer = load.await;
                if latest.try_get_value() == Some(ticket) {
                    value.try_set(Some(answer));
                }
            });
        });
        Latest { value, reloads }
    }

    /// Loads again with the current input.
    pub fn refetch(&self) {
        self.reloads.try_update(|n| *n = n.wrapping_add(1));
    }

    /// The latest answer, once there is one (tracked).
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.value.get()
    }

    /// Reads the latest answer (tracked).
    pub fn with<R>(&self, f: impl FnOnce(&Option<T>) -> R) -> R {
        self.value.with(f)
    }
}
