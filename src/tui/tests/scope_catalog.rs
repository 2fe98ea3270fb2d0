//! Issue 12 bug 9, the catalog half: a mistyped category (`+@al`) fails the live check on step 3
//! with the closest category named, and Next stays blocked (the model's own rules, as in every console test).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixture::*;
use crate::tui::action::Action;
use crate::tui::state::wizard::Step;

#[test]
fn a_mistyped_category_fails_the_live_check_with_did_you_mean() {
    let mut app = app();
    keys(
        &mut app,
        [ch('n'), key(KeyCode::Enter), key(KeyCode::Enter)],
    );
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Parameters);
    send(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(&mut app, "~* +@al");
    let w = app.wizard.as_ref().unwrap();
    assert!(
        matches!(&w.check.scope, Some(Err(e)) if e.reason.contains("did you mean `+@all`?")),
        "{:?}",
        w.check.scope
    );
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(
        app.wizard.as_ref().unwrap().step,
        Step::Parameters,
        "Next is blocked"
    );
    let screen = draw(&app, 80, 24);
    assert!(!screen.contains("✓ 2 rules"), "{screen}");
    let text: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("did you mean"), "{screen}");
}
