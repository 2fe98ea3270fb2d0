//! `Store`: a handle on one database, shared (Arc) by everything in the process, whichever
//! backend holds it: the local JSON database (`db`, the default) or a shared PostgreSQL database
//! (`pg`). Both offer the same guarantees, so callers never ask which one they have (except to
//! choose where cross-process locks live: `location`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::commit::{Applied, Job, Outcome};
use super::db::{FileStamp, FileStore};
use super::pg::PgStore;
use super::{Cipher, Document, KeySource, Location, StoreError};

pub struct Store {
    location: Location,
    backend: Backend,
}

enum Backend {
    Files(FileStore),
    Postgres(PgStore),
}

/// Changes with every commit, from any process: compared to notice others' writes cheaply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp(StampOf);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StampOf {
    File(FileStamp),
    /// The change listener's generation (see `pg::listen`).
    Changes(u64),
}

impl Stamp {
    /// The length of the file stamped (the JSON database's commit log), for its tests.
    #[doc(hidden)]
    pub fn file_len(&self) -> Option<u64> {
        match self.0 {
            StampOf::File(s) => Some(s.len),
            StampOf::Changes(_) => None,
        }
    }
}

impl Store {
    /// A local JSON database. Does not touch the file; a missing file reads as an empty
    /// database and is created by the first write.
    pub fn open(path: impl Into<PathBuf>, key: KeySource) -> Store {
        Store::open_at(Location::File(path.into()), key)
    }

    /// The database at `location`, with no I/O: the first read connects (or opens the file),
    /// so a problem surfaces there, naming the host or the file.
    pub fn open_at(location: Location, key: KeySource) -> Store {
        let backend = match &location {
            Location::File(path) => Backend::Files(FileStore::open(path.clone(), key)),
            Location::Postgres(target) => Backend::Postgres(PgStore::open((**target).clone(), key)),
        };
        Store { location, backend }
    }

    pub(crate) fn location(&self) -> &Location {
        &self.location
    }

    /// The database file; for PostgreSQL, the URL without its password (never a file: check
    /// `location` before deriving a file name from it).
    pub fn path(&self) -> &Path {
        match &self.backend {
            Backend::Files(f) => f.path(),
            Backend::Postgres(p) => p.shown(),
        }
    }

    /// The current document (re-read only when another write happened since, and then only
    /// what it changed).
    pub fn load(&self) -> Result<Arc<Document>, StoreError> {
        match &self.backend {
            Backend::Files(f) => f.load(),
            Backend::Postgres(p) => p.load(),
        }
    }

    /// Read-modify-write, serialized with every other writer of the database (the file lock,
    /// or the meta row's lock in PostgreSQL): catch up, apply `f`, commit durably (the changed
    /// rows only). When `f` returns `Err` nothing is written (and `f` must not have changed
    /// the document). Concurrent callers in one process are group-committed: one write for
    /// all closures waiting at that moment.
    ///
    /// Blocking: from async code call it in `spawn_blocking`. `f` runs while other writers
    /// wait, so keep it to in-memory changes (no network calls). `f` must not call `update` or
    /// `load` itself (that returns an error instead of deadlocking). A panic in `f` is resumed
    /// in the caller; the other closures of its batch are still written.
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

    /// `update` whose commit is visible to every process before this returns but made durable
    /// a moment later, together with whatever commits next. Only a power cut (of the database
    /// host) in that moment can lose it. For writes that the next start can redo from an
    /// earlier durable record: the promotion, which recovery rolls forward from the rotation's
    /// journal.
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

    /// `update` for closures that cannot fail.
    pub fn update_doc<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Document) -> T + Send + 'static,
    ) -> Result<T, StoreError> {
        self.update(move |doc| Ok::<T, StoreError>(f(doc)))
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
        let job: Job = Box::new(move |doc: &mut Document| {
            let result = f(doc);
            Applied {
                ok: result.is_ok(),
                value: Box::new(result),
            }
        });
        let outcome = match &self.backend {
            Backend::Files(s) => s.run(job, durable),
            Backend::Postgres(p) => p.run(job, durable),
        };
        match outcome {
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

    fn internal(&self, message: &str) -> StoreError {
        match &self.backend {
            Backend::Files(f) => f.internal(message),
            Backend::Postgres(p) => p.internal(message),
        }
    }

    /// The key, loaded on first use and checked against the database's `keyCheck` (an older
    /// JSON database is migrated here, see `db`).
    pub fn cipher(&self) -> Result<Cipher, StoreError> {
        match &self.backend {
            Backend::Files(f) => f.cipher(),
            Backend::Postgres(p) => p.cipher(),
        }
    }

    /// The secrets of one place, read without the rest of the database when the cache is not
    /// current (what `secrets get` and `export` need; the result holds the manifest's fields
    /// and that place's secrets, and no rotations or events).
    pub fn load_place(
        &self,
        environment: &str,
        secret_path: &str,
    ) -> Result<Arc<Document>, StoreError> {
        match &self.backend {
            Backend::Files(f) => f.load_place(environment, secret_path),
            Backend::Postgres(p) => p.load_place(environment, secret_path),
        }
    }

    /// The key for a document from `load_place`.
    pub fn cipher_for(&self, doc: &Document) -> Result<Cipher, StoreError> {
        match &self.backend {
            Backend::Files(f) => f.cipher_for(doc),
            Backend::Postgres(p) => p.cipher_for(doc),
        }
    }

    /// What changes with every commit, compared to notice writes. For the JSON database a `stat`
    /// (`None`: nothing was written yet); for PostgreSQL the change listener's generation, read
    /// without a query, which moves a moment after a commit on any host is announced (and on a
    /// reconnection, which may have missed some).
    pub fn stamp(&self) -> Result<Option<Stamp>, StoreError> {
        match &self.backend {
            Backend::Files(f) => Ok(f.stamp()?.map(|s| Stamp(StampOf::File(s)))),
            Backend::Postgres(p) => Ok(Some(Stamp(StampOf::Changes(p.generation())))),
        }
    }

    /// Wakes on every change the PostgreSQL listener hears, for a loop that would rather react
    /// at once than at its next `stamp` check; `None` for the JSON database.
    pub(crate) fn changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        match &self.backend {
            Backend::Files(_) => None,
            Backend::Postgres(p) => Some(p.changes()),
        }
    }

    /// How many times this handle has committed (one per group commit), for tests and
    /// benchmarks.
    pub fn write_count(&self) -> u64 {
        match &self.backend {
            Backend::Files(f) => f.write_count(),
            Backend::Postgres(p) => p.write_count(),
        }
    }

    /// Cuts the last commit when it was a deferred one, as a power cut before its flush would.
    /// For crash-safety tests only (the process is aborted right after); PostgreSQL's own
    /// flush cannot be undone from here, so this does nothing there.
    #[doc(hidden)]
    pub(crate) fn drop_unsynced_for_test(&self) {
        if let Backend::Files(f) = &self.backend {
            f.drop_unsynced_for_test();
        }
    }

    /// Writes `doc` to a temp file next to the database and stops, as a crash just before the
    /// rename would. For crash-safety tests of the JSON database only.
    #[doc(hidden)]
    pub fn write_temp_only_for_test(&self, doc: &Document) -> Result<PathBuf, StoreError> {
        match &self.backend {
            Backend::Files(f) => f.write_temp_only_for_test(doc),
            Backend::Postgres(p) => Err(p.internal("there are no temp files in PostgreSQL")),
        }
    }
}
