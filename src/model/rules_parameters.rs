//! A rotation's `parameters` (password requirements, permission scope, username prefix) and its
//! `secretsMapping`, field by field (SPEC 2.2). Checks that need the rest of the database are in
//! `rules_rotation`.

use serde_json::Number;

use super::request::{
    ParametersRequest, PasswordRequirementsRequest, SecretsMappingRequest, StragglerPolicyRequest,
};
use super::rotation::{
    DEFAULT_LENGTH, DEFAULT_SCOPE, DEFAULT_SYMBOLS, DEFAULT_USER, MAX_WAIT_HOURS, Parameters,
    PasswordRequirements, RequiredChars, StragglerMode, StragglerPolicy, Strategy,
};
use super::rules::{
    Collect, USERNAME_PREFIX_MAX, required, validate_secret_name, validate_slug_up_to, whole_number,
};
use super::scope;
use super::validation::FieldError;

const LENGTH: &str = "parameters.passwordRequirements.length";
const REQUIRED: &str = "parameters.passwordRequirements.required";
const SYMBOLS: &str = "parameters.passwordRequirements.allowedSymbols";
const SCOPE: &str = "parameters.permissionScope";
pub(super) const PREFIX: &str = "parameters.usernamePrefix";
pub(super) const STRATEGY: &str = "parameters.strategy";
pub(super) const USERNAME: &str = "parameters.username";
const STRAGGLER_MODE: &str = "parameters.stragglerPolicy.mode";
const MAX_WAIT: &str = "parameters.stragglerPolicy.maxWaitHours";

/// Longest `parameters.username`.
pub(crate) const USERNAME_MAX: usize = 128;
pub(super) const MAPPED_USERNAME: &str = "secretsMapping.username";
pub(super) const MAPPED_PASSWORD: &str = "secretsMapping.password";

/// Shortest and longest generated password.
pub(crate) const LENGTH_MIN: u32 = 8;
pub(crate) const LENGTH_MAX: u32 = 250;

/// The review step's warnings for a valid scope, single risky commands judged by `server`'s own
/// categories when given (the built-in table otherwise); none for an invalid scope.
pub(crate) fn scope_warnings(scope: &str, server: Option<&scope::RiskyCommands>) -> Vec<String> {
    scope::parse_for(scope, server)
        .map(|s| s.warnings.iter().map(|w| format!("{SCOPE}: {w}")).collect())
        .unwrap_or_default()
}

/// The parameters to store, and the scope's warnings for the review step.
pub(super) fn parameters(
    req: Option<&ParametersRequest>,
    errors: &mut Collect,
) -> (Parameters, Vec<String>) {
    let req = req.cloned().unwrap_or_default();
    let password_requirements = password_requirements(req.password_requirements.as_ref(), errors);
    let (permission_scope, mut warnings) =
        match scope::parse(req.permission_scope.as_deref().unwrap_or_default()) {
            Ok(scope) => (
                scope.normalized(),
                scope
                    .warnings
                    .iter()
                    .map(|w| format!("{SCOPE}: {w}"))
                    .collect(),
            ),
            Err(e) => {
                errors.push(FieldError::new(SCOPE, e.to_string()));
                (String::new(), Vec::new())
            }
        };
    let username_prefix = errors.take(username_prefix(req.username_prefix.as_deref()));
    let strategy = errors.take(strategy(req.strategy.as_deref()));
    let username = errors.take(username(req.username.as_deref()));
    let straggler_policy = straggler_policy(req.straggler_policy.as_ref(), errors);
    if strategy == Strategy::OneUser {
        if username.is_none() && !errors.failed(USERNAME) {
            errors.push(FieldError::new(
                USERNAME,
                "is required with strategy `one-user`: name the ACL user whose passwords rotate (e.g. `default` or `orders-app`)",
            ));
        }
        if !straggler_policy.is_rotate() {
            errors.push(FieldError::new(
                STRAGGLER_MODE,
                "`wait` needs strategy `two-users`: with one user, sessions on the old password cannot be told apart from the new",
            ));
        }
        if username_prefix.is_some() {
            errors.push(FieldError::new(
                PREFIX,
                format!(
                    "does not apply to strategy `one-user`, whose one user is {USERNAME}: remove it"
                ),
            ));
        }
        if username.as_deref() == Some(DEFAULT_USER)
            && !errors.failed(SCOPE)
            && Some(permission_scope.as_str())
                != scope::parse(DEFAULT_SCOPE)
                    .ok()
                    .map(|s| s.normalized())
                    .as_deref()
        {
            errors.push(FieldError::new(
                SCOPE,
                "the `default` user keeps its own permissions (only its passwords rotate): leave permissionScope out",
            ));
        }
        if username.as_deref() == Some(DEFAULT_USER) {
            // No scope is ever sent for it: a warning about the scope would be about nothing.
            warnings.clear();
        }
    }
    let parameters = Parameters {
        password_requirements,
        permission_scope,
        username_prefix,
        strategy,
        username,
        straggler_policy,
    };
    (parameters, warnings)
}

