//! Bulk-loading demo data with `COPY`: one transaction (under an advisory lock, so instances
//! starting together seed once), secondary indexes dropped before and built after, counters
//! rebuilt, then `VACUUM ANALYZE` so plans and index-only scans are good from the first request.

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::SinkExt;
use tokio_postgres::Client;

use super::super::ms;
use super::super::rows::{decided_by, encode};
use super::super::seed::SeedPlan;
use super::tx::row_values;
use super::{column_text as t, encode_comment, schema, search};
use crate::errors::AppError;

/// Advisory lock key held while seeding ("ac-seed").
const SEED_LOCK: i64 = 0x0061_632d_7365_6564;
/// Above this many actions, indexes are dropped during the load and built once after.
const BULK_THRESHOLD: usize = 20_000;
/// Bytes buffered before a chunk goes to the server.
const CHUNK: usize = 1 << 20;

/// A `COPY … FROM STDIN` text field.
fn field(out: &mut BytesMut, value: Option<&str>) {
    match value {
        None => out.put_slice(b"\\N"),
        Some(v) => {
            for b in v.bytes() {
                match b {
                    b'\\' => out.put_slice(b"\\\\"),
                    b'\n' => out.put_slice(b"\\n"),
                    b'\r' => out.put_slice(b"\\r"),
                    b'\t' => out.put_slice(b"\\t"),
                    _ => out.put_u8(b),
                }
            }
        }
    }
}

fn row(out: &mut BytesMut, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.put_u8(b'\t');
        }
        field(out, *f);
    }
    out.put_u8(b'\n');
}

async fn copy(
    tx: &tokio_postgres::Transaction<'_>,
    sql: &str,
    mut fill: impl FnMut(&mut BytesMut) -> Result<bool, AppError>,
) -> Result<(), AppError> {
    let sink = tx.copy_in::<_, Bytes>(sql).await?;
    futures_util::pin_mut!(sink);
    loop {
        let mut buf = BytesMut::with_capacity(CHUNK + 64 * 1024);
        let mut more = true;
        while more && buf.len() < CHUNK {
            more = fill(&mut buf)?;
        }
        if !buf.is_empty() {
            sink.send(buf.freeze()).await?;
        }
        if !more {
            break;
        }
    }
    sink.finish().await?;
    Ok(())
}

/// Loads the plan into an empty database; false if it held actions already.
pub async fn seed(client: &mut Client, plan: SeedPlan) -> Result<bool, AppError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SEED_LOCK])
        .await?;
    let any: bool = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM actions)", &[])
        .await?
        .get(0);
    if any || plan.count == 0 {
        return Ok(false);
    }
    let bulk = plan.count > BULK_THRESHOLD;
    if bulk {
        schema::drop_indexes(&tx).await?;
    }
    // Pass 1: the actions, numbered 1..n. The generator is deterministic, so pass 2 walks the
    // same drafts again for their audit trails instead of holding them all.
    let mut drafts = (plan.drafts)();
    let mut seq: i64 = 0;
    copy(
        &tx,
        "COPY actions (seq, id, version, action_type, category, source, status, pending,
            entity_kind, asset_id, asset_name, asset_key, entity_name, entity_key, sha256,
            investigation_id, decided_by, created_at, updated_at, expires_at, words)
         FROM STDIN",
        |out| {
            let Some(d) = drafts.next() else {
                return Ok(false);
            };
            seq += 1;
            let a = &d.action;
            let v = row_values(a);
            let n = |x: i64| x.to_string();
            row(
                out,
                &[
                    Some(&n(seq)),
                    Some(&a.id),
                    Some(&n(a.version)),
                    Some(a.action_type.as_str()),
                    Some(a.category.as_str()),
                    Some(a.source.as_str()),
                    Some(a.status.as_str()),
                    Some(if a.status.is_pending() { "t" } else { "f" }),
                    Some(a.entity.kind.as_str()),
                    Some(&t(&a.asset.id)),
                    Some(&t(&a.asset.name)),
                    Some(&v.asset_key),
                    Some(&t(&a.entity.name)),
                    Some(&v.entity_key),
                    a.entity.sha256.as_deref().map(t).as_deref(),
                    a.investigation_id.as_deref().map(t).as_deref(),
                    decided_by(a).map(t).as_deref(),
                    Some(&n(ms(a.created_at))),
                    Some(&n(ms(a.updated_at))),
                    a.expires_at.map(|t| n(ms(t))).as_deref(),
                    Some(&v.words),
                ],
            );
            Ok(true)
        },
    )
    .await?;
    let mut drafts = (plan.drafts)();
    let mut seq: i64 = 0;
    copy(&tx, "COPY action_bodies (seq, body) FROM STDIN", |out| {
        let Some(d) = drafts.next() else {
            return Ok(false);
        };
        seq += 1;
        row(out, &[Some(&seq.to_string()), Some(&encode(&d.action)?)]);
        Ok(true)
    })
    .await?;
    let mut drafts = (plan.drafts)();
    let mut seq: i64 = 0;
    copy(
        &tx,
        "COPY audit (action_seq, at, actor, event, from_status, to_status, comment) FROM STDIN",
        |out| {
            let Some(d) = drafts.next() else {
                return Ok(false);
            };
            seq += 1;
            for e in d.audit(seq) {
                row(
                    out,
                    &[
                        Some(&seq.to_string()),
                        Some(&e.at.to_string()),
                        Some(&t(&e.actor)),
                        Some(&e.event),
                        e.from.as_ref().map(|s| s.as_str()),
                        e.to.as_ref().map(|s| s.as_str()),
                        encode_comment(e.comment.as_deref()).as_deref(),
                    ],
                );
            }
            Ok(true)
        },
    )
    .await?;
    tx.batch_execute(
        "SELECT setval(pg_get_serial_sequence('actions', 'seq'), (SELECT max(seq) FROM actions));
         DELETE FROM counters;
         INSERT INTO counters (status, action_type, source, category, entity_kind, n)
         SELECT status, action_type, source, category, entity_kind, count(*)
         FROM actions GROUP BY 1, 2, 3, 4, 5;",
    )
    .await?;
    tx.batch_execute(search::REBUILD_VOCAB).await?;
    if bulk {
        tx.batch_execute("SET LOCAL maintenance_work_mem = '512MB'")
            .await?;
        schema::create_indexes(&tx).await?;
    }
    tx.commit().await?;
    client
        .batch_execute("VACUUM (ANALYZE) actions, action_bodies, audit, counters, search_vocab")
        .await?;
    Ok(true)
}
