//! SQLite, the embedded default: one file, one process. One writer connection (WAL) behind a
//! FIFO lock, a small pool of readers; all SQL runs on blocking threads.

mod memload;
mod outbox;
mod reads;
mod schema;
mod search;
mod tx;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use action_center_core::{Action, ActionQuery, Facets, TimelineEntry};
use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{broadcast, mpsc, Mutex as FairMutex};

use super::backend::{Backend, PoolUse, Stored, Tx};
use super::events::{Change, Replay};
use super::list::ListResult;
use super::memsearch::MemSearch;
use super::outbox::{DeliveryFilter, DeliveryRow, OutboxBacklog};
use super::seed::SeedPlan;
use crate::errors::AppError;

pub use reads::fts_query;
pub use schema::{create_indexes, drop_indexes};
pub use tx::{insert_audit, insert_row};

/// Readers kept open between requests.
const MAX_IDLE_READERS: usize = 8;
/// Actions per transaction while seeding.
const SEED_BATCH: usize = 20_000;
/// Above this many actions, indexes are dropped during the insert and built once after.
const BULK_THRESHOLD: usize = 20_000;

/// The SQLite database.
pub struct SqliteBackend {
    path: PathBuf,
    /// FIFO-fair, so a busy executor cannot starve a request of the writer.
    writer: Arc<FairMutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
    readers_out: std::sync::atomic::AtomicUsize,
    /// The search index (see [`super::memsearch`]): every write is in this process, so it is
    /// kept current by [`Backend::committed`] alone.
    search: Arc<MemSearch>,
}

fn configure(conn: &Connection, cache_kib: i64) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -{cache_kib};
         PRAGMA mmap_size = 4294967296;"
    ))
}

impl SqliteBackend {
    /// Opens (creating if needed) and migrates the database file.
    pub fn open(path: &Path) -> Result<SqliteBackend, String> {
        let fail = |e: rusqlite::Error| format!("database {}: {e}", path.display());
        let mut writer = Connection::open(path).map_err(fail)?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("database {}: WAL mode unavailable", path.display()));
        }
        configure(&writer, 65_536).map_err(fail)?;
        schema::migrate(&mut writer).map_err(fail)?;
        // Checkpoints run beside the writer (see `maintain`), not inside a request's commit.
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 0")
            .map_err(fail)?;
        let search = Arc::new(MemSearch::folding());
        load_search(&writer, &search).map_err(|e| format!("database {}: {e}", path.display()))?;
        Ok(SqliteBackend {
            path: path.to_owned(),
            writer: Arc::new(FairMutex::new(writer)),
            readers: Mutex::new(Vec::new()),
            readers_out: Default::default(),
            search,
        })
    }

    fn reader(&self) -> Result<Connection, AppError> {
        use std::sync::atomic::Ordering;
        self.readers_out.fetch_add(1, Ordering::Relaxed);
        if let Some(conn) = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(conn);
        }
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&conn, 131_072)?;
            rusqlite::vtab::array::load_module(&conn)?;
            conn.execute_batch("PRAGMA query_only = 1")?;
            Ok(conn)
        };
        open().map_err(|e| {
            self.readers_out.fetch_sub(1, Ordering::Relaxed);
            AppError::from(e)
        })
    }

    fn give_back(&self, conn: Connection) {
        self.readers_out
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }

    /// Runs `f` on a read connection, on this thread.
    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let conn = self.reader()?;
        let result = f(&conn);
        self.give_back(conn);
        result
    }

    /// Runs `f` on a read connection, on a blocking thread.
    async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
    {
        let conn = self.reader()?;
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let result = f(&conn);
            (conn, result)
        })
        .await
        .map_err(AppError::internal)?;
        self.give_back(conn);
        result
    }
}

/// Loads the search index (at start, and after a seed).
fn load_search(conn: &Connection, search: &MemSearch) -> Result<(), AppError> {
    let started = std::time::Instant::now();
    let index = memload::load(conn)?;
    crate::telemetry::log::info(
        "search index loaded",
        &[
            ("actions", (index.len() as u64).into()),
            ("seconds", started.elapsed().as_secs_f64().into()),
        ],
    );
    // No listener follows the audit trail here: where it stands does not matter.
    search.replace(index, 0);
    Ok(())
}

