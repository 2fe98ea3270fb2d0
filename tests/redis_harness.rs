//! The test harness itself: every kind of server it promises starts, authenticates and stops.

mod common;

use common::{ADMIN_PASSWORD, ADMIN_USER, Cluster, Persist, RedisServer};

#[test]
fn standalone_servers_start_with_admin_on_and_default_off() {
    for persist in [Persist::Aclfile, Persist::ConfigFile, Persist::Neither] {
        let server = RedisServer::start(persist);
        assert_eq!(server.cli(&["PING"]), "PONG", "{persist:?}");
        assert!(server.can_auth(ADMIN_USER, ADMIN_PASSWORD), "{persist:?}");
        assert!(!server.can_auth(ADMIN_USER, "wrong"), "{persist:?}");
        assert!(!server.can_auth("default", ""), "{persist:?}");
        let mut users = server.acl_users();
        users.sort();
        assert_eq!(users, ["admin", "default"], "{persist:?}");
    }
}

#[test]
fn restart_keeps_the_port_and_admin() {
    let mut server = RedisServer::start(Persist::Neither);
    let port = server.port;
    server.stop();
    assert!(!server.is_running());
    server.restart();
    assert!(server.is_running());
    assert_eq!(server.port, port);
    assert!(server.can_auth(ADMIN_USER, ADMIN_PASSWORD));
}

#[test]
fn tls_server_answers_over_tls_only() {
    let (server, material) = RedisServer::start_tls();
    assert!(server.is_tls());
    assert_eq!(server.cli(&["PING"]), "PONG");
    assert!(server.can_auth(ADMIN_USER, ADMIN_PASSWORD));
    assert!(material.ca_pem.contains("BEGIN CERTIFICATE"));
    assert_ne!(material.ca_pem, material.other_ca_pem);
}

#[test]
fn replica_follows_its_primary() {
    let primary = RedisServer::start(Persist::Aclfile);
    let replica = RedisServer::replica_of(&primary);
    assert!(replica.cli(&["ROLE"]).starts_with("slave"));
    assert!(primary.cli(&["ROLE"]).contains(&replica.port.to_string()));
}

#[test]
fn cluster_of_three_masters_with_replicas_settles() {
    let cluster = Cluster::start(3, 1);
    assert_eq!(cluster.nodes.len(), 6);
    for node in &cluster.nodes {
        assert!(node.cli(&["CLUSTER", "INFO"]).contains("cluster_state:ok"));
    }
}
