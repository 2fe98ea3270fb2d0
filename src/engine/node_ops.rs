//! What a rotation asks of a node besides the ACL change itself: persisting it the way the
//! node can, proving the new credential, and counting the sessions that still use a user.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::{Connection, Password, Rotation};
use crate::redis::verify::RestAs;
use crate::redis::{Node, NodeAddr, Persistence, acl, acl_state, probe};

use super::{Engine, SessionCounts};

impl Engine {
    /// `ACL SAVE` / `CONFIG REWRITE` as the node needs (mode probed once per node and cached).
    /// Saves of one node are group-committed: a save that starts after this change was applied
    /// covers it, so rotations finishing together on a node share one save instead of each
    /// rewriting (and fsyncing) the whole aclfile in turn.
    pub(crate) async fn persist_node(&self, node: &Node) -> Result<(), crate::redis::RedisError> {
        let key = node.addr.to_string();
        let mode = match self.cached_persistence(&key) {
            Some(m) => m,
            None => {
                let m = probe::persistence(node).await?;
                if let Ok(mut map) = self.inner.persistence.lock() {
                    map.insert(key.clone(), m);
                }
                m
            }
        };
        if matches!(mode, Persistence::None) {
            return Ok(());
        }
        let Some(group) = self.save_group(key) else {
            return acl::persist(node, mode).await;
        };
        // Taken after the change was applied (the caller awaited its reply).
        let ticket = group.asked.fetch_add(1, Ordering::SeqCst) + 1;
        let mut saved = group.saved.lock().await;
        if *saved >= ticket {
            return Ok(());
        }
        // Every ticket taken so far belongs to a change applied before this save starts.
        let covers = group.asked.load(Ordering::SeqCst);
        acl::persist(node, mode).await?;
        *saved = covers;
        Ok(())
    }

    /// How the node at `key` persists, if probed already.
    pub(crate) fn cached_persistence(&self, key: &str) -> Option<Persistence> {
        self.inner
            .persistence
            .lock()
            .ok()
            .and_then(|m| m.get(key).copied())
    }

    /// The save group of the node at `key`.
    pub(crate) fn save_group(&self, key: String) -> Option<Arc<SaveGroup>> {
        self.inner
            .saves
            .lock()
            .ok()
            .map(|mut saves| Arc::clone(saves.entry(key).or_default()))
    }

    /// A rotation's first round on its nodes, one round trip each (the questions travel
    /// together on the node's multiplexed connection): the rotation's users as each node holds
    /// them (`ACL GETUSER`, healed where they differ from the store, see `sync_on`), and the
    /// sessions and failed AUTHs of `username`, the user about to be re-keyed. `lost` when a
    /// node gave no answer at all (a dead connection, a timeout), as opposed to refusing: then
    /// nothing is healed and the caller connects afresh and asks again.
    pub(crate) async fn check_nodes(
        &self,
        r: &Rotation,
        nodes: &[Node],
        username: &str,
    ) -> Checked {
        let mut expected = self.expected_users(r).ok();
        if !r.is_one_user()
            && let Some(users) = expected.as_mut()
        {
            // The user about to be re-keyed is set whole by the change (`ACL SETUSER … reset`),
            // so its copy on the nodes does not matter (and each `ACL GETUSER` costs a node
            // ~50 µs of CPU). One user keeps a password through the change: read it.
            users.retain(|u| u.username != username);
        }
        let usernames: Vec<String> = expected
            .iter()
            .flatten()
            .map(|u| u.username.clone())
            .collect();
        let answers = futures::future::join_all(nodes.iter().map(|n| {
            let usernames = &usernames;
            async move {
                tokio::join!(
                    acl_state::user_states(n, usernames),
                    probe::sessions(n, username),
                    probe::failed_auths(n, username)
                )
            }
        }))
        .await;
        let unanswered = |e: &crate::redis::RedisError| !e.was_refused();
        let lost = answers.iter().any(|(u, s, f)| {
            u.as_ref().err().is_some_and(unanswered)
                || s.as_ref().err().is_some_and(unanswered)
                || f.as_ref().err().is_some_and(unanswered)
        });
        let mut sessions = SessionCounts::default();
        let mut states = Vec::with_capacity(answers.len());
        for (u, s, f) in answers {
            match (s, f) {
                (Ok(s), Ok(f)) => {
                    sessions.sessions += s;
                    sessions.failed_auths += f;
                }
                _ => sessions.unreachable += 1,
            }
            states.push(u);
        }
        if !lost && let Some(expected) = expected {
            self.sync_states(r, nodes, &expected, &states, true).await;
        }
        Checked { sessions, lost }
    }

    /// Sessions authenticated as `username` and its failed AUTHs, over all nodes.
    pub(crate) async fn count_sessions(&self, nodes: &[Node], username: &str) -> SessionCounts {
        // Both questions travel together on the node's multiplexed connection: one round trip.
        let counts = futures::future::join_all(nodes.iter().map(|n| async move {
            tokio::join!(
                probe::sessions(n, username),
                probe::failed_auths(n, username)
            )
        }))
        .await;
        let mut total = SessionCounts::default();
        for (s, f) in counts {
            match (s, f) {
                (Ok(s), Ok(f)) => {
                    total.sessions += s;
                    total.failed_auths += f;
                }
                _ => total.unreachable += 1,
            }
        }
        total
    }
}

impl Engine {
    /// Step 4 on one node: a real authentication as `username` with `password` (`AUTH` on a
    /// connection kept for verification, or a fresh login), then `ACL WHOAMI`.
    pub(crate) async fn verify_node(
        &self,
        conn: &Connection,
        addr: &NodeAddr,
        username: &str,
        password: &Password,
    ) -> Result<(), String> {
        let params = self
            .params(conn, addr, username, Some(password.clone()))
            .map_err(|e| e.to_string())?;
        let rest = RestAs {
            username: conn.username.clone(),
            password: self.admin_password(conn).map_err(|e| e.to_string())?,
        };
        let stamp = conn.updated_at.timestamp_micros();
        self.inner
            .verifiers
            .verify(conn.id, stamp, &params, &rest)
            .await
            .map_err(|e| e.to_string())
    }
}

/// The saves of one node: tickets handed out (one per change to persist) and the highest ticket
/// a finished save covers. The lock is held while a save runs, so saves of a node never overlap.
#[derive(Default)]
pub(crate) struct SaveGroup {
    pub(crate) asked: AtomicU64,
    pub(crate) saved: tokio::sync::Mutex<u64>,
}

/// What a rotation's first round learned (see `Engine::check_nodes`).
pub(crate) struct Checked {
    pub sessions: SessionCounts,
    /// Some node gave no answer (as opposed to refusing a command).
    pub lost: bool,
}
