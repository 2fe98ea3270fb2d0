//! The database file: load, the advisory lock, atomic durable writes, change detection.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Cipher, Document, KeySource, StoreError};

/// Cheap identity of the file on disk (len, mtime, inode), to notice other processes' writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified_nanos: i128,
    pub inode: u64,
}

/// A handle on one database file, shared (Arc) by everything in the process.
pub struct Store {
    path: PathBuf,
    key: KeySource,
}

impl Store {
    /// Does not touch the file; a missing file reads as an empty database and is created by the
    /// first write.
    pub fn open(path: impl Into<PathBuf>, key: KeySource) -> Store {
        Store {
            path: path.into(),
            key,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current document (reloaded only when the file changed since the last read).
    pub fn load(&self) -> Result<Arc<Document>, StoreError> {
        let _ = &self.key;
        todo!("store helper")
    }

    /// The key, loaded on first use and checked against the document's `keyCheck`.
    pub fn cipher(&self) -> Result<Cipher, StoreError> {
        todo!("store helper")
    }

    /// The file's current stamp, `None` when it does not exist.
    pub fn stamp(&self) -> Result<Option<Stamp>, StoreError> {
        todo!("store helper")
    }

    /// Read-modify-write under the exclusive file lock: reload if changed, apply `f`, write
    /// atomically (temp file, fsync, rename, fsync folder, mode 0600). When `f` returns `Err`
    /// nothing is written (and `f` must not have changed the document). Concurrent callers in
    /// one process are group-committed: one write for all closures waiting at that moment.
    pub fn update<T, E>(
        &self,
        f: impl FnOnce(&mut Document) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let _ = f;
        todo!("store helper")
    }
}
