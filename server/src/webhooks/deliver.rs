//! The delivery worker: one task per receiver, so a receiver that is down only delays its own
//! events. Each pass leases a batch of due deliveries (at most one per action, see
//! [`crate::store::Tx::claim_deliveries`]), posts them at once, and records the outcomes in one
//! short transaction. A task wakes when a change commits (on any instance: the store's live
//! feed) and at least every poll interval, for retries that came due.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderValue};
use futures_util::future::join_all;
use tokio::sync::broadcast::error::TryRecvError;

use super::config::{Receiver, WebhookConfig, MAX_BACKOFF};
use super::sign::{self, EVENT_ID_HEADER, SIGNATURE_HEADER};
use crate::errors::AppError;
use crate::store::outbox::{AttemptOutcome, AttemptResult, ClaimedDelivery};
use crate::store::{ms, Store};
use crate::telemetry::log;
use crate::AppState;

/// Deliveries leased per pass (per receiver); also how many are in flight at once.
const BATCH: usize = 16;
/// How long a lease outlives the receiver's timeout: a worker that died mid-delivery holds its
/// rows no longer than this, after which another one (or this one, restarted) sends them again.
const LEASE_MARGIN: Duration = Duration::from_secs(30);
/// The longest answer excerpt kept, in characters.
const EXCERPT_CHARS: usize = 160;
/// Bytes of the answer read for the excerpt at most.
const EXCERPT_BYTES: usize = 1024;

/// How hard deliveries are tried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts before a delivery is dead.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; doubled after each further one.
    pub backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// The policy of a configuration.
    pub fn of(config: &WebhookConfig) -> Self {
        RetryPolicy {
            max_attempts: config.max_attempts,
            backoff: config.backoff,
            max_backoff: MAX_BACKOFF,
        }
    }

    /// The wait after failed attempt number `failures` (1 = the first), before jitter.
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
    }

    /// [`RetryPolicy::delay`] spread by ±20 % (`unit` in 0..1), so the deliveries of a receiver
    /// that was down do not all come back at the same instant.
    pub fn jittered(&self, failures: u32, unit: f64) -> Duration {
        let spread = 0.8 + 0.4 * unit.clamp(0.0, 1.0);
        self.delay(failures).mul_f64(spread).min(self.max_backoff)
    }

    /// How often a worker looks for retries that came due.
    fn poll_interval(&self) -> Duration {
        self.backoff
            .clamp(Duration::from_millis(20), Duration::from_secs(1))
    }
}

/// A random number, from the standard library's per-process random hash keys.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// The HTTP client of every receiver: no redirects (a 3xx is a failed attempt, and the signed
/// body never goes somewhere the operator did not name), a timeout per request.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!(
            "action-center-server/",
            env!("CARGO_PKG_VERSION"),
            " (webhooks)"
        ))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| format!("webhooks: cannot build the HTTP client: {e}"))
}

/// Printable text only, whitespace collapsed, at most [`EXCERPT_CHARS`] characters.
pub fn sanitise(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// What went wrong with a request, without its URL (which may carry a token).
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs_f64());
    }
    let mut innermost: &dyn std::error::Error = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let cause = sanitise(&innermost.to_string());
    if err.is_connect() {
        format!("could not connect: {cause}")
    } else {
        format!("request failed: {cause}")
    }
}

/// The first bytes of an answer, as text.
async fn excerpt(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(EXCERPT_BYTES);
    sanitise(&String::from_utf8_lossy(&bytes))
}

/// One attempt: `Ok(())` on 2xx, else the status (if any) and what went wrong.
async fn post(
    client: &reqwest::Client,
    receiver: &Receiver,
    delivery: &ClaimedDelivery,
    timeout: Duration,
) -> Result<(), (Option<u16>, String)> {
    let timestamp = chrono::Utc::now().timestamp();
    let signature = sign::signature(
        receiver.secret.expose(),
        timestamp,
        delivery.body.as_bytes(),
    );
    let mut signature = HeaderValue::from_str(&signature)
        .map_err(|_| (None, "the signature is not a header value".to_owned()))?;
    signature.set_sensitive(true);
    let sent = client
        .post(receiver.url.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_ID_HEADER, delivery.event_id.to_string())
        .body(delivery.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => {
            let status = response.status().as_u16();
            let text = excerpt(response).await;
            let error = if text.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {text}")
            };
            Err((Some(status), error))
        }
        Err(err) => Err((None, describe(&err, timeout))),
    }
}

/// Everything a receiver's worker needs.
struct Worker {
    state: AppState,
    client: reqwest::Client,
    receiver: Receiver,
    policy: RetryPolicy,
    timeout: Duration,
}

impl Worker {
    fn store(&self) -> &Arc<Store> {
        self.state.store()
    }

    /// Leases due deliveries.
    async fn claim(&self, lease_token: i64) -> Result<Vec<ClaimedDelivery>, AppError> {
        let receiver = self.receiver.id.clone();
        let lease = (self.timeout + LEASE_MARGIN).as_millis() as i64;
        self.store()
            .write(move |ctx| {
                let receiver = receiver.clone();
                Box::pin(async move {
                    let now = ms(ctx.now);
                    ctx.tx
                        .claim_deliveries(&receiver, now, now + lease, lease_token, BATCH)
                        .await
                })
            })
            .await
    }

