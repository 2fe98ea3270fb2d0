//! Reconcile cost: one pass (discover, connect, `ACL GETUSER` of every rotation's users on every
//! node, heal what differs) over a 6-node cluster, in sync and with one node healed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_rotator::engine::{Engine, SystemClock};
use redis_rotator::model::Password;
use redis_rotator::model::request::{ConnectionRequest, RotationRequest};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::store::{KeySource, Store};

use super::common::{ADMIN_PASSWORD, ADMIN_USER, Cluster};
use super::fixture::KEY;
use super::stats::{row, summarize};

fn request(name: &str) -> RotationRequest {
    serde_json::from_value(serde_json::json!({
        "name": name, "connectionId": "bench", "environment": "prod", "secretPath": format!("/{name}"),
        "isAutoRotationEnabled": true, "rotationInterval": 30, "rotateAtUtc": {"hours": 0, "minutes": 0},
        "parameters": {"permissionScope": "~* +@all"},
        "secretsMapping": {"username": "REDIS_USERNAME", "password": "REDIS_PASSWORD"}
    }))
    .expect("request")
}

async fn pass(engine: &Engine, expect: usize) -> Duration {
    let start = Instant::now();
    let results = engine.reconcile_all().await;
    let took = start.elapsed();
    assert_eq!(results.len(), expect, "every rotation reconciled");
    for (_, r) in &results {
        let lines = r.as_ref().expect("reconciled");
        assert!(lines.iter().all(|l| l.status.is_in_sync()), "{lines:?}");
    }
    took
}

pub async fn run() {
    println!("\n7. Reconcile: one pass over a 6-node cluster (3 masters + 3 replicas)");
    println!("| measurement | median | p99 | runs | target |");
    println!("|---|---|---|---|---|");
    let cluster = Cluster::start(3, 1);
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Store::open(
        dir.path().join("db.json"),
        KeySource::Env(Password::new(KEY)),
    ));
    let engine = Engine::new(store, Arc::new(SystemClock));
    let seed = &cluster.nodes[0];
    let req = ConnectionRequest {
        name: Some("bench".into()),
        host: Some(seed.host().into()),
        port: Some(seed.port.into()),
        username: Some(ADMIN_USER.into()),
        topology: Some("cluster".into()),
        ..Default::default()
    };
    engine
        .add_connection(&req, Some(Password::new(ADMIN_PASSWORD)))
        .await
        .expect("connection");
    let names: Vec<String> = (0..10).map(|i| format!("rec-{i}")).collect();
    for name in &names[..1] {
        engine
            .create_rotation(&request(name))
            .await
            .expect("create");
        engine.rotate(name, Trigger::Manual).await.expect("rotate");
    }
    pass(&engine, 1).await;
    let mut one = Vec::new();
    for _ in 0..50 {
        one.push(pass(&engine, 1).await);
    }
    row("1 rotation, every node in sync", &summarize(one), "");

    for name in &names[1..] {
        engine
            .create_rotation(&request(name))
            .await
            .expect("create");
        engine.rotate(name, Trigger::Manual).await.expect("rotate");
    }
    let mut ten = Vec::new();
    for _ in 0..50 {
        ten.push(pass(&engine, 10).await);
    }
    row("10 rotations, every node in sync", &summarize(ten), "");

    // One replica loses all 20 users before each pass (outside the timing): the pass heals it.
    let victim = &cluster.nodes[cluster.nodes.len() - 1];
    let mut healed = Vec::new();
    for _ in 0..20 {
        for name in &names {
            victim.cli(&["ACL", "DELUSER", &format!("{name}-0"), &format!("{name}-1")]);
        }
        healed.push(pass(&engine, 10).await);
    }
    row(
        "10 rotations, one node missing all 20 users (healed)",
        &summarize(healed),
        "",
    );
}
