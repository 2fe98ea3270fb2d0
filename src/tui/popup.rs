//! The popup stack's entries. The top popup gets keys first; a confirmation carries the action it
//! emits on yes, so nothing happens until the operator agrees.

use uuid::Uuid;

use super::action::Action;
use super::keymap::Context;
use super::theme::Tone;
use super::widgets::TextField;
use crate::model::{Rotation, Slot};

#[derive(Clone, Debug)]
pub(crate) enum Popup {
    Confirm(Confirm),
    Delete(DeleteDialog),
    /// Live progress of a rotation started here ("rotate now").
    Progress {
        rotation_id: Uuid,
        name: String,
    },
    /// The per-node report of a connection test (live while it runs).
    Report {
        connection_id: Uuid,
        name: String,
    },
    Message(Message),
    Help {
        scroll: u16,
    },
}

impl Popup {
    pub(crate) fn context(&self) -> Context {
        match self {
            Popup::Confirm(_) => Context::Confirm,
            Popup::Delete(_) => Context::Delete,
            Popup::Progress { .. } | Popup::Report { .. } | Popup::Message(_) => Context::Notice,
            Popup::Help { .. } => Context::Help,
        }
    }
}

/// A yes/no question with the action to emit on yes.
#[derive(Clone, Debug)]
pub(crate) struct Confirm {
    pub(crate) title: String,
    pub(crate) lines: Vec<String>,
    pub(crate) yes: Box<Action>,
    /// What "y" does, in words ("rotate", "quit", "discard").
    pub(crate) yes_label: &'static str,
}

#[derive(Clone, Debug)]
pub(crate) struct Message {
    pub(crate) title: String,
    pub(crate) lines: Vec<String>,
    pub(crate) tone: Tone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeleteFocus {
    Revoke,
    Secrets,
    Name,
}

/// Delete a rotation: two choices (both off by default) and the name typed to confirm.
#[derive(Clone, Debug)]
pub(crate) struct DeleteDialog {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) users: [String; 2],
    pub(crate) secrets: [String; 2],
    pub(crate) environment: String,
    pub(crate) secret_path: String,
    pub(crate) revoke: bool,
    pub(crate) delete_secrets: bool,
    pub(crate) focus: DeleteFocus,
    pub(crate) typed: TextField,
    /// Set when Enter was pressed before the name matched.
    pub(crate) nudge: bool,
}

impl DeleteDialog {
    pub(crate) fn new(r: &Rotation) -> DeleteDialog {
        DeleteDialog {
            id: r.id,
            name: r.name.clone(),
            users: [r.username_for(Slot::Zero), r.username_for(Slot::One)],
            secrets: [
                r.secrets_mapping.username.clone(),
                r.secrets_mapping.password.clone(),
            ],
            environment: r.environment.clone(),
            secret_path: r.secret_path.clone(),
            revoke: false,
            delete_secrets: false,
            focus: DeleteFocus::Revoke,
            typed: TextField::default(),
            nudge: false,
        }
    }

    pub(crate) fn confirmed(&self) -> bool {
        self.typed.value() == self.name
    }

    /// What the delete leaves in place, in words, as the choices stand.
    pub(crate) fn stays(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.revoke {
            out.push(format!(
                "ACL users {} and {} stay on the server",
                self.users[0], self.users[1]
            ));
        }
        if !self.delete_secrets {
            out.push(format!(
                "secrets {} and {} stay in {} {}",
                self.secrets[0], self.secrets[1], self.environment, self.secret_path
            ));
        }
        out
    }

    pub(crate) fn move_focus(&mut self, forward: bool) {
        use DeleteFocus::*;
        self.focus = match (self.focus, forward) {
            (Revoke, true) => Secrets,
            (Secrets, true) => Name,
            (Name, true) => Revoke,
            (Revoke, false) => Name,
            (Secrets, false) => Revoke,
            (Name, false) => Secrets,
        };
    }

    pub(crate) fn toggle(&mut self) {
        match self.focus {
            DeleteFocus::Revoke => self.revoke = !self.revoke,
            DeleteFocus::Secrets => self.delete_secrets = !self.delete_secrets,
            DeleteFocus::Name => {}
        }
    }

    /// The action Enter emits, once the name matches.
    pub(crate) fn action(&self) -> Option<Action> {
        self.confirmed().then_some(Action::StartDelete {
            id: self.id,
            revoke: self.revoke,
            delete_secrets: self.delete_secrets,
        })
    }
}
