//! Every screen, popup and wizard step, drawn at 80×24 (and the 20×5 notice); the views whose
//! layout changes with width also at 160×48.

use ratatui::crossterm::event::KeyCode;

use super::fixture::*;
use crate::engine::{DeleteOutcome, EngineEvent, Step as EngineStep};
use crate::tui::App;
use crate::tui::action::{Action, TestTarget};

/// Snapshots `app` at 80×24: most views only get wider (a popup centres, text wraps later).
fn snap(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(app, 80, 24));
}

/// Snapshots `app` at 80×24 and 160×48, for the views whose layout changes with width: the
/// dashboard puts the detail beside the table from 140 columns and widens its columns, the
/// connections list adds a column from 100, forms put a field's error beside it instead of
/// under it, the wizard names every step from 100, and the full-screen detail chooses one or
/// two columns of facts by width.
fn snap_wide(name: &str, app: &App) {
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(app, w, h));
    }
}

/// The fixture with the selected rotation's sessions and its connection's report loaded.
fn loaded() -> App {
    let mut app = app();
    send(&mut app, Action::SessionsLoaded(id(AUTH), Ok(sessions())));
    send(
        &mut app,
        Action::ConnectionTested(TestTarget::Stored(id(PROD)), Ok(report())),
    );
    app
}

#[test]
fn dashboard() {
    snap_wide("dashboard", &loaded());
}

#[test]
fn dashboard_failed_rotation_selected() {
    let mut app = loaded();
    send(&mut app, ch('G'));
    send(
        &mut app,
        Action::SessionsLoaded(
            id(SESSIONS),
            Err(crate::tui::action::TaskError::new(
                "connection `prod-cache`: 10.0.0.5:6379 is unreachable: connection refused",
            )),
        ),
    );
    snap_wide("dashboard_failed", &app);
}

#[test]
fn dashboard_sessions_loading_and_rotation_running() {
    let mut app = app();
    app.start();
    keys(&mut app, [ch('j')]);
    for (step, node) in [
        (EngineStep::Record, None),
        (EngineStep::Apply, None),
        (EngineStep::Apply, Some("127.0.0.1:6380")),
    ] {
        send(
            &mut app,
            Action::Engine(EngineEvent::Progress {
                rotation_id: id(BILLING),
                step,
                node: node.map(String::from),
                ok: true,
                at: std::time::Instant::now(),
            }),
        );
    }
    snap("dashboard_running", &app);
}

#[test]
fn dashboard_filtered() {
    let mut app = loaded();
    send(&mut app, ch('/'));
    type_text(&mut app, "prod");
    snap("dashboard_filter", &app);
}

#[test]
fn dashboard_empty() {
    let app = App::new(
        std::sync::Arc::new(crate::store::Document::default()),
        now(),
        crate::tui::time::Zone::Utc,
        crate::tui::theme::Theme::new(false),
    );
    snap("dashboard_empty", &app);
}

#[test]
fn detail_with_an_hour_of_sessions() {
    let mut app = loaded();
    keys(&mut app, [ch('j'), ch('j')]);
    let r = app.selected_rotation().unwrap().clone();
    assert_eq!(r.id, id(ORDERS), "both slots in use");
    let (a, i) = (r.active_index.index(), r.active_index.other().index());
    for k in 0..12u32 {
        app.now = now() + chrono::Duration::seconds(i64::from(k) * 300);
        let mut c = sessions();
        c[a].sessions = 4 + (k as usize % 3);
        c[i].sessions = 6usize.saturating_sub(k as usize / 2);
        send(&mut app, Action::SessionsLoaded(id(ORDERS), Ok(c)));
    }
    app.now = now();
    snap("detail_sessions_chart", &app);
}

#[test]
fn detail_zoomed() {
    let mut app = loaded();
    keys(&mut app, [key(KeyCode::Enter), key(KeyCode::Tab)]);
    snap_wide("detail_zoom", &app);
}

