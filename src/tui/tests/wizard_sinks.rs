//! The Secrets Mapping step's sinks editor (issue 14): add, edit and remove file sinks, the
//! model's `sinks[i].field` errors on the right fields, Save refused while they stand, the review
//! listing the sinks, and an edit that keeps the stored ones.

use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixture::*;
use crate::model::validation::{Context as RulesContext, validate_rotation_patch};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::state::wizard::Step;
use crate::tui::state::wizard::details::Field as DetailsField;
use crate::tui::state::wizard::mapping::Field as MapField;
use crate::tui::state::wizard::sinks::Field;
use crate::tui::tasks::Task;
use crate::tui::theme::Theme;
use crate::tui::time::Zone;

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn sink_error(app: &App, f: Field) -> Option<String> {
    let open = app.wizard.as_ref()?.mapping.sink_form.as_ref()?;
    open.form.error(f).map(String::from)
}

fn focus_sink_field(app: &mut App, f: Field) {
    for _ in 0..12 {
        let open = app.wizard.as_ref().unwrap().mapping.sink_form.as_ref();
        if open.unwrap().form.focused() == f {
            return;
        }
        send(app, key(KeyCode::Tab));
    }
    panic!("no field {f:?}");
}

fn set_sink_field(app: &mut App, f: Field, text: &str) {
    focus_sink_field(app, f);
    send(app, ctrl('u'));
    type_text(app, text);
}

/// A new wizard at step 4 with the focus on "Add a sink".
fn at_add_sink() -> App {
    let mut app = wizard_at(0, Step::Mapping);
    keys(&mut app, std::iter::repeat_n(key(KeyCode::Tab), 4));
    assert_eq!(
        app.wizard.as_ref().unwrap().mapping.form.focused(),
        MapField::AddSink
    );
    app
}

#[test]
fn a_sink_is_judged_by_the_models_rules_field_by_field_and_sent_with_the_create() {
    let mut app = at_add_sink();
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(
        app.context(),
        Context::SinkForm,
        "Enter on Add opens the form"
    );

    set_sink_field(&mut app, Field::Path, "redis.env");
    let path_error = sink_error(&app, Field::Path).unwrap_or_default();
    assert!(path_error.contains("absolute path"), "{path_error}");
    // Save is refused while the model finds fault; the form stays open, the error shows.
    focus_sink_field(&mut app, Field::Save);
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(app.context(), Context::SinkForm, "Save refused");
    assert!(draw(&app, 80, 24).contains("must be an absolute path"));

    set_sink_field(&mut app, Field::Path, "/etc/app/redis.url");
    assert_eq!(sink_error(&app, Field::Path), None);
    set_sink_field(&mut app, Field::Mode, "0666");
    let mode_error = sink_error(&app, Field::Mode).unwrap_or_default();
    assert!(
        mode_error.contains("lets every user change"),
        "{mode_error}"
    );
    set_sink_field(&mut app, Field::Mode, "0640");
    // Template format without a template: the model wants one, on the Template field.
    focus_sink_field(&mut app, Field::Format);
    keys(&mut app, [key(KeyCode::Right), key(KeyCode::Right)]);
    let template_error = sink_error(&app, Field::Template).unwrap_or_default();
    assert!(template_error.contains("is required"), "{template_error}");
    set_sink_field(
        &mut app,
        Field::Template,
        "redis://{{ username }}:{{ password }}@cache:6379/0",
    );
    set_sink_field(&mut app, Field::Reload, "systemctl reload app");
    focus_sink_field(&mut app, Field::Save);
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(app.context(), Context::Wizard, "saved");
    assert!(
        !draw(&app, 80, 24).contains("before saving the sink"),
        "the refusal is gone from the status line"
    );
    let w = app.wizard.as_ref().unwrap();
    assert_eq!(w.mapping.sinks.len(), 1);
    assert_eq!(w.mapping.form.focused(), MapField::Sink(0));
    assert!(draw(&app, 80, 24).contains("/etc/app/redis.url · template · 0640"));

    // On to Details (Enter on a field of the mapping), a name, the review, create.
    keys(&mut app, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Details);
    type_text(&mut app, "cart-cache");
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Review);
    let review = draw(&app, 160, 48);
    assert!(
        review.contains(
            "Sinks  file /etc/app/redis.url · template · 0640 · owner (own) · reload systemctl reload app"
        ),
        "{review}"
    );
    send(&mut app, key(KeyCode::Enter));
    let tasks = app.take_tasks();
    let Some(Task::Create(req, _)) = tasks.last() else {
        panic!("expected a create, got {tasks:?}");
    };
    let sinks = req.sinks.clone().unwrap_or_default();
    assert_eq!(sinks.len(), 1);
    assert_eq!(sinks[0].path.as_deref(), Some("/etc/app/redis.url"));
    assert_eq!(sinks[0].format.as_deref(), Some("template"));
    assert_eq!(sinks[0].mode.as_deref(), Some("0640"));
    assert_eq!(sinks[0].owner, None, "empty optional fields are left out");
    assert_eq!(sinks[0].reload.as_deref(), Some("systemctl reload app"));
}

