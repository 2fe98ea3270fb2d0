//! Every node holds both stored credentials, always (issue 18): a replica still syncing when a
//! rotation is created, a replica rebuilt with an empty aclfile, a node down during a rotation
//! and back without its users, a drifted scope: reconcile (before every rotation, and the
//! periodic pass) heals each, and never touches a user the store does not own.

mod common;
mod support;

use std::time::Duration;

use common::{Persist, RedisServer, wait_until};
use redis_rotator::engine::SyncStatus;
use redis_rotator::model::EventKind;
use redis_rotator::model::schedule::Trigger;
use support::{
    TestDb, add_connection, add_request, assert_both_authenticate, connection_request,
    create_request, nodes_request, replication_request,
};

fn healed_events(db: &TestDb) -> Vec<String> {
    let doc = db.engine.snapshot().unwrap();
    doc.events
        .iter()
        .filter(|e| e.kind == EventKind::Healed)
        .map(|e| e.message.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_syncing_at_create_time_holds_both_credentials_after_the_next_rotation() {
    let primary = RedisServer::start(Persist::Aclfile);
    // Hold the full sync back so the replica is still syncing when the rotation is created.
    primary.cli(&["CONFIG", "SET", "repl-diskless-sync", "yes"]);
    primary.cli(&["CONFIG", "SET", "repl-diskless-sync-delay", "3"]);
    let replica = RedisServer::replica_of_unsynced(&primary);
    let port = replica.port;
    wait_until(
        Duration::from_secs(10),
        "the primary lists the replica",
        || {
            primary
                .cli(&["INFO", "replication"])
                .contains(&format!("port={port},"))
        },
    );
    let info = primary.cli(&["INFO", "replication"]);
    assert!(
        !info.contains(&format!("port={port},state=online")),
        "the replica must still be syncing for this test to mean anything: {info}"
    );
    let db = TestDb::new();
    add_request(&db.engine, &replication_request("repl", &primary)).await;
    db.engine
        .create_rotation(&create_request("sync-cache", "repl"))
        .await
        .expect("created");
    wait_until(Duration::from_secs(20), "replica online", || {
        primary
            .cli(&["INFO", "replication"])
            .contains(&format!("port={port},state=online"))
    });
    db.engine
        .rotate("sync-cache", Trigger::Manual)
        .await
        .expect("rotated");
    assert_both_authenticate(&db.engine, "sync-cache", &[&primary, &replica]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_added_after_create_gets_the_credential_from_one_reconcile_pass() {
    let primary = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_request(&db.engine, &replication_request("repl", &primary)).await;
    db.engine
        .create_rotation(&create_request("late-cache", "repl"))
        .await
        .expect("created");
    let replica = RedisServer::replica_of(&primary);
    let creds = db.engine.credentials("late-cache").unwrap();
    assert!(!replica.can_auth(&creds.active.username, creds.active.password.expose()));

    let before = db.engine.node_sync("late-cache").await.expect("checked");
    let line = before
        .iter()
        .find(|l| l.node == replica.addr())
        .expect("the replica is listed");
    assert_eq!(line.status.to_string(), "missing slot 0");

    let passes = db.engine.reconcile_all().await;
    assert_eq!(passes.len(), 1, "one rotation reconciled");
    assert!(replica.can_auth(&creds.active.username, creds.active.password.expose()));
    let events = healed_events(&db);
    assert_eq!(
        events,
        [format!(
            "healed late-cache-0 on {}: the user was missing",
            replica.addr()
        )]
    );
    let after = db.engine.node_sync("late-cache").await.expect("checked");
    assert!(
        after.iter().all(|l| l.status == SyncStatus::InSync),
        "{after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_restarted_with_an_empty_aclfile_is_healed_with_both_credentials() {
    let primary = RedisServer::start(Persist::Aclfile);
    let mut replica = RedisServer::replica_of(&primary);
    let db = TestDb::new();
    add_request(&db.engine, &replication_request("repl", &primary)).await;
    db.engine
        .create_rotation(&create_request("empty-cache", "repl"))
        .await
        .expect("created");
    db.engine
        .rotate("empty-cache", Trigger::Manual)
        .await
        .expect("rotated");
    assert_both_authenticate(&db.engine, "empty-cache", &[&primary, &replica]);

    replica.restart_with_empty_aclfile();
    assert_eq!(replica.acl_users(), ["admin", "default"]);
    let lines = db
        .engine
        .reconcile("empty-cache")
        .await
        .expect("reconciled");
    let line = lines
        .iter()
        .find(|l| l.node == replica.addr())
        .expect("listed");
    assert_eq!(
        line.healed,
        ["missing slot 0", "missing slot 1"],
        "{line:?}"
    );
    assert_both_authenticate(&db.engine, "empty-cache", &[&primary, &replica]);
    // Persisted: the heal survives another restart.
    replica.restart();
    assert_both_authenticate(&db.engine, "empty-cache", &[&primary, &replica]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_down_during_a_rotation_holds_both_credentials_once_back() {
    let a = RedisServer::start(Persist::Aclfile);
    let mut b = RedisServer::start(Persist::Neither);
    let db = TestDb::new();
    add_request(&db.engine, &nodes_request("pair", &[a.addr(), b.addr()])).await;
    db.engine
        .create_rotation(&create_request("down-cache", "pair"))
        .await
        .expect("created");
    b.stop();
    let failed = db.engine.rotate("down-cache", Trigger::Manual).await;
    assert!(
        failed.is_err(),
        "a rotation cannot reach a node that is down"
    );
    // Back without any of its users (no persistence there).
    b.restart();
    db.engine.reconcile_all().await;
    let creds = db.engine.credentials("down-cache").unwrap();
    assert!(b.can_auth(&creds.active.username, creds.active.password.expose()));
    db.engine
        .rotate("down-cache", Trigger::Manual)
        .await
        .expect("rotated");
    assert_both_authenticate(&db.engine, "down-cache", &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drifted_scope_is_reapplied_and_passwords_are_kept() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_request(&db.engine, &nodes_request("pair", &[a.addr(), b.addr()])).await;
    db.engine
        .create_rotation(&create_request("drift-cache", "pair"))
        .await
        .expect("created");
    db.engine
        .rotate("drift-cache", Trigger::Manual)
        .await
        .expect("rotated");
    let good = b.cli(&["ACL", "GETUSER", "drift-cache-0"]);
    b.cli(&[
        "ACL",
        "SETUSER",
        "drift-cache-0",
        "-@all",
        "+get",
        ">an-extra-password",
    ]);
    let lines = db.engine.node_sync("drift-cache").await.expect("checked");
    let line = lines.iter().find(|l| l.node == b.addr()).expect("listed");
    assert_eq!(line.status.to_string(), "scope differs");

    db.engine
        .reconcile("drift-cache")
        .await
        .expect("reconciled");
    let healed = b.cli(&["ACL", "GETUSER", "drift-cache-0"]);
    let commands = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        let i = lines.iter().position(|l| *l == "commands").unwrap();
        lines[i + 1].to_string()
    };
    assert_eq!(commands(&healed), commands(&good));
    assert!(
        b.can_auth("drift-cache-0", "an-extra-password"),
        "a password is never removed"
    );
    assert_both_authenticate(&db.engine, "drift-cache", &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_the_store_does_not_own_is_never_changed_by_a_heal() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    db.engine
        .create_rotation(&create_request("owned", "local"))
        .await
        .expect("created");
    // Someone else's users, one named like ours would be with another prefix.
    server.cli(&[
        "ACL",
        "SETUSER",
        "other-app",
        "on",
        ">their-pw",
        "~x",
        "+get",
    ]);
    server.cli(&["ACL", "SETUSER", "owned-2", "off", ">x", "~*", "+@all"]);
    let before: Vec<String> = ["other-app", "owned-2"]
        .iter()
        .map(|u| server.cli(&["ACL", "GETUSER", u]))
        .collect();
    server.cli(&["ACL", "DELUSER", "owned-0"]);

    db.engine.reconcile("owned").await.expect("reconciled");
    let after: Vec<String> = ["other-app", "owned-2"]
        .iter()
        .map(|u| server.cli(&["ACL", "GETUSER", u]))
        .collect();
    assert_eq!(before, after);
    let creds = db.engine.credentials("owned").unwrap();
    assert!(server.can_auth(&creds.active.username, creds.active.password.expose()));
    assert!(server.can_auth("other-app", "their-pw"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_added_to_a_cluster_gets_both_credentials_from_one_reconcile_pass() {
    let mut cluster = common::Cluster::start(3, 0);
    let db = TestDb::new();
    let seed = &cluster.nodes[0];
    let mut req = connection_request("clu", seed.host(), seed.port);
    req.topology = Some("cluster".into());
    add_request(&db.engine, &req).await;
    db.engine
        .create_rotation(&create_request("clu-cache", "clu"))
        .await
        .expect("created");
    db.engine
        .rotate("clu-cache", Trigger::Manual)
        .await
        .expect("rotated");
    let added = cluster.add_replica(1).addr();
    let creds = db.engine.credentials("clu-cache").unwrap();
    let new_node = cluster.nodes.last().unwrap();
    assert!(!new_node.can_auth(&creds.active.username, creds.active.password.expose()));

    db.engine.reconcile_all().await;
    let nodes: Vec<&RedisServer> = cluster.nodes.iter().collect();
    assert_both_authenticate(&db.engine, "clu-cache", &nodes);
    let events = healed_events(&db);
    assert_eq!(events.len(), 2, "both users created on {added}: {events:?}");
    assert!(events.iter().all(|e| e.contains(&added)), "{events:?}");
}
