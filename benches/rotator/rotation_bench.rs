//! Rotation speed: one node in process with a per-step breakdown, fan-out to replicas and a
//! cluster, the whole CLI process against a redis-cli script, and 1,000 rotations due at once.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_rotator::engine::{Engine, EngineEvent, Step, SystemClock};
use redis_rotator::model::Password;
use redis_rotator::model::request::{ConnectionRequest, RotationRequest};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::store::{KeySource, Store};

use super::common::{ADMIN_PASSWORD, ADMIN_USER, Cluster, Persist, RedisServer};
use super::fixture::KEY;
use super::stats::{Summary, ms, row, summarize};

fn engine(dir: &std::path::Path) -> Engine {
    let store = Arc::new(Store::open(
        dir.join("db.json"),
        KeySource::Env(Password::new(KEY)),
    ));
    Engine::new(store, Arc::new(SystemClock))
}

async fn connect(engine: &Engine, host: &str, port: u16, topology: &str, nodes: Vec<String>) {
    let req = ConnectionRequest {
        name: Some("bench".into()),
        host: Some(host.into()),
        port: Some(port.into()),
        username: Some(ADMIN_USER.into()),
        topology: Some(topology.into()),
        nodes: (!nodes.is_empty()).then_some(nodes),
        ..Default::default()
    };
    engine
        .add_connection(&req, Some(Password::new(ADMIN_PASSWORD)))
        .await
        .expect("connection");
}

fn request(name: &str) -> RotationRequest {
    serde_json::from_value(serde_json::json!({
        "name": name, "connectionId": "bench", "environment": "prod", "secretPath": format!("/{name}"),
        "isAutoRotationEnabled": true, "rotationInterval": 30, "rotateAtUtc": {"hours": 0, "minutes": 0},
        "parameters": {"permissionScope": "~* +@all"},
        "secretsMapping": {"username": "REDIS_USERNAME", "password": "REDIS_PASSWORD"}
    }))
    .expect("request")
}

/// Rotates `runs` times, returning total durations and per-step durations.
pub async fn rotate_many(
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
        // Step starts, in order; each step lasts until the next one starts.
        let mut marks: Vec<(String, Instant)> =
            vec![("connect + discover + sessions".into(), start)];
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

fn header() {
    println!("| measurement | median | p99 | runs | target |\n|---|---|---|---|---|");
}

pub async fn one_node() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().expect("dir");
    let e = engine(dir.path());
    connect(&e, server.host(), server.port, "standalone", vec![]).await;
    e.create_rotation(&request("one")).await.expect("create");
    rotate_many(&e, "one", 20).await; // warm-up
    let (totals, steps) = rotate_many(&e, "one", 300).await;
    println!(
        "\n1. One rotation on one loopback node, in process (record → apply → persist → verify → promote)"
    );
    header();
    row("whole rotation", &summarize(totals), "median < 5 ms");
    let order = [
        "connect + discover + sessions".to_string(),
        Step::Record.to_string(),
        Step::Apply.to_string(),
        Step::Persist.to_string(),
        Step::Verify.to_string(),
        Step::Promote.to_string(),
    ];
    for k in order {
        if let Some(v) = steps.get(&k) {
            row(&format!("  step: {k}"), &summarize(v.clone()), "");
        }
    }
    let _ = Step::Compensate;
}

/// Per case: the rotation durations and each step's durations.
type Samples = (Vec<Duration>, BTreeMap<String, Vec<Duration>>);

/// Rotates each case's rotation `runs` times, taking turns (one rotation of each case, then the
/// next round), so load from outside the run (other builds on the machine, the disk's fsync
/// queue) falls on every case alike and the ratios between them stay meaningful.
async fn interleaved(cases: &[(&Engine, &str)], runs: usize) -> Vec<Samples> {
    let mut out: Vec<Samples> = cases.iter().map(|_| Default::default()).collect();
    for _ in 0..runs {
        for ((e, name), (totals, steps)) in cases.iter().zip(out.iter_mut()) {
            let (t, s) = rotate_many(e, name, 1).await;
            totals.extend(t);
            for (k, v) in s {
                steps.entry(k).or_default().extend(v);
            }
        }
    }
    out
}

fn print_case(label: &str, (totals, steps): Samples) -> Summary {
    let s = summarize(totals);
    row(label, &s, "");
    let parts: Vec<String> = steps
        .iter()
        .map(|(k, v)| format!("{k} {}", ms(summarize(v.clone()).median)))
        .collect();
    println!("|   steps (median) | {} | | | |", parts.join(", "));
    s
}