/// `rotate` (default) or `wait` with a whole `maxWaitHours` of 1–720.
fn straggler_policy(req: Option<&StragglerPolicyRequest>, errors: &mut Collect) -> StragglerPolicy {
    let Some(req) = req else {
        return StragglerPolicy::default();
    };
    let mode = match req.mode.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => StragglerMode::Rotate,
        Some(m) => match m.parse() {
            Ok(mode) => mode,
            Err(_) => {
                errors.push(FieldError::new(
                    STRAGGLER_MODE,
                    format!(
                        "`{}` is not a straggler mode: use `rotate` (re-key on time; clients still on the old slot fail to reconnect) or `wait` (hold the re-key while sessions remain, up to maxWaitHours)",
                        super::rules::shown(m)
                    ),
                ));
                return StragglerPolicy::default();
            }
        },
    };
    let max_wait_hours = match (mode, req.max_wait_hours.as_ref()) {
        (StragglerMode::Wait, None) => {
            errors.push(FieldError::new(
                MAX_WAIT,
                format!("is required with mode `wait`: the most hours to hold a re-key (1–{MAX_WAIT_HOURS}), e.g. 24"),
            ));
            None
        }
        (StragglerMode::Wait, Some(n)) => {
            errors.check(whole_number(MAX_WAIT, n, 1, MAX_WAIT_HOURS))
        }
        (StragglerMode::Rotate, Some(_)) => {
            errors.push(FieldError::new(
                MAX_WAIT,
                "applies only with mode `wait`: remove it, or set mode to `wait`",
            ));
            None
        }
        (StragglerMode::Rotate, None) => None,
    };
    StragglerPolicy {
        mode,
        max_wait_hours,
    }
}

/// `two-users` (the default) or `one-user`.
fn strategy(value: Option<&str>) -> Result<Strategy, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Strategy::TwoUsers),
        Some(v) => v.parse().map_err(|_| {
            FieldError::new(
                STRATEGY,
                format!(
                    "`{}` is not a strategy: use `two-users` (two ACL users, one password each) or `one-user` (one ACL user, two passwords)",
                    super::rules::shown(v)
                ),
            )
        }),
    }
}

/// A Redis ACL username as Redis takes it: printable ASCII without spaces, at most 128.
fn username(value: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(name) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let problem = if name.chars().count() > USERNAME_MAX {
        format!(
            "is {} characters long (at most {USERNAME_MAX})",
            name.chars().count()
        )
    } else if let Some(c) = name.chars().find(|c| !c.is_ascii_graphic()) {
        format!(
            "`{}` has `{}`: a Redis username is printable ASCII without spaces",
            super::rules::shown(name),
            c.escape_debug()
        )
    } else {
        return Ok(Some(name.to_string()));
    };
    Err(FieldError::new(USERNAME, problem))
}

