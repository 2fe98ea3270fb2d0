//! The event log as a rotation's history: every attempt's outcome carries its trigger, how long
//! it took and how many nodes it covered, for success and failure alike.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::model::{Event, EventKind, Outcome};
use support::{TestDb, create_request};

fn last(db: &TestDb, kind: EventKind) -> Event {
    let doc = db.engine.snapshot().unwrap();
    doc.events
        .iter()
        .rev()
        .find(|e| e.kind == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} event"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_attempt_outcome_carries_trigger_duration_and_nodes() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    support::add_pair_connection(&db.engine, &a, &b).await;
    db.engine
        .create_rotation(&create_request("orders-cache", "pair"))
        .await
        .expect("created");
    let created = last(&db, EventKind::Created);
    assert_eq!(created.trigger, Some(Trigger::Manual));
    assert_eq!(created.nodes, Some(2));
    assert!(created.duration_us.is_some());

    db.engine
        .rotate("orders-cache", Trigger::Manual)
        .await
        .expect("rotated");
    let rotated = last(&db, EventKind::Rotated);
    assert_eq!(rotated.outcome, Outcome::Success);
    assert_eq!(rotated.trigger, Some(Trigger::Manual));
    assert_eq!(rotated.nodes, Some(2));
    assert!(rotated.duration_us.is_some_and(|us| us > 0));

    b.cli(&["ACL", "SETUSER", "admin", &common::deny("acl|setuser")]);
    db.engine
        .rotate("orders-cache", Trigger::Scheduled)
        .await
        .expect_err("node b refuses");
    let failed = last(&db, EventKind::RotationFailed);
    assert_eq!(failed.trigger, Some(Trigger::Scheduled));
    assert_eq!(failed.nodes, Some(2), "the journal named both nodes");
    assert!(failed.duration_us.is_some());
    assert_eq!(failed.job_id, last(&db, EventKind::RotationStarted).job_id);

    // The JSON shape: camelCase, the trigger as a word.
    let json = serde_json::to_value(&failed).unwrap();
    assert_eq!(json["trigger"], "scheduled");
    assert!(json["durationUs"].is_u64());
    assert_eq!(json["nodes"], 2);
}
