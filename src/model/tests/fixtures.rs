//! A small database to validate against, and assertions on field errors.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::model::connection::{Connection, TlsSettings, TopologyKind};
use crate::model::request::RotationRequest;
use crate::model::rotation::{
    Parameters, ROTATION_TYPE, RotateAt, Rotation, RotationStatus, SecretsMapping, Slot,
};
use crate::model::secret::SecretEntry;
use crate::model::validation::{Context, FieldError, ValidationErrors};

pub(crate) fn connection(name: &str) -> Connection {
    Connection {
        id: Uuid::new_v4(),
        name: name.to_string(),
        description: None,
        host: "127.0.0.1".to_string(),
        port: 6379,
        username: "admin".to_string(),
        password: None,
        tls: TlsSettings::default(),
        topology: TopologyKind::Standalone,
        nodes: Vec::new(),
        master_name: None,
        sentinel_username: None,
        sentinel_password: None,
        identity: None,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// A stored rotation on `connection` at dev:/ mapping `<NAME>_USERNAME` / `<NAME>_PASSWORD`.
pub(crate) fn rotation(name: &str, connection: &Connection) -> Rotation {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    Rotation {
        id: Uuid::new_v4(),
        name: name.to_string(),
        description: None,
        connection_id: connection.id,
        environment: "dev".to_string(),
        secret_path: "/".to_string(),
        is_auto_rotation_enabled: true,
        rotation_interval: 30,
        rotate_at_utc: RotateAt::default(),
        parameters: Parameters::default(),
        secrets_mapping: SecretsMapping {
            username: format!("{upper}_USERNAME"),
            password: format!("{upper}_PASSWORD"),
        },
        sinks: Vec::new(),
        active_index: Slot::Zero,
        rotation_status: RotationStatus::Success,
        last_rotation_attempted_at: None,
        last_rotated_at: None,
        last_rotation_job_id: None,
        next_rotation_at: None,
        last_rotation_message: None,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
        kind: ROTATION_TYPE.to_string(),
        slots: [None, None],
        pending: None,
        retry: None,
        held: None,
        sinks_owed: Vec::new(),
    }
}

pub(crate) fn secret(
    environment: &str,
    path: &str,
    name: &str,
    owner: Option<Uuid>,
) -> SecretEntry {
    SecretEntry {
        environment: environment.to_string(),
        secret_path: path.to_string(),
        name: name.to_string(),
        owner_rotation: owner,
        versions: Vec::new(),
    }
}

/// The database a test validates against: one connection `main` unless a test adds more.
pub(crate) struct World {
    pub(crate) connections: Vec<Connection>,
    pub(crate) rotations: Vec<Rotation>,
    pub(crate) secrets: Vec<SecretEntry>,
}

impl World {
    pub(crate) fn new() -> Self {
        Self {
            connections: vec![connection("main")],
            rotations: Vec::new(),
            secrets: Vec::new(),
        }
    }

    pub(crate) fn ctx(&self) -> Context<'_> {
        Context {
            connections: &self.connections,
            rotations: &self.rotations,
            secrets: &self.secrets,
        }
    }

    pub(crate) fn main(&self) -> &Connection {
        &self.connections[0]
    }

    /// Stores a rotation (and its two owned secrets) and returns a copy.
    pub(crate) fn add_rotation(&mut self, name: &str) -> Rotation {
        let r = rotation(name, &self.connections[0]);
        for secret_name in [&r.secrets_mapping.username, &r.secrets_mapping.password] {
            self.secrets.push(secret(
                &r.environment,
                &r.secret_path,
                secret_name,
                Some(r.id),
            ));
        }
        self.rotations.push(r.clone());
        r
    }
}

pub(crate) fn body(value: Value) -> RotationRequest {
    serde_json::from_value(value).expect("a valid request body")
}

/// The seed document's sample request (its `environment`, `secretPath` and `connectionId`
/// placeholders filled in), with the given schedule.
pub(crate) fn seed_request(hours: Value, minutes: Value) -> RotationRequest {
    body(json!({
        "name": "my-redis-rotation",
        "projectId": "<string>",
        "description": "my database credentials rotation",
        "connectionId": "main",
        "environment": "dev",
        "secretPath": "/",
        "isAutoRotationEnabled": true,
        "rotationInterval": 2,
        "rotateAtUtc": { "hours": hours, "minutes": minutes },
        "parameters": {
            "passwordRequirements": {
                "length": 64,
                "required": { "digits": 1, "lowercase": 1, "uppercase": 1, "symbols": 1 },
                "allowedSymbols": "@!+"
            },
            "permissionScope": "~* +@all"
        },
        "secretsMapping": { "username": "REDIS_USERNAME", "password": "REDIS_PASSWORD" }
    }))
}

/// The smallest valid body: name, connection, mapping.
pub(crate) fn minimal() -> Value {
    json!({
        "name": "orders",
        "connectionId": "main",
        "secretsMapping": { "username": "REDIS_USERNAME", "password": "REDIS_PASSWORD" }
    })
}

/// `minimal()` with `path` (dotted, e.g. `rotateAtUtc.hours`) set to `value`.
pub(crate) fn minimal_with(path: &str, value: Value) -> RotationRequest {
    let mut doc = minimal();
    let mut at = &mut doc;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        at = at
            .as_object_mut()
            .expect("an object")
            .entry(part.to_string())
            .or_insert_with(|| json!({}));
    }
    at[parts[parts.len() - 1]] = value;
    body(doc)
}

/// The error for `field`, which must be there and whose message must name the field.
pub(crate) fn error_for<T: std::fmt::Debug>(
    result: &Result<T, ValidationErrors>,
    field: &str,
) -> FieldError {
    let errors = result.as_ref().expect_err("validation should fail");
    let found = errors
        .0
        .iter()
        .find(|e| e.field == field)
        .unwrap_or_else(|| panic!("no error for `{field}` in:\n{errors}"))
        .clone();
    assert!(
        found.to_string().starts_with(&format!("{field}: ")),
        "{found}"
    );
    assert!(errors.to_string().contains(field));
    found
}

/// The fields that failed, in order.
pub(crate) fn fields<T>(result: &Result<T, ValidationErrors>) -> Vec<String> {
    match result {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(|e| e.field.clone()).collect(),
    }
}
