//! ACL commands. Passwords and scope rules always travel as separate arguments.

use redis::Value;
use sha2::{Digest, Sha256};

use crate::model::Password;

use super::{ConnectParams, Node, Persistence, RedisError};

/// `ACL SETUSER <u> reset on ><password> <scope…>`: one atomic command.
pub async fn set_user(
    node: &Node,
    username: &str,
    password: &Password,
    scope: &[String],
) -> Result<(), RedisError> {
    node.query::<()>("ACL SETUSER", &set_user_command(username, password, scope))
        .await
        .map_err(|e| e.redacted(password.expose()))
}

/// The command `set_user` sends, for callers that queue it with others on one connection.
pub(crate) fn set_user_command(
    username: &str,
    password: &Password,
    scope: &[String],
) -> redis::Cmd {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("SETUSER")
        .arg(username)
        .arg("reset")
        .arg("on")
        .arg(format!(">{}", password.expose()));
    for rule in scope {
        cmd.arg(rule);
    }
    cmd
}

/// Replaces the permissions of an existing user, keeping its passwords:
/// `ACL SETUSER <u> resetkeys resetchannels nocommands clearselectors <scope…>`.
///
/// Redis before 7.0 has no selectors, so nothing to clear, and refuses the word: there the
/// command is sent again without it (the refused one changed nothing).
pub async fn set_permissions(
    node: &Node,
    username: &str,
    scope: &[String],
) -> Result<(), RedisError> {
    let command = |clear_selectors: bool| {
        let mut cmd = redis::cmd("ACL");
        cmd.arg("SETUSER")
            .arg(username)
            .arg("resetkeys")
            .arg("resetchannels")
            .arg("nocommands");
        if clear_selectors {
            cmd.arg("clearselectors");
        }
        for rule in scope {
            cmd.arg(rule);
        }
        cmd
    };
    match node.query::<()>("ACL SETUSER", &command(true)).await {
        Err(RedisError::Command { message, .. }) if message.contains("'clearselectors'") => {
            node.query::<()>("ACL SETUSER", &command(false)).await
        }
        other => other,
    }
}

/// `ACL DELUSER <u>`; true when it existed.
pub async fn del_user(node: &Node, username: &str) -> Result<bool, RedisError> {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("DELUSER").arg(username);
    let deleted: u64 = node.query("ACL DELUSER", &cmd).await?;
    Ok(deleted > 0)
}

/// `ACL USERS`.
pub async fn users(node: &Node) -> Result<Vec<String>, RedisError> {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("USERS");
    node.query("ACL USERS", &cmd).await
}

/// The commands the server files under `@admin` or `@dangerous` (`ACL CAT admin`, `ACL CAT
/// dangerous`): `name`, or `name|sub` on servers with subcommands.
pub(crate) async fn risky_commands(node: &Node) -> Result<Vec<String>, RedisError> {
    let mut all = Vec::new();
    for category in ["admin", "dangerous"] {
        let mut cmd = redis::cmd("ACL");
        cmd.arg("CAT").arg(category);
        let listed: Vec<String> = node.query("ACL CAT", &cmd).await?;
        all.extend(listed);
    }
    Ok(all)
}

/// The SHA-256 hex hashes of a user's passwords (`ACL GETUSER` `passwords`), `None` if the user
/// does not exist.
pub async fn password_hashes(
    node: &Node,
    username: &str,
) -> Result<Option<Vec<String>>, RedisError> {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("GETUSER").arg(username);
    let reply: Value = node.query("ACL GETUSER", &cmd).await?;
    let fields = match reply {
        Value::Nil => return Ok(None),
        Value::Array(items) => pairs(items),
        Value::Map(pairs) => pairs,
        _ => Vec::new(),
    };
    let passwords = fields
        .into_iter()
        .find(|(k, _)| text(k).as_deref() == Some("passwords"))
        .map(|(_, v)| v);
    let hashes = match passwords {
        Some(Value::Array(items) | Value::Set(items)) => items
            .iter()
            .filter_map(text)
            .map(|h| h.to_lowercase())
            .collect(),
        Some(_) => {
            return Err(RedisError::Command {
                addr: node.addr.to_string(),
                command: "ACL GETUSER".into(),
                message: "unexpected shape of the `passwords` field".into(),
            });
        }
        None => Vec::new(),
    };
    Ok(Some(hashes))
}

/// Makes ACL changes survive a restart: `ACL SAVE` or `CONFIG REWRITE`; `None` does nothing.
pub async fn persist(node: &Node, mode: Persistence) -> Result<(), RedisError> {
    match persist_command(mode) {
        Some((name, cmd)) => node.query::<()>(name, &cmd).await,
        None => Ok(()),
    }
}

/// The command `persist` sends for `mode` and its name for messages; `None` for `None`.
pub(crate) fn persist_command(mode: Persistence) -> Option<(&'static str, redis::Cmd)> {
    match mode {
        Persistence::Aclfile => {
            let mut cmd = redis::cmd("ACL");
            cmd.arg("SAVE");
            Some(("ACL SAVE", cmd))
        }
        Persistence::Config => {
            let mut cmd = redis::cmd("CONFIG");
            cmd.arg("REWRITE");
            Some(("CONFIG REWRITE", cmd))
        }
        Persistence::None => None,
    }
}

/// A fresh connection as `params.username`/`params.password`, then `ACL WHOAMI` must answer the
/// username.
///
/// A scope without `acl|whoami` answers NOPERM; that still proves the credential, since AUTH
/// named the user explicitly and succeeded.
pub async fn verify(params: &ConnectParams) -> Result<(), RedisError> {
    let node = Node::connect(params).await?;
    let mut cmd = redis::cmd("ACL");
    cmd.arg("WHOAMI");
    match node.query::<String>("ACL WHOAMI", &cmd).await {
        Ok(who) if who == params.username => Ok(()),
        Ok(who) => Err(RedisError::Command {
            addr: node.addr.to_string(),
            command: "ACL WHOAMI".into(),
            message: format!("authenticated as `{who}` instead of `{}`", params.username),
        }),
        Err(RedisError::NoPermission { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// SHA-256 hex of a password, as Redis stores it.
pub fn password_hash(password: &Password) -> String {
    hex::encode(Sha256::digest(password.expose().as_bytes()))
}

/// A RESP2 flat `[k1, v1, k2, v2, …]` as pairs.
pub(crate) fn pairs(items: Vec<Value>) -> Vec<(Value, Value)> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// A string-ish reply as text.
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_is_lowercase_sha256_hex() {
        assert_eq!(
            password_hash(&Password::new("pw1")),
            "c592df4a86933b92addc9842402ddf198c638ea9be58916ee6e3734e1e3152f8"
        );
    }
}
