//! Database load and save with 10,000 rotations and 100,000 secret versions.

use std::time::Instant;

use redis_rotator::model::{Password, RotationStatus};
use redis_rotator::store::{KeySource, Store};

use super::fixture::{KEY, big_document};
use super::stats::{ms, row, summarize};

pub fn run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db.json");
    let store = Store::open(&db, KeySource::Env(Password::new(KEY)));
    let cipher = store.cipher().expect("key");
    // 10,000 rotations × 2 secrets × 5 versions = 100,000 secret versions.
    let big = big_document(&cipher, 10_000, 5);
    let started = Instant::now();
    store.update_doc(move |doc| *doc = big).expect("first save");
    let first = started.elapsed();
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    let mut saves = Vec::new();
    for i in 0..10 {
        let started = Instant::now();
        store
            .update_doc(move |doc| doc.rotations[i].rotation_status = RotationStatus::Rotating)
            .expect("update");
        saves.push(started.elapsed());
    }
    let mut loads = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let cold = Store::open(&db, KeySource::Env(Password::new(KEY)));
        let doc = cold.load().expect("load");
        assert_eq!(doc.rotations.len(), 10_000);
        loads.push(started.elapsed());
    }
    println!(
        "\nDatabase: 10,000 rotations, 100,000 secret versions, 10,000 events ({:.1} MB); first save {}",
        size as f64 / 1e6,
        ms(first)
    );
    println!("| measurement | median | p99 | runs | target |\n|---|---|---|---|---|");
    row(
        "save (one-field update, full durable write)",
        &summarize(saves),
        "—",
    );
    row("cold load (parse + check)", &summarize(loads), "—");
}
