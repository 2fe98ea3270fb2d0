//! The detail pane of the selected rotation: connection and nodes, schedule, parameters,
//! mapping, both credential slots (password masked) with their live sessions, the last message,
//! and the progress of a running rotation. Its History tab is `history`.

pub(crate) mod history;

use crate::model::text::printable;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::model::Rotation;
use crate::model::sensitive::MASK;
use crate::tui::app::{App, Loadable, Pane, RotationTab};
use crate::tui::theme::Tone;
use crate::tui::widgets::badge;
use crate::tui::widgets::hang::hang_all;

/// The width of the label column; a value too long for its column continues under it.
const LABEL: usize = 12;

fn field(app: &App, label: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<LABEL$}"), app.theme.title()),
        Span::raw(value.into()),
    ])
}

/// A labelled line all in one style (a warning, an error); its label is a span of its own so
/// that a long value hangs under the value, not under the label.
fn toned(label: &str, value: String, style: ratatui::style::Style) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<LABEL$}"), style),
        Span::styled(value, style),
    ])
}

/// Whether every node holds both credentials: one line when all do, else one per node that
/// does not ("✗ 10.0.0.6:6379 missing slot 0"). Nothing until it was asked for.
fn sync_lines(app: &App, r: &Rotation) -> Vec<Line<'static>> {
    match app.sync.get(&r.id) {
        None => Vec::new(),
        Some(Loadable::Loading) => vec![field(app, "Sync", "checking…")],
        Some(Loadable::Failed(e)) => vec![toned(
            "Sync",
            format!("? not checked: {e}"),
            app.theme.tone(Tone::Warn),
        )],
        Some(Loadable::Ready(nodes)) if nodes.iter().all(|n| n.status.is_in_sync()) => {
            vec![Line::from(vec![
                Span::styled(format!("{:<12}", "Sync"), app.theme.title()),
                Span::styled(
                    format!(
                        "✓ all {} node{} hold both credentials",
                        nodes.len(),
                        if nodes.len() == 1 { "" } else { "s" }
                    ),
                    app.theme.tone(Tone::Ok),
                ),
            ])]
        }
        Some(Loadable::Ready(nodes)) => nodes
            .iter()
            .filter(|n| !n.status.is_in_sync())
            .enumerate()
            .map(|(i, n)| {
                toned(
                    if i == 0 { "Sync" } else { "" },
                    format!("✗ {} {}", n.node, n.status),
                    app.theme.tone(Tone::Warn),
                )
            })
            .collect(),
    }
}

