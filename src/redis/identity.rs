//! What a node says it is: `INFO` `run_id`, replication ids, and `CLUSTER MYID` when clustered.
//! Two connections reaching one server learn the same ids whatever address they used.

use crate::model::NodeIds;

use super::probe::parse_info_field;
use super::{Node, RedisError};

/// The ids of one connected node (one `INFO`, plus `CLUSTER MYID` on a cluster node).
pub(crate) async fn identify(node: &Node) -> Result<NodeIds, RedisError> {
    // Plain `INFO` (default sections) holds server, replication and cluster on every version;
    // several section names in one call need 7.0.
    let info: String = node.query("INFO", &redis::cmd("INFO")).await?;
    let field = |name: &str| parse_info_field(&info, name).filter(|v| !v.trim().is_empty());
    let cluster_node_id = if field("cluster_enabled").as_deref() == Some("1") {
        let mut myid = redis::cmd("CLUSTER");
        myid.arg("MYID");
        Some(node.query::<String>("CLUSTER MYID", &myid).await?)
    } else {
        None
    };
    Ok(NodeIds {
        run_id: field("run_id"),
        replication_ids: ["master_replid", "master_replid2"]
            .into_iter()
            .filter_map(field)
            .collect(),
        cluster_node_id,
    })
}
