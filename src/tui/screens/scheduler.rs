//! The scheduler pane: the event log, newest at the bottom, from the database's events plus
//! those this process's engine announced since the last reload.
//! "14:02:11 ✓ rotated orders-cache → slot 1 (orders-cache-1) in 3.1 ms on 3 nodes".

use crate::model::text::printable;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::{Event, Outcome};
use crate::tui::app::{App, Pane};
use crate::tui::theme::Tone;

pub(crate) fn event_line(app: &App, e: &Event) -> Line<'static> {
    let (sym, tone) = match e.outcome {
        Outcome::Success => ("✓", Tone::Ok),
        Outcome::Failure => ("✗", Tone::Error),
        Outcome::Info => ("·", Tone::Muted),
    };
    Line::from(vec![
        Span::styled(
            format!("{} ", app.zone.log_stamp(e.at, app.now)),
            app.theme.muted(),
        ),
        Span::styled(format!("{sym} "), app.theme.tone(tone)),
        Span::styled(
            printable(&e.message).into_owned(),
            if e.outcome == Outcome::Failure {
                app.theme.tone(Tone::Error)
            } else {
                app.theme.tone(Tone::Normal)
            },
        ),
    ])
}

/// Whether this process holds the scheduler lease or stands by, and who holds it.
fn lease_words(app: &App) -> String {
    use crate::engine::scheduler::SchedulerState;
    let Some((state, holder)) = &app.scheduler else {
        return String::new();
    };
    let who = |h: &crate::engine::lease::LeaseHolder| {
        format!(
            "pid {} on {} since {}",
            h.pid,
            h.host,
            app.zone.log_stamp(h.since, app.now)
        )
    };
    match state {
        SchedulerState::Starting => " · starting".to_string(),
        SchedulerState::Stopped => " · stopped".to_string(),
        SchedulerState::Active { .. } => match holder {
            Some(h) if h.pid == std::process::id() => {
                format!(
                    " · this console holds the lease (since {})",
                    app.zone.log_stamp(h.since, app.now)
                )
            }
            _ => " · this console holds the lease".to_string(),
        },
        SchedulerState::Standby => match holder {
            Some(h) => format!(" · standing by: {} holds the lease", who(h)),
            None => " · standing by: another process holds the lease".to_string(),
        },
    }
}

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.dashboard.focus == Pane::Scheduler;
    let total = app.doc.events.len() + app.live_events.len();
    // Clamped to what fills the pane at this size: after the terminal grows, a scroll kept from
    // a smaller size would leave blank rows and hide the newest events.
    let h = area.height.saturating_sub(2) as usize;
    let scroll = app.dashboard.log_scroll.min(total.saturating_sub(h.max(1)));
    let lease = lease_words(app);
    let title = if scroll > 0 {
        format!(" Scheduler{lease} · event log ({scroll} newer below) ")
    } else {
        format!(" Scheduler{lease} · event log ")
    };
    let block = crate::tui::widgets::pane(app, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = app
        .live_events
        .iter()
        .rev()
        .chain(app.doc.events.iter().rev())
        .skip(scroll)
        .take(h)
        .map(|e| event_line(app, e))
        .collect();
    lines.reverse();
    if lines.is_empty() {
        lines.push(Line::styled(
            "No events yet. Rotations, edits and failures appear here as they happen.",
            app.theme.muted(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
