//! The connections screen: every stored connection, how many rotations use it, and the
//! per-node report of its last test (address, role, version, round trip, ACL permissions, how
//! ACL changes persist) with the problems and warnings in words.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::engine::ConnectionReport;
use crate::tui::app::{App, Loadable};
use crate::tui::theme::Tone;

/// The per-node report as lines (shared by the form, the wizard and the report popup).
pub fn report_lines(report: &ConnectionReport, app: &App) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        format!(
            "{:<22} {:<8} {:<8} {:>8}  {:<7} {:<7} {}",
            "Node", "Role", "Version", "RTT", "SETUSER", "DELUSER", "Persists ACLs"
        ),
        app.theme.title(),
    )];
    let yes = |b: bool| if b { "✓" } else { "✗" };
    for n in &report.nodes {
        match &n.error {
            Some(e) => out.push(Line::styled(
                format!("{:<22} ✗ {e}", n.address),
                app.theme.tone(Tone::Error),
            )),
            None => out.push(Line::raw(format!(
                "{:<22} {:<8} {:<8} {:>8}  {:<7} {:<7} {}",
                n.address,
                n.role.as_deref().unwrap_or("?"),
                n.version.as_deref().unwrap_or("?"),
                n.rtt.map_or("?".to_string(), |d| format!(
                    "{:.1} ms",
                    d.as_secs_f64() * 1000.0
                )),
                yes(n.can_set_user),
                yes(n.can_del_user),
                n.persistence.map_or("?".to_string(), |p| match p {
                    crate::redis::Persistence::None => "none ⚠".to_string(),
                    other => other.to_string(),
                }),
            ))),
        }
    }
    for p in &report.problems {
        out.push(Line::styled(format!("✗ {p}"), app.theme.tone(Tone::Error)));
    }
    for w in &report.warnings {
        out.push(Line::styled(format!("⚠ {w}"), app.theme.tone(Tone::Warn)));
    }
    if report.ok() {
        out.push(Line::styled(
            format!(
                "✓ usable: {} node{} answered and allow ACL changes",
                report.nodes.len(),
                if report.nodes.len() == 1 { "" } else { "s" }
            ),
            app.theme.tone(Tone::Ok),
        ));
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    if let Some(form) = &app.connections.form {
        super::connection_form::render(frame, area, app, form);
        return;
    }
    let conns = &app.doc.connections;
    let list_h = (conns.len() as u16 + 3).clamp(5, area.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Fill(1)]).areas(area);
    let block = super::dashboard::pane(app, format!(" Connections ({}) ", conns.len()), true);
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
                Row::new(vec![
                    Cell::from(c.name.clone()),
                    Cell::from(c.address()),
                    Cell::from(c.topology.to_string()),
                    Cell::from(c.username.clone()),
                    Cell::from(if c.tls.enabled { "TLS" } else { "plain" }),
                    Cell::from(used.to_string()),
                    Cell::from(tested),
                ])
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Fill(2),
                Constraint::Fill(2),
                Constraint::Length(11),
                Constraint::Length(10),
                Constraint::Length(5),
                Constraint::Length(9),
                Constraint::Length(11),
            ],
        )
        .header(
            Row::new([
                "Name",
                "Address",
                "Topology",
                "Admin",
                "TLS",
                "Rotations",
                "Last test",
            ])
            .style(app.theme.title()),
        )
        .row_highlight_style(app.theme.selected());
        let sel = app.connections.selected.min(conns.len() - 1);
        let mut state = TableState::default().with_selected(Some(sel));
        frame.render_stateful_widget(table, inner, &mut state);
    }
    let selected = conns.get(app.connections.selected.min(conns.len().saturating_sub(1)));
    let title = match selected {
        Some(c) => format!(" Test report · {} ", c.name),
        None => " Test report ".to_string(),
    };
    let block = super::dashboard::pane(app, title, false);
    let inner = block.inner(bottom);
    frame.render_widget(block, bottom);
    let lines = match selected.map(|c| app.reports.get(&c.id)) {
        Some(Some(Loadable::Ready(r))) => report_lines(r, app),
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
