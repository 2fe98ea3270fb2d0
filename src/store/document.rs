//! The database document: the whole local JSON database as one serde value.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::event::MAX_EVENTS;
use crate::model::{Connection, Event, EventKind, Outcome, Rotation, Sealed, SecretEntry};

use super::table::Table;

/// The schema this build reads and writes; a file with a larger one is refused. Schema 2 binds
/// each sealed value to its record and field (`enc:v2`); schema 3 splits the database into a
/// manifest, parts and a commit log (see `parts`). An older file is migrated by the first
/// write, its original kept as `<db>.schema1.bak` / `<db>.schema2.bak`.
pub const SCHEMA_VERSION: u64 = 3;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// A shell command that receives each rotation success/failure as JSON on stdin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_command: Option<String>,
    /// Seconds between reconcile passes of the scheduler; `None` → the default, 0 → off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconcile_interval_secs: Option<u64>,
}

/// Seconds between reconcile passes when the setting is not set.
pub const DEFAULT_RECONCILE_INTERVAL: u64 = 60;

impl Settings {
    pub(crate) fn reconcile_interval(&self) -> u64 {
        self.reconcile_interval_secs
            .unwrap_or(DEFAULT_RECONCILE_INTERVAL)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Document {
    pub schema_version: u64,
    /// A known plaintext sealed with the key, so a wrong key is detected before anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<Sealed>,
    #[serde(default)]
    pub connections: Vec<Connection>,
    #[serde(default)]
    pub rotations: Table<Rotation>,
    #[serde(default)]
    pub secrets: Table<SecretEntry>,
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
            rotations: Table::new(),
            secrets: Table::new(),
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
    /// Trigger, duration and nodes of a rotation attempt's outcome.
    pub attempt: Option<crate::model::event::Attempt>,
}

impl Document {
    /// A copy that keeps the tables' change marks (the store's copy-on-write).
    pub(crate) fn clone_tracked(&self) -> Document {
        Document {
            schema_version: self.schema_version,
            key_check: self.key_check.clone(),
            connections: self.connections.clone(),
            rotations: self.rotations.clone_tracked(),
            secrets: self.secrets.clone_tracked(),
            events: self.events.clone(),
            next_event_seq: self.next_event_seq,
            settings: self.settings.clone(),
        }
    }

    /// Appends an event with the next sequence number and this process's pid, dropping the
    /// oldest beyond `MAX_EVENTS`. Returns the stored event.
    pub fn push_event(&mut self, event: NewEvent) -> &Event {
        // A hand-edited file may lack `nextEventSeq` (reads as 0): never reuse a number.
        let after_last = self.events.back().map_or(1, |e| e.seq.saturating_add(1));
        let seq = self.next_event_seq.max(after_last).max(1);
        self.next_event_seq = seq.saturating_add(1);
        let (rotation_id, rotation_name, environment, secret_path) = match event.rotation {
            Some((id, name, env, path)) => (Some(id), Some(name), Some(env), Some(path)),
            None => (None, None, None, None),
        };
        self.events.push_back(Event {
            seq,
            at: event.at,
            kind: event.kind,
            outcome: event.outcome,
            rotation_id,
            rotation_name,
            environment,
            secret_path,
            job_id: event.job_id,
            pid: std::process::id(),
            message: event.message,
            trigger: event.attempt.map(|a| a.trigger),
            duration_us: event.attempt.and_then(|a| a.duration_us),
            nodes: event.attempt.and_then(|a| a.nodes),
        });
        while self.events.len() > MAX_EVENTS {
            self.events.pop_front();
        }
        let last = self.events.len() - 1;
        &self.events[last]
    }

    /// A connection by exact id or by name.
    pub fn connection(&self, id_or_name: &str) -> Option<&Connection> {
        if let Ok(id) = Uuid::parse_str(id_or_name)
            && let Some(c) = self.connections.iter().find(|c| c.id == id)
        {
            return Some(c);
        }
        self.connections.iter().find(|c| c.name == id_or_name)
    }

    /// A rotation by exact id or by name (names are unique per environment and path; when the
    /// same name exists in several, the first in the document is returned: the engine's lookups
    /// narrow by environment and path first).
    pub fn rotation(&self, id_or_name: &str) -> Option<&Rotation> {
        if let Ok(id) = Uuid::parse_str(id_or_name)
            && let Some(r) = self.rotations.iter().find(|r| r.id == id)
        {
            return Some(r);
        }
        self.rotations.iter().find(|r| r.name == id_or_name)
    }

    /// Only the row found is marked changed (see `Table`).
    pub fn rotation_mut(&mut self, id: Uuid) -> Option<&mut Rotation> {
        let i = self.rotations.iter().position(|r| r.id == id)?;
        self.rotations.get_mut(i)
    }
}
