//! The shared PostgreSQL store beside the JSON database, measured in one run on one machine:
//! one rotation on one node, 1,000 rotations due at once, and how soon another host hears of a
//! commit. The PostgreSQL cluster flushes to disk (`fsync=on`) as the JSON database does.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use redis_rotator::engine::Engine;
use redis_rotator::model::Password;
use redis_rotator::store::{KeySource, Location, Store};

use super::common::{Persist, PgCluster, RedisServer};
use super::fixture::KEY;
use super::rotation_bench::{MassDue, connect, due_at_once, engine_at, request, rotate_many};
use super::stats::{ms, row, summarize};

fn both(pg: &PgCluster, dir: &std::path::Path) -> (Engine, Engine, Location) {
    let json = engine_at(Location::File(dir.join("db.json")));
    let db = pg.fresh_database();
    let shared = Location::parse(OsStr::new(&db.url())).expect("url");
    (json, engine_at(shared.clone()), shared)
}

/// The cluster and its databases are made outside the runtime: the harness's blocking client
/// must not run on an async thread.
pub fn run(rt: &tokio::runtime::Runtime) {
    let pg = PgCluster::start_durable();
    let dir = tempfile::tempdir().expect("dir");
    let mass_dir = tempfile::tempdir().expect("dir");
    let first = both(&pg, dir.path());
    let second = both(&pg, mass_dir.path());
    rt.block_on(measure(first, second));
}

async fn measure(
    (json, shared, location): (Engine, Engine, Location),
    (mass_json, mass_shared, _): (Engine, Engine, Location),
) {
    // One rotation on one node: the two stores take turns, so outside load falls on both alike.
    let server = RedisServer::start(Persist::Aclfile);
    for e in [&json, &shared] {
        connect(e, server.host(), server.port, "standalone", vec![]).await;
    }
    json.create_rotation(&request("on-json"))
        .await
        .expect("create");
    shared
        .create_rotation(&request("on-pg"))
        .await
        .expect("create");
    rotate_many(&json, "on-json", 20).await;
    rotate_many(&shared, "on-pg", 20).await;
    let (mut on_json, mut on_pg) = (Vec::new(), Vec::new());
    let mut pg_steps = std::collections::BTreeMap::<String, Vec<Duration>>::new();
    for _ in 0..10 {
        on_json.extend(rotate_many(&json, "on-json", 30).await.0);
        let (totals, steps) = rotate_many(&shared, "on-pg", 30).await;
        on_pg.extend(totals);
        for (k, v) in steps {
            pg_steps.entry(k).or_default().extend(v);
        }
    }
    let (a, b) = (summarize(on_json), summarize(on_pg));
    println!("\n11. PostgreSQL beside the JSON database (one loopback PostgreSQL, fsync on)");
    println!("| measurement | median | p99 | runs | target |\n|---|---|---|---|---|");
    row("one rotation, one node: JSON database", &a, "");
    row("one rotation, one node: PostgreSQL", &b, "");
    for (k, v) in pg_steps {
        row(&format!("  PostgreSQL step: {k}"), &summarize(v), "");
    }
    println!(
        "ratio PostgreSQL / JSON (median): {:.2}",
        b.median.as_secs_f64() / a.median.as_secs_f64()
    );

    heard(&location);

    // 1,000 due at once, each store on a server of its own (the ACL file's size is the same).
    let mut results = Vec::new();
    for (label, e) in [("JSON database", &mass_json), ("PostgreSQL", &mass_shared)] {
        let server = RedisServer::start(Persist::Aclfile);
        connect(e, server.host(), server.port, "standalone", vec![]).await;
        results.push((label, due_at_once(e, "mass", 1000).await));
    }
    println!(
        "\n| 1,000 rotations due at once | total | rotations/s | writes | failures | setup (1,000 creates) |\n|---|---|---|---|---|---|"
    );
    for (label, m) in results {
        let MassDue {
            took,
            done,
            failures,
            writes,
            setup,
        } = m;
        println!(
            "| {label} | {} | {:.0} | {writes} | {failures} | {} |",
            ms(took),
            done as f64 / took.as_secs_f64(),
            ms(setup)
        );
    }
}

/// How soon a second handle (another host) sees a commit: from the writer's commit returning to
/// the reader's stamp moving (what the console and the scheduler wait on).
fn heard(location: &Location) {
    let key = || KeySource::Env(Password::new(KEY));
    let writer = Store::open_at(location.clone(), key());
    let reader = Store::open_at(location.clone(), key());
    reader.load().expect("load");
    let mut samples = Vec::new();
    for i in 0..60u64 {
        let before = reader.stamp().expect("stamp");
        writer
            .update_doc(move |doc| doc.settings.reconcile_interval_secs = Some(60 + i % 2))
            .expect("write");
        let committed = Instant::now();
        while reader.stamp().expect("stamp") == before {
            assert!(committed.elapsed() < Duration::from_secs(10), "never heard");
            std::thread::sleep(Duration::from_micros(100));
        }
        samples.push(committed.elapsed());
    }
    samples.drain(..10);
    row(
        "another host hears a commit (LISTEN/NOTIFY → stamp)",
        &summarize(samples),
        "console reloads on it; < 1 s",
    );
}
