//! Crash safety: the real binary is killed (abort) at each step of a rotation; the next start
//! recovers, both stored credentials authenticate on every node, and no ACL user exists that the
//! store does not know.

mod common;
mod support;

use std::process::Command;

use common::{Persist, RedisServer};
use redis_rotator::model::RotationStatus;
use redis_rotator::model::schedule::Trigger;
use support::{TEST_KEY, TestDb, admin_password, connection_request, create_request, engine_at};

fn run_crashing(db: &TestDb, point: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
        .args(args)
        .env("REDIS_ROTATOR_DB", db.path())
        .env("REDIS_ROTATOR_KEY", TEST_KEY)
        .env("HOME", db.dir.path())
        .env("REDIS_ROTATOR_TEST_CRASH_AT", point)
        .output()
        .expect("run redis-rotator");
    assert!(
        !out.status.success(),
        "the process must die at {point}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("crash injected at {point}")),
        "crashed at {point}: {stderr}"
    );
}

async fn assert_recovered_and_consistent(db: &TestDb, name: &str, servers: &[&RedisServer]) {
    // A fresh process: a new engine on the same file.
    let engine = engine_at(db.path());
    let outcomes = engine.recover_all().await;
    for (n, r) in &outcomes {
        assert!(
            r.is_ok(),
            "recovery of {n}: {:?}",
            r.as_ref().err().map(ToString::to_string)
        );
    }
    let r = engine.find_rotation(name).unwrap();
    assert!(r.pending.is_none(), "journal cleared");
    assert_eq!(r.rotation_status, RotationStatus::Success);
    let creds = engine.credentials(name).unwrap();
    let mut known = vec![
        "admin".to_string(),
        "default".to_string(),
        creds.active.username.clone(),
    ];
    for s in servers {
        assert!(
            s.can_auth(&creds.active.username, creds.active.password.expose()),
            "active on {}",
            s.addr()
        );
    }
    if let Some(prev) = &creds.previous {
        known.push(prev.username.clone());
        for s in servers {
            assert!(
                s.can_auth(&prev.username, prev.password.expose()),
                "previous on {}",
                s.addr()
            );
        }
    }
    for s in servers {
        for u in s.acl_users() {
            assert!(
                known.contains(&u),
                "ACL user {u} on {} is unknown to the store",
                s.addr()
            );
        }
    }
    // And the next rotation works normally.
    engine
        .rotate(name, Trigger::Manual)
        .await
        .expect("rotation after recovery");
}

async fn setup(db: &TestDb, a: &RedisServer, b: &RedisServer) {
    let mut req = connection_request("pair", a.host(), a.port);
    req.topology = Some("nodes".into());
    req.nodes = Some(vec![a.addr(), b.addr()]);
    db.engine
        .add_connection(&req, Some(admin_password()))
        .await
        .expect("added");
}

async fn crash_rotation_at(point: &str) {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    setup(&db, &a, &b).await;
    db.engine
        .create_rotation(&create_request("crashy", "pair"))
        .await
        .unwrap();
    db.engine.rotate("crashy", Trigger::Manual).await.unwrap();
    run_crashing(&db, point, &["rotation", "rotate", "crashy"]);
    assert_recovered_and_consistent(&db, "crashy", &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_record_is_recovered() {
    crash_rotation_at("after-record").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_apply_on_some_nodes_is_recovered() {
    crash_rotation_at("after-apply:1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_persist_is_recovered() {
    crash_rotation_at("after-persist").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_verify_is_recovered() {
    crash_rotation_at("after-verify").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_before_promote_is_recovered() {
    crash_rotation_at("before-promote").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_during_create_is_recovered() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    setup(&db, &a, &b).await;
    let req = db.dir.path().join("req.json");
    std::fs::write(
        &req,
        serde_json::to_string(&create_request("newborn", "pair")).unwrap(),
    )
    .unwrap();
    run_crashing(
        &db,
        "after-apply:1",
        &["rotation", "create", "--file", req.to_str().unwrap()],
    );
    assert_recovered_and_consistent(&db, "newborn", &[&a, &b]).await;
}
