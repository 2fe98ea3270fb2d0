//! The database: load, the advisory lock, commits, change detection (layout in `parts`, the
//! commit log in `log`).
//!
//! Readers get a shared `Arc<Document>` that is re-read only when the files change: when only
//! the commit log grew, just its new lines are read and replayed. The cache keeps the files
//! open so their inodes cannot be reused behind an unchanged-looking stamp. Writers go through
//! `update`: a group commit (see `commit`) under an exclusive `flock` on the sibling
//! `<db>.lock`, so neither threads nor processes lose each other's changes. A write changes
//! the cached document in place and appends only the rows it changed to the log, so its cost
//! does not grow with the database; the document is copied only when a reader still holds it.
//!
//! Crash safety: a commit is one appended log line (fdatasynced before the caller is answered,
//! unless it asked for `update_deferred`); checkpoints are written part by part with temp
//! files and renames (see `parts`). Load never looks at temp files; the first write of each
//! `Store` removes ones older than a minute.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::commit::{self, GroupCommit};
use super::crypto::Binding;
use super::file::{self, OnFile, io_error, stamp_of};
use super::log;
use super::parts;
use super::{Cipher, Document, KeySource, SCHEMA_VERSION, StoreError};

mod write;

/// The plaintext sealed into `keyCheck`: opening it proves the key is the database's.
pub(crate) const KEY_CHECK: &str = "redis-rotator-key-check";

/// The key (loaded into `slot` on first use, named after the database `db` in messages),
/// checked against `doc`'s `keyCheck`.
pub(crate) fn checked_cipher(
    slot: &Mutex<Option<Cipher>>,
    key: &KeySource,
    db: &Path,
    doc: &Document,
) -> Result<Cipher, StoreError> {
    let cipher = {
        let mut slot = locked(slot);
        match slot.as_ref() {
            Some(c) => c.clone(),
            None => {
                let c = Cipher::load(key)?.for_database(db);
                *slot = Some(c.clone());
                c
            }
        }
    };
    check_key(&cipher, doc, db, key)?;
    Ok(cipher)
}

/// Whether `cipher` opens `doc`'s `keyCheck` (bound or, before migration, unbound); `db` and
/// `key` name the database and the key in the error. A document without one accepts any key.
fn check_key(
    cipher: &Cipher,
    doc: &Document,
    db: &Path,
    key: &KeySource,
) -> Result<(), StoreError> {
    if let Some(check) = &doc.key_check {
        let binding = Binding::key_check();
        let opened = if Cipher::is_legacy(check) {
            cipher.open_legacy(check, &binding)
        } else {
            cipher.open(check, &binding)
        };
        if !opened.is_ok_and(|p| p.expose() == KEY_CHECK) {
            return Err(StoreError::WrongKey {
                path: db.to_path_buf(),
                key: key.describe(),
            });
        }
    }
    Ok(())
}

/// Origins of cached tables (see `Table`): one per store handle, never 0.
static ORIGINS: AtomicU64 = AtomicU64::new(1);

/// A new origin for a store handle's cached tables.
pub(crate) fn next_origin() -> u64 {
    ORIGINS.fetch_add(1, Ordering::Relaxed)
}

/// Cheap identity of the file on disk (len, mtime, inode), to notice other processes' writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    pub len: u64,
    pub modified_nanos: i128,
    pub inode: u64,
}

/// Where a cached document came from. Holding the files open pins their inodes.
enum OnDisk {
    /// The database file did not exist (the document is the empty default).
    Missing,
    /// A schema 1 or 2 single file.
    Legacy {
        stamp: (FileStamp, u64),
        _file: File,
    },
    /// The split layout: the manifest's stamp, the log's handle and how far it was read.
    Split {
        manifest: (FileStamp, u64),
        _manifest_file: File,
        log: Option<File>,
        log_id: Option<(u64, u64)>,
        log_len: u64,
        /// The last commit included.
        seq: u64,
        /// Buckets changed by commits in the log since the last checkpoint.
        dirty: BTreeSet<u8>,
    },
}

