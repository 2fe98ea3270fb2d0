//! Everything that speaks to a Redis server: connecting (auth, TLS, timeouts), topology
//! discovery, ACL commands, probes (permissions, persistence mode, sessions).

pub mod acl;
pub(crate) mod acl_access;
pub(crate) mod acl_state;
pub(crate) mod error;
pub(crate) mod identity;
pub(crate) mod node;
pub mod probe;
pub(crate) mod sentinel;
pub(crate) mod server;
pub mod topology;
pub mod verify;

pub use error::RedisError;
pub use node::{ConnectParams, Node, NodeAddr, TlsParams, install_crypto_provider};
pub use probe::{NodeReport, Persistence};
