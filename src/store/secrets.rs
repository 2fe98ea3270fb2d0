//! The secret store on the document: versioned values keyed by (environment, path, name).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::{Sealed, SecretEntry, SecretVersion};

use super::Document;

/// Who wrote a version.
#[derive(Clone, Copy, Debug, Default)]
pub struct Writer {
    pub rotation_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
}

impl Document {
    /// Secrets at (environment, path), name order.
    pub fn secrets_at(&self, environment: &str, secret_path: &str) -> Vec<&SecretEntry> {
        let _ = (environment, secret_path);
        todo!("store helper")
    }

    pub fn secret(&self, environment: &str, secret_path: &str, name: &str) -> Option<&SecretEntry> {
        let _ = (environment, secret_path, name);
        todo!("store helper")
    }

    /// Adds a new version (creating the entry, owned by `writer.rotation_id`, when missing).
    pub fn put_secret(
        &mut self,
        environment: &str,
        secret_path: &str,
        name: &str,
        value: Sealed,
        writer: Writer,
        now: DateTime<Utc>,
    ) {
        let _ = (
            environment,
            secret_path,
            name,
            value,
            writer,
            now,
            SecretVersion::clone,
        );
        todo!("store helper")
    }

    /// Renames an entry in place (history kept). No-op when missing.
    pub fn rename_secret(&mut self, environment: &str, secret_path: &str, from: &str, to: &str) {
        let _ = (environment, secret_path, from, to);
        todo!("store helper")
    }

    /// Removes an entry and its history; true when something was removed.
    pub fn delete_secret(&mut self, environment: &str, secret_path: &str, name: &str) -> bool {
        let _ = (environment, secret_path, name);
        todo!("store helper")
    }
}
