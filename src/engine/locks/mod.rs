//! Cross-process locks: one per rotation (only one rotation of a rotation runs at a time) and
//! the scheduler lease (only one process runs automatic rotations), in one lock space chosen by
//! where the database lives: advisory locks on files in `<db>.locks/` (released by the kernel
//! when the holder exits or dies) for a JSON database, PostgreSQL session advisory locks
//! (released by the server when the holder's session ends, on any host) for a shared one.

mod pg;

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::store::Location;
use crate::store::pg::Target;

pub use pg::{PgHeld, PgLocks, key_of};

/// The scheduler lease's lock name (and its row in the PostgreSQL lease table).
pub(crate) const SCHEDULER: &str = "scheduler";

fn rotation_lock_name(rotation_id: Uuid) -> String {
    format!("rotation-{rotation_id}")
}

/// Where this process's locks live.
#[derive(Clone)]
pub enum LockSpace {
    /// Lock files in this folder (next to a JSON database).
    Files(PathBuf),
    /// Advisory locks in this PostgreSQL database.
    Postgres(PgLocks),
}

/// Taking a lock failed (not "someone else has it": that is `Ok(None)`).
#[derive(Debug, thiserror::Error)]
#[error("cannot take a lock in {space}: {reason}")]
pub struct LockError {
    space: String,
    reason: String,
}

impl LockSpace {
    /// The lock space of a database at `location`.
    pub(crate) fn for_location(location: &Location) -> LockSpace {
        match location {
            Location::File(db) => LockSpace::Files(crate::store::paths::locks_dir(db)),
            Location::Postgres(target) => LockSpace::postgres((**target).clone()),
        }
    }

    /// Advisory locks in `target`'s database, all on one session of this process's (opened
    /// when a lock is first asked for).
    pub fn postgres(target: Target) -> LockSpace {
        LockSpace::Postgres(PgLocks::start(target))
    }

    /// What messages call it: the lock folder, or the database URL without its password.
    pub(crate) fn shown(&self) -> String {
        match self {
            LockSpace::Files(dir) => dir.display().to_string(),
            LockSpace::Postgres(pg) => pg.shown().to_string(),
        }
    }

    async fn try_lock(&self, name: &str) -> Result<Option<LockGuard>, LockError> {
        match self {
            LockSpace::Files(dir) => {
                try_lock(dir, &format!("{name}.lock")).map_err(|e| LockError {
                    space: self.shown(),
                    reason: e.to_string(),
                })
            }
            LockSpace::Postgres(pg) => match pg.try_lock(name).await {
                Ok(held) => Ok(held.map(|h| LockGuard { held: Held::Pg(h) })),
                Err(e) => Err(LockError {
                    space: self.shown(),
                    reason: e.to_string(),
                }),
            },
        }
    }

    /// The lock of one rotation; `Ok(None)` when another holder has it.
    pub async fn try_lock_rotation(
        &self,
        rotation_id: Uuid,
    ) -> Result<Option<LockGuard>, LockError> {
        self.try_lock(&rotation_lock_name(rotation_id)).await
    }

    /// The scheduler lease; `Ok(None)` when another process has it.
    pub async fn try_lock_scheduler(&self) -> Result<Option<LockGuard>, LockError> {
        self.try_lock(SCHEDULER).await
    }

    /// Whether some process, this one included, holds the rotation's lock right now.
    /// Read-only: creates no lock file and takes no lock. Blocking for PostgreSQL (one query); when the answer cannot be
    /// had, "held" (nobody is declared gone on a guess).
    pub fn is_rotation_locked(&self, rotation_id: Uuid) -> bool {
        match self {
            LockSpace::Files(dir) => is_rotation_locked(dir, rotation_id),
            LockSpace::Postgres(pg) => pg
                .is_locked(&rotation_lock_name(rotation_id))
                .unwrap_or_else(|e| {
                    tracing::warn!("{e}");
                    true
                }),
        }
    }

    /// Whether `guard` still holds its lock: a PostgreSQL session can end under it (a server
    /// restart, a broken connection), a lock file cannot.
    pub async fn is_held(&self, guard: &LockGuard) -> bool {
        match (self, &guard.held) {
            (LockSpace::Postgres(pg), Held::Pg(h)) => pg.is_alive(h).await,
            _ => true,
        }
    }
}

impl fmt::Debug for LockSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LockSpace({})", self.shown())
    }
}

/// A held lock; dropping it releases the lock.
pub struct LockGuard {
    held: Held,
}

enum Held {
    File { _file: File, path: PathBuf },
    Pg(pg::PgHeld),
}

impl LockGuard {
    /// The PostgreSQL side of the guard, for recording who holds a lease through its session.
    pub fn pg_held(&self) -> Option<&PgHeld> {
        match &self.held {
            Held::Pg(h) => Some(h),
            Held::File { .. } => None,
        }
    }
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.held {
            Held::File { path, .. } => write!(f, "LockGuard({})", path.display()),
            Held::Pg(_) => f.write_str("LockGuard(PostgreSQL session)"),
        }
    }
}

fn open_lock_file(dir: &Path, name: &str) -> io::Result<(File, PathBuf)> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let path = dir.join(name);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)?;
    Ok((file, path))
}

/// Tries to take the lock named `name` in `dir`; `Ok(None)` when another holder has it.
pub(crate) fn try_lock(dir: &Path, name: &str) -> io::Result<Option<LockGuard>> {
    let (file, path) = open_lock_file(dir, name)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(LockGuard {
            held: Held::File { _file: file, path },
        })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// The lock of one rotation.
pub fn try_lock_rotation(dir: &Path, rotation_id: Uuid) -> io::Result<Option<LockGuard>> {
    try_lock(dir, &format!("rotation-{rotation_id}.lock"))
}

/// Whether some process holds the rotation's lock right now. Read-only: a missing lock file
/// (never locked) is not created; a lock that is free is taken and released at once.
pub(crate) fn is_rotation_locked(dir: &Path, rotation_id: Uuid) -> bool {
    let path = dir.join(format!("rotation-{rotation_id}.lock"));
    let Ok(file) = OpenOptions::new().write(true).open(&path) else {
        return false;
    };
    matches!(file.try_lock(), Err(TryLockError::WouldBlock))
}

/// The scheduler lease.
pub fn try_lock_scheduler(dir: &Path) -> io::Result<Option<LockGuard>> {
    try_lock(dir, "scheduler.lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asking_about_a_lock_never_locked_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!is_rotation_locked(dir.path(), Uuid::new_v4()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_held_lock_refuses_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let id = Uuid::new_v4();
        let first = try_lock_rotation(dir.path(), id)
            .unwrap()
            .expect("first holder");
        assert!(try_lock_rotation(dir.path(), id).unwrap().is_none());
        assert!(is_rotation_locked(dir.path(), id));
        drop(first);
        assert!(!is_rotation_locked(dir.path(), id));
        assert!(try_lock_rotation(dir.path(), id).unwrap().is_some());
    }
}
