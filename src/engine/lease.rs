//! Who holds the scheduler lease: the holder writes its pid, host and since-when next to the
//! lock, so a console standing by can say who rotates (a forgotten console holding the lease
//! is visible). The lock itself stays the kernel's advisory lock in `locks.rs`.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Engine;

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
    pub fn this_process(since: DateTime<Utc>) -> LeaseHolder {
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
pub fn record(dir: &Path, holder: &LeaseHolder) -> std::io::Result<()> {
    let tmp = dir.join(format!("{HOLDER_FILE}.{}", std::process::id()));
    let text = serde_json::to_vec(holder).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(HOLDER_FILE))
}

/// The last recorded holder, if any.
pub fn read(dir: &Path) -> Option<LeaseHolder> {
    let text = std::fs::read(dir.join(HOLDER_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

impl Engine {
    /// The process that last took the scheduler lease (file I/O: call off the UI thread).
    pub fn lease_holder(&self) -> Option<LeaseHolder> {
        read(&self.inner.locks_dir)
    }

    pub(crate) fn record_lease(&self) {
        let holder = LeaseHolder::this_process(self.now());
        if let Err(e) = record(&self.inner.locks_dir, &holder) {
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
