//! The connections screen: every stored connection, how many rotations use it, and the
//! per-node report of its last test (address, role, version, round trip, ACL permissions, how
//! ACL changes persist) with the problems and warnings in words.

use crate::model::text::printable;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::tui::app::{App, Loadable};
use crate::tui::theme::Tone;
use crate::tui::widgets::report::report_lines;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App) {
    if let Some(form) = &app.connections.form {
        crate::tui::widgets::connection_form::render(frame, area, app, form);
        return;
    }
    let conns = &app.doc.connections;
    let list_h = (conns.len() as u16 + 3).clamp(5, area.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Fill(1)]).areas(area);
    let block = crate::tui::widgets::pane(app, format!(" Connections ({}) ", conns.len()), true);
    let inner = block.inner(top);
    frame.render_widget(block, top);
    if conns.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "No connections yet. Press a to add one: an admin user allowed to run ACL SETUSER.",
                app.theme.muted(),
            )),
            inner,
        );
    } else {
        let wide = inner.width >= 100;
        let rows: Vec<Row> = conns
            .iter()
            .map(|c| {
                let used = app
                    .doc
                    .rotations
                    .iter()
                    .filter(|r| r.connection_id == c.id)
                    .count();
                let tested = match app.reports.get(&c.id) {
                    Some(Loadable::Ready(r)) if r.ok() => {
                        Span::styled("✓ ok", app.theme.tone(Tone::Ok))
                    }
                    Some(Loadable::Ready(_)) | Some(Loadable::Failed(_)) => {
                        Span::styled("✗ problems", app.theme.tone(Tone::Error))
                    }
                    Some(Loadable::Loading) => Span::styled("testing…", app.theme.tone(Tone::Busy)),
                    None => Span::styled("not tested", app.theme.muted()),
                };
                let mut cells = vec![
                    Cell::from(printable(&c.name).into_owned()),
                    Cell::from(c.address()),
                    Cell::from(c.topology.to_string()),
                ];
                if wide {
                    cells.push(Cell::from(printable(&c.username).into_owned()));
                }
                cells.extend([
                    Cell::from(if c.tls.enabled { "TLS" } else { "plain" }),
                    Cell::from(used.to_string()),
                    Cell::from(tested),
                ]);
                Row::new(cells)
            })
            .collect();
        let mut widths = vec![
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(11),
        ];
        let mut header = vec!["Name", "Address", "Topology"];
        if wide {
            widths.push(Constraint::Length(12));
            header.push("Admin user");
        }
        widths.extend([
            Constraint::Length(5),
            Constraint::Length(9),
            Constraint::Length(11),
        ]);
        header.extend(["TLS", "Rotations", "Last test"]);
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(app.theme.title()))
            .row_highlight_style(app.theme.selected());
        let sel = app.connections.selected.min(conns.len() - 1);
        let mut state = TableState::default().with_selected(Some(sel));
        frame.render_stateful_widget(table, inner, &mut state);
    }
    if let Some(state) = &app.connections.leftovers {
        super::leftovers::render(frame, bottom, app, state);
        return;
    }
    let selected = conns.get(app.connections.selected.min(conns.len().saturating_sub(1)));
    let title = match selected {
        Some(c) => format!(" Test report · {} ", c.name),
        None => " Test report ".to_string(),
    };
    let block = crate::tui::widgets::pane(app, title, false);
    let inner = block.inner(bottom);
    frame.render_widget(block, bottom);
    let lines = match selected.map(|c| app.reports.get(&c.id)) {
        Some(Some(Loadable::Ready(r))) => report_lines(r, app, inner.width),
        Some(Some(Loadable::Loading)) => vec![Line::styled(
            format!("{} Testing every node…", super::spinner(app.now)),
            app.theme.tone(Tone::Busy),
        )],
        Some(Some(Loadable::Failed(e))) => {
            vec![Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error))]
        }
        Some(None) => vec![Line::styled(
            "Not tested in this session. Press t: every node is probed without side effects.",
            app.theme.muted(),
        )],
        None => Vec::new(),
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
