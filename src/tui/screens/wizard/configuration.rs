//! Step 2, Configuration: drawing. Its state (fields, form, validation) is `state::wizard::configuration`.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::App;
use crate::tui::state::wizard::Wizard;
use crate::tui::state::wizard::configuration::*;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.configuration;
    let mut form = step.form.clone();
    let label = app.zone.label(app.now);
    match step.rotate_at_utc(app.zone, app.now) {
        Some((h, m)) => form.set_note(
            Field::Minutes,
            format!(
                "{:02}:{:02} {label} = {h:02}:{m:02} UTC",
                form.number(Field::Hours).unwrap_or(0),
                form.number(Field::Minutes).unwrap_or(0)
            ),
        ),
        None => form.set_note(Field::Minutes, String::new()),
    }
    form.set_note(
        Field::Auto,
        if form.on(Field::Auto) {
            "rotates once the interval has elapsed"
        } else {
            "rotate manually only (r on the dashboard)"
        },
    );
    let waits = step.waits();
    form.set_note(
        Field::Stragglers,
        if waits {
            "wait while sessions use the old slot"
        } else {
            "re-key on time, sessions or not"
        },
    );
    form.set_note(
        Field::MaxWait,
        if waits {
            "then rotate anyway; r (rotate now) never waits"
        } else {
            "used only with wait"
        },
    );
    let body = super::frame::intro(
        frame,
        area,
        app,
        "How often the credentials rotate, and at what local time of day once the interval \
         has elapsed. The time is stored in UTC.",
    );
    let [fields, rest] = crate::tui::screens::split_bottom(body, step.other.len() as u16);
    form.render(fields, frame.buffer_mut(), true, &app.theme);
    super::frame::render_other(frame, rest, &step.other, app);
}
