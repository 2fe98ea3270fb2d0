//! Keys for the popup on top of the stack: confirmations emit their carried action on yes, the
//! delete dialog needs the name typed, notices and help close.

use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::popup::{DeleteFocus, Popup};
use crate::tui::theme::Tone;

impl App {
    pub(crate) fn popup_action(&mut self, action: Action) -> Option<Action> {
        let top = self.popups.last_mut()?;
        match top {
            Popup::Confirm(c) => match action {
                Action::Yes => {
                    let yes = (*c.yes).clone();
                    self.popups.pop();
                    Some(yes)
                }
                Action::No | Action::Back => {
                    self.popups.pop();
                    None
                }
                _ => None,
            },
            Popup::Delete(d) => {
                match action {
                    Action::NextFocus | Action::Down => d.move_focus(true),
                    Action::PrevFocus | Action::Up => d.move_focus(false),
                    Action::Toggle => d.toggle(),
                    Action::Enter => match d.action() {
                        Some(next) => {
                            self.popups.pop();
                            return Some(next);
                        }
                        None => {
                            d.nudge = true;
                            d.focus = DeleteFocus::Name;
                        }
                    },
                    Action::No | Action::Back => {
                        self.popups.pop();
                    }
                    _ => {}
                }
                None
            }
            Popup::Help { scroll } => {
                match action {
                    Action::Up => *scroll = scroll.saturating_sub(1),
                    Action::Down => *scroll = scroll.saturating_add(1),
                    Action::PageUp => *scroll = scroll.saturating_sub(10),
                    Action::PageDown => *scroll = scroll.saturating_add(10),
                    Action::Back => {
                        self.popups.pop();
                    }
                    _ => {}
                }
                None
            }
            Popup::Progress { name, .. } => {
                if matches!(action, Action::Back) {
                    let name = name.clone();
                    self.popups.pop();
                    if self.any_running() {
                        self.set_status(
                            Tone::Busy,
                            format!("{name} keeps rotating; progress shows in the detail pane."),
                        );
                    }
                }
                None
            }
            Popup::Report { .. } | Popup::Message(_) => {
                if matches!(action, Action::Back) {
                    self.popups.pop();
                }
                None
            }
        }
    }
}
