//! SPEC 2.2: a rotation create body, field by field, with every failure reported together.

use serde_json::json;

use super::fixtures::{World, body, error_for, fields, minimal, minimal_with, seed_request};
use crate::model::rotation::{DEFAULT_SCOPE, DEFAULT_SYMBOLS, RotateAt};
use crate::model::rules::validate_new_rotation;

#[test]
fn seed_sample_request_rejects_fractional_hours_and_minutes_naming_each_field() {
    let world = World::new();
    let result = validate_new_rotation(&seed_request(json!(11.5), json!(29.5)), world.ctx());
    assert_eq!(
        fields(&result),
        vec!["rotateAtUtc.hours", "rotateAtUtc.minutes"]
    );
    let hours = error_for(&result, "rotateAtUtc.hours");
    assert_eq!(
        hours.to_string(),
        "rotateAtUtc.hours: must be a whole number 0–23, got 11.5"
    );
    let minutes = error_for(&result, "rotateAtUtc.minutes");
    assert!(minutes.to_string().contains("got 29.5"), "{minutes}");
}

#[test]
fn seed_sample_request_with_whole_numbers_is_accepted() {
    let world = World::new();
    let spec =
        validate_new_rotation(&seed_request(json!(11), json!(29)), world.ctx()).expect("valid");
    assert_eq!(spec.name, "my-redis-rotation");
    assert_eq!(
        spec.description.as_deref(),
        Some("my database credentials rotation")
    );
    assert_eq!(spec.connection_id, world.main().id);
    assert_eq!(
        (spec.environment.as_str(), spec.secret_path.as_str()),
        ("dev", "/")
    );
    assert_eq!(spec.rotation_interval, 2);
    assert_eq!(
        spec.rotate_at_utc,
        RotateAt {
            hours: 11,
            minutes: 29
        }
    );
    let req = &spec.parameters.password_requirements;
    assert_eq!((req.length, req.required.symbols), (64, 1));
    assert_eq!(req.allowed_symbols, "@!+");
    assert_eq!(spec.parameters.permission_scope, "~* +@all");
    assert_eq!(spec.secrets_mapping.username, "REDIS_USERNAME");
    assert_eq!(spec.secrets_mapping.password, "REDIS_PASSWORD");
    assert_eq!(
        spec.warnings.len(),
        1,
        "`+@all` grants @admin: {:?}",
        spec.warnings
    );
}

#[test]
fn smallest_body_takes_the_documented_defaults() {
    let world = World::new();
    let spec = validate_new_rotation(&body(minimal()), world.ctx()).expect("valid");
    assert_eq!(spec.environment, "dev");
    assert_eq!(spec.secret_path, "/");
    assert!(spec.is_auto_rotation_enabled);
    assert_eq!(spec.rotation_interval, 30);
    assert_eq!(
        spec.rotate_at_utc,
        RotateAt {
            hours: 0,
            minutes: 0
        }
    );
    let req = &spec.parameters.password_requirements;
    assert_eq!(req.length, 48);
    assert_eq!(
        (
            req.required.digits,
            req.required.lowercase,
            req.required.uppercase,
            req.required.symbols
        ),
        (1, 1, 1, 0)
    );
    assert_eq!(req.allowed_symbols, DEFAULT_SYMBOLS);
    assert_eq!(spec.parameters.permission_scope, DEFAULT_SCOPE);
    assert_eq!(spec.parameters.username_prefix, None);
}

