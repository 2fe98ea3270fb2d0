//! A large database built in memory: N rotations with both credential slots, two mapped secrets
//! each with V versions, and a full event log.

use chrono::Utc;
use redis_rotator::model::event::MAX_EVENTS;
use redis_rotator::model::{
    EventKind, Outcome, Parameters, Password, RotateAt, Rotation, RotationStatus, SecretEntry,
    SecretVersion, SecretsMapping, Slot, SlotCredential,
};
use redis_rotator::store::{Cipher, Document, NewEvent};
use uuid::Uuid;

pub const KEY: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";

pub fn big_document(cipher: &Cipher, rotations: usize, versions_per_secret: usize) -> Document {
    let now = Utc::now();
    let mut doc = Document::default();
    let connection = Uuid::new_v4();
    // Real ciphertext of a 48-character password, shared: sealing 100,000 values would only
    // slow the fixture down without changing what is measured.
    // (Bound to one place, so only that one opens; the bench measures size and parsing.)
    let sealed = cipher.seal(
        &Password::new("x".repeat(48)),
        &redis_rotator::store::Binding::key_check(),
    );
    for i in 0..rotations {
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
            is_auto_rotation_enabled: i % 7 != 0,
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
            sinks: Vec::new(),
            active_index: Slot::One,
            rotation_status: if i % 13 == 0 {
                RotationStatus::Failed
            } else {
                RotationStatus::Success
            },
            last_rotation_attempted_at: Some(now),
            last_rotated_at: Some(now),
            last_rotation_job_id: Some(Uuid::new_v4()),
            next_rotation_at: Some(now + chrono::Duration::hours(1 + i as i64 % 900)),
            last_rotation_message: None,
            created_at: now,
            updated_at: now,
            kind: "redis-credentials".into(),
            slots: [Some(slot(0)), Some(slot(1))],
            pending: None,
            retry: None,
            held: None,
            sinks_owed: Vec::new(),
        };
        for name in ["REDIS_USERNAME", "REDIS_PASSWORD"] {
            doc.secrets.push(SecretEntry {
                environment: "prod".into(),
                secret_path: rotation.secret_path.clone(),
                name: name.into(),
                owner_rotation: Some(rotation.id),
                versions: (1..=versions_per_secret as u32)
                    .map(|v| SecretVersion {
                        version: v,
                        value: sealed.clone(),
                        created_at: now,
                        rotation_id: Some(rotation.id),
                        job_id: rotation.last_rotation_job_id,
                    })
                    .collect(),
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
            attempt: None,
        });
    }
    doc
}
