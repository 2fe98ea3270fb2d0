//! Step 4, Secrets Mapping: where the active credential is published (environment and secret
//! path) and the names of the username and password secrets. Environment and path cannot change
//! once the rotation exists.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::Wizard;
use crate::model::Rotation;
use crate::model::request::{RotationRequest, SecretsMappingRequest};
use crate::tui::app::App;
use crate::tui::widgets::{FieldId, Form, Input, TextField};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Environment,
    SecretPath,
    Username,
    Password,
}

impl FieldId for Field {
    fn label(self) -> &'static str {
        match self {
            Field::Environment => "Environment",
            Field::SecretPath => "Secret path",
            Field::Username => "Username",
            Field::Password => "Password",
        }
    }
}

pub fn field_for(path: &str) -> Option<Field> {
    match path {
        "environment" => Some(Field::Environment),
        "secretPath" => Some(Field::SecretPath),
        "secretsMapping.username" => Some(Field::Username),
        "secretsMapping.password" => Some(Field::Password),
        _ => None,
    }
}

pub const DEFAULT_ENVIRONMENT: &str = "dev";
pub const DEFAULT_USERNAME_SECRET: &str = "REDIS_USERNAME";
pub const DEFAULT_PASSWORD_SECRET: &str = "REDIS_PASSWORD";

#[derive(Clone, Debug)]
pub struct MappingStep {
    pub form: Form<Field>,
    pub other: Vec<String>,
}

impl MappingStep {
    pub fn new() -> MappingStep {
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
        }
    }

    pub fn from_rotation(r: &Rotation) -> MappingStep {
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
        }
    }

    pub fn apply(&self, req: &mut RotationRequest) {
        let f = &self.form;
        req.environment = Some(f.text(Field::Environment).to_string());
        req.secret_path = Some(f.text(Field::SecretPath).to_string());
        req.secrets_mapping = Some(SecretsMappingRequest {
            username: Some(f.text(Field::Username).to_string()),
            password: Some(f.text(Field::Password).to_string()),
        });
    }

    pub fn has_errors(&self) -> bool {
        self.form.has_errors() || !self.other.is_empty()
    }
}

impl Default for MappingStep {
    fn default() -> Self {
        MappingStep::new()
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.mapping;
    let mut form = step.form.clone();
    if matches!(form.input(Field::Environment), Some(Input::Text(_))) {
        form.set_note(Field::Environment, "dev, staging, prod or any slug");
    }
    form.set_note(Field::Username, "secret name for the username");
    form.set_note(Field::Password, "secret name for the password");
    let body = super::frame::intro(
        frame,
        area,
        app,
        "Where the active credential is published: applications read these two secrets.",
    );
    let [fields, rest] = crate::tui::screens::split_bottom(body, step.other.len() as u16 * 2);
    form.render(fields, frame.buffer_mut(), true, &app.theme);
    super::frame::render_other(frame, rest, &step.other, app);
}
