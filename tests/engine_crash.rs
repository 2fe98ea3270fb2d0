//! Crash safety: the real binary is killed (abort) at each step of a rotation, for both
//! strategies; the next start recovers, both stored credentials authenticate on every node, no
//! ACL user exists that the store does not know, and the rotation's users hold no password the
//! store does not know. The crash points exist only in test builds (the `crash-points` feature,
//! on through the crate's dev-dependency on itself); apply stays parallel with them, so
//! `after-apply:1` aborts once one node has applied while the other may be done or in flight.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::model::request::RotationRequest;
use redis_rotator::model::schedule::Trigger;
use redis_rotator::model::{EventKind, Outcome, RotationStatus};
use redis_rotator::redis::acl::password_hash;
use support::{TestDb, create_request, engine_at, run_crashing};

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
    // Every password a rotation user holds is a stored one (one-user: exactly the two).
    let stored: Vec<_> = std::iter::once(&creds.active)
        .chain(creds.previous.as_ref())
        .collect();
    for s in servers {
        for c in &stored {
            for h in s.password_hashes(&c.username) {
                assert!(
                    stored
                        .iter()
                        .any(|x| x.username == c.username && password_hash(&x.password) == h),
                    "{} holds a password of {} that the store does not know",
                    s.addr(),
                    c.username
                );
            }
        }
    }
    // And the next rotation works normally.
    engine
        .rotate(name, Trigger::Manual)
        .await
        .expect("rotation after recovery");
}

async fn setup(db: &TestDb, a: &RedisServer, b: &RedisServer) {
    support::add_pair_connection(&db.engine, a, b).await;
}

/// `create_request` with strategy one-user on `username`.
fn one_user_request(name: &str, username: &str) -> RotationRequest {
    let mut req = create_request(name, "pair");
    let p = req.parameters.as_mut().unwrap();
    p.strategy = Some("one-user".into());
    p.username = Some(username.into());
    req
}

async fn crash_rotation_at(point: &str) {
    crash_rotation_of(point, create_request("crashy", "pair")).await;
}

async fn crash_one_user_rotation_at(point: &str) {
    crash_rotation_of(point, one_user_request("crashy", "crashy-app")).await;
}

async fn crash_rotation_of(point: &str, request: RotationRequest) {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    setup(&db, &a, &b).await;
    db.engine.create_rotation(&request).await.unwrap();
    db.engine.rotate("crashy", Trigger::Manual).await.unwrap();
    run_crashing(&db.path(), point, &["rotation", "rotate", "crashy"], None);
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
        &db.path(),
        "after-apply:1",
        &["rotation", "create", "--file", req.to_str().unwrap()],
        None,
    );
    assert_recovered_and_consistent(&db, "newborn", &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_crash_after_record_is_recovered() {
    crash_one_user_rotation_at("after-record").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_crash_after_apply_on_some_nodes_is_recovered() {
    crash_one_user_rotation_at("after-apply:1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_crash_after_persist_is_recovered() {
    crash_one_user_rotation_at("after-persist").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_crash_before_promote_is_recovered() {
    crash_one_user_rotation_at("before-promote").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_crash_during_an_adopting_create_is_recovered_keeping_the_current_password() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    for s in [&a, &b] {
        s.cli(&["ACL", "SETUSER", "legacy", "on", ">legacy-pw", "~*", "+get"]);
    }
    let db = TestDb::new();
    setup(&db, &a, &b).await;
    let req = db.dir.path().join("req.json");
    std::fs::write(
        &req,
        serde_json::to_string(&one_user_request("adopted", "legacy")).unwrap(),
    )
    .unwrap();
    run_crashing(
        &db.path(),
        "after-apply:1",
        &[
            "rotation",
            "create",
            "--file",
            req.to_str().unwrap(),
            "--current-password-stdin",
        ],
        Some("legacy-pw\n"),
    );
    // Recovery promotes: the adopted password is the previous credential, valid everywhere.
    let engine = engine_at(db.path());
    for (n, r) in engine.recover_all().await {
        assert!(
            r.is_ok(),
            "recovery of {n}: {:?}",
            r.err().map(|e| e.to_string())
        );
    }
    let creds = engine.credentials("adopted").unwrap();
    assert_eq!(
        creds
            .previous
            .as_ref()
            .map(|p| p.password.expose().to_string()),
        Some("legacy-pw".into())
    );
    for s in [&a, &b] {
        assert!(
            s.can_auth("legacy", "legacy-pw"),
            "apps keep working on {}",
            s.addr()
        );
    }
    assert_recovered_and_consistent(&db, "adopted", &[&a, &b]).await;
}

/// The promotion is committed without waiting for its own fsync (one durable write per
/// rotation: the journal). A power cut before the group fsync loses it; the journal, durable
/// since step 1, lets the next start roll the rotation forward to the same new credential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promotion_lost_before_its_fsync_is_rolled_forward_from_the_journal() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    setup(&db, &a, &b).await;
    db.engine
        .create_rotation(&create_request("crashy", "pair"))
        .await
        .unwrap();
    let before = db.engine.find_rotation("crashy").unwrap();
    run_crashing(
        &db.path(),
        "promote-lost",
        &["rotation", "rotate", "crashy"],
        None,
    );
    // What a fresh process finds on disk: the promotion is gone, the journal is there.
    let on_disk = engine_at(db.path()).find_rotation("crashy").unwrap();
    let journal = on_disk.pending.as_ref().expect("the journal survived");
    assert_eq!(on_disk.active_index, before.active_index, "promotion lost");
    let rolled_to = journal.slot;
    assert_recovered_and_consistent(&db, "crashy", &[&a, &b]).await;
    assert_ne!(
        rolled_to, before.active_index,
        "the journal re-keyed the other slot"
    );
    // Recovery finished the lost rotation with the journal's job (then the helper rotated once
    // more).
    let events = engine_at(db.path()).snapshot().unwrap().events.clone();
    assert!(
        events.iter().any(|e| e.kind == EventKind::Recovered
            && e.outcome == Outcome::Success
            && e.job_id == Some(journal.job_id)),
        "a recovered event for the lost promotion's job"
    );
}
