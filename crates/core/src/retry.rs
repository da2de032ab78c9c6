//! When the app asks again: a `429 Too Many Requests` answer is retried after the server's
//! `Retry-After` (a few times, never for long), and answers too large to hold are refused.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How many times one call waits out a 429 before it reports `rateLimited`.
pub const MAX_RATE_LIMITED_RETRIES: u32 = 3;

/// The longest the app waits for one `Retry-After`, whatever the server asks: past this the
/// analyst is better served by the error and its Retry button.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The wait when `Retry-After` is missing or unreadable.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The largest answer the app reads (a page of 200 actions is well under 1 MB).
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// How long to wait for `Retry-After: value` (delay-seconds or an HTTP date), from `now`;
/// clamped to between one second and [`MAX_RETRY_AFTER`].
pub fn retry_after(value: Option<&str>, now: DateTime<Utc>) -> Duration {
    let value = value.map(str::trim).unwrap_or("");
    let asked = if let Ok(seconds) = value.parse::<u64>() {
        Some(Duration::from_secs(seconds))
    } else {
        DateTime::parse_from_rfc2822(value)
            .ok()
            .map(|at| (at.with_timezone(&Utc) - now).to_std().unwrap_or_default())
    };
    asked
        .unwrap_or(DEFAULT_RETRY_AFTER)
        .clamp(Duration::from_secs(1), MAX_RETRY_AFTER)
}

/// What the app says while it waits: "The server is busy. Trying again in 3 s…".
pub fn busy_notice(wait: Duration) -> String {
    format!(
        "The server is busy. Trying again in {} s…",
        wait.as_secs().max(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap()
    }

    #[test]
    fn seconds_and_dates_are_read_and_kept_within_bounds() {
        assert_eq!(retry_after(Some("2"), now()), Duration::from_secs(2));
        assert_eq!(retry_after(Some(" 0 "), now()), Duration::from_secs(1));
        assert_eq!(retry_after(Some("86400"), now()), MAX_RETRY_AFTER);
        assert_eq!(
            retry_after(Some("Wed, 02 Dec 2026 08:00:05 GMT"), now()),
            Duration::from_secs(5)
        );
        assert_eq!(
            retry_after(Some("Wed, 02 Dec 2026 07:00:00 GMT"), now()),
            Duration::from_secs(1),
            "a date in the past"
        );
        for junk in [None, Some(""), Some("-3"), Some("soon"), Some("1.5")] {
            assert_eq!(retry_after(junk, now()), DEFAULT_RETRY_AFTER, "{junk:?}");
        }
    }

    #[test]
    fn the_notice_says_how_long() {
        assert_eq!(
            busy_notice(Duration::from_secs(3)),
            "The server is busy. Trying again in 3 s…"
        );
    }
}
