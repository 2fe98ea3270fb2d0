//! The checkpoint: the database split into human-readable JSON parts, each stamped with the
//! last commit it includes (`appliedSeq`), plus the commit log that carries every later commit.
//!
//! ```text
//! db.json                      manifest: schemaVersion, appliedSeq, keyCheck, settings, connections
//! db.json.d/rotations.json     every rotation
//! db.json.d/events.json        the event log (bounded)
//! db.json.d/secrets-NN.json    the secrets (with their history) of the places hashed to NN
//! db.json.d/log.jsonl          the commit log (see `log`)
//! ```
//!
//! A reader reads the log first and the parts after it, and replays onto each part only the
//! commits newer than that part's `appliedSeq`; parts can only have moved forward meanwhile, so
//! this is consistent without a lock. A checkpoint (first write, migration, or when the log has
//! grown past `COMPACT_AT`) writes the parts, then the manifest, then a fresh log, each atomically
//! and durably; a crash in between leaves parts that are ahead of the log, which replay skips.

use std::collections::{BTreeSet, VecDeque};
use std::fs::{self, File};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Connection, Event, Rotation, Sealed, SecretEntry};

use super::document::Settings;
use super::file::{self, io_error};
use super::log::{self, Part};
use super::table::Table;
use super::{Document, SCHEMA_VERSION, StoreError};

/// Secrets are spread over this many files by a hash of their place, so reading one place's
/// secrets (what applications do) reads one small file whatever the database's size.
pub(crate) const BUCKETS: u8 = 64;

/// A log longer than this is folded into a new checkpoint after the write that grew it.
pub(crate) const COMPACT_AT: u64 = 4 << 20;

/// The bucket of a place (FNV-1a of `environment` NUL `secretPath`; stable across versions).
pub(crate) fn bucket_of(environment: &str, secret_path: &str) -> u8 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in environment
        .bytes()
        .chain(std::iter::once(0))
        .chain(secret_path.bytes())
    {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(BUCKETS)) as u8
}

/// `<db>.d`: the folder of the database's parts.
pub fn data_dir(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".d");
    PathBuf::from(name)
}

pub fn log_path(db: &Path) -> PathBuf {
    data_dir(db).join("log.jsonl")
}

fn rotations_path(db: &Path) -> PathBuf {
    data_dir(db).join("rotations.json")
}

fn events_path(db: &Path) -> PathBuf {
    data_dir(db).join("events.json")
}

