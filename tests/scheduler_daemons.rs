//! Many processes on one database: two daemons, twenty rotations kept due for a minute by a
//! third party writing to the store; every due time gives exactly one rotation. Killing the
//! lease holder hands automatic rotation to the other daemon within seconds. Each test runs on
//! both backends: a JSON database (file locks) and a shared PostgreSQL database (session
//! advisory locks, changes heard through LISTEN/NOTIFY), as two hosts would share it.

mod common;
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{Persist, RedisServer};
use redis_rotator::model::EventKind;
use support::daemon::Daemon;
use support::{TestDb, add_connection, create_request};

/// A test per backend for each named `async fn(TestDb)`, in modules `file` and `postgres`.
macro_rules! on_both_backends {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        mod file {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                $(#[$attr])*
                async fn $name() {
                    super::$name(super::TestDb::new()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                $(#[$attr])*
                async fn $name() {
                    super::$name(super::TestDb::postgres()).await
                }
            )*
        }
    };
}

on_both_backends!(
    // A one-minute soak: CI runs it (`.ci/run` passes `--include-ignored`); a developer's loop
    // does not.
    #[ignore = "one-minute soak; .ci/run includes it"]
    two_daemons_rotate_each_due_time_exactly_once,
    killing_the_lease_holder_hands_over_within_seconds,
    sigterm_stops_the_daemon_cleanly,
);

async fn two_daemons_rotate_each_due_time_exactly_once(db: TestDb) {
    let server = RedisServer::start(Persist::Aclfile);
    add_connection(&db.engine, "local", &server).await;
    for i in 0..20 {
        db.engine
            .create_rotation(&create_request(&format!("r{i}"), "local"))
            .await
            .expect("created");
    }
    let a = Daemon::start(&db, &[]);
    let b = Daemon::start(&db, &[]);
    // A third process makes rotations due through the store, as an operator's edit would.
    let writer = db.other_engine();
    let mut issued: HashMap<String, usize> = HashMap::new();
    let end = Instant::now() + Duration::from_secs(60);
    while Instant::now() < end {
        let now = Utc::now();
        let made_due = writer
            .store()
            .update(move |doc| {
                let mut names = Vec::new();
                for r in doc.rotations.iter_mut() {
                    // Only rotations whose previous due time has been served.
                    if r.pending.is_none() && r.next_rotation_at.is_some_and(|t| t > now) {
                        r.next_rotation_at = Some(now);
                        names.push(r.name.clone());
                    }
                }
                Ok::<_, redis_rotator::store::StoreError>(names)
            })
            .unwrap();
        for n in made_due {
            *issued.entry(n).or_default() += 1;
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    // Let the last due times be served.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let doc = writer.snapshot().unwrap();
        let now = Utc::now();
        if doc
            .rotations
            .iter()
            .all(|r| r.next_rotation_at.is_some_and(|t| t > now) && r.pending.is_none())
        {
            break;
        }
        assert!(Instant::now() < deadline, "due rotations were not served");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(a);
    drop(b);
    let doc = writer.snapshot().unwrap();
    let mut rotated: HashMap<String, usize> = HashMap::new();
    let mut running: HashMap<String, bool> = HashMap::new();
    for e in &doc.events {
        let name = e.rotation_name.clone().unwrap_or_default();
        match e.kind {
            EventKind::RotationStarted if !e.message.starts_with("creating") => {
                assert!(
                    !running.get(&name).copied().unwrap_or(false),
                    "{name} ran concurrently"
                );
                running.insert(name, true);
            }
            EventKind::Rotated => {
                *rotated.entry(name.clone()).or_default() += 1;
                running.insert(name, false);
            }
            EventKind::RotationFailed => panic!("rotation failed: {}", e.message),
            _ => {}
        }
    }
    let total: usize = issued.values().sum();
    println!(
        "{total} due times issued over 20 rotations; {} rotations performed",
        rotated.values().sum::<usize>()
    );
    assert!(total >= 40, "the test really made rotations due: {total}");
    assert_eq!(rotated, issued, "each due time gives exactly one rotation");
}

async fn killing_the_lease_holder_hands_over_within_seconds(db: TestDb) {
    let server = RedisServer::start(Persist::Aclfile);
    add_connection(&db.engine, "local", &server).await;
    let mut first = Daemon::start(&db, &[]);
    assert!(
        first.wait_for("scheduler active", Duration::from_secs(10)),
        "first daemon takes the lease"
    );
    // Who holds it is recorded (a file, or a row written through the lease's own session).
    let holder = |e: &redis_rotator::engine::Engine| e.lease_holder().map(|h| h.pid);
    assert_eq!(holder(&db.engine), Some(first.child.id()));
    let second = Daemon::start(&db, &[]);
    assert!(
        second.wait_for("standby", Duration::from_secs(10)),
        "second daemon waits"
    );
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let start = Instant::now();
    assert!(
        second.wait_for("scheduler active", Duration::from_secs(5)),
        "lease handed over"
    );
    println!("lease handed over in {:?}", start.elapsed());
    assert_eq!(holder(&db.engine), Some(second.child.id()));
    // And it really rotates: make one due.
    db.engine
        .create_rotation(&create_request("handover", "local"))
        .await
        .unwrap();
    let now = Utc::now();
    db.engine
        .store()
        .update(move |doc| {
            for r in doc.rotations.iter_mut() {
                r.next_rotation_at = Some(now);
            }
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
    assert!(
        second.wait_for("rotated handover", Duration::from_secs(10)),
        "the new holder rotates"
    );
}

async fn sigterm_stops_the_daemon_cleanly(db: TestDb) {
    let server = RedisServer::start(Persist::Aclfile);
    add_connection(&db.engine, "local", &server).await;
    let mut d = Daemon::start(&db, &[]);
    assert!(d.wait_for("scheduler active", Duration::from_secs(10)));
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(d.child.id() as i32, libc::SIGTERM) };
    assert_eq!(rc, 0);
    assert!(
        d.wait_for("stopped", Duration::from_secs(10)),
        "says it stopped"
    );
    let status = d.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

/// PostgreSQL only: a daemon running a full batch of due rotations (its default parallelism,
/// 64) keeps three sessions whatever it holds: its store, its change listener, and the one
/// session holding its lease and every rotation's lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_rotating_a_batch_of_64_keeps_three_postgresql_sessions() {
    const BATCH: usize = 64;
    let db = TestDb::postgres();
    let pg_port = db.pg.as_ref().expect("PostgreSQL").port();
    let server = RedisServer::start(Persist::Aclfile);
    add_connection(&db.engine, "local", &server).await;
    for i in 0..BATCH {
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
    let due = Utc::now();
    db.engine
        .store()
        .update(move |doc| {
            for r in doc.rotations.iter_mut() {
                r.next_rotation_at = Some(due);
            }
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
    // Its connections to the server, sampled while the batch runs.
    let mut most = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        most = most.max(daemon.tcp_ports_to(pg_port).len());
        let doc = db.engine.snapshot().unwrap();
        if doc
            .rotations
            .iter()
            .all(|r| r.pending.is_none() && r.next_rotation_at.is_some_and(|t| t > due))
        {
            break;
        }
        assert!(Instant::now() < deadline, "the batch was not served");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let doc = db.engine.snapshot().unwrap();
    let rotated = doc
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Rotated)
        .count();
    assert_eq!(rotated, BATCH, "every due rotation rotated once");
    println!("the daemon kept at most {most} PostgreSQL sessions through a batch of {BATCH}");
    assert!(
        (2..=3).contains(&most),
        "store, listener and one lock session, not one per lock: {most}"
    );
}
