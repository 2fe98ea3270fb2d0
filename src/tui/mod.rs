//! The console: renders from state, turns keys and engine events into actions.
//!
//! Map: `app` (state + `update`), `action` (every intent and result), `event` (the loop),
//! `keymap` (keys as data), `tasks` (engine work off the UI path), `theme`, `time`, `popup`,
//! `progress`, `handlers/` (update, per screen), `state/` (what the connection form and the
//! wizard's six steps hold, validated by the model's own rules; nothing there draws),
//! `screens/` (drawing, per view; `screens/wizard/` draws the steps), `widgets/` (what more
//! than one screen draws: fields, badges, the pane, a connection report, the connection form,
//! layout helpers). No screen imports another screen's module.

pub(crate) mod action;
pub(crate) mod app;
pub(crate) mod event;
mod handlers;
pub(crate) mod health;
pub(crate) mod keymap;
pub(crate) mod popup;
pub(crate) mod progress;
pub(crate) mod screens;
pub(crate) mod state;
pub(crate) mod tasks;
pub(crate) mod theme;
pub(crate) mod time;
pub(crate) mod widgets;
pub(crate) mod wording;

#[cfg(test)]
mod tests;

pub use app::App;
pub use screens::render;

use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};

use crate::engine::Engine;

/// How the console is started.
#[derive(Clone, Debug, Default)]
pub(crate) struct TuiOptions {
    /// `--no-color` (`NO_COLOR` is honoured too).
    pub(crate) no_color: bool,
    /// Shown in the header, e.g. "demo".
    pub(crate) title: Option<String>,
    /// How often node health and live sessions are sampled (`--health-every`; zero means the
    /// default, 10 s).
    pub(crate) health_every: std::time::Duration,
    /// The in-process scheduler's state (holding the lease or standing by), when one runs.
    pub(crate) scheduler:
        Option<tokio::sync::watch::Receiver<crate::engine::scheduler::SchedulerState>>,
}

/// Runs the console on `engine` until the operator quits. The terminal is restored on every
/// path: normal exit, error, and panic (our hook turns bracketed paste off, ratatui's restores
/// raw mode and the screen, then the hook installed before us, e.g. color-eyre's, reports).
pub(crate) async fn run(engine: Engine, options: TuiOptions) -> color_eyre::Result<()> {
    let doc = {
        let e = engine.clone();
        tokio::task::spawn_blocking(move || e.shown_snapshot()).await??
    };
    let app = App::new(
        doc,
        engine.now(),
        time::Zone::Local,
        theme::Theme::from_env(options.no_color),
    )
    .with_title(options.title);
    let mut terminal = ratatui::try_init()?;
    // Pasted text (a long admin password) arrives whole, not as keys; undone on every exit.
    let _ = ratatui::crossterm::execute!(std::io::stdout(), EnableBracketedPaste);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
        // ratatui's hook (installed by `try_init`) restores the terminal, then color-eyre reports.
        previous(info);
    }));
    let every = if options.health_every.is_zero() {
        health::DEFAULT_EVERY
    } else {
        options.health_every
    };
    let result = event::run(&mut terminal, engine, app, every, options.scheduler).await;
    // Blank the alternate screen before leaving it: a terminal (tmux after a resize) that
    // shows some of it on the shell screen then shows nothing.
    let _ = terminal.clear();
    let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}
