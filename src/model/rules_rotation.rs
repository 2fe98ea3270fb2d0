//! A rotation body (SPEC 2.2): every field checked and every failure collected, then the checks
//! against the rest of the database (unique name, free secret names, free Redis usernames). An
//! update patch is merged onto the stored rotation (`rules_patch`) and goes through the same rules.

use uuid::Uuid;

use super::connection::Connection;
use super::request::{RotateAtRequest, RotationRequest};
use super::rotation::Strategy;
use super::rotation::{RotateAt, Rotation, SecretsMapping, Slot, username_for};
use super::rules::{
    Collect, required, validate_description, validate_environment, validate_secret_path,
    validate_slug, whole_number, whole_number_of,
};
use super::rules_parameters::{
    MAPPED_PASSWORD, MAPPED_USERNAME, PREFIX, USERNAME, parameters, secrets_mapping,
};
use super::validation::{Context, FieldError, RotationSpec, ValidationErrors};

/// The environment of a body that names none: the first one the seed document offers, so the
/// smallest body (name, connection, mapping) is enough to start.
pub(crate) const DEFAULT_ENVIRONMENT: &str = "dev";
pub(crate) const DEFAULT_SECRET_PATH: &str = "/";
pub(crate) const DEFAULT_INTERVAL_DAYS: u32 = 30;
pub(crate) const INTERVAL_MAX_DAYS: u32 = 365;

/// A create body (the seed document's request). `connectionId` may be an id or a name.
pub(crate) fn validate_new_rotation(
    req: &RotationRequest,
    ctx: Context<'_>,
) -> Result<RotationSpec, ValidationErrors> {
    check_rotation(req, ctx, None)
}

/// Every rule for a complete body; `editing` is the stored rotation when this is an update (its
/// own name, secrets and usernames are no conflict).
pub(super) fn check_rotation(
    req: &RotationRequest,
    ctx: Context<'_>,
    editing: Option<&Rotation>,
) -> Result<RotationSpec, ValidationErrors> {
    let mut errors = Collect::default();
    let name = errors.check(
        required("name", req.name.as_deref(), "orders-cache")
            .and_then(|n| validate_slug("name", n).map(|()| n.to_string())),
    );
    let description = errors.take(validate_description(req.description.as_deref()));
    let connection = errors.check(resolve_connection(
        req.connection_id.as_deref(),
        ctx.connections,
    ));
    let environment = errors.check({
        let env = req.environment.as_deref().unwrap_or(DEFAULT_ENVIRONMENT);
        validate_environment(env).map(|()| env.to_string())
    });
    let secret_path = errors.check(validate_secret_path(
        req.secret_path.as_deref().unwrap_or(DEFAULT_SECRET_PATH),
    ));
    let rotation_interval = errors.take(
        req.rotation_interval
            .as_ref()
            .map_or(Ok(DEFAULT_INTERVAL_DAYS), |n| {
                whole_number_of("rotationInterval", n, 1, INTERVAL_MAX_DAYS, " of days")
            }),
    );
    let rotate_at_utc = rotate_at(req.rotate_at_utc.as_ref(), &mut errors);
    let (parameters, warnings) = parameters(req.parameters.as_ref(), &mut errors);
    let (mapped_username, mapped_password) =
        secrets_mapping(req.secrets_mapping.as_ref(), &mut errors);
    let sinks = errors
        .check(super::sink::validate_sinks(
            req.sinks.as_deref().unwrap_or_default(),
        ))
        .unwrap_or_default();

    let others = || {
        ctx.rotations
            .iter()
            .filter(move |r| Some(r.id) != editing.map(|e| e.id))
    };
    if let (Some(name), Some(env), Some(path)) = (&name, &environment, &secret_path) {
        errors.check(name_is_free(name, env, path, others()));
    }
    // Checked whatever the name: the wizard asks for the mapping before the name, and its step
    // must show the conflict there, not one step later.
    if let (Some(env), Some(path)) = (&environment, &secret_path) {
        for (field, secret) in [
            (MAPPED_USERNAME, &mapped_username),
            (MAPPED_PASSWORD, &mapped_password),
        ] {
            if let Some(secret) = secret {
                let owner = editing.map(|e| e.id);
                errors.check(secret_is_free(field, secret, env, path, owner, ctx));
            }
        }
    }
    if parameters.strategy == Strategy::OneUser {
        if let (Some(connection), Some(user), false) = (
            connection,
            parameters.username.as_ref(),
            errors.failed(USERNAME),
        ) {
            let fix = format!("choose another {USERNAME}");
            errors.check(usernames_are_free(
                USERNAME,
                std::slice::from_ref(user),
                connection,
                ctx.connections,
                others(),
                &fix,
            ));
        }
    } else {
        // The usernames' base is the prefix when one is given, else the name; skipped when invalid.
        let field = if parameters.username_prefix.is_some() || errors.failed(PREFIX) {
            PREFIX
        } else {
            "name"
        };
        let base = parameters.username_prefix.as_ref().or(name.as_ref());
        if let (Some(connection), Some(base), false) = (connection, base, errors.failed(field)) {
            let mine = [
                username_for(base, Slot::Zero),
                username_for(base, Slot::One),
            ];
            let fix = format!("choose another name or set {PREFIX}");
            errors.check(usernames_are_free(
                field,
                &mine,
                connection,
                ctx.connections,
                others(),
                &fix,
            ));
        }
    }

    errors.finish(RotationSpec {
        name: name.unwrap_or_default(),
        description,
        connection_id: connection.map_or(Uuid::nil(), |c| c.id),
        environment: environment.unwrap_or_default(),
        secret_path: secret_path.unwrap_or_default(),
        is_auto_rotation_enabled: req.is_auto_rotation_enabled.unwrap_or(true),
        rotation_interval,
        rotate_at_utc,
        parameters,
        secrets_mapping: SecretsMapping {
            username: mapped_username.unwrap_or_default(),
            password: mapped_password.unwrap_or_default(),
        },
        sinks,
        warnings,
    })
}

