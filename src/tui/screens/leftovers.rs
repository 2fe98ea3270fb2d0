//! The leftovers pane of the connections screen: the ACL users on the connection's server that
//! no rotation owns, on how many of its nodes each exists.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::model::text::printable;
use crate::tui::app::{App, LeftoversState, Loadable};
use crate::tui::theme::Tone;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, state: &LeftoversState) {
    let name = app
        .doc
        .connections
        .iter()
        .find(|c| c.id == state.connection_id)
        .map_or("?".to_string(), |c| c.name.clone());
    let block = crate::tui::widgets::pane(
        app,
        format!(" Leftover users · {name} (x revoke · Esc close) "),
        true,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines: Vec<Line> = match &state.users {
        Loadable::Loading => vec![Line::styled(
            format!(
                "{} Listing ACL users on every node…",
                super::spinner(app.now)
            ),
            app.theme.tone(Tone::Busy),
        )],
        Loadable::Failed(e) => vec![Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error))],
        Loadable::Ready(users) if users.is_empty() => vec![Line::styled(
            "✓ No leftovers: every ACL user here belongs to a rotation, or is `default` or the admin user.",
            app.theme.tone(Tone::Ok),
        )],
        Loadable::Ready(users) => {
            let mut out = vec![Line::styled(
                format!(
                    "{} ACL user{} on this server belong{} to no rotation:",
                    users.len(),
                    if users.len() == 1 { "" } else { "s" },
                    if users.len() == 1 { "s" } else { "" },
                ),
                app.theme.muted(),
            )];
            let sel = state.selected.min(users.len() - 1);
            // Only the rows that fit, keeping the selected one on screen.
            let rows = (inner.height as usize).saturating_sub(1).max(1);
            let offset = (sel + 1).saturating_sub(rows);
            for (i, u) in users.iter().enumerate().skip(offset).take(rows) {
                let text = format!(
                    "{} {}  on {} of {} node{}",
                    if i == sel { "▶" } else { " " },
                    printable(&u.username),
                    u.nodes,
                    u.of,
                    if u.of == 1 { "" } else { "s" }
                );
                out.push(if i == sel {
                    Line::styled(text, app.theme.selected())
                } else {
                    Line::raw(text)
                });
            }
            out
        }
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
