//! Secrets in the local store: keyed by (environment, secretPath, name), each with a version
//! history (SPEC 2.5). Values are sealed; the store opens them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Sealed;

/// How many versions of one secret are kept; older ones are dropped.
pub const MAX_VERSIONS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretVersion {
    pub version: u32,
    pub value: Sealed,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretEntry {
    pub environment: String,
    pub secret_path: String,
    pub name: String,
    /// The rotation that owns (writes) this secret, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_rotation: Option<Uuid>,
    /// Oldest first; the last one is current.
    pub versions: Vec<SecretVersion>,
}

impl SecretEntry {
    pub fn current(&self) -> Option<&SecretVersion> {
        self.versions.last()
    }

    pub(crate) fn is_at(&self, environment: &str, secret_path: &str) -> bool {
        self.environment == environment && self.secret_path == secret_path
    }

    /// Appends a version, trimming history to `MAX_VERSIONS`.
    pub(crate) fn push_version(&mut self, mut version: SecretVersion) {
        version.version = self.versions.last().map_or(1, |v| v.version + 1);
        self.versions.push(version);
        if self.versions.len() > MAX_VERSIONS {
            let excess = self.versions.len() - MAX_VERSIONS;
            self.versions.drain(..excess);
        }
    }
}
