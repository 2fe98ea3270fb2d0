//! The event log: an audit trail of every create/update/delete and rotation attempt with its
//! outcome. Never holds a secret value.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::schedule::Trigger;

/// How many events the database keeps; the oldest are dropped.
pub const MAX_EVENTS: usize = 10_000;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum EventKind {
    ConnectionAdded,
    ConnectionUpdated,
    ConnectionRemoved,
    Created,
    Updated,
    Deleted,
    RotationStarted,
    Rotated,
    RotationFailed,
    Recovered,
    Sessions,
    Paused,
    Resumed,
    NotifyFailed,
    /// Credentials could not be delivered to a sink (written or reloaded); retried, never undone.
    SinkFailed,
    /// A node's copy of a rotation's users was brought back to what the store holds.
    Healed,
    /// A secret deleted by hand (`secrets delete`), outside any rotation.
    SecretDeleted,
    /// An ACL user that belonged to no rotation removed from a connection's server.
    UserRevoked,
    /// A scheduled re-key held back because the slot still had live sessions.
    Held,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    /// Monotonic sequence number within the database.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<Uuid>,
    /// Which process wrote it (pid), so many processes on one database can be told apart.
    #[serde(default)]
    pub pid: u32,
    pub message: String,
    /// What started a rotation attempt (on its outcome and on a held re-key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// How long the attempt took, in microseconds (on its outcome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_us: Option<u64>,
    /// How many nodes the attempt covered, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u32>,
}

/// The facts of one rotation attempt an outcome event carries (the history view lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub(crate) trigger: Trigger,
    pub(crate) duration_us: Option<u64>,
    pub(crate) nodes: Option<u32>,
}

impl Attempt {
    pub(crate) fn new(
        trigger: Trigger,
        elapsed: std::time::Duration,
        nodes: Option<usize>,
    ) -> Attempt {
        Attempt {
            trigger,
            duration_us: Some(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)),
            nodes: nodes.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        }
    }
}
