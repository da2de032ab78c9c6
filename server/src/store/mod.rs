//! SQLite storage: one writer connection (WAL) behind a mutex, a small pool of readers, all work
//! on blocking threads. Every write runs in one `BEGIN IMMEDIATE` transaction; the actions it
//! changed are broadcast (for Server-Sent Events) only after it commits, each with the sequence
//! number of its audit entry as the event id (see [`events`]).

pub mod events;
pub mod list;
mod rows;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::Mutex as FairMutex;

use action_center_core::Action;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::broadcast;

use crate::errors::AppError;

pub use events::Change;
pub use list::{ListResult, Search};
pub use rows::{
    audit, bump_counter, decode, insert_action, insert_row, load_by_id, load_by_seq, load_ids,
    search_text, transition, Stored,
};
pub use schema::{create_indexes, drop_indexes};

/// Readers kept open between requests.
const MAX_IDLE_READERS: usize = 8;

/// The database.
pub struct Store {
    path: PathBuf,
    /// FIFO-fair, so a busy executor cannot starve a request of the writer.
    writer: FairMutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    events: broadcast::Sender<Change>,
}

/// A write in progress: the transaction, the clock it runs at, and the actions it changed.
pub struct WriteCtx<'c> {
    /// The open transaction.
    pub tx: Transaction<'c>,
    /// When the write happens (milliseconds precision).
    pub now: DateTime<Utc>,
    changed: Vec<Change>,
}

impl WriteCtx<'_> {
    /// Records an action to broadcast after commit, under the audit entry that recorded the change.
    pub fn changed(&mut self, action: &Action, audit_seq: i64) {
        self.changed.push(Change {
            id: audit_seq,
            action: action.clone(),
        });
    }
}

/// Now, truncated to milliseconds (the precision stored).
pub fn now() -> DateTime<Utc> {
    from_ms(Utc::now().timestamp_millis())
}

/// Milliseconds since the epoch.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant `ms` milliseconds after the epoch.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
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

impl Store {
    /// Opens (creating if needed) and migrates the database file.
    pub fn open(path: &Path) -> Result<Arc<Store>, String> {
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
        // Checkpoints run beside the writer (see `checkpoint`), not inside a request's commit.
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 0")
            .map_err(fail)?;
        let (events, _) = broadcast::channel(4096);
        Ok(Arc::new(Store {
            path: path.to_owned(),
            writer: FairMutex::new(writer),
            readers: Mutex::new(Vec::new()),
            events,
        }))
    }

    /// A receiver of every changed action, after its transaction committed, in commit order.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.events.subscribe()
    }

    fn reader(&self) -> Result<Connection, AppError> {
        if let Some(conn) = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn, 131_072)?;
        conn.execute_batch("PRAGMA query_only = 1")?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }

    /// Runs `f` on a read connection, on a blocking thread.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, AppError> + Send + 'static,
    {
        let store = Arc::clone(self);
        tokio::task::spawn_blocking(move || store.read_blocking(f))
            .await
            .map_err(AppError::internal)?
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

    /// Runs `f` in one write transaction, on a blocking thread; commits if it returns `Ok`.
    pub async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteCtx<'_>) -> Result<T, AppError> + Send + 'static,
    {
        let store = Arc::clone(self);
        tokio::task::spawn_blocking(move || store.write_blocking(f))
            .await
            .map_err(AppError::internal)?
    }

    /// Runs `f` in one write transaction on this (blocking, non-async) thread; commits if it
    /// returns `Ok`.
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut WriteCtx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut conn = self.writer.blocking_lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ctx = WriteCtx {
            tx,
            now: now(),
            changed: Vec::new(),
        };
        let value = f(&mut ctx)?;
        let WriteCtx { tx, changed, .. } = ctx;
        tx.commit()?;
        for change in changed {
            // No subscriber is not an error.
            let _ = self.events.send(change);
        }
        Ok(value)
    }

    /// Copies committed WAL pages into the database file without blocking the writer
    /// (`PASSIVE`); run every few hundred milliseconds by a background task.
    pub fn checkpoint(&self) -> Result<(), AppError> {
        let conn = self.reader()?;
        let result = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        self.give_back(conn);
        result.map_err(AppError::from)
    }

    /// Runs `f` with the writer connection itself (bulk seeding manages its own transactions).
    pub fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut conn = self.writer.blocking_lock();
        f(&mut conn)
    }
}
