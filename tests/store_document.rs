//! The document's own behaviour: the secret store (versions, history cap, owner, rename,
//! delete), the bounded event log, and lookups of connections and rotations.

use chrono::{TimeZone, Utc};
use redis_rotator::model::event::MAX_EVENTS;
use redis_rotator::model::secret::MAX_VERSIONS;
use redis_rotator::model::{
    Connection, EventKind, Outcome, Parameters, RotateAt, Rotation, RotationStatus, Sealed,
    SecretsMapping, Slot,
};
use redis_rotator::store::secrets::Writer;
use redis_rotator::store::{Document, NewEvent};
use uuid::Uuid;

fn sealed(n: u32) -> Sealed {
    Sealed(format!("enc:v1:value-{n}"))
}

fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, minute % 60, 0).unwrap()
}

fn rotation(name: &str, environment: &str, secret_path: &str) -> Rotation {
    Rotation {
        id: Uuid::new_v4(),
        name: name.into(),
        description: None,
        connection_id: Uuid::new_v4(),
        environment: environment.into(),
        secret_path: secret_path.into(),
        is_auto_rotation_enabled: true,
        rotation_interval: 30,
        rotate_at_utc: RotateAt {
            hours: 2,
            minutes: 0,
        },
        parameters: Parameters::default(),
        secrets_mapping: SecretsMapping {
            username: "REDIS_USERNAME".into(),
            password: "REDIS_PASSWORD".into(),
        },
        sinks: Vec::new(),
        active_index: Slot::Zero,
        rotation_status: RotationStatus::Success,
        last_rotation_attempted_at: None,
        last_rotated_at: None,
        last_rotation_job_id: None,
        next_rotation_at: None,
        last_rotation_message: None,
        created_at: at(0),
        updated_at: at(0),
        kind: "redis-credentials".into(),
        slots: [None, None],
        pending: None,
        retry: None,
        held: None,
        sinks_owed: Vec::new(),
    }
}

#[test]
fn secret_versions_count_up_and_the_last_is_current() {
    let mut doc = Document::default();
    let rotation = Uuid::new_v4();
    let job = Uuid::new_v4();
    let writer = Writer {
        rotation_id: Some(rotation),
        job_id: Some(job),
    };
    doc.put_secret("prod", "/cache", "REDIS_PASSWORD", sealed(1), writer, at(1));
    doc.put_secret("prod", "/cache", "REDIS_PASSWORD", sealed(2), writer, at(2));
    let entry = doc.secret("prod", "/cache", "REDIS_PASSWORD").unwrap();
    assert_eq!(entry.versions.len(), 2);
    let current = entry.current().unwrap();
    assert_eq!((current.version, &current.value), (2, &sealed(2)));
    assert_eq!(current.created_at, at(2));
    assert_eq!(
        (current.rotation_id, current.job_id),
        (Some(rotation), Some(job))
    );
    assert!(doc.secret("staging", "/cache", "REDIS_PASSWORD").is_none());
}

#[test]
fn secret_owner_is_set_on_creation_and_kept_afterwards() {
    let mut doc = Document::default();
    let owner = Uuid::new_v4();
    let by_owner = Writer {
        rotation_id: Some(owner),
        job_id: None,
    };
    doc.put_secret("dev", "/", "MAPPED", sealed(1), by_owner, at(1));
    doc.put_secret("dev", "/", "MAPPED", sealed(2), Writer::default(), at(2));
    doc.put_secret("dev", "/", "MANUAL", sealed(3), Writer::default(), at(3));
    doc.put_secret("dev", "/", "MANUAL", sealed(4), by_owner, at(4));
    assert_eq!(
        doc.secret("dev", "/", "MAPPED").unwrap().owner_rotation,
        Some(owner)
    );
    assert_eq!(
        doc.secret("dev", "/", "MANUAL").unwrap().owner_rotation,
        None
    );
}

#[test]
fn secret_history_is_capped_dropping_the_oldest() {
    let mut doc = Document::default();
    let total = MAX_VERSIONS as u32 + 5;
    for n in 1..=total {
        doc.put_secret("dev", "/a", "S", sealed(n), Writer::default(), at(n));
    }
    let versions = &doc.secret("dev", "/a", "S").unwrap().versions;
    assert_eq!(versions.len(), MAX_VERSIONS);
    assert_eq!(versions[0].version, 6);
    assert_eq!(versions.last().unwrap().version, total);
    assert_eq!(versions.last().unwrap().value, sealed(total));
}

#[test]
fn renamed_secret_keeps_its_history_and_owner_and_never_clobbers_another() {
    let mut doc = Document::default();
    let owner = Writer {
        rotation_id: Some(Uuid::new_v4()),
        job_id: None,
    };
    doc.put_secret("dev", "/", "OLD", sealed(1), owner, at(1));
    doc.put_secret("dev", "/", "OLD", sealed(2), owner, at(2));
    doc.put_secret("dev", "/", "OTHER", sealed(9), Writer::default(), at(3));

    doc.rename_secret("dev", "/", "OLD", "NEW");
    assert!(doc.secret("dev", "/", "OLD").is_none());
    let renamed = doc.secret("dev", "/", "NEW").unwrap();
    assert_eq!(renamed.versions.len(), 2);
    assert_eq!(renamed.owner_rotation, owner.rotation_id);

    doc.rename_secret("dev", "/", "NEW", "OTHER");
    assert_eq!(doc.secret("dev", "/", "NEW").unwrap().versions.len(), 2);
    assert_eq!(
        doc.secret("dev", "/", "OTHER")
            .unwrap()
            .current()
            .unwrap()
            .value,
        sealed(9)
    );

    doc.rename_secret("dev", "/", "MISSING", "X");
    doc.rename_secret("prod", "/", "NEW", "X");
    assert_eq!(doc.secrets.len(), 2);
}

