//! Store failures. Each names the file and says what to do; none carries a secret.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "database {} is not a valid redis-rotator database ({reason}); it was left untouched: fix or move it, or point --db elsewhere",
        path.display()
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "database {path} has schemaVersion {found}, newer than this redis-rotator understands ({supported}); it was left untouched: upgrade redis-rotator"
    )]
    FutureSchema {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    #[error(
        "the encryption key does not open database {path} (wrong REDIS_ROTATOR_KEY or key file {key}): use the key this database was created with"
    )]
    WrongKey { path: PathBuf, key: String },
    #[error("encryption key {key}: {reason}")]
    Key { key: String, reason: String },
    #[error(
        "a sealed value in database {} ({what}) is damaged, was sealed with another key, or was moved there from another field, and cannot be decrypted",
        path.display()
    )]
    Damaged { path: PathBuf, what: String },
    #[error(
        "database {} is an empty file: redis-rotator never writes one, so it is damaged or not a redis-rotator database; it was left untouched: move it away to start a fresh database, or point --db elsewhere",
        path.display()
    )]
    Empty { path: PathBuf },
    #[error("PostgreSQL database {target}: {reason}")]
    Postgres { target: String, reason: String },
}
