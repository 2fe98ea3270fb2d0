//! The wizard driven by keys: Next blocked until each step is valid, Up/Down on numbers, Esc
//! back and the discard question, inline connection, edit mode, a failed create.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixture::*;
use crate::tui::action::Action;
use crate::tui::action::Pasted;
use crate::tui::app::Screen;
use crate::tui::popup::Popup;
use crate::tui::state::wizard::Step;
use crate::tui::state::wizard::details::Field as DetailsField;
use crate::tui::tasks::Task;

#[test]
fn wizard_blocks_next_until_each_step_is_valid_then_creates() {
    let mut app = app();
    send(&mut app, ch('n'));
    assert_eq!(app.screen, Screen::Wizard);
    let step = |app: &crate::tui::App| app.wizard.as_ref().unwrap().step;
    keys(
        &mut app,
        [
            key(KeyCode::Enter),
            key(KeyCode::Enter),
            key(KeyCode::Enter),
        ],
    );
    assert_eq!(step(&app), Step::Mapping);
    // Same name for both secrets: the model's rules refuse it.
    keys(
        &mut app,
        [key(KeyCode::Tab), key(KeyCode::Tab), key(KeyCode::Tab)],
    );
    send(&mut app, ctrl('u'));
    type_text(&mut app, "REDIS_USERNAME");
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(step(&app), Step::Mapping, "Next is blocked");
    assert!(app.wizard.as_ref().unwrap().blocked.is_some());
    send(&mut app, ctrl('u'));
    type_text(&mut app, "REDIS_PASSWORD");
    assert!(
        app.wizard.as_ref().unwrap().blocked.is_none(),
        "fixing clears the message"
    );
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(step(&app), Step::Details);
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(step(&app), Step::Details, "an empty name blocks Next");
    type_text(&mut app, "cart-cache");
    keys(&mut app, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    let tasks = app.take_tasks();
    let Some(Task::Create(req, _)) = tasks.last() else {
        panic!("expected a create, got {tasks:?}");
    };
    assert_eq!(req.name.as_deref(), Some("cart-cache"));
    assert_eq!(
        req.connection_id.as_deref(),
        Some(id(PROD).to_string().as_str())
    );
    assert_eq!(req.environment.as_deref(), Some("dev"));
    assert!(app.wizard.as_ref().unwrap().submitting);
}

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

#[test]
fn number_fields_step_with_up_down_and_take_digits_only() {
    let mut app = app();
    keys(
        &mut app,
        [
            ch('n'),
            key(KeyCode::Enter),
            key(KeyCode::Up),
            key(KeyCode::Up),
        ],
    );
    let w = app.wizard.as_ref().unwrap();
    let req = w.request(&app.doc, app.zone, app.now);
    assert_eq!(req.rotation_interval.unwrap().as_u64(), Some(32));
    keys(
        &mut app,
        [
            key(KeyCode::Backspace),
            key(KeyCode::Backspace),
            ch('x'),
            ch('7'),
        ],
    );
    let req = app
        .wizard
        .as_ref()
        .unwrap()
        .request(&app.doc, app.zone, app.now);
    assert_eq!(req.rotation_interval.unwrap().as_u64(), Some(7));
}

#[test]
fn esc_steps_back_and_asks_before_discarding_input() {
    let mut app = app();
    keys(&mut app, [ch('n'), key(KeyCode::Enter), key(KeyCode::Up)]);
    send(&mut app, key(KeyCode::Esc));
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Connection);
    send(&mut app, key(KeyCode::Esc));
    assert!(
        matches!(app.popups.last(), Some(Popup::Confirm(_))),
        "input would be lost"
    );
    send(&mut app, ch('n'));
    assert_eq!(app.screen, Screen::Wizard);
    keys(&mut app, [key(KeyCode::Esc), ch('y')]);
    assert_eq!(app.screen, Screen::Dashboard);
    assert!(app.wizard.is_none());
}

#[test]
fn an_untouched_wizard_closes_without_asking() {
    let mut app = app();
    keys(&mut app, [ch('n'), key(KeyCode::Esc)]);
    assert!(app.popups.is_empty());
    assert_eq!(app.screen, Screen::Dashboard);
}

#[test]
fn the_connection_step_can_add_a_connection_inline() {
    let mut app = wizard_inline_connection_form();
    let w = app.wizard.as_ref().unwrap();
    assert!(
        w.connection.form.is_some(),
        "Enter on “+ Add” opens the form"
    );
    type_text(&mut app, "edge-cache");
    // Save is blocked while the host is empty.
    tab_to_connection_field(&mut app, crate::tui::state::connection_form::Field::Save);
    send(&mut app, key(KeyCode::Enter));
    assert!(
        app.take_tasks()
            .iter()
            .all(|t| !matches!(t, Task::AddConnection(..)))
    );
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Connection);
    send(&mut app, key(KeyCode::Esc));
    assert!(app.wizard.as_ref().unwrap().connection.form.is_none());
}

