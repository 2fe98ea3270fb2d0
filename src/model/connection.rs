//! A Redis connection: where the admin user lives and how to reach every node (SPEC 2.1).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Sealed;
use super::identity::ServerIdentity;

/// How the set of nodes is found.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum TopologyKind {
    /// One node.
    #[default]
    Standalone,
    /// The node is a primary; replicas are discovered with `ROLE`.
    Replication,
    /// All nodes discovered with `CLUSTER SHARDS` / `CLUSTER NODES`.
    Cluster,
    /// An explicit list of `host:port`.
    Nodes,
    /// Sentinels (`nodes`) name the current master of `masterName` and its replicas; asked
    /// again at every rotation, so a failover is followed.
    Sentinel,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsSettings {
    #[serde(default)]
    pub(crate) enabled: bool,
    #[serde(default = "default_true")]
    pub(crate) reject_unauthorized: bool,
    /// PEM text, or a path to a PEM file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ca_certificate: Option<String>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            reject_unauthorized: true,
            ca_certificate: None,
        }
    }
}

fn default_true() -> bool {
    true
}

pub(crate) const DEFAULT_PORT: u16 = 6379;
pub(crate) const DEFAULT_USERNAME: &str = "default";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Connection {
    pub id: Uuid,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub host: String,
    pub port: u16,
    pub username: String,
    /// The admin password, encrypted at rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Sealed>,
    #[serde(default)]
    pub tls: TlsSettings,
    #[serde(default)]
    pub topology: TopologyKind,
    /// `host:port` entries: the nodes when `topology` is `nodes`, the Sentinels when it is
    /// `sentinel`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
    /// The master name the Sentinels monitor (`sentinel` topology only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_name: Option<String>,
    /// The user the Sentinels are authenticated as (`sentinel` topology only; `default` when a
    /// Sentinel password is given without a user, as for a Sentinel's own `requirepass`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentinel_username: Option<String>,
    /// The Sentinels' own password, encrypted at rest like the admin password (never the data
    /// nodes' password: a Sentinel's `requirepass` is its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentinel_password: Option<Sealed>,
    /// The servers this connection reaches, as they identified themselves when it was last
    /// tested, created on or rotated (`None` until then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ServerIdentity>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Connection {
    /// TLS without verifying the server's certificate (`--insecure`).
    pub(crate) fn is_tls_unverified(&self) -> bool {
        self.tls.enabled && !self.tls.reject_unauthorized
    }

    /// The warning every use of an `--insecure` connection prints, `None` otherwise.
    pub(crate) fn insecure_warning(&self) -> Option<String> {
        self.is_tls_unverified().then(|| {
            format!(
                "connection `{}` uses TLS without verifying the server's certificate (--insecure): anyone on the network path can pose as the server and receive the admin password and every new password; give --ca-cert instead",
                self.name
            )
        })
    }

    /// The user the Sentinels are authenticated as.
    pub(crate) fn sentinel_user(&self) -> &str {
        self.sentinel_username
            .as_deref()
            .unwrap_or(DEFAULT_USERNAME)
    }

    /// `host:port`, with IPv6 literals bracketed.
    pub(crate) fn address(&self) -> String {
        format_address(&self.host, self.port)
    }
}

/// `host:port`, bracketing IPv6 literals so the port stays unambiguous.
pub(crate) fn format_address(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