pub async fn fanout() {
    println!(
        "\n3. Fan-out: the same rotation on more nodes, the cases taking turns (target: within 1.5× of one node)"
    );
    header();
    let single = RedisServer::start(Persist::Aclfile);
    let d1 = tempfile::tempdir().expect("dir");
    let e1 = engine(d1.path());
    connect(&e1, single.host(), single.port, "standalone", vec![]).await;

    let primary = RedisServer::start(Persist::Aclfile);
    let _r1 = RedisServer::replica_of(&primary);
    let _r2 = RedisServer::replica_of(&primary);
    let d2 = tempfile::tempdir().expect("dir");
    let e2 = engine(d2.path());
    connect(&e2, primary.host(), primary.port, "replication", vec![]).await;

    let cluster = Cluster::start(3, 1);
    let d3 = tempfile::tempdir().expect("dir");
    let e3 = engine(d3.path());
    let seed = &cluster.nodes[0];
    connect(&e3, seed.host(), seed.port, "cluster", vec![]).await;

    let cases = [(&e1, "fan-one"), (&e2, "fan-repl"), (&e3, "fan-cluster")];
    for (e, name) in cases {
        e.create_rotation(&request(name)).await.expect("create");
    }
    interleaved(&cases, 10).await;
    let mut samples = interleaved(&cases, 100).await.into_iter();
    let mut next = || samples.next().expect("one per case");
    let one = print_case("1 node", next());
    let repl = print_case("primary + 2 replicas (3 nodes)", next());
    let clu = print_case("6-node cluster (3 masters + 3 replicas)", next());
    let ratio = |s: &Summary| s.median.as_secs_f64() / one.median.as_secs_f64();
    println!(
        "ratio to one node (median): replication {:.2}×, cluster {:.2}×",
        ratio(&repl),
        ratio(&clu)
    );
}

pub async fn cli_vs_script() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().expect("dir");
    let e = engine(dir.path());
    connect(&e, server.host(), server.port, "standalone", vec![]).await;
    e.create_rotation(&request("proc")).await.expect("create");
    drop(e);
    let bin = env!("CARGO_BIN_EXE_redis-rotator");
    let db = dir.path().join("db.json");
    let mut ours = Vec::new();
    for _ in 0..30 {
        let start = Instant::now();
        let out = Command::new(bin)
            .args(["rotation", "rotate", "proc"])
            .env("REDIS_ROTATOR_DB", &db)
            .env("REDIS_ROTATOR_KEY", KEY)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ours.push(start.elapsed());
    }
    // What an operator would write by hand: set the password, save, log in with it, store it.
    let script = format!(
        r#"set -e
pw=$(openssl rand -hex 24)
redis-cli -p {p} --user {u} --pass {a} --no-auth-warning ACL SETUSER script-0 reset on ">$pw" '~*' '+@all' >/dev/null
redis-cli -p {p} --user {u} --pass {a} --no-auth-warning ACL SAVE >/dev/null
test "$(redis-cli -p {p} --user script-0 --pass "$pw" --no-auth-warning PING)" = PONG
printf '%s' "$pw" > {f}
"#,
        p = server.port,
        u = ADMIN_USER,
        a = ADMIN_PASSWORD,
        f = dir.path().join("pw.txt").display()
    );
    let mut theirs = Vec::new();
    for _ in 0..30 {
        let start = Instant::now();
        let out = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        theirs.push(start.elapsed());
    }
    let (a, b) = (summarize(ours), summarize(theirs));
    println!(
        "\n2. A whole `redis-rotator rotation rotate NAME` process vs the redis-cli script (which does less)"
    );
    header();
    row("redis-rotator rotation rotate", &a, "ratio ≤ 1");
    row(
        "redis-cli script (SETUSER, SAVE, PING as the user, write file)",
        &b,
        "",
    );
    println!(
        "ratio (median): {:.2}",
        a.median.as_secs_f64() / b.median.as_secs_f64()
    );
}

pub async fn mass_due() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().expect("dir");
    let e = engine(dir.path());
    connect(&e, server.host(), server.port, "standalone", vec![]).await;
    let setup = Instant::now();
    for i in 0..1000 {
        e.create_rotation(&request(&format!("mass-{i}")))
            .await
            .expect("create");
    }
    let setup = setup.elapsed();
    let now = e.now();
    e.store()
        .update_doc(move |doc| {
            for r in doc.rotations.iter_mut() {
                r.next_rotation_at = Some(now);
            }
        })
        .expect("make due");
    let writes_before = e.store().write_count();
    let start = Instant::now();
    let done = e
        .run_due(redis_rotator::engine::scheduler::SchedulerConfig::default().parallelism)
        .await;
    let took = start.elapsed();
    let failures = done.iter().filter(|(_, r)| r.is_err()).count();
    let writes = e.store().write_count() - writes_before;
    println!(
        "\n4. 1,000 rotations due at once (scheduler path at its default parallelism, one local redis-server)"
    );
    println!("| measurement | value |\n|---|---|");
    println!("| total | {} |", ms(took));
    println!(
        "| rotations per second | {:.0} |",
        done.len() as f64 / took.as_secs_f64()
    );
    println!(
        "| database writes (group commit) | {writes} for {} rotations |",
        done.len()
    );
    println!("| failures | {failures} |");
    println!("(setup: 1,000 creates took {})", ms(setup));
}
