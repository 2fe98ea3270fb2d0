//! Layout helpers every view uses: splitting off rows, centring a popup, the spinner frame.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};

/// The top `n` rows and the rest.
pub(crate) fn split_top(area: Rect, n: u16) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(n.min(area.height)), Constraint::Fill(1)]).areas(area)
}

/// The rest and the bottom `n` rows.
pub(crate) fn split_bottom(area: Rect, n: u16) -> [Rect; 2] {
    Layout::vertical([Constraint::Fill(1), Constraint::Length(n.min(area.height))]).areas(area)
}

/// A centred box of at most `w`×`h`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A braille spinner frame that moves with the clock (one frame a second; deterministic in
/// tests).
pub(crate) fn spinner(now: DateTime<Utc>) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[now.timestamp().rem_euclid(10) as usize]
}
