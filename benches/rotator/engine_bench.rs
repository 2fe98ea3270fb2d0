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
