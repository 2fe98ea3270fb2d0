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
use std::io::{ErrorKind, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::model::{Password, Sealed};

use super::commit::{self, Applied, GroupCommit, Outcome, Round};
use super::crypto::Binding;
use super::file::{self, OnFile, io_error, stamp_of};
use super::log::{self, Before};
use super::parts::{self, COMPACT_AT};
use super::{Cipher, Document, KeySource, SCHEMA_VERSION, StoreError, migrate, paths};

/// The plaintext sealed into `keyCheck`: opening it proves the key is the database's.
const KEY_CHECK: &str = "redis-rotator-key-check";

/// Origins of cached tables (see `Table`): one per store handle, never 0.
static ORIGINS: AtomicU64 = AtomicU64::new(1);

/// Cheap identity of the file on disk (len, mtime, inode), to notice other processes' writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified_nanos: i128,
    pub inode: u64,
}

/// Where a cached document came from. Holding the files open pins their inodes.
enum OnDisk {
    /// The database file did not exist (the document is the empty default).
    Missing,
    /// A schema 1 or 2 single file.
    Legacy { stamp: (Stamp, u64), _file: File },
    /// The split layout: the manifest's stamp, the log's handle and how far it was read.
    Split {
        manifest: (Stamp, u64),
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
pub struct Store {
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
    manifest: Option<(Stamp, u64)>,
    log: Option<(Stamp, u64)>,
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
    store: &'a Store,
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

impl Store {
    /// Does not touch the file; a missing file reads as an empty database and is created by the
    /// first write.
    pub fn open(path: impl Into<PathBuf>, key: KeySource) -> Store {
        Store {
            path: path.into(),
            key,
            cache: Mutex::new(CacheState::default()),
            returned: Condvar::new(),
            cipher: Mutex::new(None),
            commits: GroupCommit::default(),
            writes: AtomicU64::new(0),
            swept_temps: AtomicBool::new(false),
            origin: ORIGINS.fetch_add(1, Ordering::Relaxed),
            flusher: Mutex::new(None),
            unsynced_from: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
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
    pub fn load(&self) -> Result<Arc<Document>, StoreError> {
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
        manifest: (Stamp, u64),
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
        let tail = log::parse(&lpath, &bytes, true)?;
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
    pub fn cipher(&self) -> Result<Cipher, StoreError> {
        let cipher = self.checked_cipher(&*self.load()?)?;
        if self.load()?.schema_version < SCHEMA_VERSION {
            // A no-op update: `write_round` migrates before applying anything.
            self.update_doc(|_| ())?;
        }
        Ok(cipher)
    }

    /// The key, checked against `doc`'s `keyCheck` (bound or, before migration, unbound).
    fn checked_cipher(&self, doc: &Document) -> Result<Cipher, StoreError> {
        let cipher = {
            let mut slot = locked(&self.cipher);
            match slot.as_ref() {
                Some(c) => c.clone(),
                None => {
                    let c = Cipher::load(&self.key)?.for_database(&self.path);
                    *slot = Some(c.clone());
                    c
                }
            }
        };
        if let Some(check) = &doc.key_check {
            let binding = Binding::key_check();
            let opened = if Cipher::is_legacy(check) {
                cipher.open_legacy(check, &binding)
            } else {
                cipher.open(check, &binding)
            };
            if !opened.is_ok_and(|p| p.expose() == KEY_CHECK) {
                return Err(StoreError::WrongKey {
                    path: self.path.clone(),
                    key: self.key.describe(),
                });
            }
        }
        Ok(cipher)
    }

    /// Opens a sealed value from this database (kept for callers that hold a bare cipher; the
    /// store's cipher names the database itself).
    pub fn unseal(
        &self,
        cipher: &Cipher,
        sealed: &Sealed,
        binding: &Binding,
    ) -> Result<Password, StoreError> {
        cipher.open(sealed, binding).map_err(|e| match e {
            StoreError::Damaged { what, .. } => StoreError::Damaged {
                path: self.path.clone(),
                what,
            },
            other => other,
        })
    }

    /// The current stamp of what changes with every commit (the commit log; the database file
    /// itself before its first write in the split layout), `None` when nothing exists yet.
    pub fn stamp(&self) -> Result<Option<Stamp>, StoreError> {
        let probe = self.probe()?;
        Ok(probe.log.or(probe.manifest).map(|(s, _)| s))
    }

    /// How many times this handle has committed (one per group commit), for tests and
    /// benchmarks.
    pub fn write_count(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// Read-modify-write under the exclusive file lock: reload if changed, apply `f`, commit
    /// durably (the changed rows appended to the commit log and fdatasynced; mode 0600). When
    /// `f` returns `Err` nothing is written (and `f` must not have changed the document).
    /// Concurrent callers in one process are group-committed: one write for all closures
    /// waiting at that moment.
    ///
    /// Blocking: from async code call it in `spawn_blocking`. `f` runs under the database lock,
    /// so keep it to in-memory changes (no network calls). `f` must not call `update` or `load`
    /// itself (that returns an error instead of deadlocking). A panic in `f` is resumed in the
    /// caller; the other closures of its batch are still written.
    pub fn update<T, E>(
        &self,
        f: impl FnOnce(&mut Document) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.submit(f, true)
    }

    /// `update` whose commit is written before this returns but made durable (fdatasynced) a
    /// moment later, together with whatever commits next (group commit). Other processes see it
    /// at once; only a power cut in that moment can lose it. For writes that the next start can
    /// redo from an earlier durable record: the promotion, which recovery rolls forward from the
    /// rotation's journal.
    pub fn update_deferred<T, E>(
        &self,
        f: impl FnOnce(&mut Document) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.submit(f, false)
    }

    fn submit<T, E>(
        &self,
        f: impl FnOnce(&mut Document) -> Result<T, E> + Send + 'static,
        durable: bool,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let job = Box::new(move |doc: &mut Document| {
            let result = f(doc);
            Applied {
                ok: result.is_ok(),
                value: Box::new(result),
            }
        });
        match self
            .commits
            .submit(job, durable, |apply| self.write_round(apply))
        {
            Outcome::Value(value) => match value.downcast::<Result<T, E>>() {
                Ok(result) => *result,
                Err(_) => Err(E::from(
                    self.internal("an update result had an unexpected type"),
                )),
            },
            Outcome::Failed(e) => Err(E::from(e)),
            Outcome::Abandoned => Err(E::from(
                self.internal("the thread writing this update stopped before finishing it"),
            )),
            Outcome::Nested => Err(E::from(self.internal(
                "Store::update was called inside an update closure; update after it returns",
            ))),
        }
    }

    /// `update` for closures that cannot fail.
    pub fn update_doc<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Document) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        self.update(move |doc| Ok::<T, StoreError>(f(doc)))
    }

    fn internal(&self, message: &str) -> StoreError {
        io_error(&self.path, std::io::Error::other(message.to_string()))
    }

    /// One group-commit round: lock, catch up with the files, apply, commit once when anything
    /// succeeded. A corrupt or future-schema file fails in the read and is never written.
    fn write_round(&self, apply: &mut dyn FnMut(&mut Document) -> Round) -> Result<(), StoreError> {
        // A symlinked database is written through to its target (and locked there, so every
        // path to it shares one lock); renaming over the link would silently detach it.
        let target = file::resolve_symlink(&self.path);
        let lock_path = paths::lock_path(&target);
        let lock = file::open_lock_file(&target, &lock_path)?;
        lock.lock().map_err(|e| io_error(&lock_path, e))?;
        if !self.swept_temps.swap(true, Ordering::Relaxed) {
            file::remove_stale_temps(&target);
            file::remove_stale_temps_in(&parts::data_dir(&target));
        }
        let mut taken = self.take()?;
        let Some(mut cached) = taken.cached.take() else {
            return Err(self.internal("the cached document went missing during a write"));
        };
        let legacy = match &cached.disk {
            OnDisk::Split { .. } => None,
            OnDisk::Legacy { .. } => Some(true),
            OnDisk::Missing => Some(false),
        };
        if Arc::get_mut(&mut cached.doc).is_none() {
            // A reader still holds this version: copy it (change marks and origins kept).
            cached.doc = Arc::new(cached.doc.clone_tracked());
        }
        let Some(doc) = Arc::get_mut(&mut cached.doc) else {
            return Err(self.internal("the document could not be taken for writing"));
        };
        let migrated = legacy == Some(true);
        if migrated {
            // The whole old file is kept beside the new layout, then converted.
            let cipher = self.checked_cipher(doc)?;
            migrate::backup(&target, doc.schema_version)?;
            if doc.schema_version < 2 {
                migrate::to_schema_2(doc, &cipher)?;
            }
        }
        doc.schema_version = SCHEMA_VERSION;
        let before = Before::of(doc);
        let round = apply(doc);
        let ops = if !round.changed && !migrated {
            Some(Vec::new())
        } else {
            if doc.key_check.is_none()
                && let Some(cipher) = locked(&self.cipher).as_ref()
            {
                doc.key_check = Some(cipher.seal(&Password::new(KEY_CHECK), &Binding::key_check()));
            }
            match legacy {
                Some(_) => None,
                None => log::changes(&before, doc),
            }
        };
        let seq = match &cached.disk {
            OnDisk::Split { seq, .. } => seq + 1,
            _ => 1,
        };
        let wrote = match ops {
            Some(ops) if ops.is_empty() => false,
            Some(ops) => {
                self.append(&target, &mut cached.disk, &ops, round.durable)?;
                true
            }
            None => {
                cached.disk = self.checkpoint(&target, doc, seq, None, legacy.is_some())?;
                true
            }
        };
        if wrote {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        if let OnDisk::Split {
            log_len,
            seq,
            dirty,
            ..
        } = &cached.disk
            && *log_len > COMPACT_AT
        {
            // Folded into a checkpoint after the commit, so the log (what readers of one
            // place scan) stays short.
            let dirty = dirty.clone();
            cached.disk = self.checkpoint(&target, doc, *seq, Some(&dirty), false)?;
        }
        doc.rotations.mark_clean(self.origin);
        doc.secrets.mark_clean(self.origin);
        taken.cached = Some(cached);
        taken.put();
        drop(lock); // closing the descriptor releases the flock
        Ok(())
    }

    /// Appends one commit to the log (creating the log if a crash left none, cutting off a
    /// line a crashed writer left unfinished), durably or with the fdatasync deferred.
    fn append(
        &self,
        target: &Path,
        disk: &mut OnDisk,
        ops: &[log::Op],
        durable: bool,
    ) -> Result<(), StoreError> {
        let OnDisk::Split {
            log: log_handle,
            log_id,
            log_len,
            seq,
            dirty,
            ..
        } = disk
        else {
            return Err(self.internal("a commit was appended to a database without a log"));
        };
        let lpath = parts::log_path(target);
        let io = |e| io_error(&lpath, e);
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&lpath)
            .map_err(io)?;
        let meta = f.metadata().map_err(io)?;
        let (stamp, dev) = stamp_of(&meta);
        if log_id.is_some_and(|id| id != (stamp.inode, dev)) {
            return Err(self.internal("the commit log was replaced while the database was locked"));
        }
        if log_id.is_none() {
            // No log (a crash right after a fresh checkpoint removed it): start one.
            f.set_len(0).map_err(io)?;
            let start = log::header_line(*seq);
            f.write_all(&start).map_err(io)?;
            *log_len = start.len() as u64;
            *log_id = Some((stamp.inode, dev));
        } else if meta.len() != *log_len {
            f.set_len(*log_len).map_err(io)?;
        }
        let bytes = log::line(*seq + 1, ops).map_err(|e| io(std::io::Error::other(e)))?;
        f.seek(SeekFrom::End(0)).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        if durable {
            f.sync_data().map_err(io)?;
            *locked(&self.unsynced_from) = None;
        } else {
            *locked(&self.unsynced_from) = Some((lpath.clone(), *log_len));
            self.defer_sync(&f);
        }
        *log_len += bytes.len() as u64;
        *seq += 1;
        for op in ops {
            if let log::Part::Bucket(b) = op.part() {
                dirty.insert(b);
            }
        }
        *log_handle = Some(f);
        Ok(())
    }

    /// A checkpoint of `doc` including commit `seq` (see `parts::write_checkpoint`).
    fn checkpoint(
        &self,
        target: &Path,
        doc: &Document,
        seq: u64,
        buckets: Option<&BTreeSet<u8>>,
        fresh: bool,
    ) -> Result<OnDisk, StoreError> {
        let (log, log_len) = parts::write_checkpoint(target, doc, seq, buckets, fresh)?;
        let manifest_file = File::open(target).map_err(|e| io_error(target, e))?;
        let manifest = stamp_of(&manifest_file.metadata().map_err(|e| io_error(target, e))?);
        let (log_stamp, log_dev) = stamp_of(
            &log.metadata()
                .map_err(|e| io_error(&parts::log_path(target), e))?,
        );
        Ok(OnDisk::Split {
            manifest,
            _manifest_file: manifest_file,
            log: Some(log),
            log_id: Some((log_stamp.inode, log_dev)),
            log_len,
            seq,
            dirty: BTreeSet::new(),
        })
    }

    /// Hands the log to the flusher thread, which fdatasyncs it as soon as it can (one sync for
    /// every deferred commit queued meanwhile).
    fn defer_sync(&self, log: &File) {
        let Ok(handle) = log.try_clone() else {
            let _ = log.sync_data();
            return;
        };
        let mut slot = locked(&self.flusher);
        if slot.is_none() {
            let (tx, rx) = std::sync::mpsc::channel::<File>();
            let spawned = std::thread::Builder::new()
                .name("store-flush".into())
                .spawn(move || {
                    while let Ok(mut latest) = rx.recv() {
                        while let Ok(next) = rx.try_recv() {
                            latest = next;
                        }
                        let _ = latest.sync_data();
                    }
                });
            if spawned.is_ok() {
                *slot = Some(tx);
            }
        }
        match slot.as_ref() {
            Some(tx) => {
                if let Err(unsent) = tx.send(handle) {
                    let _ = unsent.0.sync_data();
                }
            }
            None => {
                let _ = handle.sync_data();
            }
        }
    }

    /// The secrets of one place, read without the rest of the database when the cache is not
    /// current (what `secrets get` and `export` need; the result holds the manifest's fields
    /// and that place's secrets, and no rotations or events). Falls back to `load`.
    pub fn load_place(
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
    pub fn cipher_for(&self, doc: &Document) -> Result<Cipher, StoreError> {
        if doc.schema_version < SCHEMA_VERSION {
            return self.cipher();
        }
        self.checked_cipher(doc)
    }

    /// Cuts the last commit from the log when it was a deferred one, as a power cut before its
    /// group fsync would. For crash-safety tests only (the process is aborted right after).
    #[doc(hidden)]
    pub fn drop_unsynced_for_test(&self) {
        if let Some((path, from)) = locked(&self.unsynced_from).take()
            && let Ok(f) = std::fs::OpenOptions::new().write(true).open(&path)
        {
            let _ = f.set_len(from);
            let _ = f.sync_all();
        }
    }

    /// Writes `doc` to a temp file next to the database and stops, as a crash just before the
    /// rename would. For crash-safety tests only.
    #[doc(hidden)]
    pub fn write_temp_only_for_test(&self, doc: &Document) -> Result<PathBuf, StoreError> {
        let bytes =
            serde_json::to_vec(doc).map_err(|e| io_error(&self.path, std::io::Error::other(e)))?;
        let (tmp, ..) = file::write_temp(&file::resolve_symlink(&self.path), &bytes)?;
        Ok(tmp)
    }
}
