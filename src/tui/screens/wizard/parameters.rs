//! Step 3, Parameters: drawing. Its state (fields, form, validation) is `state::wizard::parameters`.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::model::rotation::{DEFAULT_SYMBOLS, Strategy};
use crate::tui::app::App;
use crate::tui::state::wizard::Wizard;
use crate::tui::state::wizard::parameters::*;

pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, w: &Wizard) {
    let step = &w.parameters;
    let mut form = step.form.clone();
    if let Some(Ok(scope)) = &w.check.scope {
        let n = scope.tokens.len();
        let mut note = format!("✓ {n} rule{}", if n == 1 { "" } else { "s" });
        if !scope.warnings.is_empty() {
            note.push_str(&format!(" · ⚠ {}", scope.warnings.join("; ")));
        }
        form.set_note(Field::Scope, note);
    }
    if form.text(Field::AllowedSymbols) == DEFAULT_SYMBOLS {
        form.set_note(Field::AllowedSymbols, "(default)");
    }
    let strategy = step.strategy();
    form.set_note(Field::Strategy, trade_off(&strategy.to_string()));
    let one_user = strategy == Strategy::OneUser;
    if one_user {
        form.set_note(Field::UsernamePrefix, "not used: one-user has one user");
    } else if form.text(Field::UsernamePrefix).trim().is_empty() {
        form.set_note(
            Field::UsernamePrefix,
            "optional: users are <name>-0 and <name>-1",
        );
    }
    if w.editing().is_none() {
        form.set_note(
            Field::Username,
            if one_user {
                "the user whose passwords rotate (e.g. default)"
            } else {
                "optional: an existing user to adopt (left untouched)"
            },
        );
        form.set_note(
            Field::CurrentPassword,
            if one_user {
                "to adopt an existing user: stays valid until the next rotation"
            } else {
                "the adopted user's, checked by a fresh login"
            },
        );
    }
    let body = super::frame::intro(
        frame,
        area,
        app,
        "The permissions of the Redis users (empty means ~* +@all; permission rules only: \
         no on/off, passwords or reset), password rules and the strategy.",
    );
    let [fields, rest] = crate::tui::screens::split_bottom(body, step.other.len() as u16 * 2);
    form.render(fields, frame.buffer_mut(), true, &app.theme);
    super::frame::render_other(frame, rest, &step.other, app);
}
