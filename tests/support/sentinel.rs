//! Engine-level helpers shared by the Sentinel suites: the connection request for a
//! [`SentinelSet`], and the check that both stored credentials authenticate on every data node.

use redis_rotator::engine::Engine;
use redis_rotator::model::request::ConnectionRequest;

use crate::common::{MASTER_NAME, SentinelSet};

/// A `sentinel` connection named "watched" through the set's Sentinels, as admin.
pub fn sentinel_request(set: &SentinelSet) -> ConnectionRequest {
    ConnectionRequest {
        name: Some("watched".into()),
        host: Some("127.0.0.1".into()),
        port: Some(set.sentinels[0].port.into()),
        username: Some("admin".into()),
        topology: Some("sentinel".into()),
        nodes: Some(set.sentinel_addrs()),
        master_name: Some(MASTER_NAME.into()),
        ..Default::default()
    }
}

/// Both stored credentials of `rotation` authenticate on every data node of `set`.
pub fn assert_both_credentials_everywhere(engine: &Engine, set: &SentinelSet, rotation: &str) {
    let nodes: Vec<_> = set.nodes.iter().collect();
    super::assert_both_authenticate(engine, rotation, &nodes);
}

/// `connection add watched --topology sentinel` arguments through `sentinels`, admin password
/// on stdin, then `extra`.
pub fn connection_add_args<'a>(sentinels: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "connection",
        "add",
        "--name",
        "watched",
        "--username",
        "admin",
        "--password-stdin",
        "--topology",
        "sentinel",
        "--master-name",
        MASTER_NAME,
    ];
    for s in sentinels {
        args.extend(["--sentinel", s.as_str()]);
    }
    args.extend_from_slice(extra);
    args
}
