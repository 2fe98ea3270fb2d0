//! Zero downtime: while 200 rotations run back to back, 16 clients keep reading the active
//! credential from the store and authenticating with it on a fresh connection. A failure is a
//! violation unless at least two rotations started after the one that made it active completed.
//! Both strategies: two users, and one user with two passwords.

mod common;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use common::{Persist, RedisServer};
use redis_rotator::model::request::RotationRequest;
use redis_rotator::model::schedule::Trigger;
use redis_rotator::redis::{ConnectParams, Node, NodeAddr, RedisError};
use support::{TestDb, add_connection, create_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_never_fail_to_authenticate_across_200_rotations() {
    clients_never_fail(create_request("hot", "local")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_user_clients_never_fail_to_authenticate_across_200_rotations() {
    let mut req = create_request("hot", "local");
    let p = req.parameters.as_mut().unwrap();
    p.strategy = Some("one-user".into());
    p.username = Some("hot-app".into());
    clients_never_fail(req).await;
}

async fn clients_never_fail(request: RotationRequest) {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    db.engine.create_rotation(&request).await.unwrap();

    let started = Arc::new(AtomicU64::new(0));
    let completed = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let connects = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let violations = Arc::new(AtomicU64::new(0));

    let mut clients = Vec::new();
    for _ in 0..16 {
        let (engine, started, completed, done) = (
            db.engine.clone(),
            started.clone(),
            completed.clone(),
            done.clone(),
        );
        let (connects, failures, violations) =
            (connects.clone(), failures.clone(), violations.clone());
        let addr = NodeAddr {
            host: server.host().to_string(),
            port: server.port,
        };
        clients.push(tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                let c = completed.load(Ordering::SeqCst);
                let creds = engine.credentials("hot").expect("credentials");
                let params = ConnectParams {
                    addr: addr.clone(),
                    username: creds.active.username.clone(),
                    password: Some(creds.active.password.clone()),
                    tls: None,
                    connect_timeout: Duration::from_secs(5),
                    command_timeout: Duration::from_secs(5),
                };
                connects.fetch_add(1, Ordering::SeqCst);
                if Node::connect(&params).await.is_err() {
                    failures.fetch_add(1, Ordering::SeqCst);
                    let s = started.load(Ordering::SeqCst);
                    if s < c + 2 {
                        violations.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }));
    }
    for i in 0..200 {
        started.fetch_add(1, Ordering::SeqCst);
        db.engine
            .rotate("hot", Trigger::Manual)
            .await
            .unwrap_or_else(|e| panic!("rotation {i}: {e}"));
        completed.fetch_add(1, Ordering::SeqCst);
    }
    done.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let (n, f, v) = (
        connects.load(Ordering::SeqCst),
        failures.load(Ordering::SeqCst),
        violations.load(Ordering::SeqCst),
    );
    println!(
        "zero downtime: {n} connects, {f} authentication failures, {v} violations over 200 rotations"
    );
    assert!(n > 200, "the clients really ran: {n} connects");
    assert_eq!(v, 0, "{v} violations ({f} failures in {n} connects)");
}

/// Clients read from a replica while rotations run; midway the replica is restarted without its
/// users (an empty aclfile, as a node rebuilt without persistence). While it is down rotations
/// fail and compensate; once it is back the next rotation heals it first (reconcile before every
/// rotation). An authentication failure is a violation unless the dual-phase rule allows it or it
/// happened between the replica's restart and its heal (the node held no users then: nothing
/// could authenticate there).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_reading_from_a_replica_restarted_without_its_users_fail_only_until_it_is_healed() {
    let primary = RedisServer::start(Persist::Aclfile);
    let mut replica = RedisServer::replica_of(&primary);
    let db = TestDb::new();
    support::add_request(&db.engine, &support::replication_request("repl", &primary)).await;
    db.engine
        .create_rotation(&create_request("hot", "repl"))
        .await
        .unwrap();

    let started = Arc::new(AtomicU64::new(0));
    let completed = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // Set from the replica's stop until the rotation that healed it completed.
    let unhealed = Arc::new(AtomicBool::new(false));
    let connects = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let in_window = Arc::new(AtomicU64::new(0));
    let violations = Arc::new(AtomicU64::new(0));
    let addr = NodeAddr {
        host: replica.host().to_string(),
        port: replica.port,
    };
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (engine, started, completed, done, unhealed) = (
            db.engine.clone(),
            started.clone(),
            completed.clone(),
            done.clone(),
            unhealed.clone(),
        );
        let (connects, failures, in_window, violations) = (
            connects.clone(),
            failures.clone(),
            in_window.clone(),
            violations.clone(),
        );
        let addr = addr.clone();
        clients.push(tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                let c = completed.load(Ordering::SeqCst);
                let window = unhealed.load(Ordering::SeqCst);
                let creds = engine.credentials("hot").expect("credentials");
                let params = ConnectParams {
                    addr: addr.clone(),
                    username: creds.active.username.clone(),
                    password: Some(creds.active.password.clone()),
                    tls: None,
                    connect_timeout: Duration::from_secs(5),
                    command_timeout: Duration::from_secs(5),
                };
                connects.fetch_add(1, Ordering::SeqCst);
                match Node::connect(&params).await {
                    Ok(_) => {}
                    // Down, not refusing the credential.
                    Err(RedisError::Unreachable { .. } | RedisError::Timeout { .. }) => {}
                    Err(_) => {
                        failures.fetch_add(1, Ordering::SeqCst);
                        if window || unhealed.load(Ordering::SeqCst) {
                            in_window.fetch_add(1, Ordering::SeqCst);
                        } else if started.load(Ordering::SeqCst) < c + 2 {
                            violations.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            }
        }));
    }
    let mut failed_rotations = 0;
    for i in 0..60 {
        if i == 20 {
            unhealed.store(true, Ordering::SeqCst);
            tokio::task::block_in_place(|| replica.stop());
            // A rotation while the replica is down cannot reach it: it fails and compensates.
            started.fetch_add(1, Ordering::SeqCst);
            assert!(db.engine.rotate("hot", Trigger::Manual).await.is_err());
            completed.fetch_add(1, Ordering::SeqCst);
            tokio::task::block_in_place(|| replica.restart_with_empty_aclfile());
        }
        started.fetch_add(1, Ordering::SeqCst);
        match db.engine.rotate("hot", Trigger::Manual).await {
            Ok(_) => unhealed.store(false, Ordering::SeqCst),
            Err(e) => {
                failed_rotations += 1;
                assert!(failed_rotations < 5, "rotation {i}: {e}");
            }
        }
        completed.fetch_add(1, Ordering::SeqCst);
    }
    done.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    let healed = db
        .engine
        .snapshot()
        .unwrap()
        .events
        .iter()
        .filter(|e| e.kind == redis_rotator::model::EventKind::Healed)
        .count();
    let (n, f, w, v) = (
        connects.load(Ordering::SeqCst),
        failures.load(Ordering::SeqCst),
        in_window.load(Ordering::SeqCst),
        violations.load(Ordering::SeqCst),
    );
    println!(
        "replica restart: {n} connects, {f} authentication failures ({w} before the heal), {v} violations, {healed} heals"
    );
    assert!(healed >= 1, "the restarted replica was healed");
    assert!(n > 60, "the clients really ran: {n} connects");
    assert_eq!(v, 0, "{v} violations ({f} failures in {n} connects)");
    assert!(
        !unhealed.load(Ordering::SeqCst),
        "rotations resumed after the heal"
    );
}
