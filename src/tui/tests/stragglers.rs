//! The straggler policy in the console: chosen on the wizard's Configuration step (submitted as
//! `parameters.stragglerPolicy`), and a held re-key shown in the detail pane.

use std::sync::Arc;

use ratatui::crossterm::event::KeyCode;

use super::fixture::*;
use crate::model::{HeldState, StragglerMode, StragglerPolicy};
use crate::tui::state::wizard::Step;

#[test]
fn the_configuration_step_submits_wait_with_its_max_wait() {
    let mut app = wizard_at(0, Step::Configuration);
    let policy = |app: &crate::tui::App| {
        let w = app.wizard.as_ref().unwrap();
        w.request(&app.doc, app.zone, app.now)
            .parameters
            .unwrap()
            .straggler_policy
            .unwrap()
    };
    assert_eq!(policy(&app).mode.as_deref(), Some("rotate"));
    assert_eq!(policy(&app).max_wait_hours, None, "no wait with rotate");
    // Interval, hour, minute, auto-rotation, then the policy.
    for _ in 0..4 {
        send(&mut app, key(KeyCode::Tab));
    }
    send(&mut app, key(KeyCode::Right));
    send(&mut app, key(KeyCode::Tab));
    type_text(&mut app, "48");
    let p = policy(&app);
    assert_eq!(p.mode.as_deref(), Some("wait"));
    assert_eq!(p.max_wait_hours.and_then(|n| n.as_u64()), Some(48));
}

#[test]
fn editing_a_waiting_rotation_keeps_its_policy() {
    let mut app = app();
    let doc = Arc::make_mut(&mut app.doc);
    doc.rotations[0].parameters.straggler_policy = StragglerPolicy {
        mode: StragglerMode::Wait,
        max_wait_hours: Some(6),
    };
    keys(&mut app, [ch('j'), ch('j'), ch('e')]);
    let w = app.wizard.as_ref().unwrap();
    let req = w.request(&app.doc, app.zone, app.now);
    let p = req.parameters.unwrap().straggler_policy.unwrap();
    assert_eq!(p.mode.as_deref(), Some("wait"));
    assert_eq!(p.max_wait_hours.and_then(|n| n.as_u64()), Some(6));
}

#[test]
fn detail_held_for_stragglers() {
    let mut app = app();
    let doc = Arc::make_mut(&mut app.doc);
    let r = &mut doc.rotations[0];
    assert_eq!(r.name, "orders-cache");
    r.parameters.straggler_policy = StragglerPolicy {
        mode: StragglerMode::Wait,
        max_wait_hours: Some(24),
    };
    r.next_rotation_at = Some(at(3, 1, 2, 30));
    r.held = Some(HeldState {
        since: at(3, 1, 2, 30),
        until: at(3, 2, 2, 30),
        next_check_at: at(3, 1, 12, 1),
        sessions: 3,
        username: "orders-cache-0".into(),
    });
    keys(&mut app, [ch('j'), ch('j')]);
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("⏸ Held: 3 sessions still use orders-cache-0"),
        "{screen}"
    );
    assert!(
        draw(&app, 80, 24).contains("⏸ Held: 3 sessions "),
        "the list's badge"
    );
    insta::assert_snapshot!("detail_held_80x24", draw(&app, 80, 24));
}
