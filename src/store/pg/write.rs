//! One commit inside the writer's transaction: the changed rows (a few statements whatever
//! their number: arrays unnested server-side), the commits row (the same ops the JSON commit
//! log appends, so other processes catch up), the meta row, and the announcement on
//! `CHANGES_CHANNEL`, delivered by PostgreSQL at COMMIT.

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
    if !durable {
        // Visible at once, made durable with the next WAL flush (~200 ms): the promotion,
        // which recovery rolls forward from the durable journal.
        tx.batch_execute("SET LOCAL synchronous_commit TO OFF")
            .map_err(err)?;
    }
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
    write_rows(tx, st, target, &rows)?;
    if !rows.events.order.is_empty()
        && let Some(first) = doc.events.front()
    {
        let first = i64::try_from(first.seq).unwrap_or(i64::MAX);
        tx.execute(&st.trim_events, &[&first]).map_err(err)?;
    }
    if rows.manifest {
        let manifest = manifest_text(target, doc, seq)?;
        tx.execute(&st.set_meta, &[&seq, &manifest]).map_err(err)?;
    } else {
        tx.execute(&st.set_seq, &[&seq]).map_err(err)?;
    }
    let ops_text = ops.map(|o| to_text(target, o)).transpose()?;
    tx.execute(&st.put_commit, &[&seq, &ops_text])
        .map_err(err)?;
    if seq % COMPACT_EVERY == 0 {
        tx.execute(&st.compact, &[&(seq - KEEP_COMMITS)])
            .map_err(err)?;
    }
    tx.execute(&st.notify, &[&CHANGES_CHANNEL, &seq.to_string()])
        .map_err(err)?;
    Ok(())
}

fn write_rows(
    tx: &mut Transaction<'_>,
    st: &Statements,
    target: &Target,
    rows: &Rows<'_>,
) -> Result<(), StoreError> {
    let err = |e: postgres::Error| target.error(&e, "cannot write to the redis-rotator tables");
    if !rows.rotations_removed.is_empty() {
        tx.execute(&st.remove_rotations, &[&rows.rotations_removed])
            .map_err(err)?;
    }
    if !rows.secrets_removed.is_empty() {
        let (mut envs, mut paths, mut names) = (Vec::new(), Vec::new(), Vec::new());
        for (e, p, n) in &rows.secrets_removed {
            envs.push(e.as_str());
            paths.push(p.as_str());
            names.push(n.as_str());
        }
        tx.execute(&st.remove_secrets, &[&envs, &paths, &names])
            .map_err(err)?;
    }
    if !rows.rotations.order.is_empty() {
        let ids: Vec<Uuid> = rows.rotations.order.iter().map(|(id, _)| *id).collect();
        let bodies = rows
            .rotations
            .order
            .iter()
            .map(|(_, r)| to_text(target, r))
            .collect::<Result<Vec<_>, _>>()?;
        tx.execute(&st.put_rotations, &[&ids, &bodies])
            .map_err(err)?;
    }
    if !rows.secrets.order.is_empty() {
        let (mut envs, mut paths, mut names, mut bodies) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ((e, p, n), s) in &rows.secrets.order {
            envs.push(e.as_str());
            paths.push(p.as_str());
            names.push(n.as_str());
            bodies.push(to_text(target, s)?);
        }
        tx.execute(&st.put_secrets, &[&envs, &paths, &names, &bodies])
            .map_err(err)?;
    }
    if !rows.events.order.is_empty() {
        let seqs: Vec<i64> = rows
            .events
            .order
            .iter()
            .map(|(seq, _)| i64::try_from(*seq).unwrap_or(i64::MAX))
            .collect();
        let bodies = rows
            .events
            .order
            .iter()
            .map(|(_, e)| to_text(target, e))
            .collect::<Result<Vec<_>, _>>()?;
        tx.execute(&st.put_events, &[&seqs, &bodies]).map_err(err)?;
    }
    Ok(())
}
