//! The shared PostgreSQL store restarting while a daemon rotates: sessions (and their locks)
//! end, writes fail, the lease is lost and taken again; when the server is back, every
//! rotation is finished from its journal and Redis and the store agree on every password. And
//! a scheduler pass that could not read the database is tried again soon, whether or not a
//! change is announced after.

mod common;
mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{Persist, PgCluster, RedisServer};
use redis_rotator::engine::scheduler::{self, SchedulerConfig, SchedulerState};
use redis_rotator::engine::{Engine, EngineEvent};
use redis_rotator::model::{EventKind, RotationStatus};
use redis_rotator::store::pg::CHANGES_CHANNEL;
use sha2::{Digest, Sha256};
use support::daemon::Daemon;
use support::{TestDb, add_connection, create_request};
use tokio_util::sync::CancellationToken;

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

/// Runs `sql` on `url`'s database from a thread of its own (the blocking client must not run
/// on a tokio thread).
fn sql(url: &str, sql: String) {
    let url = url.to_string();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        client.batch_execute(&sql).expect("sql");
    })
    .join()
    .unwrap();
}

/// A pass that fails to read the database (here a row that does not parse; a session that
/// broke or a server still starting fails it the same way) is tried again within the lease
/// retry, though no change is announced after. It used to wait for a notification or the next
/// reconcile pass (never, with reconcile off): when the listener's reconnection was heard
/// before the failed read, an interrupted rotation waited in the database with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_that_could_not_read_the_database_is_tried_again_with_no_change_announced() {
    let server = RedisServer::start(Persist::Aclfile);
    let pg = std::thread::spawn(|| PgCluster::shared().fresh_database())
        .join()
        .unwrap();
    let url = pg.url();
    let db = TestDb::on(pg);
    add_connection(&db.engine, "local", &server).await;
    db.engine
        .create_rotation(&create_request("r0", "local"))
        .await
        .expect("created");
    db.engine
        .store()
        .update_doc(|doc| doc.settings.reconcile_interval_secs = Some(0))
        .unwrap();
    let mut events = db.engine.subscribe();
    let (state_tx, mut state) = tokio::sync::watch::channel(SchedulerState::Starting);
    let cancel = CancellationToken::new();
    let config = SchedulerConfig {
        parallelism: 4,
        poll: Duration::from_millis(100),
        lease_retry: Duration::from_millis(200),
    };
    let running = tokio::spawn(scheduler::run(
        db.engine.clone(),
        config,
        cancel.clone(),
        state_tx,
    ));
    let idle = state
        .wait_for(|s| matches!(s, SchedulerState::Active { .. }))
        .await
        .unwrap()
        .clone();
    // The row stops parsing (a changed seq without its commit makes readers read it whole),
    // kept aside due; an announcement wakes the scheduler, whose pass then fails to read.
    sql(
        &url,
        format!(
            "CREATE TABLE kept AS SELECT id, jsonb_set(body, '{{nextRotationAt}}', '\"2000-01-01T00:00:00Z\"') AS body FROM rr_rotations; \
             UPDATE rr_rotations SET body = '{{}}'; UPDATE rr_meta SET seq = seq + 1; \
             SELECT pg_notify('{CHANGES_CHANNEL}', 'test')"
        ),
    );
    state
        .wait_for(|s| *s != idle)
        .await
        .expect("a pass after the announcement");
    // Readable again and due, with nothing announced.
    sql(
        &url,
        "UPDATE rr_rotations r SET body = k.body FROM kept k WHERE r.id = k.id; \
         UPDATE rr_meta SET seq = seq + 1"
            .to_string(),
    );
    let rotated = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match events.recv().await {
                Ok(EngineEvent::Logged(e)) if e.kind == EventKind::Rotated => return e,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("engine events ended: {e}"),
            }
        }
    })
    .await
    .expect("the due rotation ran, with no change announced after the failed read");
    assert!(rotated.message.contains("r0"), "{}", rotated.message);
    cancel.cancel();
    running.await.unwrap();
    let r = db.engine.find_rotation("r0").unwrap();
    assert_eq!(r.rotation_status, RotationStatus::Success);
    assert!(r.next_rotation_at.is_some_and(|t| t > Utc::now()));
}
