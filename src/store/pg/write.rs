//! One commit inside the writer's transaction, in one statement (one round trip, see
//! `schema::COMMIT`): the changed rows (arrays unnested server-side), the commits row (the same
//! ops the JSON commit log appends, so other processes catch up), the meta row, and the
//! announcement on `CHANGES_CHANNEL`, delivered by PostgreSQL at COMMIT.

use std::collections::HashMap;
use std::hash::Hash;

use postgres::Transaction;
use uuid::Uuid;

use crate::model::{Event, Rotation, SecretEntry};
use crate::store::log::Op;
use crate::store::{Document, StoreError};

use super::rows::{manifest_text, to_text};
use super::schema::Statements;
use super::{CHANGES_CHANNEL, Target};

/// Commits kept for other processes to catch up from; one further behind reads everything.
const KEEP_COMMITS: i64 = 1000;

/// How often (in commits) older commits are deleted.
const COMPACT_EVERY: i64 = 100;

/// What a commit writes, gathered by table (a row changed twice is written once, as it ends).
#[derive(Default)]
struct Rows<'a> {
    rotations: Keyed<Uuid, &'a Rotation>,
    rotations_removed: Vec<Uuid>,
    secrets: Keyed<(String, String, String), &'a SecretEntry>,
    secrets_removed: Vec<(String, String, String)>,
    events: Keyed<u64, &'a Event>,
    manifest: bool,
}

struct Keyed<K, V> {
    order: Vec<(K, V)>,
    at: HashMap<K, usize>,
}

impl<K, V> Default for Keyed<K, V> {
    fn default() -> Self {
        Keyed {
            order: Vec::new(),
            at: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Clone, V> Keyed<K, V> {
    fn put(&mut self, key: K, value: V) {
        match self.at.get(&key) {
            Some(&i) => self.order[i].1 = value,
            None => {
                self.at.insert(key.clone(), self.order.len());
                self.order.push((key, value));
            }
        }
    }
}

impl<'a> Rows<'a> {
    /// The rows `ops` change. `ops` is one diff (`log::changes`), so a row is either put or
    /// removed, never both: the one statement that writes them must not touch a row twice.
    fn of_ops(ops: &'a [Op]) -> Rows<'a> {
        let mut rows = Rows::default();
        for op in ops {
            match op {
                Op::Header(_) | Op::Connections(_) => rows.manifest = true,
                Op::Rotation(r) => rows.rotations.put(r.id, r),
                Op::RotationRemoved(id) => rows.rotations_removed.push(*id),
                Op::Secret(s) => rows.secrets.put(key_of(s), s),
                Op::SecretRemoved(key) => rows.secrets_removed.push(key.clone()),
                Op::Event(e) => {
                    rows.events.put(e.seq, e);
                    // The manifest carries the event counter.
                    rows.manifest = true;
                }
            }
        }
        rows
    }

    fn of_document(doc: &'a Document) -> Rows<'a> {
        let mut rows = Rows {
            manifest: true,
            ..Rows::default()
        };
        for r in doc.rotations.iter() {
            rows.rotations.put(r.id, r);
        }
        for s in doc.secrets.iter() {
            rows.secrets.put(key_of(s), s);
        }
        for e in &doc.events {
            rows.events.put(e.seq, e);
        }
        rows
    }
}

fn key_of(s: &SecretEntry) -> (String, String, String) {
    (s.environment.clone(), s.secret_path.clone(), s.name.clone())
}

/// Writes commit `seq` (`ops`: what changed; `None`: `doc` replaces every table).
pub(crate) fn commit(
    tx: &mut Transaction<'_>,
    st: &Statements,
    target: &Target,
    doc: &Document,
    ops: Option<&[Op]>,
    seq: i64,
    durable: bool,
) -> Result<(), StoreError> {
    let err = |e: postgres::Error| target.error(&e, "cannot write to the redis-rotator tables");
    let rows = match ops {
        Some(ops) => Rows::of_ops(ops),
        None => {
            tx.batch_execute(
                "DELETE FROM rr_rotations; DELETE FROM rr_secrets; DELETE FROM rr_events",
            )
            .map_err(err)?;
            Rows::of_document(doc)
        }
    };
    let removed_secrets = Columns::of(rows.secrets_removed.iter().map(|(e, p, n)| (e, p, n)));
    let put_secrets = Columns::of(rows.secrets.order.iter().map(|((e, p, n), _)| (e, p, n)));
    let secret_bodies = rows
        .secrets
        .order
        .iter()
        .map(|(_, s)| to_text(target, s))
        .collect::<Result<Vec<_>, _>>()?;
    let rotation_ids: Vec<Uuid> = rows.rotations.order.iter().map(|(id, _)| *id).collect();
    let rotation_bodies = rows
        .rotations
        .order
        .iter()
        .map(|(_, r)| to_text(target, r))
        .collect::<Result<Vec<_>, _>>()?;
    let event_seqs: Vec<i64> = rows
        .events
        .order
        .iter()
        .map(|(seq, _)| i64::try_from(*seq).unwrap_or(i64::MAX))
        .collect();
    let event_bodies = rows
        .events
        .order
        .iter()
        .map(|(_, e)| to_text(target, e))
        .collect::<Result<Vec<_>, _>>()?;
    // Events older than the oldest the document keeps go (bounded like the JSON event log).
    let trim_below = match doc.events.front() {
        Some(first) if !event_seqs.is_empty() => i64::try_from(first.seq).unwrap_or(i64::MAX),
        _ => i64::MIN,
    };
    let manifest = rows
        .manifest
        .then(|| manifest_text(target, doc, seq))
        .transpose()?;
    let ops_text = ops.map(|o| to_text(target, o)).transpose()?;
    let compact_through = if seq % COMPACT_EVERY == 0 {
        seq - KEEP_COMMITS
    } else {
        i64::MIN
    };
    // Deferred (the promotion): visible at once, made durable with the next WAL flush
    // (~200 ms), since recovery rolls it forward from the durable journal.
    let deferred = !durable;
    tx.query_one(
        &st.commit,
        &[
            &rows.rotations_removed,
            &removed_secrets.environments,
            &removed_secrets.paths,
            &removed_secrets.names,
            &rotation_ids,
            &rotation_bodies,
            &put_secrets.environments,
            &put_secrets.paths,
            &put_secrets.names,
            &secret_bodies,
            &event_seqs,
            &event_bodies,
            &trim_below,
            &seq,
            &manifest,
            &ops_text,
            &compact_through,
            &CHANGES_CHANNEL,
            &deferred,
        ],
    )
    .map_err(err)?;
    Ok(())
}

/// The keys of secret rows as the three arrays the statement unnests.
#[derive(Default)]
struct Columns<'a> {
    environments: Vec<&'a str>,
    paths: Vec<&'a str>,
    names: Vec<&'a str>,
}

impl<'a> Columns<'a> {
    fn of(keys: impl Iterator<Item = (&'a String, &'a String, &'a String)>) -> Columns<'a> {
        let mut columns = Columns::default();
        for (e, p, n) in keys {
            columns.environments.push(e);
            columns.paths.push(p);
            columns.names.push(n);
        }
        columns
    }
}