#[test]
fn esc_in_the_sink_form_drops_a_new_sink_and_a_create_without_sinks_sends_none() {
    let mut app = at_add_sink();
    send(&mut app, key(KeyCode::Enter));
    set_sink_field(&mut app, Field::Path, "/etc/app/redis.env");
    send(&mut app, key(KeyCode::Esc));
    let w = app.wizard.as_ref().unwrap();
    assert_eq!(app.context(), Context::Wizard);
    assert_eq!(
        w.step,
        Step::Mapping,
        "Esc closes the sink form, not the step"
    );
    assert!(w.mapping.sinks.is_empty());
    assert_eq!(w.request(&app.doc, app.zone, app.now).sinks, None);
}

#[test]
fn the_sink_form_and_the_list_at_80_columns() {
    let mut app = at_add_sink();
    send(&mut app, key(KeyCode::Enter));
    set_sink_field(&mut app, Field::Path, "etc/app/redis.env");
    insta::assert_snapshot!("wizard_4_sink_form_80x24", draw(&app, 80, 24));
    set_sink_field(&mut app, Field::Path, "/etc/app/redis.env");
    focus_sink_field(&mut app, Field::Save);
    send(&mut app, key(KeyCode::Enter));
    insta::assert_snapshot!("wizard_4_mapping_with_sink_80x24", draw(&app, 80, 24));
}

/// The fixture with a dotenv sink on orders-cache.
fn app_with_a_sink() -> App {
    let mut doc = document();
    let orders = doc
        .rotations
        .iter_mut()
        .find(|r| r.id == id(ORDERS))
        .unwrap();
    orders.sinks = crate::model::sink::validate_sinks(&[serde_json::from_value(
        serde_json::json!({ "type": "file", "path": "/etc/orders/redis.env", "mode": "0640" }),
    )
    .unwrap()])
    .unwrap();
    App::new(Arc::new(doc), now(), Zone::Utc, Theme::new(false))
}

fn open_edit(app: &mut App) {
    keys(app, [ch('j'), ch('j'), ch('e')]);
    let w = app.wizard.as_ref().unwrap();
    assert_eq!(w.details.form.text(DetailsField::Name), "orders-cache");
}

fn submitted_patch(app: &mut App) -> crate::model::request::RotationRequest {
    let tasks = app.take_tasks();
    let Some(Task::Update(_, patch)) = tasks.last() else {
        panic!("expected an update, got {tasks:?}");
    };
    patch.clone()
}

#[test]
fn editing_a_rotation_keeps_its_sinks() {
    let mut app = app_with_a_sink();
    open_edit(&mut app);
    let stored = app.rotation(id(ORDERS)).unwrap().clone();
    assert_eq!(app.wizard.as_ref().unwrap().mapping.sinks.len(), 1);
    // Change the interval only, then go through to the review and save.
    keys(&mut app, [key(KeyCode::Enter), key(KeyCode::Up)]);
    for _ in 0..4 {
        send(&mut app, key(KeyCode::Enter));
    }
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Review);
    let review = draw(&app, 160, 48);
    assert!(
        review.contains("Sinks  file /etc/orders/redis.env"),
        "{review}"
    );
    assert!(
        !review.contains("sinks["),
        "no sink change listed: {review}"
    );
    send(&mut app, key(KeyCode::Enter));
    let patch = submitted_patch(&mut app);
    let doc = app.doc.clone();
    let ctx = RulesContext {
        connections: &doc.connections,
        rotations: &doc.rotations,
        secrets: &doc.secrets,
    };
    let spec = validate_rotation_patch(&stored, &patch, ctx).expect("valid patch");
    assert_eq!(spec.sinks, stored.sinks);
    assert_eq!(spec.rotation_interval, 31);
}

