//! What a rotation deleted with "keep users and secrets" leaves behind, and how to remove it:
//! ACL users on a connection's server that belong to no rotation, and secrets by hand.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Connection, EventKind, Outcome, Slot};
use crate::store::NewEvent;

use super::{Engine, EngineError};

/// An ACL user on a connection's server that no rotation owns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftoverUser {
    pub username: String,
    /// On how many of the connection's nodes it exists.
    pub nodes: usize,
    /// How many nodes the connection has.
    pub of: usize,
}

/// Why `username` may not be revoked as a leftover on `conn`, if it may not.
fn protected(doc: &crate::store::Document, conn: &Connection, username: &str) -> Option<String> {
    if username == "default" {
        return Some("`default` is the server's built-in user".into());
    }
    if username == conn.username {
        return Some(format!(
            "`{username}` is the admin user of connection `{}`",
            conn.name
        ));
    }
    doc.rotations
        .iter()
        .filter(|r| r.connection_id == conn.id)
        .find(|r| r.username_for(Slot::Zero) == username || r.username_for(Slot::One) == username)
        .map(|r| format!("`{username}` belongs to rotation `{}`", r.name))
}

impl Engine {
    /// The ACL users on any node of the connection that belong to no rotation on it (the
    /// connection's admin user and `default` excepted), by name.
    pub async fn leftover_users(&self, conn: &str) -> Result<Vec<LeftoverUser>, EngineError> {
        let conn = self.find_connection(conn)?;
        let nodes = self.fleet(&conn).await?;
        let doc = self.snapshot()?;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for node in &nodes {
            let users = crate::redis::acl::users(node)
                .await
                .map_err(|e| EngineError::Failed(format!("ACL USERS on {}: {e}", node.addr)))?;
            for u in users {
                if protected(&doc, &conn, &u).is_none() {
                    *seen.entry(u).or_default() += 1;
                }
            }
        }
        Ok(seen
            .into_iter()
            .map(|(username, n)| LeftoverUser {
                username,
                nodes: n,
                of: nodes.len(),
            })
            .collect())
    }

    /// Removes a leftover ACL user from every node of the connection (and persists). Refuses the
    /// admin user, `default` and any rotation's user.
    pub async fn revoke_leftover_user(
        &self,
        conn: &str,
        username: &str,
    ) -> Result<(), EngineError> {
        let conn = self.find_connection(conn)?;
        if let Some(why) = protected(&*self.snapshot()?, &conn, username) {
            return Err(EngineError::Refused(format!("not revoking: {why}")));
        }
        let nodes = self.fleet(&conn).await?;
        let mut removed = 0;
        for node in &nodes {
            if crate::redis::acl::del_user(node, username)
                .await
                .map_err(|e| {
                    EngineError::Failed(format!("revoke {username} on {}: {e}", node.addr))
                })?
            {
                removed += 1;
            }
            self.persist_node(node)
                .await
                .map_err(|e| EngineError::Failed(format!("persist on {}: {e}", node.addr)))?;
        }
        if removed == 0 {
            return Err(EngineError::NotFound {
                what: "ACL user",
                name: username.to_string(),
                hint: format!(" on connection `{}`", conn.name),
            });
        }
        let now = self.now();
        let msg = format!(
            "revoked ACL user {username} on connection {} ({removed} of {} nodes)",
            conn.name,
            nodes.len()
        );
        self.write(move |_doc, events| {
            events.push(NewEvent {
                at: now,
                kind: EventKind::UserRevoked,
                outcome: Outcome::Success,
                rotation: None,
                job_id: None,
                message: msg,
                attempt: None,
            });
            Ok(())
        })
        .await
    }

    /// Deletes a secret and its history at (environment, path). Refuses one an existing rotation
    /// writes or maps: delete the rotation (with its secrets) or change its mapping first.
    pub(crate) async fn delete_secret(
        &self,
        environment: &str,
        secret_path: &str,
        name: &str,
    ) -> Result<(), EngineError> {
        let (env, path, name) = (
            environment.to_string(),
            secret_path.to_string(),
            name.to_string(),
        );
        let now = self.now();
        self.write(move |doc, events| {
            let Some(entry) = doc.secret(&env, &path, &name) else {
                let names: Vec<&str> = doc
                    .secrets_at(&env, &path)
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                return Err(EngineError::NotFound {
                    what: "secret",
                    name: name.clone(),
                    hint: if names.is_empty() {
                        format!(" in {env} {path} (it holds no secrets)")
                    } else {
                        format!(" in {env} {path}; there: {}", names.join(", "))
                    },
                });
            };
            let owner = entry
                .owner_rotation
                .and_then(|id| doc.rotations.iter().find(|r| r.id == id))
                .or_else(|| {
                    doc.rotations.iter().find(|r| {
                        r.environment == env
                            && r.secret_path == path
                            && (r.secrets_mapping.username == name
                                || r.secrets_mapping.password == name)
                    })
                });
            if let Some(r) = owner {
                return Err(EngineError::Refused(format!(
                    "secret `{name}` in {env} {path} belongs to rotation `{}`: delete the rotation \
                     with its secrets (`redis-rotator rotation delete {} --delete-secrets`) or change \
                     its mapping first",
                    r.name, r.name
                )));
            }
            doc.delete_secret(&env, &path, &name);
            events.push(NewEvent {
                at: now,
                kind: EventKind::SecretDeleted,
                outcome: Outcome::Success,
                rotation: None,
                job_id: None,
                message: format!("deleted secret {name} in {env} {path}"),
                attempt: None,
            });
            Ok(())
        })
        .await
    }
}
