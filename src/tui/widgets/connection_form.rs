//! The connection form, drawn where it is open: the connections screen and step 1 of the
//! wizard. Its state is `state::connection_form`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::state::connection_form::*;
use crate::tui::theme::Tone;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, cf: &ConnectionForm) {
    let title = if cf.editing.is_some() {
        " Edit connection "
    } else {
        " Add a connection "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focus())
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut form = cf.form.clone();
    if cf.editing.is_some() {
        form.set_note(Field::Password, "empty keeps the stored password");
    }
    if cf.is_sentinel() {
        form.set_note(Field::Host, "empty: the first Sentinel");
        form.set_note(Field::SentinelUsername, "empty: default");
        form.set_note(
            Field::SentinelPassword,
            if cf.editing.is_some() {
                "empty keeps the stored one"
            } else {
                "the Sentinels' own; empty if none"
            },
        );
    }
    let mut below: Vec<Line> = cf
        .other
        .iter()
        .map(|e| Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error)))
        .collect();
    if let Some(busy) = cf.busy {
        below.push(Line::styled(
            format!("{} {busy}", super::layout::spinner(app.now)),
            app.theme.tone(Tone::Busy),
        ));
    }
    match &cf.report {
        Some(Ok(report)) => below.extend(crate::tui::widgets::report::report_lines(
            report,
            app,
            inner.width,
        )),
        Some(Err(e)) => below.extend(
            e.lines()
                .map(|l| Line::styled(format!("✗ {l}"), app.theme.tone(Tone::Error))),
        ),
        None => {}
    }
    // The form scrolls to its focused field when the report needs the room.
    let form_h = (inner.height.saturating_sub(below.len() as u16)).max(inner.height.min(8));
    let [top, bottom] = super::layout::split_top(inner, form_h);
    form.render(top, frame.buffer_mut(), true, &app.theme);
    frame.render_widget(Paragraph::new(below).wrap(Wrap { trim: false }), bottom);
}
