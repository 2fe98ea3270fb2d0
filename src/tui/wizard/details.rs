//! Step 5, Details: the rotation's name (a slug; also the base of the two Redis usernames) and
//! an optional description.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::Wizard;
use crate::model::Rotation;
use crate::model::request::RotationRequest;
use crate::tui::app::App;
use crate::tui::widgets::{FieldId, Form, Input, TextField};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
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

pub fn field_for(path: &str) -> Option<Field> {
    match path {
        "name" => Some(Field::Name),
        "description" => Some(Field::Description),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct DetailsStep {
    pub form: Form<Field>,
    pub other: Vec<String>,
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

    pub fn new() -> DetailsStep {
        DetailsStep::with("", "")
    }

    pub fn from_rotation(r: &Rotation) -> DetailsStep {
        DetailsStep::with(&r.name, r.description.as_deref().unwrap_or(""))
    }

    pub fn name(&self) -> &str {
        self.form.text(Field::Name)
    }

    pub fn apply(&self, req: &mut RotationRequest) {
        req.name = Some(self.form.text(Field::Name).to_string());
        let d = self.form.text(Field::Description);
        req.description = (!d.is_empty()).then(|| d.to_string());
    }

    pub fn has_errors(&self) -> bool {
        self.form.has_errors() || !self.other.is_empty()
    }
}

impl Default for DetailsStep {
    fn default() -> Self {
        DetailsStep::new()
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.details;
    let mut form = step.form.clone();
    let name = form.text(Field::Name);
    if !name.is_empty() && form.error(Field::Name).is_none() {
        form.set_note(Field::Name, format!("users {name}-0 and {name}-1"));
    }
    let body = super::frame::intro(
        frame,
        area,
        app,
        "Give the rotation a slug-friendly name (lowercase letters, digits, single hyphens); \
         it also names the two Redis users.",
    );
    let [fields, rest] = crate::tui::screens::split_bottom(body, step.other.len() as u16 * 2);
    form.render(fields, frame.buffer_mut(), true, &app.theme);
    super::frame::render_other(frame, rest, &step.other, app);
}
