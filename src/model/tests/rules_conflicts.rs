//! SPEC 2.2: what a new rotation may not share with the rest of the database: its name within
//! (environment, secretPath), its mapped secrets, its Redis usernames on the connection.

use serde_json::json;

use super::fixtures::{World, body, error_for, fields, minimal, minimal_with, secret};
use crate::model::rules::validate_new_rotation;

#[test]
fn name_is_unique_within_environment_and_secret_path() {
    let mut world = World::new();
    world.add_rotation("orders");
    let result = validate_new_rotation(&body(minimal()), world.ctx());
    let err = error_for(&result, "name");
    assert!(
        err.message
            .contains("already exists in environment `dev`, path `/`"),
        "{err}"
    );

    // The same name elsewhere is another rotation; its usernames must still differ on the
    // connection, hence the prefix.
    let mut doc = minimal();
    doc["environment"] = json!("prod");
    doc["parameters"] = json!({ "usernamePrefix": "orders-prod" });
    assert!(validate_new_rotation(&body(doc.clone()), world.ctx()).is_ok());
    doc["environment"] = json!("dev");
    doc["secretPath"] = json!("/apps/");
    assert!(validate_new_rotation(&body(doc), world.ctx()).is_ok());
}

#[test]
fn mapped_secrets_may_not_overwrite_an_existing_secret() {
    let mut world = World::new();
    world
        .secrets
        .push(secret("dev", "/", "REDIS_PASSWORD", None));
    let result = validate_new_rotation(&body(minimal()), world.ctx());
    assert_eq!(fields(&result), vec!["secretsMapping.password"]);
    let err = error_for(&result, "secretsMapping.password");
    assert!(
        err.message.contains("`REDIS_PASSWORD` already exists"),
        "{err}"
    );

    // The same name in another folder or environment is another secret.
    world.secrets[0] = secret("dev", "/apps", "REDIS_PASSWORD", None);
    assert!(validate_new_rotation(&body(minimal()), world.ctx()).is_ok());
    world.secrets[0] = secret("prod", "/", "REDIS_PASSWORD", None);
    assert!(validate_new_rotation(&body(minimal()), world.ctx()).is_ok());
}

#[test]
fn mapped_secrets_may_not_take_another_rotations_secrets() {
    let mut world = World::new();
    world.add_rotation("billing");
    let req = minimal_with(
        "secretsMapping",
        json!({ "username": "BILLING_USERNAME", "password": "P" }),
    );
    let result = validate_new_rotation(&req, world.ctx());
    let err = error_for(&result, "secretsMapping.username");
    assert!(
        err.message.contains("rotation `billing` writes it"),
        "{err}"
    );

    // A rotation whose secrets are not written yet still holds its mapping.
    world.secrets.clear();
    let err = error_for(
        &validate_new_rotation(&req, world.ctx()),
        "secretsMapping.username",
    );
    assert!(err.message.contains("rotation `billing` maps it"), "{err}");
}

#[test]
fn a_taken_secret_is_reported_even_when_the_name_is_missing_or_invalid() {
    // The wizard asks for the mapping before the name: its step must show the conflict.
    let mut world = World::new();
    world
        .secrets
        .push(secret("dev", "/", "REDIS_PASSWORD", None));
    for name in [None, Some("Not A Slug")] {
        let mut doc = minimal();
        match name {
            Some(n) => doc["name"] = json!(n),
            None => {
                doc.as_object_mut().unwrap().remove("name");
            }
        }
        let result = validate_new_rotation(&body(doc), world.ctx());
        assert_eq!(
            fields(&result),
            vec!["name", "secretsMapping.password"],
            "{name:?}"
        );
    }
}

#[test]
fn mapped_secret_names_must_differ() {
    let world = World::new();
    let req = minimal_with(
        "secretsMapping",
        json!({ "username": "S", "password": "S" }),
    );
    let err = error_for(
        &validate_new_rotation(&req, world.ctx()),
        "secretsMapping.password",
    );
    assert!(
        err.message
            .contains("must differ from secretsMapping.username"),
        "{err}"
    );
}

#[test]
fn derived_usernames_may_not_collide_with_another_rotation_on_the_connection() {
    let mut world = World::new();
    world.add_rotation("orders");
    world.rotations[0].environment = "prod".into();
    let result = validate_new_rotation(&body(minimal()), world.ctx());
    assert_eq!(fields(&result), vec!["name"]);
    let err = error_for(&result, "name");
    assert!(
        err.message
            .contains("`orders-0` already belongs to rotation `orders`"),
        "{err}"
    );
    assert!(err.message.contains("parameters.usernamePrefix"), "{err}");

    let prefixed = minimal_with("parameters.usernamePrefix", json!("orders-2"));
    assert!(validate_new_rotation(&prefixed, world.ctx()).is_ok());
}

#[test]
fn username_prefix_may_not_take_another_rotations_usernames() {
    let mut world = World::new();
    world.add_rotation("billing");
    let req = minimal_with("parameters.usernamePrefix", json!("billing"));
    let result = validate_new_rotation(&req, world.ctx());
    assert_eq!(fields(&result), vec!["parameters.usernamePrefix"]);
}

#[test]
fn usernames_on_another_connection_are_free() {
    let mut world = World::new();
    world.connections.push(super::fixtures::connection("other"));
    let mut theirs = super::fixtures::rotation("orders", &world.connections[1]);
    theirs.secret_path = "/other".into();
    world.rotations.push(theirs);
    assert!(validate_new_rotation(&body(minimal()), world.ctx()).is_ok());
}

#[test]
fn usernames_on_another_connection_to_the_same_server_are_taken() {
    use crate::model::{NodeIds, ServerIdentity};
    let ids = |run: &str| {
        Some(ServerIdentity::from_nodes(
            [&NodeIds {
                run_id: Some(run.into()),
                ..Default::default()
            }],
            chrono::Utc::now(),
        ))
    };
    let mut world = World::new();
    world.connections.push(super::fixtures::connection("other"));
    let mut theirs = super::fixtures::rotation("orders", &world.connections[1]);
    theirs.secret_path = "/other".into();
    world.rotations.push(theirs);
    world.connections[0].identity = ids("run-a");
    world.connections[1].identity = ids("run-a");
    let err = error_for(
        &validate_new_rotation(&body(minimal()), world.ctx()),
        "name",
    );
    assert!(
        err.message.contains(
            "`orders-0` already belongs to rotation `orders` on connection `other`, which reaches the same server as `main`"
        ),
        "{err}"
    );
    // Another server behind the other connection: the usernames are free again.
    world.connections[1].identity = ids("run-b");
    assert!(validate_new_rotation(&body(minimal()), world.ctx()).is_ok());
}

#[test]
fn derived_usernames_may_not_be_the_connections_admin_user() {
    let mut world = World::new();
    world.connections[0].username = "orders-1".into();
    let err = error_for(
        &validate_new_rotation(&body(minimal()), world.ctx()),
        "name",
    );
    assert!(
        err.message.contains("admin user of connection `main`"),
        "{err}"
    );
}

#[test]
fn an_invalid_prefix_is_reported_once_not_as_a_name_clash() {
    let mut world = World::new();
    world.add_rotation("orders");
    world.rotations[0].environment = "prod".into();
    let req = minimal_with("parameters.usernamePrefix", json!("Bad Prefix"));
    let result = validate_new_rotation(&req, world.ctx());
    assert_eq!(fields(&result), vec!["parameters.usernamePrefix"]);
}
