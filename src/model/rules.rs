//! The rules themselves (SPEC 2.1, 2.2): the field-level checks live here; whole connection forms
//! are in `rules_connection`, rotation bodies and patches in `rules_rotation` (with their
//! parameters in `rules_parameters`).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::Number;

use super::validation::{FieldError, ValidationErrors};

pub use super::rules_connection::validate_connection;
pub(crate) use super::rules_patch::validate_rotation_patch;
pub(crate) use super::rules_rotation::validate_new_rotation;

/// Longest slug (rotation and connection names, environments).
pub(crate) const SLUG_MAX: usize = 64;
/// Longest `usernamePrefix`, so that `<prefix>-0` still fits a slug.
pub(crate) const USERNAME_PREFIX_MAX: usize = 60;
/// Longest description.
pub(crate) const DESCRIPTION_MAX: usize = 256;
/// Longest secret name.
pub(crate) const SECRET_NAME_MAX: usize = 256;

/// Slug: 1–64 chars of `[a-z0-9]` with single inner hyphens. `field` names it in the error.
pub(crate) fn validate_slug(field: &str, value: &str) -> Result<(), FieldError> {
    validate_slug_up_to(field, value, SLUG_MAX, "orders-cache")
}

/// A slug of at most `max` characters; `example` is shown in the error.
pub(crate) fn validate_slug_up_to(
    field: &str,
    value: &str,
    max: usize,
    example: &str,
) -> Result<(), FieldError> {
    let problem = if value.is_empty() {
        "it is empty".to_string()
    } else if value.chars().count() > max {
        format!(
            "`{}` is {} characters long",
            shown(value),
            value.chars().count()
        )
    } else if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let hint = if c.is_ascii_uppercase() {
            " (use lower case)"
        } else {
            ""
        };
        format!("`{}` has `{}`{hint}", shown(value), c.escape_debug())
    } else if value.starts_with('-') || value.ends_with('-') {
        format!("`{}` starts or ends with a hyphen", shown(value))
    } else if value.contains("--") {
        format!("`{}` has two hyphens in a row", shown(value))
    } else {
        return Ok(());
    };
    Err(FieldError::new(
        field,
        format!(
            "must be 1–{max} characters of a–z, 0–9 and single inner hyphens (e.g. `{example}`); \
             {problem}"
        ),
    ))
}

/// Environment: a slug of at most 64 characters.
pub(crate) fn validate_environment(value: &str) -> Result<(), FieldError> {
    validate_slug_up_to("environment", value, SLUG_MAX, "prod")
}

/// `secretPath`: starts with `/`, segments of `[A-Za-z0-9_.-]`, no `..`; returns it normalised
/// (trailing `/` removed except for root). `.` segments and empty inner segments (`//`) are refused
/// too, so two spellings never name the same folder.
pub(crate) fn validate_secret_path(value: &str) -> Result<String, FieldError> {
    if value == "/" {
        return Ok(value.to_string());
    }
    let problem = match value.strip_prefix('/') {
        None if value.is_empty() => "it is empty".to_string(),
        None => format!("`{}` does not start with `/`", shown(value)),
        Some(body) => {
            let body = body.strip_suffix('/').unwrap_or(body);
            match body.split('/').find_map(segment_problem) {
                None => return Ok(format!("/{body}")),
                Some(problem) => format!("`{}` {problem}", shown(value)),
            }
        }
    };
    Err(FieldError::new(
        "secretPath",
        format!(
            "must start with `/` and hold folders of A–Z, a–z, 0–9, `_`, `.` and `-` separated \
             by `/` (e.g. `/apps/orders`); {problem}"
        ),
    ))
}