fn bucket_path(db: &Path, bucket: u8) -> PathBuf {
    data_dir(db).join(format!("secrets-{bucket:02}.json"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Manifest {
    pub schema_version: u64,
    pub applied_seq: u64,
    #[serde(default)]
    pub key_check: Option<Sealed>,
    #[serde(default)]
    pub next_event_seq: u64,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub connections: Vec<Connection>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestOut<'a> {
    schema_version: u64,
    applied_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_check: &'a Option<Sealed>,
    next_event_seq: u64,
    settings: &'a Settings,
    connections: &'a [Connection],
}

/// The manifest of `doc` including commit `applied_seq` (also the PostgreSQL meta row's).
pub(crate) fn manifest_json(doc: &Document, applied_seq: u64) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&ManifestOut {
        schema_version: SCHEMA_VERSION,
        applied_seq,
        key_check: &doc.key_check,
        next_event_seq: doc.next_event_seq,
        settings: &doc.settings,
        connections: &doc.connections,
    })
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PartFile<T> {
    applied_seq: u64,
    rows: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartOut<'a, T: ?Sized> {
    applied_seq: u64,
    rows: &'a T,
}

fn corrupt(path: &Path, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

pub(crate) fn parse_manifest(path: &Path, bytes: &[u8]) -> Result<Manifest, StoreError> {
    crate::model::strict::from_slice::<Manifest>(bytes).map_err(|e| corrupt(path, e))
}

/// A part file; a missing one is empty and includes nothing (`appliedSeq` 0).
fn read_part<T: serde::de::DeserializeOwned + Default>(
    path: &Path,
) -> Result<(u64, T), StoreError> {
    match read_bytes(path)? {
        None => Ok((0, T::default())),
        Some(bytes) => {
            let part: PartFile<T> =
                crate::model::strict::from_slice(&bytes).map_err(|e| corrupt(path, e))?;
            Ok((part.applied_seq, part.rows))
        }
    }
}

/// The open log: its handle (kept by the cache to pin the inode), its bytes.
pub(crate) struct LogFile {
    pub file: Option<File>,
    pub bytes: Vec<u8>,
}

pub(crate) fn read_log(db: &Path) -> Result<LogFile, StoreError> {
    let path = log_path(db);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Ok(LogFile {
                file: None,
                bytes: Vec::new(),
            });
        }
        Err(e) => return Err(io_error(&path, e)),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| io_error(&path, e))?;
    Ok(LogFile {
        file: Some(file),
        bytes,
    })
}

/// A whole database read from its parts and log.
pub(crate) struct Loaded {
    pub doc: Document,
    pub log: Option<File>,
    /// Bytes of the log up to its last complete line.
    pub log_len: u64,
    /// The last commit included.
    pub seq: u64,
    /// Buckets changed by commits still in the log (rewritten by the next checkpoint).
    pub dirty: BTreeSet<u8>,
}

/// Reads the split database whose manifest is at `db`.
pub(crate) fn load(db: &Path) -> Result<Loaded, StoreError> {
    // Parts move forward while we read (a concurrent checkpoint); a log that starts after what
    // the manifest includes means we read across one: read again.
    for _ in 0..5 {
        if let Some(loaded) = try_load(db)? {
            return Ok(loaded);
        }
    }
    Err(corrupt(
        &log_path(db),
        "the commit log and the manifest kept disagreeing about where the log starts",
    ))
}

fn try_load(db: &Path) -> Result<Option<Loaded>, StoreError> {
    let log_file = read_log(db)?;
    let lpath = log_path(db);
    let log = log::parse(&lpath, &log_file.bytes, false, false)?;
    let bytes = read_bytes(db)?.ok_or_else(|| corrupt(db, "the manifest vanished"))?;
    let manifest = parse_manifest(db, &bytes)?;
    if manifest.schema_version != SCHEMA_VERSION {
        return Ok(None);
    }
    if log_file.file.is_some() && log.start > manifest.applied_seq + 1 {
        return Ok(None);
    }
    let (rot_seq, rotations): (u64, Table<Rotation>) = read_part(&rotations_path(db))?;
    let (ev_seq, events): (u64, VecDeque<Event>) = read_part(&events_path(db))?;
    let mut bucket_seqs = [0u64; BUCKETS as usize];
    let mut secrets: Vec<SecretEntry> = Vec::new();
    for b in 0..BUCKETS {
        let (seq, rows): (u64, Vec<SecretEntry>) = read_part(&bucket_path(db, b))?;
        bucket_seqs[b as usize] = seq;
        secrets.extend(rows);
    }
    let mut secrets: Table<SecretEntry> = secrets.into_iter().collect();
    secrets.mark_clean(0);
    let mut doc = Document {
        schema_version: SCHEMA_VERSION,
        key_check: manifest.key_check,
        connections: manifest.connections,
        rotations,
        secrets,
        events,
        next_event_seq: manifest.next_event_seq,
        settings: manifest.settings,
    };
    let mut seq = manifest.applied_seq;
    let mut dirty = BTreeSet::new();
    for line in &log.lines {
        dirty.extend(line.buckets.iter().copied());
        for op in line.ops(&lpath)? {
            let applied = match op.part() {
                Part::Manifest => manifest.applied_seq,
                Part::Rotations => rot_seq,
                Part::Events => ev_seq,
                Part::Bucket(b) => bucket_seqs[usize::from(b % BUCKETS)],
            };
            if line.seq > applied {
                op.apply(&mut doc);
            }
        }
        seq = seq.max(line.seq);
    }
    Ok(Some(Loaded {
        doc,
        log: log_file.file,
        log_len: log.complete as u64,
        seq,
        dirty,
    }))
}

/// The secrets of one place's bucket plus the manifest's fields (no rotations, no events):
/// what `secrets get`/`export` need, read without the rest of the database.
pub(crate) fn load_bucket(db: &Path, bucket: u8) -> Result<Option<Document>, StoreError> {
    let log_file = read_log(db)?;
    let lpath = log_path(db);
    let log = log::parse(&lpath, &log_file.bytes, false, true)?;
    let bytes = read_bytes(db)?.ok_or_else(|| corrupt(db, "the manifest vanished"))?;
    let manifest = parse_manifest(db, &bytes)?;
    if manifest.schema_version != SCHEMA_VERSION
        || (log_file.file.is_some() && log.start > manifest.applied_seq + 1)
    {
        return Ok(None);
    }
    let (b_seq, rows): (u64, Vec<SecretEntry>) = read_part(&bucket_path(db, bucket))?;
    let mut secrets: Table<SecretEntry> = rows.into_iter().collect();
    secrets.mark_clean(0);
    let mut doc = Document {
        schema_version: SCHEMA_VERSION,
        key_check: manifest.key_check,
        connections: manifest.connections,
        secrets,
        next_event_seq: manifest.next_event_seq,
        settings: manifest.settings,
        ..Document::default()
    };
    for line in &log.lines {
        let header = line.manifest && line.seq > manifest.applied_seq;
        let ours = line.seq > b_seq && line.buckets.contains(&bucket);
        if !header && !ours {
            continue;
        }
        for op in line.ops(&lpath)? {
            let wanted = match op.part() {
                Part::Manifest => header,
                Part::Bucket(b) => ours && b == bucket,
                _ => false,
            };
            if wanted {
                op.apply(&mut doc);
            }
        }
    }
    Ok(Some(doc))
}

fn write_part<T: Serialize + ?Sized>(path: &Path, seq: u64, rows: &T) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(&PartOut {
        applied_seq: seq,
        rows,
    })
    .map_err(|e| io_error(path, std::io::Error::other(e)))?;
    replace(path, &bytes)
}

