//! One store test, both backends: a temp JSON database or a fresh database on the shared
//! throwaway PostgreSQL cluster (see `pg`).
//!
//! ```ignore
//! fn persists(db: &TestDb) { let store = db.store(key); … }
//! on_both_backends!(persists); // tests `file::persists` and `postgres::persists`
//! ```

use std::ffi::OsString;

use chrono::Utc;
use redis_rotator::model::{EventKind, Outcome};
use redis_rotator::store::{KeySource, Location, NewEvent, Store};

use super::pg::{PgCluster, PgDatabase};

pub enum TestDb {
    File(tempfile::TempDir),
    Postgres(PgDatabase),
}

impl TestDb {
    pub fn file() -> TestDb {
        TestDb::File(tempfile::tempdir().unwrap())
    }

    pub fn postgres() -> TestDb {
        TestDb::Postgres(PgCluster::shared().fresh_database())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres(_))
    }

    /// What `--db` / `REDIS_ROTATOR_DB` takes: the file's path or the URL.
    pub fn arg(&self) -> OsString {
        match self {
            TestDb::File(dir) => dir.path().join("db.json").into_os_string(),
            TestDb::Postgres(db) => db.url().into(),
        }
    }

    pub fn location(&self) -> Location {
        Location::parse(&self.arg()).unwrap()
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

/// A `#[test]` per backend for each named `fn(&TestDb)`, in modules `file` and `postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod file {
            $(
                #[test]
                fn $name() {
                    super::$name(&$crate::common::TestDb::file())
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    super::$name(&$crate::common::TestDb::postgres())
                }
            )*
        }
    };
}
