//! Every ACL change reaches every node: replicas of a primary, every node of a cluster, and an
//! explicit node list; credentials survive a restart of every node where the node can persist.

mod common;
mod support;

use common::{Cluster, Persist, RedisServer};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::redis::Persistence;
use support::{
    TestDb, add_connection, add_request, admin_password, assert_both_authenticate,
    connection_request, create_request, replication_request,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_authenticate_on_replicas() {
    let primary = RedisServer::start(Persist::Aclfile);
    let replica = RedisServer::replica_of(&primary);
    let db = TestDb::new();
    let report = add_request(&db.engine, &replication_request("repl", &primary)).await;
    assert_eq!(
        report.nodes.len(),
        2,
        "primary and replica discovered: {report:?}"
    );
    db.engine
        .create_rotation(&create_request("repl-cache", "repl"))
        .await
        .expect("created");
    db.engine
        .rotate("repl-cache", Trigger::Manual)
        .await
        .expect("rotated");
    assert_both_authenticate(&db.engine, "repl-cache", &[&primary, &replica]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_authenticate_on_every_cluster_node() {
    let cluster = Cluster::start(3, 0);
    let db = TestDb::new();
    let seed = &cluster.nodes[0];
    let mut req = connection_request("clu", seed.host(), seed.port);
    req.topology = Some("cluster".into());
    let (_, report) = db
        .engine
        .add_connection(&req, Some(admin_password()))
        .await
        .expect("added");
    assert_eq!(report.nodes.len(), 3, "{report:?}");
    db.engine
        .create_rotation(&create_request("clu-cache", "clu"))
        .await
        .expect("created");
    db.engine
        .rotate("clu-cache", Trigger::Manual)
        .await
        .expect("rotated");
    let nodes: Vec<&RedisServer> = cluster.nodes.iter().collect();
    assert_both_authenticate(&db.engine, "clu-cache", &nodes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_both_credentials_with_aclfile_and_config_file() {
    let mut a = RedisServer::start(Persist::Aclfile);
    let mut b = RedisServer::start(Persist::ConfigFile);
    let db = TestDb::new();
    let report = support::add_pair_connection(&db.engine, &a, &b).await;
    let modes: Vec<_> = report.nodes.iter().map(|n| n.persistence).collect();
    assert!(
        modes.contains(&Some(Persistence::Aclfile)) && modes.contains(&Some(Persistence::Config)),
        "{report:?}"
    );
    db.engine
        .create_rotation(&create_request("durable", "pair"))
        .await
        .expect("created");
    db.engine
        .rotate("durable", Trigger::Manual)
        .await
        .expect("rotated");
    a.restart();
    b.restart();
    assert_both_authenticate(&db.engine, "durable", &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_cannot_persist_is_reported() {
    let server = RedisServer::start(Persist::Neither);
    let db = TestDb::new();
    add_connection(&db.engine, "volatile", &server).await;
    let report = db.engine.test_connection("volatile").await.unwrap();
    assert_eq!(report.nodes[0].persistence, Some(Persistence::None));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("vanish when it restarts")),
        "{:?}",
        report.warnings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_between_rotations_is_reconnected() {
    // Admin connections are kept between rotations; a restart must not fail the next one.
    let mut server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "kept", &server).await;
    db.engine
        .create_rotation(&create_request("kept-cache", "kept"))
        .await
        .unwrap();
    db.engine
        .rotate("kept-cache", Trigger::Manual)
        .await
        .expect("first rotation");
    server.restart();
    db.engine
        .rotate("kept-cache", Trigger::Manual)
        .await
        .expect("rotation after a restart");
    assert_both_authenticate(&db.engine, "kept-cache", &[&server]);
}
