//! File locations from `directories::ProjectDirs` (qualifier "", organisation "", app
//! "redis-rotator"), each overridable.

use std::path::PathBuf;

/// `--db` / `REDIS_ROTATOR_DB` when given, else `<data dir>/db.json`.
pub fn default_db_path() -> PathBuf {
    todo!("store helper")
}

/// `<config dir>/key`.
pub fn default_key_path() -> PathBuf {
    todo!("store helper")
}

/// `<data dir>/logs` (the console's log files).
pub fn log_dir() -> PathBuf {
    todo!("store helper")
}

/// Folder of per-rotation and scheduler lock files for a database: `<db>.locks/`.
pub fn locks_dir(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".locks");
    PathBuf::from(name)
}
