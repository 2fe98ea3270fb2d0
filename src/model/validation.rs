//! Every validation rule of SPEC 2.1 and 2.2 as pure functions. A failure names the field
//! (camelCase path as in the JSON body, e.g. `rotateAtUtc.hours`) and says how to fix it.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::connection::{Connection, TlsSettings, TopologyKind};
use super::rotation::{
    Parameters, ROTATION_TYPE, RotateAt, Rotation, RotationStatus, SecretsMapping, Slot,
};
use super::secret::SecretEntry;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path as written in the request (`secretsMapping.username`).
    pub(crate) field: String,
    /// What is wrong and how to fix it.
    pub(crate) message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// One or more field errors; nothing is written when validation fails.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl From<FieldError> for ValidationErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

/// What validation needs to know about the rest of the database.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context<'a> {
    pub(crate) connections: &'a [Connection],
    pub(crate) rotations: &'a [Rotation],
    pub(crate) secrets: &'a [SecretEntry],
}

/// A rotation request that passed every rule: the values to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationSpec {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) connection_id: Uuid,
    pub(crate) environment: String,
    /// Normalised (trailing `/` removed except for root).
    pub(crate) secret_path: String,
    pub(crate) is_auto_rotation_enabled: bool,
    pub(crate) rotation_interval: u32,
    pub(crate) rotate_at_utc: RotateAt,
    /// `permissionScope` normalised (default `~* +@all` when empty).
    pub(crate) parameters: Parameters,
    pub(crate) secrets_mapping: SecretsMapping,
    pub(crate) sinks: Vec<super::sink::Sink>,
    /// Allowed but worth a look on the review step (e.g. the scope grants `@admin`).
    pub(crate) warnings: Vec<String>,
}

impl Rotation {
    /// The one way a rotation is made: from a validated spec, with no credential yet (slot 0
    /// becomes active when the create job promotes), status `rotating` until then.
    pub(crate) fn from_spec(spec: &RotationSpec, id: Uuid, now: DateTime<Utc>) -> Rotation {
        let mut r = Rotation {
            id,
            name: String::new(),
            description: None,
            connection_id: spec.connection_id,
            environment: spec.environment.clone(),
            secret_path: spec.secret_path.clone(),
            is_auto_rotation_enabled: false,
            rotation_interval: 0,
            rotate_at_utc: spec.rotate_at_utc,
            parameters: spec.parameters.clone(),
            secrets_mapping: spec.secrets_mapping.clone(),
            sinks: spec.sinks.clone(),
            active_index: Slot::Zero,
            rotation_status: RotationStatus::Rotating,
            last_rotation_attempted_at: None,
            last_rotated_at: None,
            last_rotation_job_id: None,
            next_rotation_at: None,
            last_rotation_message: None,
            created_at: now,
            updated_at: now,
            kind: ROTATION_TYPE.to_string(),
            slots: [None, None],
            pending: None,
            retry: None,
            held: None,
            sinks_owed: Vec::new(),
        };
        r.take_spec(spec);
        r
    }

    /// Lays the fields an update may change over this rotation (connection, environment and
    /// path are fixed at creation, so the spec's are ignored here).
    pub(crate) fn take_spec(&mut self, spec: &RotationSpec) {
        self.name = spec.name.clone();
        self.description = spec.description.clone();
        self.is_auto_rotation_enabled = spec.is_auto_rotation_enabled;
        self.rotation_interval = spec.rotation_interval;
        self.rotate_at_utc = spec.rotate_at_utc;
        self.parameters = spec.parameters.clone();
        self.secrets_mapping = spec.secrets_mapping.clone();
        self.sinks = spec.sinks.clone();
    }
}

/// A connection request that passed every rule (the password is handled separately).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionSpec {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) username: String,
    pub(crate) tls: TlsSettings,
    pub(crate) topology: TopologyKind,
    pub(crate) nodes: Vec<String>,
    pub(crate) master_name: Option<String>,
    pub(crate) sentinel_username: Option<String>,
}

pub use super::rules::validate_connection;
pub(crate) use super::rules::{
    validate_new_rotation, validate_rotation_patch, validate_secret_path,
};
pub(crate) use super::rules_parameters::scope_warnings;
