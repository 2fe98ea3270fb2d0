//! Topology discovery: the full list of nodes an ACL change must reach.

use std::collections::BTreeSet;

use redis::Value;

use crate::model::TopologyKind;

use super::acl::{pairs, text};
use super::{Node, NodeAddr, RedisError};

/// What discovery found: the nodes an ACL change must reach, and the nodes the topology lists
/// but that cannot take a change now (a cluster node flagged `fail` or `handshake`), with why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovered {
    pub nodes: Vec<NodeAddr>,
    pub(crate) noted: Vec<(NodeAddr, String)>,
}

/// Given a connected seed node: standalone → itself; replication → itself plus every replica
/// `INFO replication` lists, in any link state (`ROLE` lists only online ones, so a replica
/// still syncing would be missed); cluster → every node from `CLUSTER SHARDS` (fallback
/// `CLUSTER NODES`), nodes flagged `fail`/`handshake` noted apart; nodes → `explicit`;
/// sentinel → the seed (the master the Sentinels named) plus `explicit` (their replicas).
///
/// Addresses come back sorted and deduplicated. The seed keeps the form the operator typed
/// (a hostname stays a hostname, which TLS verification needs). ACL changes do not propagate
/// between nodes, so cluster replicas are listed too: a node left out would keep the old
/// credentials.
pub async fn discover(
    seed: &Node,
    kind: TopologyKind,
    explicit: &[NodeAddr],
) -> Result<Discovered, RedisError> {
    let (found, noted): (BTreeSet<NodeAddr>, Vec<(NodeAddr, String)>) = match kind {
        TopologyKind::Standalone => (BTreeSet::from([seed.addr.clone()]), Vec::new()),
        TopologyKind::Nodes => (explicit.iter().cloned().collect(), Vec::new()),
        // The seed is the master the Sentinels named; `explicit` holds the replicas they listed.
        TopologyKind::Sentinel => {
            let mut all: BTreeSet<NodeAddr> = explicit.iter().cloned().collect();
            all.insert(seed.addr.clone());
            (all, Vec::new())
        }
        TopologyKind::Replication => (replication(seed).await?, Vec::new()),
        TopologyKind::Cluster => cluster(seed).await?,
    };
    Ok(Discovered {
        nodes: found.into_iter().collect(),
        noted,
    })
}

async fn replication(seed: &Node) -> Result<BTreeSet<NodeAddr>, RedisError> {
    let mut cmd = redis::cmd("INFO");
    cmd.arg("replication");
    let info: String = seed.query("INFO replication", &cmd).await?;
    let info = parse_replication(&info);
    match info.role.as_deref() {
        Some("master") => {
            let mut all = BTreeSet::from([seed.addr.clone()]);
            all.extend(info.replicas);
            Ok(all)
        }
        Some("slave") => Err(RedisError::Discovery {
            addr: seed.addr.to_string(),
            message: format!(
                "this node is a replica of {}; point the connection at the primary",
                info.primary.map(|p| p.to_string()).unwrap_or_else(|| "another node".into())
            ),
        }),
        _ => Err(RedisError::Discovery {
            addr: seed.addr.to_string(),
            message: "this node is not a primary (INFO replication); use topology `standalone` or `nodes`"
                .into(),
        }),
    }
}

/// The parts of `INFO replication` discovery needs.
struct ReplicationInfo {
    role: Option<String>,
    primary: Option<NodeAddr>,
    replicas: Vec<NodeAddr>,
}

/// `role:master`, `slaveN:ip=…,port=…,state=…,…` (any state), or `role:slave` with
/// `master_host`/`master_port`.
fn parse_replication(info: &str) -> ReplicationInfo {
    let mut out = ReplicationInfo {
        role: None,
        primary: None,
        replicas: Vec::new(),
    };
    let (mut primary_host, mut primary_port) = (None, None);
    for line in info.lines() {
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        match key {
            "role" => out.role = Some(value.to_string()),
            "master_host" => primary_host = Some(value.to_string()),
            "master_port" => primary_port = value.parse::<u16>().ok(),
            k if k.starts_with("slave") && k[5..].bytes().all(|b| b.is_ascii_digit()) => {
                let field = |name: &str| {
                    value.split(',').find_map(|kv| {
                        kv.split_once('=')
                            .filter(|(k, _)| *k == name)
                            .map(|(_, v)| v.to_string())
                    })
                };
                let port = field("port")
                    .and_then(|p| p.parse::<u16>().ok())
                    .filter(|p| *p != 0);
                if let (Some(host), Some(port)) = (field("ip").filter(|h| !h.is_empty()), port) {
                    out.replicas.push(NodeAddr { host, port });
                }
            }
            _ => {}
        }
    }
    if let (Some(host), Some(port)) = (primary_host, primary_port) {
        out.primary = Some(NodeAddr { host, port });
    }
    out
}

