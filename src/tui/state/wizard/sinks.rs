//! The Secrets Mapping step's sinks (SPEC 2.5): the list of file sinks a rotation delivers its
//! credentials to, and the form that adds or edits one. The sink being edited is part of the
//! request while its form is open, so the model's own rules judge it as the operator types and
//! their `sinks[i].field` errors land on the form's fields.

use crate::model::sink::SinkRequest;
use crate::model::text::printable;
use crate::tui::widgets::{Choice, FieldId, Form, Input, TextField};

pub(crate) const FORMATS: [&str; 3] = ["dotenv", "json", "template"];
pub(crate) const DEFAULT_MODE: &str = "0600";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Path,
    Format,
    Template,
    Mode,
    Owner,
    Reload,
    Save,
    Remove,
    Cancel,
}

impl FieldId for Field {
    fn label(self) -> &'static str {
        match self {
            Field::Path => "File path",
            Field::Format => "Format",
            Field::Template => "Template",
            Field::Mode => "Mode",
            Field::Owner => "Owner",
            Field::Reload => "Reload command",
            Field::Save => "Save",
            Field::Remove => "Remove",
            Field::Cancel => "Cancel",
        }
    }
}

/// The form field a request path names, for the sink at `index`: `sinks[2].mode` → `Mode`.
pub(crate) fn field_for(index: usize, path: &str) -> Option<Field> {
    let rest = path.strip_prefix(&format!("sinks[{index}]"))?;
    Some(match rest.strip_prefix('.').unwrap_or("") {
        "format" => Field::Format,
        "template" => Field::Template,
        "mode" => Field::Mode,
        "owner" => Field::Owner,
        "reload" => Field::Reload,
        // `path`, `type` (always `file` here) and the sink as a whole.
        _ => Field::Path,
    })
}

/// The index a request path (`sinks[2].mode`) names, if it names a sink.
pub(crate) fn index_of(path: &str) -> Option<usize> {
    path.strip_prefix("sinks[")?.split(']').next()?.parse().ok()
}

/// One sink being added or edited.
#[derive(Clone, Debug)]
pub(crate) struct SinkForm {
    pub(crate) form: Form<Field>,
    /// Its place in the list (the end, for a new one).
    pub(crate) index: usize,
    /// The sink as it was before this edit; `None` for a new one (Cancel drops it).
    pub(crate) original: Option<SinkRequest>,
}

impl SinkForm {
    pub(crate) fn new(index: usize, existing: Option<&SinkRequest>) -> SinkForm {
        let text = |v: Option<&Option<String>>| v.and_then(|v| v.clone()).unwrap_or_default();
        let format = existing
            .and_then(|s| s.format.clone())
            .unwrap_or_else(|| FORMATS[0].to_string());
        let mut fields = vec![
            (
                Field::Path,
                Input::Text(TextField::new(text(existing.map(|s| &s.path)))),
            ),
            (
                Field::Format,
                Input::Choice(Choice::select(&FORMATS, &format)),
            ),
            (
                Field::Template,
                Input::Text(TextField::new(text(existing.map(|s| &s.template)))),
            ),
            (
                Field::Mode,
                Input::Text(TextField::new(
                    existing
                        .and_then(|s| s.mode.clone())
                        .unwrap_or_else(|| DEFAULT_MODE.to_string()),
                )),
            ),
            (
                Field::Owner,
                Input::Text(TextField::new(text(existing.map(|s| &s.owner)))),
            ),
            (
                Field::Reload,
                Input::Text(TextField::new(text(existing.map(|s| &s.reload)))),
            ),
            (Field::Save, Input::Button("Save")),
        ];
        if existing.is_some() {
            fields.push((Field::Remove, Input::Button("Remove")));
        }
        fields.push((Field::Cancel, Input::Button("Cancel")));
        SinkForm {
            form: Form::new(fields),
            index,
            original: existing.cloned(),
        }
    }

    /// The sink as the request carries it: empty optional fields left out, the template only
    /// with the template format (the model refuses it elsewhere).
    pub(crate) fn request(&self) -> SinkRequest {
        let f = &self.form;
        let optional = |field: Field| {
            let v = f.text(field).trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        let format = f.choice(Field::Format).to_string();
        SinkRequest {
            kind: Some("file".into()),
            path: Some(f.text(Field::Path).to_string()),
            template: if format == "template" {
                optional(Field::Template)
            } else {
                None
            },
            format: Some(format),
            mode: optional(Field::Mode),
            owner: optional(Field::Owner),
            reload: optional(Field::Reload),
        }
    }
}

/// One line for a sink, as the list and the review show it (escaped for the terminal).
pub(crate) fn summary(s: &SinkRequest) -> String {
    let or = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_string());
    let line = format!(
        "{} · {} · {} · owner {} · reload {}",
        or(&s.path, ""),
        or(&s.format, FORMATS[0]),
        or(&s.mode, DEFAULT_MODE),
        or(&s.owner, "(own)"),
        or(&s.reload, "(none)")
    );
    printable(&line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_find_their_sink_and_field() {
        assert_eq!(index_of("sinks[2].mode"), Some(2));
        assert_eq!(index_of("sinks[0]"), Some(0));
        assert_eq!(index_of("secretsMapping.username"), None);
        assert_eq!(field_for(2, "sinks[2].mode"), Some(Field::Mode));
        assert_eq!(field_for(2, "sinks[2].type"), Some(Field::Path));
        assert_eq!(field_for(1, "sinks[2].mode"), None);
        assert_eq!(field_for(1, "sinks[12].mode"), None);
    }
}
