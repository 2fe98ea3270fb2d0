//! The connections screen: every stored connection, how many rotations use it, and the
//! per-node report of its last test (address, role, version, round trip, ACL permissions, how
//! ACL changes persist) with the problems and warnings in words.

use crate::model::text::printable;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::engine::ConnectionReport;
use crate::tui::app::{App, Loadable};
use crate::tui::theme::Tone;

/// The per-node report as lines (shared by the form, the wizard and the report popup): a table
/// when `width` allows, one line per node otherwise; then problems, warnings and the verdict.
pub fn report_lines(report: &ConnectionReport, app: &App, width: u16) -> Vec<Line<'static>> {
    let yes = |b: bool| if b { "✓" } else { "✗" };
    let persist = |n: &crate::redis::NodeReport| {
        n.persistence.map_or("?".to_string(), |p| match p {
            crate::redis::Persistence::None => "none ⚠".to_string(),
            other => other.to_string(),
        })
    };
    let table = width >= 74;
    let mut out = Vec::new();
    if table {
        out.push(Line::styled(
            format!(
                "{:<21} {:<7} {:<12} {:>7}  {:<3} {:<3} {}",
                "Node", "Role", "Server", "RTT", "SET", "DEL", "Persist"
            ),
            app.theme.title(),
        ));
    }
    for n in &report.nodes {
        let line = match &n.error {
            Some(e) => Line::styled(format!("✗ {} {e}", n.address), app.theme.tone(Tone::Error)),
            None => {
                let rtt = || {
                    n.rtt.map_or("?".to_string(), |d| {
                        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
                    })
                };
                let role = n.role.as_deref().unwrap_or("?");
                let version = n.server_label().unwrap_or_else(|| "?".into());
                if table {
                    Line::raw(format!(
                        "{:<21} {role:<7} {version:<12} {:>7}  {:<3} {:<3} {}",
                        n.address,
                        rtt(),
                        yes(n.can_set_user),
                        yes(n.can_del_user),
                        persist(n)
                    ))
                } else {
                    let acl_ok = n.can_set_user && n.can_del_user;
                    Line::raw(format!(
                        "{} {} {role} {version} · {}{}",
                        yes(acl_ok),
                        n.address,
                        persist(n),
                        if acl_ok { "" } else { " · ACL refused" }
                    ))
                }
            }
        };
        out.push(line);
    }
    for s in &report.sentinels {
        out.push(match (&s.master, &s.error) {
            (Some(master), _) => Line::raw(format!(
                "Sentinel {} → master {master} ({} other Sentinel{})",
                s.address,
                s.peers,
                if s.peers == 1 { "" } else { "s" }
            )),
            (None, Some(e)) => Line::styled(
                format!("✗ Sentinel {} {e}", s.address),
                app.theme.tone(Tone::Error),
            ),
            (None, None) => Line::styled(
                format!("✗ Sentinel {} did not answer", s.address),
                app.theme.tone(Tone::Error),
            ),
        });
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
    let block = super::dashboard::pane(app, title, false);
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