struct Cached {
    doc: Arc<Document>,
    disk: OnDisk,
}

#[derive(Default)]
struct CacheState {
    cached: Option<Cached>,
    /// A writer (or a refresh) has taken the document out to change it in place.
    busy: bool,
}

/// A handle on one database, shared (Arc) by everything in the process.
pub(crate) struct FileStore {
    path: PathBuf,
    key: KeySource,
    cache: Mutex<CacheState>,
    returned: Condvar,
    cipher: Mutex<Option<Cipher>>,
    commits: GroupCommit,
    writes: AtomicU64,
    swept_temps: AtomicBool,
    origin: u64,
    /// Log handles whose last lines still need an fdatasync (deferred writes).
    flusher: Mutex<Option<Sender<File>>>,
    /// Where the last commit began in the log when it was a deferred one (for the crash tests'
    /// simulated power cut).
    unsynced_from: Mutex<Option<(PathBuf, u64)>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What `stat` says about the files now.
struct Probe {
    manifest: Option<(FileStamp, u64)>,
    log: Option<(FileStamp, u64)>,
}

enum Freshness {
    Fresh,
    /// Only the log grew: read it from this offset.
    Tail(u64),
    Stale,
}

fn freshness(disk: &OnDisk, now: &Probe) -> Freshness {
    match (disk, now.manifest) {
        (OnDisk::Missing, None) => Freshness::Fresh,
        (OnDisk::Legacy { stamp, .. }, Some(m)) if *stamp == m => Freshness::Fresh,
        (
            OnDisk::Split {
                manifest,
                log_id,
                log_len,
                ..
            },
            Some(m),
        ) if *manifest == m => match (log_id, now.log) {
            (None, None) => Freshness::Fresh,
            (Some(id), Some((stamp, dev))) if *id == (stamp.inode, dev) => {
                if stamp.len == *log_len {
                    Freshness::Fresh
                } else if stamp.len > *log_len {
                    Freshness::Tail(*log_len)
                } else {
                    Freshness::Stale
                }
            }
            _ => Freshness::Stale,
        },
        _ => Freshness::Stale,
    }
}

/// A document taken out of the cache to be changed in place; put back with `put`, or the cache
/// is emptied when it is dropped (an error or a panic: the next read goes to disk).
struct Taken<'a> {
    store: &'a FileStore,
    cached: Option<Cached>,
    done: bool,
}

impl Taken<'_> {
    fn put(mut self) -> Arc<Document> {
        self.done = true;
        let cached = self.cached.take();
        let doc = cached.as_ref().map(|c| Arc::clone(&c.doc));
        let mut state = locked(&self.store.cache);
        state.cached = cached;
        state.busy = false;
        drop(state);
        self.store.returned.notify_all();
        doc.unwrap_or_default()
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if !self.done {
            let mut state = locked(&self.store.cache);
            state.cached = None;
            state.busy = false;
            drop(state);
            self.store.returned.notify_all();
        }
    }
}

