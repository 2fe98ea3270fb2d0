//! Step 5, Details: drawing. Its state (fields, form, validation) is `state::wizard::details`.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::App;
use crate::tui::state::wizard::Wizard;
use crate::tui::state::wizard::details::*;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
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
