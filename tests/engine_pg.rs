//! The engine end to end on the shared PostgreSQL store: a rotation created and rotated on a
//! real redis-server by one "host", its credentials and secrets read by another engine on the
//! same database URL, and no file made beside a "path" that is a URL.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::model::RotationStatus;
use redis_rotator::model::schedule::Trigger;
use support::{TestDb, connection_request, create_request, secret};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_on_one_host_is_seen_whole_by_another() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::postgres();
    let cwd_before: Vec<_> = std::fs::read_dir(".")
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let (host_a, host_b) = (&db.engine, db.other_engine());
    host_a
        .add_connection(
            &connection_request("local", server.host(), server.port),
            Some(support::admin_password()),
        )
        .await
        .expect("connection saved");
    let created = host_a
        .create_rotation(&create_request("orders-cache", "local"))
        .await
        .expect("created");
    assert_eq!(created.rotation_status, RotationStatus::Success);
    for i in 1..=3 {
        let r = host_a
            .rotate("orders-cache", Trigger::Manual)
            .await
            .unwrap_or_else(|e| panic!("rotation {i}: {e}"));
        assert_eq!(r.rotation_status, RotationStatus::Success);
    }
    let creds = host_b.credentials("orders-cache").unwrap();
    let previous = creds.previous.as_ref().expect("previous after rotations");
    assert!(server.can_auth(&creds.active.username, creds.active.password.expose()));
    assert!(server.can_auth(&previous.username, previous.password.expose()));
    assert_eq!(
        secret(&host_b, "ORDERS_CACHE_PASSWORD"),
        creds.active.password.expose()
    );
    // The other host rotates next, from what the first one wrote.
    let r = host_b
        .rotate("orders-cache", Trigger::Manual)
        .await
        .expect("rotated by the other host");
    assert_eq!(r.rotation_status, RotationStatus::Success);
    let after = host_a.credentials("orders-cache").unwrap();
    assert_eq!(
        after.previous.as_ref().unwrap().password.expose(),
        creds.active.password.expose()
    );
    assert!(server.can_auth(&after.active.username, after.active.password.expose()));
    let cwd_after: Vec<_> = std::fs::read_dir(".")
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(cwd_after, cwd_before, "no file was made beside the URL");
}
