//! What an operator hit at 80×24 and 160×48 (issue 12), each pinned by a test that failed
//! before its fix.

use ratatui::crossterm::event::KeyCode;

use super::fixture::*;
use crate::tui::action::Action;
use crate::tui::app::Screen;

const CURRENT: &str = "fixture-CURRENT-pass-1-0123456789abcdefghijklmno";

fn revealed() -> crate::tui::App {
    let mut app = app();
    keys(&mut app, [ch('j'), ch('j'), ch('v')]);
    send(
        &mut app,
        Action::CredentialsLoaded(id(ORDERS), Ok(credentials())),
    );
    send(&mut app, ch('r'));
    app
}

#[test]
fn a_revealed_password_is_shown_whole_at_80_columns() {
    assert_eq!(CURRENT.len(), 48);
    let app = revealed();
    let out = draw(&app, 80, 24);
    assert!(
        out.contains(CURRENT),
        "the whole password on one line:\n{out}"
    );
    assert!(out.contains("fixture-PREVIOUS-pass-0"));
    assert!(
        out.contains("r hide"),
        "the footer says what r does now:\n{out}"
    );
    assert!(!out.contains("r reveal"));
}

#[test]
fn the_footer_offers_resume_for_a_paused_rotation() {
    let mut app = app();
    let at = app
        .dashboard
        .visible
        .iter()
        .position(|&i| app.doc.rotations[i].id == id(SEARCH))
        .unwrap();
    app.dashboard.selected = at;
    let out = draw(&app, 160, 48);
    assert!(out.contains("p resume"), "{out}");
    assert!(!out.contains("p pause"));
}

#[test]
fn q_in_an_unchanged_wizard_closes_it_and_keeps_the_app() {
    let mut app = app();
    send(&mut app, ch('n'));
    assert_eq!(app.screen, Screen::Wizard);
    send(&mut app, ch('q'));
    assert!(!app.should_quit);
    assert_eq!(app.screen, Screen::Dashboard);
    assert!(app.wizard.is_none());
}

#[test]
fn a_too_small_terminal_says_q_quits_and_ignores_other_keys() {
    let mut app = app();
    send(&mut app, Action::Resize(60, 20));
    assert!(draw(&app, 60, 20).contains("q quits"));
    keys(&mut app, [ch('n'), ch('C'), key(KeyCode::Enter)]);
    assert_eq!(
        app.screen,
        Screen::Dashboard,
        "keys never act on the hidden screen"
    );
    assert!(app.popups.is_empty());
    send(&mut app, ch('q'));
    assert!(app.should_quit);
}

#[test]
fn growing_the_terminal_shows_the_newest_events_again() {
    let mut app = app();
    // Scrolled up by five at a small size; the pane at 160×48 holds every event.
    app.dashboard.log_scroll = 5;
    let out = draw(&app, 160, 48);
    assert!(!out.contains("newer below"), "{out}");
    assert!(out.contains("rotation of billing-queue started"), "{out}");
}

#[test]
fn a_failed_rotation_popup_does_not_say_it_continues_and_the_error_shows_once() {
    let mut app = app();
    let at = app
        .dashboard
        .visible
        .iter()
        .position(|&i| app.doc.rotations[i].id == id(AUTH))
        .unwrap();
    app.dashboard.selected = at;
    keys(&mut app, [ch('r'), ch('y')]);
    let cause = "connection `prod-cache`: 10.9.9.9:6379 is unreachable: timed out";
    send(
        &mut app,
        Action::Rotated(id(AUTH), Err(crate::tui::action::TaskError::new(cause))),
    );
    // The stored rotation says the same as the run (as the engine records it).
    let mut doc = (*app.doc).clone();
    let r = doc.rotations.iter_mut().find(|r| r.id == id(AUTH)).unwrap();
    r.last_rotation_message = Some(cause.to_string());
    app.doc = std::sync::Arc::new(doc);
    let out = draw(&app, 160, 48);
    assert!(!out.contains("the rotation continues"), "{out}");
    assert!(out.contains("Esc close"), "{out}");
    send(&mut app, key(KeyCode::Esc));
    app.status = None; // the status line's own copy is not the detail pane's
    let out = draw(&app, 160, 48);
    assert_eq!(
        out.matches("10.9.9.9:6379 is unreachable").count(),
        1,
        "{out}"
    );
}

