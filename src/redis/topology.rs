//! Topology discovery: the full list of nodes an ACL change must reach.

use crate::model::TopologyKind;

use super::{Node, NodeAddr, RedisError};

/// Given a connected seed node: standalone → itself; replication → itself plus replicas from
/// `ROLE` (addresses as the primary reports them); cluster → every node from `CLUSTER SHARDS`
/// (fallback `CLUSTER NODES`); nodes → `explicit`.
pub async fn discover(
    seed: &Node,
    kind: TopologyKind,
    explicit: &[NodeAddr],
) -> Result<Vec<NodeAddr>, RedisError> {
    let _ = (seed, kind, explicit);
    todo!("redis helper")
}