impl FileStore {
    /// Does not touch the file; a missing file reads as an empty database and is created by the
    /// first write.
    pub(crate) fn open(path: impl Into<PathBuf>, key: KeySource) -> FileStore {
        FileStore {
            path: path.into(),
            key,
            cache: Mutex::new(CacheState::default()),
            returned: Condvar::new(),
            cipher: Mutex::new(None),
            commits: GroupCommit::default(),
            writes: AtomicU64::new(0),
            swept_temps: AtomicBool::new(false),
            origin: next_origin(),
            flusher: Mutex::new(None),
            unsynced_from: Mutex::new(None),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn probe(&self) -> Result<Probe, StoreError> {
        let stat = |p: &Path| match std::fs::metadata(p) {
            Ok(m) => Ok(Some(stamp_of(&m))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(p, e)),
        };
        let target = file::resolve_symlink(&self.path);
        Ok(Probe {
            manifest: stat(&self.path)?,
            log: stat(&parts::log_path(&target))?,
        })
    }

    /// Waits until no writer has the document out; `None` when called from inside an update
    /// closure on this thread (the document is being changed right there).
    fn settled(&self) -> Result<MutexGuard<'_, CacheState>, StoreError> {
        let mut state = locked(&self.cache);
        while state.busy {
            if commit::applying() {
                return Err(self.internal(
                    "Store::load was called inside an update closure; use the document the closure was given",
                ));
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        Ok(state)
    }

    /// The current document (reloaded only when the files changed since the last read; when
    /// only the commit log grew, only its new lines are read).
    pub(crate) fn load(&self) -> Result<Arc<Document>, StoreError> {
        {
            let state = self.settled()?;
            if let Some(cached) = &state.cached
                && matches!(freshness(&cached.disk, &self.probe()?), Freshness::Fresh)
            {
                return Ok(Arc::clone(&cached.doc));
            }
        }
        Ok(self.take()?.put())
    }

    /// Takes the current document out of the cache (reading what changed on disk first), for a
    /// writer or a refresh. Parsing happens with the cache unlocked; other readers wait for the
    /// document to be put back rather than parse the same files again.
    fn take(&self) -> Result<Taken<'_>, StoreError> {
        let mut state = self.settled()?;
        let probe = self.probe()?;
        let previous = state.cached.take();
        state.busy = true;
        drop(state);
        let mut taken = Taken {
            store: self,
            cached: None,
            done: false,
        };
        let fresh = match previous {
            Some(c) => match freshness(&c.disk, &probe) {
                Freshness::Fresh => Some(c),
                Freshness::Tail(from) => self.read_tail(c, from)?,
                Freshness::Stale => None,
            },
            None => None,
        };
        let cached = match fresh {
            Some(c) => c,
            None => self.read_from_disk()?,
        };
        taken.cached = Some(cached);
        Ok(taken)
    }

    /// Everything from disk: the legacy single file or the split layout.
    fn read_from_disk(&self) -> Result<Cached, StoreError> {
        let target = file::resolve_symlink(&self.path);
        match file::read_document(&self.path)? {
            None => Ok(Cached {
                doc: Arc::new(self.tracked(Document::default())),
                disk: OnDisk::Missing,
            }),
            Some(OnFile::Legacy(loaded)) => Ok(Cached {
                doc: Arc::new(self.tracked(loaded.doc)),
                disk: OnDisk::Legacy {
                    stamp: (loaded.stamp, loaded.dev),
                    _file: loaded.file,
                },
            }),
            Some(OnFile::Split) => {
                // The manifest is stamped before the parts are read: a change after that is
                // seen by the next load.
                let manifest_file = File::open(&self.path).map_err(|e| io_error(&self.path, e))?;
                let meta = manifest_file
                    .metadata()
                    .map_err(|e| io_error(&self.path, e))?;
                let loaded = parts::load(&target)?;
                self.split_cached(loaded, stamp_of(&meta), manifest_file)
            }
        }
    }

    fn split_cached(
        &self,
        loaded: parts::Loaded,
        manifest: (FileStamp, u64),
        manifest_file: File,
    ) -> Result<Cached, StoreError> {
        let log_id = match &loaded.log {
            Some(f) => {
                let m = f
                    .metadata()
                    .map_err(|e| io_error(&parts::log_path(&self.path), e))?;
                let (s, dev) = stamp_of(&m);
                Some((s.inode, dev))
            }
            None => None,
        };
        Ok(Cached {
            doc: Arc::new(self.tracked(loaded.doc)),
            disk: OnDisk::Split {
                manifest,
                _manifest_file: manifest_file,
                log: loaded.log,
                log_id,
                log_len: loaded.log_len,
                seq: loaded.seq,
                dirty: loaded.dirty,
            },
        })
    }

    fn tracked(&self, mut doc: Document) -> Document {
        doc.rotations.mark_clean(self.origin);
        doc.secrets.mark_clean(self.origin);
        doc
    }

    /// Replays the log's lines after `from` onto the cached document. `None`: the tail does not
    /// fit (read everything again).
    fn read_tail(&self, mut cached: Cached, from: u64) -> Result<Option<Cached>, StoreError> {
        let OnDisk::Split {
            log: Some(log_file),
            log_len,
            seq,
            dirty,
            ..
        } = &mut cached.disk
        else {
            return Ok(None);
        };
        let lpath = parts::log_path(&file::resolve_symlink(&self.path));
        let len = log_file.metadata().map_err(|e| io_error(&lpath, e))?.len();
        let mut bytes = vec![0; usize::try_from(len.saturating_sub(from)).unwrap_or(0)];
        log_file
            .read_exact_at(&mut bytes, from)
            .map_err(|e| io_error(&lpath, e))?;
        let tail = log::parse(&lpath, &bytes, true, false)?;
        if tail.lines.first().is_some_and(|l| l.seq <= *seq) {
            return Ok(None);
        }
        let mut doc = Arc::try_unwrap(cached.doc).unwrap_or_else(|shared| shared.clone_tracked());
        for line in &tail.lines {
            dirty.extend(line.buckets.iter().copied());
            for op in line.ops(&lpath)? {
                op.apply(&mut doc);
            }
            *seq = line.seq;
        }
        *log_len = from + tail.complete as u64;
        cached.doc = Arc::new(doc);
        Ok(Some(cached))
    }
    /// The key, loaded on first use and checked against the document's `keyCheck`. A schema-1
    /// database is migrated to schema 2 here (its values bound to their places, the old file
    /// kept as `<db>.schema1.bak`), so every value this cipher opens is a bound one.
    pub(crate) fn cipher(&self) -> Result<Cipher, StoreError> {
        let cipher = self.checked_cipher(&*self.load()?)?;
        if self.load()?.schema_version < SCHEMA_VERSION {
            // A no-op update: `write_round` migrates before applying anything.
            self.touch()?;
        }
        Ok(cipher)
    }

    /// The key, checked against `doc`'s `keyCheck` (bound or, before migration, unbound).
    fn checked_cipher(&self, doc: &Document) -> Result<Cipher, StoreError> {
        checked_cipher(&self.cipher, &self.key, &self.path, doc)
    }

    /// The current stamp of what changes with every commit (the commit log; the database file
    /// itself before its first write in the split layout), `None` when nothing exists yet.
    pub(crate) fn stamp(&self) -> Result<Option<FileStamp>, StoreError> {
        let probe = self.probe()?;
        Ok(probe.log.or(probe.manifest).map(|(s, _)| s))
    }

    /// How many times this handle has committed (one per group commit), for tests and
    /// benchmarks.
    pub(crate) fn write_count(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    pub(crate) fn internal(&self, message: &str) -> StoreError {
        io_error(&self.path, std::io::Error::other(message.to_string()))
    }

    /// The secrets of one place, read without the rest of the database when the cache is not
    /// current (what `secrets get` and `export` need; the result holds the manifest's fields
    /// and that place's secrets, and no rotations or events). Falls back to `load`.
    pub(crate) fn load_place(
        &self,
        environment: &str,
        secret_path: &str,
    ) -> Result<Arc<Document>, StoreError> {
        {
            let state = self.settled()?;
            if let Some(cached) = &state.cached
                && matches!(freshness(&cached.disk, &self.probe()?), Freshness::Fresh)
            {
                return Ok(Arc::clone(&cached.doc));
            }
        }
        if matches!(file::read_document(&self.path), Ok(Some(OnFile::Split))) {
            let target = file::resolve_symlink(&self.path);
            let bucket = parts::bucket_of(environment, secret_path);
            if let Some(doc) = parts::load_bucket(&target, bucket)? {
                return Ok(Arc::new(doc));
            }
        }
        self.load()
    }

    /// The key for a document from `load_place` (checked against its `keyCheck`; an older
    /// database is migrated first, as by `cipher`).
    pub(crate) fn cipher_for(&self, doc: &Document) -> Result<Cipher, StoreError> {
        if doc.schema_version < SCHEMA_VERSION {
            return self.cipher();
        }
        self.checked_cipher(doc)
    }
}
