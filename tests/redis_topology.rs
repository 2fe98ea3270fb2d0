//! Probes, sessions and topology discovery against real servers: standalone, primary + replica,
//! and clusters; plus the parallel fan-out helpers.

mod common;
mod support;

use std::time::Duration;

use futures::future::join_all;

use common::{ADMIN_PASSWORD, ADMIN_USER, Cluster, Persist, RedisServer};
use redis_rotator::model::{Password, TopologyKind};
use redis_rotator::redis::{ConnectParams, Node, NodeAddr, Persistence, acl, probe, topology};

fn params_at(addr: &NodeAddr, user: &str, password: &str) -> ConnectParams {
    ConnectParams {
        addr: addr.clone(),
        username: user.into(),
        password: Some(Password::new(password)),
        tls: None,
        connect_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(2),
    }
}

fn admin_at(addr: &NodeAddr) -> ConnectParams {
    params_at(addr, ADMIN_USER, ADMIN_PASSWORD)
}

async fn admin(server: &RedisServer) -> Node {
    let addr = NodeAddr::parse(&server.addr()).unwrap();
    Node::connect(&admin_at(&addr))
        .await
        .expect("admin connects")
}

fn sorted_addrs(addrs: &[String]) -> Vec<NodeAddr> {
    let mut parsed: Vec<NodeAddr> = addrs.iter().map(|a| NodeAddr::parse(a).unwrap()).collect();
    parsed.sort();
    parsed
}

fn strings(addrs: &[NodeAddr]) -> Vec<String> {
    addrs.iter().map(NodeAddr::to_string).collect()
}

#[tokio::test]
async fn probe_reports_role_version_rtt_permissions_and_persistence() {
    let server = RedisServer::start(Persist::Aclfile);
    let report = probe::probe(&admin(&server).await, ADMIN_USER).await;
    assert_eq!(report.address, server.addr());
    assert_eq!(report.role.as_deref(), Some("master"));
    // The real server and version, not Valkey's compatibility `redis_version:7.2.4`.
    let (kind, (major, minor, patch)) = common::server_under_test();
    assert_eq!(report.server.unwrap().to_string(), kind, "{report:?}");
    assert_eq!(
        report.version.as_deref(),
        Some(format!("{major}.{minor}.{patch}").as_str()),
        "{report:?}"
    );
    if common::server_is_before_7() {
        // No ACL DRYRUN: unknown, and the report says why instead of guessing.
        assert_eq!(report.can_persist, None, "{report:?}");
        assert!(
            report.notes.iter().any(|n| n.contains("has no ACL DRYRUN")),
            "{report:?}"
        );
    } else {
        assert_eq!(report.can_persist, Some(true), "{report:?}");
        assert!(report.notes.is_empty(), "{report:?}");
    }
    assert!(report.rtt.unwrap() < Duration::from_secs(1));
    assert!(report.can_set_user && report.can_del_user, "{report:?}");
    assert_eq!(report.persistence, Some(Persistence::Aclfile));
    assert_eq!(report.error, None);
    // The probe changed nothing.
    assert_eq!(server.acl_users(), ["admin", "default"]);
}

#[tokio::test]
async fn probe_names_each_missing_permission() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&[
        "ACL",
        "SETUSER",
        "weak",
        "on",
        ">weak-pw",
        "~*",
        "+@all",
        &common::deny("acl|setuser"),
        &common::deny("acl|deluser"),
        "-config",
    ]);
    let addr = NodeAddr::parse(&server.addr()).unwrap();
    let node = Node::connect(&params_at(&addr, "weak", "weak-pw"))
        .await
        .unwrap();
    let report = probe::probe(&node, "weak").await;
    assert!(!report.can_set_user && !report.can_del_user, "{report:?}");
    assert_eq!(report.persistence, None);
    let error = report.error.unwrap();
    for rule in ["acl|setuser", "acl|deluser", "config|get"].map(common::grant_for) {
        assert!(error.contains(&rule), "{rule} missing from: {error}");
    }
    assert_eq!(report.role.as_deref(), Some("master"));
}

