//! A user's ACL state on one node (`ACL GETUSER`), and the heal commands that bring it back to
//! what the store holds. Passwords travel only as `#<sha256>` here: healing never needs the
//! cleartext on the wire again.

use redis::Value;

use super::acl::{pairs, text};
use super::{Node, RedisError};

/// One user as a node reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserState {
    pub(crate) enabled: bool,
    /// SHA-256 hex of each password, lower case.
    pub(crate) hashes: Vec<String>,
    /// The permissions (flags other than on/off, commands, keys, channels, selectors) in the
    /// node's own canonical form: two users with the same scope on the same server compare equal.
    pub(crate) permissions: String,
}

/// `ACL GETUSER <u>` for each name, in parallel over one multiplexed connection; `None` for a
/// user that does not exist.
pub(crate) async fn user_states(
    node: &Node,
    usernames: &[String],
) -> Result<Vec<Option<UserState>>, RedisError> {
    let replies = futures::future::join_all(usernames.iter().map(|u| {
        let mut cmd = redis::cmd("ACL");
        cmd.arg("GETUSER").arg(u);
        async move { node.query::<Value>("ACL GETUSER", &cmd).await }
    }))
    .await;
    replies
        .into_iter()
        .map(|r| r.map(parse_user))
        .collect::<Result<Vec<_>, _>>()
}

impl UserState {
    /// Whether the user takes any password (`nopass`).
    pub(crate) fn nopass(&self) -> bool {
        self.permissions
            .split("; ")
            .filter_map(|p| p.strip_prefix("flags="))
            .any(|flags| flags.split(' ').any(|f| f == "nopass"))
    }
}

fn parse_user(reply: Value) -> Option<UserState> {
    let fields = match reply {
        Value::Nil => return None,
        Value::Array(items) => pairs(items),
        Value::Map(fields) => fields,
        _ => Vec::new(),
    };
    let mut state = UserState {
        enabled: false,
        hashes: Vec::new(),
        permissions: String::new(),
    };
    let mut perms: Vec<String> = Vec::new();
    for (k, v) in fields {
        let key = text(&k).unwrap_or_default();
        match key.as_str() {
            "flags" => {
                let flags = list(&v);
                state.enabled = flags.iter().any(|f| f == "on");
                let rest: Vec<String> = flags
                    .into_iter()
                    .filter(|f| f != "on" && f != "off")
                    .collect();
                perms.push(format!("flags={}", rest.join(" ")));
            }
            "passwords" => state.hashes = list(&v).iter().map(|h| h.to_lowercase()).collect(),
            other => perms.push(format!("{other}={}", flatten(&v))),
        }
    }
    perms.sort();
    state.permissions = perms.join("; ");
    Some(state)
}

fn list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) | Value::Set(items) => items.iter().filter_map(text).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// Any reply as stable text (selectors are nested maps).
fn flatten(v: &Value) -> String {
    match v {
        Value::Array(items) | Value::Set(items) => {
            let parts: Vec<String> = items.iter().map(flatten).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Map(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}:{}", flatten(k), flatten(v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Nil => String::new(),
        other => text(other).unwrap_or_default(),
    }
}

/// Creates a missing user from the stored hashes: `ACL SETUSER <u> reset on #<h>… <scope…>`.
pub(crate) async fn create_from_hashes(
    node: &Node,
    username: &str,
    hashes: &[String],
    scope: &[String],
) -> Result<(), RedisError> {
    let cmd = create_from_hashes_command(username, hashes, scope);
    node.query::<()>("ACL SETUSER", &cmd).await
}

/// The command `create_from_hashes` sends.
pub(crate) fn create_from_hashes_command(
    username: &str,
    hashes: &[String],
    scope: &[String],
) -> redis::Cmd {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("SETUSER").arg(username).arg("reset").arg("on");
    for h in hashes {
        cmd.arg(format!("#{h}"));
    }
    for rule in scope {
        cmd.arg(rule);
    }
    cmd
}

/// Adds the stored hashes a user lacks and switches it on, keeping every password it has:
/// `ACL SETUSER <u> on #<h>…`.
pub(crate) async fn add_hashes(
    node: &Node,
    username: &str,
    hashes: &[String],
) -> Result<(), RedisError> {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("SETUSER").arg(username).arg("on");
    for h in hashes {
        cmd.arg(format!("#{h}"));
    }
    node.query::<()>("ACL SETUSER", &cmd).await
}

/// Sets a user's whole password list to exactly `hashes` and switches it on, keeping its
/// permissions: `ACL SETUSER <u> on resetpass #<h>…`. One atomic command, idempotent, so a
/// repeat after a lost reply is harmless (a one-user rotation's apply, undo and roll-forward).
pub(crate) async fn set_hashes(
    node: &Node,
    username: &str,
    hashes: &[String],
) -> Result<(), RedisError> {
    node.query::<()>("ACL SETUSER", &set_hashes_command(username, hashes))
        .await
}

/// The command `set_hashes` sends.
pub(crate) fn set_hashes_command(username: &str, hashes: &[String]) -> redis::Cmd {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("SETUSER").arg(username).arg("on").arg("resetpass");
    for h in hashes {
        cmd.arg(format!("#{h}"));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn getuser_reply_gives_state_and_comparable_permissions() {
        let reply = |flags: Vec<&str>, commands: &str| {
            Value::Array(vec![
                bulk("flags"),
                Value::Array(flags.into_iter().map(bulk).collect()),
                bulk("passwords"),
                Value::Array(vec![bulk("ABC")]),
                bulk("commands"),
                bulk(commands),
                bulk("keys"),
                bulk("~*"),
            ])
        };
        let on = parse_user(reply(vec!["on", "sanitize-payload"], "+@all")).unwrap();
        assert!(on.enabled);
        assert_eq!(on.hashes, ["abc"]);
        let off = parse_user(reply(vec!["off", "sanitize-payload"], "+@all")).unwrap();
        assert!(!off.enabled);
        assert_eq!(
            on.permissions, off.permissions,
            "on/off is not a permission"
        );
        let other = parse_user(reply(vec!["on", "sanitize-payload"], "+get")).unwrap();
        assert_ne!(on.permissions, other.permissions);
        assert_eq!(parse_user(Value::Nil), None);
    }
}
