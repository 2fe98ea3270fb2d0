//! Every user intent and every background result, as one enum: the only input `App::update`
//! knows. Keys become actions through the keymap; engine work comes back as actions.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;
use uuid::Uuid;

use crate::engine::SessionCounts;
use crate::engine::{ConnectionReport, Credentials, DeleteOutcome, EngineError, EngineEvent};
use crate::model::{Connection, FieldError, Rotation};
use crate::store::Document;

/// Where a connection form lives, so its result goes back to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormOrigin {
    /// The connections screen.
    Screen,
    /// Step 1 of the wizard (add and test inline).
    Wizard,
}

/// What a connection test was about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TestTarget {
    Stored(Uuid),
    Draft(FormOrigin),
}

/// An engine failure as the console shows it: the sentence, and the fields it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TaskError {
    pub(crate) message: String,
    pub(crate) fields: Vec<FieldError>,
}

impl TaskError {
    pub(crate) fn new(message: impl Into<String>) -> TaskError {
        TaskError {
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl From<EngineError> for TaskError {
    fn from(e: EngineError) -> TaskError {
        let fields = match &e {
            EngineError::Invalid(v) => v.0.clone(),
            _ => Vec::new(),
        };
        TaskError {
            message: e.to_string(),
            fields,
        }
    }
}

pub(crate) type Outcome<T> = Result<T, TaskError>;

/// Pasted text. It may be a password, so `Debug` (an action in a log line or a test failure)
/// shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Pasted(pub zeroize::Zeroizing<String>);

impl Pasted {
    pub(crate) fn new(text: impl Into<String>) -> Pasted {
        Pasted(zeroize::Zeroizing::new(text.into()))
    }

    pub(crate) fn text(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pasted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pasted({} chars ••••••)", self.0.chars().count())
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Action {
    // Terminal and clock.
    Key(KeyEvent),
    /// Bracketed paste: may be a password on its way into a masked field.
    Paste(Pasted),
    /// The terminal's new size (columns, rows); also sent once at start.
    Resize(u16, u16),
    /// The wall clock moved (countdowns, spinners).
    Tick(DateTime<Utc>),
    /// Time to sample health (live sessions, nodes) again; never waits for the answers.
    Sample,
    /// The in-process scheduler's state and who holds the lease.
    Scheduler(
        crate::engine::scheduler::SchedulerState,
        Option<crate::engine::lease::LeaseHolder>,
    ),

    // Movement and focus.
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextFocus,
    PrevFocus,
    /// Enter: open, next, confirm.
    Enter,
    /// Esc: close, cancel, step back.
    Back,
    /// Space on a checkbox.
    Toggle,

    // The application.
    Help,
    /// `q`: asks first when a wizard has unsaved input.
    Quit,
    /// Ctrl-C: exits, asking first only when a rotation is running.
    ForceQuit,
    /// Confirmed: exit now.
    QuitNow,
    Filter,

    // On the selected rotation.
    RotateNow,
    ViewCredentials,
    EditRotation,
    PauseResume,
    DeleteRotation,
    TestConnection,
    NewRotation,
    OpenConnections,
    /// `H`: the selected rotation's history (attempts and secret versions).
    History,

    // Credentials screen.
    Reveal,
    Copy,

    // Connections screen.
    AddConnection,
    EditConnection,
    RemoveConnection,
    /// `u`: list the ACL users on the connection's server that no rotation owns.
    Leftovers,
    /// `x`: revoke the selected leftover user (asks first).
    RevokeUser,

    // Confirmations.
    Yes,
    No,

    // Intents a confirmation carries, emitted on yes.
    StartRotation(Uuid),
    StartDelete {
        id: Uuid,
        revoke: bool,
        delete_secrets: bool,
    },
    StartRemoveConnection(Uuid),
    /// Revoke a leftover ACL user on a connection's server.
    StartRevokeUser(Uuid, String),
    DiscardWizard,

    // Results of background work.
    Reloaded(Outcome<Arc<Document>>),
    Engine(EngineEvent),
    Rotated(Uuid, Outcome<Rotation>),
    Created(Outcome<Rotation>),
    Updated(Outcome<Rotation>),
    AutoRotationSet(Outcome<Rotation>),
    Deleted(Outcome<DeleteOutcome>),
    CredentialsLoaded(Uuid, Outcome<Credentials>),
    SessionsLoaded(Uuid, Outcome<[SessionCounts; 2]>),
    SyncLoaded(Uuid, Outcome<Vec<crate::engine::NodeSync>>),
    ConnectionTested(TestTarget, Outcome<ConnectionReport>),
    ConnectionSaved(FormOrigin, Outcome<(Connection, ConnectionReport)>),
    ConnectionRemoved(Outcome<Connection>),
    LeftoversLoaded(Uuid, Outcome<Vec<crate::engine::LeftoverUser>>),
    UserRevoked(Uuid, String, Outcome<()>),
}

#[cfg(test)]
mod tests {
    use super::{Action, Pasted};

    #[test]
    fn a_pasted_text_never_shows_in_debug() {
        let shown = format!("{:?}", Action::Paste(Pasted::new("hunter2-secret")));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("14 chars"), "{shown}");
    }
}