/// `connectionId` names a connection by id or by name.
fn resolve_connection<'a>(
    value: Option<&str>,
    connections: &'a [Connection],
) -> Result<&'a Connection, FieldError> {
    let value = value.map(str::trim).unwrap_or_default();
    let by_id = Uuid::parse_str(value)
        .ok()
        .and_then(|id| connections.iter().find(|c| c.id == id));
    if let Some(found) = by_id.or_else(|| connections.iter().find(|c| c.name == value)) {
        return Ok(found);
    }
    let names: Vec<&str> = connections.iter().map(|c| c.name.as_str()).collect();
    let choices = if names.is_empty() {
        String::new()
    } else {
        format!(" or use one of: {}", names.join(", "))
    };
    let problem = if value.is_empty() {
        "is required".to_string()
    } else {
        format!("no connection `{}`", super::rules::shown(value))
    };
    Err(FieldError::new(
        "connectionId",
        format!("{problem}: add it with `redis-rotator connection add`{choices}"),
    ))
}

fn rotate_at(req: Option<&RotateAtRequest>, errors: &mut Collect) -> RotateAt {
    let part = |field: &str, value: Option<&serde_json::Number>, max: u32| {
        value.map_or(Ok(0), |n| {
            whole_number(field, n, 0, max).map(|v| u8::try_from(v).unwrap_or_default())
        })
    };
    let hours = part("rotateAtUtc.hours", req.and_then(|r| r.hours.as_ref()), 23);
    let minutes = part(
        "rotateAtUtc.minutes",
        req.and_then(|r| r.minutes.as_ref()),
        59,
    );
    RotateAt {
        hours: errors.take(hours),
        minutes: errors.take(minutes),
    }
}

/// A rotation name is unique within (environment, path).
fn name_is_free<'a>(
    name: &str,
    env: &str,
    path: &str,
    mut others: impl Iterator<Item = &'a Rotation>,
) -> Result<(), FieldError> {
    if others.any(|r| r.name == name && r.environment == env && r.secret_path == path) {
        return Err(FieldError::new(
            "name",
            format!(
                "a rotation named `{name}` already exists in environment `{env}`, path `{path}`: \
                 choose another name"
            ),
        ));
    }
    Ok(())
}

/// A mapped secret may not overwrite a secret that exists at (environment, path), nor one another
/// rotation maps there, unless `owner` (the rotation being edited) owns it.
fn secret_is_free(
    field: &str,
    secret: &str,
    env: &str,
    path: &str,
    owner: Option<Uuid>,
    ctx: Context<'_>,
) -> Result<(), FieldError> {
    let rotation_name = |id: Uuid| {
        ctx.rotations
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| id.to_string(), |r| r.name.clone())
    };
    let holder = if let Some(entry) = ctx
        .secrets
        .iter()
        .find(|s| s.is_at(env, path) && s.name == secret)
    {
        match entry.owner_rotation {
            Some(id) if Some(id) == owner => return Ok(()),
            Some(id) => format!("rotation `{}` writes it", rotation_name(id)),
            None => "it was set outside any rotation".to_string(),
        }
    } else if let Some(other) = ctx.rotations.iter().find(|r| {
        Some(r.id) != owner
            && r.environment == env
            && r.secret_path == path
            && (r.secrets_mapping.username == secret || r.secrets_mapping.password == secret)
    }) {
        format!("rotation `{}` maps it", other.name)
    } else {
        return Ok(());
    };
    Err(FieldError::new(
        field,
        format!(
            "secret `{secret}` already exists in environment `{env}`, path `{path}` ({holder}): \
             choose another name"
        ),
    ))
}

/// The rotation's users (`<base>-0` and `<base>-1`, or its one user) must be nobody else's on the
/// server: not another rotation's on this connection or on any connection that reaches the same
/// server (by its identity, SPEC 2.1), and never the admin user's (the rotation would re-key it).
fn usernames_are_free<'a>(
    field: &str,
    mine: &[String],
    connection: &Connection,
    connections: &[Connection],
    others: impl Iterator<Item = &'a Rotation>,
    fix: &str,
) -> Result<(), FieldError> {
    if let Some(user) = mine.iter().find(|u| **u == connection.username) {
        return Err(FieldError::new(
            field,
            format!(
                "the Redis user `{user}` is the admin user of connection `{}`: the rotation \
                 would re-key it; {fix}",
                connection.name
            ),
        ));
    }
    // The connection another rotation uses, when it reaches one of this connection's servers.
    let shared = |other: &Rotation| -> Option<Option<&Connection>> {
        if other.connection_id == connection.id {
            return Some(None);
        }
        let theirs = connections.iter().find(|c| c.id == other.connection_id)?;
        let (Some(a), Some(b)) = (&connection.identity, &theirs.identity) else {
            return None;
        };
        a.overlaps(b).then_some(Some(theirs))
    };
    for other in others {
        let Some(via) = shared(other) else {
            continue;
        };
        let theirs = other.usernames();
        if let Some(user) = mine.iter().find(|u| theirs.contains(u)) {
            let place = match via {
                None => format!("on connection `{}`", connection.name),
                Some(c) => format!(
                    "on connection `{}`, which reaches the same server as `{}`",
                    c.name, connection.name
                ),
            };
            return Err(FieldError::new(
                field,
                format!(
                    "the Redis user `{user}` already belongs to rotation `{}` {place}; {fix}",
                    other.name
                ),
            ));
        }
    }
    Ok(())
}