fn segment_problem(segment: &str) -> Option<String> {
    if segment.is_empty() {
        return Some("has an empty folder (`//`)".to_string());
    }
    if segment == "." || segment == ".." {
        return Some(format!("has a `{segment}` folder"));
    }
    segment
        .chars()
        .find(|c| !is_name_char(*c))
        .map(|c| format!("has `{}`", c.escape_debug()))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// A secret name: `[A-Za-z0-9_.-]`, 1–256 chars.
pub(crate) fn validate_secret_name(field: &str, value: &str) -> Result<(), FieldError> {
    let count = value.chars().count();
    let problem = if value.is_empty() {
        "it is empty".to_string()
    } else if count > SECRET_NAME_MAX {
        format!("`{}` is {count} characters long", shown(value))
    } else if let Some(c) = value.chars().find(|c| !is_name_char(*c)) {
        format!("`{}` has `{}`", shown(value), c.escape_debug())
    } else {
        return Ok(());
    };
    Err(FieldError::new(
        field,
        format!(
            "must be 1–{SECRET_NAME_MAX} characters of A–Z, a–z, 0–9, `_`, `.` and `-` (e.g. \
             `REDIS_PASSWORD`); {problem}"
        ),
    ))
}

/// Hostname, IPv4 or IPv6 literal; no scheme, no spaces.
pub(crate) fn validate_host(value: &str) -> Result<(), FieldError> {
    match host_problem(value) {
        None => Ok(()),
        Some(problem) => Err(FieldError::new("host", problem)),
    }
}

/// Why `value` is not a host name, IPv4 or bare IPv6 literal (the message for any field).
pub(super) fn host_problem(value: &str) -> Option<String> {
    const SHAPE: &str = "give a host name, IPv4 or IPv6 address (e.g. `redis.internal`, \
                         `10.0.0.5`, `::1`)";
    if value.is_empty() {
        return Some(format!("is required: {SHAPE}"));
    }
    if let Some((scheme, _)) = value.split_once("://") {
        return Some(format!("remove the scheme `{}://`: {SHAPE}", shown(scheme)));
    }
    if value.chars().any(char::is_whitespace) {
        return Some(format!("`{}` contains a space: {SHAPE}", shown(value)));
    }
    if value.starts_with('[') {
        return Some(format!(
            "write the IPv6 address without brackets (e.g. `::1`); the port goes in `port`, got `{}`",
            shown(value)
        ));
    }
    if value.contains(':') {
        if value.parse::<Ipv6Addr>().is_ok() {
            return None;
        }
        if let Some((_, port)) = value.rsplit_once(':')
            && !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
            && value.matches(':').count() == 1
        {
            return Some(format!(
                "`{}` includes a port: put the port in `port` and only the host here",
                shown(value)
            ));
        }
        return Some(format!(
            "`{}` is not a valid IPv6 address: {SHAPE}",
            shown(value)
        ));
    }
    if value.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return match value.parse::<Ipv4Addr>() {
            Ok(_) => None,
            Err(_) => Some(format!(
                "`{}` is not a valid IPv4 address: {SHAPE}",
                shown(value)
            )),
        };
    }
    hostname_problem(value).map(|p| format!("`{}` {p}: {SHAPE}", shown(value)))
}

/// RFC 1123 labels, plus `_` (container and service names use it and resolvers accept it).
fn hostname_problem(value: &str) -> Option<String> {
    if value.len() > 253 {
        return Some("is longer than 253 characters".to_string());
    }
    for label in value.split('.') {
        if label.is_empty() {
            return Some("has an empty part between dots".to_string());
        }
        if label.len() > 63 {
            return Some("has a part longer than 63 characters".to_string());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some("has a part that starts or ends with `-`".to_string());
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
        {
            return Some(format!("has `{}`", c.escape_debug()));
        }
    }
    None
}

/// A JSON number that must be a whole number in `min..=max`. Fractions are refused, never
/// truncated; `30.0` is whole and accepted.
pub(crate) fn whole_number(
    field: &str,
    value: &Number,
    min: u32,
    max: u32,
) -> Result<u32, FieldError> {
    whole_number_of(field, value, min, max, "")
}

/// Same, with a unit in the message (`" of days"`).
pub(super) fn whole_number_of(
    field: &str,
    value: &Number,
    min: u32,
    max: u32,
    unit: &str,
) -> Result<u32, FieldError> {
    let whole = if let Some(n) = value.as_u64() {
        u32::try_from(n).ok()
    } else if value.as_i64().is_some() {
        None
    } else {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u32)
    };
    match whole {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(FieldError::new(
            field,
            format!("must be a whole number{unit} {min}–{max}, got {value}"),
        )),
    }
}

/// An optional description of at most 256 characters; blank means none.
pub(super) fn validate_description(value: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    super::text::refuse_control("description", text)?;
    let count = text.chars().count();
    if count > DESCRIPTION_MAX {
        return Err(FieldError::new(
            "description",
            format!("must be at most {DESCRIPTION_MAX} characters, got {count}: shorten it"),
        ));
    }
    Ok(Some(text.to_string()))
}

/// A required text field: present and not blank.
pub(super) fn required<'a>(
    field: &str,
    value: Option<&'a str>,
    example: &str,
) -> Result<&'a str, FieldError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(FieldError::new(
            field,
            format!("is required (e.g. `{example}`)"),
        )),
    }
}

/// A value as quoted in a message: control characters escaped, long values shortened.
pub(super) fn shown(value: &str) -> String {
    const MAX: usize = 40;
    let escaped: String = value.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() <= MAX {
        escaped
    } else {
        let head: String = escaped.chars().take(MAX - 1).collect();
        format!("{head}…")
    }
}

/// Gathers every field error of a request, so the operator sees them all at once.
#[derive(Debug, Default)]
pub(super) struct Collect(Vec<FieldError>);

impl Collect {
    pub(super) fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// The value, or a placeholder that is never returned: the request then fails.
    pub(super) fn take<T: Default>(&mut self, result: Result<T, FieldError>) -> T {
        self.check(result).unwrap_or_default()
    }

    /// Whether `field` already failed (one error per field is enough).
    pub(super) fn failed(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    pub(super) fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// `result`, with the errors gathered so far in front of its own.
    pub(super) fn finish_with<T>(
        mut self,
        result: Result<T, ValidationErrors>,
    ) -> Result<T, ValidationErrors> {
        match result {
            Ok(value) => self.finish(value),
            Err(more) => {
                self.0.extend(more.0);
                Err(ValidationErrors(self.0))
            }
        }
    }

    pub(super) fn finish<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ValidationErrors(self.0))
        }
    }
}
