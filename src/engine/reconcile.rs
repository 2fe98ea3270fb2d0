//! Reconcile (issue 18): ACL users do not replicate, so a node a rotation did not reach (a
//! replica still syncing, rebuilt with an empty aclfile, added, or down at the time) may lack a
//! stored credential. Before every rotation and periodically, each node's users of a rotation
//! are compared with the store and healed: a missing user created, a lacking password added
//! (as `#<sha256>`, never the cleartext), a switched-off user switched on, a drifted scope
//! re-applied, then persisted. A password the store holds is never removed; a user the store
//! does not own is never read nor touched. Heals take the rotation's lock like a rotation; they
//! only ever write what the store already holds, so there is nothing to journal or compensate.

use std::collections::HashMap;

use uuid::Uuid;

use crate::model::{Connection, EventKind, Outcome, Rotation, Slot};
use crate::redis::acl_state;
use crate::redis::{Node, acl};
use crate::store::Binding;

use super::node_sync::{self, ExpectedUser, Fix, NodeSync, SyncStatus};
use super::rotate::{event_for, parse_scope};
use super::{Engine, EngineError};

/// Nodes of a connection as reconcile sees them: the ones it could connect to, and a status
/// line for each it could not (unreachable, or skipped by the topology).
pub(crate) struct Reached {
    pub nodes: Vec<Node>,
    pub others: Vec<NodeSync>,
}

impl Engine {
    /// The users a rotation owns and the hashes of its stored passwords.
    pub(crate) fn expected_users(&self, r: &Rotation) -> Result<Vec<ExpectedUser>, EngineError> {
        let cipher = self.inner.store.cipher()?;
        let mut users: Vec<ExpectedUser> = Vec::new();
        for (slot, cred) in [Slot::Zero, Slot::One]
            .into_iter()
            .filter_map(|s| r.slot(s).map(|c| (s, c)))
        {
            let hash = acl::password_hash(
                &cipher.open(&cred.password, &Binding::slot_password(r.id, slot))?,
            );
            match users.iter_mut().find(|u| u.username == cred.username) {
                Some(u) => u.passwords.push((slot, hash)),
                None => users.push(ExpectedUser {
                    username: cred.username.clone(),
                    passwords: vec![(slot, hash)],
                }),
            }
        }
        Ok(users)
    }

