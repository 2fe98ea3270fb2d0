//! The `sentinel` topology in the console: the connection form (inline in the wizard's first
//! step) takes the master name, the Sentinels and their optional auth, with the model's own
//! rules marking the fields; a Sentinel refusal lands at the Sentinel password field; the
//! review step names the master, the Sentinels and their auth (never the password).

use std::sync::Arc;

use ratatui::crossterm::event::KeyCode;

use super::fixture::*;
use crate::model::{Connection, Sealed, TopologyKind};
use crate::tui::App;
use crate::tui::action::{Action, FormOrigin, TaskError, TestTarget};
use crate::tui::state::connection_form::Field;
use crate::tui::tasks::Task;
use crate::tui::theme::Theme;
use crate::tui::time::Zone;

const SENTINEL_SECRET: &str = "s3ntinel-pw";

/// Snapshots `app` at 80×24: this view's layout does not change with width (the snapshots of
/// the views whose layout does are taken at 160×48 too, in `snapshots.rs`).
fn snap(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(app, 80, 24));
}

/// The wizard's inline connection form, open, with the model's real rules.
fn wizard_form() -> App {
    let app = wizard_inline_connection_form();
    assert!(app.wizard.as_ref().unwrap().connection.form.is_some());
    app
}

fn tab_to(app: &mut App, field: Field) {
    tab_to_connection_field(app, field);
}

fn form_error(app: &App, field: Field) -> Option<String> {
    let form = app.wizard.as_ref()?.connection.form.as_ref()?;
    form.form.shown_error(field).map(str::to_string)
}

/// The form filled in as a Sentinel connection to `10.0.0.5:26379` and `10.0.0.6:26379`.
fn sentinel_form() -> App {
    let mut app = wizard_form();
    type_text(&mut app, "watched");
    tab_to(&mut app, Field::Username);
    for _ in 0.."default".len() {
        send(&mut app, key(KeyCode::Backspace));
    }
    type_text(&mut app, "admin");
    let hidden = |app: &App, f: Field| {
        app.wizard
            .as_ref()
            .unwrap()
            .connection
            .form
            .as_ref()
            .unwrap()
            .form
            .is_hidden(f)
    };
    assert!(
        hidden(&app, Field::MasterName) && hidden(&app, Field::SentinelPassword),
        "Sentinel fields are hidden for standalone"
    );
    tab_to(&mut app, Field::Topology);
    // standalone → replication → cluster → nodes → sentinel
    for _ in 0..4 {
        send(&mut app, key(KeyCode::Right));
    }
    assert!(!hidden(&app, Field::MasterName) && hidden(&app, Field::Nodes));
    tab_to(&mut app, Field::Save);
    send(&mut app, key(KeyCode::Enter));
    // Save is refused until the Sentinel fields are right, each error at its field.
    assert!(
        app.take_tasks()
            .iter()
            .all(|t| !matches!(t, Task::AddConnection(..))),
        "saved without the Sentinel fields"
    );
    let master = form_error(&app, Field::MasterName).expect("master name error");
    assert!(
        master.contains("required when topology is `sentinel`"),
        "{master}"
    );
    let sentinels = form_error(&app, Field::Sentinels).expect("sentinels error");
    assert!(sentinels.contains("list the Sentinels"), "{sentinels}");
    assert_eq!(form_error(&app, Field::Nodes), None, "not the nodes field");

    tab_to(&mut app, Field::MasterName);
    type_text(&mut app, "mymaster");
    tab_to(&mut app, Field::Sentinels);
    type_text(&mut app, "10.0.0.5:26379, 10.0.0.6:26379");
    tab_to(&mut app, Field::SentinelPassword);
    type_text(&mut app, SENTINEL_SECRET);
    app
}

#[test]
fn the_wizard_adds_a_sentinel_connection_with_its_master_sentinels_and_auth() {
    let mut app = sentinel_form();
    for f in [Field::MasterName, Field::Sentinels, Field::Host] {
        assert_eq!(form_error(&app, f), None, "{f:?}");
    }
    tab_to(&mut app, Field::Save);
    send(&mut app, key(KeyCode::Enter));
    let tasks = app.take_tasks();
    let (req, secrets) = tasks
        .iter()
        .find_map(|t| match t {
            Task::AddConnection(FormOrigin::Wizard, req, secrets) => Some((req, secrets)),
            _ => None,
        })
        .expect("saved");
    assert_eq!(req.topology.as_deref(), Some("sentinel"));
    assert_eq!(req.master_name.as_deref(), Some("mymaster"));
    assert_eq!(
        req.nodes.as_deref(),
        Some(&["10.0.0.5:26379".to_string(), "10.0.0.6:26379".to_string()][..])
    );
    // An empty host is the first Sentinel, as on the command line.
    assert_eq!(req.host.as_deref(), Some("10.0.0.5"));
    assert_eq!(req.port.as_ref().and_then(|p| p.as_u64()), Some(26379));
    assert_eq!(req.sentinel_username, None);
    assert_eq!(
        secrets.sentinel.as_ref().map(|p| p.expose()),
        Some(SENTINEL_SECRET)
    );
    assert!(secrets.admin.is_none());
    assert!(!format!("{secrets:?}").contains(SENTINEL_SECRET));
}

