//! Stand-in validation rules: a few checks of the model's kind (a slug name, distinct secret
//! names, permission-only scope tokens, a host), enough to exercise blocking and inline
//! messages without calling the model's rules, which are tested in `model`.

use uuid::Uuid;

use crate::model::request::{ConnectionRequest, RotationRequest};
use crate::model::rotation::DEFAULT_SCOPE;
use crate::model::scope::{Scope, ScopeError};
use crate::model::validation::{ConnectionSpec, Context, RotationSpec, ValidationErrors};
use crate::model::{
    Connection, FieldError, Parameters, RotateAt, Rotation, SecretsMapping, TlsSettings,
    TopologyKind,
};
use crate::tui::rules::Rules;

fn stub_scope(s: &str) -> Result<Scope, ScopeError> {
    let tokens: Vec<String> = if s.trim().is_empty() {
        DEFAULT_SCOPE.split(' ').map(String::from).collect()
    } else {
        s.split_whitespace().map(String::from).collect()
    };
    for t in &tokens {
        if ["on", "off", "nopass", "reset"].contains(&t.as_str()) || t.starts_with('>') {
            return Err(ScopeError {
                token: t.clone(),
                reason: "only permission rules are allowed here".into(),
            });
        }
    }
    let warnings = if tokens.iter().any(|t| t == "+@all") {
        vec!["+@all grants @admin and @dangerous commands, including ACL".into()]
    } else {
        Vec::new()
    };
    Ok(Scope { tokens, warnings })
}

fn num(v: &Option<serde_json::Number>) -> u32 {
    v.as_ref().and_then(|n| n.as_u64()).unwrap_or(0) as u32
}

fn stub_rotation(
    req: &RotationRequest,
    _ctx: Context<'_>,
) -> Result<RotationSpec, ValidationErrors> {
    let mut errors = Vec::new();
    let name = req.name.clone().unwrap_or_default();
    if name.is_empty()
        || name
            .chars()
            .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        errors.push(FieldError::new(
            "name",
            "must be a slug: lowercase letters, digits and single hyphens",
        ));
    }
    let map = req.secrets_mapping.clone().unwrap_or_default();
    if map.username == map.password {
        errors.push(FieldError::new(
            "secretsMapping.password",
            "must differ from the username secret",
        ));
    }
    let params = req.parameters.clone().unwrap_or_default();
    let scope = params.permission_scope.clone().unwrap_or_default();
    if let Err(e) = stub_scope(&scope) {
        errors.push(FieldError::new("parameters.permissionScope", e.to_string()));
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors));
    }
    let at = req.rotate_at_utc.clone().unwrap_or_default();
    let pr = params.password_requirements.unwrap_or_default();
    let rq = pr.required.unwrap_or_default();
    Ok(RotationSpec {
        name,
        description: req.description.clone(),
        connection_id: req
            .connection_id
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default(),
        environment: req.environment.clone().unwrap_or_default(),
        secret_path: req.secret_path.clone().unwrap_or_default(),
        is_auto_rotation_enabled: req.is_auto_rotation_enabled.unwrap_or(true),
        rotation_interval: num(&req.rotation_interval),
        rotate_at_utc: RotateAt {
            hours: num(&at.hours) as u8,
            minutes: num(&at.minutes) as u8,
        },
        parameters: Parameters {
            password_requirements: crate::model::PasswordRequirements {
                length: num(&pr.length),
                required: crate::model::RequiredChars {
                    digits: num(&rq.digits),
                    lowercase: num(&rq.lowercase),
                    uppercase: num(&rq.uppercase),
                    symbols: num(&rq.symbols),
                },
                allowed_symbols: pr.allowed_symbols.unwrap_or_default(),
            },
            permission_scope: stub_scope(&scope)
                .map(|s| s.normalized())
                .unwrap_or_default(),
            username_prefix: None,
            strategy: Default::default(),
            username: None,
            straggler_policy: Default::default(),
        },
        secrets_mapping: SecretsMapping {
            username: map.username.unwrap_or_default(),
            password: map.password.unwrap_or_default(),
        },
        sinks: Vec::new(),
        warnings: stub_scope(&scope).map(|s| s.warnings).unwrap_or_default(),
    })
}

fn stub_patch(
    existing: &Rotation,
    patch: &RotationRequest,
    ctx: Context<'_>,
) -> Result<RotationSpec, ValidationErrors> {
    let full = RotationRequest {
        environment: Some(existing.environment.clone()),
        secret_path: Some(existing.secret_path.clone()),
        connection_id: Some(existing.connection_id.to_string()),
        ..patch.clone()
    };
    stub_rotation(&full, ctx)
}

fn stub_connection(
    req: &ConnectionRequest,
    _existing: &[Connection],
    _editing: Option<Uuid>,
) -> Result<ConnectionSpec, ValidationErrors> {
    let mut errors = Vec::new();
    let name = req.name.clone().unwrap_or_default();
    if name.is_empty() {
        errors.push(FieldError::new(
            "name",
            "is required: a slug such as prod-cache",
        ));
    }
    let host = req.host.clone().unwrap_or_default();
    if host.is_empty() || host.contains(' ') || host.contains("://") {
        errors.push(FieldError::new(
            "host",
            "a hostname or IP address, without scheme or spaces",
        ));
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors));
    }
    Ok(ConnectionSpec {
        name,
        description: req.description.clone(),
        host,
        port: num(&req.port) as u16,
        username: req.username.clone().unwrap_or_default(),
        tls: TlsSettings::default(),
        topology: TopologyKind::Standalone,
        nodes: Vec::new(),
        master_name: None,
        sentinel_username: None,
    })
}

pub fn rules() -> Rules {
    Rules {
        new_rotation: stub_rotation,
        rotation_patch: stub_patch,
        scope: stub_scope,
        connection: stub_connection,
    }
}
