//! Step 6, Review: every value of the request that will be submitted, the warnings, the exact
//! ACL rule sent to every node (password masked), and any error still standing. Built from the
//! same `RotationRequest` that Create submits.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::request::RotationRequest;
use crate::model::rotation::{DEFAULT_SCOPE, DEFAULT_USER, Strategy};
use crate::model::sensitive::MASK;
use crate::tui::app::App;
use crate::tui::state::wizard::{Step, Wizard};
use crate::tui::theme::Tone;

/// The `ACL SETUSER` line as sent, with the password masked.
pub(crate) fn acl_rule(w: &Wizard, req: &RotationRequest) -> String {
    let base = username_base(w, req);
    let slot = match w.editing() {
        Some(r) => r.inactive_slot().index(),
        None => 0,
    };
    let scope = match &w.check.scope {
        Some(Ok(s)) if !s.tokens.is_empty() => s.normalized(),
        _ => {
            let raw = w
                .parameters
                .scope_text()
                .split_whitespace()
                .collect::<Vec<_>>();
            if raw.is_empty() {
                DEFAULT_SCOPE.to_string()
            } else {
                raw.join(" ")
            }
        }
    };
    if w.parameters.strategy() == Strategy::OneUser {
        let user = w.parameters.username().unwrap_or_default();
        // A new user gets the scope; an existing one (or `default`) keeps its permissions and
        // holds exactly the password that stays and the new one, as hashes.
        let existing = w.editing().is_some() || w.parameters.current_password().is_some();
        return if existing || user == DEFAULT_USER {
            format!("ACL SETUSER {user} on resetpass #{MASK} #{MASK}")
        } else {
            format!("ACL SETUSER {user} reset on #{MASK} {scope}")
        };
    }
    format!("ACL SETUSER {base}-{slot} reset on >{MASK} {scope}")
}

/// What the review says about the Redis users: the strategy and any adoption.
fn users_line(w: &Wizard, req: &RotationRequest) -> String {
    let user = w.parameters.username();
    let adopting = w.editing().is_none() && w.parameters.current_password().is_some();
    if w.parameters.strategy() == Strategy::OneUser {
        let user = user.unwrap_or_default();
        let mut line = format!("{user}, two passwords (one-user: the previous one stays valid)");
        if adopting {
            line.push_str("; adopted: its current password stays valid until the next rotation");
        }
        if user == DEFAULT_USER {
            line.push_str("; only passwords change, never its permissions");
        }
        return line;
    }
    let base = username_base(w, req);
    let mut line = format!("{base}-0 and {base}-1 (dual-phase: the previous one stays valid)");
    if let Some(u) = user.filter(|_| adopting) {
        line.push_str(&format!("; existing user {u} is left untouched"));
    }
    line
}

/// The base of both ACL usernames: fixed once a rotation exists, else the prefix or the name.
pub(crate) fn username_base(w: &Wizard, req: &RotationRequest) -> String {
    if let Some(r) = w.editing() {
        return r.username_base().to_string();
    }
    req.parameters
        .as_ref()
        .and_then(|p| p.username_prefix.clone())
        .filter(|p| !p.is_empty())
        .or_else(|| req.name.clone())
        .unwrap_or_default()
}

fn n(v: &Option<serde_json::Number>) -> String {
    v.as_ref().map_or("?".to_string(), |n| n.to_string())
}

/// A count the review shows (validated before the review is reached).
fn num(v: &Option<serde_json::Number>) -> u64 {
    v.as_ref().and_then(|n| n.as_u64()).unwrap_or(0)
}

const LABEL: usize = 16;

/// A labelled value, wrapped under itself (not under the label).
fn row<'a>(label: &str, value: String, app: &App, width: u16) -> Vec<Line<'a>> {
    styled_row(label, value, app.theme.tone(Tone::Normal), app, width)
}

