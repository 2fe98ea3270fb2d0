//! Step 4, Secrets mapping: drawing. Its state (fields, form, validation) is `state::wizard::mapping`.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::App;
use crate::tui::state::wizard::Wizard;
use crate::tui::state::wizard::mapping::*;
use crate::tui::widgets::Input;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.mapping;
    if let Some(sink) = &step.sink_form {
        return super::sinks::render(frame, area, app, sink);
    }
    let mut form = step.form.clone();
    if matches!(form.input(Field::Environment), Some(Input::Text(_))) {
        form.set_note(Field::Environment, "dev, staging, prod or any slug");
    }
    form.set_note(Field::Username, "secret name for the username");
    form.set_note(Field::Password, "secret name for the password");
    for i in 0..step.sinks.len() {
        form.set_note(Field::Sink(i), "Enter edits");
    }
    let body = super::frame::intro(
        frame,
        area,
        app,
        "Where the active credential is published: applications read these two secrets, and \
         sinks write it to files.",
    );
    let [fields, rest] = crate::tui::screens::split_bottom(body, step.other.len() as u16 * 2);
    form.render(fields, frame.buffer_mut(), true, &app.theme);
    super::frame::render_other(frame, rest, &step.other, app);
}
