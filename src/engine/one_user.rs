//! The one-user strategy's Redis steps (SPEC 2.3): one ACL user holds the store's two passwords.
//! Every change sets the user's whole password list to a target (`on resetpass #a #b`): one
//! atomic, idempotent command per node, so apply, compensation and roll-forward are the same
//! command with different targets, and a lost reply is harmless. Passwords travel as
//! `#<sha256>`, never in clear. Permissions are only sent when the rotation creates the user;
//! the `default` user's never.

use crate::model::{JournalKind, Password, Rotation, Slot};
use crate::redis::{Node, RedisError, acl, acl_state};
use crate::store::Binding;

use super::rotate::Job;
use super::{Engine, EngineError};

impl Engine {
    /// The password that stays valid through a one-user rotation of `r`: the active one.
    pub(crate) fn kept_password(&self, r: &Rotation) -> Result<Option<Password>, EngineError> {
        if !r.is_one_user() {
            return Ok(None);
        }
        self.stored_password(r, r.active_index)
    }

    /// A slot's stored password, opened.
    pub(crate) fn stored_password(
        &self,
        r: &Rotation,
        slot: Slot,
    ) -> Result<Option<Password>, EngineError> {
        match r.slot(slot) {
            None => Ok(None),
            Some(c) => Ok(Some(
                self.inner
                    .store
                    .cipher()?
                    .open(&c.password, &Binding::slot_password(r.id, slot))?,
            )),
        }
    }

    /// Step 2 on one node, for either strategy, on `node` alone (see `apply_command`).
    pub(crate) async fn apply_node(&self, job: &Job, node: &Node) -> Result<(), RedisError> {
        node.query::<()>("ACL SETUSER", &self.apply_command(job))
            .await
            .map_err(|e| e.redacted(job.password.expose()))
    }

    /// Step 2's command for either strategy: the whole user for two users (`reset on >new
    /// <scope…>`), the whole password list for one user.
    pub(crate) fn apply_command(&self, job: &Job) -> redis::Cmd {
        if !job.rotation.is_one_user() {
            return acl::set_user_command(&job.username, &job.password, &job.scope);
        }
        let new = acl::password_hash(&job.password);
        match &job.keep {
            // A user the rotation creates gets the scope with its first password.
            None if job.kind == JournalKind::Create => {
                acl_state::create_from_hashes_command(&job.username, &[new], &job.scope)
            }
            None => acl_state::set_hashes_command(&job.username, &[new]),
            Some(keep) => {
                acl_state::set_hashes_command(&job.username, &[acl::password_hash(keep), new])
            }
        }
    }

    /// Compensation on one node, for either strategy: the slot back as the store knows it
    /// (`old`: its stored password; `None` when it was empty).
    pub(crate) async fn undo_node(
        &self,
        job: &Job,
        node: &Node,
        old: Option<&Password>,
    ) -> Result<(), RedisError> {
        if !job.rotation.is_one_user() {
            return match old {
                Some(p) => acl::set_user(node, &job.username, p, &job.scope).await,
                None => acl::del_user(node, &job.username).await.map(|_| ()),
            };
        }
        let hashes: Vec<String> = job.keep.iter().chain(old).map(acl::password_hash).collect();
        if hashes.is_empty() {
            // A user this create made: it goes again.
            return acl::del_user(node, &job.username).await.map(|_| ());
        }
        acl_state::set_hashes(node, &job.username, &hashes).await
    }
}
