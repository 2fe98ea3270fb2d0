//! Changes that touch Redis besides a rotation — `rotation delete --revoke` and a new permission
//! scope — are journaled before Redis is touched. The real binary is killed (abort) after the
//! journal and after applying on one of two nodes; the next start rolls the change forward, and
//! the store and every node agree. A reply lost on the way back (fault-injecting proxy) is
//! compensated by intent (scope) or finished by recovery (revoke).

mod common;
mod support;

use std::sync::Arc;
use std::time::Duration;

use common::{Fault, FaultProxy, Persist, RedisServer};
use redis_rotator::engine::{Engine, SystemClock, Timeouts};
use redis_rotator::model::Password;
use redis_rotator::model::request::RotationRequest;
use redis_rotator::model::schedule::Trigger;
use redis_rotator::store::{KeySource, Store};
use support::{TEST_KEY, TestDb, create_request, engine_at, run_crashing};

const NEW_SCOPE: &str = "~other:* +@read";

/// `changing` on a connection to both servers, created and rotated once (both slots in use).
async fn setup(db: &TestDb, a: &RedisServer, b: &RedisServer) {
    support::add_pair_connection(&db.engine, a, b).await;
    db.engine
        .create_rotation(&create_request("changing", "pair"))
        .await
        .unwrap();
    db.engine.rotate("changing", Trigger::Manual).await.unwrap();
}

/// A fresh process's recovery succeeds for everything it tries.
async fn recover(engine: &Engine) {
    for (n, r) in engine.recover_all().await {
        assert!(
            r.is_ok(),
            "recovery of {n}: {:?}",
            r.err().map(|e| e.to_string())
        );
    }
}

/// The rules a server holds for `user` (`ACL LIST` line), as words.
fn rules(server: &RedisServer, user: &str) -> Vec<String> {
    let list = server.cli(&["ACL", "LIST"]);
    let line = list
        .lines()
        .find(|l| l.starts_with(&format!("user {user} ")))
        .unwrap_or_else(|| panic!("{user} on {}: {list}", server.addr()));
    line.split_whitespace().map(str::to_string).collect()
}

/// The stored scope is `scope`, no journal is left, both stored credentials authenticate on
/// every server and each server gives both users exactly the stored key pattern.
fn assert_scope_agrees(engine: &Engine, scope: &str, servers: &[&RedisServer]) {
    let r = engine.find_rotation("changing").expect("rotation");
    assert_eq!(r.parameters.permission_scope, scope, "stored scope");
    assert!(r.pending.is_none(), "journal cleared");
    let keys = scope
        .split_whitespace()
        .find(|w| w.starts_with('~'))
        .unwrap();
    let creds = engine.credentials("changing").unwrap();
    let mut stored = vec![creds.active];
    stored.extend(creds.previous);
    assert_eq!(stored.len(), 2, "both slots in use");
    for s in servers {
        for c in &stored {
            assert!(
                s.can_auth(&c.username, c.password.expose()),
                "{} authenticates on {}",
                c.username,
                s.addr()
            );
            let words = rules(s, &c.username);
            let patterns: Vec<&String> = words.iter().filter(|w| w.starts_with('~')).collect();
            assert_eq!(
                patterns,
                vec![keys],
                "{} on {}: {words:?}",
                c.username,
                s.addr()
            );
        }
    }
}

/// The rotation is gone from the store and neither of its users exists on any server.
fn assert_revoked(engine: &Engine, servers: &[&RedisServer]) {
    assert!(
        engine.find_rotation("changing").is_err(),
        "the revoked rotation is deleted"
    );
    for s in servers {
        let users = s.acl_users();
        assert!(
            !users.iter().any(|u| u.starts_with("changing-")),
            "no user of the revoked rotation on {}: {users:?}",
            s.addr()
        );
    }
}

async fn crash_revoke_at(point: &str) {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    setup(&db, &a, &b).await;
    run_crashing(
        &db.path(),
        point,
        &["rotation", "delete", "changing", "--revoke"],
        None,
    );
    let engine = engine_at(db.path());
    recover(&engine).await;
    assert_revoked(&engine, &[&a, &b]);
}

