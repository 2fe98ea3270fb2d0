//! Step 3, Parameters: the permission scope of the Redis users (live validation against the
//! model's scope grammar, with its warnings), the password requirements, and the strategy (two
//! users, or one user with two passwords), with an existing user to adopt and its current
//! password.

use super::num;
use crate::model::request::{
    ParametersRequest, PasswordRequirementsRequest, RequiredRequest, RotationRequest,
};
use crate::model::rotation::{DEFAULT_SCOPE, PasswordRequirements, Strategy};
use crate::model::{Password, Rotation};
use crate::tui::widgets::{Choice, FieldId, Form, Input, NumberField, TextField};

const TWO_USERS: &str = "two-users";
const ONE_USER: &str = "one-user";

/// The trade-off of each strategy, in one line.
pub(crate) fn trade_off(strategy: &str) -> &'static str {
    if strategy == ONE_USER {
        "one user, even default: apps only re-read the password"
    } else {
        "users <name>-0/-1: apps re-read username and password"
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Scope,
    Length,
    Digits,
    Lowercase,
    Uppercase,
    Symbols,
    AllowedSymbols,
    Strategy,
    UsernamePrefix,
    Username,
    CurrentPassword,
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
            Field::Strategy => "Strategy",
            Field::UsernamePrefix => "Username prefix",
            Field::Username => "Username",
            Field::CurrentPassword => "Current password",
        }
    }
}

pub(crate) fn field_for(path: &str) -> Option<Field> {
    if path == "currentPassword" {
        return Some(Field::CurrentPassword);
    }
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
        "strategy" => Some(Field::Strategy),
        "username" => Some(Field::Username),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ParametersStep {
    pub(crate) form: Form<Field>,
    pub(crate) other: Vec<String>,
}

impl ParametersStep {
    fn with(
        scope: &str,
        req: &PasswordRequirements,
        prefix: &str,
        users: Vec<(Field, Input)>,
    ) -> ParametersStep {
        let count = |v: u32| Input::Number(NumberField::new(v, 0, 250));
        let mut fields = vec![
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
        ];
        // Strategy, username and current password go around the prefix they stand beside.
        let at = fields.len() - 1;
        let mut users = users.into_iter();
        if let Some(strategy) = users.next() {
            fields.insert(at, strategy);
        }
        fields.extend(users);
        ParametersStep {
            form: Form::new(fields),
            other: Vec::new(),
        }
    }

    /// `~* +@all`, 48 characters, one digit, one lowercase, one uppercase, `-_.~!*`.
    pub(crate) fn new() -> ParametersStep {
        ParametersStep::with(
            DEFAULT_SCOPE,
            &PasswordRequirements::default(),
            "",
            vec![
                (
                    Field::Strategy,
                    Input::Choice(Choice::select(&[TWO_USERS, ONE_USER], TWO_USERS)),
                ),
                (Field::Username, Input::Text(TextField::new(""))),
                (Field::CurrentPassword, Input::Text(TextField::masked())),
            ],
        )
    }

    /// Strategy and user are fixed once the rotation exists; nothing is adopted on an edit.
    pub(crate) fn from_rotation(r: &Rotation) -> ParametersStep {
        let mut users = vec![(
            Field::Strategy,
            Input::ReadOnly(r.parameters.strategy.to_string()),
        )];
        if let Some(u) = &r.parameters.username {
            users.push((Field::Username, Input::ReadOnly(u.clone())));
        }
        ParametersStep::with(
            &r.parameters.permission_scope,
            &r.parameters.password_requirements,
            r.parameters.username_prefix.as_deref().unwrap_or(""),
            users,
        )
    }

    /// The strategy as chosen (or as stored, when editing).
    pub(crate) fn strategy(&self) -> Strategy {
        let chosen = match self.form.input(Field::Strategy) {
            Some(Input::Choice(c)) => c.selected().to_string(),
            Some(Input::ReadOnly(s)) => s.clone(),
            _ => String::new(),
        };
        chosen.parse().unwrap_or_default()
    }

    /// The user named on this step (one-user's user, or the one to adopt), if any.
    pub(crate) fn username(&self) -> Option<String> {
        let text = match self.form.input(Field::Username) {
            Some(Input::Text(t)) => t.value().trim().to_string(),
            Some(Input::ReadOnly(s)) => s.clone(),
            _ => String::new(),
        };
        (!text.is_empty()).then_some(text)
    }

    /// The adopted user's current password: only when one was typed.
    pub(crate) fn current_password(&self) -> Option<Password> {
        let p = self.form.text(Field::CurrentPassword);
        (!p.is_empty()).then(|| Password::new(p))
    }

    pub(crate) fn scope_text(&self) -> &str {
        self.form.text(Field::Scope)
    }

    pub(crate) fn apply(&self, req: &mut RotationRequest) {
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
            strategy: Some(self.strategy().to_string()),
            username: self.username(),
            // Chosen on the Configuration step (it is about the schedule); kept as set there.
            straggler_policy: req
                .parameters
                .as_ref()
                .and_then(|p| p.straggler_policy.clone()),
        });
    }

    /// The scope grammar's own message, when the rotation rules did not already place one.
    pub(crate) fn add_scope_error(&mut self, error: Option<String>) {
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
                Field::Strategy,
                Field::UsernamePrefix,
                Field::Username,
                Field::CurrentPassword,
            ]
            .iter()
            .filter_map(|f| self.form.error(*f).map(|m| (*f, m.to_string())))
            .collect();
            errors.push((Field::Scope, e));
            self.form.set_errors(errors);
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.form.has_errors() || !self.other.is_empty()
    }
}

impl Default for ParametersStep {
    fn default() -> Self {
        ParametersStep::new()
    }
}
