//! The file-sink editor of step 4: drawing. Its state (fields, form, validation) is `state::wizard::sinks`.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::tui::app::App;
use crate::tui::state::wizard::sinks::*;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, sink: &SinkForm) {
    let mut form = sink.form.clone();
    form.set_note(Field::Path, "absolute, e.g. /etc/app/redis.env");
    form.set_note(Field::Format, "←/→ dotenv, json or template");
    if form.choice(Field::Format) == "template" {
        form.set_note(
            Field::Template,
            "e.g. redis://{{ username }}:{{ password }}@host:6379/0",
        );
    } else {
        form.set_note(Field::Template, "only with the template format");
    }
    form.set_note(Field::Mode, "octal, default 0600");
    form.set_note(Field::Owner, "user or user:group; empty: this process's");
    form.set_note(Field::Reload, "optional, e.g. systemctl reload app");
    let intro = if sink.original.is_some() {
        format!(
            "Sink {}: written atomically after every rotation, then the reload command runs.",
            sink.index + 1
        )
    } else {
        "New file sink: written atomically after every rotation, then the reload command runs."
            .to_string()
    };
    let body = super::frame::intro(frame, area, app, &intro);
    form.render(body, frame.buffer_mut(), true, &app.theme);
}
