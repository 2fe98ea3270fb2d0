//! The bordered pane every screen draws its views in (focused: highlighted border).

use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use crate::tui::app::App;

/// A titled pane whose border shows focus.
pub(crate) fn pane<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            app.theme.focus()
        } else {
            app.theme.border()
        })
        .title(Span::styled(
            title,
            if focused {
                app.theme.focus()
            } else {
                app.theme.title()
            },
        ))
}
