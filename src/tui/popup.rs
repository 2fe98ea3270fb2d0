//! The popup stack's entries. The top popup gets keys first; a confirmation carries the action it
//! emits on yes, so nothing happens until the operator agrees.

use uuid::Uuid;

use super::action::Action;
use super::keymap::Context;
use super::theme::Tone;
use super::widgets::TextField;
use crate::model::{Rotation, Slot};

#[derive(Clone, Debug)]
pub enum Popup {
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
    pub fn context(&self) -> Context {
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
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub yes: Box<Action>,
    /// What "y" does, in words ("rotate", "quit", "discard").
    pub yes_label: &'static str,
}

#[derive(Clone, Debug)]
pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
    pub tone: Tone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteFocus {
    Revoke,
    Secrets,
    Name,
}

/// Delete a rotation: two choices (both off by default) and the name typed to confirm.
#[derive(Clone, Debug)]
pub struct DeleteDialog {
    pub id: Uuid,
    pub name: String,
    pub users: [String; 2],
    pub secrets: [String; 2],
    pub environment: String,
    pub secret_path: String,
    pub revoke: bool,
    pub delete_secrets: bool,
    pub focus: DeleteFocus,
    pub typed: TextField,
    /// Set when Enter was pressed before the name matched.
    pub nudge: bool,
}

impl DeleteDialog {
    pub fn new(r: &Rotation) -> DeleteDialog {
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

    pub fn confirmed(&self) -> bool {
        self.typed.value() == self.name
    }

    /// What the delete leaves in place, in words, as the choices stand.
    pub fn stays(&self) -> Vec<String> {
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

    pub fn move_focus(&mut self, forward: bool) {
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

    pub fn toggle(&mut self) {
        match self.focus {
            DeleteFocus::Revoke => self.revoke = !self.revoke,
            DeleteFocus::Secrets => self.delete_secrets = !self.delete_secrets,
            DeleteFocus::Name => {}
        }
    }

    /// The action Enter emits, once the name matches.
    pub fn action(&self) -> Option<Action> {
        self.confirmed().then_some(Action::StartDelete {
            id: self.id,
            revoke: self.revoke,
            delete_secrets: self.delete_secrets,
        })
    }
}