fn seed_blocking(writer: &FairMutex<Connection>, plan: SeedPlan) -> Result<bool, AppError> {
    let mut conn = writer.blocking_lock();
    let any: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM actions)", [], |r| r.get(0))?;
    if any || plan.count == 0 {
        return Ok(false);
    }
    let bulk = plan.count > BULK_THRESHOLD;
    conn.execute_batch("PRAGMA wal_autocheckpoint = 1000")?;
    if bulk {
        drop_indexes(&conn)?;
        conn.execute_batch("PRAGMA synchronous = OFF")?;
    }
    let mut drafts = (plan.drafts)();
    loop {
        let tx = conn.transaction()?;
        let mut inserted = 0;
        for draft in drafts.by_ref().take(SEED_BATCH) {
            let seq = insert_row(&tx, &draft.action)?;
            for e in draft.audit(seq) {
                insert_audit(&tx, &e)?;
            }
            inserted += 1;
        }
        tx.commit()?;
        if inserted < SEED_BATCH {
            break;
        }
    }
    conn.execute_batch(
        "DELETE FROM counters;
             INSERT INTO counters (status, action_type, source, category, entity_kind, n)
             SELECT status, action_type, source, category, entity_kind, count(*)
             FROM actions GROUP BY 1, 2, 3, 4, 5;",
    )?;
    search::rebuild(&conn, true)?;
    if bulk {
        create_indexes(&conn)?;
        conn.execute_batch("PRAGMA synchronous = NORMAL")?;
    }
    conn.execute_batch(
        "PRAGMA analysis_limit = 2000; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);
             PRAGMA wal_autocheckpoint = 0;",
    )?;
    Ok(true)
}

#[async_trait]
impl Backend for SqliteBackend {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn blocking(&self) -> bool {
        true
    }

    fn announces_locally(&self) -> bool {
        true
    }

    async fn begin(&self) -> Result<Box<dyn Tx>, AppError> {
        let conn = Arc::clone(&self.writer).lock_owned().await;
        Ok(Box::new(tx::SqliteTx::begin(conn)?))
    }

    fn retryable(&self, _err: &AppError) -> bool {
        false
    }

    async fn list(&self, query: ActionQuery) -> Result<ListResult, AppError> {
        let search = Arc::clone(&self.search);
        self.read(move |c| reads::list(c, &query, &search)).await
    }

    async fn facets(&self, query: ActionQuery) -> Result<Facets, AppError> {
        let search = Arc::clone(&self.search);
        self.read(move |c| reads::facets(c, &query, &search)).await
    }

    async fn action(&self, id: String) -> Result<Option<Stored>, AppError> {
        self.read(move |c| tx::load_by_id(c, &id)).await
    }

    async fn timeline(&self, seq: i64) -> Result<Vec<TimelineEntry>, AppError> {
        self.read(move |c| reads::timeline(c, seq)).await
    }

    async fn related_instances(&self, action: Action) -> Result<Vec<Stored>, AppError> {
        self.read(move |c| tx::related_instances(c, &action)).await
    }

    async fn export(
        &self,
        query: ActionQuery,
        sink: mpsc::Sender<Result<Action, AppError>>,
    ) -> Result<(), AppError> {
        self.read(move |c| reads::export(c, &query, |a| sink.blocking_send(Ok(a)).is_ok()))
            .await
    }

    async fn last_event_id(&self) -> Result<i64, AppError> {
        self.read(reads::last_event_id).await
    }

    async fn changes_since(&self, after: i64, max_entries: usize) -> Result<Replay, AppError> {
        self.read(move |c| reads::changes_since(c, after, max_entries))
            .await
    }

    async fn ready(&self) -> Result<(), AppError> {
        self.read(schema::check_current).await
    }

    fn pool_use(&self) -> PoolUse {
        let idle = self.readers.lock().map(|r| r.len()).unwrap_or(0);
        let out = self.readers_out.load(std::sync::atomic::Ordering::Relaxed);
        PoolUse {
            open: idle + out + 1,
            in_use: out + usize::from(self.writer.try_lock().is_err()),
            max: MAX_IDLE_READERS + 1,
        }
    }

    async fn queue_depth(&self) -> Result<u64, AppError> {
        self.read(reads::queue_depth).await
    }

    async fn deliveries(
        &self,
        filter: DeliveryFilter,
        limit: usize,
    ) -> Result<Vec<DeliveryRow>, AppError> {
        self.read(move |c| outbox::list(c, filter, limit)).await
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, AppError> {
        self.read(outbox::backlog).await
    }

    async fn seed(&self, plan: SeedPlan) -> Result<bool, AppError> {
        let writer = Arc::clone(&self.writer);
        let search = Arc::clone(&self.search);
        tokio::task::spawn_blocking(move || {
            let seeded = seed_blocking(&writer, plan)?;
            if seeded {
                load_search(&writer.blocking_lock(), &search)?;
            }
            Ok(seeded)
        })
        .await
        .map_err(AppError::internal)?
    }

    fn committed(&self, changes: &[(i64, Change)]) {
        self.search
            .apply(changes.iter().map(|(row, c)| (*row, &c.action)), None);
    }

    async fn maintain(&self) -> Result<(), AppError> {
        // Copies committed WAL pages into the database file without blocking the writer.
        self.read(|c| {
            c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    fn listen(&self, _events: broadcast::Sender<Change>) -> Option<tokio::task::JoinHandle<()>> {
        None
    }
}
