//! `--json` views in the seed document's response shape (`secretRotation` with `connection`,
//! `environment`, `folder`, `projectId`), built from the stored rotation.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::model::{Connection, Rotation};

/// Stable ids for things the hosted original has and we do not store (environment, folder,
/// project): UUID v5 of their names, so the same input always gives the same id.
fn stable_id(kind: &str, name: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("redis-rotator:{kind}:{name}").as_bytes(),
    )
}

fn environment_name(slug: &str) -> String {
    match slug {
        "dev" => "Development".into(),
        "staging" => "Staging".into(),
        "prod" => "Production".into(),
        other => other.to_string(),
    }
}

/// One rotation as the seed document's `secretRotation` object.
pub fn rotation(r: &Rotation, conn: Option<&Connection>) -> Value {
    let folder_id = stable_id("folder", &format!("{}:{}", r.environment, r.secret_path));
    json!({
        "id": r.id,
        "name": r.name,
        "description": r.description,
        "isAutoRotationEnabled": r.is_auto_rotation_enabled,
        "activeIndex": r.active_index,
        "folderId": folder_id,
        "connectionId": r.connection_id,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at,
        "rotationInterval": r.rotation_interval,
        "rotationStatus": r.rotation_status,
        "lastRotationAttemptedAt": r.last_rotation_attempted_at,
        "lastRotatedAt": r.last_rotated_at,
        "lastRotationJobId": r.last_rotation_job_id,
        "nextRotationAt": r.next_rotation_at,
        "connection": {
            "app": "redis",
            "name": conn.map(|c| c.name.as_str()),
            "id": r.connection_id,
        },
        "environment": {
            "slug": r.environment,
            "name": environment_name(&r.environment),
            "id": stable_id("environment", &r.environment),
        },
        "projectId": stable_id("project", "local"),
        "folder": { "id": folder_id, "path": r.secret_path },
        "rotateAtUtc": r.rotate_at_utc,
        "lastRotationMessage": r.last_rotation_message,
        "type": r.kind,
        "parameters": r.parameters,
        "secretsMapping": r.secrets_mapping,
        "sinks": r.sinks,
    })
}

/// A connection without its password.
pub fn connection(c: &Connection) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "app": "redis",
        "description": c.description,
        "host": c.host,
        "port": c.port,
        "username": c.username,
        "hasPassword": c.password.is_some(),
        "tls": c.tls,
        "topology": c.topology,
        "nodes": c.nodes,
        "masterName": c.master_name,
        "sentinelUsername": c.sentinel_username,
        "hasSentinelPassword": c.sentinel_password.is_some(),
        "createdAt": c.created_at,
        "updatedAt": c.updated_at,
    })
}
