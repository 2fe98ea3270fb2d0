//! Drawing: a pure function of `&App`, one module per view. Below 80×24 only a one-line notice
//! is drawn.

pub mod connection_form;
pub mod connections;
pub mod credentials;
pub mod dashboard;
pub mod detail;
pub mod help;
pub mod history;
pub mod leftovers;
pub mod popups;
pub mod scheduler;
pub mod statusbar;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Screen};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Draws the whole console for `app`.
pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let (w, h) = (area.width, area.height);
        let notice = [
            format!("Terminal too small: {w}×{h}, need {MIN_WIDTH}×{MIN_HEIGHT} · q quits"),
            format!("Terminal too small: {w}×{h} · q quits"),
            format!("Too small, {MIN_WIDTH}×{MIN_HEIGHT} · q quits"),
            "Too small · q quits".to_string(),
            format!("{MIN_WIDTH}×{MIN_HEIGHT} min"),
        ]
        .into_iter()
        .find(|s| s.chars().count() <= w as usize)
        .unwrap_or_default();
        frame.render_widget(Paragraph::new(notice), area);
        return;
    }
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(frame, header, app);
    match app.screen {
        Screen::Dashboard => dashboard::render(frame, body, app),
        Screen::Connections => connections::render(frame, body, app),
        Screen::Credentials => credentials::render(frame, body, app),
        Screen::Wizard => match &app.wizard {
            Some(w) => super::wizard::frame::render(frame, body, app, w),
            None => dashboard::render(frame, body, app),
        },
    }
    statusbar::render(frame, status, footer, app);
    popups::render(frame, area, app);
}

fn render_header(frame: &mut Frame, area: Rect, app: &App) {
    let mut left = vec![Span::styled(" redis-rotator", app.theme.header())];
    if let Some(t) = &app.title {
        left.push(Span::styled(format!(" · {t}"), app.theme.header()));
    }
    let screen = match app.screen {
        Screen::Dashboard => "Dashboard",
        Screen::Connections => "Connections",
        Screen::Credentials => "Credentials",
        Screen::Wizard => "Rotation wizard",
    };
    left.push(Span::styled(format!("  {screen}"), app.theme.title()));
    let right = format!("{} ", app.zone.datetime(app.now));
    let used: usize = left.iter().map(Span::width).sum();
    let pad = (area.width as usize).saturating_sub(used + right.chars().count());
    left.push(Span::raw(" ".repeat(pad)));
    left.push(Span::styled(right, app.theme.muted()));
    frame.render_widget(Paragraph::new(Line::from(left)), area);
}

/// The top `n` rows and the rest.
pub fn split_top(area: Rect, n: u16) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(n.min(area.height)), Constraint::Fill(1)]).areas(area)
}

/// The rest and the bottom `n` rows.
pub fn split_bottom(area: Rect, n: u16) -> [Rect; 2] {
    Layout::vertical([Constraint::Fill(1), Constraint::Length(n.min(area.height))]).areas(area)
}

/// A centred box of at most `w`×`h`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
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
pub fn spinner(now: DateTime<Utc>) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[now.timestamp().rem_euclid(10) as usize]
}
