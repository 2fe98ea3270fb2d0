//! A connection test's report as lines (one per node: role, server, RTT, permissions,
//! persistence), shared by the connections screen, the connection form and its popup.

use ratatui::text::Line;

use crate::engine::ConnectionReport;
use crate::tui::app::App;
use crate::tui::theme::Tone;

/// The per-node report as lines (shared by the form, the wizard and the report popup): a table
/// when `width` allows, one line per node otherwise; then problems, warnings and the verdict.
pub(crate) fn report_lines(report: &ConnectionReport, app: &App, width: u16) -> Vec<Line<'static>> {
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
