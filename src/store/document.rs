//! The database document: the whole local JSON database as one serde value.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{Connection, Event, EventKind, Outcome, Rotation, Sealed, SecretEntry};

/// The schema this build reads and writes; a file with a larger one is refused.
pub const SCHEMA_VERSION: u64 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// A shell command that receives each rotation success/failure as JSON on stdin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_command: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub schema_version: u64,
    /// A known plaintext sealed with the key, so a wrong key is detected before anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<Sealed>,
    #[serde(default)]
    pub connections: Vec<Connection>,
    #[serde(default)]
    pub rotations: Vec<Rotation>,
    #[serde(default)]
    pub secrets: Vec<SecretEntry>,
    #[serde(default)]
    pub events: VecDeque<Event>,
    #[serde(default)]
    pub next_event_seq: u64,
    #[serde(default)]
    pub settings: Settings,
}

impl Default for Document {
    fn default() -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            key_check: None,
            connections: Vec::new(),
            rotations: Vec::new(),
            secrets: Vec::new(),
            events: VecDeque::new(),
            next_event_seq: 1,
            settings: Settings::default(),
        }
    }
}

/// An event before the store gives it a sequence number and pid.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub outcome: Outcome,
    pub rotation: Option<(Uuid, String, String, String)>,
    pub job_id: Option<Uuid>,
    pub message: String,
}

impl Document {
    /// Appends an event with the next sequence number and this process's pid, dropping the
    /// oldest beyond `MAX_EVENTS`. Returns the stored event.
    pub fn push_event(&mut self, event: NewEvent) -> &Event {
        let _ = event;
        todo!("store helper")
    }

    /// A connection by exact id or by name.
    pub fn connection(&self, id_or_name: &str) -> Option<&Connection> {
        let _ = id_or_name;
        todo!("store helper")
    }

    /// A rotation by exact id or by name (names are unique per environment and path; when the
    /// same name exists in several, the caller disambiguates with `rotation_at`).
    pub fn rotation(&self, id_or_name: &str) -> Option<&Rotation> {
        let _ = id_or_name;
        todo!("store helper")
    }

    pub fn rotation_mut(&mut self, id: Uuid) -> Option<&mut Rotation> {
        self.rotations.iter_mut().find(|r| r.id == id)
    }
}