#[tokio::test]
async fn probe_asks_acl_dryrun_whether_the_admin_may_persist_and_names_the_grant() {
    for (persist, denied, grant) in [
        (Persist::Aclfile, "-acl|save", "+acl|save"),
        (Persist::ConfigFile, "-config|rewrite", "+config|rewrite"),
    ] {
        let server = RedisServer::start(persist);
        let full = probe::probe(&admin(&server).await, ADMIN_USER).await;
        if common::server_is_before_7() {
            // Nothing to ask without ACL DRYRUN; the note that says so is checked above.
            assert_eq!(full.can_persist, None, "{full:?}");
            return;
        }
        assert_eq!(full.can_persist, Some(true), "{full:?}");
        server.cli(&[
            "ACL",
            "SETUSER",
            "nosave",
            "on",
            ">nosave-pw",
            "~*",
            "+@all",
            denied,
        ]);
        let addr = NodeAddr::parse(&server.addr()).unwrap();
        let node = Node::connect(&params_at(&addr, "nosave", "nosave-pw"))
            .await
            .unwrap();
        let report = probe::probe(&node, "nosave").await;
        // Everything else is allowed: only the persisting command is missing.
        assert!(report.can_set_user && report.can_del_user, "{report:?}");
        assert_eq!(report.can_persist, Some(false), "{report:?}");
        assert_eq!(report.error, None);
        // The probe ran nothing: no save, no rewrite, no new user.
        assert_eq!(server.acl_users(), ["admin", "default", "nosave"]);

        // A connection with that admin is not reported usable, and the fix is named.
        let db = support::TestDb::new();
        let engine = support::engine_at(db.path());
        let mut req = support::connection_request("weak", "127.0.0.1", server.port);
        req.username = Some("nosave".into());
        let refused = engine
            .add_connection(&req, Some(Password::new("nosave-pw")))
            .await
            .expect_err("a connection that cannot persist is not usable")
            .to_string();
        assert!(refused.contains(grant), "{grant} not named in {refused}");
        assert!(engine.snapshot().unwrap().connections.is_empty());
    }
}

#[tokio::test]
async fn config_file_servers_persist_with_config_rewrite() {
    let server = RedisServer::start(Persist::ConfigFile);
    let report = probe::probe(&admin(&server).await, ADMIN_USER).await;
    assert_eq!(report.persistence, Some(Persistence::Config));
}

#[tokio::test]
async fn sessions_count_connections_authenticated_as_the_user() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    let pw = Password::new("session-user-pw");
    acl::set_user(&node, "sess-0", &pw, &["~*".into(), "+@all".into()])
        .await
        .unwrap();
    assert_eq!(probe::sessions(&node, "sess-0").await.unwrap(), 0);
    let addr = NodeAddr::parse(&server.addr()).unwrap();
    let a = Node::connect(&params_at(&addr, "sess-0", pw.expose()))
        .await
        .unwrap();
    let b = Node::connect(&params_at(&addr, "sess-0", pw.expose()))
        .await
        .unwrap();
    assert_eq!(probe::sessions(&node, "sess-0").await.unwrap(), 2);
    // Re-keying does not drop them.
    acl::set_user(
        &node,
        "sess-0",
        &Password::new("next-pw"),
        &["+@all".into()],
    )
    .await
    .unwrap();
    assert_eq!(probe::sessions(&node, "sess-0").await.unwrap(), 2);
    drop((a, b));
}

#[tokio::test]
async fn failed_auths_sum_the_acl_log_for_the_user() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    acl::set_user(&node, "fail-0", &Password::new("right"), &["+ping".into()])
        .await
        .unwrap();
    for _ in 0..3 {
        assert!(!server.can_auth("fail-0", "wrong"));
    }
    assert!(!server.can_auth("someone-else", "wrong"));
    assert_eq!(probe::failed_auths(&node, "fail-0").await.unwrap(), 3);
}