/// The facts; `compact` when the pane is split in two columns (shorter dates and wording).
fn left(app: &App, r: &Rotation, compact: bool) -> Vec<Line<'static>> {
    let when = |t| {
        if compact {
            app.zone.month_day(t)
        } else {
            app.zone.datetime(t)
        }
    };
    let mut out = Vec::new();
    let (sym, words, tone) = badge::badge(r, app.now, app.is_running(r.id));
    out.push(Line::from(vec![
        Span::styled(format!("{sym} {words}"), app.theme.tone(tone)),
        Span::styled(
            format!("  {} {}", r.environment, r.secret_path),
            app.theme.muted(),
        ),
    ]));
    if let Some(d) = &r.description {
        out.push(Line::styled(printable(d).into_owned(), app.theme.muted()));
    }
    let at = r.rotate_at_utc;
    let (lh, lm) = app
        .zone
        .utc_to_local(u32::from(at.hours), u32::from(at.minutes), app.now);
    let every = format!(
        "{} day{}",
        r.rotation_interval,
        if r.rotation_interval == 1 { "" } else { "s" }
    );
    let auto = if r.is_auto_rotation_enabled {
        "on"
    } else {
        "off"
    };
    let zone = app.zone.label(app.now);
    out.push(field(
        app,
        "Schedule",
        if compact {
            format!("{every}, {lh:02}:{lm:02} {zone}, auto {auto}")
        } else {
            format!("every {every} at {lh:02}:{lm:02} {zone} · auto-rotation {auto}")
        },
    ));
    out.push(field(
        app,
        "Next",
        match r.next_rotation_at {
            Some(t) => format!("{} ({})", when(t), crate::tui::time::countdown(app.now, t)),
            None => "— (auto-rotation disabled)".into(),
        },
    ));
    if let Some(retry) = &r.retry
        && let Some(next) = retry.next_attempt_at
    {
        out.push(field(
            app,
            "Retry",
            format!(
                "{} failed attempt{}; next {}",
                retry.attempts,
                if retry.attempts == 1 { "" } else { "s" },
                when(next)
            ),
        ));
    }
    // A hold is shown with the credentials (right column, wrapped); the policy alone here.
    if let Some(hours) = r
        .parameters
        .straggler_policy
        .max_wait_hours
        .filter(|_| r.held.is_none() && !r.parameters.straggler_policy.is_rotate())
    {
        out.push(field(
            app,
            "Stragglers",
            format!("a due re-key waits up to {hours} h while sessions remain"),
        ));
    }
    out.push(field(
        app,
        "Last",
        r.last_rotated_at.map_or("never rotated".to_string(), when),
    ));
    match app.doc.connections.iter().find(|c| c.id == r.connection_id) {
        Some(c) => {
            let report = app.reports.get(&c.id);
            // In a column, the node lines below carry the addresses: the row goes to them.
            let nodes_shown = matches!(report, Some(Loadable::Ready(rep)) if !rep.nodes.is_empty());
            let address = if compact && nodes_shown {
                String::new()
            } else {
                format!(" {}", c.address())
            };
            out.push(field(
                app,
                "Connection",
                format!(
                    "{}{address} · {}{}",
                    c.name,
                    c.topology,
                    if c.tls.enabled { " · TLS" } else { "" }
                ),
            ));
            match report {
                Some(Loadable::Ready(rep)) => {
                    for n in &rep.nodes {
                        out.push(match &n.error {
                            Some(e) => toned(
                                "",
                                format!("✗ {} {e}", n.address),
                                app.theme.tone(Tone::Error),
                            ),
                            None => field(
                                app,
                                "",
                                format!(
                                    "✓ {} {} {} · {}",
                                    n.address,
                                    n.role.as_deref().unwrap_or("?"),
                                    n.server_label().unwrap_or_default(),
                                    n.persistence.map_or("?".to_string(), |p| p.to_string())
                                ),
                            ),
                        });
                    }
                }
                Some(Loadable::Loading) => out.push(field(app, "Nodes", "testing…")),
                Some(Loadable::Failed(e)) => out.push(toned(
                    "Nodes",
                    format!("✗ {e}"),
                    app.theme.tone(Tone::Error),
                )),
                None => out.push(field(app, "Nodes", "not tested yet (t tests them)")),
            }
        }
        None => out.push(toned(
            "Connection",
            "✗ missing (removed?)".into(),
            app.theme.tone(Tone::Error),
        )),
    }
    if r.is_one_user() {
        // Only two-users has nothing to say here: its users show in the slots below.
        out.push(field(
            app,
            "Strategy",
            format!(
                "one-user: {} holds two passwords",
                r.username_for(r.active_index)
            ),
        ));
    }
    if r.manages_permissions() {
        out.push(field(app, "Scope", r.parameters.permission_scope.clone()));
    } else {
        out.push(field(
            app,
            "Scope",
            "the default user's own (never changed)",
        ));
    }
    let p = &r.parameters.password_requirements;
    out.push(field(
        app,
        "Password",
        crate::tui::wording::password_rules(
            u64::from(p.length),
            u64::from(p.required.digits),
            u64::from(p.required.lowercase),
            u64::from(p.required.uppercase),
            u64::from(p.required.symbols),
            &p.allowed_symbols,
        ),
    ));
    out.push(field(
        app,
        "Mapping",
        format!(
            "{} · {}",
            r.secrets_mapping.username, r.secrets_mapping.password
        ),
    ));
    for (i, s) in r.sinks.iter().enumerate() {
        out.push(field(
            app,
            if i == 0 { "Sinks" } else { "" },
            printable(&s.summary()).into_owned(),
        ));
    }
    out
}

