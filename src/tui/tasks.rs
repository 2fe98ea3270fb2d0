//! Work the console asks for and never does on the UI path: every engine call runs on tokio and
//! its result comes back as an `Action` over the channel. `App::update` only queues `Task`s.

use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::action::{Action, FormOrigin, TaskError, TestTarget};
use crate::engine::{ConnectionSecrets, Engine};
use crate::model::Password;
use crate::model::request::{ConnectionRequest, RotationRequest};
use crate::model::schedule::Trigger;
use crate::model::validation::ConnectionSpec;

#[derive(Clone, Debug)]
pub(crate) enum Task {
    /// Read the database again (another process wrote, or we did).
    Reload,
    Rotate(Uuid),
    /// A new rotation, adopting an existing user when its current password is given.
    Create(RotationRequest, Option<crate::model::Password>),
    Update(Uuid, RotationRequest),
    SetAutoRotation(Uuid, bool),
    Delete {
        id: Uuid,
        revoke: bool,
        delete_secrets: bool,
    },
    Credentials(Uuid),
    Sessions(Uuid),
    /// Whether every node holds both credentials of a rotation (read only).
    NodeSync(Uuid),
    TestConnection(Uuid),
    /// Test a form's values before saving. `stored` is the connection being edited: its stored
    /// admin (and Sentinel) password is used when no new one was typed.
    TestDraft {
        origin: FormOrigin,
        spec: ConnectionSpec,
        secrets: ConnectionSecrets,
        stored: Option<Uuid>,
    },
    AddConnection(FormOrigin, ConnectionRequest, ConnectionSecrets),
    EditConnection(FormOrigin, Uuid, ConnectionRequest, ConnectionSecrets),
    RemoveConnection(Uuid),
    /// The ACL users on a connection's server that no rotation owns.
    Leftovers(Uuid),
    /// Remove one of those users from every node of the connection.
    RevokeUser(Uuid, String),
    /// Copy to the operator's clipboard with OSC 52 (handled by the event loop: it owns the
    /// terminal).
    Clipboard(Password),
}

/// Runs `task` in the background; its result arrives on `tx`.
pub(crate) fn spawn(engine: &Engine, task: Task, tx: &UnboundedSender<Action>) {
    let engine = engine.clone();
    let tx = tx.clone();
    tokio::spawn(async move {
        if let Some(action) = run(engine, task).await {
            let _ = tx.send(action);
        }
    });
}

/// Blocking engine reads (they may read and decrypt the file) go to the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, TaskError> + Send + 'static,
) -> Result<T, TaskError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(TaskError::new(format!("background read stopped: {e}"))))
}

async fn run(engine: Engine, task: Task) -> Option<Action> {
    let action = match task {
        Task::Reload => {
            let e = engine.clone();
            Action::Reloaded(blocking(move || e.shown_snapshot().map_err(TaskError::from)).await)
        }
        Task::Rotate(id) => Action::Rotated(
            id,
            engine
                .rotate(id, Trigger::Manual)
                .await
                .map_err(TaskError::from),
        ),
        Task::Create(req, current) => Action::Created(
            engine
                .create_adopting(&req, current)
                .await
                .map_err(TaskError::from),
        ),
        Task::Update(id, patch) => Action::Updated(
            engine
                .update_rotation(id, &patch)
                .await
                .map_err(TaskError::from),
        ),
        Task::SetAutoRotation(id, on) => Action::AutoRotationSet(
            engine
                .set_auto_rotation(id, on)
                .await
                .map_err(TaskError::from),
        ),
        Task::Delete {
            id,
            revoke,
            delete_secrets,
        } => Action::Deleted(
            engine
                .delete_rotation(id, revoke, delete_secrets)
                .await
                .map_err(TaskError::from),
        ),
        Task::Credentials(id) => {
            let e = engine.clone();
            Action::CredentialsLoaded(
                id,
                blocking(move || e.credentials(id).map_err(TaskError::from)).await,
            )
        }
        Task::Sessions(id) => {
            Action::SessionsLoaded(id, engine.sessions(id).await.map_err(TaskError::from))
        }
        Task::NodeSync(id) => {
            Action::SyncLoaded(id, engine.node_sync(id).await.map_err(TaskError::from))
        }
        Task::TestConnection(id) => Action::ConnectionTested(
            TestTarget::Stored(id),
            engine
                .test_connection(&id.to_string())
                .await
                .map_err(TaskError::from),
        ),
        Task::TestDraft {
            origin,
            spec,
            secrets,
            stored,
        } => {
            let secrets = match stored {
                Some(id) => engine
                    .find_connection(&id.to_string())
                    .and_then(|c| engine.stored_secrets_under(&c, secrets))
                    .map_err(TaskError::from),
                None => Ok(secrets),
            };
            let report = match secrets {
                Ok(s) => Ok(engine.test_draft_with(&spec, &s).await),
                Err(e) => Err(e),
            };
            Action::ConnectionTested(TestTarget::Draft(origin), report)
        }
        Task::AddConnection(origin, req, password) => Action::ConnectionSaved(
            origin,
            engine
                .add_connection_with(&req, password)
                .await
                .map_err(TaskError::from),
        ),
        Task::EditConnection(origin, id, req, password) => Action::ConnectionSaved(
            origin,
            engine
                .edit_connection_with(&id.to_string(), &req, password)
                .await
                .map_err(TaskError::from),
        ),
        Task::RemoveConnection(id) => Action::ConnectionRemoved(
            engine
                .remove_connection(&id.to_string())
                .await
                .map_err(TaskError::from),
        ),
        Task::Leftovers(id) => Action::LeftoversLoaded(
            id,
            engine
                .leftover_users(&id.to_string())
                .await
                .map_err(TaskError::from),
        ),
        Task::RevokeUser(id, user) => {
            let result = engine
                .revoke_leftover_user(&id.to_string(), &user)
                .await
                .map_err(TaskError::from);
            Action::UserRevoked(id, user, result)
        }
        Task::Clipboard(_) => return None,
    };
    Some(action)
}
