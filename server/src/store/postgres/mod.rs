//! PostgreSQL, for several stateless instances on one database server: tokio-postgres on a
//! deadpool connection pool, migrations embedded ([`schema`]), row locks and advisory locks
//! where SQLite relies on its single writer ([`tx`]), and `LISTEN`/`NOTIFY` to fan live updates
//! out to every instance ([`listen`]).

mod listen;
mod memload;
mod outbox;
mod reads;
pub mod schema;
mod search;
mod seed;
mod tx;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use action_center_core::{Action, ActionQuery, Facets, TimelineEntry};
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio::sync::{broadcast, mpsc};
use tokio_postgres::NoTls;

use super::backend::{Backend, PoolUse, Stored, Tx};
use super::events::{Change, Replay};
use super::list::filter_tokens;
use super::list::ListResult;
use super::memsearch::MemSearch;
use super::outbox::{DeliveryFilter, DeliveryRow, OutboxBacklog};
use super::search_words;
use super::seed::SeedPlan;
use crate::errors::AppError;

/// The channel commits are announced on.
pub const EVENTS_CHANNEL: &str = "action_center_events";
/// Connections the pool opens at most, unless the URL says otherwise (`pool_max_size`).
const DEFAULT_POOL_SIZE: usize = 16;
/// How long a request waits for a free connection before answering 503.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// The PostgreSQL database.
pub struct PgBackend {
    pool: Pool,
    config: tokio_postgres::Config,
    /// This instance's search index (see [`super::memsearch`]).
    search: Arc<MemSearch>,
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match tokio_postgres::Config::from_str(url) {
        Ok(c) => {
            let hosts: Vec<String> = c
                .get_hosts()
                .iter()
                .map(|h| match h {
                    tokio_postgres::config::Host::Tcp(name) => name.clone(),
                    tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
                })
                .collect();
            let port = c.get_ports().first().copied().unwrap_or(5432);
            format!(
                "postgres://{}@{}:{port}/{}",
                c.get_user().unwrap_or(""),
                hosts.join(","),
                c.get_dbname().unwrap_or("")
            )
        }
        Err(_) => "postgres://(unparsable URL)".to_owned(),
    }
}

/// A database error with the server's message, code and position, for the log.
pub fn describe(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({}): {}", db.severity(), db.code().code(), db.message()),
        None => err.to_string(),
    }
}

/// Text for a column PostgreSQL compares or sorts on: `text` cannot hold NUL, so a NUL (only
/// ever in hostile input) becomes U+FFFD there. The stored JSON document keeps the original.
pub fn column_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        std::borrow::Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// An audit comment as stored: a JSON string, so every character (NUL included) comes back.
pub fn encode_comment(comment: Option<&str>) -> Option<String> {
    comment.map(|c| serde_json::Value::from(c).to_string())
}

/// The comment [`encode_comment`] stored.
pub fn decode_comment(stored: Option<&str>) -> Option<String> {
    stored.map(|s| serde_json::from_str::<String>(s).unwrap_or_else(|_| s.to_owned()))
}

/// ASCII lower case: how SQLite's `NOCASE` compares, so both stores sort names alike.
pub fn ascii_key(name: &str) -> String {
    column_text(name).to_ascii_lowercase()
}

/// The action's search words and filter tokens as a `tsvector` literal. Words are letters and
/// digits only, so they need no escaping and no stemming (a word is found as written); filter
/// tokens start with `~`, which no searched word has.
pub fn tsvector_literal(a: &Action) -> String {
    let words = search_words(a).into_iter().map(|w| format!("'{w}'"));
    let tokens = filter_tokens(a).into_iter().map(|t| format!("'~{t}'"));
    words.chain(tokens).collect::<Vec<_>>().join(" ")
}