fn styled_row<'a>(
    label: &str,
    value: String,
    style: ratatui::style::Style,
    app: &App,
    width: u16,
) -> Vec<Line<'a>> {
    let room = (width as usize).saturating_sub(LABEL + 2);
    crate::tui::widgets::wrap(&value, room)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let label = if i == 0 { label } else { "" };
            Line::from(vec![
                Span::styled(format!("{label:>LABEL$}  "), app.theme.title()),
                Span::styled(part, style),
            ])
        })
        .collect()
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let req = w.request(&app.doc, app.zone, app.now);
    let conn = w
        .connection
        .selected
        .and_then(|id| app.doc.connections.iter().find(|c| c.id == id));
    let mut lines = vec![
        Line::styled(
            if w.editing().is_some() {
                "Check every value, then press Enter to save the changes."
            } else {
                "Check every value, then press Enter to create the rotation."
            },
            app.theme.muted(),
        ),
        Line::default(),
    ];
    // A refusal from the server comes first and whole (wrapped): at the bottom of a long
    // review it fell below the fold at 80×24, its cause cut off.
    if let Some(e) = &w.submit_error {
        lines.extend(
            e.message
                .lines()
                .map(|l| Line::styled(format!("✗ {l}"), app.theme.tone(Tone::Error))),
        );
        lines.push(Line::default());
    }
    // An edit says first what it changes, old → new.
    if w.editing().is_some() {
        let changes = crate::tui::state::wizard::diff::changes(&w.initial, &req);
        if changes.is_empty() {
            lines.extend(row("Changes", "none yet".into(), app, area.width));
        }
        for (i, (field, old, new)) in changes.into_iter().enumerate() {
            lines.extend(row(
                if i == 0 { "Changes" } else { "" },
                format!("{field}: {old} → {new}"),
                app,
                area.width,
            ));
        }
        lines.push(Line::default());
    }
    lines.extend(row(
        "Connection",
        conn.map_or("(none)".to_string(), |c| {
            format!("{} ({}, {})", c.name, c.address(), c.topology)
        }),
        app,
        area.width,
    ));
    if let Some(c) = conn.filter(|c| c.topology == crate::model::TopologyKind::Sentinel) {
        lines.extend(row("Sentinel", sentinel_summary(c), app, area.width));
    }
    let at = req.rotate_at_utc.clone().unwrap_or_default();
    let local = match w.configuration.rotate_at_utc(app.zone, app.now) {
        Some(_) => {
            let f = &w.configuration.form;
            format!(
                "{:02}:{:02} {} = ",
                f.number(crate::tui::state::wizard::configuration::Field::Hours)
                    .unwrap_or(0),
                f.number(crate::tui::state::wizard::configuration::Field::Minutes)
                    .unwrap_or(0),
                app.zone.label(app.now)
            )
        }
        None => String::new(),
    };
    lines.extend(row(
        "Configuration",
        format!(
            "every {} at {local}{:0>2}:{:0>2} UTC · auto-rotation {}{}",
            match req.rotation_interval.as_ref().and_then(|v| v.as_u64()) {
                Some(d) => crate::tui::wording::counted(d, "day", "days"),
                None => format!("{} days", n(&req.rotation_interval)),
            },
            n(&at.hours),
            n(&at.minutes),
            if req.is_auto_rotation_enabled == Some(true) {
                "on"
            } else {
                "off"
            },
            match req
                .parameters
                .as_ref()
                .and_then(|p| p.straggler_policy.as_ref())
                .filter(|s| s.mode.as_deref() == Some("wait"))
            {
                Some(s) => format!(" · waits up to {} h for stragglers", n(&s.max_wait_hours)),
                None => String::new(),
            }
        ),
        app,
        area.width,
    ));
    let params = req.parameters.clone().unwrap_or_default();
    let pr = params.password_requirements.unwrap_or_default();
    let rq = pr.required.unwrap_or_default();
    lines.extend(row(
        "Permission scope",
        params
            .permission_scope
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("{DEFAULT_SCOPE} (default)")),
        app,
        area.width,
    ));
    lines.extend(row(
        "Password",
        crate::tui::wording::password_rules(
            num(&pr.length),
            num(&rq.digits),
            num(&rq.lowercase),
            num(&rq.uppercase),
            num(&rq.symbols),
            pr.allowed_symbols.as_deref().unwrap_or_default(),
        ),
        app,
        area.width,
    ));
    let map = req.secrets_mapping.clone().unwrap_or_default();
    lines.extend(row(
        "Secrets Mapping",
        format!(
            "{} {} → {} (username), {} (password)",
            req.environment.clone().unwrap_or_default(),
            req.secret_path.clone().unwrap_or_default(),
            map.username.unwrap_or_default(),
            map.password.unwrap_or_default()
        ),
        app,
        area.width,
    ));
    for (i, sink) in req.sinks.iter().flatten().enumerate() {
        lines.extend(row(
            if i == 0 { "Sinks" } else { "" },
            format!("file {}", crate::tui::state::wizard::sinks::summary(sink)),
            app,
            area.width,
        ));
    }
    let name = req.name.clone().unwrap_or_default();
    lines.extend(row(
        "Name",
        match &req.description {
            Some(d) => format!("{name} — {d}"),
            None => name.clone(),
        },
        app,
        area.width,
    ));
    lines.extend(row("Redis users", users_line(w, &req), app, area.width));
    lines.push(Line::default());
    lines.extend(styled_row(
        "ACL rule sent",
        acl_rule(w, &req),
        app.theme.key(),
        app,
        area.width,
    ));
    if let Some(r) = w.editing()
        && params_scope_changed(r, &req)
    {
        lines.extend(row(
            "",
            "the new scope is applied to both users right away".into(),
            app,
            area.width,
        ));
    }
    let warnings: Vec<String> = match (&w.check.spec, &w.check.scope) {
        (Some(spec), _) => spec.warnings.clone(),
        (None, Some(Ok(scope))) => scope.warnings.clone(),
        _ => Vec::new(),
    };
    if !warnings.is_empty() {
        lines.push(Line::default());
    }
    for warn in warnings {
        // The model names the field as the request does; the console names it as its step does.
        let warn = match warn.strip_prefix("parameters.permissionScope: ") {
            Some(rest) => format!("Permission scope {rest}"),
            None => warn,
        };
        lines.push(Line::styled(
            format!("⚠ {warn}"),
            app.theme.tone(Tone::Warn),
        ));
    }
    let errors: Vec<String> = w
        .check
        .errors
        .iter()
        .map(|e| format!("✗ {e} (step {})", Step::of_path(&e.field).number()))
        .collect();
    if !errors.is_empty() {
        lines.push(Line::default());
    }
    for e in errors {
        lines.push(Line::styled(e, app.theme.tone(Tone::Error)));
    }
    if w.submitting {
        lines.push(Line::default());
        lines.push(Line::styled(
            format!(
                "{} {}",
                crate::tui::screens::spinner(app.now),
                if w.editing().is_some() {
                    "Saving…"
                } else {
                    "Creating: user on every node, persisted, verified…"
                }
            ),
            app.theme.tone(Tone::Busy),
        ));
    }
    draw_scrolled(frame, area, app, w, lines);
}

