//! Prometheus metrics in the text exposition format (version 0.0.4): counters and histograms
//! with labels, kept in memory per instance (Prometheus scrapes each instance and sums).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Label values, in the order of the metric's label names.
type Labels = Vec<String>;

#[derive(Default)]
struct Histogram {
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

/// This instance's metrics.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<Labels, u64>>,
    latency: Mutex<BTreeMap<Labels, Histogram>>,
    outcomes: Mutex<BTreeMap<Labels, u64>>,
    webhook_deliveries: Mutex<BTreeMap<Labels, u64>>,
    live_connections: AtomicI64,
}

/// Gauges read when scraped (from the database and the pool).
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// `sqlite` or `postgres`.
    pub store: &'static str,
    /// Queued actions and undo requests waiting for an executor (`None`: could not be read).
    pub queue_depth: Option<u64>,
    /// Connections open, lent out, and the most the pool opens.
    pub pool: (usize, usize, usize),
    /// 1 while ready, 0 while the database is unreachable or the server is stopping.
    pub ready: bool,
    /// Webhook deliveries waiting and dead (`None`: no receivers, or could not be read).
    pub webhook_outbox: Option<crate::store::outbox::OutboxBacklog>,
}

/// Escapes a label value (`\`, `"`, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(names: &[&str], values: &[String]) -> String {
    let pairs: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
        .collect();
    pairs.join(",")
}

impl Metrics {
    /// Counts one answered request and its latency.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let key = vec![method.to_owned(), route.to_owned(), status.to_string()];
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default() += 1;
        let secs = took.as_secs_f64();
        let mut latency = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = latency.entry(key).or_default();
        if h.buckets.is_empty() {
            h.buckets = vec![0; LATENCY_BUCKETS.len()];
        }
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.buckets[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Counts per-action outcomes of an operation (`approve`, `reject`, `undo`).
    pub fn outcomes<'a>(&self, operation: &str, outcomes: impl IntoIterator<Item = &'a str>) {
        let mut map = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
        for outcome in outcomes {
            *map.entry(vec![operation.to_owned(), outcome.to_owned()])
                .or_default() += 1;
        }
    }

    /// Counts one webhook attempt to `receiver` (its origin): `delivered`, `failed` (tried
    /// again later) or `dead` (the last attempt failed).
    pub fn webhook_delivery(&self, receiver: &str, outcome: &str) {
        *self
            .webhook_deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(vec![receiver.to_owned(), outcome.to_owned()])
            .or_default() += 1;
    }

    /// A live-update stream opened (+1) or closed (-1).
    pub fn live_connection(&self, delta: i64) {
        self.live_connections.fetch_add(delta, Ordering::Relaxed);
    }

    /// Open live-update streams.
    pub fn live_connections(&self) -> i64 {
        self.live_connections.load(Ordering::Relaxed)
    }