#[test]
fn detail_lists_the_sinks() {
    let mut app = loaded();
    keys(&mut app, [key(KeyCode::Enter), key(KeyCode::Tab)]);
    let selected = app.selected_rotation().unwrap().id;
    let mut doc = (*app.doc).clone();
    let r = doc.rotations.iter_mut().find(|r| r.id == selected).unwrap();
    r.sinks = crate::model::sink::validate_sinks(
        &serde_json::from_value::<Vec<crate::model::sink::SinkRequest>>(serde_json::json!([
            { "type": "file", "path": "/etc/app/redis.env", "mode": "0640",
              "reload": "systemctl reload app" },
            { "type": "file", "path": "/etc/app/redis.url", "format": "template",
              "template": "redis://{{ username }}:{{ password }}@host:6379/0", "owner": "app:app" },
        ]))
        .unwrap(),
    )
    .unwrap();
    app.doc = std::sync::Arc::new(doc);
    snap("detail_sinks", &app);
}

#[test]
fn connections_screen() {
    let mut app = loaded();
    send(&mut app, ch('C'));
    snap_wide("connections", &app);
}

#[test]
fn connection_form() {
    let mut app = loaded();
    keys(&mut app, [ch('C'), ch('a')]);
    type_text(&mut app, "edge-cache");
    snap("connection_form", &app);
    // Save with no host: refused, every error shown.
    tab_to_connection_field(&mut app, crate::tui::state::connection_form::Field::Save);
    send(&mut app, key(KeyCode::Enter));
    snap_wide("connection_form_refused", &app);
}

#[test]
fn credentials_masked_and_revealed() {
    let mut app = loaded();
    keys(&mut app, [ch('j'), ch('j'), ch('v')]);
    snap("credentials_loading", &app);
    send(
        &mut app,
        Action::CredentialsLoaded(id(ORDERS), Ok(credentials())),
    );
    snap("credentials_masked", &app);
    send(&mut app, ch('r'));
    snap("credentials_revealed", &app);
}

#[test]
fn help() {
    let mut app = loaded();
    send(&mut app, ch('?'));
    snap("help", &app);
}

#[test]
fn popup_confirm_rotate() {
    let mut app = loaded();
    send(&mut app, ch('r'));
    snap("popup_rotate", &app);
}

#[test]
fn popup_progress() {
    let mut app = loaded();
    keys(&mut app, [ch('r'), ch('y')]);
    for (step, node, ok) in [
        (EngineStep::Record, None, true),
        (EngineStep::Apply, None, true),
        (EngineStep::Apply, Some("10.0.0.5:6379"), true),
        (EngineStep::Apply, Some("10.0.0.6:6379"), true),
        (EngineStep::Apply, Some("10.0.0.7:6379"), false),
    ] {
        send(
            &mut app,
            Action::Engine(EngineEvent::Progress {
                rotation_id: id(AUTH),
                step,
                node: node.map(String::from),
                ok,
                at: std::time::Instant::now(),
            }),
        );
    }
    snap("popup_progress", &app);
}

#[test]
fn popup_delete() {
    let mut app = loaded();
    keys(
        &mut app,
        [
            ch('d'),
            key(KeyCode::Char(' ')),
            key(KeyCode::Tab),
            key(KeyCode::Tab),
        ],
    );
    type_text(&mut app, "auth-to");
    snap("popup_delete", &app);
}

#[test]
fn popup_deleted_message() {
    let mut app = loaded();
    send(
        &mut app,
        Action::Deleted(Ok(DeleteOutcome {
            name: "auth-tokens".into(),
            revoked_users: vec!["auth-tokens-0".into(), "auth-tokens-1".into()],
            deleted_secrets: Vec::new(),
            kept: vec!["secrets REDIS_USERNAME and REDIS_PASSWORD stay in prod /apps/auth".into()],
        })),
    );
    snap("popup_deleted", &app);
}

