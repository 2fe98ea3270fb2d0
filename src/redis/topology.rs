//! Topology discovery: the full list of nodes an ACL change must reach.

use std::collections::BTreeSet;

use redis::Value;

use crate::model::TopologyKind;

use super::acl::{pairs, text};
use super::{Node, NodeAddr, RedisError};

/// Given a connected seed node: standalone → itself; replication → itself plus replicas from
/// `ROLE` (addresses as the primary reports them); cluster → every node from `CLUSTER SHARDS`
/// (fallback `CLUSTER NODES`); nodes → `explicit`.
///
/// Addresses come back sorted and deduplicated. The seed keeps the form the operator typed
/// (a hostname stays a hostname, which TLS verification needs). ACL changes do not propagate
/// between nodes, so cluster replicas and failing nodes are listed too: a node left out would
/// keep the old credentials.
pub async fn discover(
    seed: &Node,
    kind: TopologyKind,
    explicit: &[NodeAddr],
) -> Result<Vec<NodeAddr>, RedisError> {
    let found: BTreeSet<NodeAddr> = match kind {
        TopologyKind::Standalone => BTreeSet::from([seed.addr.clone()]),
        TopologyKind::Nodes => explicit.iter().cloned().collect(),
        TopologyKind::Replication => replication(seed).await?,
        TopologyKind::Cluster => cluster(seed).await?,
    };
    Ok(found.into_iter().collect())
}

async fn replication(seed: &Node) -> Result<BTreeSet<NodeAddr>, RedisError> {
    let role: redis::Role = seed.query("ROLE", &redis::cmd("ROLE")).await?;
    match role {
        redis::Role::Primary { replicas, .. } => {
            let mut all = BTreeSet::from([seed.addr.clone()]);
            all.extend(replicas.into_iter().map(|r| NodeAddr {
                host: r.ip,
                port: r.port,
            }));
            Ok(all)
        }
        redis::Role::Replica {
            primary_ip,
            primary_port,
            ..
        } => Err(RedisError::Discovery {
            addr: seed.addr.to_string(),
            message: format!(
                "this node is a replica of {}; point the connection at the primary",
                NodeAddr {
                    host: primary_ip,
                    port: primary_port
                }
            ),
        }),
        _ => Err(RedisError::Discovery {
            addr: seed.addr.to_string(),
            message: "this node is not a primary (ROLE); use topology `standalone` or `nodes`"
                .into(),
        }),
    }
}

/// One cluster member as the cluster describes it.
struct Member {
    id: String,
    addr: NodeAddr,
}

async fn cluster(seed: &Node) -> Result<BTreeSet<NodeAddr>, RedisError> {
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
    for m in members {
        let is_seed = match &myself {
            Some(id) => *id == m.id,
            None => m.addr.port == seed.addr.port && m.addr.host == seed.addr.host,
        };
        if !is_seed {
            all.insert(m.addr);
        }
    }
    Ok(all)
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
                members.push(Member {
                    id: get("id").unwrap_or_default(),
                    addr: NodeAddr { host, port },
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
