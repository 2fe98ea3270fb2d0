//! Who holds the scheduler lease: the holder writes its pid, host and since-when next to the
//! lock, so a console standing by can say who rotates (a forgotten console holding the lease
//! is visible). The lock itself is in `locks` (a file lock, or a PostgreSQL session's advisory
//! lock, whose holder is then a row of the lease table written through that session).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Engine;
use super::locks::{LockGuard, LockSpace, SCHEDULER};

const HOLDER_FILE: &str = "scheduler.holder";

/// The process holding the scheduler lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseHolder {
    pub pid: u32,
    pub host: String,
    pub since: DateTime<Utc>,
}

impl LeaseHolder {
    /// This process, from `since`.
    pub(crate) fn this_process(since: DateTime<Utc>) -> LeaseHolder {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown host".to_string());
        LeaseHolder {
            pid: std::process::id(),
            host,
            since,
        }
    }
}

/// Records `holder` (temp file, then rename: a reader never sees half of it).
pub(crate) fn record(dir: &Path, holder: &LeaseHolder) -> std::io::Result<()> {
    let tmp = dir.join(format!("{HOLDER_FILE}.{}", std::process::id()));
    let text = serde_json::to_vec(holder).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(HOLDER_FILE))
}

/// The last recorded holder, if any.
pub(crate) fn read(dir: &Path) -> Option<LeaseHolder> {
    let text = std::fs::read(dir.join(HOLDER_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

impl Engine {
    /// The process holding the scheduler lease, as it recorded itself (blocking I/O: call off
    /// the UI thread). For PostgreSQL, only while some session holds the lease.
    pub fn lease_holder(&self) -> Option<LeaseHolder> {
        match &self.inner.locks {
            LockSpace::Files(dir) => read(dir),
            LockSpace::Postgres(pg) => match pg.read_holder(SCHEDULER) {
                Ok(holder) => holder.and_then(|h| serde_json::from_value(h).ok()),
                Err(e) => {
                    tracing::warn!("{e}");
                    None
                }
            },
        }
    }

    /// Records this process as the holder of `lease` (for PostgreSQL, through the session that
    /// holds it, so the row is written only while the lease really is ours).
    pub(crate) async fn record_lease(&self, lease: &LockGuard) {
        let holder = LeaseHolder::this_process(self.now());
        let written = match (&self.inner.locks, lease.pg_held()) {
            (LockSpace::Postgres(pg), Some(held)) => match serde_json::to_value(&holder) {
                Ok(value) => pg
                    .write_holder(held, SCHEDULER, value)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            (LockSpace::Files(dir), _) => record(dir, &holder).map_err(|e| e.to_string()),
            (LockSpace::Postgres(_), None) => Ok(()),
        };
        if let Err(e) = written {
            tracing::warn!("could not record the scheduler lease holder: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_is_read_back_as_recorded() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()), None);
        let h = LeaseHolder::this_process(Utc::now());
        record(dir.path(), &h).unwrap();
        assert_eq!(read(dir.path()), Some(h.clone()));
        assert_eq!(h.pid, std::process::id());
    }
}
