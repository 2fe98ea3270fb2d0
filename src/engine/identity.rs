//! Server identity (SPEC 2.1): what servers a connection reaches, learned from the nodes when the
//! connection is tested or added, and whenever a rotation discovers its nodes. The store keeps it
//! on the connection so that usernames are reserved per server, not per connection name (see
//! `usernames_are_free`), under the store's write lock.

use uuid::Uuid;

use crate::model::{Connection, ServerIdentity};
use crate::redis::{Node, identity};
use crate::store::Document;

use super::Engine;

impl Engine {
    /// The identity of the servers behind `nodes`; `None` when no node would say (an admin
    /// without `+info`). A node that fails is left out: the others still identify the servers.
    pub(crate) async fn identify(&self, nodes: &[Node]) -> Option<ServerIdentity> {
        let answers = futures::future::join_all(nodes.iter().map(identity::identify)).await;
        let ids: Vec<_> = answers.into_iter().filter_map(Result::ok).collect();
        let found = ServerIdentity::from_nodes(&ids, self.now());
        (!found.is_empty()).then_some(found)
    }

    /// Stores a freshly learned identity on the connection when it changed (a restarted server
    /// has a new run id). A failed write only loses the news; the next learning stores it.
    pub(crate) async fn learn_identity(&self, connection_id: Uuid, identity: ServerIdentity) {
        let known = self.snapshot().ok().and_then(|doc| {
            doc.connections
                .iter()
                .find(|c| c.id == connection_id)
                .and_then(|c| c.identity.clone())
        });
        if known.is_some_and(|k| k.same_ids(&identity)) {
            return;
        }
        let written = self
            .write(move |doc, _| {
                note_identity(doc, connection_id, identity);
                Ok(())
            })
            .await;
        if let Err(e) = written {
            tracing::warn!("could not store the server identity of a connection: {e}");
        }
    }
}

/// Sets the connection's identity in `doc` (inside a store write) unless the ids are unchanged.
pub(crate) fn note_identity(doc: &mut Document, connection_id: Uuid, identity: ServerIdentity) {
    if let Some(c) = doc.connections.iter_mut().find(|c| c.id == connection_id)
        && !c.identity.as_ref().is_some_and(|k| k.same_ids(&identity))
    {
        c.identity = Some(identity);
    }
}

/// The other stored connections that reach a server `identity` reaches, by name.
pub(crate) fn same_servers(
    connections: &[Connection],
    own: Uuid,
    identity: &ServerIdentity,
) -> Vec<String> {
    connections
        .iter()
        .filter(|c| c.id != own)
        .filter(|c| c.identity.as_ref().is_some_and(|i| i.overlaps(identity)))
        .map(|c| c.name.clone())
        .collect()
}
