//! One authenticated connection to one node, with timeouts on connect and on every command.

use std::fmt;
use std::time::Duration;

use crate::model::Password;

use super::RedisError;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeAddr {
    pub host: String,
    pub port: u16,
}

impl NodeAddr {
    /// Parses `host:port` or `[v6]:port`.
    pub fn parse(s: &str) -> Option<NodeAddr> {
        let _ = s;
        todo!("redis helper")
    }
}

impl fmt::Display for NodeAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::model::connection::format_address(
            &self.host, self.port,
        ))
    }
}

#[derive(Clone, Debug)]
pub struct TlsParams {
    /// PEM bytes of the CA to trust (in addition to none: only this CA when given; the
    /// platform roots otherwise).
    pub ca_pem: Option<Vec<u8>>,
    /// `rejectUnauthorized = false`: accept any certificate.
    pub insecure: bool,
}

/// How to reach and authenticate to a node.
#[derive(Clone, Debug)]
pub struct ConnectParams {
    pub addr: NodeAddr,
    pub username: String,
    pub password: Option<Password>,
    pub tls: Option<TlsParams>,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
}

/// An authenticated connection (multiplexed; cheap to clone).
#[derive(Clone)]
pub struct Node {
    pub addr: NodeAddr,
}

impl Node {
    /// Connects, authenticates (HELLO/AUTH as `username`), classifies failures
    /// (unreachable, timeout, wrong password, TLS).
    pub async fn connect(params: &ConnectParams) -> Result<Node, RedisError> {
        let _ = params;
        todo!("redis helper")
    }

    /// Runs one command with the command timeout; `name` is used in error messages (e.g.
    /// `ACL SETUSER`) so arguments (which may hold a password) never are.
    pub async fn query<T: redis::FromRedisValue>(
        &self,
        name: &str,
        cmd: &redis::Cmd,
    ) -> Result<T, RedisError> {
        let _ = (name, cmd);
        todo!("redis helper")
    }
}
