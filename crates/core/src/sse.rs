//! Server-Sent Events: an incremental parser of a `text/event-stream` body, as the HTML
//! standard interprets it ("Interpreting an event stream"), and the reconnection delay.
//!
//! The app reads the live-update stream with `fetch` (so that the token travels in the
//! `Authorization` header, never in the URL) and feeds the body's chunks here as they arrive.
//! Chunks may split a line, a CRLF pair or a UTF-8 sequence anywhere; the events that come out
//! are the same however the body was cut. Lines and events are bounded, so a hostile or broken
//! server cannot make the app hold unbounded memory.

use std::time::Duration;

/// The longest line kept (1 MiB); a longer one is dropped whole, with the event it belongs to.
pub const MAX_LINE: usize = 1 << 20;
/// The most data one event may carry (4 MiB); a bigger event is dropped.
pub const MAX_EVENT: usize = 4 << 20;

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The event type (`event:` field), `message` when none was given.
    pub event: String,
    /// The data lines joined with `\n`.
    pub data: String,
    /// The stream's last event id when this event was dispatched (empty: none yet).
    pub last_event_id: String,
}

/// The parser's state between chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    line_too_long: bool,
    after_cr: bool,
    /// Bytes of a leading byte order mark seen so far (3: past the start).
    bom_matched: usize,
    data: String,
    event_too_big: bool,
    event_type: String,
    last_event_id: String,
    retry: Option<u64>,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        SseParser::default()
    }

    /// The last event id seen (`id:` field), to send as `Last-Event-ID` on reconnection.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time the server asked for (`retry:` field), in milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry
    }

    /// Starts a new connection: the last event id and retry hint are kept, a half-read line
    /// or event of the old connection is dropped.
    pub fn reconnected(&mut self) {
        let last_event_id = std::mem::take(&mut self.last_event_id);
        let retry = self.retry;
        *self = SseParser {
            last_event_id,
            retry,
            ..SseParser::default()
        };
    }

    /// Parses the next chunk of the body; returns the events it completed, in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        /// A UTF-8 byte order mark at the very start is not part of the first line.
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        let mut events = Vec::new();
        for &byte in chunk {
            if self.bom_matched < BOM.len() {
                if byte == BOM[self.bom_matched] {
                    self.bom_matched += 1;
                    continue;
                }
                // Not a BOM after all: what looked like one is text of the first line.
                let matched = std::mem::replace(&mut self.bom_matched, BOM.len());
                for &held in &BOM[..matched] {
                    self.byte(held, &mut events);
                }
            }
            self.byte(byte, &mut events);
        }
        events
    }

    fn byte(&mut self, byte: u8, events: &mut Vec<SseEvent>) {
        if std::mem::replace(&mut self.after_cr, false) && byte == b'\n' {
            return;
        }
        match byte {
            b'\r' => {
                self.after_cr = true;
                self.end_line(events);
            }
            b'\n' => self.end_line(events),
            _ if self.line_too_long => {}
            _ if self.line.len() >= MAX_LINE => {
                self.line_too_long = true;
                self.line.clear();
            }
            _ => self.line.push(byte),
        }
    }

    fn end_line(&mut self, events: &mut Vec<SseEvent>) {
        let line = std::mem::take(&mut self.line);
        if std::mem::replace(&mut self.line_too_long, false) {
            // The line was cut: whatever event it belonged to cannot be trusted.
            self.event_too_big = true;
            return;
        }
        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        // Lines split on ASCII bytes only, so a UTF-8 sequence never spans two lines.
        let line = String::from_utf8_lossy(&line);
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (&*line, ""),
        };
        match field {
            "event" => self.event_type = value.to_owned(),
            "data" => {
                if self.data.len() + value.len() + 1 > MAX_EVENT {
                    self.event_too_big = true;
                    self.data.clear();
                } else if !self.event_too_big {
                    self.data.push_str(value);
                    self.data.push('\n');
                }
            }
            "id" if !value.contains('\0') => self.last_event_id = value.to_owned(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, events: &mut Vec<SseEvent>) {
        let mut data = std::mem::take(&mut self.data);
        let event_type = std::mem::take(&mut self.event_type);
        if std::mem::replace(&mut self.event_too_big, false) || data.is_empty() {
            return;
        }
        data.pop();
        events.push(SseEvent {
            event: if event_type.is_empty() {
                "message".to_owned()
            } else {
                event_type
            },
            data,
            last_event_id: self.last_event_id.clone(),
        });
    }
}

