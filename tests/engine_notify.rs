//! The notify hook never holds a rotation hostage: it runs after the rotation's lock is released,
//! and it reads one JSON object that ends with a newline.

mod common;
mod support;

use std::time::Duration;

use common::{Persist, RedisServer};
use redis_rotator::engine::locks;
use redis_rotator::model::schedule::Trigger;
use support::{TestDb, create_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hook_runs_after_the_rotation_lock_is_released_and_gets_one_line_of_json() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    support::add_connection(&db.engine, "local", &server).await;
    let r = db
        .engine
        .create_rotation(&create_request("hooked", "local"))
        .await
        .expect("created");
    let dir = db.dir.path();
    let (note, go) = (dir.join("note.json"), dir.join("go"));
    // The hook writes what it read, then waits until the test lets it finish.
    let cmd = format!(
        "cat > {n}.tmp && mv {n}.tmp {n} && while [ ! -e {g} ]; do sleep 0.02; done",
        n = note.display(),
        g = go.display()
    );
    db.engine
        .store()
        .update(move |doc| {
            doc.settings.notify_command = Some(cmd);
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();

    let engine = db.engine.clone();
    let rotation = tokio::spawn(async move { engine.rotate("hooked", Trigger::Manual).await });
    tokio::time::timeout(Duration::from_secs(30), async {
        while !note.exists() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the hook ran");

    let locks_dir = redis_rotator::store::paths::locks_dir(&db.path());
    let lock = locks::try_lock_rotation(&locks_dir, r.id).unwrap();
    assert!(
        lock.is_some(),
        "the rotation's lock is free while the hook runs"
    );
    drop(lock);
    std::fs::write(&go, "").unwrap();
    rotation.await.unwrap().expect("rotated");

    let body = std::fs::read_to_string(&note).unwrap();
    assert!(body.ends_with('\n'), "ends with a newline: {body:?}");
    assert_eq!(body.lines().count(), 1, "one line: {body:?}");
    let json: serde_json::Value = serde_json::from_str(body.trim_end()).unwrap();
    assert_eq!(json["name"], "hooked");
    assert_eq!(json["outcome"], "success");
}
