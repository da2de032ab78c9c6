//! The command line: `action-center-server [--listen ADDR] [--database URL] [--static-dir DIR]
//! [--demo] [--demo-actions N] [--users FILE] [--frame-ancestors SOURCES] [--expiry-days N]
//! [--executor-delay-ms N] [--seed-only] [--log-format text|json] [--drain-timeout N]
//! [--policy FILE] [--oidc-* …] [--webhook URL … | --webhooks FILE]`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::oidc::{OidcConfig, OidcFlags};
use crate::webhooks::{WebhookConfig, WebhookFlags};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Where the data lives: a SQLite file (a path or `sqlite:PATH`) or a PostgreSQL URL
    /// (`postgres://…`).
    pub database: String,
    /// The built app, served at `/`.
    pub static_dir: Option<PathBuf>,
    /// Demo accounts, demo data, the simulated executor and `/embed-example.html`.
    pub demo: bool,
    /// How many demo actions to seed into an empty database.
    pub demo_actions: usize,
    /// Real accounts (TOML).
    pub users: Option<PathBuf>,
    /// CSP `frame-ancestors` sources.
    pub frame_ancestors: String,
    /// Days until a pending action expires.
    pub expiry_days: i64,
    /// Delay of each simulated executor step.
    pub executor_delay: Duration,
    /// Seed the demo data and exit.
    pub seed_only: bool,
    /// The identity provider whose bearer JWTs are accepted (`--oidc-*`), if any.
    pub oidc: Option<Box<OidcConfig>>,
    /// How log lines look.
    pub log_format: crate::telemetry::log::Format,
    /// A log line per request (off when the load balancer logs them already).
    pub access_log: bool,
    /// How long a shutdown waits for requests in flight.
    pub drain_timeout: Duration,
    /// The approval policy (`--policy FILE`, else the built-in one).
    pub policy: Box<action_center_core::Policy>,
    /// Signed webhooks of every state change (`--webhook*`; none by default).
    pub webhooks: Box<WebhookConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: "action-center.db".to_owned(),
            static_dir: None,
            demo: false,
            demo_actions: 300,
            users: None,
            frame_ancestors: "'self'".to_owned(),
            expiry_days: 7,
            executor_delay: Duration::from_millis(1500),
            seed_only: false,
            oidc: None,
            log_format: Default::default(),
            access_log: true,
            drain_timeout: Duration::from_secs(10),
            policy: Default::default(),
            webhooks: Box::default(),
        }
    }
}

/// What to print for `--help`.
pub const USAGE: &str = "\
Usage: action-center-server [OPTIONS]

  --listen ADDR             address to listen on (default 127.0.0.1:8080; port 0 picks one)
  --database URL            where the data lives: a SQLite file (PATH or sqlite:PATH, default
                            action-center.db) or PostgreSQL (postgres://user:pass@host:port/db;
                            several instances may share one database)
  --static-dir DIR          serve the built app from DIR at / (SPA fallback to index.html)
  --demo                    demo accounts, demo data on an empty database, simulated executor,
                            and the embedding example at /embed-example.html
  --demo-actions N          number of demo actions to seed (default 300)
  --users FILE              accounts from a TOML file ([[user]] id, displayName, roles, tokenSha256)
  --frame-ancestors SOURCES CSP frame-ancestors (default 'self')
  --expiry-days N           days until a pending action expires (default 7)
  --executor-delay-ms N     delay of each simulated executor step (default 1500)
  --seed-only               seed the demo data and exit
  --log-format FORMAT       text (default) or json: one JSON object per line, with request ids
  --no-access-log           no log line per request (errors are still logged)
  --drain-timeout N         seconds a shutdown waits for requests in flight (default 10)
  --policy FILE             approval policy (TOML: [[rules]] actionTypes, assetTags,
                            requiredApprovals, reapproveOnRetry; selfApproval). Default: two
                            responders for assets tagged critical or domain-controller, never
                            one's own request, retries under the approval they had