#[tokio::test]
async fn standalone_and_explicit_topologies() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    let found = topology::discover(&node, TopologyKind::Standalone, &[])
        .await
        .unwrap()
        .nodes;
    assert_eq!(strings(&found), [server.addr()]);
    let explicit =
        ["10.0.0.2:6379", "10.0.0.1:6379", "10.0.0.2:6379"].map(|a| NodeAddr::parse(a).unwrap());
    let found = topology::discover(&node, TopologyKind::Nodes, &explicit)
        .await
        .unwrap()
        .nodes;
    assert_eq!(strings(&found), ["10.0.0.1:6379", "10.0.0.2:6379"]);
}

#[tokio::test]
async fn replication_discovers_the_replicas() {
    let primary = RedisServer::start(Persist::Aclfile);
    let replica = RedisServer::replica_of(&primary);
    let node = admin(&primary).await;
    let found = topology::discover(&node, TopologyKind::Replication, &[])
        .await
        .unwrap()
        .nodes;
    assert_eq!(found, sorted_addrs(&[primary.addr(), replica.addr()]));

    // Pointing at the replica is a mistake worth a sentence.
    let err = topology::discover(&admin(&replica).await, TopologyKind::Replication, &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("primary"), "{err}");
}

#[tokio::test]
async fn cluster_discovery_finds_masters_and_replicas_and_keeps_the_seed_as_typed() {
    let cluster = Cluster::start(3, 1);
    let seed_port = cluster.nodes[0].port;
    let seed_addr = NodeAddr::parse(&format!("localhost:{seed_port}")).unwrap();
    let seed = Node::connect(&admin_at(&seed_addr)).await.unwrap();
    let found = topology::discover(&seed, TopologyKind::Cluster, &[])
        .await
        .unwrap()
        .nodes;
    assert_eq!(found.len(), 6, "{found:?}");
    assert!(found.contains(&seed_addr));
    assert!(!found.contains(&NodeAddr::parse(&cluster.nodes[0].addr()).unwrap()));
    for node in &cluster.nodes[1..] {
        assert!(
            found.contains(&NodeAddr::parse(&node.addr()).unwrap()),
            "{found:?}"
        );
    }
    let mut sorted = found.clone();
    sorted.sort();
    assert_eq!(found, sorted);

    // Fan out: connect to all, change a user on all, read it back on all.
    let params: Vec<ConnectParams> = found.iter().map(admin_at).collect();
    let nodes: Vec<Node> = join_all(params.iter().map(Node::connect))
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let pw = Password::new("cluster-wide-pw");
    let scope = ["+ping".to_string()];
    let applied = join_all(
        nodes
            .iter()
            .map(|n| acl::set_user(n, "wide-0", &pw, &scope)),
    )
    .await;
    assert!(applied.iter().all(Result::is_ok), "{applied:?}");
    for node in &cluster.nodes {
        assert!(node.can_auth("wide-0", pw.expose()), "{}", node.addr());
    }
    let hashes = join_all(nodes.iter().map(|n| acl::password_hashes(n, "wide-0"))).await;
    assert!(
        hashes
            .into_iter()
            .all(|h| h.unwrap() == Some(vec![acl::password_hash(&pw)]))
    );
}

#[tokio::test]
async fn cluster_of_masters_only_has_three_nodes() {
    let cluster = Cluster::start(3, 0);
    let seed = admin(&cluster.nodes[1]).await;
    let found = topology::discover(&seed, TopologyKind::Cluster, &[])
        .await
        .unwrap()
        .nodes;
    assert_eq!(found, sorted_addrs(&cluster.addrs()));
}

#[tokio::test]
async fn cluster_discovery_on_a_non_cluster_node_explains() {
    let server = RedisServer::start(Persist::Aclfile);
    let err = topology::discover(&admin(&server).await, TopologyKind::Cluster, &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cluster"), "{err}");
}
