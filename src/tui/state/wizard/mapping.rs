//! Step 4, Secrets Mapping: where the active credential is published (environment and secret
//! path), the names of the username and password secrets, and the sinks that deliver it to
//! files (see `sinks`). Environment and path cannot change once the rotation exists.

use super::sinks::{self, SinkForm};
use crate::model::Rotation;
use crate::model::request::{RotationRequest, SecretsMappingRequest};
use crate::model::sink::SinkRequest;
use crate::tui::widgets::{FieldId, Form, Input, TextField};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Environment,
    SecretPath,
    Username,
    Password,
    /// A sink of the list, by its place.
    Sink(usize),
    AddSink,
}

impl FieldId for Field {
    fn label(self) -> &'static str {
        match self {
            Field::Environment => "Environment",
            Field::SecretPath => "Secret path",
            Field::Username => "Username",
            Field::Password => "Password",
            Field::Sink(_) => "Sink",
            Field::AddSink => "Add a sink",
        }
    }
}

pub(crate) fn field_for(path: &str) -> Option<Field> {
    match path {
        "environment" => Some(Field::Environment),
        "secretPath" => Some(Field::SecretPath),
        "secretsMapping.username" => Some(Field::Username),
        "secretsMapping.password" => Some(Field::Password),
        _ => sinks::index_of(path).map(Field::Sink),
    }
}

pub(crate) const DEFAULT_ENVIRONMENT: &str = "dev";
pub(crate) const DEFAULT_USERNAME_SECRET: &str = "REDIS_USERNAME";
pub(crate) const DEFAULT_PASSWORD_SECRET: &str = "REDIS_PASSWORD";

#[derive(Clone, Debug)]
pub(crate) struct MappingStep {
    pub(crate) form: Form<Field>,
    pub(crate) other: Vec<String>,
    /// The saved sinks, in order.
    pub(crate) sinks: Vec<SinkRequest>,
    /// The sink being added or edited; while open it is part of the request.
    pub(crate) sink_form: Option<SinkForm>,
    /// A stored rotation always sends its list (an emptied list removes its sinks); a new one
    /// sends none until it has one.
    editing: bool,
}

impl MappingStep {
    pub(crate) fn new() -> MappingStep {
        MappingStep {
            form: Form::new(vec![
                (
                    Field::Environment,
                    Input::Text(TextField::new(DEFAULT_ENVIRONMENT)),
                ),
                (Field::SecretPath, Input::Text(TextField::new("/"))),
                (
                    Field::Username,
                    Input::Text(TextField::new(DEFAULT_USERNAME_SECRET)),
                ),
                (
                    Field::Password,
                    Input::Text(TextField::new(DEFAULT_PASSWORD_SECRET)),
                ),
            ]),
            other: Vec::new(),
            sinks: Vec::new(),
            sink_form: None,
            editing: false,
        }
        .with_sink_rows()
    }

    pub(crate) fn from_rotation(r: &Rotation) -> MappingStep {
        MappingStep {
            form: Form::new(vec![
                (Field::Environment, Input::ReadOnly(r.environment.clone())),
                (Field::SecretPath, Input::ReadOnly(r.secret_path.clone())),
                (
                    Field::Username,
                    Input::Text(TextField::new(r.secrets_mapping.username.clone())),
                ),
                (
                    Field::Password,
                    Input::Text(TextField::new(r.secrets_mapping.password.clone())),
                ),
            ]),
            other: Vec::new(),
            sinks: r.sinks.iter().map(|s| s.to_request()).collect(),
            sink_form: None,
            editing: true,
        }
        .with_sink_rows()
    }

    fn with_sink_rows(mut self) -> MappingStep {
        self.sink_rows_changed();
        self
    }

    /// The four mapping fields, then one row per sink and the Add button.
    fn sink_rows_changed(&mut self) {
        let mut fields: Vec<(Field, Input)> = self
            .form
            .fields()
            .filter(|(f, _)| !matches!(f, Field::Sink(_) | Field::AddSink))
            .cloned()
            .collect();
        for (i, s) in self.sinks.iter().enumerate() {
            fields.push((Field::Sink(i), Input::Item(sinks::summary(s))));
        }
        fields.push((Field::AddSink, Input::Button("Add a sink")));
        self.form.rebuild(fields);
    }

    /// The sinks the request carries: the saved ones with the open form's draft in its place.
    pub(crate) fn sink_requests(&self) -> Vec<SinkRequest> {
        let mut list = self.sinks.clone();
        if let Some(open) = &self.sink_form {
            let draft = open.request();
            match list.get_mut(open.index) {
                Some(slot) => *slot = draft,
                None => list.push(draft),
            }
        }
        list
    }

    pub(crate) fn apply(&self, req: &mut RotationRequest) {
        let f = &self.form;
        req.environment = Some(f.text(Field::Environment).to_string());
        req.secret_path = Some(f.text(Field::SecretPath).to_string());
        req.secrets_mapping = Some(SecretsMappingRequest {
            username: Some(f.text(Field::Username).to_string()),
            password: Some(f.text(Field::Password).to_string()),
        });
        let sinks = self.sink_requests();
        req.sinks = (self.editing || !sinks.is_empty()).then_some(sinks);
    }

    /// Enter on a sink row or on Add opens the sink form; true when it did.
    pub(crate) fn open_focused_sink(&mut self) -> bool {
        let (index, existing) = match self.form.focused() {
            Field::Sink(i) => (i, self.sinks.get(i)),
            Field::AddSink => (self.sinks.len(), None),
            _ => return false,
        };
        self.sink_form = Some(SinkForm::new(index, existing));
        true
    }

    /// Saves the open sink into the list (the caller checked it is valid).
    pub(crate) fn save_sink(&mut self) {
        if let Some(open) = self.sink_form.take() {
            let draft = open.request();
            match self.sinks.get_mut(open.index) {
                Some(slot) => *slot = draft,
                None => self.sinks.push(draft),
            }
            self.sink_rows_changed();
            self.form.focus(Field::Sink(open.index));
        }
    }

    /// Removes the open sink from the list.
    pub(crate) fn remove_sink(&mut self) {
        if let Some(open) = self.sink_form.take() {
            if open.index < self.sinks.len() {
                self.sinks.remove(open.index);
            }
            self.sink_rows_changed();
            self.form.focus(Field::AddSink);
        }
    }

    /// Closes the open sink form; the list stays as it was.
    pub(crate) fn cancel_sink(&mut self) {
        if let Some(open) = self.sink_form.take() {
            self.form.focus(if open.index < self.sinks.len() {
                Field::Sink(open.index)
            } else {
                Field::AddSink
            });
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.form.has_errors() || !self.other.is_empty()
    }

    /// Whether the open sink form has errors of its own.
    pub(crate) fn sink_has_errors(&self) -> bool {
        self.sink_form.as_ref().is_some_and(|s| s.form.has_errors())
    }
}

impl Default for MappingStep {
    fn default() -> Self {
        MappingStep::new()
    }
}
