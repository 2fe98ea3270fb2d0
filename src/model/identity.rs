//! What server a connection reaches, as the servers themselves say (SPEC 2.1 "identity"): two
//! connections that share a run id, a replication id or a cluster node id reach one server, so
//! they share its ACL users whatever host names they were given.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The ids every node of a connection answered with when it was last tested, created on or
/// rotated. Sorted and without duplicates, so two learnings of one server compare equal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerIdentity {
    /// `INFO server` `run_id` of each node (new at every server start).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run_ids: Vec<String>,
    /// `INFO replication` `master_replid`/`master_replid2` (a replica carries its primary's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) replication_ids: Vec<String>,
    /// `CLUSTER MYID` of each node of a cluster (kept across restarts in nodes.conf).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) cluster_node_ids: Vec<String>,
    /// When the ids were learned.
    pub(crate) learned_at: DateTime<Utc>,
}

/// The ids one node answered with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NodeIds {
    pub(crate) run_id: Option<String>,
    pub(crate) replication_ids: Vec<String>,
    pub(crate) cluster_node_id: Option<String>,
}

impl ServerIdentity {
    /// The identity of a connection from the ids of its nodes. An all-zero replication id
    /// ("none yet") and empty ids are dropped: they would make unrelated servers look alike.
    pub(crate) fn from_nodes<'a>(
        nodes: impl IntoIterator<Item = &'a NodeIds>,
        learned_at: DateTime<Utc>,
    ) -> ServerIdentity {
        let mut id = ServerIdentity {
            learned_at,
            ..Default::default()
        };
        for node in nodes {
            id.run_ids
                .extend(node.run_id.iter().filter(|s| meaningful(s)).cloned());
            id.replication_ids.extend(
                node.replication_ids
                    .iter()
                    .filter(|s| meaningful(s))
                    .cloned(),
            );
            id.cluster_node_ids.extend(
                node.cluster_node_id
                    .iter()
                    .filter(|s| meaningful(s))
                    .cloned(),
            );
        }
        for ids in [
            &mut id.run_ids,
            &mut id.replication_ids,
            &mut id.cluster_node_ids,
        ] {
            ids.sort();
            ids.dedup();
        }
        id
    }

    /// Whether the two reach at least one server in common.
    pub fn overlaps(&self, other: &ServerIdentity) -> bool {
        let shares = |a: &[String], b: &[String]| a.iter().any(|x| b.contains(x));
        shares(&self.run_ids, &other.run_ids)
            || shares(&self.replication_ids, &other.replication_ids)
            || shares(&self.cluster_node_ids, &other.cluster_node_ids)
    }

    /// The same ids, whenever they were learned.
    pub(crate) fn same_ids(&self, other: &ServerIdentity) -> bool {
        self.run_ids == other.run_ids
            && self.replication_ids == other.replication_ids
            && self.cluster_node_ids == other.cluster_node_ids
    }

    /// "run ids 1a2b3c4d, 5e6f7a8b; replication ids 9c0d1e2f; cluster node ids —", each id
    /// cut to 8 characters (enough to tell servers apart on a screen).
    pub(crate) fn summary(&self) -> String {
        let list = |ids: &[String]| {
            if ids.is_empty() {
                "—".to_string()
            } else {
                ids.iter()
                    .map(|s| s.chars().take(8).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let mut parts = vec![
            format!("run ids {}", list(&self.run_ids)),
            format!("replication ids {}", list(&self.replication_ids)),
        ];
        if !self.cluster_node_ids.is_empty() {
            parts.push(format!("cluster node ids {}", list(&self.cluster_node_ids)));
        }
        parts.join("; ")
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.run_ids.is_empty()
            && self.replication_ids.is_empty()
            && self.cluster_node_ids.is_empty()
    }
}

fn meaningful(id: &str) -> bool {
    !id.trim().is_empty() && id.chars().any(|c| c != '0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(run: &str, repl: &[&str], cluster: Option<&str>) -> NodeIds {
        NodeIds {
            run_id: Some(run.into()),
            replication_ids: repl.iter().map(|s| s.to_string()).collect(),
            cluster_node_id: cluster.map(str::to_string),
        }
    }

    #[test]
    fn one_server_reached_under_two_names_overlaps() {
        let now = Utc::now();
        let a = ServerIdentity::from_nodes([&node("r1", &["x"], None)], now);
        let b = ServerIdentity::from_nodes([&node("r1", &["x"], None)], now);
        assert!(a.overlaps(&b));
        assert!(a.same_ids(&b));
    }

    #[test]
    fn a_primary_and_its_replica_share_the_replication_id() {
        let now = Utc::now();
        let primary = ServerIdentity::from_nodes([&node("r1", &["x"], None)], now);
        let replica = ServerIdentity::from_nodes([&node("r2", &["x"], None)], now);
        assert!(primary.overlaps(&replica));
    }

    #[test]
    fn all_zero_replication_ids_never_make_servers_alike() {
        let zeros = "0000000000000000000000000000000000000000";
        let now = Utc::now();
        let a = ServerIdentity::from_nodes([&node("r1", &["x", zeros], None)], now);
        let b = ServerIdentity::from_nodes([&node("r2", &["y", zeros], None)], now);
        assert!(!a.overlaps(&b));
        assert_eq!(a.replication_ids, vec!["x".to_string()]);
    }

    #[test]
    fn a_cluster_node_id_identifies_across_restarts() {
        let now = Utc::now();
        let before = ServerIdentity::from_nodes([&node("r1", &["x"], Some("n1"))], now);
        let after = ServerIdentity::from_nodes([&node("r9", &["z"], Some("n1"))], now);
        assert!(before.overlaps(&after));
        assert!(!before.same_ids(&after));
    }
}
