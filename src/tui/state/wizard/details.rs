//! Step 5, Details: the rotation's name (a slug; also the base of the two Redis usernames) and
//! an optional description.

use crate::model::Rotation;
use crate::model::request::RotationRequest;
use crate::tui::widgets::{FieldId, Form, Input, TextField};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Name,
    Description,
}

impl FieldId for Field {
    fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Description => "Description (optional)",
        }
    }
}

pub(crate) fn field_for(path: &str) -> Option<Field> {
    match path {
        "name" => Some(Field::Name),
        "description" => Some(Field::Description),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub(crate) struct DetailsStep {
    pub(crate) form: Form<Field>,
    pub(crate) other: Vec<String>,
}

impl DetailsStep {
    fn with(name: &str, description: &str) -> DetailsStep {
        DetailsStep {
            form: Form::new(vec![
                (Field::Name, Input::Text(TextField::new(name))),
                (Field::Description, Input::Text(TextField::new(description))),
            ]),
            other: Vec::new(),
        }
    }

    pub(crate) fn new() -> DetailsStep {
        DetailsStep::with("", "")
    }

    pub(crate) fn from_rotation(r: &Rotation) -> DetailsStep {
        DetailsStep::with(&r.name, r.description.as_deref().unwrap_or(""))
    }

    pub(crate) fn apply(&self, req: &mut RotationRequest) {
        req.name = Some(self.form.text(Field::Name).to_string());
        let d = self.form.text(Field::Description);
        req.description = (!d.is_empty()).then(|| d.to_string());
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.form.has_errors() || !self.other.is_empty()
    }
}

impl Default for DetailsStep {
    fn default() -> Self {
        DetailsStep::new()
    }
}
