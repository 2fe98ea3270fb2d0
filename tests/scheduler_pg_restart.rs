//! The shared PostgreSQL store restarting while a daemon rotates: sessions (and their locks)
//! end, writes fail, the lease is lost and taken again; when the server is back, every
//! rotation is finished from its journal and Redis and the store agree on every password.

mod common;
mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{Persist, PgCluster, RedisServer};
use redis_rotator::engine::Engine;
use redis_rotator::model::RotationStatus;
use sha2::{Digest, Sha256};
use support::daemon::Daemon;
use support::{TestDb, add_connection, create_request};

const ROTATIONS: usize = 8;
const ROUNDS: usize = 3;

/// Makes every rotation due now, retrying while the server is coming back.
async fn make_all_due(writer: &Engine) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = Utc::now();
        let done = writer.store().update(move |doc| {
            for r in doc.rotations.iter_mut() {
                r.next_rotation_at = Some(now);
            }
            Ok::<_, redis_rotator::store::StoreError>(())
        });
        match done {
            Ok(()) => return,
            Err(e) if Instant::now() < deadline => {
                println!("store not back yet: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("the store did not come back: {e}"),
        }
    }
}

/// Whether every rotation was served after `since` and nothing is left in flight.
fn all_served(writer: &Engine, since: chrono::DateTime<Utc>) -> bool {
    let Ok(doc) = writer.snapshot() else {
        return false;
    };
    doc.rotations.iter().all(|r| {
        r.pending.is_none()
            && r.rotation_status == RotationStatus::Success
            && r.next_rotation_at.is_some_and(|t| t > since)
    })
}

fn sha256_hex(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_during_rotations_ends_with_redis_and_the_store_agreeing() {
    let server = RedisServer::start(Persist::Aclfile);
    // The harness's client is blocking: cluster work runs on threads of its own.
    let (mut cluster, pg) = std::thread::spawn(|| {
        let cluster = PgCluster::start();
        let db = cluster.fresh_database();
        (cluster, db)
    })
    .join()
    .unwrap();
    let db = TestDb::on(pg);
    add_connection(&db.engine, "local", &server).await;
    for i in 0..ROTATIONS {
        db.engine
            .create_rotation(&create_request(&format!("r{i}"), "local"))
            .await
            .expect("created");
    }
    let daemon = Daemon::start(&db, &[]);
    assert!(
        daemon.wait_for("scheduler active", Duration::from_secs(10)),
        "the daemon takes the lease"
    );
    let writer = db.other_engine();
    let mut last_due = Utc::now();
    for round in 0..ROUNDS {
        last_due = Utc::now();
        make_all_due(&writer).await;
        // A journal is recorded and Redis is about to be changed: restart now.
        assert!(
            daemon.wait_for("rotating r", Duration::from_secs(30)),
            "round {round}: rotations started"
        );
        cluster = tokio::task::spawn_blocking(move || {
            cluster.restart();
            cluster
        })
        .await
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    while !all_served(&writer, last_due) {
        assert!(
            Instant::now() < deadline,
            "rotations not finished after the restarts; the daemon said:\n{}\nthe store holds: {:?}",
            daemon.drain().join("\n"),
            writer.snapshot().map(|d| d
                .rotations
                .iter()
                .map(|r| (
                    r.name.clone(),
                    r.rotation_status,
                    r.pending.is_some(),
                    r.last_rotation_message.clone()
                ))
                .collect::<Vec<_>>())
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(daemon);
    // Redis and the store agree: every stored password opens its user, and every password a
    // rotation user holds is a stored one.
    let mut known = vec!["admin".to_string(), "default".to_string()];
    for i in 0..ROTATIONS {
        let name = format!("r{i}");
        let creds = writer.credentials(name.as_str()).unwrap();
        let stored: Vec<_> = std::iter::once(&creds.active)
            .chain(creds.previous.as_ref())
            .collect();
        for c in &stored {
            known.push(c.username.clone());
            assert!(
                server.can_auth(&c.username, c.password.expose()),
                "{name}: {} does not authenticate with the stored password",
                c.username
            );
            for h in server.password_hashes(&c.username) {
                assert!(
                    stored
                        .iter()
                        .any(|x| x.username == c.username && sha256_hex(x.password.expose()) == h),
                    "{name}: Redis holds a password of {} that the store does not know",
                    c.username
                );
            }
        }
    }
    for u in server.acl_users() {
        assert!(known.contains(&u), "ACL user {u} is unknown to the store");
    }
}
