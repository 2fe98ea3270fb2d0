//! File locations from `directories::ProjectDirs` (qualifier "", organisation "", app
//! "redis-rotator"), each overridable. Without a home directory (no `ProjectDirs`) everything
//! falls back to `./.redis-rotator/`, so the program still works in a bare container.

use std::path::PathBuf;

use directories::ProjectDirs;

/// The environment variable that overrides the database path (`--db` wins over it).
pub(crate) const DB_ENV: &str = "REDIS_ROTATOR_DB";

/// Where everything goes when the platform has no home directory.
const FALLBACK_DIR: &str = ".redis-rotator";

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "redis-rotator")
}

fn data_dir() -> PathBuf {
    project_dirs().map_or_else(
        || PathBuf::from(".").join(FALLBACK_DIR),
        |d| d.data_dir().to_path_buf(),
    )
}

fn config_dir() -> PathBuf {
    project_dirs().map_or_else(
        || PathBuf::from(".").join(FALLBACK_DIR),
        |d| d.config_dir().to_path_buf(),
    )
}

/// `--db` / `REDIS_ROTATOR_DB` when given, else `<data dir>/db.json`. (`--db` is applied by the
/// CLI; an empty `REDIS_ROTATOR_DB` counts as unset.)
pub(crate) fn default_db_path() -> PathBuf {
    match std::env::var_os(DB_ENV) {
        Some(value) if !value.is_empty() => PathBuf::from(value),
        _ => data_dir().join("db.json"),
    }
}

/// `<config dir>/key`.
pub(crate) fn default_key_path() -> PathBuf {
    config_dir().join("key")
}

/// `<data dir>/logs` (the console's log files).
pub(crate) fn log_dir() -> PathBuf {
    data_dir().join("logs")
}

/// Folder of per-rotation and scheduler lock files for a database: `<db>.locks/`.
pub fn locks_dir(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".locks");
    PathBuf::from(name)
}

/// The advisory lock file that serialises writers of a database: `<db>.lock`. A sibling, never
/// the data file itself, because the data file is replaced by rename on every write.
pub fn lock_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_locks_paths_are_siblings_of_the_database() {
        let db = std::path::Path::new("/var/lib/rr/db.json");
        assert_eq!(lock_path(db), PathBuf::from("/var/lib/rr/db.json.lock"));
        assert_eq!(locks_dir(db), PathBuf::from("/var/lib/rr/db.json.locks"));
    }

    #[test]
    fn default_paths_end_in_the_documented_names() {
        assert!(default_key_path().ends_with("key"));
        assert!(log_dir().ends_with("logs"));
    }
}