    /// Discovers the connection's nodes and connects to each it can, noting the others.
    pub(crate) async fn reach(&self, conn: &Connection) -> Result<Reached, EngineError> {
        let (_, found) = self.discover(conn).await?;
        let password = self.admin_password(conn)?;
        let connects = found.nodes.iter().map(|addr| {
            let params = self.params(conn, addr, &conn.username, password.clone());
            async move {
                match params {
                    Ok(p) => Node::connect(&p).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            }
        });
        let results = futures::future::join_all(connects).await;
        let mut reached = Reached {
            nodes: Vec::new(),
            others: Vec::new(),
        };
        for (addr, r) in found.nodes.iter().zip(results) {
            match r {
                Ok(node) => reached.nodes.push(node),
                Err(why) => reached.others.push(NodeSync {
                    node: addr.to_string(),
                    status: SyncStatus::Unreachable(why),
                    healed: Vec::new(),
                    error: None,
                }),
            }
        }
        for (addr, why) in found.noted {
            reached.others.push(NodeSync {
                node: addr.to_string(),
                status: SyncStatus::Skipped(why),
                healed: Vec::new(),
                error: None,
            });
        }
        Ok(reached)
    }

    /// Compares (and with `heal`, heals) one rotation's users on connected nodes. A node that
    /// cannot be read is reported, never a reason to fail.
    pub(crate) async fn sync_on(&self, r: &Rotation, nodes: &[Node], heal: bool) -> Vec<NodeSync> {
        let expected = match self.expected_users(r) {
            Ok(e) => e,
            Err(e) => {
                return nodes
                    .iter()
                    .map(|n| NodeSync {
                        node: n.addr.to_string(),
                        status: SyncStatus::Unreachable(e.to_string()),
                        healed: Vec::new(),
                        error: None,
                    })
                    .collect();
            }
        };
        let usernames: Vec<String> = expected.iter().map(|u| u.username.clone()).collect();
        let states =
            futures::future::join_all(nodes.iter().map(|n| acl_state::user_states(n, &usernames)))
                .await;
        self.sync_states(r, nodes, &expected, &states, heal).await
    }

    /// `sync_on` with each node's `ACL GETUSER` states of `expected` already read (`states[i]`
    /// of `nodes[i]`).
    pub(crate) async fn sync_states(
        &self,
        r: &Rotation,
        nodes: &[Node],
        expected: &[ExpectedUser],
        states: &[Result<Vec<Option<acl_state::UserState>>, crate::redis::RedisError>],
        heal: bool,
    ) -> Vec<NodeSync> {
        // One-user: the user's permissions are its own (adopted, or `default`): never healed.
        let reference = if r.is_one_user() {
            None
        } else {
            node_sync::reference_permissions(states.iter().flatten().flat_map(|s| s.iter()))
        };
        let scope = parse_scope(r).ok();
        let mut lines = Vec::with_capacity(nodes.len());
        let mut heals = Vec::new();
        for (node, state) in nodes.iter().zip(states) {
            let observed = match state {
                Ok(s) => s,
                Err(e) => {
                    lines.push(NodeSync {
                        node: node.addr.to_string(),
                        status: SyncStatus::Unreachable(e.to_string()),
                        healed: Vec::new(),
                        error: None,
                    });
                    continue;
                }
            };
            let fixes = node_sync::compare(expected, observed, reference.as_deref());
            let status = node_sync::status_of(&fixes);
            if heal && !fixes.is_empty() {
                heals.push((lines.len(), node.clone(), fixes));
            }
            lines.push(NodeSync {
                node: node.addr.to_string(),
                status,
                healed: Vec::new(),
                error: None,
            });
        }
        if heals.is_empty() {
            return lines;
        }
        let done = futures::future::join_all(
            heals
                .iter()
                .map(|(_, node, fixes)| self.heal_node(node, expected, fixes, scope.as_deref())),
        )
        .await;
        let now = self.now();
        let mut events = Vec::new();
        for ((i, node, fixes), result) in heals.iter().zip(done) {
            let line = &mut lines[*i];
            match result {
                Ok(()) => {
                    line.healed = fixes.iter().map(Fix::difference).collect();
                    line.status = SyncStatus::InSync;
                    for fix in fixes {
                        events.push(event_for(
                            r,
                            EventKind::Healed,
                            Outcome::Success,
                            None,
                            now,
                            format!(
                                "healed {} on {}: {}",
                                fix.username(),
                                node.addr,
                                fix.reason()
                            ),
                        ));
                    }
                }
                Err(e) => {
                    let message = format!("heal of {} on {} failed: {e}", r.name, node.addr);
                    line.error = Some(message.clone());
                    events.push(event_for(
                        r,
                        EventKind::Healed,
                        Outcome::Failure,
                        None,
                        now,
                        message,
                    ));
                }
            }
        }
        let _ = self
            .write(move |_, logged| {
                logged.extend(events);
                Ok(())
            })
            .await;
        lines
    }

    /// Applies the fixes on one node (hashes only, never the cleartext), then persists.
    async fn heal_node(
        &self,
        node: &Node,
        expected: &[ExpectedUser],
        fixes: &[Fix],
        scope: Option<&[String]>,
    ) -> Result<(), crate::redis::RedisError> {
        let hashes_of = |username: &str, slots: Option<&[Slot]>| -> Vec<String> {
            expected
                .iter()
                .filter(|u| u.username == username)
                .flat_map(|u| u.passwords.iter())
                .filter(|(s, _)| slots.is_none_or(|only| only.contains(s)))
                .map(|(_, h)| h.clone())
                .collect()
        };
        for fix in fixes {
            match fix {
                Fix::Create { username, .. } => {
                    // Without a valid scope a created user would get no permissions at all:
                    // still better than WRONGPASS, and the scope fix follows once it parses.
                    acl_state::create_from_hashes(
                        node,
                        username,
                        &hashes_of(username, None),
                        scope.unwrap_or_default(),
                    )
                    .await?
                }
                Fix::AddPasswords { username, slots } => {
                    acl_state::add_hashes(node, username, &hashes_of(username, Some(slots))).await?
                }
                Fix::Enable { username } => acl_state::add_hashes(node, username, &[]).await?,
                Fix::Scope { username } => {
                    if let Some(scope) = scope {
                        acl::set_permissions(node, username, scope).await?;
                    }
                }
            }
        }
        self.persist_node(node).await
    }

    /// Each node's state for one rotation, read only (nothing is changed).
    pub async fn node_sync(
        &self,
        id_or_name: impl Into<crate::model::RotationRef>,
    ) -> Result<Vec<NodeSync>, EngineError> {
        let r = self.find_rotation(id_or_name)?;
        let conn = self.connection_of(&r)?;
        let reached = self.reach(&conn).await?;
        let mut lines = self.sync_on(&r, &reached.nodes, false).await;
        lines.extend(reached.others);
        Ok(lines)
    }

    /// For each rotation on a connection, each node's state (read only), with one discovery.
    #[allow(clippy::type_complexity)]
    pub(crate) async fn connection_sync(
        &self,
        id_or_name: &str,
    ) -> Result<Vec<(String, Result<Vec<NodeSync>, EngineError>)>, EngineError> {
        let conn = self.find_connection(id_or_name)?;
        let doc = self.snapshot()?;
        let rotations: Vec<Rotation> = doc
            .rotations
            .iter()
            .filter(|r| r.connection_id == conn.id)
            .cloned()
            .collect();
        if rotations.is_empty() {
            return Ok(Vec::new());
        }
        let reached = match self.reach(&conn).await {
            Ok(r) => r,
            Err(e) => {
                let message = e.to_string();
                return Ok(rotations
                    .into_iter()
                    .map(|r| (r.name, Err(EngineError::Failed(message.clone()))))
                    .collect());
            }
        };
        let mut out = Vec::new();
        for r in rotations {
            let mut lines = self.sync_on(&r, &reached.nodes, false).await;
            lines.extend(reached.others.iter().cloned());
            out.push((r.name, Ok(lines)));
        }
        Ok(out)
    }

    /// Reconciles one rotation now: compare every node with the store and heal what differs.
    pub async fn reconcile(
        &self,
        id_or_name: impl Into<crate::model::RotationRef>,
    ) -> Result<Vec<NodeSync>, EngineError> {
        let r = self.find_rotation(id_or_name)?;
        let _guard = self.lock_rotation(&r).await?;
        let r = self.rotation_by_id(r.id)?;
        let conn = self.connection_of(&r)?;
        let reached = self.reach(&conn).await?;
        self.reconcile_reached(&r, &reached).await
    }

    async fn reconcile_reached(
        &self,
        r: &Rotation,
        reached: &Reached,
    ) -> Result<Vec<NodeSync>, EngineError> {
        if r.pending.is_some() {
            // A rotation in flight is finished by recovery, which knows its journal.
            return Err(EngineError::Busy(r.name.clone()));
        }
        let mut lines = self.sync_on(r, &reached.nodes, true).await;
        lines.extend(reached.others.iter().cloned());
        Ok(lines)
    }

    /// The periodic pass: every rotation, one discovery per connection. A rotation another
    /// process is working on (its lock held) or with a rotation in flight is skipped.
    pub async fn reconcile_all(&self) -> Vec<(Uuid, Result<Vec<NodeSync>, EngineError>)> {
        let Ok(doc) = self.snapshot() else {
            return Vec::new();
        };
        let mut by_conn: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for r in doc.rotations.iter().filter(|r| r.pending.is_none()) {
            by_conn.entry(r.connection_id).or_default().push(r.id);
        }
        let passes = by_conn.into_iter().map(|(conn_id, ids)| async move {
            let mut out = Vec::new();
            let reached = match self.find_connection(&conn_id.to_string()) {
                Ok(conn) => self.reach(&conn).await,
                Err(e) => Err(e),
            };
            let reached = match reached {
                Ok(r) => r,
                Err(e) => {
                    let message = e.to_string();
                    for id in ids {
                        out.push((id, Err(EngineError::Failed(message.clone()))));
                    }
                    return out;
                }
            };
            for id in ids {
                let Ok(Some(_guard)) = self.inner.locks.try_lock_rotation(id).await else {
                    continue;
                };
                let result = match self.rotation_by_id(id) {
                    Ok(r) => self.reconcile_reached(&r, &reached).await,
                    Err(e) => Err(e),
                };
                out.push((id, result));
            }
            out
        });
        futures::future::join_all(passes)
            .await
            .into_iter()
            .flatten()
            .collect()
    }
}
