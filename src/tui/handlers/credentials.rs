//! The credentials screen: current and previous credential, masked until revealed; copying goes
//! through OSC 52 so it reaches the operator's clipboard even over SSH.

use crate::tui::action::Action;
use crate::tui::app::{App, Loadable, Screen};
use crate::tui::tasks::Task;
use crate::tui::theme::Tone;

impl App {
    pub(crate) fn credentials_action(&mut self, action: Action) -> Option<Action> {
        let Some(state) = self.credentials.as_mut() else {
            self.screen = Screen::Dashboard;
            return None;
        };
        match action {
            Action::Up | Action::Top => state.row = 0,
            Action::Down | Action::Bottom => state.row = 1,
            Action::Reveal => state.revealed = !state.revealed,
            Action::Copy => {
                let Loadable::Ready(creds) = &state.creds else {
                    self.set_status(Tone::Warn, "The credentials are not loaded yet.");
                    return None;
                };
                let view = if state.row == 0 {
                    Some(&creds.active)
                } else {
                    creds.previous.as_ref()
                };
                match view {
                    Some(v) => {
                        let text = format!(
                            "Copied the password of {} to the clipboard (OSC 52).",
                            v.username
                        );
                        self.tasks.push(Task::Clipboard(v.password.clone()));
                        self.set_status(Tone::Ok, text);
                    }
                    None => self.set_status(
                        Tone::Warn,
                        "There is no previous credential until the first rotation.",
                    ),
                }
            }
            Action::Back => {
                // Dropping the state wipes the opened passwords (they zeroize).
                self.credentials = None;
                self.screen = Screen::Dashboard;
            }
            _ => {}
        }
        None
    }
}