#[test]
fn each_field_rule_accepts_a_valid_value_and_names_the_field_when_it_fails() {
    let table = [
        ("name", json!("orders-v2"), json!("Orders V2")),
        ("name", json!("o"), json!(null)),
        (
            "description",
            json!("d".repeat(256)),
            json!("d".repeat(257)),
        ),
        ("environment", json!("prod"), json!("dev|staging|prod")),
        ("secretPath", json!("/apps/orders/"), json!("apps/orders")),
        ("secretPath", json!("/a.b/c_d"), json!("/apps/../x")),
        ("rotationInterval", json!(365), json!(366)),
        ("rotationInterval", json!(1), json!(0)),
        ("rotationInterval", json!(7), json!(2.5)),
        ("rotateAtUtc.hours", json!(23), json!(24)),
        ("rotateAtUtc.hours", json!(0), json!(-1)),
        ("rotateAtUtc.minutes", json!(59), json!(60)),
        ("rotateAtUtc.minutes", json!(30), json!(0.5)),
        ("parameters.passwordRequirements.length", json!(8), json!(7)),
        (
            "parameters.passwordRequirements.length",
            json!(250),
            json!(251),
        ),
        (
            "parameters.passwordRequirements.length",
            json!(64),
            json!(64.5),
        ),
        (
            "parameters.passwordRequirements.required.digits",
            json!(5),
            json!(-1),
        ),
        (
            "parameters.passwordRequirements.required.lowercase",
            json!(0),
            json!(1.5),
        ),
        (
            "parameters.passwordRequirements.required.uppercase",
            json!(3),
            json!(251),
        ),
        (
            "parameters.passwordRequirements.required.symbols",
            json!(2),
            json!(0.1),
        ),
        (
            "parameters.passwordRequirements.allowedSymbols",
            json!("#$%"),
            json!("a!"),
        ),
        (
            "parameters.passwordRequirements.allowedSymbols",
            json!("-_"),
            json!("- _"),
        ),
        (
            "parameters.passwordRequirements.allowedSymbols",
            json!("!"),
            json!("!'"),
        ),
        (
            "parameters.passwordRequirements.allowedSymbols",
            json!("!"),
            json!("\""),
        ),
        (
            "parameters.passwordRequirements.allowedSymbols",
            json!("!"),
            json!("`"),
        ),
        (
            "parameters.passwordRequirements.allowedSymbols",
            json!("!"),
            json!("\\"),
        ),
        (
            "parameters.passwordRequirements.allowedSymbols",
            json!("!"),
            json!("é"),
        ),
        (
            "parameters.permissionScope",
            json!("~app:* +@read"),
            json!("on ~* +@all"),
        ),
        ("parameters.permissionScope", json!(""), json!(">secret")),
        (
            "parameters.usernamePrefix",
            json!("orders-app"),
            json!("Orders"),
        ),
        (
            "parameters.usernamePrefix",
            json!("a".repeat(60)),
            json!("a".repeat(61)),
        ),
        (
            "secretsMapping.username",
            json!("REDIS_USER"),
            json!("REDIS USER"),
        ),
        ("secretsMapping.username", json!("U"), json!(null)),
        ("secretsMapping.password", json!("a.b-c_d"), json!("")),
        (
            "secretsMapping.password",
            json!("P"),
            json!("P".repeat(257)),
        ),
    ];
    let world = World::new();
    for (field, valid, invalid) in table {
        let ok = validate_new_rotation(&minimal_with(field, valid.clone()), world.ctx());
        assert!(ok.is_ok(), "{field} = {valid}: {:?}", ok.err());
        let bad = validate_new_rotation(&minimal_with(field, invalid.clone()), world.ctx());
        assert_eq!(fields(&bad), vec![field], "{field} = {invalid}");
        error_for(&bad, field);
    }
}

#[test]
fn rotation_interval_fraction_is_rejected_not_truncated() {
    let world = World::new();
    let result = validate_new_rotation(&minimal_with("rotationInterval", json!(2.5)), world.ctx());
    assert_eq!(
        error_for(&result, "rotationInterval").to_string(),
        "rotationInterval: must be a whole number of days 1–365, got 2.5"
    );
}

#[test]
fn required_counts_need_one_above_zero_and_must_fit_the_length() {
    let world = World::new();
    let field = "parameters.passwordRequirements.required";
    let zeros = json!({ "digits": 0, "lowercase": 0, "uppercase": 0, "symbols": 0 });
    let result = validate_new_rotation(
        &minimal_with("parameters.passwordRequirements.required", zeros),
        world.ctx(),
    );
    assert!(error_for(&result, field).message.contains("at least one"));

    let doc = json!({ "length": 8, "required": { "digits": 4, "lowercase": 4, "uppercase": 1 } });
    let result = validate_new_rotation(
        &minimal_with("parameters.passwordRequirements", doc),
        world.ctx(),
    );
    assert_eq!(fields(&result), vec![field]);
    assert!(error_for(&result, field).message.contains("add up to 9"));

    let doc = json!({ "length": 8, "required": { "digits": 4, "lowercase": 4, "uppercase": 0 } });
    let ok = validate_new_rotation(
        &minimal_with("parameters.passwordRequirements", doc),
        world.ctx(),
    );
    assert!(ok.is_ok(), "{:?}", ok.err());
}

#[test]
fn allowed_symbols_must_not_be_empty_when_symbols_are_required() {
    let world = World::new();
    let field = "parameters.passwordRequirements.allowedSymbols";
    let empty = json!({ "required": { "symbols": 1 }, "allowedSymbols": "" });
    let result = validate_new_rotation(
        &minimal_with("parameters.passwordRequirements", empty),
        world.ctx(),
    );
    error_for(&result, field);
    let unused = json!({ "required": { "symbols": 0 }, "allowedSymbols": "" });
    let ok = validate_new_rotation(
        &minimal_with("parameters.passwordRequirements", unused),
        world.ctx(),
    );
    assert!(ok.is_ok(), "{:?}", ok.err());
}

