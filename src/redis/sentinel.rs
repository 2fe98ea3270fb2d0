//! Asking a Sentinel where a monitored master is and which replicas and other Sentinels it
//! knows (`SENTINEL GET-MASTER-ADDR-BY-NAME`, `SENTINEL REPLICAS`, `SENTINEL SENTINELS`).

use redis::Value;

use super::acl::{pairs, text};
use super::{Node, NodeAddr, RedisError};

/// What one Sentinel says about a master.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SentinelView {
    pub(crate) master: NodeAddr,
    /// Every replica it lists, flagged or not: a flag may be stale during a failover (a
    /// replica being reconfigured shows `disconnected`), and a replica left out would keep the
    /// old credentials; one that is really down fails the rotation like any node.
    pub(crate) replicas: Vec<NodeAddr>,
    /// The replicas it flags as down or disconnected, with why (for the connection test).
    pub(crate) noted: Vec<(NodeAddr, String)>,
    /// The other Sentinels monitoring this master.
    pub(crate) sentinels: Vec<NodeAddr>,
}

/// The master, its replicas and its other Sentinels according to `sentinel`.
pub(crate) async fn ask(sentinel: &Node, master_name: &str) -> Result<SentinelView, RedisError> {
    let mut get = redis::cmd("SENTINEL");
    get.arg("GET-MASTER-ADDR-BY-NAME").arg(master_name);
    let reply: Value = sentinel
        .query("SENTINEL GET-MASTER-ADDR-BY-NAME", &get)
        .await
        .map_err(|e| not_a_sentinel(sentinel, e))?;
    let master = match reply {
        Value::Array(items) if items.len() == 2 => {
            let host = text(&items[0]);
            let port = text(&items[1]).and_then(|p| p.parse::<u16>().ok());
            host.zip(port).map(|(host, port)| NodeAddr { host, port })
        }
        _ => None,
    }
    .ok_or_else(|| RedisError::Discovery {
        addr: sentinel.addr.to_string(),
        message: format!(
            "this Sentinel monitors no master named `{master_name}`: check the name in its `sentinel monitor` line"
        ),
    })?;
    let mut replicas_cmd = redis::cmd("SENTINEL");
    replicas_cmd.arg("REPLICAS").arg(master_name);
    let replicas: Value = sentinel.query("SENTINEL REPLICAS", &replicas_cmd).await?;
    let mut sentinels_cmd = redis::cmd("SENTINEL");
    sentinels_cmd.arg("SENTINELS").arg(master_name);
    let others: Value = sentinel.query("SENTINEL SENTINELS", &sentinels_cmd).await?;
    let mut view = SentinelView {
        master,
        replicas: Vec::new(),
        noted: Vec::new(),
        sentinels: Vec::new(),
    };
    for (addr, flags) in instances(replicas) {
        if let Some(why) = down_flag(&flags) {
            view.noted.push((addr.clone(), why));
        }
        view.replicas.push(addr);
    }
    view.sentinels = instances(others).into_iter().map(|(a, _)| a).collect();
    Ok(view)
}

/// `SENTINEL …` refused as an unknown command: the address is a data node, not a Sentinel.
fn not_a_sentinel(sentinel: &Node, e: RedisError) -> RedisError {
    match e {
        RedisError::Command { message, .. } if message.to_lowercase().contains("unknown command") => {
            RedisError::Discovery {
                addr: sentinel.addr.to_string(),
                message: "this is not a Sentinel (it does not know SENTINEL): give the Sentinels' addresses (usually port 26379), not the data nodes'".into(),
            }
        }
        other => other,
    }
}

/// Why a Sentinel-listed instance cannot take a change now (`s_down`, `o_down`,
/// `disconnected`), if so.
fn down_flag(flags: &str) -> Option<String> {
    flags
        .split(',')
        .find(|f| matches!(*f, "s_down" | "o_down" | "disconnected"))
        .map(|f| format!("the Sentinels flag it `{f}`"))
}

/// `[[name, …, ip, …, port, …, flags, …], …]` (RESP2) or maps (RESP3) → (address, flags).
fn instances(reply: Value) -> Vec<(NodeAddr, String)> {
    let Value::Array(items) = reply else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let fields = match item {
                Value::Array(items) => pairs(items),
                Value::Map(fields) => fields,
                _ => return None,
            };
            let get = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| text(k).as_deref() == Some(name))
                    .and_then(|(_, v)| text(v))
            };
            let port = get("port")?.parse::<u16>().ok().filter(|p| *p != 0)?;
            let host = get("ip").filter(|h| !h.is_empty())?;
            Some((NodeAddr { host, port }, get("flags").unwrap_or_default()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn replicas_flagged_down_are_noted_with_why() {
        let entry = |port: &str, flags: &str| {
            Value::Array(
                ["name", "x", "ip", "127.0.0.1", "port", port, "flags", flags]
                    .map(bulk)
                    .to_vec(),
            )
        };
        let list = instances(Value::Array(vec![
            entry("6380", "slave"),
            entry("6381", "s_down,slave,disconnected"),
        ]));
        assert_eq!(list.len(), 2);
        assert_eq!(down_flag(&list[0].1), None);
        assert_eq!(
            down_flag(&list[1].1).as_deref(),
            Some("the Sentinels flag it `s_down`")
        );
    }
}
