//! The help: every key of every context, generated from the keymap tables that dispatch keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use strum::VariantArray;

use crate::tui::app::App;
use crate::tui::keymap::{self, Binding, Context};

const KEYS_W: usize = 16;

fn section(app: &App, title: &str, bindings: &[Binding], out: &mut Vec<Line<'static>>) {
    out.push(Line::styled(title.to_string(), app.theme.header()));
    for b in bindings {
        out.push(Line::from(vec![
            Span::styled(
                format!("  {:<KEYS_W$}", keymap::keys_label(b)),
                app.theme.key(),
            ),
            Span::raw(b.help),
        ]));
    }
    out.push(Line::default());
}

/// Every line of the help.
pub(crate) fn lines(app: &App) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    section(app, "Everywhere", keymap::GLOBAL, &mut out);
    for ctx in Context::VARIANTS {
        section(app, ctx.title(), keymap::bindings(*ctx), &mut out);
    }
    out
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let popup = super::centered(area, 90, area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.focus())
        .title(" Keys (↑↓ scroll · Esc close) ");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let all = lines(app);
    let max = all.len().saturating_sub(inner.height as usize) as u16;
    frame.render_widget(Paragraph::new(all).scroll((scroll.min(max), 0)), inner);
}
