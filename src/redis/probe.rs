//! Side-effect-free probes: role, version, RTT, ACL permissions, persistence mode, sessions.

use std::time::{Duration, Instant};

use redis::Value;
use serde::Serialize;

use super::acl::{pairs, text};
use super::acl_access;
use super::server::{ServerInfo, ServerKind, no_dryrun_note};
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
    /// `redis` or `valkey` (from `server_name`).
    pub server: Option<ServerKind>,
    /// The real version: `valkey_version` on Valkey (whose `redis_version` is a fixed 7.2.4).
    pub version: Option<String>,
    #[serde(serialize_with = "ser_ms")]
    pub rtt: Option<Duration>,
    pub can_set_user: bool,
    pub can_del_user: bool,
    pub persistence: Option<Persistence>,
    /// Whether the admin may run the persisting command (`ACL SAVE` for an aclfile, `CONFIG
    /// REWRITE` for a config file), asked with `ACL DRYRUN`; `None` when the server has no
    /// `ACL DRYRUN` (before 7.0) or nothing is persisted there.
    pub can_persist: Option<bool>,
    /// Set when the node failed; an operator-actionable sentence.
    pub error: Option<String>,
    /// Usable but worth knowing: what this server cannot tell or do, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

fn ser_ms<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&(d.as_secs_f64() * 1000.0)),
        None => s.serialize_none(),
    }
}

impl NodeReport {
    /// "valkey 9.1.2", "redis 6.2.14", or just the version when the kind is unknown.
    pub(crate) fn server_label(&self) -> Option<String> {
        match (&self.server, &self.version) {
            (Some(kind), Some(v)) => Some(format!("{kind} {v}")),
            (None, Some(v)) => Some(v.clone()),
            _ => None,
        }
    }

    /// The report of a node that could not even be connected to.
    pub(crate) fn failed(address: String, error: &dyn std::fmt::Display) -> NodeReport {
        NodeReport {
            address,
            role: None,
            server: None,
            version: None,
            rtt: None,
            can_set_user: false,
            can_del_user: false,
            persistence: None,
            can_persist: None,
            error: Some(error.to_string()),
            notes: Vec::new(),
        }
    }
}

/// Role, version, RTT, permissions (`ACL SETUSER <own>` with no rules, `ACL DELUSER
/// <name that does not exist>`) and persistence of one connected node.
pub async fn probe(node: &Node, own_username: &str) -> NodeReport {
    let address = node.addr.to_string();
    let started = Instant::now();
    if let Err(e) = node.query::<String>("PING", &redis::cmd("PING")).await {
        return NodeReport::failed(address, &e);
    }
    let rtt = started.elapsed();
    let mut errors = Vec::new();
    let mut note = |e: RedisError| errors.push(e.to_string());

    let role = match node.query::<Value>("ROLE", &redis::cmd("ROLE")).await {
        Ok(Value::Array(items)) => items.first().and_then(text),
        Ok(_) => None,
        Err(e) => {
            note(e);
            None
        }
    };
    let server = match server_info(node).await {
        Ok(v) => v,
        Err(e) => {
            note(e);
            None
        }
    };
    // Rules-less SETUSER on oneself changes nothing; DELUSER of a name nobody has removes nothing.
    let mut setuser = redis::cmd("ACL");
    setuser.arg("SETUSER").arg(own_username);
    let can_set_user = match node.query::<()>("ACL SETUSER", &setuser).await {
        Ok(()) => true,
        Err(e) => {
            // No ACL command at all: that one sentence, not a list of grants that cannot help.
            if let Some(sentence) = acl_access::acl_unavailable(&address, &e) {
                let mut report = NodeReport::failed(address, &sentence);
                report.role = role;
                report.server = server.as_ref().map(|s| s.kind);
                report.version = server.map(|s| s.version);
                report.rtt = Some(rtt);
                return report;
            }
            note(e);
            false
        }
    };
    let mut deluser = redis::cmd("ACL");
    deluser.arg("DELUSER").arg(format!(
        "redis-rotator-probe-{:016x}",
        rand::random::<u64>()
    ));
    let can_del_user = match node.query::<u64>("ACL DELUSER", &deluser).await {
        Ok(_) => true,
        Err(e) => {
            note(e);
            false
        }
    };
    let persistence = match persistence(node).await {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(format!("{e}; how ACL changes persist there is unknown"));
            None
        }
    };
    let mut notes = Vec::new();
    let can_persist = match (persistence.and_then(persist_command), &server) {
        (Some(command), Some(info)) if !info.has_acl_v2() => {
            notes.push(no_dryrun_note(
                &address,
                info,
                own_username,
                &command.join(" "),
            ));
            None
        }
        (Some(command), _) => may_persist(node, own_username, command).await,
        (None, _) => None,
    };
    NodeReport {
        address,
        role,
        server: server.as_ref().map(|s| s.kind),
        version: server.map(|s| s.version),
        rtt: Some(rtt),
        can_set_user,
        can_del_user,
        persistence,
        can_persist,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
        notes,
    }
}