impl PgBackend {
    /// Connects, migrates, and keeps a pool.
    pub async fn open(url: &str) -> Result<PgBackend, String> {
        let shown = redact(url);
        let fail = |e: AppError| format!("database {shown}: {e}");
        let config =
            tokio_postgres::Config::from_str(url).map_err(|e| format!("database URL: {e}"))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(DEFAULT_POOL_SIZE)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| format!("database pool: {e}"))?;
        let backend = PgBackend {
            pool,
            config,
            search: Arc::new(MemSearch::new()),
        };
        let mut client = backend
            .connect()
            .await
            .map_err(|e| format!("database {shown}: {e}"))?;
        schema::migrate(&mut client).await.map_err(fail)?;
        backend.load_search(&mut client).await.map_err(fail)?;
        Ok(backend)
    }

    /// Loads the search index from one snapshot (at start, and after a bulk seed).
    async fn load_search(&self, client: &mut tokio_postgres::Client) -> Result<(), AppError> {
        let started = std::time::Instant::now();
        let (index, through) = memload::load(client).await?;
        crate::telemetry::log::info(
            "search index loaded",
            &[
                ("actions", (index.len() as u64).into()),
                ("seconds", started.elapsed().as_secs_f64().into()),
            ],
        );
        self.search.replace(index, through);
        Ok(())
    }

    /// A connection of its own, outside the pool (the listener, migrations).
    async fn connect(&self) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                crate::telemetry::log::warn(
                    "database connection",
                    &[("error", err.to_string().into())],
                );
            }
        });
        Ok(client)
    }

    async fn client(&self) -> Result<Object, AppError> {
        Ok(self.pool.get().await?)
    }
}

#[async_trait]
impl Backend for PgBackend {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn blocking(&self) -> bool {
        false
    }

    fn announces_locally(&self) -> bool {
        false
    }

    async fn begin(&self) -> Result<Box<dyn Tx>, AppError> {
        Ok(Box::new(tx::PgTx::begin(self.client().await?).await?))
    }

    fn retryable(&self, err: &AppError) -> bool {
        err.is_conflict()
    }

    async fn list(&self, query: ActionQuery) -> Result<ListResult, AppError> {
        {
            let c = self.client().await?;
            reads::list(&c, &query, &self.search).await
        }
    }

    async fn facets(&self, query: ActionQuery) -> Result<Facets, AppError> {
        {
            let c = self.client().await?;
            reads::facets(&c, &query, &self.search).await
        }
    }

    async fn action(&self, id: String) -> Result<Option<Stored>, AppError> {
        {
            let c = self.client().await?;
            reads::action(&c, &id).await
        }
    }

    async fn timeline(&self, seq: i64) -> Result<Vec<TimelineEntry>, AppError> {
        {
            let c = self.client().await?;
            reads::timeline(&c, seq).await
        }
    }

    async fn related_instances(&self, action: Action) -> Result<Vec<Stored>, AppError> {
        {
            let c = self.client().await?;
            reads::related_instances(&c, &action).await
        }
    }

    async fn export(
        &self,
        query: ActionQuery,
        sink: mpsc::Sender<Result<Action, AppError>>,
    ) -> Result<(), AppError> {
        {
            let c = self.client().await?;
            reads::export(&c, &query, sink).await
        }
    }

    async fn last_event_id(&self) -> Result<i64, AppError> {
        {
            let c = self.client().await?;
            reads::last_event_id(&c).await
        }
    }

    async fn changes_since(&self, after: i64, max_entries: usize) -> Result<Replay, AppError> {
        {
            let mut c = self.client().await?;
            reads::changes_since(&mut c, after, max_entries).await
        }
    }

    async fn ready(&self) -> Result<(), AppError> {
        {
            let c = self.client().await?;
            schema::check_current(&c).await
        }
    }

    fn pool_use(&self) -> PoolUse {
        let s = self.pool.status();
        PoolUse {
            open: s.size,
            in_use: s.size.saturating_sub(s.available),
            max: s.max_size,
        }
    }

    async fn queue_depth(&self) -> Result<u64, AppError> {
        {
            let c = self.client().await?;
            reads::queue_depth(&c).await
        }
    }

    async fn deliveries(
        &self,
        filter: DeliveryFilter,
        limit: usize,
    ) -> Result<Vec<DeliveryRow>, AppError> {
        let c = self.client().await?;
        outbox::list(&c, filter, limit).await
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, AppError> {
        let c = self.client().await?;
        outbox::backlog(&c).await
    }

    async fn seed(&self, plan: SeedPlan) -> Result<bool, AppError> {
        let mut client = self
            .connect()
            .await
            .map_err(|e| AppError::unavailable(format!("database: {e}")))?;
        let seeded = seed::seed(&mut client, plan).await?;
        if seeded {
            self.load_search(&mut client).await?;
        }
        Ok(seeded)
    }

    fn committed(&self, changes: &[(i64, Change)]) {
        self.search
            .apply(changes.iter().map(|(row, c)| (*row, &c.action)), None);
    }

    fn listen(&self, events: broadcast::Sender<Change>) -> Option<tokio::task::JoinHandle<()>> {
        Some(tokio::spawn(listen::follow(
            self.config.clone(),
            self.pool.clone(),
            events,
            Arc::clone(&self.search),
        )))
    }
}