#[test]
fn a_sink_edited_or_removed_in_an_edit_changes_the_patch_and_the_review_says_so() {
    let mut app = app_with_a_sink();
    open_edit(&mut app);
    keys(&mut app, std::iter::repeat_n(key(KeyCode::Enter), 3));
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Mapping);
    // Environment and path are read-only: Username, Password, then the sink.
    keys(&mut app, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(
        app.wizard.as_ref().unwrap().mapping.form.focused(),
        MapField::Sink(0)
    );
    send(&mut app, key(KeyCode::Enter));
    set_sink_field(&mut app, Field::Mode, "0600");
    focus_sink_field(&mut app, Field::Save);
    send(&mut app, key(KeyCode::Enter));
    keys(&mut app, std::iter::repeat_n(key(KeyCode::BackTab), 2));
    keys(&mut app, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Review);
    let review = draw(&app, 160, 48);
    assert!(review.contains("sinks[0].mode: 0640 → 0600"), "{review}");

    // Back to the mapping: remove it.
    keys(&mut app, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    let w = app.wizard.as_mut().unwrap();
    w.mapping.form.focus(MapField::Sink(0));
    send(&mut app, key(KeyCode::Enter));
    focus_sink_field(&mut app, Field::Remove);
    send(&mut app, key(KeyCode::Enter));
    assert!(app.wizard.as_ref().unwrap().mapping.sinks.is_empty());
    keys(&mut app, [key(KeyCode::BackTab), key(KeyCode::Enter)]);
    send(&mut app, key(KeyCode::Enter));
    let review = draw(&app, 160, 48);
    assert!(
        review.contains("sinks[0]: /etc/orders/redis.env → —"),
        "{review}"
    );
    send(&mut app, key(KeyCode::Enter));
    let patch = submitted_patch(&mut app);
    assert_eq!(
        patch.sinks,
        Some(Vec::new()),
        "an emptied list removes them"
    );
}

/// A review longer than the screen (a sink, a `+@all` warning) scrolls at 80×24 and its last
/// row says what is below and above, so the warning's end and the ACL rule are never silently
/// cut off.
#[test]
fn a_long_review_scrolls_at_80x24_and_says_what_is_below() {
    let mut app = app();
    keys(
        &mut app,
        [ch('n'), key(KeyCode::Enter), key(KeyCode::Enter)],
    );
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Parameters);
    send(&mut app, ctrl('u'));
    type_text(&mut app, "~* +@all");
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Mapping);
    keys(&mut app, std::iter::repeat_n(key(KeyCode::Tab), 4));
    send(&mut app, key(KeyCode::Enter));
    set_sink_field(&mut app, Field::Path, "/etc/app/redis.env");
    focus_sink_field(&mut app, Field::Save);
    send(&mut app, key(KeyCode::Enter));
    keys(&mut app, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    send(&mut app, key(KeyCode::Enter));
    type_text(&mut app, "cart-cache");
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(app.wizard.as_ref().unwrap().step, Step::Review);

    let top = draw(&app, 80, 24);
    assert!(top.contains("below · ↑/↓ PgUp/PgDn scroll"), "{top}");
    assert!(
        !top.contains("add `-@admin -@dangerous`"),
        "the warning's end is below: {top}"
    );
    insta::assert_snapshot!("wizard_6_review_scrolled_top_80x24", top);

    // PageDown as far as it goes (more presses change nothing), then one line back up.
    for _ in 0..10 {
        send(&mut app, Action::PageDown);
    }
    let bottom = draw(&app, 80, 24);
    assert!(bottom.contains("above · ↑/↓ PgUp/PgDn scroll"), "{bottom}");
    assert!(bottom.contains("add `-@admin -@dangerous`"), "{bottom}");
    assert!(
        bottom.contains("ACL SETUSER cart-cache-0 reset on"),
        "{bottom}"
    );
    insta::assert_snapshot!("wizard_6_review_scrolled_bottom_80x24", bottom);
    send(&mut app, key(KeyCode::Up));
    let one_up = draw(&app, 80, 24);
    assert!(one_up.contains("above · ↓ 1 line below"), "{one_up}");

    // Leaving the review and coming back starts at the top again.
    send(&mut app, key(KeyCode::Esc));
    send(&mut app, key(KeyCode::Enter));
    assert_eq!(draw(&app, 80, 24), top);
}