async fn crash_scope_update_at(point: &str) {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    setup(&db, &a, &b).await;
    let patch = db.dir.path().join("patch.json");
    let body = serde_json::json!({
        "description": "narrowed",
        "parameters": { "permissionScope": NEW_SCOPE }
    });
    std::fs::write(&patch, body.to_string()).unwrap();
    run_crashing(
        &db.path(),
        point,
        &[
            "rotation",
            "update",
            "changing",
            "--file",
            patch.to_str().unwrap(),
        ],
        None,
    );
    let engine = engine_at(db.path());
    recover(&engine).await;
    assert_scope_agrees(&engine, NEW_SCOPE, &[&a, &b]);
    let r = engine.find_rotation("changing").unwrap();
    assert_eq!(
        r.description.as_deref(),
        Some("narrowed"),
        "the rest of the update is finished with the scope"
    );
    // And the next rotation works normally, with the new scope.
    engine
        .rotate("changing", Trigger::Manual)
        .await
        .expect("rotation after recovery");
    assert_scope_agrees(&engine, NEW_SCOPE, &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_crashed_after_the_journal_is_finished_at_the_next_start() {
    crash_revoke_at("after-record").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_crashed_after_one_of_two_nodes_is_finished_at_the_next_start() {
    crash_revoke_at("after-apply:1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_update_crashed_after_the_journal_is_finished_at_the_next_start() {
    crash_scope_update_at("after-record").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_update_crashed_after_one_of_two_nodes_is_finished_at_the_next_start() {
    crash_scope_update_at("after-apply:1").await;
}

/// Replies lost by the proxy surface as command timeouts: keep them short.
fn short_timeout_engine(dir: &tempfile::TempDir) -> Engine {
    let store = Arc::new(Store::open(
        dir.path().join("db.json"),
        KeySource::Env(Password::new(TEST_KEY)),
    ));
    let timeouts = Timeouts {
        connect: Duration::from_secs(3),
        command: Duration::from_secs(1),
    };
    Engine::with_timeouts(store, Arc::new(SystemClock), timeouts)
}

/// `changing` through the proxy in front of `a`, and directly on `b`.
async fn setup_proxied(engine: &Engine, proxy: &FaultProxy, b: &RedisServer) {
    support::add_request(
        engine,
        &support::nodes_request("pair", &[proxy.addr(), b.addr()]),
    )
    .await;
    engine
        .create_rotation(&create_request("changing", "pair"))
        .await
        .unwrap();
    engine.rotate("changing", Trigger::Manual).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_update_whose_reply_is_lost_puts_the_old_scope_back_everywhere() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let proxy = FaultProxy::start(a.port);
    let dir = tempfile::tempdir().unwrap();
    let engine = short_timeout_engine(&dir);
    setup_proxied(&engine, &proxy, &b).await;
    let old = engine
        .find_rotation("changing")
        .unwrap()
        .parameters
        .permission_scope;

    proxy.arm("ACL SETUSER", Fault::DropReply);
    let patch: RotationRequest = serde_json::from_value(
        serde_json::json!({ "parameters": { "permissionScope": NEW_SCOPE } }),
    )
    .unwrap();
    let err = engine
        .update_rotation("changing", &patch)
        .await
        .expect_err("the update must fail");
    assert_eq!(proxy.fired(), 1, "the fault was injected");
    assert!(
        err.to_string().contains("old scope is back"),
        "says what happened: {err}"
    );
    // Checked on the servers directly: the store's (old) scope on both users everywhere.
    assert_scope_agrees(&engine, &old, &[&a, &b]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_whose_reply_is_lost_is_kept_and_finished_at_the_next_start() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let proxy = FaultProxy::start(a.port);
    let dir = tempfile::tempdir().unwrap();
    let engine = short_timeout_engine(&dir);
    setup_proxied(&engine, &proxy, &b).await;

    proxy.arm("ACL DELUSER", Fault::DropReply);
    engine
        .delete_rotation("changing", true, false)
        .await
        .expect_err("the revoke must fail");
    assert_eq!(proxy.fired(), 1, "the fault was injected");
    let r = engine
        .find_rotation("changing")
        .expect("kept until revoked");
    assert!(r.pending.is_some(), "the revoke stays journaled");

    let next = short_timeout_engine(&dir);
    recover(&next).await;
    assert_revoked(&next, &[&a, &b]);
}
