//! The rules themselves (SPEC 2.1, 2.2), one function per field family.

use uuid::Uuid;

use super::connection::Connection;
use super::request::{ConnectionRequest, RotationRequest};
use super::rotation::Rotation;
use super::validation::{ConnectionSpec, Context, FieldError, RotationSpec, ValidationErrors};

/// Slug: 1–64 chars of `[a-z0-9]` with single inner hyphens. `field` names it in the error.
pub fn validate_slug(field: &str, value: &str) -> Result<(), FieldError> {
    let _ = (field, value);
    todo!("model helper")
}

/// Environment: a slug of at most 64 characters.
pub fn validate_environment(value: &str) -> Result<(), FieldError> {
    let _ = value;
    todo!("model helper")
}

/// `secretPath`: starts with `/`, segments of `[A-Za-z0-9_.-]`, no `..`; returns it normalised
/// (trailing `/` removed except for root).
pub fn validate_secret_path(value: &str) -> Result<String, FieldError> {
    let _ = value;
    todo!("model helper")
}

/// A secret name: `[A-Za-z0-9_.-]`, 1–256 chars.
pub fn validate_secret_name(field: &str, value: &str) -> Result<(), FieldError> {
    let _ = (field, value);
    todo!("model helper")
}

/// Hostname, IPv4 or IPv6 literal; no scheme, no spaces.
pub fn validate_host(value: &str) -> Result<(), FieldError> {
    let _ = value;
    todo!("model helper")
}

/// A connection form. `editing` is the id of the connection being edited (its own name is not a
/// duplicate).
pub fn validate_connection(
    req: &ConnectionRequest,
    existing: &[Connection],
    editing: Option<Uuid>,
) -> Result<ConnectionSpec, ValidationErrors> {
    let _ = (req, existing, editing);
    todo!("model helper")
}

/// A create body (the seed document's request). `connectionId` may be an id or a name.
pub fn validate_new_rotation(
    req: &RotationRequest,
    ctx: Context<'_>,
) -> Result<RotationSpec, ValidationErrors> {
    let _ = (req, ctx);
    todo!("model helper")
}

/// An update patch applied to `existing`: connection, environment and path may not change.
pub fn validate_rotation_patch(
    existing: &Rotation,
    patch: &RotationRequest,
    ctx: Context<'_>,
) -> Result<RotationSpec, ValidationErrors> {
    let _ = (existing, patch, ctx);
    todo!("model helper")
}