#[test]
fn a_rotation_in_another_process_reloads_open_credentials_and_replaces_the_status() {
    let mut app = revealed();
    app.set_status(crate::tui::theme::Tone::Ok, "Rotated orders-cache → slot 0");
    app.take_tasks();
    let mut doc = (*app.doc).clone();
    let r = doc
        .rotations
        .iter_mut()
        .find(|r| r.id == id(ORDERS))
        .unwrap();
    r.active_index = r.active_index.other();
    let seq = doc.next_event_seq;
    doc.events.push_back(event(
        seq,
        now(),
        crate::model::EventKind::Rotated,
        crate::model::Outcome::Success,
        Some(ORDERS),
        "rotated orders-cache → slot 0 (orders-cache-0) in 2.0 ms on 3 nodes",
    ));
    doc.next_event_seq += 1;
    send(&mut app, Action::Reloaded(Ok(std::sync::Arc::new(doc))));
    let c = app.credentials.as_ref().unwrap();
    assert!(
        matches!(c.creds, crate::tui::app::Loadable::Loading),
        "the old pair is not shown as current"
    );
    assert!(
        app.take_tasks()
            .iter()
            .any(|t| matches!(t, crate::tui::tasks::Task::Credentials(r) if *r == id(ORDERS)))
    );
    assert!(
        app.status.as_ref().unwrap().text.contains("in 2.0 ms"),
        "the newer run replaces the stale status"
    );
}

#[test]
fn a_create_refused_by_the_server_shows_its_whole_reason_at_80_columns() {
    let mut app = app();
    send(&mut app, ch('n'));
    for _ in 0..4 {
        send(&mut app, key(KeyCode::Enter));
    }
    crate::tui::tests::fixture::type_text(&mut app, "cart-cache");
    send(&mut app, key(KeyCode::Enter));
    send(&mut app, key(KeyCode::Enter));
    let reason = "connection `prod-cache`: 10.0.0.5:6379 refused ACL SETUSER cart-cache-0: ERR Error in ACL SETUSER modifier '+@al': Unknown command or category name in ACL (fix the permission scope on step 3)";
    send(
        &mut app,
        Action::Created(Err(crate::tui::action::TaskError::new(reason))),
    );
    let out = draw(&app, 80, 24);
    let text: String = out
        .lines()
        .map(|l| l.trim_matches('"').trim_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains(
            "Unknown command or category name in ACL (fix the permission scope on step 3)"
        ),
        "{out}"
    );
}

fn counts(active: usize, inactive: usize) -> [crate::engine::SessionCounts; 2] {
    let one = |n| crate::engine::SessionCounts {
        sessions: n,
        ..Default::default()
    };
    [one(active), one(inactive)]
}

#[test]
fn sampling_rereads_live_sessions_without_queueing_twice_and_charts_them() {
    use crate::tui::tasks::Task;
    let mut app = app();
    keys(&mut app, [ch('j'), ch('j')]);
    let selected = app.selected_rotation().unwrap().clone();
    assert_eq!(selected.id, id(ORDERS), "both slots in use");
    send(
        &mut app,
        Action::SessionsLoaded(selected.id, Ok(counts(0, 0))),
    );
    app.take_tasks();
    send(&mut app, Action::Sample);
    let tasks = app.take_tasks();
    assert!(
        tasks
            .iter()
            .any(|t| matches!(t, Task::Sessions(r) if *r == selected.id))
    );
    assert!(
        tasks
            .iter()
            .any(|t| matches!(t, Task::TestConnection(c) if *c == selected.connection_id))
    );
    send(&mut app, Action::Sample);
    assert!(
        app.take_tasks().is_empty(),
        "a read in flight is not queued again"
    );
    // A client connected since: the count follows (it stayed at 0 before).
    let (a, i) = (
        selected.active_index.index(),
        selected.active_index.other().index(),
    );
    let mut c = counts(0, 0);
    c[i].sessions = 1;
    c[a].sessions = 2;
    send(&mut app, Action::SessionsLoaded(selected.id, Ok(c)));
    let out = draw(&app, 160, 48);
    assert!(out.contains("1 session ·"), "{out}");
    assert!(out.contains("last hour"), "two samples make a chart: {out}");
}
