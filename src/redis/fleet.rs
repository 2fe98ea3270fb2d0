//! Fan-out: connect to, or run one operation on, every node at once, so a multi-node change
//! takes about as long as the slowest node rather than the sum.

use std::future::Future;

use futures::future::join_all;

use super::{ConnectParams, Node, NodeAddr, RedisError};

/// Connects to every address in parallel; results in the order of `addrs`.
pub async fn connect_all(
    params_for: impl Fn(&NodeAddr) -> ConnectParams,
    addrs: &[NodeAddr],
) -> Vec<Result<Node, RedisError>> {
    join_all(addrs.iter().map(|addr| {
        let params = params_for(addr);
        async move { Node::connect(&params).await }
    }))
    .await
}

/// Runs `f` on every node in parallel; results in the order of `nodes`. `f` gets its own
/// handle (a cheap clone), so the future it returns may own it:
/// `on_all(&nodes, |n| async move { acl::users(&n).await })`.
pub async fn on_all<F, Fut, T>(nodes: &[Node], f: F) -> Vec<Result<T, RedisError>>
where
    F: Fn(Node) -> Fut,
    Fut: Future<Output = Result<T, RedisError>>,
{
    join_all(nodes.iter().cloned().map(f)).await
}