/// What the server is and its real version (`INFO server`).
pub(crate) async fn server_info(node: &Node) -> Result<Option<ServerInfo>, RedisError> {
    let mut cmd = redis::cmd("INFO");
    cmd.arg("server");
    let info: String = node.query("INFO", &cmd).await?;
    Ok(ServerInfo::from_info(&info))
}

/// The command that persists ACL changes on a node of this kind, as `ACL DRYRUN` takes it.
pub(crate) fn persist_command(p: Persistence) -> Option<[&'static str; 2]> {
    match p {
        Persistence::Aclfile => Some(["ACL", "SAVE"]),
        Persistence::Config => Some(["CONFIG", "REWRITE"]),
        Persistence::None => None,
    }
}

/// `ACL DRYRUN <own> ACL SAVE` (or `CONFIG REWRITE`): "OK" when allowed, a sentence when not;
/// nothing runs. `None` when the server cannot answer (DRYRUN itself not granted).
async fn may_persist(node: &Node, own_username: &str, command: [&str; 2]) -> Option<bool> {
    let mut dryrun = redis::cmd("ACL");
    dryrun.arg("DRYRUN").arg(own_username).arg(&command[..]);
    match node.query::<Value>("ACL DRYRUN", &dryrun).await {
        Ok(Value::Okay) => Some(true),
        Ok(Value::SimpleString(s)) if s == "OK" => Some(true),
        Ok(_) => Some(false),
        Err(_) => None,
    }
}

/// `CONFIG GET aclfile` non-empty → Aclfile; `INFO server` `config_file` non-empty → Config;
/// else None.
pub async fn persistence(node: &Node) -> Result<Persistence, RedisError> {
    let mut cmd = redis::cmd("CONFIG");
    cmd.arg("GET").arg("aclfile");
    let reply: Value = node.query("CONFIG GET", &cmd).await?;
    let fields = match reply {
        Value::Array(items) => pairs(items),
        Value::Map(fields) => fields,
        _ => Vec::new(),
    };
    let aclfile = fields
        .iter()
        .find(|(k, _)| text(k).as_deref() == Some("aclfile"))
        .and_then(|(_, v)| text(v))
        .unwrap_or_default();
    if !aclfile.trim().is_empty() {
        return Ok(Persistence::Aclfile);
    }
    let config_file = info_field(node, "server", "config_file").await?;
    Ok(match config_file {
        Some(path) if !path.trim().is_empty() => Persistence::Config,
        _ => Persistence::None,
    })
}

/// Connections authenticated as `username` (`CLIENT LIST` `user=`).
pub async fn sessions(node: &Node, username: &str) -> Result<usize, RedisError> {
    let mut cmd = redis::cmd("CLIENT");
    cmd.arg("LIST");
    let list: String = node.query("CLIENT LIST", &cmd).await?;
    Ok(count_sessions(&list, username))
}

fn count_sessions(client_list: &str, username: &str) -> usize {
    client_list
        .lines()
        .filter(|line| {
            line.split_whitespace()
                .any(|field| field.strip_prefix("user=") == Some(username))
        })
        .count()
}

/// Failed AUTHs for `username` in `ACL LOG` (sum of `count`).
pub async fn failed_auths(node: &Node, username: &str) -> Result<u64, RedisError> {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("LOG");
    let reply: Value = node.query("ACL LOG", &cmd).await?;
    let Value::Array(entries) = reply else {
        return Ok(0);
    };
    let mut total = 0;
    for entry in entries {
        let fields = match entry {
            Value::Array(items) => pairs(items),
            Value::Map(fields) => fields,
            _ => continue,
        };
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| text(k).as_deref() == Some(name))
                .and_then(|(_, v)| text(v))
        };
        if get("reason").as_deref() == Some("auth") && get("username").as_deref() == Some(username)
        {
            total += get("count")
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or(1);
        }
    }
    Ok(total)
}

/// One `field:value` line of `INFO <section>`.
pub(crate) async fn info_field(
    node: &Node,
    section: &str,
    field: &str,
) -> Result<Option<String>, RedisError> {
    let mut cmd = redis::cmd("INFO");
    cmd.arg(section);
    let info: String = node.query("INFO", &cmd).await?;
    Ok(parse_info_field(&info, field))
}

pub(crate) fn parse_info_field(info: &str, field: &str) -> Option<String> {
    info.lines().find_map(|line| {
        let (k, v) = line.trim_end_matches('\r').split_once(':')?;
        (k == field).then(|| v.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sessions_by_exact_user_field() {
        let list = "id=3 addr=127.0.0.1:1 user=app-0 cmd=ping\n\
                    id=4 addr=127.0.0.1:2 user=app-0-old cmd=ping\n\
                    id=5 addr=127.0.0.1:3 user=app-0 cmd=get\n";
        assert_eq!(count_sessions(list, "app-0"), 2);
        assert_eq!(count_sessions(list, "app"), 0);
    }

    #[test]
    fn reads_info_fields() {
        let info = "# Server\r\nredis_version:7.0.15\r\nconfig_file:\r\n";
        assert_eq!(
            parse_info_field(info, "redis_version").as_deref(),
            Some("7.0.15")
        );
        assert_eq!(parse_info_field(info, "config_file").as_deref(), Some(""));
        assert_eq!(parse_info_field(info, "missing"), None);
    }
}
