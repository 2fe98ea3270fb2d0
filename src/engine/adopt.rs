//! What a create may find on the servers before it writes anything: the rotation's users must be
//! new, unless an existing user is adopted (`--current-password-stdin`), whose current password
//! is then proven by a fresh login on every node. One-user keeps that password valid as the
//! previous credential; two-users leaves the existing user untouched and says so.

use crate::model::validation::FieldError;
use crate::model::{Connection, EventKind, Outcome, Password, Rotation, Slot, Strategy};
use crate::redis::{Node, acl, acl_state};

use super::rotate::event_for;
use super::{Engine, EngineError};

const USERNAME: &str = "parameters.username";

fn invalid(field: &str, message: String) -> EngineError {
    EngineError::Invalid(FieldError::new(field, message).into())
}

impl Engine {
    /// Checks the servers for a create of `r`; `current` is the adopted user's password.
    /// Returns the sentence the event log keeps about an adoption: the user two-users leaves
    /// untouched, or, for one-user, that the current password stays and how many other
    /// passwords were dropped (a one-user rotation keeps exactly two).
    pub(crate) async fn check_users_for_create(
        &self,
        r: &Rotation,
        conn: &Connection,
        nodes: &[Node],
        current: Option<&Password>,
    ) -> Result<Option<String>, EngineError> {
        let adopted = r.parameters.username.clone();
        if r.parameters.strategy == Strategy::TwoUsers {
            self.refuse_existing(r, conn, nodes).await?;
            return match (adopted, current) {
                (None, None) => Ok(None),
                (Some(user), Some(password)) => {
                    self.prove_login(conn, nodes, &user, password).await?;
                    Ok(Some(format!(
                        "existing user `{user}` was left untouched: its password keeps working until you remove it; apps move to {} by reading the mapped secrets",
                        r.username_for(Slot::Zero)
                    )))
                }
                (None, Some(_)) => Err(invalid(
                    USERNAME,
                    "is required to adopt an existing user: name the user whose current password is given".into(),
                )),
                (Some(user), None) => Err(invalid(
                    USERNAME,
                    format!(
                        "names `{user}`, an existing user to adopt: give its current password with --current-password-stdin, or leave {USERNAME} out"
                    ),
                )),
            };
        }
        let user = r.username_for(Slot::Zero);
        match current {
            None => self.refuse_existing(r, conn, nodes).await.map(|()| None),
            Some(password) => {
                let others = self.other_passwords(nodes, &user, password).await?;
                self.prove_login(conn, nodes, &user, password).await?;
                let mut note = format!(
                    "adopted user `{user}`: its current password stays valid as the previous credential until the next rotation"
                );
                if others > 0 {
                    note.push_str(&format!(
                        "; {others} other password(s) it held were removed (a one-user rotation keeps exactly two)"
                    ));
                }
                Ok(Some(note))
            }
        }
    }

    /// The rotation's users may not exist yet on any node: they would belong to someone else.
    async fn refuse_existing(
        &self,
        r: &Rotation,
        conn: &Connection,
        nodes: &[Node],
    ) -> Result<(), EngineError> {
        let (field, fix) = if r.is_one_user() {
            (
                USERNAME,
                "adopt it with --current-password-stdin (its current password stays valid until the next rotation), or choose another parameters.username".to_string(),
            )
        } else if r.parameters.username_prefix.is_some() {
            (
                "parameters.usernamePrefix",
                "choose another parameters.usernamePrefix".into(),
            )
        } else {
            ("name", "choose another name".into())
        };
        let listed = futures::future::join_all(nodes.iter().map(acl::users)).await;
        for (node, users) in nodes.iter().zip(listed) {
            let users = users.map_err(|e| super::fleet::in_connection(conn, e))?;
            if let Some(u) = r.usernames().into_iter().find(|u| users.contains(u)) {
                return Err(invalid(
                    field,
                    format!("ACL user `{u}` already exists on {}: {fix}", node.addr),
                ));
            }
        }
        Ok(())
    }

    /// An informational event about `r` (what an adoption kept, left or removed).
    pub(crate) async fn log_info(&self, r: &Rotation, kind: EventKind, message: String) {
        let now = self.now();
        let r = r.clone();
        let _ = self
            .write(move |_, events| {
                events.push(event_for(&r, kind, Outcome::Info, None, now, message));
                Ok(())
            })
            .await;
    }

    /// How many passwords besides `current` the user holds on its most-loaded node. A user with
    /// `nopass` is refused: it takes any password, and adopting it would lock its apps out.
    async fn other_passwords(
        &self,
        nodes: &[Node],
        user: &str,
        current: &Password,
    ) -> Result<usize, EngineError> {
        let current = acl::password_hash(current);
        let names = [user.to_string()];
        let states =
            futures::future::join_all(nodes.iter().map(|n| acl_state::user_states(n, &names)))
                .await;
        let mut most = 0;
        for (node, state) in nodes.iter().zip(states) {
            let Some(state) = state?.into_iter().next().flatten() else {
                continue;
            };
            if state.nopass() {
                return Err(invalid(
                    USERNAME,
                    format!(
                        "ACL user `{user}` on {} has `nopass` (any password logs in): give it a password first (e.g. `requirepass`), then adopt it",
                        node.addr
                    ),
                ));
            }
            most = most.max(state.hashes.iter().filter(|h| **h != current).count());
        }
        Ok(most)
    }

    /// A fresh login as `user` with `password` on every node, before anything is written.
    async fn prove_login(
        &self,
        conn: &Connection,
        nodes: &[Node],
        user: &str,
        password: &Password,
    ) -> Result<(), EngineError> {
        let checks = nodes.iter().map(|node| {
            let params = self.params(conn, &node.addr, user, Some(password.clone()));
            async move {
                match params {
                    Ok(p) => acl::verify(&p).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
        });
        let results = futures::future::join_all(checks).await;
        let failed: Vec<String> = nodes
            .iter()
            .zip(results)
            .filter_map(|(n, r)| r.err().map(|e| format!("{}: {e}", n.addr)))
            .collect();
        if failed.is_empty() {
            return Ok(());
        }
        let message = super::rotate::redact(&failed.join("; "), &[password]);
        Err(invalid(
            "currentPassword",
            format!(
                "a fresh login as `{user}` with the given current password failed ({message}); nothing was written"
            ),
        ))
    }
}
