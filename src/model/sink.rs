//! Sinks (SPEC 2.5): where a rotation delivers its current credentials after every promotion.
//! A `file` sink holds a path, a format (dotenv, JSON, or a minijinja template), a mode, an
//! optional owner and an optional reload command. Validation only; rendering, writing the file
//! and running the command are the engine's.

use serde::{Deserialize, Serialize};

use super::rules::shown;
use super::validation::FieldError;

/// A sink as typed in the request JSON (unknown fields refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SinkRequest {
    /// `file` (the only kind so far).
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) path: Option<String>,
    /// `dotenv` (default), `json` or `template`.
    pub(crate) format: Option<String>,
    /// With `format: template`: the text, e.g. `redis://{{ username }}:{{ password }}@host:6379/0`.
    pub(crate) template: Option<String>,
    /// Octal, e.g. `0600` (the default) or `0640`.
    pub(crate) mode: Option<String>,
    /// `user` or `user:group` (names or numeric ids); default: the process's own.
    pub(crate) owner: Option<String>,
    /// A shell command run after each write, e.g. `systemctl reload app`.
    pub(crate) reload: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub(crate) enum SinkFormat {
    Dotenv,
    Json,
    Template,
}

/// A validated file sink, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sink {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) path: String,
    pub(crate) format: SinkFormat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) template: Option<String>,
    /// Permission bits, e.g. 0o600.
    pub(crate) mode: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reload: Option<String>,
}

impl Sink {
    /// Back to the request shape (for patches and the wizard).
    pub(crate) fn to_request(&self) -> SinkRequest {
        SinkRequest {
            kind: Some(self.kind.clone()),
            path: Some(self.path.clone()),
            format: Some(self.format.to_string()),
            template: self.template.clone(),
            mode: Some(format!("{:04o}", self.mode)),
            owner: self.owner.clone(),
            reload: self.reload.clone(),
        }
    }

    /// One line for people: type, path, format, mode, owner and reload
    /// (`file /etc/app/redis.env · dotenv · 0600 · owner (own) · reload systemctl reload app`).
    /// Stored text, so callers escape it for a terminal.
    pub(crate) fn summary(&self) -> String {
        format!(
            "{} {} · {} · {:04o} · owner {} · reload {}",
            self.kind,
            self.path,
            self.format,
            self.mode,
            self.owner.as_deref().unwrap_or("(own)"),
            self.reload.as_deref().unwrap_or("(none)")
        )
    }
}

/// Validates every sink; `sinks[i].field` names the first problem.
pub(crate) fn validate_sinks(reqs: &[SinkRequest]) -> Result<Vec<Sink>, FieldError> {
    reqs.iter()
        .enumerate()
        .map(|(i, r)| validate_sink(i, r))
        .collect()
}

