//! Everything that speaks to a Redis server: connecting (auth, TLS, timeouts), topology
//! discovery, ACL commands, probes (permissions, persistence mode, sessions).

pub mod acl;
pub mod acl_access;
pub mod acl_state;
pub mod error;
pub mod identity;
pub mod node;
pub mod probe;
pub mod sentinel;
pub mod server;
pub mod topology;
pub mod verify;

pub use error::RedisError;
pub use node::{ConnectParams, Node, NodeAddr, TlsParams, install_crypto_provider};
pub use probe::{NodeReport, Persistence};
pub use server::{ServerInfo, ServerKind};
