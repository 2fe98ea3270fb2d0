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
        let mut found: Vec<&SecretEntry> = self
            .secrets
            .iter()
            .filter(|s| s.is_at(environment, secret_path))
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found
    }

    pub fn secret(&self, environment: &str, secret_path: &str, name: &str) -> Option<&SecretEntry> {
        self.secrets
            .iter()
            .find(|s| s.is_at(environment, secret_path) && s.name == name)
    }

    fn secret_index(&self, environment: &str, secret_path: &str, name: &str) -> Option<usize> {
        self.secrets
            .iter()
            .position(|s| s.is_at(environment, secret_path) && s.name == name)
    }

    /// Adds a new version (creating the entry, owned by `writer.rotation_id`, when missing). An
    /// existing entry keeps its owner: ownership is decided when the secret is created.
    pub fn put_secret(
        &mut self,
        environment: &str,
        secret_path: &str,
        name: &str,
        value: Sealed,
        writer: Writer,
        now: DateTime<Utc>,
    ) {
        let version = SecretVersion {
            version: 0, // numbered by push_version
            value,
            created_at: now,
            rotation_id: writer.rotation_id,
            job_id: writer.job_id,
        };
        match self.secret_index(environment, secret_path, name) {
            Some(i) => self.secrets[i].push_version(version),
            None => {
                let mut entry = SecretEntry {
                    environment: environment.to_string(),
                    secret_path: secret_path.to_string(),
                    name: name.to_string(),
                    owner_rotation: writer.rotation_id,
                    versions: Vec::new(),
                };
                entry.push_version(version);
                self.secrets.push(entry);
            }
        }
    }

    /// Renames an entry in place (history and owner kept). No-op when missing, and also when
    /// `to` already exists: a rename never destroys another secret, so callers that swap names
    /// go through a temporary name.
    pub fn rename_secret(&mut self, environment: &str, secret_path: &str, from: &str, to: &str) {
        if from == to || self.secret_index(environment, secret_path, to).is_some() {
            return;
        }
        if let Some(i) = self.secret_index(environment, secret_path, from) {
            let old = crate::store::table::Row::key(&self.secrets[i]);
            self.secrets.note_removed(old);
            self.secrets[i].name = to.to_string();
        }
    }

    /// Removes an entry and its history; true when something was removed.
    pub fn delete_secret(&mut self, environment: &str, secret_path: &str, name: &str) -> bool {
        let before = self.secrets.len();
        self.secrets
            .retain(|s| !(s.is_at(environment, secret_path) && s.name == name));
        self.secrets.len() != before
    }
}