    /// The result of one attempt, counted in the metrics.
    fn result(
        &self,
        delivery: &ClaimedDelivery,
        lease_token: i64,
        attempt: Result<(), (Option<u16>, String)>,
    ) -> AttemptResult {
        let now = crate::store::now();
        let metrics = self.state.metrics();
        let origin = &self.receiver.origin;
        let outcome = match attempt {
            Ok(()) => {
                metrics.webhook_delivery(origin, "delivered");
                AttemptOutcome::Delivered
            }
            Err((status, error)) => {
                let failures = delivery.attempts + 1;
                let next_attempt_at = if failures >= self.policy.max_attempts {
                    metrics.webhook_delivery(origin, "dead");
                    log::warn(
                        "webhook delivery gave up",
                        &[
                            ("receiver", origin.clone().into()),
                            ("eventId", delivery.event_id.into()),
                            ("actionId", delivery.action_id.clone().into()),
                            ("attempts", failures.into()),
                            ("error", error.clone().into()),
                        ],
                    );
                    None
                } else {
                    metrics.webhook_delivery(origin, "failed");
                    let unit = (random_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    let wait = self.policy.jittered(failures, unit);
                    Some(ms(now) + wait.as_millis() as i64)
                };
                AttemptOutcome::Failed {
                    next_attempt_at,
                    status,
                    error,
                }
            }
        };
        AttemptResult {
            id: delivery.id,
            lease_token,
            at: ms(now),
            outcome,
        }
    }

    /// One pass; returns how many deliveries it leased.
    async fn pass(&self) -> Result<usize, AppError> {
        let lease_token = (random_u64() >> 1) as i64;
        let claimed = self.claim(lease_token).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // At most one delivery per action in a batch: sending them at once keeps each
        // action's order.
        let attempts = join_all(
            claimed
                .iter()
                .map(|d| post(&self.client, &self.receiver, d, self.timeout)),
        )
        .await;
        let results: Vec<AttemptResult> = claimed
            .iter()
            .zip(attempts)
            .map(|(d, attempt)| self.result(d, lease_token, attempt))
            .collect();
        let failed: Vec<&AttemptResult> = results
            .iter()
            .filter(|r| matches!(r.outcome, AttemptOutcome::Failed { .. }))
            .collect();
        if let Some(AttemptResult {
            outcome: AttemptOutcome::Failed { error, .. },
            ..
        }) = failed.first()
        {
            log::info(
                "webhook deliveries failed; will retry",
                &[
                    ("receiver", self.receiver.origin.clone().into()),
                    ("failed", failed.len().into()),
                    ("error", error.clone().into()),
                ],
            );
        }
        let results = Arc::new(results);
        self.store()
            .write(move |ctx| {
                let results = Arc::clone(&results);
                Box::pin(async move { ctx.tx.record_deliveries(&results).await })
            })
            .await?;
        Ok(claimed.len())
    }

    /// Passes until the server stops.
    async fn run(self) {
        let mut changes = self.store().subscribe();
        let stopping = self.state.shutting_down();
        tokio::pin!(stopping);
        let poll = self.policy.poll_interval();
        loop {
            if self.state.is_shutting_down() {
                return;
            }
            let leased = match self.pass().await {
                Ok(n) => n,
                Err(err) => {
                    log::warn(
                        "webhook delivery",
                        &[
                            ("receiver", self.receiver.origin.clone().into()),
                            ("error", err.to_string().into()),
                        ],
                    );
                    0
                }
            };
            if leased == BATCH {
                continue; // more may be due
            }
            tokio::select! {
                _ = &mut stopping => return,
                _ = tokio::time::sleep(poll) => {}
                _ = changes.recv() => {}
            }
            // One pass covers every change that arrived meanwhile.
            loop {
                match changes.try_recv() {
                    Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Closed) => {
                        changes = self.store().subscribe();
                        break;
                    }
                }
            }
        }
    }
}

/// Starts a worker per configured receiver (none without receivers). Every write from now on
/// queues its changes for them.
pub fn start(state: &AppState) -> Result<Vec<tokio::task::JoinHandle<()>>, String> {
    let config = &state.config().webhooks;
    if !config.enabled() {
        return Ok(Vec::new());
    }
    let client = http_client(config.timeout)?;
    let targets = config.receivers.iter().map(Receiver::target).collect();
    state.store().deliver_changes_to(targets);
    let policy = RetryPolicy::of(config);
    let mut tasks = Vec::new();
    for receiver in &config.receivers {
        log::info(
            "webhooks on",
            &[
                ("receiver", receiver.origin.clone().into()),
                ("maxAttempts", policy.max_attempts.into()),
            ],
        );
        let worker = Worker {
            state: state.clone(),
            client: client.clone(),
            receiver: receiver.clone(),
            policy,
            timeout: config.timeout,
        };
        tasks.push(tokio::spawn(worker.run()));
    }
    Ok(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_with_a_bounded_spread() {
        let policy = RetryPolicy {
            max_attempts: 12,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
        };
        let waits: Vec<u64> = (1..=11).map(|n| policy.delay(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(policy.delay(u32::MAX), Duration::from_secs(300));
        assert_eq!(policy.jittered(3, 0.0), Duration::from_millis(3200));
        assert_eq!(policy.jittered(3, 1.0), Duration::from_millis(4800));
        assert_eq!(policy.jittered(20, 1.0), Duration::from_secs(300));
    }

    #[test]
    fn excerpts_are_short_printable_text() {
        assert_eq!(
            sanitise("  oops\r\n\tbad\u{7}  gateway "),
            "oops bad gateway"
        );
        let long = sanitise(&"é".repeat(500));
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
