//! The wizard's behaviour: open (new or edit), field edits (revalidated at once), Next (blocked
//! until the step is valid), Back (asks before discarding input), and submit.

use ratatui::crossterm::event::KeyEvent;
use uuid::Uuid;

use crate::tui::action::{Action, FormOrigin};
use crate::tui::app::{App, Screen};
use crate::tui::state::connection_form::ConnectionForm;
use crate::tui::state::wizard::{Mode, Step, Wizard};
use crate::tui::tasks::Task;
use crate::tui::theme::Tone;
use crate::tui::widgets::Handled;

impl App {
    /// Opens the wizard: empty for a new rotation, prefilled for `edit`.
    pub(crate) fn open_wizard(&mut self, edit: Option<Uuid>) {
        let wizard = match edit.and_then(|id| self.rotation(id)) {
            Some(r) => Wizard::edit(r, &self.doc, self.zone, self.now),
            None => Wizard::create(&self.doc, self.zone, self.now),
        };
        self.wizard = Some(wizard);
        self.screen = Screen::Wizard;
        self.revalidate_wizard();
    }

    pub(crate) fn revalidate_wizard(&mut self) {
        let (doc, zone, now) = (self.doc.clone(), self.zone, self.now);
        if let Some(w) = self.wizard.as_mut() {
            w.revalidate(&doc, zone, now);
        }
    }

    pub(crate) fn wizard_key(&mut self, key: &KeyEvent) -> bool {
        let Some(w) = self.wizard.as_mut() else {
            return false;
        };
        if w.submitting {
            return false;
        }
        let handled = match w.step {
            Step::Configuration => w.configuration.form.handle_key(key),
            Step::Parameters => w.parameters.form.handle_key(key),
            Step::Mapping => match w.mapping.sink_form.as_mut() {
                Some(open) => open.form.handle_key(key),
                None => w.mapping.form.handle_key(key),
            },
            Step::Details => w.details.form.handle_key(key),
            Step::Connection | Step::Review => Handled::Ignored,
        };
        match handled {
            Handled::Changed => {
                if let Some(w) = self.wizard.as_mut() {
                    w.submit_error = None;
                }
                self.revalidate_wizard();
                true
            }
            Handled::Moved => true,
            Handled::Ignored => false,
        }
    }

    pub(crate) fn wizard_or_form_paste(&mut self, text: &str) {
        let origin = if self.screen == Screen::Wizard {
            FormOrigin::Wizard
        } else {
            FormOrigin::Screen
        };
        if let Some(form) = self.form_mut(origin) {
            if form.form.paste(text) {
                self.revalidate_form(origin);
            }
            return;
        }
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        let pasted = match w.step {
            Step::Configuration => w.configuration.form.paste(text),
            Step::Parameters => w.parameters.form.paste(text),
            Step::Mapping => match w.mapping.sink_form.as_mut() {
                Some(open) => open.form.paste(text),
                None => w.mapping.form.paste(text),
            },
            Step::Details => w.details.form.paste(text),
            Step::Connection | Step::Review => false,
        };
        if pasted {
            self.revalidate_wizard();
        }
    }

    pub(crate) fn wizard_action(&mut self, action: Action) -> Option<Action> {
        let w = self.wizard.as_mut()?;
        if w.connection.form.is_some() {
            return self.form_action(FormOrigin::Wizard, action);
        }
        if w.step == Step::Mapping && w.mapping.sink_form.is_some() {
            self.sink_form_action(action);
            return None;
        }
        match action {
            Action::NextFocus | Action::Down => self.wizard_focus(true),
            Action::PrevFocus | Action::Up => self.wizard_focus(false),
            Action::Enter => self.wizard_next(),
            Action::Back => self.wizard_back(),
            _ => {}
        }
        None
    }

    fn wizard_focus(&mut self, forward: bool) {
        let doc = self.doc.clone();
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        match w.step {
            Step::Connection => {
                w.connection.move_cursor(&doc, if forward { 1 } else { -1 });
                self.revalidate_wizard();
            }
            Step::Configuration => w.configuration.form.focus_step(forward),
            Step::Parameters => w.parameters.form.focus_step(forward),
            Step::Mapping => w.mapping.form.focus_step(forward),
            Step::Details => w.details.form.focus_step(forward),
            Step::Review => {}
        }
    }