#[test]
fn edit_opens_the_same_steps_prefilled_with_location_read_only() {
    let mut app = app();
    keys(&mut app, [ch('j'), ch('j'), ch('e')]);
    let w = app.wizard.as_ref().unwrap();
    assert!(w.connection.locked);
    assert_eq!(w.details.form.text(DetailsField::Name), "orders-cache");
    let req = w.request(&app.doc, app.zone, app.now);
    let patch = crate::tui::state::wizard::Wizard::patch(&req);
    assert_eq!(patch.environment, None);
    assert_eq!(patch.secret_path, None);
    assert_eq!(patch.connection_id, None);
    assert_eq!(req.rotate_at_utc.unwrap().hours.unwrap().as_u64(), Some(2));
    keys(&mut app, [key(KeyCode::Down), key(KeyCode::Enter)]);
    assert_eq!(
        app.wizard.as_ref().unwrap().step,
        Step::Configuration,
        "connection stays"
    );
}

#[test]
fn a_failed_create_keeps_the_wizard_and_shows_the_field_error() {
    let mut app = wizard_at(0, Step::Details);
    // Valid here; only the server can tell that its users already exist there.
    type_text(&mut app, "cart-cache");
    keys(&mut app, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert!(
        matches!(app.take_tasks().last(), Some(Task::Create(..))),
        "the model's rules let it through"
    );
    let err = crate::tui::action::TaskError {
        message: "name: the Redis user `cart-cache-0` already exists on 10.0.0.5:6379".into(),
        fields: vec![crate::model::FieldError::new(
            "name",
            "the Redis user `cart-cache-0` already exists on 10.0.0.5:6379",
        )],
    };
    send(&mut app, Action::Created(Err(err)));
    let w = app.wizard.as_ref().unwrap();
    assert!(!w.submitting);
    assert_eq!(
        w.details
            .form
            .error(crate::tui::state::wizard::details::Field::Name),
        Some("the Redis user `cart-cache-0` already exists on 10.0.0.5:6379")
    );
}

#[test]
fn pasted_text_lands_in_the_focused_field_without_line_breaks() {
    let mut app = app();
    keys(&mut app, [ch('n')]);
    for _ in 0..4 {
        send(&mut app, key(KeyCode::Enter));
    }
    send(&mut app, Action::Paste(Pasted::new("cart-cache\n")));
    let w = app.wizard.as_ref().unwrap();
    assert_eq!(w.details.form.text(DetailsField::Name), "cart-cache");
    assert!(w.step_ok(Step::Details), "revalidated after the paste");
}

#[test]
fn parameters_step_offers_one_user_and_adopts_with_the_current_password() {
    let mut app = app();
    // staging-cache: its admin is `rotator`, so `default` may be adopted there.
    keys(
        &mut app,
        [
            ch('n'),
            key(KeyCode::Down),
            key(KeyCode::Enter),
            key(KeyCode::Enter),
        ],
    );
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Parameters);
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("users <name>-0/-1: apps re-read username and password"),
        "two-users' trade-off: {screen}"
    );
    // Scope, length, four counts, symbols: the strategy is the eighth field.
    keys(&mut app, std::iter::repeat_n(key(KeyCode::Tab), 7));
    send(&mut app, key(KeyCode::Right));
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("one user, even default: apps only re-read the password"),
        "one-user's trade-off: {screen}"
    );
    keys(&mut app, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    type_text(&mut app, "default");
    send(&mut app, key(KeyCode::Tab));
    type_text(&mut app, "legacy-pw");
    let screen = draw(&app, 160, 48);
    assert!(
        !screen.contains("legacy-pw"),
        "the current password is masked"
    );
    let w = app.wizard.as_ref().unwrap();
    assert!(!format!("{w:?}").contains("legacy-pw"), "nor in Debug");
    let req = w.request(&app.doc, app.zone, app.now);
    let params = req.parameters.clone().unwrap();
    assert_eq!(params.strategy.as_deref(), Some("one-user"));
    assert_eq!(params.username.as_deref(), Some("default"));

    send(&mut app, key(KeyCode::Enter));
    send(&mut app, key(KeyCode::Enter));
    type_text(&mut app, "legacy-app");
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Review);
    let screen = draw(&app, 160, 48);
    assert!(
        screen.contains("ACL SETUSER default on resetpass #•••••• #••••••"),
        "{screen}"
    );
    assert!(screen.contains("never its permissions"), "{screen}");
    assert!(screen.contains("adopted"), "{screen}");
    send(&mut app, key(KeyCode::Enter));
    let tasks = app.take_tasks();
    let Some(Task::Create(req, Some(current))) = tasks.last() else {
        panic!("expected an adopting create, got {tasks:?}");
    };
    assert_eq!(current.expose(), "legacy-pw");
    assert_eq!(req.name.as_deref(), Some("legacy-app"));
}

#[test]
fn a_mapping_another_rotation_owns_blocks_the_mapping_step_before_any_name_is_typed() {
    let mut app = wizard_at(0, Step::Mapping);
    // search-index maps SEARCH_REDIS_USERNAME in dev at `/`, where the wizard starts.
    keys(&mut app, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    send(&mut app, ctrl('u'));
    type_text(&mut app, "SEARCH_REDIS_USERNAME");
    send(&mut app, key(KeyCode::Enter));
    let w = app.wizard.as_ref().unwrap();
    assert_eq!(
        w.step,
        Step::Mapping,
        "Next is blocked on the step at fault"
    );
    let error = w
        .mapping
        .form
        .error(crate::tui::state::wizard::mapping::Field::Username);
    assert!(
        error.is_some_and(|e| e.contains("rotation `search-index` maps it")),
        "{error:?}"
    );
}
