//! Which receivers get webhooks, with which secret, and how hard the server tries: the
//! `--webhook*` flags and the `--webhooks FILE` TOML file, checked once at start-up (a receiver
//! without a secret or with a URL that is not http(s) stops the start, with a message that never
//! shows the secret nor the URL's path and query).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::store::OutboxTarget;

/// Attempts before a delivery is given up ("dead"), unless configured.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;
/// Wait after the first failed attempt; doubles after each further one.
pub const DEFAULT_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// How long a receiver has to answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The environment variable with the secret of every `--webhook` URL (without a secret file).
pub const SECRET_ENV: &str = "AC_WEBHOOK_SECRET";

/// A signing secret. Never printed: `Debug` shows a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret's bytes, for the HMAC key.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One receiver, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    /// Stable id in the outbox: a digest of the URL (the URL itself may carry a token).
    pub id: String,
    /// Where events are posted. Never logged: only [`Receiver::origin`] is.
    pub url: reqwest::Url,
    /// `scheme://host[:port]`, for logs, metrics and the operator's listing.
    pub origin: String,
    /// The signing secret.
    pub secret: Secret,
}

impl Receiver {
    /// The receiver as the outbox knows it.
    pub fn target(&self) -> OutboxTarget {
        OutboxTarget {
            id: self.id.clone(),
            origin: self.origin.clone(),
        }
    }
}

/// Webhook delivery, checked (no receivers: the feature is off and costs nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Where every state change is posted.
    pub receivers: Vec<Receiver>,
    /// Attempts before a delivery is dead (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failed attempt.
    pub backoff: Duration,
    /// How long a receiver has to answer.
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            receivers: Vec::new(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff: DEFAULT_BACKOFF,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// The `--webhook*` flags as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookFlags {
    /// `--webhook URL` (repeatable).
    pub urls: Vec<String>,
    /// `--webhook-secret-file FILE`: one secret per line, in the order of the URLs.
    pub secret_file: Option<PathBuf>,
    /// `--webhooks FILE`: `[[receiver]]` tables.
    pub config_file: Option<PathBuf>,
    /// `--webhook-max-attempts N`.
    pub max_attempts: Option<u32>,
    /// `--webhook-backoff-ms N` (for tests: the first wait).
    pub backoff: Option<Duration>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WebhooksFile {
    #[serde(default)]
    receiver: Vec<ReceiverEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReceiverEntry {
    url: String,
    secret: Option<String>,
    secret_file: Option<PathBuf>,
}

/// The origin of a URL, or a placeholder: what messages may show of it.
fn shown(url: &str) -> String {
    match reqwest::Url::parse(url.trim()) {
        Ok(u) if u.has_host() => u.origin().ascii_serialization(),
        _ => "(not an absolute URL)".to_owned(),
    }
}

/// Checks one receiver; `what` names where it came from, for messages.
fn receiver(url: &str, secret: Option<String>, what: &str) -> Result<Receiver, String> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|_| format!("{what}: the receiver URL is not an absolute URL"))?;
    let origin = parsed.origin().ascii_serialization();
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() {
        return Err(format!(
            "{what}: receiver {origin} must be an http:// or https:// URL"
        ));
    }
    let secret = secret
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            format!(
                "{what}: receiver {origin} has no secret (--webhook-secret-file, {SECRET_ENV}, \
                 or secret / secretFile in the --webhooks file)"
            )
        })?;
    let digest = Sha256::digest(parsed.as_str().as_bytes());
    let id = super::sign::hex(&digest[..8]);
    Ok(Receiver {
        id,
        url: parsed,
        origin,
        secret: Secret(secret),
    })
}

fn read_secret_file(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{what}: cannot read the secret file {}: {e}",
            path.display()
        )
    })
}

fn from_file(path: &Path) -> Result<Vec<Receiver>, String> {
    let what = format!("--webhooks {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| format!("{what}: {e}"))?;
    // The error names the key, never a value (a value may be a secret).
    let file: WebhooksFile = toml::from_str(&text).map_err(|e| {
        let span = e
            .span()
            .map(|s| format!(" near byte {}", s.start))
            .unwrap_or_default();
        format!("{what}: not a [[receiver]] list with url and secret or secretFile{span}")
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    file.receiver
        .into_iter()
        .map(|entry| {
            let secret = match (entry.secret, entry.secret_file) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "{what}: receiver {} has both secret and secretFile",
                        shown(&entry.url)
                    ))
                }
                (Some(s), None) => Some(s),
                (None, Some(file)) => Some(read_secret_file(&base.join(file), &what)?),
                (None, None) => None,
            };
            receiver(&entry.url, secret, &what)
        })
        .collect()
}

