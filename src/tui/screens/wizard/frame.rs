//! The wizard's frame: title, the six steps with the current one marked, the step's body, and
//! why Next is blocked when it is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::tui::app::App;
use crate::tui::state::wizard::{Step, Wizard};
use crate::tui::theme::Tone;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let title = match w.editing() {
        Some(r) => format!(" Edit rotation {} ", r.name),
        None => " New Redis Credentials rotation ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border())
        .title(Span::styled(title, app.theme.header()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [steps_area, body] = crate::tui::screens::split_top(inner, 2);
    let [body, bottom] = crate::tui::screens::split_bottom(body, 1);

    let mut spans = Vec::new();
    let wide = inner.width >= 100;
    use strum::VariantArray;
    for s in Step::VARIANTS {
        if !spans.is_empty() {
            spans.push(Span::styled(" › ", app.theme.muted()));
        }
        let label = if wide || *s == w.step {
            format!("{} {}", s.number(), s.title())
        } else {
            s.number().to_string()
        };
        let style = if *s == w.step {
            app.theme.selected()
        } else if *s < w.step {
            app.theme.tone(Tone::Ok)
        } else {
            app.theme.muted()
        };
        let mark = if *s < w.step { " ✓" } else { "" };
        spans.push(Span::styled(format!("{label}{mark}"), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), steps_area);

    match w.step {
        Step::Connection => super::connection::render(frame, body, app, w),
        Step::Configuration => super::configuration::render(frame, body, app, w),
        Step::Parameters => super::parameters::render(frame, body, app, w),
        Step::Mapping => super::mapping::render(frame, body, app, w),
        Step::Details => super::details::render(frame, body, app, w),
        Step::Review => super::review::render(frame, body, app, w),
    }

    let bottom_line = match &w.blocked {
        Some(why) => Line::styled(format!("✗ {why}"), app.theme.tone(Tone::Error)),
        None => Line::styled(
            format!("step {} of 6 · {}", w.step.number(), w.step.title()),
            app.theme.muted(),
        ),
    };
    frame.render_widget(Paragraph::new(bottom_line), bottom);
}

/// A step's explanation above its form: muted, wrapped, in the top two rows of `area`; returns
/// the rest.
pub(crate) fn intro(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    app: &crate::tui::app::App,
    text: &str,
) -> ratatui::layout::Rect {
    let [top, rest] = crate::tui::screens::split_top(area, 3);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(ratatui::text::Line::styled(
            text.to_string(),
            app.theme.muted(),
        ))
        .wrap(ratatui::widgets::Wrap { trim: true }),
        top,
    );
    rest
}

/// Step-level messages (errors that name no field of the form), under the form.
pub(crate) fn render_other(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    other: &[String],
    app: &crate::tui::app::App,
) {
    let lines: Vec<ratatui::text::Line> = other
        .iter()
        .map(|e| {
            ratatui::text::Line::styled(
                format!("✗ {e}"),
                app.theme.tone(crate::tui::theme::Tone::Error),
            )
        })
        .collect();
    frame.render_widget(
        ratatui::widgets::Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}
