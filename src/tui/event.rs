//! The event loop: terminal input, engine notifications, background results and one timer turn
//! into actions for `App::update`; the screen is drawn only when something changed (at most
//! ~30 times a second), and the timer ticks each second only while a countdown or spinner is on
//! screen, so an idle console sleeps.

use std::io::Write;
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use super::action::Action;
use super::app::App;
use super::tasks::{self, Task};
use crate::engine::Engine;
use crate::engine::scheduler::SchedulerState;
use crate::model::Password;

const FRAME: Duration = Duration::from_millis(33);
const TICK: Duration = Duration::from_secs(1);
const POLL: Duration = Duration::from_millis(500);

/// Terminal events the console cares about, as actions.
pub(crate) fn from_terminal(ev: TermEvent) -> Option<Action> {
    match ev {
        TermEvent::Key(k) if k.kind == KeyEventKind::Press => Some(Action::Key(k)),
        TermEvent::Paste(s) => Some(Action::Paste(super::action::Pasted::new(s))),
        TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (also through SSH/tmux
/// when the terminal allows it).
pub(crate) fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

fn apply(app: &mut App, action: Action) {
    let mut next = Some(action);
    while let Some(a) = next {
        next = app.update(a);
    }
}

/// Runs until the operator quits.
pub(crate) async fn run(
    terminal: &mut DefaultTerminal,
    engine: Engine,
    mut app: App,
    health_every: Duration,
    mut scheduler: Option<tokio::sync::watch::Receiver<SchedulerState>>,
) -> color_eyre::Result<()> {
    let mut last_state: Option<SchedulerState> = None;
    let mut input = EventStream::new();
    let mut notices = engine.subscribe();
    let mut notices_open = true;
    let (tx, mut results) = mpsc::unbounded_channel::<Action>();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Health sampling: the first tick is immediate (the selection loads anyway), skip it.
    let mut health =
        tokio::time::interval_at(tokio::time::Instant::now() + health_every, health_every);
    health.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stamp = engine.store().stamp().ok().flatten();
    // A shared database announces other hosts' writes: react to them at once.
    let mut changes = engine.store().changes();
    let mut reload_running = false;
    let mut reload_again = false;
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    app.start();
    if let Ok(size) = terminal.size() {
        apply(&mut app, Action::Resize(size.width, size.height));
    }

    loop {
        for task in app.take_tasks() {
            match task {
                Task::Clipboard(secret) => copy(terminal, &secret)?,
                Task::Reload if reload_running => reload_again = true,
                Task::Reload => {
                    reload_running = true;
                    tasks::spawn(&engine, Task::Reload, &tx);
                }
                other => tasks::spawn(&engine, other, &tx),
            }
        }
        if app.should_quit {
            return Ok(());
        }
        let wait = last_draw.map_or(Duration::ZERO, |t| FRAME.saturating_sub(t.elapsed()));
        if dirty && wait.is_zero() {
            terminal.draw(|f| super::screens::render(f, &app))?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        let frame_due = tokio::time::sleep(wait);
        let ticking = app.needs_ticks();
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    if let Some(action) = from_terminal(ev) {
                        if matches!(action, Action::Resize(..)) {
                            // Repaint every cell at the new size: no fragment of the old
                            // layout may survive (it used to, and showed on the shell at exit).
                            terminal.autoresize()?;
                            terminal.clear()?;
                        }
                        apply(&mut app, action);
                        dirty = true;
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            notice = notices.recv(), if notices_open => match notice {
                Ok(n) => {
                    apply(&mut app, Action::Engine(n));
                    dirty = true;
                }
                // Missed some: the database has them all.
                Err(RecvError::Lagged(_)) => app.tasks.push(Task::Reload),
                Err(RecvError::Closed) => notices_open = false,
            },
            Some(action) = results.recv() => {
                if matches!(action, Action::Reloaded(_)) {
                    reload_running = false;
                    if std::mem::take(&mut reload_again) {
                        app.tasks.push(Task::Reload);
                    }
                }
                apply(&mut app, action);
                dirty = true;
            }
            _ = tick.tick(), if ticking => {
                let step = app.clock_resolution();
                let before = app.now.timestamp().div_euclid(step);
                apply(&mut app, Action::Tick(engine.now()));
                dirty |= app.now.timestamp().div_euclid(step) != before;
            }
            _ = health.tick() => {
                apply(&mut app, Action::Sample);
                // The holder may change while this process stands by: re-read it too.
                last_state = None;
            }
            Some(state) = next_state(&mut scheduler) => {
                if last_state.as_ref() != Some(&state) {
                    last_state = Some(state.clone());
                    let (e, tx) = (engine.clone(), tx.clone());
                    tokio::spawn(async move {
                        let holder = tokio::task::spawn_blocking(move || e.lease_holder())
                            .await
                            .ok()
                            .flatten();
                        let _ = tx.send(Action::Scheduler(state, holder));
                    });
                }
            }
            Some(()) = next_change(&mut changes) => {
                let now = engine.store().stamp().ok().flatten();
                if now != stamp {
                    stamp = now;
                    app.tasks.push(Task::Reload);
                }
            }
            _ = poll.tick() => {
                // Another process (CLI, daemon) may have written: a cheap stat, then a reload.
                let now = engine.store().stamp().ok().flatten();
                if now != stamp {
                    stamp = now;
                    app.tasks.push(Task::Reload);
                }
            }
            _ = frame_due, if dirty => {}
        }
    }
}

/// The next change a shared database's listener hears; pending forever without one.
async fn next_change(rx: &mut Option<tokio::sync::watch::Receiver<u64>>) -> Option<()> {
    match rx {
        Some(r) => {
            if r.changed().await.is_err() {
                *rx = None;
                return None;
            }
            Some(())
        }
        None => std::future::pending().await,
    }
}

/// The scheduler's next state; pending forever when no scheduler runs here (or it ended).
async fn next_state(
    rx: &mut Option<tokio::sync::watch::Receiver<SchedulerState>>,
) -> Option<SchedulerState> {
    match rx {
        Some(r) => {
            if r.changed().await.is_err() {
                *rx = None;
                return None;
            }
            Some(r.borrow_and_update().clone())
        }
        None => std::future::pending().await,
    }
}

fn copy(terminal: &mut DefaultTerminal, secret: &Password) -> std::io::Result<()> {
    let out = terminal.backend_mut();
    out.write_all(osc52(secret.expose()).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_wraps_base64_in_the_clipboard_escape() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
