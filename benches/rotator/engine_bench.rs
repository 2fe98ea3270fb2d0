//! Engine and Redis side of issue 15: one rotation over TLS against the same over plain TCP
//! (section `tls`), in one run, each with its per-step medians.

use std::sync::Arc;

use redis_rotator::engine::{Engine, SystemClock};
use redis_rotator::model::Password;
use redis_rotator::model::request::{ConnectionRequest, RotationRequest};
use redis_rotator::store::{KeySource, Store};

use super::common::{ADMIN_PASSWORD, ADMIN_USER, Persist, RedisServer};
use super::fixture::KEY;
use super::rotation_bench::rotate_many;
use super::stats::{Summary, ms, row, summarize};

fn engine(dir: &std::path::Path) -> Engine {
    let store = Arc::new(Store::open(
        dir.join("db.json"),
        KeySource::Env(Password::new(KEY)),
    ));
    Engine::new(store, Arc::new(SystemClock))
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

/// 20 warm-up rotations, then `runs` timed ones; prints the row and the step medians.
async fn case(label: &str, e: &Engine, name: &str, runs: usize) -> Summary {
    e.create_rotation(&request(name)).await.expect("create");
    rotate_many(e, name, 20).await;
    let (totals, steps) = rotate_many(e, name, runs).await;
    let s = summarize(totals);
    row(label, &s, "");
    let parts: Vec<String> = steps
        .iter()
        .map(|(k, v)| format!("{k} {}", ms(summarize(v.clone()).median)))
        .collect();
    println!("|   steps (median) | {} | | | |", parts.join(", "));
    s
}

/// One node over TLS (server certificate checked against the test CA) vs one over plain TCP.
pub async fn tls() {
    println!("\n8. TLS: one rotation on one node over TLS vs plain TCP (target: within 1.5×)");
    println!("| measurement | median | p99 | runs | target |\n|---|---|---|---|---|");
    let plain_server = RedisServer::start(Persist::Aclfile);
    let d1 = tempfile::tempdir().expect("dir");
    let plain = engine(d1.path());
    plain
        .add_connection(
            &ConnectionRequest {
                name: Some("bench".into()),
                host: Some("localhost".into()),
                port: Some(plain_server.port.into()),
                username: Some(ADMIN_USER.into()),
                ..Default::default()
            },
            Some(Password::new(ADMIN_PASSWORD)),
        )
        .await
        .expect("plain connection");
    let (tls_server, material) = RedisServer::start_tls();
    let d2 = tempfile::tempdir().expect("dir");
    let tls = engine(d2.path());
    tls.add_connection(
        &ConnectionRequest {
            name: Some("bench".into()),
            host: Some("localhost".into()),
            port: Some(tls_server.port.into()),
            username: Some(ADMIN_USER.into()),
            tls_enabled: Some(true),
            ca_certificate: Some(material.ca_pem.clone()),
            ..Default::default()
        },
        Some(Password::new(ADMIN_PASSWORD)),
    )
    .await
    .expect("TLS connection");
    let p = case("1 node, plain TCP", &plain, "plain", 200).await;
    let t = case("1 node, TLS", &tls, "tls", 200).await;
    println!(
        "ratio TLS / plain (median): {:.2}×",
        t.median.as_secs_f64() / p.median.as_secs_f64()
    );
}

/// 1,000 rotations due at once on one node, run by the scheduler's pass at several
/// parallelisms, with where each rotation's time goes (section `mass-steps`). Prints
/// `setup done` before the timed passes, so a profiler can be attached then.
pub async fn mass_steps() {
    use futures::StreamExt;
    use redis_rotator::engine::{EngineEvent, Step};
    use redis_rotator::model::EventKind;
    use std::collections::HashMap;
    use std::io::Write;
    use std::time::{Duration, Instant};
    use uuid::Uuid;

    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().expect("dir");
    let e = engine(dir.path());
    e.add_connection(
        &ConnectionRequest {
            name: Some("bench".into()),
            host: Some(server.host().into()),
            port: Some(server.port.into()),
            username: Some(ADMIN_USER.into()),
            ..Default::default()
        },
        Some(Password::new(ADMIN_PASSWORD)),
    )
    .await
    .expect("connection");
    futures::stream::iter(0..1000)
        .map(|i| {
            let e = e.clone();
            async move {
                e.create_rotation(&request(&format!("mass-{i}")))
                    .await
                    .expect("create");
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    println!("setup done");
    let _ = std::io::stdout().flush();
    println!(
        "\n9. 1,000 rotations due at once, by scheduler parallelism, and where a rotation's time goes"
    );
    println!(
        "| parallelism | total | rotations/s | database writes | failures | time in flight per rotation | record | apply | persist + verify | promote | the rest (lock, fleet check, node check, sessions) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for parallelism in [16, 32, 64] {
        let now = e.now();
        e.store()
            .update_doc(move |doc| {
                for r in doc.rotations.iter_mut() {
                    r.next_rotation_at = Some(now);
                }
            })
            .expect("make due");
        let mut rx = e.subscribe();
        type Marks = HashMap<Uuid, Vec<(&'static str, Instant)>>;
        let shared: std::sync::Arc<std::sync::Mutex<Marks>> = Default::default();
        let sink = shared.clone();
        let collector = tokio::spawn(async move {
            loop {
                let mark = match rx.recv().await {
                    Ok(EngineEvent::Progress {
                        rotation_id,
                        step,
                        node: None,
                        at,
                        ..
                    }) => match step {
                        Step::Record => (rotation_id, "record", at),
                        Step::Apply => (rotation_id, "apply", at),
                        Step::Persist => (rotation_id, "persist", at),
                        Step::Promote => (rotation_id, "promote", at),
                        _ => continue,
                    },
                    Ok(EngineEvent::Logged(ev)) if ev.kind == EventKind::Rotated => {
                        match ev.rotation_id {
                            Some(id) => (id, "end", Instant::now()),
                            None => continue,
                        }
                    }
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        eprintln!("(lagged: {n} events lost)");
                        continue;
                    }
                    Err(_) => return,
                };
                let (id, name, at) = mark;
                sink.lock()
                    .expect("marks")
                    .entry(id)
                    .or_default()
                    .push((name, at));
            }
        });
        let writes_before = e.store().write_count();
        let start = Instant::now();
        let done = e.run_due(parallelism).await;
        let took = start.elapsed();
        let writes = e.store().write_count() - writes_before;
        let failures = done.iter().filter(|(_, r)| r.is_err()).count();
        // The engine keeps its sender: let the last events arrive, then stop listening.
        tokio::time::sleep(Duration::from_millis(200)).await;
        collector.abort();
        let marks = std::mem::take(&mut *shared.lock().expect("marks"));
        let mut spans: HashMap<&str, Vec<Duration>> = HashMap::new();
        for list in marks.values() {
            let at = |n: &str| list.iter().find(|(k, _)| *k == n).map(|(_, t)| *t);
            let pairs = [
                ("record", "record", "apply"),
                ("apply", "apply", "persist"),
                ("persist+verify", "persist", "promote"),
                ("promote", "promote", "end"),
            ];
            for (label, from, to) in pairs {
                if let (Some(a), Some(b)) = (at(from), at(to)) {
                    spans
                        .entry(label)
                        .or_default()
                        .push(b.saturating_duration_since(a));
                }
            }
        }
        let med = |k: &str| {
            spans
                .get(k)
                .map(|v| ms(summarize(v.clone()).median))
                .unwrap_or_else(|| "–".into())
        };
        let in_flight = took.as_secs_f64() * parallelism as f64 / done.len().max(1) as f64;
        let known: f64 = ["record", "apply", "persist+verify", "promote"]
            .iter()
            .filter_map(|k| {
                spans
                    .get(k)
                    .map(|v| summarize(v.clone()).median.as_secs_f64())
            })
            .sum();
        println!(
            "| {parallelism} | {} | {:.0} | {writes} | {failures} | {:.2} ms | {} | {} | {} | {} | {:.2} ms |",
            ms(took),
            done.len() as f64 / took.as_secs_f64(),
            in_flight * 1000.0,
            med("record"),
            med("apply"),
            med("persist+verify"),
            med("promote"),
            (in_flight - known).max(0.0) * 1000.0,
        );
    }
}
