//! Side-effect-free probes: role, version, RTT, ACL permissions, persistence mode, sessions.

use std::time::Duration;

use serde::Serialize;

use super::{Node, RedisError};

/// How ACL changes survive a restart on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Persistence {
    /// `aclfile` configured → `ACL SAVE`.
    Aclfile,
    /// A config file exists → `CONFIG REWRITE`.
    Config,
    /// Neither: runtime users vanish on restart.
    None,
}

/// One node's line in a connection test (SPEC 2.1).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    pub address: String,
    pub role: Option<String>,
    pub version: Option<String>,
    #[serde(serialize_with = "ser_ms")]
    pub rtt: Option<Duration>,
    pub can_set_user: bool,
    pub can_del_user: bool,
    pub persistence: Option<Persistence>,
    /// Set when the node failed; an operator-actionable sentence.
    pub error: Option<String>,
}

fn ser_ms<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&(d.as_secs_f64() * 1000.0)),
        None => s.serialize_none(),
    }
}

/// Role, version, RTT, permissions (`ACL SETUSER <own>` with no rules, `ACL DELUSER
/// <name that does not exist>`) and persistence of one connected node.
pub async fn probe(node: &Node, own_username: &str) -> NodeReport {
    let _ = (node, own_username);
    todo!("redis helper")
}

/// `CONFIG GET aclfile` non-empty → Aclfile; `INFO server` `config_file` non-empty → Config;
/// else None.
pub async fn persistence(node: &Node) -> Result<Persistence, RedisError> {
    let _ = node;
    todo!("redis helper")
}

/// Connections authenticated as `username` (`CLIENT LIST` `user=`).
pub async fn sessions(node: &Node, username: &str) -> Result<usize, RedisError> {
    let _ = (node, username);
    todo!("redis helper")
}

/// Failed AUTHs for `username` in `ACL LOG` (sum of `count`).
pub async fn failed_auths(node: &Node, username: &str) -> Result<u64, RedisError> {
    let _ = (node, username);
    todo!("redis helper")
}