/// Draws the review from `w.review_scroll`, every line wrapped to the width first so the
/// count is exact; when it does not fit, the last row says what is above and below and how
/// to scroll, so nothing (a warning's end, the ACL rule) is silently below the fold.
fn draw_scrolled(frame: &mut Frame, area: Rect, app: &App, w: &Wizard, lines: Vec<Line<'_>>) {
    let width = usize::from(area.width.max(1));
    let lines: Vec<Line> = lines
        .into_iter()
        .flat_map(|line| wrap_line(line, width))
        .collect();
    let height = usize::from(area.height);
    if lines.len() <= height {
        w.review_scroll_max.set(0);
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let room = height.saturating_sub(1);
    let max = lines.len() - room;
    w.review_scroll_max
        .set(u16::try_from(max).unwrap_or(u16::MAX));
    // While it submits, the progress line at the end is what matters.
    let top = if w.submitting {
        max
    } else {
        usize::from(w.review_scroll).min(max)
    };
    let below = lines.len() - room - top;
    let hint = match (top, below) {
        (0, b) => format!("↓ {} below · ↑/↓ PgUp/PgDn scroll", counted_lines(b)),
        (t, 0) => format!("↑ {} above · ↑/↓ PgUp/PgDn scroll", counted_lines(t)),
        (t, b) => format!(
            "↑ {} above · ↓ {} below",
            counted_lines(t),
            counted_lines(b)
        ),
    };
    let mut shown: Vec<Line> = lines.into_iter().skip(top).take(room).collect();
    shown.push(Line::styled(hint, app.theme.muted()));
    frame.render_widget(Paragraph::new(shown), area);
}

fn counted_lines(n: usize) -> String {
    crate::tui::wording::counted(n as u64, "line", "lines")
}

/// A line split to `width` columns: a one-style line is word-wrapped (its style kept); a line
/// of several spans (already laid out, e.g. a labelled row) is kept whole and wraps hard.
fn wrap_line(line: Line<'_>, width: usize) -> Vec<Line<'_>> {
    if line.width() <= width || line.spans.len() != 1 {
        return vec![line];
    }
    let style = line.style.patch(line.spans[0].style);
    crate::tui::widgets::wrap(&line.spans[0].content, width)
        .into_iter()
        .map(|part| Line::styled(part, style))
        .collect()
}

fn params_scope_changed(r: &crate::model::Rotation, req: &RotationRequest) -> bool {
    req.parameters
        .as_ref()
        .and_then(|p| p.permission_scope.as_deref())
        .is_some_and(|s| {
            s.split_whitespace().collect::<Vec<_>>().join(" ") != r.parameters.permission_scope
        })
}

/// A Sentinel connection in one line: the master name, the Sentinels asked, and their auth
/// (never the password itself).
pub(crate) fn sentinel_summary(c: &crate::model::Connection) -> String {
    let auth = match (&c.sentinel_password, &c.sentinel_username) {
        (Some(_), _) => format!("auth as {} (password ••••••)", c.sentinel_user()),
        (None, Some(user)) => format!("auth as {user}, no password"),
        (None, None) => "no Sentinel auth".to_string(),
    };
    format!(
        "master `{}` via {} · {auth}",
        c.master_name.as_deref().unwrap_or("?"),
        c.nodes.join(", ")
    )
}
