//! The database file: load, the advisory lock, atomic durable writes, change detection.
//!
//! Readers get a shared `Arc<Document>` that is re-read only when the file's stamp changes; the
//! cache keeps the file open so its inode cannot be reused behind an unchanged-looking stamp.
//! Writers go through `update`: a group commit (see `commit`) under an exclusive `flock` on the
//! sibling `<db>.lock`, so neither threads nor processes lose each other's changes.
//!
//! Crash safety: a write goes to `.<name>.tmp-<pid>-<n>` and is renamed over the database only
//! once complete and fsynced, so a crash leaves either the old or the new file, never a mix.
//! Load never looks at temp files; the first write of each `Store` removes ones older than a
//! minute (left by a crashed writer, since live writers hold the lock while theirs exists).

use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::model::{Password, Sealed};

use super::commit::{Applied, GroupCommit, Outcome};
use super::crypto::Binding;
use super::file::{self, io_error, stamp_of};
use super::{Cipher, Document, KeySource, SCHEMA_VERSION, StoreError, migrate, paths};

/// The plaintext sealed into `keyCheck`: opening it proves the key is the database's.
const KEY_CHECK: &str = "redis-rotator-key-check";

/// Cheap identity of the file on disk (len, mtime, inode), to notice other processes' writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified_nanos: i128,
    pub inode: u64,
}

/// The file a cached document came from. Holding `_file` open pins the inode.
struct OnDisk {
    stamp: Stamp,
    dev: u64,
    _file: File,
}

struct Cached {
    doc: Arc<Document>,
    /// `None`: the file did not exist (the document is the empty default).
    on_disk: Option<OnDisk>,
}

/// A handle on one database file, shared (Arc) by everything in the process.
pub struct Store {
    path: PathBuf,
    key: KeySource,
    cache: Mutex<Option<Cached>>,
    cipher: Mutex<Option<Cipher>>,
    commits: GroupCommit,
    writes: AtomicU64,
    swept_temps: AtomicBool,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    /// Does not touch the file; a missing file reads as an empty database and is created by the
    /// first write.
    pub fn open(path: impl Into<PathBuf>, key: KeySource) -> Store {
        Store {
            path: path.into(),
            key,
            cache: Mutex::new(None),
            cipher: Mutex::new(None),
            commits: GroupCommit::default(),
            writes: AtomicU64::new(0),
            swept_temps: AtomicBool::new(false),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current document (reloaded only when the file changed since the last read).
    pub fn load(&self) -> Result<Arc<Document>, StoreError> {
        let mut cache = locked(&self.cache);
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(io_error(&self.path, e)),
        };
        if let Some(cached) = cache.as_ref() {
            let unchanged = match (&cached.on_disk, &meta) {
                (Some(disk), Some(m)) => stamp_of(m) == (disk.stamp, disk.dev),
                (None, None) => true,
                _ => false,
            };
            if unchanged {
                return Ok(Arc::clone(&cached.doc));
            }
        }
        *cache = None;
        let fresh = match file::read_document(&self.path)? {
            None => Cached {
                doc: Arc::new(Document::default()),
                on_disk: None,
            },
            Some(loaded) => Cached {
                doc: Arc::new(loaded.doc),
                on_disk: Some(OnDisk {
                    stamp: loaded.stamp,
                    dev: loaded.dev,
                    _file: loaded.file,
                }),
            },
        };
        let doc = Arc::clone(&fresh.doc);
        *cache = Some(fresh);
        Ok(doc)
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

    /// The file's current stamp, `None` when it does not exist.
    pub fn stamp(&self) -> Result<Option<Stamp>, StoreError> {
        match std::fs::metadata(&self.path) {
            Ok(m) => Ok(Some(stamp_of(&m).0)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&self.path, e)),
        }
    }

    /// How many times this handle has replaced the file (one per group commit), for tests and
    /// benchmarks.
    pub fn write_count(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// Read-modify-write under the exclusive file lock: reload if changed, apply `f`, write
    /// atomically (temp file, fsync, rename, fsync folder, mode 0600). When `f` returns `Err`
    /// nothing is written (and `f` must not have changed the document). Concurrent callers in
    /// one process are group-committed: one write for all closures waiting at that moment.
    ///
    /// Blocking: from async code call it in `spawn_blocking`. `f` runs under the database lock,
    /// so keep it to in-memory changes (no network calls). `f` must not call `update` itself
    /// (that returns an error instead of deadlocking). A panic in `f` is resumed in the
    /// caller; the other closures of its batch are still written.
    pub fn update<T, E>(
        &self,
        f: impl FnOnce(&mut Document) -> Result<T, E> + Send + 'static,
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
        match self.commits.submit(job, |apply| self.write_round(apply)) {
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

    /// One group-commit round: lock, read (if changed), apply, write once when anything
    /// succeeded. A corrupt or future-schema file fails in the read and is never written.
    fn write_round(&self, apply: &mut dyn FnMut(&mut Document) -> bool) -> Result<(), StoreError> {
        // A symlinked database is written through to its target (and locked there, so every
        // path to it shares one lock); renaming over the link would silently detach it.
        let target = file::resolve_symlink(&self.path);
        let lock_path = paths::lock_path(&target);
        let lock = file::open_lock_file(&target, &lock_path)?;
        lock.lock().map_err(|e| io_error(&lock_path, e))?;
        if !self.swept_temps.swap(true, Ordering::Relaxed) {
            file::remove_stale_temps(&target);
        }
        let mut doc = Document::clone(&*self.load()?);
        let migrated = doc.schema_version < SCHEMA_VERSION;
        if migrated {
            let cipher = self.checked_cipher(&doc)?;
            migrate::backup(&target)?;
            migrate::to_schema_2(&mut doc, &cipher)?;
        }
        if !apply(&mut doc) && !migrated {
            return Ok(());
        }
        if doc.key_check.is_none()
            && let Some(cipher) = locked(&self.cipher).as_ref()
        {
            doc.key_check = Some(cipher.seal(&Password::new(KEY_CHECK), &Binding::key_check()));
        }
        let written = self.replace_file(&target, doc);
        drop(lock); // closing the descriptor releases the flock
        written
    }

    /// Atomic durable replacement; on success the cache holds the new document, on failure the
    /// cache is dropped so the next read goes to disk.
    fn replace_file(&self, target: &Path, doc: Document) -> Result<(), StoreError> {
        let forget = |e: StoreError| {
            *locked(&self.cache) = None;
            e
        };
        let bytes = serde_json::to_vec(&doc)
            .map_err(|e| forget(io_error(&self.path, std::io::Error::other(e))))?;
        let (tmp, stamp, dev, handle) = file::write_temp(target, &bytes).map_err(forget)?;
        {
            // Rename and cache update together, so no reader re-parses our own write.
            let mut cache = locked(&self.cache);
            if let Err(e) = file::rename_into_place(&tmp, target) {
                *cache = None;
                return Err(e);
            }
            self.writes.fetch_add(1, Ordering::Relaxed);
            let previous = cache.replace(Cached {
                doc: Arc::new(doc),
                on_disk: Some(OnDisk {
                    stamp,
                    dev,
                    _file: handle,
                }),
            });
            drop(cache);
            drop(previous); // freeing a large document is not done under the cache lock
        }
        file::sync_dir(target).map_err(forget)
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