/// One cluster member as the cluster describes it.
struct Member {
    id: String,
    addr: NodeAddr,
    /// Why the node cannot take a change now (`fail`, `handshake`), if so.
    unusable: Option<String>,
}

async fn cluster(seed: &Node) -> Result<(BTreeSet<NodeAddr>, Vec<(NodeAddr, String)>), RedisError> {
    let mut shards = redis::cmd("CLUSTER");
    shards.arg("SHARDS");
    let (members, myself) = match seed.query::<Value>("CLUSTER SHARDS", &shards).await {
        Ok(reply) => {
            let mut myid = redis::cmd("CLUSTER");
            myid.arg("MYID");
            let myself = seed.query::<String>("CLUSTER MYID", &myid).await.ok();
            (parse_shards(reply, seed.is_tls()), myself)
        }
        // Redis before 7.0 has no CLUSTER SHARDS.
        Err(_) => {
            let mut nodes = redis::cmd("CLUSTER");
            nodes.arg("NODES");
            let text: String = seed
                .query("CLUSTER NODES", &nodes)
                .await
                .map_err(|e| match e {
                    RedisError::Command { addr, message, .. } => RedisError::Discovery {
                        addr,
                        message: format!(
                            "cluster discovery failed ({message}); is cluster mode enabled? \
                             otherwise use topology `standalone`, `replication` or `nodes`"
                        ),
                    },
                    other => other,
                })?;
            parse_cluster_nodes(&text)
        }
    };
    if members.is_empty() {
        return Err(RedisError::Discovery {
            addr: seed.addr.to_string(),
            message: "the cluster reported no nodes".into(),
        });
    }
    let mut all = BTreeSet::from([seed.addr.clone()]);
    let mut noted = Vec::new();
    for m in members {
        let is_seed = match &myself {
            Some(id) => *id == m.id,
            None => m.addr.port == seed.addr.port && m.addr.host == seed.addr.host,
        };
        if is_seed {
            continue;
        }
        match m.unusable {
            Some(why) => noted.push((m.addr, why)),
            None => {
                all.insert(m.addr);
            }
        }
    }
    noted.retain(|(a, _)| !all.contains(a));
    Ok((all, noted))
}

/// `CLUSTER SHARDS`: `[[slots, […], nodes, [[id, …, port, …, ip, …, endpoint, …], …]], …]`.
fn parse_shards(reply: Value, tls: bool) -> Vec<Member> {
    let Value::Array(shards) = reply else {
        return Vec::new();
    };
    let mut members = Vec::new();
    for shard in shards {
        let Some(nodes) = fields(shard).into_iter().find_map(|(k, v)| match v {
            Value::Array(nodes) if text(&k).as_deref() == Some("nodes") => Some(nodes),
            _ => None,
        }) else {
            continue;
        };
        for node in nodes {
            let f = fields(node);
            let get = |name: &str| {
                f.iter()
                    .find(|(k, _)| text(k).as_deref() == Some(name))
                    .and_then(|(_, v)| text(v))
            };
            let port_of = |name: &str| {
                get(name)
                    .and_then(|p| p.parse::<u16>().ok())
                    .filter(|p| *p != 0)
            };
            let port = if tls {
                port_of("tls-port").or_else(|| port_of("port"))
            } else {
                port_of("port").or_else(|| port_of("tls-port"))
            };
            // `endpoint` is what clients are told to use (ip, hostname, or `?` when unknown).
            let host = get("endpoint")
                .filter(|e| !e.is_empty() && e != "?")
                .or_else(|| get("ip").filter(|ip| !ip.is_empty()));
            if let (Some(host), Some(port)) = (host, port) {
                // `health` is `online`, `loading` or `failed`; a loading node takes ACL changes
                // (its commands are retried while it answers LOADING).
                let unusable = (get("health").as_deref() == Some("failed"))
                    .then(|| "the cluster flags it `fail`".to_string());
                members.push(Member {
                    id: get("id").unwrap_or_default(),
                    addr: NodeAddr { host, port },
                    unusable,
                });
            }
        }
    }
    members
}

fn fields(v: Value) -> Vec<(Value, Value)> {
    match v {
        Value::Array(items) => pairs(items),
        Value::Map(fields) => fields,
        _ => Vec::new(),
    }
}

