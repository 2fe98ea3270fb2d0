//! SPEC 2.3 "Update": a patch over a stored rotation goes through the same rules; connection,
//! environment and path stay; the rotation's own name, secrets and usernames are no conflict.

use serde_json::json;

use super::fixtures::{World, body, error_for, fields};
use crate::model::rotation::DEFAULT_SCOPE;
use crate::model::rules::validate_rotation_patch;

#[test]
fn empty_patch_keeps_every_stored_value() {
    let mut world = World::new();
    let stored = world.add_rotation("orders");
    let spec = validate_rotation_patch(&stored, &body(json!({})), world.ctx()).expect("valid");
    assert_eq!(spec.name, stored.name);
    assert_eq!(spec.connection_id, stored.connection_id);
    assert_eq!(spec.environment, stored.environment);
    assert_eq!(spec.secret_path, stored.secret_path);
    assert_eq!(spec.rotation_interval, stored.rotation_interval);
    assert_eq!(spec.rotate_at_utc, stored.rotate_at_utc);
    assert_eq!(spec.parameters, stored.parameters);
    assert_eq!(spec.secrets_mapping, stored.secrets_mapping);
}

#[test]
fn patch_changes_only_the_fields_it_gives() {
    let mut world = World::new();
    let stored = world.add_rotation("orders");
    let patch = body(json!({
        "description": "nightly",
        "rotationInterval": 7,
        "rotateAtUtc": { "minutes": 30 },
        "parameters": { "passwordRequirements": { "required": { "symbols": 2 } } },
        "secretsMapping": { "password": "NEW_PASSWORD" }
    }));
    let spec = validate_rotation_patch(&stored, &patch, world.ctx()).expect("valid");
    assert_eq!(spec.description.as_deref(), Some("nightly"));
    assert_eq!(spec.rotation_interval, 7);
    assert_eq!(
        (spec.rotate_at_utc.hours, spec.rotate_at_utc.minutes),
        (0, 30)
    );
    let req = &spec.parameters.password_requirements;
    assert_eq!(
        (req.length, req.required.digits, req.required.symbols),
        (48, 1, 2)
    );
    assert_eq!(
        spec.secrets_mapping.username,
        stored.secrets_mapping.username
    );
    assert_eq!(spec.secrets_mapping.password, "NEW_PASSWORD");
}

#[test]
fn blank_values_clear_description_and_prefix_and_reset_the_scope() {
    let mut world = World::new();
    let mut stored = world.add_rotation("orders");
    stored.description = Some("old".into());
    stored.parameters.username_prefix = Some("orders-app".into());
    stored.parameters.permission_scope = "~app:* +@read".into();
    let patch = body(json!({
        "description": "",
        "parameters": { "usernamePrefix": "", "permissionScope": "" }
    }));
    let spec = validate_rotation_patch(&stored, &patch, world.ctx()).expect("valid");
    assert_eq!(spec.description, None);
    assert_eq!(spec.parameters.username_prefix, None);
    assert_eq!(spec.parameters.permission_scope, DEFAULT_SCOPE);
}

#[test]
fn connection_environment_and_path_cannot_change_after_creation() {
    let mut world = World::new();
    world.connections.push(super::fixtures::connection("other"));
    let stored = world.add_rotation("orders");
    let patch = body(json!({
        "connectionId": "other",
        "environment": "prod",
        "secretPath": "/apps"
    }));
    let result = validate_rotation_patch(&stored, &patch, world.ctx());
    assert_eq!(
        fields(&result),
        vec!["connectionId", "environment", "secretPath"]
    );
    assert_eq!(
        error_for(&result, "connectionId").to_string(),
        "connectionId: cannot change after creation; create a new rotation instead"
    );
}

#[test]
fn giving_the_same_connection_environment_and_path_again_is_fine() {
    let mut world = World::new();
    let stored = world.add_rotation("orders");
    for connection in [stored.connection_id.to_string(), "main".to_string()] {
        let patch = body(json!({
            "connectionId": connection,
            "environment": "dev",
            "secretPath": "/"
        }));
        assert!(validate_rotation_patch(&stored, &patch, world.ctx()).is_ok());
    }
    let mut nested = world.add_rotation("billing");
    nested.secret_path = "/apps".into();
    let patch = body(json!({ "secretPath": "/apps/" }));
    assert!(validate_rotation_patch(&nested, &patch, world.ctx()).is_ok());
}

#[test]
fn own_name_secrets_and_usernames_are_no_conflict() {
    let mut world = World::new();
    let stored = world.add_rotation("orders");
    world.add_rotation("billing");
    let patch = body(json!({
        "name": "orders",
        "secretsMapping": {
            "username": stored.secrets_mapping.username,
            "password": stored.secrets_mapping.password
        }
    }));
    assert!(validate_rotation_patch(&stored, &patch, world.ctx()).is_ok());
}

#[test]
fn renaming_onto_another_rotation_or_its_secrets_is_refused() {
    let mut world = World::new();
    let stored = world.add_rotation("orders");
    let billing = world.add_rotation("billing");
    let patch = body(json!({
        "name": "billing",
        "secretsMapping": { "username": billing.secrets_mapping.username }
    }));
    let result = validate_rotation_patch(&stored, &patch, world.ctx());
    assert_eq!(fields(&result), vec!["name", "secretsMapping.username"]);
}

#[test]
fn patch_values_follow_the_create_rules() {
    let mut world = World::new();
    let stored = world.add_rotation("orders");
    let patch = body(json!({
        "rotationInterval": 2.5,
        "rotateAtUtc": { "hours": 11.5 },
        "parameters": { "permissionScope": "resetpass" }
    }));
    let result = validate_rotation_patch(&stored, &patch, world.ctx());
    assert_eq!(
        fields(&result),
        vec![
            "rotationInterval",
            "rotateAtUtc.hours",
            "parameters.permissionScope"
        ]
    );
}

#[test]
fn a_patch_without_sinks_keeps_the_stored_ones_and_an_empty_list_removes_them() {
    let mut world = World::new();
    let mut stored = world.add_rotation("orders");
    stored.sinks = crate::model::sink::validate_sinks(&[body_sink(
        json!({ "type": "file", "path": "/etc/app/redis.env", "mode": "0640", "reload": "true" }),
    )])
    .expect("valid sink");
    let spec = validate_rotation_patch(
        &stored,
        &body(json!({ "rotationInterval": 7 })),
        world.ctx(),
    )
    .expect("valid");
    assert_eq!(
        spec.sinks, stored.sinks,
        "a patch that names no sinks keeps them"
    );
    let spec = validate_rotation_patch(&stored, &body(json!({ "sinks": [] })), world.ctx())
        .expect("valid");
    assert!(spec.sinks.is_empty(), "an empty list removes them");
}

fn body_sink(value: serde_json::Value) -> crate::model::sink::SinkRequest {
    serde_json::from_value(value).expect("a sink request")
}
