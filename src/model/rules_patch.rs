//! An update patch (SPEC 2.3 "Update"): the stored rotation written back as a body, the patch's
//! fields laid over it, and the result checked by the same rules as a create. Connection,
//! environment and path are fixed at creation.

use serde_json::Number;
use uuid::Uuid;

use super::request::{
    ParametersRequest, PasswordRequirementsRequest, RequiredRequest, RotateAtRequest,
    RotationRequest, SecretsMappingRequest, StragglerPolicyRequest,
};
use super::rotation::Rotation;
use super::rules::{Collect, validate_secret_path};
use super::rules_rotation::check_rotation;
use super::validation::{Context, FieldError, RotationSpec, ValidationErrors};

const FIXED: &str = "cannot change after creation; create a new rotation instead";

/// An update patch applied to `existing`: connection, environment and path may not change (giving
/// the same value again is fine). A blank `description` or `usernamePrefix` clears it; a blank
/// `permissionScope` resets it to the default.
pub(crate) fn validate_rotation_patch(
    existing: &Rotation,
    patch: &RotationRequest,
    ctx: Context<'_>,
) -> Result<RotationSpec, ValidationErrors> {
    let mut errors = Collect::default();
    fixed_fields_unchanged(existing, patch, ctx, &mut errors);
    let merged = overlay(request_from(existing), patch);
    errors.finish_with(check_rotation(&merged, ctx, Some(existing)))
}

fn fixed_fields_unchanged(
    existing: &Rotation,
    patch: &RotationRequest,
    ctx: Context<'_>,
    errors: &mut Collect,
) {
    if let Some(given) = patch.connection_id.as_deref().map(str::trim) {
        let same = Uuid::parse_str(given).is_ok_and(|id| id == existing.connection_id)
            || ctx
                .connections
                .iter()
                .any(|c| c.id == existing.connection_id && c.name == given);
        if !same {
            errors.push(FieldError::new("connectionId", FIXED));
        }
    }
    if patch
        .environment
        .as_deref()
        .is_some_and(|env| env != existing.environment)
    {
        errors.push(FieldError::new("environment", FIXED));
    }
    let params = patch.parameters.as_ref();
    if params
        .and_then(|p| p.strategy.as_deref())
        .is_some_and(|s| s.trim() != existing.parameters.strategy.to_string())
    {
        errors.push(FieldError::new("parameters.strategy", FIXED));
    }
    if params
        .and_then(|p| p.username.as_deref())
        .is_some_and(|u| Some(u) != existing.parameters.username.as_deref())
    {
        errors.push(FieldError::new("parameters.username", FIXED));
    }
    if let Some(path) = patch.secret_path.as_deref()
        && validate_secret_path(path).ok().as_deref() != Some(existing.secret_path.as_str())
    {
        errors.push(FieldError::new("secretPath", FIXED));
    }
}

/// The stored rotation as the body that would create it.
fn request_from(r: &Rotation) -> RotationRequest {
    let p = &r.parameters;
    let req = &p.password_requirements;
    RotationRequest {
        name: Some(r.name.clone()),
        project_id: None,
        description: r.description.clone(),
        connection_id: Some(r.connection_id.to_string()),
        environment: Some(r.environment.clone()),
        secret_path: Some(r.secret_path.clone()),
        is_auto_rotation_enabled: Some(r.is_auto_rotation_enabled),
        rotation_interval: Some(Number::from(r.rotation_interval)),
        rotate_at_utc: Some(RotateAtRequest {
            hours: Some(Number::from(r.rotate_at_utc.hours)),
            minutes: Some(Number::from(r.rotate_at_utc.minutes)),
        }),
        parameters: Some(ParametersRequest {
            password_requirements: Some(PasswordRequirementsRequest {
                length: Some(Number::from(req.length)),
                required: Some(RequiredRequest {
                    digits: Some(Number::from(req.required.digits)),
                    lowercase: Some(Number::from(req.required.lowercase)),
                    uppercase: Some(Number::from(req.required.uppercase)),
                    symbols: Some(Number::from(req.required.symbols)),
                }),
                allowed_symbols: Some(req.allowed_symbols.clone()),
            }),
            permission_scope: Some(p.permission_scope.clone()),
            username_prefix: p.username_prefix.clone(),
            strategy: Some(p.strategy.to_string()),
            username: p.username.clone(),
            straggler_policy: Some(StragglerPolicyRequest {
                mode: Some(p.straggler_policy.mode.to_string()),
                max_wait_hours: p.straggler_policy.max_wait_hours.map(Number::from),
            }),
        }),
        secrets_mapping: Some(SecretsMappingRequest {
            username: Some(r.secrets_mapping.username.clone()),
            password: Some(r.secrets_mapping.password.clone()),
        }),
        sinks: Some(r.sinks.iter().map(|s| s.to_request()).collect()),
    }
}

/// `base` with every field the patch gives replaced; connection, environment and path stay.
fn overlay(base: RotationRequest, patch: &RotationRequest) -> RotationRequest {
    let p = patch.clone();
    RotationRequest {
        name: p.name.or(base.name),
        project_id: base.project_id,
        description: p.description.or(base.description),
        connection_id: base.connection_id,
        environment: base.environment,
        secret_path: base.secret_path,
        is_auto_rotation_enabled: p.is_auto_rotation_enabled.or(base.is_auto_rotation_enabled),
        rotation_interval: p.rotation_interval.or(base.rotation_interval),
        rotate_at_utc: merge(base.rotate_at_utc, p.rotate_at_utc, |b, p| {
            RotateAtRequest {
                hours: p.hours.or(b.hours),
                minutes: p.minutes.or(b.minutes),
            }
        }),
        parameters: merge(base.parameters, p.parameters, overlay_parameters),
        secrets_mapping: merge(base.secrets_mapping, p.secrets_mapping, |b, p| {
            SecretsMappingRequest {
                username: p.username.or(b.username),
                password: p.password.or(b.password),
            }
        }),
        sinks: p.sinks.or(base.sinks),
    }
}

fn overlay_parameters(b: ParametersRequest, p: ParametersRequest) -> ParametersRequest {
    ParametersRequest {
        password_requirements: merge(b.password_requirements, p.password_requirements, |b, p| {
            PasswordRequirementsRequest {
                length: p.length.or(b.length),
                required: merge(b.required, p.required, |b, p| RequiredRequest {
                    digits: p.digits.or(b.digits),
                    lowercase: p.lowercase.or(b.lowercase),
                    uppercase: p.uppercase.or(b.uppercase),
                    symbols: p.symbols.or(b.symbols),
                }),
                allowed_symbols: p.allowed_symbols.or(b.allowed_symbols),
            }
        }),
        permission_scope: p.permission_scope.or(b.permission_scope),
        username_prefix: p.username_prefix.or(b.username_prefix),
        strategy: p.strategy.or(b.strategy),
        username: p.username.or(b.username),
        // A policy is replaced whole: `wait` → `rotate` must not keep the old maxWaitHours.
        straggler_policy: p.straggler_policy.or(b.straggler_policy),
    }
}

/// A nested object: the patch's fields over the base's, or whichever of the two exists.
fn merge<T>(base: Option<T>, patch: Option<T>, both: impl FnOnce(T, T) -> T) -> Option<T> {
    match (base, patch) {
        (Some(b), Some(p)) => Some(both(b, p)),
        (b, p) => p.or(b),
    }
}