impl WebhookConfig {
    /// The configuration the flags describe; `env_secret` is [`SECRET_ENV`]'s value.
    pub fn from_flags(
        flags: &WebhookFlags,
        env_secret: Option<String>,
    ) -> Result<WebhookConfig, String> {
        let mut receivers = Vec::new();
        let secrets: Vec<Option<String>> = match &flags.secret_file {
            Some(path) => {
                let text = read_secret_file(path, "--webhook-secret-file")?;
                let lines: Vec<String> = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect();
                if lines.len() != flags.urls.len() {
                    return Err(format!(
                        "--webhook-secret-file: {} secrets for {} --webhook URLs (one per line, \
                         in the same order)",
                        lines.len(),
                        flags.urls.len()
                    ));
                }
                lines.into_iter().map(Some).collect()
            }
            None => vec![env_secret; flags.urls.len()],
        };
        for (url, secret) in flags.urls.iter().zip(secrets) {
            receivers.push(receiver(url, secret, "--webhook")?);
        }
        if let Some(path) = &flags.config_file {
            receivers.extend(from_file(path)?);
        }
        for (i, r) in receivers.iter().enumerate() {
            if receivers[..i].iter().any(|other| other.id == r.id) {
                return Err(format!(
                    "webhooks: receiver {} is configured twice with the same URL",
                    r.origin
                ));
            }
        }
        let max_attempts = flags.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
        if max_attempts == 0 {
            return Err("--webhook-max-attempts must be at least 1".into());
        }
        Ok(WebhookConfig {
            receivers,
            max_attempts,
            backoff: flags
                .backoff
                .unwrap_or(DEFAULT_BACKOFF)
                .max(Duration::from_millis(1)),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Whether any receiver is configured.
    pub fn enabled(&self) -> bool {
        !self.receivers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(urls: &[&str]) -> WebhookFlags {
        WebhookFlags {
            urls: urls.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn urls_take_the_secret_from_the_environment_or_a_file() {
        let c = WebhookConfig::from_flags(
            &flags(&["https://hooks.example.com/in?token=abc"]),
            Some("s3cret".into()),
        )
        .unwrap();
        let r = &c.receivers[0];
        assert_eq!(r.origin, "https://hooks.example.com");
        assert_eq!(r.secret.expose(), b"s3cret");
        assert_eq!(r.id.len(), 16);
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "Debug hides the secret"
        );
        assert_eq!(c.max_attempts, 12);

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets");
        std::fs::write(&file, "one\r\ntwo\n\n").unwrap();
        let mut f = flags(&["http://a.example/x", "http://b.example:8080/y"]);
        f.secret_file = Some(file.clone());
        let c = WebhookConfig::from_flags(&f, None).unwrap();
        assert_eq!(c.receivers[1].secret.expose(), b"two");
        assert_eq!(c.receivers[1].origin, "http://b.example:8080");
        f.urls.pop();
        let err = WebhookConfig::from_flags(&f, None).unwrap_err();
        assert!(err.contains("2 secrets for 1"), "{err}");
    }

    #[test]
    fn a_receiver_without_a_secret_or_with_another_scheme_is_refused() {
        let err = WebhookConfig::from_flags(&flags(&["https://h.example/p?token=abc"]), None)
            .unwrap_err();
        assert!(err.contains("has no secret"), "{err}");
        assert!(!err.contains("token"), "no query string in messages: {err}");
        let err = WebhookConfig::from_flags(&flags(&["ftp://h.example/p"]), Some("s".into()))
            .unwrap_err();
        assert!(err.contains("http:// or https://"), "{err}");
        let err = WebhookConfig::from_flags(&flags(&["not a url"]), Some("s".into())).unwrap_err();
        assert!(err.contains("not an absolute URL"), "{err}");
        let err = WebhookConfig::from_flags(
            &flags(&["https://h.example/p", "https://h.example/p"]),
            Some("s".into()),
        )
        .unwrap_err();
        assert!(err.contains("twice"), "{err}");
    }

    #[test]
    fn the_file_lists_receivers_with_a_secret_or_a_secret_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.secret"), "from-file\n").unwrap();
        let path = dir.path().join("webhooks.toml");
        std::fs::write(
            &path,
            r#"
            [[receiver]]
            url = "https://a.example/hook"
            secret = "inline"

            [[receiver]]
            url = "https://b.example/hook"
            secretFile = "b.secret"
            "#,
        )
        .unwrap();
        let f = WebhookFlags {
            config_file: Some(path.clone()),
            max_attempts: Some(3),
            ..Default::default()
        };
        let c = WebhookConfig::from_flags(&f, None).unwrap();
        assert_eq!(c.receivers.len(), 2);
        assert_eq!(c.receivers[0].secret.expose(), b"inline");
        assert_eq!(c.receivers[1].secret.expose(), b"from-file");
        assert_eq!(c.max_attempts, 3);

        std::fs::write(
            &path,
            "[[receiver]]\nurl = \"https://a.example/\"\nsecret = \"hunter2\"\ncolour = 1\n",
        )
        .unwrap();
        let err = WebhookConfig::from_flags(&f, None).unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        std::fs::write(&path, "[[receiver]]\nurl = \"https://a.example/\"\n").unwrap();
        let err = WebhookConfig::from_flags(&f, None).unwrap_err();
        assert!(err.contains("no secret"), "{err}");
    }
}
