//! The status badge of a rotation: "Rotates in N days" (amber under 7 days), "Rotating…",
//! "Auto-rotation disabled", "Rotation failed", "Held: N sessions" (waiting for stragglers),
//! "Interrupted" (a crash stopped it midway). Always a symbol and words, never colour alone.

use chrono::{DateTime, Utc};
use ratatui::text::Span;

use crate::model::{Rotation, RotationStatus};
use crate::tui::theme::{Theme, Tone};
use crate::tui::time;

/// Under this many days the countdown turns amber.
pub(crate) const SOON_DAYS: i64 = 7;

/// The symbol, the words and the tone of a rotation's state.
pub(crate) fn badge(
    r: &Rotation,
    now: DateTime<Utc>,
    running: bool,
) -> (&'static str, String, Tone) {
    if r.rotation_status == RotationStatus::Interrupted && !running {
        // A crash stopped it; the scheduler (here or in another process) finishes it.
        return ("!", "Interrupted".into(), Tone::Warn);
    }
    if running || r.rotation_status == RotationStatus::Rotating {
        return ("↻", "Rotating…".into(), Tone::Busy);
    }
    if r.rotation_status == RotationStatus::Failed {
        return ("✗", "Rotation failed".into(), Tone::Error);
    }
    if !r.is_auto_rotation_enabled {
        return ("‖", "Auto-rotation disabled".into(), Tone::Muted);
    }
    if let Some(h) = &r.held {
        let n = h.sessions;
        return (
            "⏸",
            format!("Held: {n} session{}", if n == 1 { "" } else { "s" }),
            Tone::Warn,
        );
    }
    let Some(next) = r.next_rotation_at else {
        return ("·", "Not scheduled".into(), Tone::Muted);
    };
    let secs = (next - now).num_seconds();
    let tone = if secs < SOON_DAYS * 86_400 {
        Tone::Warn
    } else {
        Tone::Ok
    };
    // Whole days, rounded down as the detail pane's countdown does: 2 days 18 h is "in 2 days".
    let days = time::days_until(now, next);
    let words = match days {
        _ if secs <= 0 => "Rotation due".to_string(),
        _ if secs < 86_400 => format!("Rotates {}", time::countdown(now, next)),
        1 => "Rotates in 1 day".to_string(),
        d => format!("Rotates in {d} days"),
    };
    ("●", words, tone)
}

pub(crate) fn badge_span(
    r: &Rotation,
    now: DateTime<Utc>,
    running: bool,
    theme: &Theme,
) -> Span<'static> {
    let (sym, words, tone) = badge(r, now, running);
    Span::styled(format!("{sym} {words}"), theme.tone(tone))
}
