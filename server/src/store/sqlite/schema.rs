//! The database schema, as numbered migrations embedded in the binary.
//!
//! Each migration runs once, in its own transaction, and is recorded in `schema_migrations`.

use rusqlite::Connection;

/// Migrations in order; a database at version N has run the first N.
const MIGRATIONS: &[&str] = &[
    // 1: actions, audit trail, counters, idempotency records, search index.
    r#"
    CREATE TABLE actions (
        seq              INTEGER PRIMARY KEY,
        id               TEXT NOT NULL UNIQUE,
        version          INTEGER NOT NULL,
        action_type      TEXT NOT NULL,
        category         TEXT NOT NULL,
        source           TEXT NOT NULL,
        status           TEXT NOT NULL,
        pending          INTEGER NOT NULL,
        entity_kind      TEXT NOT NULL,
        asset_id         TEXT NOT NULL,
        asset_name       TEXT NOT NULL COLLATE NOCASE,
        entity_name      TEXT NOT NULL COLLATE NOCASE,
        sha256           TEXT,
        investigation_id TEXT,
        decided_by       TEXT,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        expires_at       INTEGER,
        claimed_by       TEXT,
        claimed_at       INTEGER,
        body             TEXT NOT NULL
    );
    CREATE TABLE audit (
        seq         INTEGER PRIMARY KEY,
        action_seq  INTEGER NOT NULL,
        at          INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        event       TEXT NOT NULL,
        from_status TEXT,
        to_status   TEXT,
        comment     TEXT
    );
    CREATE TABLE counters (
        status      TEXT NOT NULL,
        action_type TEXT NOT NULL,
        source      TEXT NOT NULL,
        category    TEXT NOT NULL,
        entity_kind TEXT NOT NULL,
        n           INTEGER NOT NULL,
        PRIMARY KEY (status, action_type, source, category, entity_kind)
    ) WITHOUT ROWID;
    CREATE TABLE idempotency (
        caller     TEXT NOT NULL,
        key        TEXT NOT NULL,
        route      TEXT NOT NULL,
        body_hash  TEXT NOT NULL,
        status     INTEGER NOT NULL,
        response   TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (caller, key)
    ) WITHOUT ROWID;
    CREATE INDEX ix_idempotency_created ON idempotency (created_at);
    CREATE VIRTUAL TABLE action_search USING fts5(
        text, content='', detail='none', tokenize='unicode61 remove_diacritics 2'
    );
    "#,
    // 2: rows keep their search words (for walking the list in order and testing each row
    // when a search matches too many rows to fetch them all); filled in by [`reindex`].
    r#"
    ALTER TABLE actions ADD COLUMN words TEXT NOT NULL DEFAULT '';
    "#,
    // 3: the webhook outbox: one row per (change, receiver) until delivered; dead rows stay for
    // the operator. The event index finds an action's earlier undelivered events (ordering).
    r#"
    CREATE TABLE webhook_outbox (
        id              INTEGER PRIMARY KEY,
        receiver        TEXT NOT NULL,
        receiver_origin TEXT NOT NULL,
        event_id        INTEGER NOT NULL,
        action_id       TEXT NOT NULL,
        body            TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        dead            INTEGER NOT NULL DEFAULT 0,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_until     INTEGER,
        lease_token     INTEGER,
        last_status     INTEGER,
        last_error      TEXT,
        last_attempt_at INTEGER,
        UNIQUE (receiver, event_id)
    );
    CREATE INDEX ix_outbox_due ON webhook_outbox (receiver, dead, next_attempt_at);
    CREATE INDEX ix_outbox_action ON webhook_outbox (receiver, action_id, event_id);
    CREATE INDEX ix_outbox_troubled ON webhook_outbox (dead, attempts);
    "#,
    // 4: the search index holds filter tokens beside the words (see `sqlite/search.rs`), each
    // row's indexed text is kept in a narrow table, and the indexed words are listed for prefix
    // expansion; `actions.words` is no longer written. Filled in by `search::rebuild`.
    r#"
    DROP TABLE action_search;
    CREATE VIRTUAL TABLE action_search USING fts5(
        text, content='', detail='none', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE action_search_terms USING fts5vocab(action_search, row);
    CREATE TABLE search_rows (seq INTEGER PRIMARY KEY, text TEXT NOT NULL);
    CREATE TABLE search_vocab (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
    "#,
];

/// Fills in every row's words (after migration 2).
fn reindex(conn: &Connection) -> rusqlite::Result<()> {
    let mut read = conn.prepare("SELECT seq, body FROM actions")?;
    let rows = read.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (seq, body) = row?;
        let Ok(action) = serde_json::from_str::<action_center_core::Action>(&body) else {
            continue;
        };
        conn.execute(
            "UPDATE actions SET words = ?1 WHERE seq = ?2",
            rusqlite::params![super::tx::words_column(&action), seq],
        )?;
    }
    Ok(())
}

/// Secondary indexes of `actions` and `audit`: the list's filters and sorts. Kept apart so that a
/// bulk seed can drop them, insert, and build them once.
pub const INDEXES: &[(&str, &str)] = &[
    ("ix_audit_action", "audit (action_seq, seq)"),
    ("ix_p_updated", "actions (pending, updated_at, id)"),
    ("ix_p_created", "actions (pending, created_at, id)"),
    ("ix_p_expires", "actions (pending, expires_at, id)"),
    ("ix_p_type", "actions (pending, action_type, id)"),
    ("ix_p_status", "actions (pending, status, id)"),
    ("ix_p_source", "actions (pending, source, id)"),
    ("ix_p_category", "actions (pending, category, id)"),
    ("ix_p_asset", "actions (pending, asset_name, id)"),
    ("ix_p_entity", "actions (pending, entity_name, id)"),
    ("ix_p_decided", "actions (pending, decided_by, id)"),
    (
        "ix_p_investigation",
        "actions (pending, investigation_id, id)",
    ),
    ("ix_p_id", "actions (pending, id)"),
    (
        "ix_type_status",
        "actions (action_type, status, updated_at, id)",
    ),
    ("ix_status_updated", "actions (status, updated_at, id)"),
    (
        "ix_sha256",
        "actions (sha256, action_type, status) WHERE sha256 IS NOT NULL",
    ),
];

/// Brings the database up to the newest schema.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let done: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version <= done {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if version == 2 {
            reindex(&tx)?;
        }
        if version == 4 {
            super::search::rebuild(&tx, false).map_err(|e| {
                rusqlite::Error::ModuleError(format!("rebuilding the search index: {e}"))
            })?;
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, datetime('now'))",
            [version],
        )?;
        tx.commit()?;
    }
    create_indexes(conn)
}

/// Creates any missing secondary index.
pub fn create_indexes(conn: &Connection) -> rusqlite::Result<()> {
    for (name, def) in INDEXES {
        conn.execute_batch(&format!("CREATE INDEX IF NOT EXISTS {name} ON {def}"))?;
    }
    Ok(())
}

/// Drops the secondary indexes (before a bulk insert).
pub fn drop_indexes(conn: &Connection) -> rusqlite::Result<()> {
    for (name, _) in INDEXES {
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
    }
    Ok(())
}

/// Ok when every migration has run (`/readyz`).
pub fn check_current(conn: &Connection) -> Result<(), crate::errors::AppError> {
    let done: i64 = conn.query_row(
        "SELECT count(*) FROM schema_migrations WHERE version BETWEEN 1 AND ?1",
        [MIGRATIONS.len() as i64],
        |r| r.get(0),
    )?;
    if done == MIGRATIONS.len() as i64 {
        Ok(())
    } else {
        Err(crate::errors::AppError::unavailable(format!(
            "{done} of {} migrations applied",
            MIGRATIONS.len()
        )))
    }
}