#[test]
fn deleted_secret_is_gone_with_its_history() {
    let mut doc = Document::default();
    doc.put_secret("dev", "/", "A", sealed(1), Writer::default(), at(1));
    doc.put_secret("prod", "/", "A", sealed(2), Writer::default(), at(1));
    assert!(doc.delete_secret("dev", "/", "A"));
    assert!(!doc.delete_secret("dev", "/", "A"));
    assert!(doc.secret("dev", "/", "A").is_none());
    assert!(doc.secret("prod", "/", "A").is_some());
}

#[test]
fn secrets_at_lists_one_environment_and_path_in_name_order() {
    let mut doc = Document::default();
    for name in ["ZETA", "ALPHA", "MIKE"] {
        doc.put_secret("dev", "/svc", name, sealed(1), Writer::default(), at(1));
    }
    doc.put_secret(
        "dev",
        "/svc/inner",
        "BETA",
        sealed(1),
        Writer::default(),
        at(1),
    );
    doc.put_secret("prod", "/svc", "BRAVO", sealed(1), Writer::default(), at(1));
    let names: Vec<&str> = doc
        .secrets_at("dev", "/svc")
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["ALPHA", "MIKE", "ZETA"]);
    assert!(doc.secrets_at("staging", "/svc").is_empty());
}

fn new_event(i: usize) -> NewEvent {
    NewEvent {
        at: at(0),
        kind: EventKind::Rotated,
        outcome: Outcome::Success,
        rotation: Some((
            Uuid::nil(),
            "orders".into(),
            "prod".into(),
            "/orders".into(),
        )),
        job_id: Some(Uuid::nil()),
        message: format!("event {i}"),
        attempt: None,
    }
}

#[test]
fn event_log_is_bounded_at_max_events_keeping_the_newest() {
    let mut doc = Document::default();
    let total = MAX_EVENTS + 5;
    for i in 1..=total {
        let stored = doc.push_event(new_event(i));
        assert_eq!(stored.seq, i as u64);
    }
    assert_eq!(doc.events.len(), MAX_EVENTS);
    assert_eq!(doc.events.front().unwrap().seq, 6);
    assert_eq!(doc.events.back().unwrap().message, format!("event {total}"));
    assert_eq!(doc.next_event_seq, total as u64 + 1);
}

#[test]
fn event_carries_the_rotation_it_is_about_and_this_process_id() {
    let mut doc = Document::default();
    let e = doc.push_event(new_event(1)).clone();
    assert_eq!(e.pid, std::process::id());
    assert_eq!(e.rotation_id, Some(Uuid::nil()));
    assert_eq!(e.rotation_name.as_deref(), Some("orders"));
    assert_eq!(e.environment.as_deref(), Some("prod"));
    assert_eq!(e.secret_path.as_deref(), Some("/orders"));
    assert_eq!(e.job_id, Some(Uuid::nil()));
}

#[test]
fn event_seqs_never_repeat_even_when_the_counter_is_missing_from_the_file() {
    let mut doc: Document = serde_json::from_str(
        r#"{"schemaVersion":1,"events":[{"seq":41,"at":"2025-01-01T00:00:00Z","kind":"created","outcome":"info","message":"old"}]}"#,
    )
    .unwrap();
    assert_eq!(doc.push_event(new_event(1)).seq, 42);
}

#[test]
fn rotation_is_found_by_id_then_by_name_and_qualified_by_environment_and_path() {
    let mut doc = Document::default();
    let prod = rotation("orders", "prod", "/orders");
    let dev = rotation("orders", "dev", "/orders");
    // A rotation whose *name* is another's id must not shadow the id match.
    let tricky = rotation(&dev.id.to_string(), "dev", "/x");
    doc.rotations = vec![prod.clone(), tricky.clone(), dev.clone()].into();

    assert_eq!(doc.rotation(&dev.id.to_string()).unwrap().id, dev.id);
    assert_eq!(
        doc.rotation(&dev.id.simple().to_string()).unwrap().id,
        dev.id
    );
    assert_eq!(
        doc.rotation("orders").unwrap().id,
        prod.id,
        "first of the same name"
    );
    assert!(doc.rotation("missing").is_none());
    doc.rotation_mut(prod.id).unwrap().rotation_interval = 7;
    assert_eq!(
        doc.rotation(&prod.id.to_string())
            .unwrap()
            .rotation_interval,
        7
    );
}

#[test]
fn connection_is_found_by_id_or_name() {
    let mut doc = Document::default();
    let conn = Connection {
        id: Uuid::new_v4(),
        name: "prod-cache".into(),
        description: None,
        host: "10.0.0.5".into(),
        port: 6379,
        username: "default".into(),
        password: None,
        tls: Default::default(),
        topology: Default::default(),
        nodes: vec![],
        master_name: None,
        sentinel_username: None,
        sentinel_password: None,
        identity: None,
        created_at: at(0),
        updated_at: at(0),
    };
    doc.connections.push(conn.clone());
    assert_eq!(
        doc.connection(&conn.id.to_string()).unwrap().name,
        "prod-cache"
    );
    assert_eq!(doc.connection("prod-cache").unwrap().id, conn.id);
    assert!(doc.connection("other").is_none());
}