fn password_requirements(
    req: Option<&PasswordRequirementsRequest>,
    errors: &mut Collect,
) -> PasswordRequirements {
    let req = req.cloned().unwrap_or_default();
    let length = errors.check(count_or(
        LENGTH,
        req.length.as_ref(),
        DEFAULT_LENGTH,
        LENGTH_MIN,
    ));
    let given = req.required.unwrap_or_default();
    let defaults = RequiredChars::default();
    let mut count = |class: &str, value: &Option<Number>, default: u32| {
        errors.check(count_or(
            &format!("{REQUIRED}.{class}"),
            value.as_ref(),
            default,
            0,
        ))
    };
    let digits = count("digits", &given.digits, defaults.digits);
    let lowercase = count("lowercase", &given.lowercase, defaults.lowercase);
    let uppercase = count("uppercase", &given.uppercase, defaults.uppercase);
    let symbols = count("symbols", &given.symbols, defaults.symbols);

    if let (Some(d), Some(l), Some(u), Some(s)) = (digits, lowercase, uppercase, symbols) {
        let sum = d + l + u + s;
        if sum == 0 {
            errors.push(FieldError::new(
                REQUIRED,
                "at least one of digits, lowercase, uppercase or symbols must be more than 0",
            ));
        } else if let Some(length) = length.filter(|l| sum > *l) {
            errors.push(FieldError::new(
                REQUIRED,
                format!(
                    "the required characters add up to {sum}, more than the length {length}: \
                     lower them or raise {LENGTH}"
                ),
            ));
        }
    }
    let allowed_symbols = errors.take(allowed_symbols(
        req.allowed_symbols.as_deref(),
        symbols.unwrap_or_default(),
    ));
    PasswordRequirements {
        length: length.unwrap_or_default(),
        required: RequiredChars {
            digits: digits.unwrap_or_default(),
            lowercase: lowercase.unwrap_or_default(),
            uppercase: uppercase.unwrap_or_default(),
            symbols: symbols.unwrap_or_default(),
        },
        allowed_symbols,
    }
}

/// A length or a required count: `default` when absent, otherwise a whole `min..=250`.
fn count_or(
    field: &str,
    value: Option<&Number>,
    default: u32,
    min: u32,
) -> Result<u32, FieldError> {
    value.map_or(Ok(default), |n| whole_number(field, n, min, LENGTH_MAX))
}

/// ASCII punctuation that survives shells, URLs and config files: no quotes, no backslash.
fn allowed_symbols(value: Option<&str>, symbols_required: u32) -> Result<String, FieldError> {
    let Some(text) = value else {
        return Ok(DEFAULT_SYMBOLS.to_string());
    };
    let problem = if text.is_empty() {
        if symbols_required == 0 {
            return Ok(String::new());
        }
        format!("is empty but required.symbols is {symbols_required}: list the symbols to use")
    } else if let Some(c) = text.chars().find(|c| c.is_whitespace()) {
        format!("has whitespace (`{}`)", c.escape_debug())
    } else if let Some(c) = text.chars().find(|c| matches!(c, '\'' | '"' | '`' | '\\')) {
        format!("has `{c}`: quotes and backslashes break shells and config files")
    } else if let Some(c) = text.chars().find(|c| !c.is_ascii_punctuation()) {
        format!("has `{}`, which is not ASCII punctuation", c.escape_debug())
    } else {
        return Ok(text.to_string());
    };
    Err(FieldError::new(
        SYMBOLS,
        format!("{problem}; use ASCII punctuation only (e.g. `{DEFAULT_SYMBOLS}`)"),
    ))
}

/// Optional; blank means the rotation name. At most 60 characters so `<prefix>-0` stays short.
fn username_prefix(value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value.filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(prefix) => {
            validate_slug_up_to(PREFIX, prefix, USERNAME_PREFIX_MAX, "orders-app")?;
            Ok(Some(prefix.to_string()))
        }
    }
}

/// The two mapped secret names, each checked, and different from each other.
pub(super) fn secrets_mapping(
    req: Option<&SecretsMappingRequest>,
    errors: &mut Collect,
) -> (Option<String>, Option<String>) {
    let req = req.cloned().unwrap_or_default();
    let mut name = |field: &str, value: Option<&str>, example: &str| {
        errors.check(
            required(field, value, example)
                .and_then(|v| validate_secret_name(field, v).map(|()| v.to_string())),
        )
    };
    let username = name(MAPPED_USERNAME, req.username.as_deref(), "REDIS_USERNAME");
    let mut password = name(MAPPED_PASSWORD, req.password.as_deref(), "REDIS_PASSWORD");
    if password.is_some() && password == username {
        errors.push(FieldError::new(
            MAPPED_PASSWORD,
            format!(
                "must differ from {MAPPED_USERNAME}: the username and password are two secrets"
            ),
        ));
        password = None;
    }
    (username, password)
}
