//! Failure injection: a node that refuses or is down during a rotation leaves the active
//! credential unchanged, the previous one restored, and a `failed` status whose message names
//! the node and the reason with no secret in it.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::model::RotationStatus;
use redis_rotator::model::schedule::Trigger;
use support::{TestDb, create_request};

async fn two_node_rotation(db: &TestDb, a: &RedisServer, b: &RedisServer) {
    support::add_pair_connection(&db.engine, a, b).await;
    db.engine
        .create_rotation(&create_request("fragile", "pair"))
        .await
        .expect("created");
    db.engine
        .rotate("fragile", Trigger::Manual)
        .await
        .expect("first rotation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_refuses_fails_the_rotation_and_restores_the_others() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    two_node_rotation(&db, &a, &b).await;
    let before = db.engine.credentials("fragile").unwrap();
    let prev = before.previous.clone().unwrap();
    // Node b stops allowing ACL SETUSER for the admin user.
    b.cli(&["ACL", "SETUSER", "admin", &common::deny("acl|setuser")]);
    let err = db
        .engine
        .rotate("fragile", Trigger::Manual)
        .await
        .expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains(&b.addr()), "message names the node: {msg}");
    assert!(
        msg.contains("NOPERM") || msg.to_lowercase().contains("permission"),
        "says why: {msg}"
    );
    let r = db.engine.find_rotation("fragile").unwrap();
    assert_eq!(r.rotation_status, RotationStatus::Failed);
    assert!(r.pending.is_none());
    let after = db.engine.credentials("fragile").unwrap();
    assert_eq!(
        after.active.username, before.active.username,
        "active credential unchanged"
    );
    assert_eq!(after.active.password, before.active.password);
    for s in [&a, &b] {
        assert!(
            s.can_auth(&before.active.username, before.active.password.expose()),
            "active on {}",
            s.addr()
        );
        assert!(
            s.can_auth(&prev.username, prev.password.expose()),
            "previous restored on {}",
            s.addr()
        );
    }
    let stored = r.last_rotation_message.unwrap();
    assert!(
        !stored.contains(before.active.password.expose())
            && !stored.contains(prev.password.expose())
    );
    let log = serde_json::to_string(&db.engine.snapshot().unwrap().events).unwrap();
    assert!(!log.contains(prev.password.expose()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_is_down_fails_the_rotation_naming_it() {
    let a = RedisServer::start(Persist::Aclfile);
    let mut b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    two_node_rotation(&db, &a, &b).await;
    let before = db.engine.credentials("fragile").unwrap();
    b.stop();
    let err = db
        .engine
        .rotate("fragile", Trigger::Manual)
        .await
        .expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains(&b.addr()), "message names the node: {msg}");
    let r = db.engine.find_rotation("fragile").unwrap();
    assert_eq!(r.rotation_status, RotationStatus::Failed);
    assert_eq!(r.last_rotation_message.as_deref(), Some(msg.as_str()));
    let after = db.engine.credentials("fragile").unwrap();
    assert_eq!(after.active.password, before.active.password);
    let prev = before.previous.unwrap();
    assert!(
        a.can_auth(&prev.username, prev.password.expose()),
        "previous untouched on the live node"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_rotation_of_the_same_rotation_is_refused_while_one_runs() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    support::add_connection(&db.engine, "local", &server).await;
    let r = db
        .engine
        .create_rotation(&create_request("busy", "local"))
        .await
        .unwrap();
    let dir = redis_rotator::store::paths::locks_dir(&db.path());
    let _held = redis_rotator::engine::locks::try_lock_rotation(&dir, r.id)
        .unwrap()
        .expect("lock");
    let err = db
        .engine
        .rotate("busy", Trigger::Manual)
        .await
        .expect_err("busy");
    assert!(
        err.to_string()
            .contains("a rotation of `busy` is already running"),
        "{err}"
    );
}
