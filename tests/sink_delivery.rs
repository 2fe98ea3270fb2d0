//! Sink deliveries that fail, against a real redis-server: the give-up after four attempts (the
//! rotation stands, every attempt an event, counted by `sink_failures_total`), the delivery that
//! stays owed across a restart and is made by the next daemon, and a file given to its owner.

mod common;
mod support;

use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use common::{Persist, RedisServer};
use redis_rotator::engine::Engine;
use redis_rotator::engine::metrics::Metrics;
use redis_rotator::model::EventKind;
use redis_rotator::model::request::RotationRequest;
use support::daemon::Daemon;
use support::{TestDb, add_connection, create_request, engine_at, secret};

fn with_sinks(name: &str, sinks: serde_json::Value) -> RotationRequest {
    let mut req = create_request(name, "local");
    req.sinks = Some(serde_json::from_value(sinks).expect("sinks"));
    req
}

async fn setup() -> (RedisServer, TestDb) {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    (server, db)
}

fn owed(engine: &Engine) -> Vec<String> {
    let doc = engine.snapshot().unwrap();
    let r = doc.rotations.iter().find(|r| r.name == "orders").unwrap();
    r.sinks_owed.clone()
}

fn sink_failures(db: &TestDb) -> Vec<String> {
    db.engine
        .snapshot()
        .unwrap()
        .events
        .iter()
        .filter(|e| e.kind == EventKind::SinkFailed)
        .map(|e| e.message.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_that_keeps_failing_gives_up_after_four_attempts_and_a_restarted_daemon_delivers_it()
{
    let (server, db) = setup().await;
    // The sink's folder does not exist yet: every write fails until the operator creates it.
    let folder = db.dir.path().join("app");
    let file = folder.join("redis.env");
    let mut events = db.engine.subscribe();
    db.engine
        .create_rotation(&with_sinks(
            "orders",
            serde_json::json!([{ "type": "file", "path": file }]),
        ))
        .await
        .expect("a sink failure never undoes the create");

    let failures = sink_failures(&db);
    assert_eq!(failures.len(), 4, "{failures:?}");
    for (m, wait) in failures.iter().zip(["1s", "2s", "4s"]) {
        assert!(m.contains(&format!("retrying in {wait}")), "{m}");
    }
    let last = &failures[3];
    assert!(
        last.contains("gave up after 4 attempts") && last.contains("stays owed"),
        "{last}"
    );
    let password = secret(&db.engine, "ORDERS_PASSWORD");
    let user = secret(&db.engine, "ORDERS_USERNAME");
    assert!(server.can_auth(&user, &password), "the rotation stands");
    assert!(failures.iter().all(|m| !m.contains(&password)), "no secret");
    assert_eq!(
        owed(&db.engine),
        vec![file.display().to_string()],
        "the delivery still owed is in the database"
    );

    // Every failed attempt is counted by the metric, per rotation.
    let metrics = Metrics::new();
    while let Ok(ev) = events.try_recv() {
        metrics.observe(&ev);
    }
    let text = metrics.encode();
    let line = text
        .lines()
        .find(|l| l.contains("sink_failures_total{") && l.contains("rotation=\"orders\""))
        .unwrap_or_else(|| panic!("no sink_failures_total for orders in:\n{text}"));
    assert!(line.ends_with(" 4"), "{line}");

    // The operator fixes the cause; a daemon started afterwards delivers what is owed.
    std::fs::create_dir(&folder).unwrap();
    let daemon = Daemon::start(&db, &[]);
    assert!(
        daemon.wait_for("credentials delivered", Duration::from_secs(60)),
        "the restarted daemon delivered the owed sink"
    );
    let content = std::fs::read_to_string(&file).unwrap();
    assert!(content.contains(&password), "the current credential");
    drop(daemon);
    assert!(
        owed(&engine_at(db.path())).is_empty(),
        "delivered: nothing owed"
    );
    assert_eq!(sink_failures(&db).len(), 4, "no new failure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sink_is_given_to_its_owner_and_an_unknown_owner_is_a_failure_not_a_rotation_failure()
 {
    let (server, db) = setup().await;
    let d = db.dir.path();
    let owned = d.join("owned.env");
    let unknown = d.join("unknown.env");
    // As root the file goes to nobody:nogroup; otherwise to our own ids, by number.
    let (uid, gid) = if nix::unistd::geteuid().is_root() {
        (65534, 65534)
    } else {
        (
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        )
    };
    db.engine
        .create_rotation(&with_sinks(
            "orders",
            serde_json::json!([
                { "type": "file", "path": owned, "owner": format!("{uid}:{gid}"), "mode": "0640" },
                { "type": "file", "path": unknown, "owner": "no-such-user-rr" },
            ]),
        ))
        .await
        .expect("created");
    let meta = std::fs::metadata(&owned).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (uid, gid));
    assert_eq!(meta.mode() & 0o777, 0o640);
    assert!(
        std::fs::read_to_string(&owned)
            .unwrap()
            .contains(&secret(&db.engine, "ORDERS_PASSWORD"))
    );

    assert!(!unknown.exists(), "never written with the wrong owner");
    let failures = sink_failures(&db);
    assert_eq!(failures.len(), 4, "{failures:?}");
    assert!(
        failures
            .iter()
            .all(|m| m.contains("no user `no-such-user-rr` on this machine")),
        "{failures:?}"
    );
    let temp_files: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(temp_files.is_empty(), "no temp file left: {temp_files:?}");
    assert_eq!(
        owed(&db.engine),
        vec![unknown.display().to_string()],
        "only the failing sink stays owed"
    );
    assert!(server.can_auth(
        &secret(&db.engine, "ORDERS_USERNAME"),
        &secret(&db.engine, "ORDERS_PASSWORD")
    ));
}
