//! The credentials screen: the current and the previous credential of a rotation, passwords
//! masked until revealed, and where applications read them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::engine::SlotView;
use crate::model::sensitive::MASK;
use crate::tui::app::{App, Loadable};
use crate::tui::theme::Tone;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(state) = &app.credentials else {
        return;
    };
    let r = app.rotation(state.rotation_id);
    let title = match r {
        Some(r) => format!(
            " Credentials · {} ({} {}) ",
            r.name, r.environment, r.secret_path
        ),
        None => " Credentials ".to_string(),
    };
    let block = crate::tui::widgets::pane(app, title, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [table_area, notes] = super::split_top(inner, 4);
    match &state.creds {
        Loadable::Loading => frame.render_widget(
            Paragraph::new(Line::styled(
                format!("{} Opening the credentials…", super::spinner(app.now)),
                app.theme.tone(Tone::Busy),
            )),
            table_area,
        ),
        Loadable::Failed(e) => frame.render_widget(
            Paragraph::new(Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error)))
                .wrap(Wrap { trim: false }),
            table_area,
        ),
        Loadable::Ready(creds) => {
            let row = |role: &str, v: Option<&SlotView>| -> Row {
                match v {
                    Some(v) => Row::new(vec![
                        Cell::from(v.slot.index().to_string()),
                        Cell::from(role.to_string()),
                        Cell::from(v.username.clone()),
                        // A revealed password gets its own wrapped lines below: a cell
                        // would cut it, and a cut password copied by hand fails to AUTH.
                        Cell::from(if state.revealed {
                            format!(
                                "shown below ({} chars)",
                                v.password.expose().chars().count()
                            )
                        } else {
                            MASK.to_string()
                        }),
                        Cell::from(app.zone.datetime(v.created_at)),
                    ]),
                    None => Row::new(vec![
                        Cell::from(""),
                        Cell::from(role.to_string()),
                        Cell::from("— none until the first rotation"),
                    ]),
                }
            };
            let user_w = [Some(&creds.active), creds.previous.as_ref()]
                .iter()
                .flatten()
                .map(|v| v.username.chars().count() as u16)
                .max()
                .unwrap_or(8)
                .clamp(8, 40);
            let table = Table::new(
                vec![
                    row("current", Some(&creds.active)),
                    row("previous", creds.previous.as_ref()),
                ],
                [
                    Constraint::Length(4),
                    Constraint::Length(9),
                    Constraint::Length(user_w),
                    Constraint::Fill(1),
                    Constraint::Length(20),
                ],
            )
            .header(
                Row::new(["Slot", "Role", "Username", "Password", "Created"])
                    .style(app.theme.title()),
            )
            .row_highlight_style(app.theme.selected());
            let mut ts = TableState::default().with_selected(Some(state.row));
            frame.render_stateful_widget(table, table_area, &mut ts);
        }
    }
    let mut lines = vec![Line::default()];
    if let (true, Loadable::Ready(creds)) = (state.revealed, &state.creds) {
        for (role, v) in [
            ("current", Some(&creds.active)),
            ("previous", creds.previous.as_ref()),
        ] {
            let Some(v) = v else { continue };
            lines.push(Line::styled(
                format!("Slot {} ({role}) password, {}:", v.slot.index(), v.username),
                app.theme.title(),
            ));
            // Wrapped by character, never by word: a password has no spaces to break at.
            let width = notes.width.max(1) as usize;
            let chars: Vec<char> = v.password.expose().chars().collect();
            for chunk in chars.chunks(width) {
                lines.push(Line::raw(chunk.iter().collect::<String>()));
            }
            lines.push(Line::default());
        }
    }
    lines.push(Line::raw(
        "Both credentials authenticate: the previous one stays valid until the next rotation re-keys it.",
    ));
    if let Some(r) = r {
        lines.push(Line::raw(format!(
            "Applications read {} and {} in {} {}.",
            r.secrets_mapping.username, r.secrets_mapping.password, r.environment, r.secret_path
        )));
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        if state.revealed {
            "Shown whole above. r hides them; c copies the selected one (OSC 52)."
        } else {
            "Passwords are masked. r reveals them; c copies the selected one (OSC 52)."
        },
        app.theme.muted(),
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), notes);
}
