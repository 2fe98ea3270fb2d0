//! Speed at scale (issue 15, store side): the same one-node rotation on a database holding one
//! rotation and on one holding 10,000 rotations and 100,000 secret versions, with the durable
//! writes on its critical path; and `secrets get` / `secrets export` as whole processes on the
//! large database (what applications call).

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_rotator::engine::{Engine, EngineEvent, Step, SystemClock};
use redis_rotator::model::Password;
use redis_rotator::model::request::{ConnectionRequest, RotationRequest};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::store::{KeySource, Store};

use super::common::{ADMIN_PASSWORD, ADMIN_USER, Persist, RedisServer};
use super::fixture::{KEY, big_document};
use super::stats::{Summary, ms, row, summarize};

const RUNS: usize = 200;
const WARM_UP: usize = 20;

async fn engine_with_one_rotation(
    dir: &std::path::Path,
    server: &RedisServer,
    name: &str,
) -> Engine {
    let store = Arc::new(Store::open(
        dir.join("db.json"),
        KeySource::Env(Password::new(KEY)),
    ));
    let engine = Engine::new(store, Arc::new(SystemClock));
    let req = ConnectionRequest {
        name: Some("bench".into()),
        host: Some(server.host().into()),
        port: Some(server.port.into()),
        username: Some(ADMIN_USER.into()),
        ..Default::default()
    };
    engine
        .add_connection(&req, Some(Password::new(ADMIN_PASSWORD)))
        .await
        .expect("connection");
    let request: RotationRequest = serde_json::from_value(serde_json::json!({
        "name": name, "connectionId": "bench", "environment": "prod", "secretPath": "/one",
        "isAutoRotationEnabled": true, "rotationInterval": 30, "rotateAtUtc": {"hours": 0, "minutes": 0},
        "parameters": {"permissionScope": "~* +@all"},
        "secretsMapping": {"username": "REDIS_USERNAME", "password": "REDIS_PASSWORD"}
    }))
    .expect("request");
    engine.create_rotation(&request).await.expect("create");
    engine
}

/// Adds 10,000 rotations, their 20,000 secrets × 5 versions and a full event log.
fn grow(engine: &Engine) {
    let cipher = engine.store().cipher().expect("key");
    let big = big_document(&cipher, 10_000, 5);
    let (rotations, secrets, events) = (big.rotations, big.secrets, big.events);
    engine
        .store()
        .update_doc(move |doc| {
            doc.rotations.extend(rotations.iter().cloned());
            doc.secrets.extend(secrets.iter().cloned());
            // The fixture's events are numbered from 1: they replace the few there were.
            doc.events = events;
            doc.next_event_seq = doc.next_event_seq.max(doc.events.len() as u64 + 1);
        })
        .expect("grow");
}

/// `runs` rotations of `name`: totals and the record/promote steps.
async fn rotations(
    engine: &Engine,
    name: &str,
    runs: usize,
) -> (Vec<Duration>, BTreeMap<String, Vec<Duration>>) {
    let mut rx = engine.subscribe();
    let mut totals = Vec::new();
    let mut steps: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    for _ in 0..runs {
        let start = Instant::now();
        engine
            .rotate(name, Trigger::Manual)
            .await
            .expect("rotation");
        let end = Instant::now();
        totals.push(end - start);
        let mut marks: Vec<(String, Instant)> = vec![("before record".into(), start)];
        while let Ok(ev) = rx.try_recv() {
            if let EngineEvent::Progress {
                step,
                node: None,
                at,
                ..
            } = ev
            {
                marks.push((step.to_string(), at));
            }
        }
        marks.push(("end".into(), end));
        for w in marks.windows(2) {
            steps
                .entry(w[0].0.clone())
                .or_default()
                .push(w[1].1 - w[0].1);
        }
    }
    (totals, steps)
}

fn whole_process(db: &std::path::Path, args: &[&str], runs: usize) -> Summary {
    let bin = env!("CARGO_BIN_EXE_redis-rotator");
    let mut samples = Vec::new();
    for i in 0..runs + 3 {
        let start = Instant::now();
        let out = Command::new(bin)
            .args(args)
            .env("REDIS_ROTATOR_DB", db)
            .env("REDIS_ROTATOR_KEY", KEY)
            .output()
            .expect("run redis-rotator");
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if i >= 3 {
            samples.push(took);
        }
    }
    summarize(samples)
}

fn step_line(steps: &BTreeMap<String, Vec<Duration>>) -> String {
    [Step::Record, Step::Promote]
        .iter()
        .map(|s| {
            let k = s.to_string();
            let m = steps
                .get(&k)
                .map(|v| summarize(v.clone()).median)
                .unwrap_or_default();
            format!("{k} {}", ms(m))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn run() {
    let server = RedisServer::start(Persist::Aclfile);
    let small_dir = tempfile::tempdir().expect("dir");
    let big_dir = tempfile::tempdir().expect("dir");
    let small = engine_with_one_rotation(small_dir.path(), &server, "one").await;
    let big = engine_with_one_rotation(big_dir.path(), &server, "big-one").await;
    grow(&big);
    // Warm both, then alternate blocks so both see the same machine.
    rotations(&small, "one", WARM_UP).await;
    rotations(&big, "big-one", WARM_UP).await;
    let (mut small_totals, mut big_totals) = (Vec::new(), Vec::new());
    let (mut small_steps, mut big_steps) = (BTreeMap::new(), BTreeMap::new());
    for _ in 0..4 {
        let (t, s) = rotations(&small, "one", RUNS / 4).await;
        small_totals.extend(t);
        for (k, v) in s {
            small_steps.entry(k).or_insert_with(Vec::new).extend(v);
        }
        let (t, s) = rotations(&big, "big-one", RUNS / 4).await;
        big_totals.extend(t);
        for (k, v) in s {
            big_steps.entry(k).or_insert_with(Vec::new).extend(v);
        }
    }
    let small_sum = summarize(small_totals);
    let big_sum = summarize(big_totals);
    println!("\nScale: one rotation on one loopback node, in process, by database size");
    println!("| measurement | median | p99 | runs | target |\n|---|---|---|---|---|");
    row("database with 1 rotation", &small_sum, "median ≤ 3 ms");
    println!("|   steps | {} | | | |", step_line(&small_steps));
    row(
        "database with 10,000 rotations, 100,000 secret versions",
        &big_sum,
        "≤ 1.5× the 1-rotation database",
    );
    println!("|   steps | {} | | | |", step_line(&big_steps));
    println!(
        "\nRatio (median, large / small): **{:.2}×**",
        big_sum.median.as_secs_f64() / small_sum.median.as_secs_f64().max(1e-9)
    );

    let db = big_dir.path().join("db.json");
    let get = whole_process(
        &db,
        &[
            "secrets",
            "get",
            "REDIS_PASSWORD",
            "--env",
            "prod",
            "--path",
            "/one",
        ],
        30,
    );
    let export = whole_process(
        &db,
        &["secrets", "export", "--env", "prod", "--path", "/one"],
        30,
    );
    println!("\nScale: whole process on the 10,000-rotation database");
    println!("| measurement | median | p99 | runs | target |\n|---|---|---|---|---|");
    row("`redis-rotator secrets get`", &get, "median ≤ 15 ms");
    row("`redis-rotator secrets export`", &export, "median ≤ 15 ms");
}