/// Temp file, fdatasync, rename (the folder is synced by the caller).
fn replace(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let (tmp, ..) = file::write_temp(path, bytes)?;
    file::rename_into_place(&tmp, path)
}

/// Writes `doc` as a checkpoint including commit `seq`: the parts (every bucket when `buckets`
/// is `None`, else those listed), the manifest, then a fresh log. Returns the new log's handle
/// and length. `fresh` (first write, migration): any log left from an earlier life of these
/// files is removed first, so nothing stale is ever replayed.
pub(crate) fn write_checkpoint(
    db: &Path,
    doc: &Document,
    seq: u64,
    buckets: Option<&BTreeSet<u8>>,
    fresh: bool,
) -> Result<(File, u64), StoreError> {
    let dir = data_dir(db);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| io_error(&dir, e))?;
    if fresh {
        match fs::remove_file(log_path(db)) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&log_path(db), e)),
        }
    }
    write_part(&rotations_path(db), seq, &*doc.rotations)?;
    write_part(&events_path(db), seq, &doc.events)?;
    let mut by_bucket: Vec<Vec<&SecretEntry>> = vec![Vec::new(); usize::from(BUCKETS)];
    for s in doc.secrets.iter() {
        by_bucket[usize::from(bucket_of(&s.environment, &s.secret_path))].push(s);
    }
    for (b, rows) in by_bucket.iter().enumerate() {
        let b = b as u8;
        let wanted = buckets.is_none_or(|set| set.contains(&b));
        let path = bucket_path(db, b);
        if wanted && (!rows.is_empty() || path.exists()) {
            write_part(&path, seq, rows)?;
        }
    }
    file::sync_dir(&rotations_path(db))?;
    let manifest = manifest_json(doc, seq).map_err(|e| io_error(db, std::io::Error::other(e)))?;
    replace(db, &manifest)?;
    file::sync_dir(db)?;
    let lpath = log_path(db);
    let start = log::header_line(seq);
    replace(&lpath, &start)?;
    file::sync_dir(&lpath)?;
    let handle = fs::OpenOptions::new()
        .append(true)
        .read(true)
        .open(&lpath)
        .map_err(|e| io_error(&lpath, e))?;
    Ok((handle, start.len() as u64))
}