    fn wizard_next(&mut self) {
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        if w.submitting {
            return;
        }
        if w.step == Step::Connection && !w.connection.locked && w.connection.cursor_on_add() {
            self.open_form(FormOrigin::Wizard, ConnectionForm::new());
            return;
        }
        if w.step == Step::Mapping && w.mapping.open_focused_sink() {
            w.blocked = None;
            self.revalidate_wizard();
            return;
        }
        if let Some(bad) = w.first_bad_step(w.step) {
            w.reveal_errors(bad);
            w.blocked = Some(if bad == w.step {
                match bad {
                    Step::Connection => "Choose a connection, or add one.".to_string(),
                    Step::Review => "The request is not valid yet: see the errors above.".into(),
                    _ => "Fix the fields marked ✗ before going on.".to_string(),
                }
            } else {
                format!(
                    "Step {} {} has errors: go back with Esc and fix them.",
                    bad.number(),
                    bad.title()
                )
            });
            return;
        }
        w.blocked = None;
        if w.step == Step::Review {
            self.submit_wizard();
        } else {
            w.step = w.step.next();
        }
    }

    fn wizard_back(&mut self) {
        let dirty = self
            .wizard
            .as_ref()
            .is_some_and(|w| w.is_dirty(&self.doc, self.zone, self.now));
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        if w.submitting {
            return;
        }
        w.blocked = None;
        match w.step.prev() {
            Some(prev) => w.step = prev,
            None if dirty => {
                let what = if w.editing().is_some() {
                    "Discard your changes to this rotation?"
                } else {
                    "Discard this new rotation?"
                };
                self.confirm(
                    what,
                    vec!["What you typed in the wizard will be lost.".into()],
                    Action::DiscardWizard,
                    "discard",
                );
            }
            None => self.close_wizard(),
        }
    }

    fn submit_wizard(&mut self) {
        let (doc, zone, now) = (self.doc.clone(), self.zone, self.now);
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        let req = w.request(&doc, zone, now);
        let (task, text) = match &w.mode {
            Mode::Create => (
                Task::Create(req, w.parameters.current_password()),
                "Creating the rotation: user on every node, persisted, verified…".to_string(),
            ),
            Mode::Edit(r) => (
                Task::Update(r.id, Wizard::patch(&req)),
                format!("Saving changes to {}…", r.name),
            ),
        };
        w.submitting = true;
        w.submit_error = None;
        self.tasks.push(task);
        self.set_status(Tone::Busy, text);
    }
}

impl App {
    /// The open sink form of the Secrets Mapping step: fields, then Save (refused while the
    /// model's rules find fault with the sink), Remove, Cancel (also Esc).
    fn sink_form_action(&mut self, action: Action) {
        use crate::tui::state::wizard::sinks::Field;
        let Some(w) = self.wizard.as_mut() else {
            return;
        };
        let invalid = w.mapping.sink_has_errors();
        let Some(open) = w.mapping.sink_form.as_mut() else {
            return;
        };
        match action {
            Action::NextFocus | Action::Down => open.form.focus_step(true),
            Action::PrevFocus | Action::Up => open.form.focus_step(false),
            Action::Back => {
                w.mapping.cancel_sink();
                self.revalidate_wizard();
            }
            Action::Enter => match open.form.focused() {
                Field::Cancel => {
                    w.mapping.cancel_sink();
                    self.revalidate_wizard();
                }
                Field::Remove => {
                    w.mapping.remove_sink();
                    self.revalidate_wizard();
                    self.set_status(Tone::Ok, "Sink removed: saved with the rotation.");
                }
                Field::Save if invalid => {
                    w.reveal_errors(Step::Mapping);
                    self.set_status(
                        Tone::Error,
                        "Fix the fields marked ✗ before saving the sink.",
                    );
                }
                Field::Save => {
                    w.mapping.save_sink();
                    self.revalidate_wizard();
                    // Replaces a refusal still on the status line.
                    self.set_status(Tone::Ok, "Sink saved: written with the rotation.");
                }
                _ => open.form.focus_step(true),
            },
            _ => {}
        }
    }
}