#[test]
fn popup_connection_report() {
    let mut app = loaded();
    send(&mut app, ch('t'));
    snap("popup_report_testing", &app);
    send(
        &mut app,
        Action::ConnectionTested(TestTarget::Stored(id(PROD)), Ok(report())),
    );
    snap("popup_report", &app);
}

#[test]
fn popup_quit_with_unsaved_input() {
    let mut app = loaded();
    keys(
        &mut app,
        [ch('n'), key(KeyCode::Enter), key(KeyCode::Up), ch('q')],
    );
    snap("popup_quit", &app);
}

fn wizard_at(steps: usize) -> App {
    let mut app = loaded();
    send(&mut app, ch('n'));
    for _ in 0..steps {
        send(&mut app, key(KeyCode::Enter));
    }
    app
}

#[test]
fn wizard_connection() {
    snap("wizard_1_connection", &wizard_at(0));
}

#[test]
fn wizard_connection_add_inline() {
    let mut app = wizard_at(0);
    keys(
        &mut app,
        [key(KeyCode::Down), key(KeyCode::Down), key(KeyCode::Enter)],
    );
    type_text(&mut app, "edge-cache");
    snap("wizard_1_connection_add", &app);
}

#[test]
fn wizard_configuration() {
    snap("wizard_2_configuration", &wizard_at(1));
}

#[test]
fn wizard_parameters_with_scope_error() {
    let mut app = wizard_at(2);
    type_text(&mut app, " nopass");
    snap_wide("wizard_3_parameters", &app);
}

#[test]
fn wizard_mapping() {
    snap("wizard_4_mapping", &wizard_at(3));
}

#[test]
fn wizard_details_blocked() {
    let mut app = wizard_at(5);
    type_text(&mut app, "Cart Cache");
    snap("wizard_5_details_blocked", &app);
}

#[test]
fn wizard_review() {
    let mut app = wizard_at(4);
    type_text(&mut app, "cart-cache");
    send(&mut app, key(KeyCode::Tab));
    type_text(&mut app, "Cart service cache");
    send(&mut app, key(KeyCode::Enter));
    snap("wizard_6_review", &app);
    send(&mut app, key(KeyCode::Enter));
    snap("wizard_6_review_creating", &app);
}

#[test]
fn wizard_edit_mapping_read_only() {
    let mut app = loaded();
    keys(&mut app, [ch('j'), ch('j'), ch('e')]);
    for _ in 0..3 {
        send(&mut app, key(KeyCode::Enter));
    }
    snap("wizard_edit_4_mapping", &app);
}

#[test]
fn too_small() {
    insta::assert_snapshot!("too_small_20x5", draw(&app(), 20, 5));
}

#[test]
fn scheduler_pane_names_the_lease_holder() {
    use crate::engine::lease::LeaseHolder;
    use crate::engine::scheduler::SchedulerState;
    let mut app = loaded();
    let holder = LeaseHolder {
        pid: 4242,
        host: "ops-1".into(),
        since: at(3, 1, 9, 5),
    };
    send(
        &mut app,
        Action::Scheduler(SchedulerState::Standby, Some(holder.clone())),
    );
    snap("scheduler_standby", &app);
    let mine = LeaseHolder {
        pid: std::process::id(),
        ..holder
    };
    send(
        &mut app,
        Action::Scheduler(SchedulerState::Active { next: None }, Some(mine)),
    );
    assert!(draw(&app, 160, 48).contains("this console holds the lease (since 09:05:00)"));
}

#[test]
fn wizard_edit_review_shows_the_diff() {
    let mut app = loaded();
    keys(&mut app, [ch('j'), ch('j'), ch('e')]);
    // Configuration: the interval field has focus after Enter on step 1.
    send(&mut app, key(KeyCode::Enter));
    type_text(&mut app, "7");
    for _ in 0..4 {
        send(&mut app, key(KeyCode::Enter));
    }
    let out = draw(&app, 80, 24);
    assert!(out.contains("Changes"), "{out}");
    assert!(out.contains("rotationInterval: 30 → 7"), "{out}");
    snap("wizard_edit_6_review_diff", &app);
}
