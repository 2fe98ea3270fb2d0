//! `parameters.stragglerPolicy`: `rotate` by default; `wait` needs a whole `maxWaitHours` of
//! 1–720; `maxWaitHours` without `wait` is refused; one-user rotations cannot wait; the stored
//! JSON leaves the default out.

use serde_json::json;

use super::fixtures::{World, body, error_for, minimal, minimal_with};
use crate::model::rotation::{StragglerMode, StragglerPolicy};
use crate::model::rules::validate_new_rotation;

fn policy(value: serde_json::Value) -> crate::model::request::RotationRequest {
    minimal_with("parameters.stragglerPolicy", value)
}

#[test]
fn the_default_policy_rotates_on_time_and_is_not_stored() {
    let world = World::new();
    let spec = validate_new_rotation(&body(minimal()), world.ctx()).expect("valid");
    assert_eq!(spec.parameters.straggler_policy, StragglerPolicy::default());
    let json = serde_json::to_value(&spec.parameters).unwrap();
    assert!(json.get("stragglerPolicy").is_none(), "{json}");
}

#[test]
fn wait_with_max_wait_hours_is_kept() {
    let world = World::new();
    let spec = validate_new_rotation(
        &policy(json!({"mode": "wait", "maxWaitHours": 24})),
        world.ctx(),
    )
    .expect("valid");
    let p = spec.parameters.straggler_policy;
    assert_eq!(p.mode, StragglerMode::Wait);
    assert_eq!(p.max_wait_hours, Some(24));
    assert_eq!(p.max_wait(), Some(chrono::Duration::hours(24)));
    let json = serde_json::to_value(&spec.parameters).unwrap();
    assert_eq!(
        json["stragglerPolicy"],
        json!({"mode": "wait", "maxWaitHours": 24})
    );
}

#[test]
fn wait_needs_a_whole_max_wait_of_1_to_720_hours() {
    let world = World::new();
    for bad in [json!(0), json!(721), json!(1.5), json!(-3)] {
        let r = validate_new_rotation(
            &policy(json!({"mode": "wait", "maxWaitHours": bad})),
            world.ctx(),
        );
        error_for(&r, "parameters.stragglerPolicy.maxWaitHours");
    }
    let r = validate_new_rotation(&policy(json!({"mode": "wait"})), world.ctx());
    let e = error_for(&r, "parameters.stragglerPolicy.maxWaitHours");
    assert!(e.message.contains("required"), "{e}");
}

#[test]
fn max_wait_without_wait_and_unknown_modes_are_refused() {
    let world = World::new();
    let r = validate_new_rotation(
        &policy(json!({"mode": "rotate", "maxWaitHours": 5})),
        world.ctx(),
    );
    error_for(&r, "parameters.stragglerPolicy.maxWaitHours");
    let r = validate_new_rotation(&policy(json!({"mode": "linger"})), world.ctx());
    let e = error_for(&r, "parameters.stragglerPolicy.mode");
    assert!(
        e.message.contains("`rotate`") && e.message.contains("`wait`"),
        "{e}"
    );
}

#[test]
fn a_one_user_rotation_cannot_wait() {
    let world = World::new();
    let r = validate_new_rotation(
        &minimal_with(
            "parameters",
            json!({
                "strategy": "one-user",
                "username": "orders-app",
                "stragglerPolicy": {"mode": "wait", "maxWaitHours": 2}
            }),
        ),
        world.ctx(),
    );
    error_for(&r, "parameters.stragglerPolicy.mode");
}