    /// Everything, in the text exposition format.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP action_center_http_requests_total HTTP requests answered, by route and status.\n\
             # TYPE action_center_http_requests_total counter"
        );
        let names = ["method", "route", "status"];
        for (key, n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "action_center_http_requests_total{{{}}} {n}",
                labels(&names, key)
            );
        }
        let _ = writeln!(
            out,
            "# HELP action_center_http_request_duration_seconds Time to answer, by route and status.\n\
             # TYPE action_center_http_request_duration_seconds histogram"
        );
        for (key, h) in self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let l = labels(&names, key);
            for (bound, n) in LATENCY_BUCKETS.iter().zip(&h.buckets) {
                let _ = writeln!(
                    out,
                    "action_center_http_request_duration_seconds_bucket{{{l},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "action_center_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}\n\
                 action_center_http_request_duration_seconds_sum{{{l}}} {}\n\
                 action_center_http_request_duration_seconds_count{{{l}}} {}",
                h.count, h.sum, h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP action_center_action_outcomes_total Per-action outcomes of decisions and undos.\n\
             # TYPE action_center_action_outcomes_total counter"
        );
        for (key, n) in self
            .outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "action_center_action_outcomes_total{{{}}} {n}",
                labels(&["operation", "outcome"], key)
            );
        }
        let _ = writeln!(
            out,
            "# HELP action_center_webhook_deliveries_total Webhook attempts by receiver and outcome (delivered, failed and retried, dead).\n\
             # TYPE action_center_webhook_deliveries_total counter"
        );
        for (key, n) in self
            .webhook_deliveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "action_center_webhook_deliveries_total{{{}}} {n}",
                labels(&["receiver", "outcome"], key)
            );
        }
        if let Some(backlog) = gauges.webhook_outbox {
            let _ = writeln!(
                out,
                "# HELP action_center_webhook_outbox Webhook deliveries waiting to be delivered, and dead ones (given up).\n\
                 # TYPE action_center_webhook_outbox gauge\n\
                 action_center_webhook_outbox{{state=\"waiting\"}} {}\n\
                 action_center_webhook_outbox{{state=\"dead\"}} {}",
                backlog.waiting, backlog.dead
            );
        }
        let _ = writeln!(
            out,
            "# HELP action_center_live_update_connections Open live-update (SSE) streams.\n\
             # TYPE action_center_live_update_connections gauge\n\
             action_center_live_update_connections {}",
            self.live_connections()
        );
        if let Some(depth) = gauges.queue_depth {
            let _ = writeln!(
                out,
                "# HELP action_center_executor_queue_depth Queued actions and undo requests waiting for an executor.\n\
                 # TYPE action_center_executor_queue_depth gauge\n\
                 action_center_executor_queue_depth {depth}"
            );
        }
        let (open, in_use, max) = gauges.pool;
        let _ = writeln!(
            out,
            "# HELP action_center_db_pool_connections Database connections of this instance.\n\
             # TYPE action_center_db_pool_connections gauge\n\
             action_center_db_pool_connections{{state=\"open\"}} {open}\n\
             action_center_db_pool_connections{{state=\"in_use\"}} {in_use}\n\
             action_center_db_pool_connections{{state=\"max\"}} {max}\n\
             # HELP action_center_ready 1 when the instance can serve (database reachable, schema current).\n\
             # TYPE action_center_ready gauge\n\
             action_center_ready{{store=\"{}\"}} {}",
            gauges.store,
            u8::from(gauges.ready)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_in_the_text_format() {
        let m = Metrics::default();
        m.request("GET", "/api/v1/actions", 200, Duration::from_millis(3));
        m.request("GET", "/api/v1/actions", 200, Duration::from_millis(30));
        m.request("POST", "/api/v1/decisions", 409, Duration::from_millis(1));
        m.outcomes("approve", ["applied", "applied", "alreadyDecided"]);
        m.live_connection(2);
        m.live_connection(-1);
        m.webhook_delivery("https://hooks.example.com", "failed");
        m.webhook_delivery("https://hooks.example.com", "failed");
        let text = m.render(&Gauges {
            store: "sqlite",
            queue_depth: Some(4),
            pool: (3, 1, 9),
            ready: true,
            webhook_outbox: Some(crate::store::outbox::OutboxBacklog {
                waiting: 5,
                dead: 1,
            }),
        });
        let has = |line: &str| text.lines().any(|l| l == line);
        assert!(has(
            r#"action_center_http_requests_total{method="GET",route="/api/v1/actions",status="200"} 2"#
        ));
        assert!(has(
            r#"action_center_http_request_duration_seconds_bucket{method="GET",route="/api/v1/actions",status="200",le="0.005"} 1"#
        ));
        assert!(has(
            r#"action_center_http_request_duration_seconds_bucket{method="GET",route="/api/v1/actions",status="200",le="0.05"} 2"#
        ));
        assert!(has(
            r#"action_center_http_request_duration_seconds_count{method="POST",route="/api/v1/decisions",status="409"} 1"#
        ));
        assert!(has(
            r#"action_center_action_outcomes_total{operation="approve",outcome="applied"} 2"#
        ));
        assert!(has("action_center_live_update_connections 1"));
        assert!(has(
            r#"action_center_webhook_deliveries_total{receiver="https://hooks.example.com",outcome="failed"} 2"#
        ));
        assert!(has(r#"action_center_webhook_outbox{state="dead"} 1"#));
        assert!(has("action_center_executor_queue_depth 4"));
        assert!(has(
            r#"action_center_db_pool_connections{state="in_use"} 1"#
        ));
        assert!(has(r#"action_center_ready{store="sqlite"} 1"#));
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
