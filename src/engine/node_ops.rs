//! What a rotation asks of a node besides the ACL change itself: persisting it the way the
//! node can, proving the new credential, and counting the sessions that still use a user.

use crate::model::{Connection, Password};
use crate::redis::verify::RestAs;
use crate::redis::{Node, NodeAddr, acl, probe};

use super::{Engine, SessionCounts};

impl Engine {
    /// `ACL SAVE` / `CONFIG REWRITE` as the node needs (mode probed once per node and cached).
    pub(crate) async fn persist_node(&self, node: &Node) -> Result<(), crate::redis::RedisError> {
        let key = node.addr.to_string();
        let cached = self
            .inner
            .persistence
            .lock()
            .ok()
            .and_then(|m| m.get(&key).copied());
        let mode = match cached {
            Some(m) => m,
            None => {
                let m = probe::persistence(node).await?;
                if let Ok(mut map) = self.inner.persistence.lock() {
                    map.insert(key, m);
                }
                m
            }
        };
        acl::persist(node, mode).await
    }

    /// Sessions authenticated as `username` and its failed AUTHs, over all nodes.
    pub(crate) async fn count_sessions(&self, nodes: &[Node], username: &str) -> SessionCounts {
        let counts = futures::future::join_all(nodes.iter().map(|n| async move {
            let s = probe::sessions(n, username).await;
            let f = probe::failed_auths(n, username).await;
            (s, f)
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
