//! Work that finishes later, bound to the reactive owner that started it.
//!
//! **The rule.** Anything that finishes later — a request's answer, a timer, a poll, a
//! debounce, a live-update handler, a host callback — may only touch state that is still
//! alive when it runs. A flyout closes, a tab panel is rebuilt, an instance is unmounted while
//! a request is in flight; the signals, `NodeRef`s, `StoredValue`s and `Callback`s they owned
//! are disposed, and a plain `.get()`/`.set()`/`.run()` on one of them panics, which aborts the
//! wasm module and with it every instance on the page. So:
//!
//! 1. Start such work with [`spawn_owned`], [`after`] or [`next_frame`]: it belongs to the
//!    current owner (component, effect, flyout) and is dropped when that owner is cleaned up.
//!    A future is dropped at its next `.await`, a timer is cleared, a frame callback does
//!    nothing: the code after the wait never runs against disposed state.
//! 2. Work whose result must outlive the view that asked for it (the outcome of an undo the
//!    analyst sent before pressing Escape) is handed to state that deliberately outlives it:
//!    the page's [`crate::state::Feedback`], which is owned by the page, not the flyout.
//! 3. Where a closure can still run after its owner (a `Callback` handed to another owner, a
//!    JavaScript closure), it uses `try_` access (`try_set`, `try_run`, `try_get_untracked`)
//!    by design and treats `None` as "gone, do nothing".
//!
//! `spawn_local` and `set_timeout` from Leptos are not used directly outside this module.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use leptos::prelude::*;

/// Whether the owner that created it is still alive (not cleaned up yet). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Alive(Arc<AtomicBool>);

impl Alive {
    /// Bound to the current reactive owner: false once that owner is cleaned up (an effect's
    /// owner is cleaned up before it runs again, a component's when it is removed). Without
    /// an owner it stays alive.
    pub fn here() -> Self {
        let alive = Alive(Arc::new(AtomicBool::new(true)));
        if Owner::current().is_some() {
            let flag = Arc::clone(&alive.0);
            on_cleanup(move || flag.store(false, Ordering::Relaxed));
        }
        alive
    }

    /// Whether the owner is still alive.
    pub fn is_alive(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Runs `work` while the owner is alive: `None` (and `work` dropped at its next wait) once
    /// it is not.
    pub fn guard<F: Future>(&self, work: F) -> Guarded<F> {
        Guarded {
            alive: self.clone(),
            work: Some(Box::pin(work)),
        }
    }
}

/// A future that stops, with `None`, as soon as its owner is gone.
pub struct Guarded<F: Future> {
    alive: Alive,
    work: Option<Pin<Box<F>>>,
}

impl<F: Future> Future for Guarded<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.alive.is_alive() {
            self.work = None;
            return Poll::Ready(None);
        }
        match self.work.as_mut() {
            None => Poll::Ready(None),
            Some(work) => match work.as_mut().poll(cx) {
                Poll::Ready(value) => {
                    self.work = None;
                    Poll::Ready(Some(value))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl Alive {
    /// Spawns `work` bound to this owner: it stops at its next `.await` once the owner is
    /// cleaned up.
    pub fn spawn(&self, work: impl Future<Output = ()> + 'static) {
        let guarded = self.guard(work);
        leptos::task::spawn_local(async move {
            let _ = guarded.await;
        });
    }

    /// Runs `f` after `delay`, unless this owner is cleaned up first.
    pub fn after(&self, delay: Duration, f: impl FnOnce() + 'static) {
        let alive = self.clone();
        // Not cleared on cleanup: the callback checks the owner itself, and a long-lived
        // owner (the page) would otherwise collect one cleanup per timer.
        let _ = set_timeout_with_handle(
            move || {
                if alive.is_alive() {
                    f();
                }
            },
            delay,
        );
    }

    /// Runs `f` before the next repaint, unless this owner is gone by then.
    pub fn next_frame(&self, f: impl FnOnce() + 'static) {
        let alive = self.clone();
        request_animation_frame(move || {
            if alive.is_alive() {
                f();
            }
        });
    }
}

/// Spawns `work` bound to the current owner (see [`Alive::spawn`]). In a component that
/// starts work often, create one [`Alive::here`] and reuse it.
pub fn spawn_owned(work: impl Future<Output = ()> + 'static) {
    Alive::here().spawn(work);
}

/// Runs `f` after `delay` unless the current owner is cleaned up first (see [`Alive::after`]).
pub fn after(delay: Duration, f: impl FnOnce() + 'static) {
    Alive::here().after(delay, f);
}

/// Runs `f` before the next repaint unless the current owner is gone by then.
pub fn next_frame(f: impl FnOnce() + 'static) {
    Alive::here().next_frame(f);
}

/// Waits `delay` inside owned work (see [`spawn_owned`]).
pub async fn sleep(delay: Duration) {
    crate::browser::sleep(delay.as_millis().min(i32::MAX as u128) as i32).await;
}
