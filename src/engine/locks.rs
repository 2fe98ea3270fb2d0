//! Cross-process locks: one per rotation (only one rotation of a rotation runs at a time) and
//! the scheduler lease (only one process runs automatic rotations). Both are advisory locks on
//! files in `<db>.locks/`, released by the kernel when the holder exits or dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use uuid::Uuid;

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    _file: File,
    path: PathBuf,
}

impl LockGuard {
    pub fn path(&self) -> &Path {
        &self.path
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
pub fn try_lock(dir: &Path, name: &str) -> io::Result<Option<LockGuard>> {
    let (file, path) = open_lock_file(dir, name)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(LockGuard { _file: file, path })),
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
pub fn is_rotation_locked(dir: &Path, rotation_id: Uuid) -> bool {
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