#[test]
fn permission_scope_is_stored_normalised_with_its_warnings() {
    let world = World::new();
    let req = minimal_with(
        "parameters.permissionScope",
        json!("  ~app:*\t+@read   ( ~x  +get ) "),
    );
    let spec = validate_new_rotation(&req, world.ctx()).expect("valid");
    assert_eq!(spec.parameters.permission_scope, "~app:* +@read (~x +get)");
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);

    let spec = validate_new_rotation(
        &minimal_with("parameters.permissionScope", json!("   ")),
        world.ctx(),
    )
    .expect("blank means the default");
    assert_eq!(spec.parameters.permission_scope, DEFAULT_SCOPE);
    assert!(
        spec.warnings[0].starts_with("parameters.permissionScope: grants"),
        "{:?}",
        spec.warnings
    );
}

#[test]
fn permission_scope_error_never_shows_a_password() {
    let world = World::new();
    let req = minimal_with("parameters.permissionScope", json!("~* >hunter2 +@all"));
    let result = validate_new_rotation(&req, world.ctx());
    error_for(&result, "parameters.permissionScope");
    assert!(!format!("{result:?}").contains("hunter2"));
}

#[test]
fn connection_is_found_by_id_or_by_name() {
    let world = World::new();
    let id = world.main().id;
    let by_id = minimal_with("connectionId", json!(id.to_string()));
    assert_eq!(
        validate_new_rotation(&by_id, world.ctx())
            .expect("by id")
            .connection_id,
        id
    );
    let by_name = minimal_with("connectionId", json!("main"));
    assert_eq!(
        validate_new_rotation(&by_name, world.ctx())
            .expect("by name")
            .connection_id,
        id
    );
}

#[test]
fn unknown_connection_says_how_to_add_one_and_lists_the_others() {
    let mut world = World::new();
    world
        .connections
        .push(super::fixtures::connection("backup"));
    let result = validate_new_rotation(&minimal_with("connectionId", json!("x")), world.ctx());
    assert_eq!(
        error_for(&result, "connectionId").to_string(),
        "connectionId: no connection `x`: add it with `redis-rotator connection add` or use one \
         of: main, backup"
    );
    let missing = validate_new_rotation(&minimal_with("connectionId", json!(null)), world.ctx());
    assert!(
        error_for(&missing, "connectionId")
            .message
            .starts_with("is required")
    );
}

#[test]
fn every_failing_field_is_reported_at_once() {
    let world = World::new();
    let req = body(json!({
        "name": "Bad",
        "connectionId": "nope",
        "environment": "Prod",
        "secretPath": "x",
        "rotationInterval": 0,
        "rotateAtUtc": { "hours": 11.5, "minutes": 29.5 },
        "parameters": { "passwordRequirements": { "length": 4 }, "permissionScope": "nopass" },
        "secretsMapping": { "username": "SAME", "password": "SAME" }
    }));
    assert_eq!(
        fields(&validate_new_rotation(&req, world.ctx())),
        vec![
            "name",
            "connectionId",
            "environment",
            "secretPath",
            "rotationInterval",
            "rotateAtUtc.hours",
            "rotateAtUtc.minutes",
            "parameters.passwordRequirements.length",
            "parameters.permissionScope",
            "secretsMapping.password",
        ]
    );
}

#[test]
fn a_rotation_is_made_from_its_spec_and_an_update_changes_only_what_may_change() {
    use crate::model::{Rotation, RotationStatus, Slot};
    let world = World::new();
    let spec =
        validate_new_rotation(&seed_request(json!(11), json!(29)), world.ctx()).expect("valid");
    let now = chrono::Utc::now();
    let id = uuid::Uuid::new_v4();
    let mut r = Rotation::from_spec(&spec, id, now);
    assert_eq!(
        (
            r.id,
            &r.name,
            &r.environment,
            &r.secret_path,
            r.connection_id
        ),
        (
            id,
            &spec.name,
            &spec.environment,
            &spec.secret_path,
            spec.connection_id
        )
    );
    assert_eq!(r.parameters, spec.parameters);
    assert_eq!(r.secrets_mapping, spec.secrets_mapping);
    assert_eq!(r.rotation_interval, spec.rotation_interval);
    assert_eq!(r.is_auto_rotation_enabled, spec.is_auto_rotation_enabled);
    assert_eq!(
        (r.active_index, r.rotation_status),
        (Slot::Zero, RotationStatus::Rotating)
    );
    assert!(r.slots.iter().all(Option::is_none) && r.pending.is_none());

    let mut changed = spec.clone();
    changed.name = "renamed".into();
    changed.rotation_interval = 9;
    changed.environment = "elsewhere".into();
    r.take_spec(&changed);
    assert_eq!((r.name.as_str(), r.rotation_interval), ("renamed", 9));
    assert_eq!(r.environment, spec.environment, "fixed at creation");
    assert_eq!(r.id, id);
}
