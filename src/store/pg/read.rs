//! Reading: the head (layout and last commit, one round trip), catching a cached document up
//! from the commits table, the whole document, and one place's secrets.

use std::collections::VecDeque;
use std::sync::Arc;

use postgres::GenericClient;

use crate::model::{Event, Rotation, SecretEntry};
use crate::store::log::Op;
use crate::store::parts::Manifest;
use crate::store::table::Table;
use crate::store::{Document, SCHEMA_VERSION, StoreError};

use super::Target;
use super::rows::{corrupt, parse};
use super::schema::{Statements, check_layout};

/// A document and the last commit it includes.
pub(crate) struct Cached {
    pub doc: Arc<Document>,
    pub seq: i64,
}

fn failed(target: &Target, e: &postgres::Error) -> StoreError {
    target.error(e, "cannot read the redis-rotator tables")
}

/// The last commit's seq (the layout checked); `lock`: the meta row is locked for this
/// transaction, which serializes writers on every host.
pub(crate) fn head(
    c: &mut impl GenericClient,
    st: &Statements,
    target: &Target,
    lock: bool,
) -> Result<i64, StoreError> {
    let statement = if lock { &st.head_for_update } else { &st.head };
    let row = c
        .query_opt(statement, &[])
        .map_err(|e| failed(target, &e))?
        .ok_or_else(|| corrupt(target, "rr_meta", 1, "the row is missing"))?;
    check_layout(target, row.get(0))?;
    Ok(row.get(1))
}

/// The document as of commit `seq`: `cached` when it is that one, caught up from the commits
/// table when they are all still there, else read whole.
pub(crate) fn current(
    c: &mut impl GenericClient,
    st: &Statements,
    target: &Target,
    cached: Option<Cached>,
    seq: i64,
    origin: u64,
) -> Result<Cached, StoreError> {
    if let Some(cached) = cached {
        if cached.seq == seq {
            return Ok(cached);
        }
        if cached.seq < seq
            && let Some(caught_up) = catch_up(c, st, target, cached)?
        {
            return Ok(caught_up);
        }
    }
    whole(c, st, target, origin)
}

/// Replays the commits after `cached.seq` onto it; `None` when some were compacted away or
/// one replaced whole tables (read everything instead).
fn catch_up(
    c: &mut impl GenericClient,
    st: &Statements,
    target: &Target,
    cached: Cached,
) -> Result<Option<Cached>, StoreError> {
    let rows = c
        .query(&st.commits_after, &[&cached.seq])
        .map_err(|e| failed(target, &e))?;
    let mut last = cached.seq;
    let mut commits = Vec::with_capacity(rows.len());
    for row in &rows {
        let seq: i64 = row.get(0);
        let ops: Option<&str> = row.get(1);
        let Some(ops) = ops.filter(|_| seq == last + 1) else {
            return Ok(None);
        };
        commits.push(parse::<Vec<Op>>(target, "rr_commits", seq, ops)?);
        last = seq;
    }
    if commits.is_empty() {
        return Ok(None);
    }
    let mut doc = Arc::try_unwrap(cached.doc).unwrap_or_else(|shared| shared.clone_tracked());
    for op in commits.into_iter().flatten() {
        op.apply(&mut doc);
    }
    Ok(Some(Cached {
        doc: Arc::new(doc),
        seq: last,
    }))
}

fn manifest(
    c: &mut impl GenericClient,
    st: &Statements,
    target: &Target,
) -> Result<(i64, Manifest), StoreError> {
    let row = c
        .query_opt(&st.meta, &[])
        .map_err(|e| failed(target, &e))?
        .ok_or_else(|| corrupt(target, "rr_meta", 1, "the row is missing"))?;
    check_layout(target, row.get(0))?;
    let manifest: Manifest = parse(target, "rr_meta", 1, row.get(2))?;
    if manifest.schema_version > SCHEMA_VERSION {
        return Err(StoreError::FutureSchema {
            path: target.shown().into(),
            found: manifest.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok((row.get(1), manifest))
}

fn document(manifest: Manifest) -> Document {
    Document {
        schema_version: SCHEMA_VERSION,
        key_check: manifest.key_check,
        connections: manifest.connections,
        next_event_seq: manifest.next_event_seq,
        settings: manifest.settings,
        ..Document::default()
    }
}

fn table_rows<T: serde::de::DeserializeOwned>(
    c: &mut impl GenericClient,
    target: &Target,
    table: &str,
    statement: &postgres::Statement,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<T>, StoreError> {
    c.query(statement, params)
        .map_err(|e| failed(target, &e))?
        .iter()
        .map(|row| parse(target, table, row.get::<_, &str>(0), row.get(1)))
        .collect()
}

/// Everything, as of the meta row's seq (call it in a transaction that sees one snapshot, or
/// holds the meta row's lock).
pub(crate) fn whole(
    c: &mut impl GenericClient,
    st: &Statements,
    target: &Target,
    origin: u64,
) -> Result<Cached, StoreError> {
    let (seq, manifest) = manifest(c, st, target)?;
    let mut doc = document(manifest);
    let rotations: Vec<Rotation> = table_rows(c, target, "rr_rotations", &st.rotations, &[])?;
    let secrets: Vec<SecretEntry> = table_rows(c, target, "rr_secrets", &st.secrets, &[])?;
    let events: Vec<Event> = table_rows(c, target, "rr_events", &st.events, &[])?;
    doc.rotations = rotations.into_iter().collect::<Table<_>>();
    doc.secrets = secrets.into_iter().collect::<Table<_>>();
    doc.events = VecDeque::from(events);
    if let Some(last) = doc.events.back() {
        doc.next_event_seq = doc.next_event_seq.max(last.seq.saturating_add(1));
    }
    doc.rotations.mark_clean(origin);
    doc.secrets.mark_clean(origin);
    Ok(Cached {
        doc: Arc::new(doc),
        seq,
    })
}

/// The manifest's fields and the secrets of one place (no rotations, no events): what
/// `secrets get` needs, whatever the database's size.
pub(crate) fn place(
    c: &mut impl GenericClient,
    st: &Statements,
    target: &Target,
    environment: &str,
    secret_path: &str,
) -> Result<Document, StoreError> {
    let (_, manifest) = manifest(c, st, target)?;
    let mut doc = document(manifest);
    let secrets: Vec<SecretEntry> = table_rows(
        c,
        target,
        "rr_secrets",
        &st.place,
        &[&environment, &secret_path],
    )?;
    doc.secrets = secrets.into_iter().collect::<Table<_>>();
    doc.secrets.mark_clean(0);
    Ok(doc)
}
