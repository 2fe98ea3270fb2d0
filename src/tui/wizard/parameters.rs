//! Step 3, Parameters: the permission scope of the two Redis users (live validation against the
//! model's scope grammar, with its warnings) and the password requirements.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Wizard, num};
use crate::model::Rotation;
use crate::model::request::{
    ParametersRequest, PasswordRequirementsRequest, RequiredRequest, RotationRequest,
};
use crate::model::rotation::{DEFAULT_SCOPE, DEFAULT_SYMBOLS, PasswordRequirements};
use crate::tui::app::App;
use crate::tui::widgets::{FieldId, Form, Input, NumberField, TextField};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Scope,
    Length,
    Digits,
    Lowercase,
    Uppercase,
    Symbols,
    AllowedSymbols,
    UsernamePrefix,
}

impl FieldId for Field {
    fn label(self) -> &'static str {
        match self {
            Field::Scope => "Permission Scope",
            Field::Length => "Password length",
            Field::Digits => "Required digits",
            Field::Lowercase => "Required lowercase",
            Field::Uppercase => "Required uppercase",
            Field::Symbols => "Required symbols",
            Field::AllowedSymbols => "Allowed symbols",
            Field::UsernamePrefix => "Username prefix",
        }
    }
}

pub fn field_for(path: &str) -> Option<Field> {
    let rest = path.strip_prefix("parameters.")?;
    match rest {
        "permissionScope" => Some(Field::Scope),
        "passwordRequirements.length" => Some(Field::Length),
        "passwordRequirements.required.digits" => Some(Field::Digits),
        "passwordRequirements.required.lowercase" => Some(Field::Lowercase),
        "passwordRequirements.required.uppercase" => Some(Field::Uppercase),
        "passwordRequirements.required.symbols" => Some(Field::Symbols),
        "passwordRequirements.allowedSymbols" => Some(Field::AllowedSymbols),
        "usernamePrefix" => Some(Field::UsernamePrefix),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct ParametersStep {
    pub form: Form<Field>,
    pub other: Vec<String>,
}

impl ParametersStep {
    fn with(scope: &str, req: &PasswordRequirements, prefix: &str) -> ParametersStep {
        let count = |v: u32| Input::Number(NumberField::new(v, 0, 250));
        ParametersStep {
            form: Form::new(vec![
                (Field::Scope, Input::Text(TextField::new(scope))),
                (
                    Field::Length,
                    Input::Number(NumberField::new(req.length, 8, 250)),
                ),
                (Field::Digits, count(req.required.digits)),
                (Field::Lowercase, count(req.required.lowercase)),
                (Field::Uppercase, count(req.required.uppercase)),
                (Field::Symbols, count(req.required.symbols)),
                (
                    Field::AllowedSymbols,
                    Input::Text(TextField::new(req.allowed_symbols.clone())),
                ),
                (Field::UsernamePrefix, Input::Text(TextField::new(prefix))),
            ]),
            other: Vec::new(),
        }
    }

    /// `~* +@all`, 48 characters, one digit, one lowercase, one uppercase, `-_.~!*`.
    pub fn new() -> ParametersStep {
        ParametersStep::with(DEFAULT_SCOPE, &PasswordRequirements::default(), "")
    }

    pub fn from_rotation(r: &Rotation) -> ParametersStep {
        ParametersStep::with(
            &r.parameters.permission_scope,
            &r.parameters.password_requirements,
            r.parameters.username_prefix.as_deref().unwrap_or(""),
        )
    }

    pub fn scope_text(&self) -> &str {
        self.form.text(Field::Scope)
    }

    pub fn apply(&self, req: &mut RotationRequest) {
        let f = &self.form;
        let n = |field| f.raw_number(field).map(num);
        req.parameters = Some(ParametersRequest {
            password_requirements: Some(PasswordRequirementsRequest {
                length: n(Field::Length),
                required: Some(RequiredRequest {
                    digits: n(Field::Digits),
                    lowercase: n(Field::Lowercase),
                    uppercase: n(Field::Uppercase),
                    symbols: n(Field::Symbols),
                }),
                allowed_symbols: Some(f.text(Field::AllowedSymbols).to_string()),
            }),
            permission_scope: Some(f.text(Field::Scope).to_string()),
            // Empty means "derive from the name"; the engine refuses a change once users exist.
            username_prefix: Some(f.text(Field::UsernamePrefix).trim().to_string())
                .filter(|p| !p.is_empty()),
            strategy: None,
            username: None,
        });
    }

    /// The scope grammar's own message, when the rotation rules did not already place one.
    pub fn add_scope_error(&mut self, error: Option<String>) {
        if let Some(e) = error
            && self.form.error(Field::Scope).is_none()
        {
            let mut errors: Vec<(Field, String)> = [
                Field::Scope,
                Field::Length,
                Field::Digits,
                Field::Lowercase,
                Field::Uppercase,
                Field::Symbols,
                Field::AllowedSymbols,
                Field::UsernamePrefix,
            ]
            .iter()
            .filter_map(|f| self.form.error(*f).map(|m| (*f, m.to_string())))
            .collect();
            errors.push((Field::Scope, e));
            self.form.set_errors(errors);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.form.has_errors() || !self.other.is_empty()
    }
}

impl Default for ParametersStep {
    fn default() -> Self {
        ParametersStep::new()
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.parameters;
    let mut form = step.form.clone();
    if let Some(Ok(scope)) = &w.check.scope {
        let n = scope.tokens.len();
        let mut note = format!("✓ {n} rule{}", if n == 1 { "" } else { "s" });
        if !scope.warnings.is_empty() {
            note.push_str(&format!(" · ⚠ {}", scope.warnings.join("; ")));
        }
        form.set_note(Field::Scope, note);
    }
    if form.text(Field::AllowedSymbols) == DEFAULT_SYMBOLS {
        form.set_note(Field::AllowedSymbols, "(default)");
    }
    if form.text(Field::UsernamePrefix).trim().is_empty() {
        form.set_note(
            Field::UsernamePrefix,
            "optional: users are <name>-0 and <name>-1",
        );
    }
    let body = super::frame::intro(
        frame,
        area,
        app,
        "The permissions of the two Redis users (empty means ~* +@all; permission rules only: \
         no on/off, passwords or reset) and how their passwords are generated.",
    );
    let [fields, rest] = crate::tui::screens::split_bottom(body, step.other.len() as u16 * 2);
    form.render(fields, frame.buffer_mut(), true, &app.theme);
    super::frame::render_other(frame, rest, &step.other, app);
}
