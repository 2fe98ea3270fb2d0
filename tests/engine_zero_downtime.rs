//! Zero downtime: while 200 rotations run back to back, 16 clients keep reading the active
//! credential from the store and authenticating with it on a fresh connection. A failure is a
//! violation unless at least two rotations started after the one that made it active completed.

mod common;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use common::{Persist, RedisServer};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::redis::{ConnectParams, Node, NodeAddr};
use support::{TestDb, add_connection, create_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_never_fail_to_authenticate_across_200_rotations() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    db.engine
        .create_rotation(&create_request("hot", "local"))
        .await
        .unwrap();

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