/// How long to wait before reconnection attempt `attempt` (0-based): the server's `retry:`
/// hint (else 1 s), doubled for each failed attempt up to 30 s, then spread by `jitter`
/// (0.0–1.0, random) over 50–100 % of that, so that many browsers cut off at once do not
/// all come back in the same instant.
pub fn reconnect_delay(attempt: u32, retry_hint_ms: Option<u64>, jitter: f64) -> Duration {
    const MAX_MS: u64 = 30_000;
    let base = retry_hint_ms.unwrap_or(1_000).clamp(100, MAX_MS);
    let full = base.saturating_mul(1u64 << attempt.min(8)).min(MAX_MS);
    let spread = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
    Duration::from_millis((full as f64 * spread) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(parser: &mut SseParser, body: &[u8]) -> Vec<(String, String, String)> {
        parser
            .feed(body)
            .into_iter()
            .map(|e| (e.event, e.data, e.last_event_id))
            .collect()
    }

    fn ev(event: &str, data: &str, id: &str) -> (String, String, String) {
        (event.to_owned(), data.to_owned(), id.to_owned())
    }

    #[test]
    fn fields_events_and_comments() {
        let mut p = SseParser::new();
        let got = all(
            &mut p,
            b": connected\nretry: 3000\n\nid: 7\nevent: action\ndata: {\"a\":1}\n\n\
              data: one\ndata:two\n\nid: 8\nevent: reset\ndata\n\n",
        );
        assert_eq!(
            got,
            vec![
                ev("action", "{\"a\":1}", "7"),
                ev("message", "one\ntwo", "7"),
                ev("reset", "", "8"),
            ]
        );
        assert_eq!(p.last_event_id(), "8");
        assert_eq!(p.retry_ms(), Some(3000));
    }

    #[test]
    fn crlf_and_cr_end_lines_even_across_chunks() {
        let mut p = SseParser::new();
        assert!(p.feed(b"data: a\r").is_empty());
        assert_eq!(
            all(&mut p, b"\n\r\ndata: b\r\r"),
            vec![ev("message", "a", ""), ev("message", "b", "")]
        );
    }

    #[test]
    fn a_bom_at_the_start_is_skipped_even_when_split() {
        let mut p = SseParser::new();
        assert!(p.feed(b"\xEF").is_empty());
        assert!(p.feed(b"\xBB").is_empty());
        assert_eq!(
            all(&mut p, b"\xBFdata: x\n\n"),
            vec![ev("message", "x", "")]
        );
    }

    #[test]
    fn an_event_without_data_is_not_dispatched_but_its_id_counts() {
        let mut p = SseParser::new();
        assert!(p.feed(b"id: 41\nevent: action\n\n").is_empty());
        assert_eq!(p.last_event_id(), "41");
        assert_eq!(all(&mut p, b"data: y\n\n"), vec![ev("message", "y", "41")]);
    }

    #[test]
    fn bad_retry_and_nul_ids_are_ignored_and_an_unfinished_event_is_not_sent() {
        let mut p = SseParser::new();
        assert!(p.feed(b"retry: 12a\nid: a\0b\ndata: half").is_empty());
        assert_eq!(p.retry_ms(), None);
        assert_eq!(p.last_event_id(), "");
        p.reconnected();
        assert_eq!(
            all(&mut p, b"data: whole\n\n"),
            vec![ev("message", "whole", "")]
        );
    }

    #[test]
    fn huge_lines_drop_their_event_and_the_stream_goes_on() {
        let mut p = SseParser::new();
        let mut body = b"data: ".to_vec();
        body.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        body.extend_from_slice(b"\n\ndata: after\n\n");
        assert_eq!(all(&mut p, &body), vec![ev("message", "after", "")]);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let mut p = SseParser::new();
        assert_eq!(
            all(&mut p, b"data: \xFF\xFE ok\n\n"),
            vec![ev("message", "\u{FFFD}\u{FFFD} ok", "")]
        );
    }

    #[test]
    fn reconnection_waits_grow_with_jitter_and_a_cap() {
        assert_eq!(reconnect_delay(0, None, 1.0), Duration::from_secs(1));
        assert_eq!(reconnect_delay(0, None, 0.0), Duration::from_millis(500));
        assert_eq!(
            reconnect_delay(3, Some(2_000), 1.0),
            Duration::from_secs(16)
        );
        assert_eq!(
            reconnect_delay(30, Some(2_000), 1.0),
            Duration::from_secs(30)
        );
        assert_eq!(
            reconnect_delay(u32::MAX, Some(u64::MAX), 7.0),
            Duration::from_secs(30)
        );
        assert_eq!(reconnect_delay(0, Some(0), 1.0), Duration::from_millis(100));
    }
}