fn validate_sink(i: usize, r: &SinkRequest) -> Result<Sink, FieldError> {
    let field = |name: &str| format!("sinks[{i}].{name}");
    match r.kind.as_deref() {
        Some("file") => {}
        None => return Err(FieldError::new(field("type"), "is required: use `file`")),
        Some(other) => {
            return Err(FieldError::new(
                field("type"),
                format!("`{}` is not a sink type: use `file`", shown(other)),
            ));
        }
    }
    let path = r.path.as_deref().unwrap_or_default();
    if !path.starts_with('/') {
        return Err(FieldError::new(
            field("path"),
            "must be an absolute path, e.g. /etc/app/redis.env",
        ));
    }
    if path.ends_with('/') || path.split('/').any(|s| s == "..") {
        return Err(FieldError::new(
            field("path"),
            format!(
                "`{}` must name a file, without `..`: e.g. /etc/app/redis.env",
                shown(path)
            ),
        ));
    }
    super::text::refuse_control(&field("path"), path)?;
    let format = match r.format.as_deref().unwrap_or("dotenv") {
        "dotenv" => SinkFormat::Dotenv,
        "json" => SinkFormat::Json,
        "template" => SinkFormat::Template,
        other => {
            return Err(FieldError::new(
                field("format"),
                format!(
                    "`{}` is not a format: use dotenv, json or template",
                    shown(other)
                ),
            ));
        }
    };
    match (format, r.template.as_deref()) {
        (SinkFormat::Template, None | Some("")) => {
            return Err(FieldError::new(
                field("template"),
                "is required with format template, e.g. `redis://{{ username }}:{{ password }}@host:6379/0`",
            ));
        }
        (SinkFormat::Template, Some(t)) => {
            let env = minijinja::Environment::new();
            if let Err(e) = env.template_from_str(t) {
                return Err(FieldError::new(
                    field("template"),
                    format!("does not parse: {e}"),
                ));
            }
        }
        (_, Some(_)) => {
            return Err(FieldError::new(
                field("template"),
                "is only used with format template",
            ));
        }
        (_, None) => {}
    }
    let mode = match r.mode.as_deref() {
        None => 0o600,
        Some(m) => u32::from_str_radix(m.trim_start_matches("0o"), 8)
            .ok()
            .filter(|m| *m <= 0o777)
            .ok_or_else(|| {
                FieldError::new(
                    field("mode"),
                    format!(
                        "`{}` is not an octal file mode: e.g. 0600 or 0640",
                        shown(m)
                    ),
                )
            })?,
    };
    if mode & 0o002 != 0 {
        return Err(FieldError::new(
            field("mode"),
            format!("{mode:04o} lets every user change the credentials file: use 0600 or 0640"),
        ));
    }
    if let Some(owner) = r.owner.as_deref() {
        let valid = !owner.is_empty()
            && owner.split(':').count() <= 2
            && owner.split(':').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            });
        if !valid {
            return Err(FieldError::new(
                field("owner"),
                format!("`{}` is not `user` or `user:group`", shown(owner)),
            ));
        }
    }
    if let Some(reload) = r.reload.as_deref() {
        super::text::refuse_control(&field("reload"), reload)?;
        if reload.trim().is_empty() {
            return Err(FieldError::new(
                field("reload"),
                "is empty: leave it out, or give a command such as `systemctl reload app`",
            ));
        }
    }
    Ok(Sink {
        kind: "file".into(),
        path: path.to_string(),
        format,
        template: r.template.clone(),
        mode,
        owner: r.owner.clone(),
        reload: r.reload.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(json: &str) -> SinkRequest {
        super::super::strict::from_str(json).unwrap()
    }

    #[test]
    fn a_file_sink_defaults_to_dotenv_and_0600() {
        let s = validate_sinks(&[req(r#"{"type":"file","path":"/etc/app/redis.env"}"#)]).unwrap();
        assert_eq!(s[0].format, SinkFormat::Dotenv);
        assert_eq!(s[0].mode, 0o600);
    }

    #[test]
    fn an_unknown_sink_field_is_refused_with_the_closest_known() {
        let e = super::super::strict::from_str::<SinkRequest>(r#"{"type":"file","reloda":"x"}"#)
            .unwrap_err();
        assert!(e.message.contains("`reload`"), "{e}");
    }

    #[test]
    fn bad_sinks_name_the_field() {
        for (json, field) in [
            (r#"{"type":"s3","path":"/x"}"#, "sinks[0].type"),
            (r#"{"type":"file","path":"relative"}"#, "sinks[0].path"),
            (r#"{"type":"file","path":"/a/../b"}"#, "sinks[0].path"),
            (
                r#"{"type":"file","path":"/x","format":"yaml"}"#,
                "sinks[0].format",
            ),
            (
                r#"{"type":"file","path":"/x","format":"template"}"#,
                "sinks[0].template",
            ),
            (
                r#"{"type":"file","path":"/x","format":"template","template":"{{ oops"}"#,
                "sinks[0].template",
            ),
            (
                r#"{"type":"file","path":"/x","mode":"0666"}"#,
                "sinks[0].mode",
            ),
            (
                r#"{"type":"file","path":"/x","mode":"rw"}"#,
                "sinks[0].mode",
            ),
            (
                r#"{"type":"file","path":"/x","owner":"a b"}"#,
                "sinks[0].owner",
            ),
        ] {
            let e = validate_sinks(&[req(json)]).unwrap_err();
            assert_eq!(e.field, field, "{json}: {e}");
        }
    }
}
