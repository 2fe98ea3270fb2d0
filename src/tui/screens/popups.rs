//! Draws the popup stack, bottom to top: confirmations, the delete dialog, rotation progress,
//! connection test reports, messages and the help.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::tui::app::{App, Loadable};
use crate::tui::popup::{DeleteDialog, DeleteFocus, Popup};
use crate::tui::theme::Tone;

/// A bordered, cleared box sized to its lines.
fn boxed(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    title: &str,
    lines: Vec<Line>,
    tone: Tone,
    max_width: u16,
) {
    let width = max_width.min(area.width.saturating_sub(4));
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let height: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum::<usize>()
        + 2;
    let popup = super::centered(area, width, height as u16);
    frame.render_widget(Clear, popup);
    let border = match tone {
        Tone::Normal => app.theme.focus(),
        t => app.theme.tone(t),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(format!(" {title} "), app.theme.title()));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        popup,
    );
}

fn keys_line(app: &App, keys: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (k, w) in keys {
        spans.push(Span::styled(k.to_string(), app.theme.key()));
        spans.push(Span::raw(format!(" {w}   ")));
    }
    Line::from(spans)
}

fn delete_lines(app: &App, d: &DeleteDialog) -> Vec<Line<'static>> {
    let check = |on: bool| if on { "[x]" } else { "[ ]" };
    let focus = |f: DeleteFocus| {
        if d.focus == f {
            app.theme.selected()
        } else {
            app.theme.tone(Tone::Normal)
        }
    };
    let mut lines = vec![
        Line::raw("The rotation stops; nothing happens on the next due date."),
        Line::default(),
        Line::styled(
            format!(
                "{} Revoke users {} and {} on every node",
                check(d.revoke),
                d.users[0],
                d.users[1]
            ),
            focus(DeleteFocus::Revoke),
        ),
        Line::styled(
            format!(
                "{} Delete secrets {} and {}",
                check(d.delete_secrets),
                d.secrets[0],
                d.secrets[1]
            ),
            focus(DeleteFocus::Secrets),
        ),
        Line::default(),
    ];
    let stays = d.stays();
    if stays.is_empty() {
        lines.push(Line::styled(
            "Nothing stays: users revoked, secrets deleted.",
            app.theme.tone(Tone::Warn),
        ));
    } else {
        lines.push(Line::styled("What stays:", app.theme.title()));
        lines.extend(stays.into_iter().map(|s| Line::raw(format!("· {s}"))));
    }
    lines.push(Line::default());
    let mut typed = vec![Span::raw(format!("Type {} to confirm: ", d.name))];
    typed.extend(d.typed.spans(d.focus == DeleteFocus::Name, 24, &app.theme));
    lines.push(Line::from(typed));
    if d.nudge {
        lines.push(Line::styled(
            format!("✗ type the name `{}` exactly to delete", d.name),
            app.theme.tone(Tone::Error),
        ));
    }
    lines.push(Line::default());
    lines.push(keys_line(
        app,
        &[
            ("Space", "tick"),
            ("Tab", "move"),
            ("Enter", "delete"),
            ("Esc", "cancel"),
        ],
    ));
    lines
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App) {
    for popup in &app.popups {
        match popup {
            Popup::Confirm(c) => {
                let mut lines: Vec<Line> = c.lines.iter().map(|l| Line::raw(l.clone())).collect();
                lines.push(Line::default());
                lines.push(keys_line(app, &[("y", c.yes_label), ("n", "cancel")]));
                boxed(frame, area, app, &c.title, lines, Tone::Normal, 72);
            }
            Popup::Delete(d) => {
                let title = format!("Delete {}?", d.name);
                boxed(
                    frame,
                    area,
                    app,
                    &title,
                    delete_lines(app, d),
                    Tone::Error,
                    76,
                );
            }
            Popup::Progress { rotation_id, name } => {
                let mut lines = Vec::new();
                let mut tone = Tone::Busy;
                match app.progress.get(rotation_id) {
                    Some(p) => {
                        let last = p.steps.len().saturating_sub(1);
                        for (i, step) in p.steps.iter().enumerate() {
                            let failed = step.nodes.iter().any(|(_, ok)| !ok);
                            let current = i == last && p.running();
                            let ok = step.nodes.iter().filter(|(_, ok)| *ok).count();
                            let nodes = if step.nodes.is_empty() {
                                String::new()
                            } else {
                                format!(" {ok}/{} nodes", step.nodes.len())
                            };
                            let mark = if failed {
                                "✗"
                            } else if current {
                                super::spinner(app.now)
                            } else {
                                "✓"
                            };
                            lines.push(Line::raw(format!("{mark} {}{nodes}", step.step)));
                            for (node, _) in step.nodes.iter().filter(|(_, ok)| !ok) {
                                lines.push(Line::styled(
                                    format!("    ✗ {node}"),
                                    app.theme.tone(Tone::Error),
                                ));
                            }
                        }
                        match &p.finished {
                            None => lines.push(Line::styled(
                                format!("{} working…", super::spinner(app.now)),
                                app.theme.tone(Tone::Busy),
                            )),
                            Some(Ok(m)) => {
                                tone = Tone::Ok;
                                lines
                                    .push(Line::styled(format!("✓ {m}"), app.theme.tone(Tone::Ok)));
                            }
                            Some(Err(m)) => {
                                tone = Tone::Error;
                                lines.push(Line::styled(
                                    format!("✗ {m}"),
                                    app.theme.tone(Tone::Error),
                                ));
                                lines.push(Line::raw("The active credential was left untouched."));
                            }
                        }
                    }
                    None => lines.push(Line::raw("Starting…")),
                }
                lines.push(Line::default());
                // Only a running rotation "continues"; an ended one is just closed.
                let running = app.progress.get(rotation_id).is_some_and(|p| p.running());
                lines.push(keys_line(
                    app,
                    &[(
                        "Esc",
                        if running {
                            "close (the rotation continues)"
                        } else {
                            "close"
                        },
                    )],
                ));
                boxed(
                    frame,
                    area,
                    app,
                    &format!("Rotating {name}"),
                    lines,
                    tone,
                    72,
                );
            }
            Popup::Report {
                connection_id,
                name,
            } => {
                let (mut lines, tone) = match app.reports.get(connection_id) {
                    Some(Loadable::Ready(r)) => (
                        crate::tui::widgets::report::report_lines(r, app, area.width.min(100) - 6),
                        if r.ok() { Tone::Ok } else { Tone::Error },
                    ),
                    Some(Loadable::Failed(e)) => (
                        vec![Line::styled(format!("✗ {e}"), app.theme.tone(Tone::Error))],
                        Tone::Error,
                    ),
                    _ => (
                        vec![Line::styled(
                            format!("{} Testing every node…", super::spinner(app.now)),
                            app.theme.tone(Tone::Busy),
                        )],
                        Tone::Busy,
                    ),
                };
                lines.push(Line::default());
                lines.push(keys_line(app, &[("Esc", "close")]));
                boxed(
                    frame,
                    area,
                    app,
                    &format!("Test of {name}"),
                    lines,
                    tone,
                    100,
                );
            }
            Popup::Message(m) => {
                let mut lines: Vec<Line> = m.lines.iter().map(|l| Line::raw(l.clone())).collect();
                lines.push(Line::default());
                lines.push(keys_line(app, &[("Enter", "close")]));
                boxed(frame, area, app, &m.title, lines, m.tone, 72);
            }
            Popup::Help { scroll } => super::help::render(frame, area, app, *scroll),
        }
    }
}
