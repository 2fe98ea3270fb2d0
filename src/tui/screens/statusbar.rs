//! The two bottom lines: the status (last result, or a summary) and the key hints of the
//! current context, taken from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::RotationStatus;
use crate::tui::app::{App, Screen};
use crate::tui::keymap::{self, Context};
use crate::tui::theme::Tone;

pub(crate) fn render(frame: &mut Frame, status: Rect, footer: Rect, app: &App) {
    let line = match &app.status {
        Some(s) => {
            let sym = match s.tone {
                Tone::Ok => "✓ ",
                Tone::Error => "✗ ",
                Tone::Warn => "⚠ ",
                Tone::Busy => "↻ ",
                _ => "",
            };
            Line::styled(format!(" {sym}{}", s.text), app.theme.tone(s.tone))
        }
        None if matches!(app.screen, Screen::Dashboard | Screen::Connections) => {
            Line::styled(format!(" {}", summary(app)), app.theme.muted())
        }
        None => Line::default(),
    };
    frame.render_widget(Paragraph::new(line), status);
    frame.render_widget(
        Paragraph::new(hints_line(app, footer.width as usize)),
        footer,
    );
}

/// "5 rotations · 1 failed · 1 rotating · 1 paused".
fn summary(app: &App) -> String {
    let rs = &app.doc.rotations;
    let failed = rs
        .iter()
        .filter(|r| r.rotation_status == RotationStatus::Failed)
        .count();
    let rotating = rs
        .iter()
        .filter(|r| r.rotation_status == RotationStatus::Rotating || app.is_running(r.id))
        .count();
    let paused = rs.iter().filter(|r| !r.is_auto_rotation_enabled).count();
    let mut parts = vec![format!(
        "{} rotation{} on {} connection{}",
        rs.len(),
        if rs.len() == 1 { "" } else { "s" },
        app.doc.connections.len(),
        if app.doc.connections.len() == 1 {
            ""
        } else {
            "s"
        }
    )];
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if rotating > 0 {
        parts.push(format!("{rotating} rotating"));
    }
    if paused > 0 {
        parts.push(format!("{paused} paused"));
    }
    parts.join(" · ")
}

/// A toggle's footer word says what pressing it does now: `r hide` while the passwords are
/// shown, `p resume` while the selected rotation is paused.
fn stateful(app: &App, word: &'static str) -> &'static str {
    match word {
        "reveal" if app.credentials.as_ref().is_some_and(|c| c.revealed) => "hide",
        "pause"
            if app
                .selected_rotation()
                .is_some_and(|r| !r.is_auto_rotation_enabled) =>
        {
            "resume"
        }
        w => w,
    }
}

/// The hints that fit, in keymap order; `? help` and `q quit` are kept when anything is cut.
fn hints_line(app: &App, width: usize) -> Line<'static> {
    let ctx = app.context();
    let mut spans = vec![Span::raw(" ")];
    if ctx == Context::Filter {
        spans.push(Span::styled("/", app.theme.key()));
        spans.push(Span::raw(format!("{}  ", app.dashboard.filter.value())));
    }
    let hints = keymap::hints(ctx);
    let tail: Vec<&(String, &str)> = hints.iter().filter(|(k, _)| k == "?" || k == "q").collect();
    let tail_w: usize = tail
        .iter()
        .map(|(k, w)| k.chars().count() + w.len() + 3)
        .sum();
    let mut used: usize = spans.iter().map(Span::width).sum();
    for (key, word) in hints.iter().filter(|(k, _)| k != "?" && k != "q") {
        let word = &stateful(app, word);
        let w = key.chars().count() + word.len() + 3;
        if used + w + tail_w > width {
            break;
        }
        used += w;
        spans.push(Span::styled(key.clone(), app.theme.key()));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    for (key, word) in tail {
        spans.push(Span::styled(key.clone(), app.theme.key()));
        spans.push(Span::raw(format!(" {word}  ")));
    }
    Line::from(spans)
}