/// `CLUSTER NODES` lines: `<id> <ip:port@cport[,hostname]> <flags> …`; `myself` marks the seed.
fn parse_cluster_nodes(text: &str) -> (Vec<Member>, Option<String>) {
    let mut members = Vec::new();
    let mut myself = None;
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(id), Some(address), Some(flags)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if flags.split(',').any(|f| f == "myself") {
            myself = Some(id.to_string());
        }
        if flags.split(',').any(|f| f == "noaddr") {
            continue;
        }
        let unusable = flags
            .split(',')
            .find(|f| *f == "fail" || *f == "handshake")
            .map(|f| format!("the cluster flags it `{f}`"));
        let host_port = address.split(['@', ',']).next().unwrap_or("");
        // IPv6 addresses are not bracketed here, so the port is after the last colon.
        let Some((host, port)) = host_port.rsplit_once(':') else {
            continue;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match port.parse::<u16>() {
            Ok(port) if port != 0 && !host.is_empty() => members.push(Member {
                id: id.to_string(),
                addr: NodeAddr {
                    host: host.to_string(),
                    port,
                },
                unusable,
            }),
            _ => continue,
        }
    }
    (members, myself)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn cluster_nodes_lines_give_every_addressed_node() {
        let text = "\
a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460
b2 127.0.0.1:7001@17001,host-b master - 0 1 2 connected 5461-10922
c3 ::1:7002@17002 slave a1 0 1 3 connected
d4 :0@0 master,noaddr - 0 1 4 disconnected
";
        let (members, myself) = parse_cluster_nodes(text);
        assert_eq!(myself.as_deref(), Some("a1"));
        let addrs: Vec<String> = members.iter().map(|m| m.addr.to_string()).collect();
        assert_eq!(addrs, ["127.0.0.1:7000", "127.0.0.1:7001", "[::1]:7002"]);
    }

    #[test]
    fn cluster_nodes_in_fail_or_handshake_are_noted_with_why() {
        let text = "\
a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460
b2 127.0.0.1:7001@17001 master,fail - 0 1 2 disconnected 5461-10922
c3 127.0.0.1:7002@17002 handshake - 0 0 0 disconnected
d4 127.0.0.1:7003@17003 slave,fail? a1 0 1 3 connected
";
        let (members, _) = parse_cluster_nodes(text);
        let unusable: Vec<(String, Option<String>)> = members
            .iter()
            .map(|m| (m.addr.to_string(), m.unusable.clone()))
            .collect();
        assert_eq!(
            unusable,
            [
                ("127.0.0.1:7000".to_string(), None),
                (
                    "127.0.0.1:7001".to_string(),
                    Some("the cluster flags it `fail`".to_string())
                ),
                (
                    "127.0.0.1:7002".to_string(),
                    Some("the cluster flags it `handshake`".to_string())
                ),
                ("127.0.0.1:7003".to_string(), None),
            ]
        );
    }

    #[test]
    fn info_replication_lists_replicas_in_every_link_state() {
        let info = "# Replication\r\nrole:master\r\nconnected_slaves:3\r\n\
slave0:ip=10.0.0.2,port=6380,state=online,offset=100,lag=0\r\n\
slave1:ip=10.0.0.3,port=6381,state=wait_bgsave,offset=0,lag=0\r\n\
slave2:ip=10.0.0.4,port=6382,state=send_bulk,offset=0,lag=0\r\n\
master_replid:abc\r\n";
        let parsed = parse_replication(info);
        assert_eq!(parsed.role.as_deref(), Some("master"));
        let addrs: Vec<String> = parsed.replicas.iter().map(|a| a.to_string()).collect();
        assert_eq!(addrs, ["10.0.0.2:6380", "10.0.0.3:6381", "10.0.0.4:6382"]);
        let replica = parse_replication("role:slave\nmaster_host:10.0.0.1\nmaster_port:6379\n");
        assert_eq!(
            replica.primary.map(|p| p.to_string()).as_deref(),
            Some("10.0.0.1:6379")
        );
    }

    #[test]
    fn shards_prefer_endpoint_and_the_port_matching_tls() {
        let node = |id: &str, endpoint: &str, port: &str, tls_port: &str| {
            Value::Array(vec![
                bulk("id"),
                bulk(id),
                bulk("port"),
                Value::Int(port.parse().unwrap()),
                bulk("tls-port"),
                Value::Int(tls_port.parse().unwrap()),
                bulk("ip"),
                bulk("10.0.0.1"),
                bulk("endpoint"),
                bulk(endpoint),
            ])
        };
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("slots"),
            Value::Array(vec![]),
            bulk("nodes"),
            Value::Array(vec![
                node("a", "cache-a", "7000", "8000"),
                node("b", "?", "7001", "8001"),
            ]),
        ])]);
        let plain: Vec<String> = parse_shards(reply.clone(), false)
            .iter()
            .map(|m| m.addr.to_string())
            .collect();
        assert_eq!(plain, ["cache-a:7000", "10.0.0.1:7001"]);
        let tls: Vec<String> = parse_shards(reply, true)
            .iter()
            .map(|m| m.addr.to_string())
            .collect();
        assert_eq!(tls, ["cache-a:8000", "10.0.0.1:8001"]);
    }
}
