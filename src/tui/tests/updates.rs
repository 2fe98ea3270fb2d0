//! `App::update` driven by synthetic keys: navigation, the filter, actions on the selected
//! rotation, the popup stack, engine notices and quitting.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::fixture::*;
use crate::engine::{EngineEvent, Step as EngineStep};
use crate::model::{Event, EventKind, Outcome};
use crate::tui::action::Action;
use crate::tui::app::{Pane, Screen};
use crate::tui::popup::Popup;
use crate::tui::tasks::Task;

fn selected_name(app: &crate::tui::App) -> String {
    app.selected_rotation()
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

#[test]
fn rotations_are_listed_by_name_and_arrows_jk_g_move_the_selection() {
    let mut app = app();
    assert_eq!(selected_name(&app), "auth-tokens");
    keys(&mut app, [ch('j'), key(KeyCode::Down)]);
    assert_eq!(selected_name(&app), "orders-cache");
    send(&mut app, ch('G'));
    assert_eq!(selected_name(&app), "sessions-store");
    send(&mut app, ch('g'));
    assert_eq!(selected_name(&app), "auth-tokens");
    send(&mut app, ch('k'));
    assert_eq!(selected_name(&app), "auth-tokens", "stops at the top");
}

#[test]
fn selecting_a_rotation_fetches_its_sessions_and_tests_its_connection_once() {
    let mut app = app();
    app.start();
    send(&mut app, ch('j'));
    let tasks = app.take_tasks();
    assert!(
        matches!(
            tasks.as_slice(),
            [Task::TestConnection(p), Task::Sessions(_), Task::NodeSync(_), Task::TestConnection(s), Task::Sessions(b), Task::NodeSync(c)]
                if *b == id(BILLING) && *c == id(BILLING) && *p == id(PROD) && *s == id(STAGING)
        ),
        "{tasks:?}"
    );
    send(&mut app, ch('k'));
    assert!(
        app.take_tasks().is_empty(),
        "still loading: not asked twice"
    );
}

#[test]
fn key_releases_are_ignored() {
    let mut app = app();
    let mut release = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    send(&mut app, Action::Key(release));
    assert_eq!(selected_name(&app), "auth-tokens");
}

#[test]
fn filter_narrows_by_name_environment_or_path_and_esc_clears_it() {
    let mut app = app();
    send(&mut app, ch('/'));
    type_text(&mut app, "staging");
    assert_eq!(app.dashboard.visible.len(), 1);
    assert_eq!(selected_name(&app), "billing-queue");
    send(&mut app, key(KeyCode::Enter));
    assert!(
        !app.dashboard.filtering,
        "Enter keeps the filter and leaves typing"
    );
    assert_eq!(app.dashboard.visible.len(), 1);
    send(&mut app, key(KeyCode::Esc));
    assert_eq!(app.dashboard.visible.len(), 5);
    send(&mut app, ch('/'));
    type_text(&mut app, "q?");
    assert!(!app.should_quit, "q types while filtering");
    assert!(app.popups.is_empty(), "? types while filtering");
}

#[test]
fn tab_cycles_panes_and_enter_opens_the_rotation_view() {
    let mut app = app();
    send(&mut app, key(KeyCode::Tab));
    assert_eq!(app.dashboard.focus, Pane::Detail);
    send(&mut app, key(KeyCode::BackTab));
    assert_eq!(app.dashboard.focus, Pane::Rotations);
    send(&mut app, ch('l'));
    assert_eq!(app.dashboard.focus, Pane::Detail, "l moves right");
    send(&mut app, ch('h'));
    assert_eq!(app.dashboard.focus, Pane::Rotations, "h moves left");
    send(&mut app, key(KeyCode::Enter));
    assert!(app.dashboard.zoom);
    send(&mut app, key(KeyCode::Esc));
    assert!(!app.dashboard.zoom);
}

#[test]
fn rotate_now_asks_first_then_runs_and_shows_progress() {
    let mut app = app();
    send(&mut app, ch('r'));
    assert!(matches!(app.popups.last(), Some(Popup::Confirm(_))));
    send(&mut app, ch('n'));
    assert!(app.popups.is_empty());
    assert!(app.take_tasks().is_empty(), "nothing happens on no");
    keys(&mut app, [ch('r'), ch('y')]);
    assert!(matches!(app.take_tasks().as_slice(), [Task::Rotate(r)] if *r == id(AUTH)));
    assert!(matches!(app.popups.last(), Some(Popup::Progress { .. })));
    assert!(app.is_running(id(AUTH)));
    send(
        &mut app,
        Action::Engine(EngineEvent::Progress {
            rotation_id: id(AUTH),
            step: EngineStep::Apply,
            node: Some("10.0.0.5:6379".into()),
            ok: true,
            at: std::time::Instant::now(),
        }),
    );
    assert_eq!(app.progress[&id(AUTH)].steps.len(), 1);
    send(&mut app, key(KeyCode::Esc));
    assert!(
        app.popups.is_empty(),
        "the popup closes; the rotation continues"
    );
    assert!(app.is_running(id(AUTH)));
}

#[test]
fn popups_stack_and_the_top_one_gets_keys_first() {
    let mut app = app();
    keys(&mut app, [ch('r'), ch('?')]);
    assert!(
        matches!(app.popups.last(), Some(Popup::Confirm(_))),
        "? is not a key of a confirm"
    );
    send(&mut app, ch('t'));
    assert_eq!(app.popups.len(), 1, "t is not a key of a confirm either");
    send(&mut app, key(KeyCode::Esc));
    send(&mut app, ch('t'));
    assert!(matches!(app.popups.last(), Some(Popup::Report { .. })));
    assert!(matches!(app.take_tasks().as_slice(), [Task::TestConnection(c)] if *c == id(PROD)));
    send(&mut app, ch('?'));
    assert_eq!(app.popups.len(), 1, "notices close with Enter/Esc only");
    send(&mut app, key(KeyCode::Enter));
    assert!(app.popups.is_empty());
}

#[test]
fn delete_needs_the_name_typed_and_carries_the_choices() {
    let mut app = app();
    send(&mut app, ch('d'));
    send(&mut app, key(KeyCode::Char(' ')));
    send(&mut app, key(KeyCode::Enter));
    match app.popups.last() {
        Some(Popup::Delete(d)) => {
            assert!(d.revoke);
            assert!(!d.delete_secrets);
            assert!(d.nudge, "Enter before the name matches explains why");
            assert_eq!(d.stays().len(), 1, "the secrets stay");
        }
        other => panic!("expected the delete dialog, got {other:?}"),
    }
    type_text(&mut app, "auth-tokens");
    send(&mut app, key(KeyCode::Enter));
    assert!(app.popups.is_empty());
    assert!(matches!(
        app.take_tasks().as_slice(),
        [Task::Delete { id: d, revoke: true, delete_secrets: false }] if *d == id(AUTH)
    ));
}

#[test]
fn pause_resume_queues_the_opposite_of_the_current_setting() {
    let mut app = app();
    send(&mut app, ch('p'));
    assert!(matches!(
        app.take_tasks().as_slice(),
        [Task::SetAutoRotation(_, false)]
    ));
}

#[test]
fn credentials_stay_masked_until_revealed_and_copy_uses_the_selected_row() {
    let mut app = app();
    keys(&mut app, [ch('j'), ch('j'), ch('v')]);
    assert_eq!(app.screen, Screen::Credentials);
    assert!(matches!(app.take_tasks().as_slice(), [.., Task::Credentials(r)] if *r == id(ORDERS)));
    send(
        &mut app,
        Action::CredentialsLoaded(id(ORDERS), Ok(credentials())),
    );
    send(&mut app, ch('r'));
    assert!(app.credentials.as_ref().unwrap().revealed);
    keys(&mut app, [ch('j'), ch('c')]);
    match app.take_tasks().as_slice() {
        [Task::Clipboard(p)] => assert_eq!(p.expose(), "fixture-PREVIOUS-pass-0"),
        other => panic!("expected a clipboard copy, got {other:?}"),
    }
    send(&mut app, key(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Dashboard);
    assert!(
        app.credentials.is_none(),
        "opened passwords are dropped on leaving"
    );
}

#[test]
fn q_closes_the_wizard_but_types_in_text_fields_and_asks_with_unsaved_input() {
    let mut app = app();
    keys(
        &mut app,
        [ch('n'), key(KeyCode::Enter), key(KeyCode::Enter)],
    );
    // The permission scope field has focus: q is text.
    send(&mut app, ch('q'));
    assert!(!app.should_quit);
    assert!(app.popups.is_empty());
    send(&mut app, key(KeyCode::Tab));
    send(&mut app, ch('q'));
    assert!(
        matches!(app.popups.last(), Some(Popup::Confirm(_))),
        "unsaved input: asks"
    );
    send(&mut app, ch('y'));
    assert!(!app.should_quit, "q in the wizard never quits the app");
    assert_eq!(app.screen, Screen::Dashboard);
    assert!(app.wizard.is_none());

    // An unchanged wizard closes at once, like Esc, and the app keeps running.
    let mut fresh = super::fixture::app();
    keys(&mut fresh, [ch('n'), ch('q')]);
    assert!(!fresh.should_quit);
    assert!(fresh.popups.is_empty());
    assert_eq!(fresh.screen, Screen::Dashboard);

    let mut idle = super::fixture::app();
    send(&mut idle, ch('q'));
    assert!(idle.should_quit);
}

#[test]
fn ctrl_c_exits_at_once_unless_a_rotation_is_running() {
    let mut app = app();
    keys(
        &mut app,
        [ch('n'), key(KeyCode::Enter), key(KeyCode::Enter)],
    );
    send(&mut app, ctrl_c());
    assert!(app.should_quit, "even with a wizard open");

    let mut busy = super::fixture::app();
    send(
        &mut busy,
        Action::Engine(EngineEvent::Progress {
            rotation_id: id(BILLING),
            step: EngineStep::Record,
            node: None,
            ok: true,
            at: std::time::Instant::now(),
        }),
    );
    send(&mut busy, ctrl_c());
    assert!(!busy.should_quit);
    assert!(matches!(busy.popups.last(), Some(Popup::Confirm(_))));
    send(&mut busy, ctrl_c());
    assert!(busy.should_quit, "a second Ctrl-C exits");
}

#[test]
fn logged_events_end_runs_show_in_the_log_and_reload_the_database() {
    let mut app = app();
    send(
        &mut app,
        Action::Engine(EngineEvent::Progress {
            rotation_id: id(BILLING),
            step: EngineStep::Promote,
            node: None,
            ok: true,
            at: std::time::Instant::now(),
        }),
    );
    let event = Event {
        seq: 7,
        at: now(),
        kind: EventKind::Rotated,
        outcome: Outcome::Success,
        rotation_id: Some(id(BILLING)),
        rotation_name: Some("billing-queue".into()),
        environment: None,
        secret_path: None,
        job_id: None,
        pid: 1,
        message: "rotated billing-queue → slot 1 (billing-queue-1) in 2.4 ms on 1 node".into(),
        trigger: None,
        duration_us: None,
        nodes: None,
    };
    send(&mut app, Action::Engine(EngineEvent::Logged(event.clone())));
    assert!(!app.is_running(id(BILLING)));
    assert_eq!(app.live_events.len(), 1);
    assert!(app.take_tasks().iter().any(|t| matches!(t, Task::Reload)));
    let mut doc = document();
    doc.events.push_back(event);
    send(&mut app, Action::Reloaded(Ok(std::sync::Arc::new(doc))));
    assert!(
        app.live_events.is_empty(),
        "no duplicate once the database has it"
    );
}

#[test]
fn help_lists_every_binding_of_every_context() {
    use strum::VariantArray;
    let app = app();
    let text: String = crate::tui::screens::help::lines(&app)
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    for ctx in crate::tui::keymap::Context::VARIANTS {
        for b in crate::tui::keymap::bindings(*ctx) {
            assert!(text.contains(b.help), "{:?}: {}", ctx, b.help);
        }
    }
    assert!(text.contains("Ctrl-C"));
}

#[test]
fn too_small_terminal_draws_a_notice_and_never_panics() {
    let app = app();
    for (w, h) in [(20, 5), (79, 24), (80, 23)] {
        let out = draw(&app, w, h);
        assert!(out.contains("small"), "{w}×{h}");
    }
    draw(&app, 1, 1);
    let mut empty = ratatui::Terminal::new(ratatui::backend::TestBackend::new(0, 0)).unwrap();
    empty.draw(|f| crate::tui::render(f, &app)).unwrap();
}

#[test]
fn a_refused_connection_save_lists_each_problem_and_keeps_the_form() {
    let mut app = app();
    keys(&mut app, [ch('C'), ch('a')]);
    let err = crate::tui::action::TaskError::new(
        "connection `edge` was not saved:\n10.0.0.9:6379 is unreachable: timed out\nwrong password",
    );
    send(
        &mut app,
        Action::ConnectionSaved(crate::tui::action::FormOrigin::Screen, Err(err)),
    );
    let form = app.connections.form.as_ref().expect("the form stays open");
    assert!(form.busy.is_none());
    assert!(matches!(&form.report, Some(Err(m)) if m.lines().count() == 3));
    let status = &app.status.as_ref().unwrap().text;
    assert!(!status.contains('\n'));
    let out = draw(&app, 80, 24);
    assert!(out.contains("✗ wrong password"), "{out}");
}

#[test]
fn the_detail_pane_says_which_node_lacks_a_credential_and_a_heal_refreshes_it() {
    use crate::engine::{NodeSync, SyncStatus};
    use crate::tui::app::Loadable;
    let mut app = app();
    app.start();
    let _ = app.take_tasks();
    let r = app.selected_rotation().unwrap().clone();
    let node = |addr: &str, status: SyncStatus| NodeSync {
        node: addr.into(),
        status,
        healed: Vec::new(),
        error: None,
    };
    send(
        &mut app,
        Action::SyncLoaded(
            r.id,
            Ok(vec![
                node("10.0.0.5:6379", SyncStatus::InSync),
                node(
                    "10.0.0.6:6379",
                    SyncStatus::Differs(vec!["missing slot 0".into()]),
                ),
            ]),
        ),
    );
    let text = draw(&app, 160, 48);
    assert!(text.contains("✗ 10.0.0.6:6379 missing slot 0"), "{text}");
    assert!(
        !text.contains("10.0.0.5:6379 in sync"),
        "only the nodes that differ are listed"
    );

    // The scheduler's reconcile healed it: the pane asks again.
    let healed = Event {
        seq: 10_000,
        at: app.now,
        kind: EventKind::Healed,
        outcome: Outcome::Success,
        rotation_id: Some(r.id),
        rotation_name: Some(r.name.clone()),
        environment: None,
        secret_path: None,
        job_id: None,
        pid: 0,
        message: format!("healed {}-0 on 10.0.0.6:6379: the user was missing", r.name),
        trigger: None,
        duration_us: None,
        nodes: None,
    };
    send(&mut app, Action::Engine(EngineEvent::Logged(healed)));
    assert!(matches!(app.sync.get(&r.id), Some(Loadable::Loading)));
    assert!(
        app.take_tasks()
            .iter()
            .any(|t| matches!(t, Task::NodeSync(id) if *id == r.id))
    );
    send(
        &mut app,
        Action::SyncLoaded(
            r.id,
            Ok(vec![
                node("10.0.0.5:6379", SyncStatus::InSync),
                node("10.0.0.6:6379", SyncStatus::InSync),
            ]),
        ),
    );
    let text = draw(&app, 160, 48);
    assert!(
        text.contains("✓ all 2 nodes hold both credentials"),
        "{text}"
    );
}
