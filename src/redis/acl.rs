//! ACL commands. Passwords and scope rules always travel as separate arguments.

use crate::model::Password;

use super::{ConnectParams, Node, Persistence, RedisError};

/// `ACL SETUSER <u> reset on ><password> <scope…>`: one atomic command.
pub async fn set_user(
    node: &Node,
    username: &str,
    password: &Password,
    scope: &[String],
) -> Result<(), RedisError> {
    let _ = (node, username, password, scope);
    todo!("redis helper")
}

/// Replaces the permissions of an existing user, keeping its passwords:
/// `ACL SETUSER <u> resetkeys resetchannels nocommands clearselectors <scope…>`.
pub async fn set_permissions(
    node: &Node,
    username: &str,
    scope: &[String],
) -> Result<(), RedisError> {
    let _ = (node, username, scope);
    todo!("redis helper")
}

/// `ACL DELUSER <u>`; true when it existed.
pub async fn del_user(node: &Node, username: &str) -> Result<bool, RedisError> {
    let _ = (node, username);
    todo!("redis helper")
}

/// `ACL USERS`.
pub async fn users(node: &Node) -> Result<Vec<String>, RedisError> {
    let _ = node;
    todo!("redis helper")
}

/// The SHA-256 hex hashes of a user's passwords (`ACL GETUSER` `passwords`), `None` if the user
/// does not exist.
pub async fn password_hashes(
    node: &Node,
    username: &str,
) -> Result<Option<Vec<String>>, RedisError> {
    let _ = (node, username);
    todo!("redis helper")
}

/// Makes ACL changes survive a restart: `ACL SAVE` or `CONFIG REWRITE`; `None` does nothing.
pub async fn persist(node: &Node, mode: Persistence) -> Result<(), RedisError> {
    let _ = (node, mode);
    todo!("redis helper")
}

/// A fresh connection as `params.username`/`params.password`, then `ACL WHOAMI` must answer the
/// username.
pub async fn verify(params: &ConnectParams) -> Result<(), RedisError> {
    let _ = params;
    todo!("redis helper")
}

/// SHA-256 hex of a password, as Redis stores it.
pub fn password_hash(password: &Password) -> String {
    let _ = password;
    todo!("redis helper")
}