Sign-in with an identity provider (OpenID Connect; bearer JWTs beside --users tokens):
  --oidc-issuer URL         the issuer (https; http only on loopback), e.g.
                            https://login.microsoftonline.com/TENANT/v2.0
  --oidc-audience X         the `aud` access tokens carry (repeatable), e.g. api://action-center
  --oidc-client-id ID       the standalone app's public client id (default: the audience)
  --oidc-scopes \"A B\"     scopes the app asks for (default \"openid profile email\")
  --oidc-roles-claim PATH   claim with the roles (default roles; e.g. groups, realm_access.roles)
  --oidc-role VALUE=ROLE    map a claim value to viewer, responder or integration (repeatable;
                            without any, the values viewer/responder/integration themselves)
  --oidc-default-role ROLE  role of a signed-in user whose token maps to none (default: refused)
  --oidc-provider-name NAME the button reads \"Sign in with NAME\" (default: the issuer's host)
  --oidc-config FILE        the same settings in TOML (issuer, audience, clientId, scopes,
                            rolesClaim, [roles], defaultRole, nameClaim, providerName)

Webhooks (a signed JSON event for every state change; see Action-Center-Signature):
  --webhook URL             post events to URL (http or https; repeatable)
  --webhook-secret-file F   the --webhook URLs' secrets, one per line in the same order
                            (without it, every --webhook URL uses $AC_WEBHOOK_SECRET)
  --webhooks FILE           receivers in TOML: [[receiver]] url, secret or secretFile
  --webhook-max-attempts N  attempts before a delivery is given up (default 12; 1 s, 2 s,
                            4 s … apart, at most 5 min); dead ones: GET /webhooks/deliveries
  --help                    this text
";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Run (or seed) with this configuration.
    Run(Box<Config>),
    /// Print the usage.
    Help,
}

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut config = Config::default();
    let mut oidc = OidcFlags::default();
    let mut webhooks = WebhookFlags::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--listen" => {
                let v = value(&name)?;
                config.listen = v
                    .parse()
                    .map_err(|_| format!("--listen: '{v}' is not an address like 127.0.0.1:8080"))?
            }
            "--database" => config.database = value(&name)?,
            "--static-dir" => config.static_dir = Some(PathBuf::from(value(&name)?)),
            "--demo" => config.demo = true,
            "--demo-actions" => config.demo_actions = number(&name, &value(&name)?)?,
            "--users" => config.users = Some(PathBuf::from(value(&name)?)),
            "--frame-ancestors" => config.frame_ancestors = value(&name)?,
            "--expiry-days" => {
                config.expiry_days = number::<i64>(&name, &value(&name)?)?.clamp(1, 3650)
            }
            "--executor-delay-ms" => {
                config.executor_delay = Duration::from_millis(number(&name, &value(&name)?)?)
            }
            "--seed-only" => config.seed_only = true,
            "--oidc-config" => oidc.config_file = Some(value(&name)?),
            "--oidc-issuer" => oidc.issuer = Some(value(&name)?),
            "--oidc-audience" => oidc.audiences.push(value(&name)?),
            "--oidc-client-id" => oidc.client_id = Some(value(&name)?),
            "--oidc-scopes" => oidc.scopes = Some(value(&name)?),
            "--oidc-roles-claim" => oidc.roles_claim = Some(value(&name)?),
            "--oidc-role" => oidc.roles.push(value(&name)?),
            "--oidc-default-role" => oidc.default_role = Some(value(&name)?),
            "--oidc-provider-name" => oidc.provider_name = Some(value(&name)?),
            "--log-format" => {
                let v = value(&name)?;
                config.log_format = crate::telemetry::log::Format::parse(&v)
                    .ok_or_else(|| format!("--log-format: '{v}' is not text or json"))?
            }
            "--no-access-log" => config.access_log = false,
            "--policy" => config.policy = Box::new(crate::policy::load(Path::new(&value(&name)?))?),
            "--webhook" => webhooks.urls.push(value(&name)?),
            "--webhook-secret-file" => webhooks.secret_file = Some(PathBuf::from(value(&name)?)),
            "--webhooks" => webhooks.config_file = Some(PathBuf::from(value(&name)?)),
            "--webhook-max-attempts" => {
                webhooks.max_attempts = Some(number(&name, &value(&name)?)?)
            }
            // Not in the usage: tests shorten the first wait.
            "--webhook-backoff-ms" => {
                webhooks.backoff = Some(Duration::from_millis(number(&name, &value(&name)?)?))
            }
            "--drain-timeout" => {
                config.drain_timeout =
                    Duration::from_secs(number::<u64>(&name, &value(&name)?)?.min(3600))
            }
            other => return Err(format!("unknown argument '{other}' (try --help)")),
        }
    }
    if config
        .frame_ancestors
        .chars()
        .any(|c| c == ';' || c == ',' || c.is_control())
    {
        return Err(
            "--frame-ancestors: sources may not contain ';', ',' or control characters".into(),
        );
    }
    config.oidc = OidcConfig::from_flags(&oidc)?.map(Box::new);
    let env_secret = if webhooks.urls.is_empty() || webhooks.secret_file.is_some() {
        None
    } else {
        std::env::var(crate::webhooks::config::SECRET_ENV).ok()
    };
    config.webhooks = Box::new(WebhookConfig::from_flags(&webhooks, env_secret)?);
    Ok(Command::Run(Box::new(config)))
}

