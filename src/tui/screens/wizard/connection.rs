//! Step 1, Connection: drawing. Its state (fields, form, validation) is `state::wizard::connection`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};

use crate::tui::app::{App, Loadable};
use crate::tui::state::wizard::Wizard;
use crate::tui::theme::Tone;
use crate::tui::widgets::connection_form;
use crate::tui::widgets::report::report_lines;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.connection;
    if let Some(form) = &step.form {
        connection_form::render(frame, area, app, form);
        return;
    }
    let body = super::frame::intro(
        frame,
        area,
        app,
        if step.locked {
            "The connection of an existing rotation cannot change."
        } else if app.doc.connections.is_empty() {
            "No Redis connection yet: add one here (Enter on \"+ Add a new connection\"). \
             It will create and re-key this rotation's two users."
        } else {
            "The Redis connection that will create and re-key this rotation's two users: \
             pick one, or add and test a new one."
        },
    );
    let [list_area, info_area] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Fill(1)]).areas(body);
    let mut items: Vec<ListItem> = app
        .doc
        .connections
        .iter()
        .map(|c| ListItem::new(Line::styled(c.name.clone(), app.theme.title())))
        .collect();
    if !step.locked {
        items.push(ListItem::new(Line::styled(
            "+ Add a new connection",
            app.theme.key(),
        )));
    }
    let list = List::new(items)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(app.theme.focus())
                .title(" Redis Connection "),
        )
        .highlight_style(app.theme.selected())
        .highlight_symbol("› ");
    let mut state = ListState::default().with_selected(Some(step.cursor));
    frame.render_stateful_widget(list, list_area, &mut state);

    let mut lines = Vec::new();
    match step
        .selected
        .and_then(|id| app.doc.connections.iter().find(|c| c.id == id))
    {
        Some(c) => {
            lines.push(Line::styled(c.name.clone(), app.theme.title()));
            if let Some(d) = &c.description {
                lines.push(Line::raw(d.clone()));
            }
            lines.push(Line::raw(format!(
                "{} · {} · user {}{}",
                c.address(),
                c.topology,
                c.username,
                if c.tls.enabled { " · TLS" } else { "" }
            )));
            if c.topology == crate::model::TopologyKind::Sentinel {
                lines.push(Line::raw(super::review::sentinel_summary(c)));
            }
            let used = app
                .doc
                .rotations
                .iter()
                .filter(|r| r.connection_id == c.id)
                .count();
            lines.push(Line::styled(
                format!(
                    "used by {used} rotation{}",
                    if used == 1 { "" } else { "s" }
                ),
                app.theme.muted(),
            ));
            lines.push(Line::default());
            match app.reports.get(&c.id) {
                Some(Loadable::Ready(report)) => {
                    lines.extend(report_lines(report, app, info_area.width.saturating_sub(2)))
                }
                Some(Loadable::Loading) => {
                    lines.push(Line::styled("Testing…", app.theme.tone(Tone::Busy)))
                }
                Some(Loadable::Failed(e)) => {
                    lines.push(Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error)))
                }
                None => lines.push(Line::styled(
                    "Not tested in this session (t on the dashboard or connections screen).",
                    app.theme.muted(),
                )),
            }
        }
        None => {
            // One sentence, wrapped by the paragraph (a hard break mid-sentence read broken).
            lines.push(Line::raw(
                "Add a connection: an admin user allowed to run ACL SETUSER and ACL DELUSER. \
                 It is tested before saving.",
            ));
            lines.push(Line::default());
            lines.push(Line::styled(
                "Press Enter to open the form.",
                app.theme.key(),
            ));
        }
    }
    for e in &step.errors {
        lines.push(Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error)));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" Details ")),
        info_area,
    );
}
