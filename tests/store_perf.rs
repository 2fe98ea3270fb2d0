//! A large database stays fast: 10,000 rotations (with both credential slots and two mapped
//! secrets each) and a full event log save and load in well under a second. Run with
//! `cargo test --release --test store_perf -- --nocapture` for the numbers.

use std::time::{Duration, Instant};

use chrono::Utc;
use redis_rotator::model::event::MAX_EVENTS;
use redis_rotator::model::{
    EventKind, Outcome, Parameters, Password, RotateAt, Rotation, RotationStatus, SecretEntry,
    SecretVersion, SecretsMapping, Slot, SlotCredential,
};
use redis_rotator::store::{Cipher, Document, KeySource, NewEvent, Store};
use uuid::Uuid;

const KEY: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
const ROTATIONS: usize = 10_000;

fn big_document(cipher: &Cipher) -> Document {
    let now = Utc::now();
    let mut doc = Document::default();
    let connection = Uuid::new_v4();
    // Real ciphertext of a 48-character password; sealing 30,000 of them would only slow the
    // test down without changing what is measured.
    let sealed = cipher.seal(&Password::new("x".repeat(48)));
    for i in 0..ROTATIONS {
        let name = format!("rotation-{i}");
        let slot = |n: u8| SlotCredential {
            username: format!("{name}-{n}"),
            password: sealed.clone(),
            created_at: now,
        };
        let rotation = Rotation {
            id: Uuid::new_v4(),
            name: name.clone(),
            description: Some(format!("cache for service {i}")),
            connection_id: connection,
            environment: "prod".into(),
            secret_path: format!("/svc/{i}"),
            is_auto_rotation_enabled: true,
            rotation_interval: 30,
            rotate_at_utc: RotateAt {
                hours: 3,
                minutes: 15,
            },
            parameters: Parameters::default(),
            secrets_mapping: SecretsMapping {
                username: "REDIS_USERNAME".into(),
                password: "REDIS_PASSWORD".into(),
            },
            active_index: Slot::One,
            rotation_status: RotationStatus::Success,
            last_rotation_attempted_at: Some(now),
            last_rotated_at: Some(now),
            last_rotation_job_id: Some(Uuid::new_v4()),
            next_rotation_at: Some(now),
            last_rotation_message: Some("rotated".into()),
            created_at: now,
            updated_at: now,
            kind: "redis-credentials".into(),
            slots: [Some(slot(0)), Some(slot(1))],
            pending: None,
            retry: None,
        };
        for name in ["REDIS_USERNAME", "REDIS_PASSWORD"] {
            // Built directly: `put_secret` looks the name up first, which is what the engine
            // wants but would make building 20,000 entries quadratic.
            doc.secrets.push(SecretEntry {
                environment: "prod".into(),
                secret_path: rotation.secret_path.clone(),
                name: name.into(),
                owner_rotation: Some(rotation.id),
                versions: vec![SecretVersion {
                    version: 1,
                    value: sealed.clone(),
                    created_at: now,
                    rotation_id: Some(rotation.id),
                    job_id: rotation.last_rotation_job_id,
                }],
            });
        }
        doc.rotations.push(rotation);
    }
    for i in 0..MAX_EVENTS {
        doc.push_event(NewEvent {
            at: now,
            kind: EventKind::Rotated,
            outcome: Outcome::Success,
            rotation: None,
            job_id: None,
            message: format!("rotated rotation-{i} → slot 1 in 3.1 ms on 3 nodes"),
        });
    }
    doc
}

#[test]
fn ten_thousand_rotations_save_and_load_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let store = Store::open(&db, KeySource::Env(Password::new(KEY)));
    let cipher = store.cipher().unwrap();
    let big = big_document(&cipher);

    let started = Instant::now();
    store.update_doc(move |doc| *doc = big).unwrap();
    let first_save = started.elapsed();

    let started = Instant::now();
    store
        .update_doc(|doc| {
            doc.rotations[17].rotation_status = RotationStatus::Rotating;
        })
        .unwrap();
    let small_change = started.elapsed();

    let size = std::fs::metadata(&db).unwrap().len();
    let started = Instant::now();
    let cold = Store::open(&db, KeySource::Env(Password::new(KEY)));
    let loaded = cold.load().unwrap();
    let cold_load = started.elapsed();
    assert_eq!(loaded.rotations.len(), ROTATIONS);
    assert_eq!(
        loaded.rotations[17].rotation_status,
        RotationStatus::Rotating
    );

    let started = Instant::now();
    let _again = cold.load().unwrap();
    let cached_load = started.elapsed();

    eprintln!(
        "10,000 rotations ({:.1} MB): first save {first_save:?}, one-field update {small_change:?}, cold load {cold_load:?}, cached load {cached_load:?}",
        size as f64 / 1e6
    );
    // Generous bounds so a debug build on a slow runner passes; release is far below.
    assert!(small_change < Duration::from_secs(3), "{small_change:?}");
    assert!(cold_load < Duration::from_secs(3), "{cold_load:?}");
    assert!(cached_load < Duration::from_millis(50), "{cached_load:?}");
}
