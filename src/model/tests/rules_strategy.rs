//! SPEC 2.2/2.3 `parameters.strategy`: `two-users` (default) or `one-user` with
//! `parameters.username`; the `default` user's permissions never change; strategy and user are
//! fixed once the rotation exists.

use serde_json::json;

use super::fixtures::{World, body, error_for, minimal, minimal_with};
use crate::model::rotation::{Slot, Strategy};
use crate::model::rules::{validate_new_rotation, validate_rotation_patch};

fn one_user(username: serde_json::Value) -> crate::model::request::RotationRequest {
    minimal_with(
        "parameters",
        json!({ "strategy": "one-user", "username": username }),
    )
}

#[test]
fn strategy_defaults_to_two_users() {
    let world = World::new();
    let spec = validate_new_rotation(&body(minimal()), world.ctx()).expect("valid");
    assert_eq!(spec.parameters.strategy, Strategy::TwoUsers);
    assert_eq!(spec.parameters.username, None);
}

#[test]
fn an_unknown_strategy_is_refused_naming_both_choices() {
    let world = World::new();
    let r = validate_new_rotation(
        &minimal_with("parameters.strategy", json!("three-users")),
        world.ctx(),
    );
    let e = error_for(&r, "parameters.strategy");
    assert!(
        e.message.contains("`two-users`") && e.message.contains("`one-user`"),
        "{e}"
    );
}

#[test]
fn one_user_needs_a_username() {
    let world = World::new();
    let r = validate_new_rotation(
        &minimal_with("parameters.strategy", json!("one-user")),
        world.ctx(),
    );
    error_for(&r, "parameters.username");
}

#[test]
fn one_user_takes_a_legacy_username_and_uses_it_for_both_slots() {
    let mut world = World::new();
    let spec = validate_new_rotation(&one_user(json!("orders-app")), world.ctx()).expect("valid");
    assert_eq!(spec.parameters.strategy, Strategy::OneUser);
    let mut r = world.add_rotation("orders");
    r.parameters = spec.parameters;
    assert_eq!(r.username_for(Slot::Zero), "orders-app");
    assert_eq!(r.username_for(Slot::One), "orders-app");
    assert_eq!(r.usernames(), ["orders-app"]);
    assert!(r.manages_permissions());
}

#[test]
fn a_username_with_spaces_is_refused() {
    let world = World::new();
    let r = validate_new_rotation(&one_user(json!("orders app")), world.ctx());
    error_for(&r, "parameters.username");
}

#[test]
fn one_user_refuses_a_username_prefix() {
    let world = World::new();
    let r = validate_new_rotation(
        &minimal_with(
            "parameters",
            json!({ "strategy": "one-user", "username": "app", "usernamePrefix": "x" }),
        ),
        world.ctx(),
    );
    error_for(&r, "parameters.usernamePrefix");
}

#[test]
fn the_default_user_keeps_its_permissions() {
    let mut world = World::new();
    let spec = validate_new_rotation(&one_user(json!("default")), world.ctx()).expect("valid");
    assert!(
        spec.warnings.is_empty(),
        "no scope is sent for default: {:?}",
        spec.warnings
    );
    let mut r = world.add_rotation("orders");
    r.parameters = spec.parameters;
    assert!(!r.manages_permissions());
    let r = validate_new_rotation(
        &minimal_with(
            "parameters",
            json!({ "strategy": "one-user", "username": "default", "permissionScope": "~app:* +get" }),
        ),
        world.ctx(),
    );
    let e = error_for(&r, "parameters.permissionScope");
    assert!(e.message.contains("only its passwords rotate"), "{e}");
}

#[test]
fn one_user_may_not_rotate_the_admin_user_of_its_connection() {
    let world = World::new();
    let r = validate_new_rotation(&one_user(json!("admin")), world.ctx());
    let e = error_for(&r, "parameters.username");
    assert!(e.message.contains("admin user of connection `main`"), "{e}");
}

#[test]
fn one_user_may_not_take_another_rotations_user() {
    let mut world = World::new();
    world.add_rotation("orders");
    let r = validate_new_rotation(&one_user(json!("orders-1")), world.ctx());
    let e = error_for(&r, "parameters.username");
    assert!(e.message.contains("rotation `orders`"), "{e}");
}

#[test]
fn strategy_and_username_cannot_change_after_creation() {
    let mut world = World::new();
    let mut stored = world.add_rotation("orders");
    stored.parameters.strategy = Strategy::OneUser;
    stored.parameters.username = Some("app".into());
    let patch = body(json!({ "parameters": { "strategy": "two-users" } }));
    error_for(
        &validate_rotation_patch(&stored, &patch, world.ctx()),
        "parameters.strategy",
    );
    let patch = body(json!({ "parameters": { "username": "other" } }));
    error_for(
        &validate_rotation_patch(&stored, &patch, world.ctx()),
        "parameters.username",
    );
    let same = body(json!({ "description": "x", "parameters": { "strategy": "one-user" } }));
    let spec = validate_rotation_patch(&stored, &same, world.ctx()).expect("valid");
    assert_eq!(spec.parameters.username.as_deref(), Some("app"));
}

#[test]
fn a_misspelt_strategy_field_is_refused_naming_the_known_one() {
    let e = crate::model::strict::from_str::<crate::model::request::RotationRequest>(
        r#"{"parameters":{"strategie":"one-user"}}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.unknown,
        Some(("strategie".into(), Some("strategy".into())))
    );
}
