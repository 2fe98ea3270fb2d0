//! What a rotation asks of a node besides the ACL change itself: persisting it the way the
//! node can, and counting the sessions that still use a user.

use crate::redis::{Node, acl, probe};

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
