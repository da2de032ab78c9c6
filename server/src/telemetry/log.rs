//! Log lines: `text` for people (the default) or `json` for log pipelines (`--log-format
//! json`), one object per line with `ts`, `level`, `msg` and the fields given — for a request:
//! its id, method, route, status and duration. No line holds a credential: requests are logged
//! by route and path, never with their query string or headers.

use std::io::Write as _;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `2026-01-01T00:00:00.000Z INFO message key=value …`
    #[default]
    Text,
    /// `{"ts":"…","level":"info","msg":"…","key":"value",…}`
    Json,
}

impl Format {
    /// `text` or `json`.
    pub fn parse(raw: &str) -> Option<Format> {
        match raw {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

static FORMAT: OnceLock<Format> = OnceLock::new();

/// Sets the format for the process (the first call wins).
pub fn init(format: Format) {
    let _ = FORMAT.set(format);
}

fn format() -> Format {
    FORMAT.get().copied().unwrap_or_default()
}

/// One log line as it is written.
pub fn render(format: Format, level: &str, msg: &str, fields: &[(&str, Value)]) -> String {
    let ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    match format {
        Format::Json => {
            let mut object = Map::new();
            object.insert("ts".into(), ts.into());
            object.insert("level".into(), level.into());
            object.insert("msg".into(), msg.into());
            for (k, v) in fields {
                object.insert((*k).to_owned(), v.clone());
            }
            Value::Object(object).to_string()
        }
        Format::Text => {
            let mut line = format!("{ts} {} {msg}", level.to_uppercase());
            for (k, v) in fields {
                match v {
                    Value::String(s) => line.push_str(&format!(" {k}={s:?}")),
                    other => line.push_str(&format!(" {k}={other}")),
                }
            }
            line
        }
    }
}

fn write(level: &str, msg: &str, fields: &[(&str, Value)]) {
    let line = render(format(), level, msg, fields);
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Something worth knowing.
pub fn info(msg: &str, fields: &[(&str, Value)]) {
    write("info", msg, fields);
}

/// Something went wrong but the server goes on.
pub fn warn(msg: &str, fields: &[(&str, Value)]) {
    write("warn", msg, fields);
}

/// A request failed on the server's side.
pub fn error(msg: &str, fields: &[(&str, Value)]) {
    write("error", msg, fields);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_are_one_object_with_the_fields() {
        let line = render(
            Format::Json,
            "info",
            "request",
            &[("requestId", "r-1".into()), ("status", 200.into())],
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["level"], "info");
        assert_eq!(v["msg"], "request");
        assert_eq!(v["requestId"], "r-1");
        assert_eq!(v["status"], 200);
        assert!(v["ts"].as_str().unwrap().ends_with('Z'));
        let text = render(Format::Text, "warn", "slow", &[("route", "/x".into())]);
        assert!(text.contains("WARN slow route=\"/x\""), "{text}");
    }
}
