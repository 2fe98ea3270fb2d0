//! A rotation's own view: Enter (or `H`) opens its history, Tab switches to the details; the
//! history lists each attempt with trigger, outcome, duration, nodes and the whole message, and
//! each mapped secret's versions without values.

use std::sync::Arc;

use ratatui::crossterm::event::KeyCode;

use super::fixture::*;
use crate::model::schedule::Trigger;
use crate::model::secret::{SecretEntry, SecretVersion};
use crate::model::{Event, EventKind, Outcome, Sealed};
use crate::tui::App;
use crate::tui::app::RotationTab;
use crate::tui::keymap::Context;

const FAILURE: &str = "rotation of orders-cache failed: apply on 10.0.0.6:6379: NOPERM this user has no permissions to run the 'acl|setuser' command: give the admin user `+acl|setuser`; next attempt 2026-02-03 02:30:01 UTC";

fn attempt(
    seq: u64,
    t: chrono::DateTime<chrono::Utc>,
    kind: EventKind,
    outcome: Outcome,
    how: Option<(Trigger, Option<u64>, u32)>,
    job: u128,
    msg: &str,
) -> Event {
    let mut e = event(seq, t, kind, outcome, Some(ORDERS), msg);
    e.job_id = Some(job_id(job));
    if let Some((trigger, us, nodes)) = how {
        e.trigger = Some(trigger);
        e.duration_us = us;
        e.nodes = Some(nodes);
    }
    e
}

/// A job id whose short form (its first 8 hex digits) says which job it is.
fn job_id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128((0xa0b0_0000 + n) << 96)
}

fn versions(name: &str, jobs: &[(u128, chrono::DateTime<chrono::Utc>)]) -> SecretEntry {
    SecretEntry {
        environment: "prod".into(),
        secret_path: "/apps/orders".into(),
        name: name.into(),
        owner_rotation: Some(id(ORDERS)),
        versions: jobs
            .iter()
            .enumerate()
            .map(|(i, (job, t))| SecretVersion {
                version: i as u32 + 1,
                value: Sealed("enc:v1:fixture".into()),
                created_at: *t,
                rotation_id: Some(id(ORDERS)),
                job_id: Some(self::job_id(*job)),
            })
            .collect(),
    }
}

/// The fixture with orders-cache's history: created, a held re-key, a failed scheduled
/// attempt, the rotation that followed (an event from before triggers were logged), and one
/// started attempt nothing answered.
fn with_history() -> App {
    let mut app = app();
    let doc = Arc::make_mut(&mut app.doc);
    let history = [
        attempt(
            20,
            at(1, 11, 2, 30),
            EventKind::Created,
            Outcome::Success,
            Some((Trigger::Manual, Some(2_400), 3)),
            1,
            "created orders-cache → slot 0 (orders-cache-0) in 2.4 ms on 3 nodes",
        ),
        attempt(
            21,
            at(2, 3, 2, 30),
            EventKind::Held,
            Outcome::Info,
            Some((Trigger::Scheduled, None, 3)),
            2,
            "held re-key of orders-cache: 2 sessions still use orders-cache-1 (waiting up to 24 h)",
        ),
        attempt(
            22,
            at(2, 3, 2, 31),
            EventKind::RotationFailed,
            Outcome::Failure,
            Some((Trigger::Scheduled, Some(12_050), 3)),
            3,
            FAILURE,
        ),
        attempt(
            23,
            at(3, 1, 11, 0),
            EventKind::RotationStarted,
            Outcome::Info,
            None,
            4,
            "rotating orders-cache: re-keying orders-cache-0 (slot 0)",
        ),
    ];
    doc.events.extend(history);
    doc.secrets = vec![
        versions(
            "REDIS_USERNAME",
            &[(1, at(1, 11, 2, 30)), (5, at(2, 10, 2, 30))],
        ),
        versions(
            "REDIS_PASSWORD",
            &[(1, at(1, 11, 2, 30)), (5, at(2, 10, 2, 30))],
        ),
    ]
    .into();
    app.doc = Arc::new(doc.clone());
    app
}

/// Snapshots `app` at 80×24: this view's layout does not change with width (the snapshots of
/// the views whose layout does are taken at 160×48 too, in `snapshots.rs`).
fn snap(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(app, 80, 24));
}

#[test]
fn enter_opens_the_history_and_tab_switches_to_the_details() {
    let mut app = with_history();
    keys(&mut app, [ch('j'), ch('j')]);
    assert_eq!(app.selected_rotation().unwrap().id, id(ORDERS));
    send(&mut app, key(KeyCode::Enter));
    assert!(app.dashboard.zoom);
    assert_eq!(app.dashboard.tab, RotationTab::History);
    assert_eq!(app.context(), Context::Rotation);
    send(&mut app, key(KeyCode::Tab));
    assert_eq!(app.dashboard.tab, RotationTab::Details);
    send(&mut app, ch('H'));
    assert_eq!(app.dashboard.tab, RotationTab::History, "H goes back to it");
    send(&mut app, key(KeyCode::Esc));
    assert!(!app.dashboard.zoom);
    assert_eq!(app.context(), Context::Dashboard);
    send(&mut app, ch('H'));
    assert!(app.dashboard.zoom, "H opens it from the dashboard too");
    assert_eq!(app.dashboard.tab, RotationTab::History);
}

#[test]
fn history_lists_attempts_newest_first_with_their_facts() {
    let mut app = with_history();
    keys(&mut app, [ch('j'), ch('j'), ch('H')]);
    let screen = draw(&app, 160, 48);
    let rows: Vec<&str> = screen.lines().collect();
    let row = |needle: &str| {
        rows.iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no row with {needle:?}:\n{screen}"))
    };
    // Newest first: the unanswered start, the rotation, the failure, the hold, the create.
    let order = [
        row("? unfinished"),
        row("✓ rotated"),
        row("✗ failed"),
        row("⏸ held"),
        row("✓ created"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{screen}");
    let failed = rows[row("✗ failed")];
    assert!(failed.contains("scheduled") && failed.contains("12.1 ms") && failed.contains(" 3"));
    assert!(rows[row("✓ created")].contains("create"));
    assert!(
        rows[row("✓ rotated")].contains("—"),
        "no trigger logged then"
    );
    assert!(screen.contains("REDIS_PASSWORD · 2 versions kept"));
    assert!(!screen.contains("enc:v1"), "no value, sealed or not");
}

#[test]
fn a_long_failure_message_is_wrapped_whole_at_80_columns() {
    let mut app = with_history();
    keys(&mut app, [ch('j'), ch('j'), ch('H')]);
    // Scroll until the failure's message is on screen, then read it back across its lines.
    send(&mut app, key(KeyCode::Down));
    let screen = draw(&app, 80, 24);
    let text: String = screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == '"' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed.contains(FAILURE),
        "the whole message, wrapped:\n{screen}"
    );
}

#[test]
fn history_tab() {
    let mut app = with_history();
    keys(&mut app, [ch('j'), ch('j'), key(KeyCode::Enter)]);
    snap("history", &app);
}

#[test]
fn history_scrolled_to_the_secret_versions() {
    let mut app = with_history();
    keys(&mut app, [ch('j'), ch('j'), key(KeyCode::Enter)]);
    for _ in 0..12 {
        send(&mut app, key(KeyCode::Down));
    }
    insta::assert_snapshot!("history_versions_80x24", draw(&app, 80, 24));
}