fn right(app: &App, r: &Rotation) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(h) = &r.held {
        out.push(Line::styled(
            format!(
                "⏸ Held: {} session{} still use{} {}; the re-key waits until they leave, {} at the latest · r rotates now",
                h.sessions,
                if h.sessions == 1 { "" } else { "s" },
                if h.sessions == 1 { "s" } else { "" },
                h.username,
                app.zone.datetime(h.until)
            ),
            app.theme.tone(Tone::Warn),
        ));
    }
    if let Some(p) = app.progress.get(&r.id) {
        let head = if p.running() {
            format!("{} Rotating", crate::tui::screens::spinner(app.now))
        } else {
            "Last run".to_string()
        };
        out.push(Line::styled(
            format!("{head}: {}", p.summary()),
            app.theme.tone(Tone::Busy),
        ));
        match &p.finished {
            Some(Ok(m)) => out.push(Line::styled(format!("✓ {m}"), app.theme.tone(Tone::Ok))),
            Some(Err(m)) => out.push(Line::styled(format!("✗ {m}"), app.theme.tone(Tone::Error))),
            None => {}
        }
    }
    // A run that just failed printed its error above; the stored message says the same.
    let printed_failure = app
        .progress
        .get(&r.id)
        .is_some_and(|p| matches!(p.finished, Some(Err(_))));
    if let Some(m) = r
        .last_rotation_message
        .as_ref()
        .filter(|_| !printed_failure)
    {
        out.push(Line::styled(
            format!("✗ {}", printable(m)),
            app.theme.tone(Tone::Error),
        ));
    }
    out.extend(sync_lines(app, r));
    let sessions = app.sessions.get(&r.id);
    for slot in [r.active_index, r.active_index.other()] {
        let active = slot == r.active_index;
        let mark = if active { "●" } else { "○" };
        let role = if active { "active" } else { "previous" };
        match r.slot(slot) {
            Some(c) => {
                out.push(Line::from(vec![
                    Span::styled(
                        format!("{mark} slot {} ", slot.index()),
                        app.theme.tone(if active { Tone::Ok } else { Tone::Normal }),
                    ),
                    Span::raw(format!("{}  {MASK}  {role}", c.username)),
                ]));
                let live = match sessions {
                    Some(Loadable::Ready(counts)) => {
                        let s = counts[slot.index()];
                        let mut t = format!(
                            "{} session{} · {} failed AUTH{}",
                            s.sessions,
                            if s.sessions == 1 { "" } else { "s" },
                            s.failed_auths,
                            if s.failed_auths == 1 { "" } else { "s" }
                        );
                        if s.unreachable > 0 {
                            t.push_str(&format!(" · {} node(s) unreachable", s.unreachable));
                        }
                        t
                    }
                    Some(Loadable::Loading) => "sessions …".into(),
                    Some(Loadable::Failed(_)) => "sessions ?".into(),
                    None => String::new(),
                };
                out.push(Line::styled(
                    format!("  {live} · created {}", app.zone.short(c.created_at)),
                    app.theme.muted(),
                ));
                // Sessions over the last hour: stragglers draining before the next re-key.
                if let Some(h) = app.session_history.get(&r.id).filter(|h| h.len() > 1) {
                    let max = h.slot(0).into_iter().chain(h.slot(1)).max().unwrap_or(0);
                    out.push(Line::from(vec![
                        Span::styled("  last hour ", app.theme.muted()),
                        Span::styled(
                            crate::tui::health::sparkline(&h.slot(slot.index()), max, 36),
                            app.theme.tone(if active { Tone::Ok } else { Tone::Warn }),
                        ),
                        Span::styled(format!(" max {max}"), app.theme.muted()),
                    ]));
                }
            }
            None => out.push(Line::styled(
                format!(
                    "{mark} slot {} {}  empty until the first rotation",
                    slot.index(),
                    r.username_for(slot)
                ),
                app.theme.muted(),
            )),
        }
    }
    if let Some(Loadable::Failed(e)) = sessions {
        out.push(Line::styled(
            format!("sessions: {e}"),
            app.theme.tone(Tone::Error),
        ));
    }
    out
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.dashboard.focus == Pane::Detail;
    let Some(r) = app.selected_rotation() else {
        let block = crate::tui::widgets::pane(app, " Details ".into(), focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(
            Paragraph::new(Line::styled("No rotation selected.", app.theme.muted())),
            inner,
        );
        return;
    };
    let title = if app.dashboard.zoom {
        // The selected tab in brackets: shown in words, not by colour alone.
        let (h, d) = match app.dashboard.tab {
            RotationTab::History => ("[History]", "Details"),
            RotationTab::Details => ("History", "[Details]"),
        };
        format!(" {} · {h} {d} · Tab switches · Esc back ", r.name)
    } else {
        format!(" {} ", r.name)
    };
    let block = crate::tui::widgets::pane(app, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let scroll = (app.dashboard.detail_scroll, 0);
    if app.dashboard.zoom && app.dashboard.tab == RotationTab::History {
        frame.render_widget(
            Paragraph::new(history::lines(app, r))
                .wrap(Wrap { trim: false })
                .scroll(scroll),
            inner,
        );
        return;
    }
    let (l, rt) = (left(app, r, false), right(app, r));
    // One column when it all fits or the pane is narrow; else two, the facts compact. Either
    // way a fact too long for its column continues under its value, never cut.
    let fits = inner.height as usize > l.len() + rt.len();
    if fits || inner.width < 76 {
        let mut all = hang_all(&l, usize::from(inner.width), LABEL);
        all.push(Line::default());
        all.extend(rt);
        frame.render_widget(
            Paragraph::new(all)
                .wrap(Wrap { trim: false })
                .scroll(scroll),
            inner,
        );
    } else {
        let [a, b] =
            Layout::horizontal([Constraint::Percentage(52), Constraint::Fill(1)]).areas(inner);
        let a = Rect {
            width: a.width.saturating_sub(1),
            ..a
        };
        let l = hang_all(&left(app, r, true), usize::from(a.width), LABEL);
        frame.render_widget(Paragraph::new(l).scroll(scroll), a);
        frame.render_widget(
            Paragraph::new(rt).wrap(Wrap { trim: false }).scroll(scroll),
            b,
        );
    }
}
