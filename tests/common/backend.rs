//! Where a test's database lives: a JSON file in a temp folder, or a fresh database on a
//! throwaway PostgreSQL cluster (see `pg`). Store tests take a `Backend`; engine tests take
//! `support::TestDb`, which is a `Backend` with an engine on it.
//!
//! ```ignore
//! fn persists(db: &Backend) { let store = db.store(key); … }
//! on_both_backends!(persists); // tests `file::persists` and `postgres::persists`
//! ```

use std::ffi::OsString;
use std::path::PathBuf;

use chrono::Utc;
use redis_rotator::model::{EventKind, Outcome};
use redis_rotator::store::{KeySource, Location, NewEvent, Store};

use super::pg::{PgCluster, PgDatabase};

pub struct Backend {
    /// The temp folder: the JSON database's, and `HOME` for processes on either backend.
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database, when the test runs on one (then `path()` names no file).
    pub pg: Option<PgDatabase>,
}

impl Backend {
    /// A JSON database, `db.json` in a temp folder (not created until the first write).
    pub fn file() -> Backend {
        Backend {
            dir: tempfile::tempdir().expect("temp dir"),
            pg: None,
        }
    }

    /// A fresh database on the shared throwaway PostgreSQL cluster. Callable from async tests:
    /// the harness's blocking client runs on a thread of its own.
    pub fn postgres() -> Backend {
        let db = std::thread::spawn(|| PgCluster::shared().fresh_database())
            .join()
            .expect("a PostgreSQL database");
        Backend::on(db)
    }

    /// `db`, e.g. a database of a cluster the test starts (and restarts) itself.
    pub fn on(db: PgDatabase) -> Backend {
        Backend {
            dir: tempfile::tempdir().expect("temp dir"),
            pg: Some(db),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// The JSON database's file (meaningless on PostgreSQL).
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("db.json")
    }

    /// What `--db` / `REDIS_ROTATOR_DB` take: the file's path or the URL.
    pub fn arg(&self) -> OsString {
        match &self.pg {
            Some(db) => db.url().into(),
            None => self.path().into_os_string(),
        }
    }

    pub fn location(&self) -> Location {
        Location::parse(&self.arg()).expect("location")
    }

    /// A new handle (a new cache; for PostgreSQL a new session: another "host").
    pub fn store(&self, key: KeySource) -> Store {
        Store::open_at(self.location(), key)
    }
}

/// An event with `message` and nothing else, for tests that count writes.
pub fn event(message: impl Into<String>) -> NewEvent {
    NewEvent {
        at: Utc::now(),
        kind: EventKind::Created,
        outcome: Outcome::Info,
        rotation: None,
        job_id: None,
        message: message.into(),
        attempt: None,
    }
}

/// A `#[test]` per backend for each named `fn(&Backend)`, in modules `file` and `postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod file {
            $(
                #[test]
                fn $name() {
                    super::$name(&$crate::common::Backend::file())
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    super::$name(&$crate::common::Backend::postgres())
                }
            )*
        }
    };
}
