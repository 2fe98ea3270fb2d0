//! Leaving: `q` quits (in the wizard it closes the wizard, asking when input would be lost), Ctrl-C asks only while a rotation runs (a second
//! Ctrl-C leaves anyway); confirmations and closing the wizard.

use crate::tui::action::Action;
use crate::tui::app::{App, Screen};
use crate::tui::popup::{Confirm, Popup};

impl App {
    /// `q`: in the wizard it closes the wizard, as Esc does (asking first when input would be
    /// lost); elsewhere it quits, asking first while a rotation runs.
    pub(crate) fn ask_quit(&mut self) -> Option<Action> {
        if self.screen == Screen::Wizard {
            let unsaved = self
                .wizard
                .as_ref()
                .is_some_and(|w| w.is_dirty(&self.doc, self.zone, self.now));
            if unsaved {
                self.confirm(
                    "Close the wizard?",
                    vec!["The rotation being edited has unsaved input; it will be lost.".into()],
                    Action::DiscardWizard,
                    "discard",
                );
            } else {
                self.close_wizard();
            }
            return None;
        }
        if self.any_running() {
            return self.force_quit();
        }
        Some(Action::QuitNow)
    }

    /// Ctrl-C: exits, asking only while a rotation runs (a second Ctrl-C exits anyway).
    pub(crate) fn force_quit(&mut self) -> Option<Action> {
        let asking = matches!(
            self.popups.last(),
            Some(Popup::Confirm(c)) if matches!(*c.yes, Action::QuitNow)
        );
        if self.any_running() && !asking {
            self.confirm(
                "A rotation is running",
                vec![
                    "Quitting stops it midway; its journal lets the next start finish it.".into(),
                    "Quit anyway?".into(),
                ],
                Action::QuitNow,
                "quit",
            );
            return None;
        }
        Some(Action::QuitNow)
    }

    pub(crate) fn confirm(
        &mut self,
        title: &str,
        lines: Vec<String>,
        yes: Action,
        yes_label: &'static str,
    ) {
        self.popups.push(Popup::Confirm(Confirm {
            title: title.to_string(),
            lines,
            yes: Box::new(yes),
            yes_label,
        }));
    }

    pub(crate) fn close_wizard(&mut self) {
        self.wizard = None;
        self.screen = Screen::Dashboard;
    }
}
