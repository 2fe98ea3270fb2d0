//! Keys before they become actions: Ctrl-C always wins, then the focused field (text, number,
//! choice) takes what it edits, and only then does the keymap of the current context apply.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::popup::{DeleteFocus, Popup};
use crate::tui::widgets::Handled;

impl App {
    pub(crate) fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.kind != KeyEventKind::Press {
            return None;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Some(Action::ForceQuit);
        }
        if self.too_small() {
            // Nothing on the hidden screen may act; only leaving works, as the notice says.
            return match key.code {
                KeyCode::Char('q') => self.force_quit(),
                _ => None,
            };
        }
        if self.edit_key(&key) {
            return None;
        }
        keymap::lookup(self.context(), &key)
    }

    /// Gives the key to the focused field, if it takes it. True when consumed.
    fn edit_key(&mut self, key: &KeyEvent) -> bool {
        match self.context() {
            Context::Filter => match self.dashboard.filter.handle(key) {
                Handled::Changed => {
                    self.refresh_visible();
                    true
                }
                Handled::Moved => true,
                Handled::Ignored => false,
            },
            Context::Delete => match self.popups.last_mut() {
                Some(Popup::Delete(d)) if d.focus == DeleteFocus::Name => {
                    d.nudge = false;
                    d.typed.handle(key) != Handled::Ignored
                }
                _ => false,
            },
            Context::ConnectionForm => self.form_key(key),
            Context::Wizard | Context::SinkForm => self.wizard_key(key),
            _ => false,
        }
    }

    pub(crate) fn on_paste(&mut self, text: &str) {
        match self.context() {
            Context::Filter => {
                self.dashboard.filter.insert_str(text);
                self.refresh_visible();
            }
            Context::Delete => {
                if let Some(Popup::Delete(d)) = self.popups.last_mut() {
                    d.typed.insert_str(text);
                }
            }
            Context::ConnectionForm | Context::Wizard | Context::SinkForm => {
                self.wizard_or_form_paste(text)
            }
            _ => {}
        }
    }
}
