//! The connections screen and the connection form (also used inline by the wizard): list, add,
//! test, edit, remove.

use ratatui::crossterm::event::KeyEvent;
use uuid::Uuid;

use crate::tui::action::{Action, FormOrigin};
use crate::tui::app::{App, Screen};
use crate::tui::state::connection_form::{Command, ConnectionForm};
use crate::tui::tasks::Task;
use crate::tui::theme::Tone;
use crate::tui::widgets::Handled;

impl App {
    /// The form of `origin`, when open.
    pub(crate) fn form_mut(&mut self, origin: FormOrigin) -> Option<&mut ConnectionForm> {
        match origin {
            FormOrigin::Screen => self.connections.form.as_mut(),
            FormOrigin::Wizard => self.wizard.as_mut()?.connection.form.as_mut(),
        }
    }

    fn form_origin(&self) -> FormOrigin {
        if self.screen == Screen::Wizard {
            FormOrigin::Wizard
        } else {
            FormOrigin::Screen
        }
    }

    pub(crate) fn revalidate_form(&mut self, origin: FormOrigin) {
        let doc = self.doc.clone();
        if let Some(form) = self.form_mut(origin) {
            form.revalidate(&doc.connections);
        }
    }

    pub(crate) fn form_key(&mut self, key: &KeyEvent) -> bool {
        let origin = self.form_origin();
        let Some(form) = self.form_mut(origin) else {
            return false;
        };
        match form.form.handle_key(key) {
            Handled::Changed => {
                self.revalidate_form(origin);
                true
            }
            Handled::Moved => true,
            Handled::Ignored => false,
        }
    }

    pub(crate) fn open_form(&mut self, origin: FormOrigin, form: ConnectionForm) {
        match origin {
            FormOrigin::Screen => self.connections.form = Some(form),
            FormOrigin::Wizard => {
                if let Some(w) = self.wizard.as_mut() {
                    w.connection.form = Some(form);
                }
            }
        }
        self.revalidate_form(origin);
    }

    pub(crate) fn close_form(&mut self, origin: FormOrigin) {
        match origin {
            FormOrigin::Screen => self.connections.form = None,
            FormOrigin::Wizard => {
                if let Some(w) = self.wizard.as_mut() {
                    w.connection.form = None;
                }
            }
        }
    }

    pub(crate) fn form_action(&mut self, origin: FormOrigin, action: Action) -> Option<Action> {
        let form = self.form_mut(origin)?;
        match action {
            Action::NextFocus | Action::Down => form.form.focus_step(true),
            Action::PrevFocus | Action::Up => form.form.focus_step(false),
            Action::Back => self.close_form(origin),
            Action::Enter => {
                let command = form.enter();
                if command == Command::Cancel {
                    self.close_form(origin);
                    return None;
                }
                match form.task(origin, command) {
                    Ok(Some(task)) => {
                        form.busy = Some(if command == Command::Test {
                            "Testing every node…"
                        } else {
                            "Testing, then saving…"
                        });
                        form.report = None;
                        self.tasks.push(task);
                    }
                    Ok(None) => {}
                    Err(why) => self.set_status(Tone::Error, why),
                }
            }
            _ => {}
        }
        None
    }

    pub(crate) fn connections_action(&mut self, action: Action) -> Option<Action> {
        if self.connections.form.is_some() {
            return self.form_action(FormOrigin::Screen, action);
        }
        if self.connections.leftovers.is_some() {
            return self.leftovers_action(action);
        }
        let len = self.doc.connections.len();
        let sel = self.connections.selected.min(len.saturating_sub(1));
        let current = self.doc.connections.get(sel).cloned();
        match action {
            Action::Up => self.connections.selected = sel.saturating_sub(1),
            Action::Down => self.connections.selected = (sel + 1).min(len.saturating_sub(1)),
            Action::Top => self.connections.selected = 0,
            Action::Bottom => self.connections.selected = len.saturating_sub(1),
            Action::AddConnection => self.open_form(FormOrigin::Screen, ConnectionForm::new()),
            Action::EditConnection | Action::TestConnection | Action::RemoveConnection
                if current.is_none() =>
            {
                self.set_status(Tone::Warn, "No connection yet: press a to add one.");
            }
            Action::EditConnection => {
                if let Some(c) = current {
                    self.open_form(FormOrigin::Screen, ConnectionForm::edit(&c));
                }
            }
            Action::TestConnection => {
                if let Some(c) = current {
                    self.test_connection(c.id);
                }
            }
            Action::RemoveConnection => {
                if let Some(c) = current {
                    self.ask_remove_connection(c.id, &c.name);
                }
            }
            Action::Leftovers => match current {
                Some(c) => self.open_leftovers(c.id),
                None => self.set_status(Tone::Warn, "No connection yet: press a to add one."),
            },
            Action::Back => self.screen = Screen::Dashboard,
            _ => {}
        }
        None
    }

    fn ask_remove_connection(&mut self, id: Uuid, name: &str) {
        let users: Vec<&str> = self
            .doc
            .rotations
            .iter()
            .filter(|r| r.connection_id == id)
            .map(|r| r.name.as_str())
            .collect();
        if !users.is_empty() {
            let text = format!(
                "Connection {name} is used by rotation(s) {}: delete them first.",
                users.join(", ")
            );
            self.set_status(Tone::Error, text);
            return;
        }
        self.confirm(
            &format!("Remove connection {name}?"),
            vec![
                "No rotation uses it. Nothing changes on the Redis server;".into(),
                "only the stored connection (and its admin password) is removed.".into(),
            ],
            Action::StartRemoveConnection(id),
            "remove",
        );
    }

    pub(crate) fn start_remove_connection(&mut self, id: Uuid) -> Option<Action> {
        self.tasks.push(Task::RemoveConnection(id));
        self.set_status(Tone::Busy, "Removing the connection…");
        None
    }
}
