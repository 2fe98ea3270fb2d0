//! Drawing: a pure function of `&App`, one module per view. Below 80×24 only a one-line notice
//! is drawn.

pub(crate) mod connections;
pub(crate) mod credentials;
pub(crate) mod dashboard;
pub(crate) mod detail;
pub(crate) mod help;
pub(crate) mod leftovers;
pub(crate) mod popups;
pub(crate) mod scheduler;
pub(crate) mod statusbar;
pub(crate) mod wizard;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Screen};
// Layout helpers live in `widgets::layout` (the connection form draws with them too); they stay
// reachable here for the screens.
pub(crate) use super::widgets::layout::{centered, spinner, split_bottom, split_top};

pub(crate) const MIN_WIDTH: u16 = 80;
pub(crate) const MIN_HEIGHT: u16 = 24;

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
            Some(w) => wizard::frame::render(frame, body, app, w),
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