#[test]
fn a_sentinel_refusal_is_shown_at_the_sentinel_password_field() {
    let mut app = sentinel_form();
    tab_to(&mut app, Field::Save);
    send(&mut app, key(KeyCode::Enter));
    app.take_tasks();
    send(
        &mut app,
        Action::ConnectionSaved(
            FormOrigin::Wizard,
            Err(TaskError::new(
                "connection `watched` was not saved:\nno Sentinel answered where the master \
                 `mymaster` is: connection `watched`: Sentinel 10.0.0.5:26379 refused the \
                 Sentinel password (sentinelPassword) for user `default`: give the Sentinels' \
                 own password (their `requirepass`, or the password of Sentinel user \
                 `default`) with --sentinel-password-stdin (console: the Sentinel password field)",
            )),
        ),
    );
    let err = form_error(&app, Field::SentinelPassword).expect("at the field");
    assert!(err.contains("their own password"), "{err}");
    for size in [(80, 24), (160, 48)] {
        let screen = draw(&app, size.0, size.1);
        assert!(!screen.contains(SENTINEL_SECRET), "the password is masked");
    }
    snap("sentinel_form_refused", &app);
    // Typing a new password clears the mark (the rules run again).
    tab_to(&mut app, Field::SentinelPassword);
    send(&mut app, ch('x'));
    assert_eq!(form_error(&app, Field::SentinelPassword), None);
}

#[test]
fn a_draft_test_reports_each_sentinel() {
    let mut app = sentinel_form();
    tab_to(&mut app, Field::Test);
    send(&mut app, key(KeyCode::Enter));
    let tested = app.take_tasks().into_iter().any(|t| {
        matches!(t, Task::TestDraft { ref secrets, .. }
            if secrets.sentinel.as_ref().map(|p| p.expose()) == Some(SENTINEL_SECRET))
    });
    assert!(tested, "Test sends the Sentinel password with the draft");
    let mut report = report();
    report.sentinels = vec![
        crate::engine::SentinelReport {
            address: "10.0.0.5:26379".into(),
            master: Some("10.0.0.5:6379".into()),
            peers: 1,
            error: None,
        },
        crate::engine::SentinelReport {
            address: "10.0.0.6:26379".into(),
            master: None,
            peers: 0,
            error: Some("10.0.0.6:26379 is unreachable: connection refused".into()),
        },
    ];
    send(
        &mut app,
        Action::ConnectionTested(TestTarget::Draft(FormOrigin::Wizard), Ok(report)),
    );
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("Sentinel 10.0.0.5:26379 → master 10.0.0.5:6379 (1 other Sentinel)"),
        "{screen}"
    );
    assert!(
        screen.contains("✗ Sentinel 10.0.0.6:26379 10.0.0.6:26379 is unreachable"),
        "{screen}"
    );
}

/// The fixture plus a Sentinel connection with auth, listed first.
fn app_with_sentinel_connection() -> App {
    let mut doc = document();
    let mut c: Connection = doc.connections[0].clone();
    c.id = id(0x5e);
    c.name = "watched".into();
    c.host = "10.0.0.5".into();
    c.port = 26379;
    c.topology = TopologyKind::Sentinel;
    c.nodes = vec!["10.0.0.5:26379".into(), "10.0.0.6:26379".into()];
    c.master_name = Some("mymaster".into());
    c.sentinel_password = Some(Sealed("enc:v2:fixture".into()));
    doc.connections.insert(0, c);
    App::new(Arc::new(doc), now(), Zone::Utc, Theme::new(false)).with_title(Some("fixture".into()))
}

#[test]
fn the_review_names_the_master_the_sentinels_and_their_auth() {
    let mut app = app_with_sentinel_connection();
    send(&mut app, ch('n'));
    let summary = "master `mymaster` via 10.0.0.5:26379, 10.0.0.6:26379 · auth as default \
                   (password ••••••)";
    assert!(draw(&app, 160, 48).contains(summary), "step 1 shows it");
    // Through the steps to the review, as `wizard_review` does.
    for _ in 0..4 {
        send(&mut app, key(KeyCode::Enter));
    }
    type_text(&mut app, "cart-cache");
    send(&mut app, key(KeyCode::Enter));
    let screen = draw(&app, 160, 48);
    assert!(screen.contains("Review"), "{screen}");
    assert!(
        screen.contains("watched (10.0.0.5:26379, sentinel)"),
        "{screen}"
    );
    assert!(screen.contains(summary), "{screen}");
    snap("wizard_6_review_sentinel", &app);
}

#[test]
fn editing_a_sentinel_connection_prefills_it_and_keeps_the_stored_sentinel_password() {
    let app = app_with_sentinel_connection();
    let stored = app.doc.connections[0].clone();
    let form = crate::tui::state::connection_form::ConnectionForm::edit(&stored);
    assert!(form.form.is_hidden(Field::Nodes));
    assert!(!form.form.is_hidden(Field::Sentinels));
    let req = form.request();
    assert_eq!(req.topology.as_deref(), Some("sentinel"));
    assert_eq!(req.master_name.as_deref(), Some("mymaster"));
    assert_eq!(req.nodes, Some(stored.nodes.clone()));
    assert_eq!(req.host.as_deref(), Some("10.0.0.5"));
    let secrets = form.secrets();
    assert!(
        secrets.sentinel.is_none() && secrets.admin.is_none(),
        "empty fields keep the stored passwords"
    );
}
