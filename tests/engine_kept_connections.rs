//! A rotation reuses the admin connections of the last one (no PING round before it): its first
//! round on the nodes (`ACL GETUSER`, sessions) proves them alive. When the server dropped them
//! meanwhile, the rotation connects afresh and succeeds, with both credentials on the node.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::model::RotationStatus;
use redis_rotator::model::schedule::Trigger;
use support::{TestDb, create_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_after_the_server_dropped_every_kept_connection_reconnects_and_succeeds() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    support::add_connection(e, "local", &server).await;
    e.create_rotation(&create_request("orders-cache", "local"))
        .await
        .expect("created");
    e.rotate("orders-cache", Trigger::Manual)
        .await
        .expect("first rotation, which keeps its connections");

    // Every client but redis-cli itself: the kept admin and verification connections.
    let killed = server.cli(&["CLIENT", "KILL", "TYPE", "normal"]);
    assert_ne!(
        killed.trim(),
        "0",
        "the kept connections were there to drop"
    );

    let r = e
        .rotate("orders-cache", Trigger::Manual)
        .await
        .expect("the rotation reconnects instead of failing");
    assert_eq!(r.rotation_status, RotationStatus::Success);
    let creds = e.credentials("orders-cache").unwrap();
    assert!(server.can_auth(&creds.active.username, creds.active.password.expose()));
    let previous = creds.previous.expect("previous credential");
    assert!(server.can_auth(&previous.username, previous.password.expose()));
}