fn number<T: std::str::FromStr>(name: &str, raw: &str) -> Result<T, String> {
    raw.parse()
        .map_err(|_| format!("{name}: '{raw}' is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Config {
        match parse(args.iter().map(|s| s.to_string())).unwrap() {
            Command::Run(c) => *c,
            Command::Help => panic!("help"),
        }
    }

    #[test]
    fn defaults_and_every_flag() {
        let c = run(&[]);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.demo_actions, 300);
        let c = run(&[
            "--listen",
            "127.0.0.1:0",
            "--database",
            "x.db",
            "--static-dir",
            "dist",
            "--demo",
            "--demo-actions",
            "1000",
            "--users",
            "u.toml",
            "--frame-ancestors",
            "'none'",
            "--expiry-days",
            "3",
            "--executor-delay-ms=200",
            "--seed-only",
            "--log-format",
            "json",
            "--drain-timeout=3",
            "--no-access-log",
        ]);
        assert!(!c.access_log);
        assert_eq!(c.log_format, crate::telemetry::log::Format::Json);
        assert_eq!(c.drain_timeout, Duration::from_secs(3));
        assert_eq!(c.listen.port(), 0);
        assert!(c.demo && c.seed_only);
        assert_eq!(c.demo_actions, 1000);
        assert_eq!(c.expiry_days, 3);
        assert_eq!(c.executor_delay, Duration::from_millis(200));
        assert_eq!(c.frame_ancestors, "'none'");
    }

    #[test]
    fn bad_arguments_are_reported() {
        assert!(parse(["--bogus".to_string()]).is_err());
        assert!(parse(["--listen".to_string(), "nowhere".to_string()]).is_err());
        assert!(parse(["--demo-actions".to_string()]).is_err());
        assert!(parse(["--log-format=xml".to_string()]).is_err());
        assert!(parse(["--oidc-audience".to_string(), "x".to_string()]).is_err());
    }

    #[test]
    fn webhook_flags_make_receivers() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("secrets");
        std::fs::write(&secrets, "k1\nk2\n").unwrap();
        let c = run(&[
            "--webhook",
            "https://a.example/hook",
            "--webhook=http://b.example:9000/in?token=t",
            "--webhook-secret-file",
            secrets.to_str().unwrap(),
            "--webhook-max-attempts",
            "4",
            "--webhook-backoff-ms=25",
        ]);
        let w = &c.webhooks;
        assert_eq!(w.receivers.len(), 2);
        assert_eq!(w.receivers[1].origin, "http://b.example:9000");
        assert_eq!(w.max_attempts, 4);
        assert_eq!(w.backoff, Duration::from_millis(25));
        let err = parse(
            [
                "--webhook",
                "https://a.example/hook",
                "--webhook-secret-file",
                "/nonexistent",
            ]
            .map(String::from),
        )
        .unwrap_err();
        assert!(err.contains("--webhook-secret-file"), "{err}");
    }

    #[test]
    fn oidc_flags_make_a_provider() {
        assert!(run(&[]).oidc.is_none());
        let c = run(&[
            "--oidc-issuer",
            "https://idp.example.com/realms/soc",
            "--oidc-audience=action-center",
            "--oidc-client-id",
            "ac-app",
            "--oidc-scopes",
            "openid profile offline_access",
            "--oidc-roles-claim",
            "groups",
            "--oidc-role",
            "SOC=responder",
            "--oidc-provider-name",
            "Keycloak",
        ]);
        let oidc = c.oidc.unwrap();
        assert_eq!(oidc.client_id, "ac-app");
        assert!(!c.webhooks.enabled());
        assert_eq!(oidc.scopes, ["openid", "profile", "offline_access"]);
        assert_eq!(oidc.roles_claim, "groups");
        assert_eq!(oidc.provider_name, "Keycloak");
    }
}
