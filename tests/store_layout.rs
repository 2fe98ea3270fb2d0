//! The split database (schema 3): a manifest, parts and a commit log. A write appends only what
//! it changed; readers catch up from the log; one place's secrets are read without the rest; a
//! damaged log is refused untouched; an unfinished last line is a write that never happened.
//! And a database written by the previous release (one schema-2 file, committed as a fixture)
//! is migrated on first open with a byte-identical backup beside it.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::Utc;
use common::event;
use redis_rotator::model::Password;
use redis_rotator::store::parts::{data_dir, log_path};
use redis_rotator::store::secrets::Writer;
use redis_rotator::store::{Binding, KeySource, SCHEMA_VERSION, Store, StoreError};

/// The key the schema-2 fixture was written with (tests/support's TEST_KEY).
const KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/schema2/db.json"
);

fn store_at(path: &Path) -> Store {
    Store::open(path, KeySource::Env(Password::new(KEY)))
}

fn put(store: &Store, env: &str, path: &str, name: &str, value: &str) {
    let cipher = store.cipher().unwrap();
    let sealed = cipher.seal(
        &Password::new(value),
        &Binding::secret_value(env, path, name),
    );
    let (env, path, name) = (env.to_string(), path.to_string(), name.to_string());
    store
        .update_doc(move |doc| {
            doc.put_secret(&env, &path, &name, sealed, Writer::default(), Utc::now())
        })
        .unwrap();
}

fn current(store: &Store, env: &str, path: &str, name: &str) -> String {
    let doc = store.load_place(env, path).unwrap();
    let entry = doc.secret(env, path, name).expect("secret");
    let cipher = store.cipher_for(&doc).unwrap();
    cipher
        .open(
            &entry.current().unwrap().value,
            &Binding::secret_value(env, path, name),
        )
        .unwrap()
        .expose()
        .to_string()
}

fn db_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("db.json")
}

fn log_lines(db: &Path) -> Vec<String> {
    std::fs::read_to_string(log_path(db))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_write_appends_one_line_to_the_log_and_rewrites_no_part() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let store = store_at(&db);
    put(&store, "prod", "/a", "TOKEN", "one");
    let parts: Vec<(PathBuf, u64, i64)> = std::fs::read_dir(data_dir(&db))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &log_path(&db))
        .map(|p| {
            let m = std::fs::metadata(&p).unwrap();
            (p, m.ino(), m.mtime_nsec())
        })
        .collect();
    let manifest = std::fs::read(&db).unwrap();
    let lines = log_lines(&db).len();

    put(&store, "prod", "/a", "TOKEN", "two");
    store
        .update_doc(|doc| doc.push_event(event("hello")).seq)
        .unwrap();

    assert_eq!(log_lines(&db).len(), lines + 2, "one line per write");
    assert_eq!(std::fs::read(&db).unwrap(), manifest, "manifest untouched");
    for (p, ino, mtime) in parts {
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!(
            (m.ino(), m.mtime_nsec()),
            (ino, mtime),
            "{} untouched",
            p.display()
        );
    }
    // Only the changed row is in the line, never a secret value in clear.
    let last = log_lines(&db).pop().unwrap();
    assert!(last.contains("hello") && !last.contains("TOKEN"), "{last}");
    let secret_line = &log_lines(&db)[lines];
    assert!(secret_line.contains("TOKEN") && !secret_line.contains("two"));
    for p in std::fs::read_dir(data_dir(&db)).unwrap() {
        let mode = std::fs::metadata(p.unwrap().path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let fresh = store_at(&db);
    assert_eq!(current(&fresh, "prod", "/a", "TOKEN"), "two");
    assert_eq!(
        fresh.load().unwrap().events.back().unwrap().message,
        "hello"
    );
}

#[test]
fn readers_catch_up_from_the_log_and_read_one_place_without_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let writer = store_at(&db);
    put(&writer, "prod", "/a", "TOKEN", "a1");
    put(&writer, "prod", "/b", "TOKEN", "b1");
    let reader = store_at(&db);
    let before = reader.load().unwrap();
    put(&writer, "prod", "/a", "TOKEN", "a2");
    // A deferred write is committed (visible to every reader) when it returns.
    let cipher = writer.cipher().unwrap();
    let sealed = cipher.seal(
        &Password::new("b2"),
        &Binding::secret_value("prod", "/b", "TOKEN"),
    );
    writer
        .update_deferred(move |doc| {
            doc.put_secret("prod", "/b", "TOKEN", sealed, Writer::default(), Utc::now());
            Ok::<_, StoreError>(())
        })
        .unwrap();

    let after = reader.load().unwrap();
    assert!(!std::sync::Arc::ptr_eq(&before, &after));
    assert_eq!(
        after.secret("prod", "/a", "TOKEN").unwrap().versions.len(),
        2
    );
    let place = store_at(&db).load_place("prod", "/b").unwrap();
    assert!(place.rotations.is_empty(), "only the place's part is read");
    assert_eq!(current(&store_at(&db), "prod", "/a", "TOKEN"), "a2");
    assert_eq!(current(&store_at(&db), "prod", "/b", "TOKEN"), "b2");
    assert_eq!(current(&reader, "prod", "/b", "TOKEN"), "b2");
}

#[test]
fn an_unfinished_last_line_is_ignored_and_cut_by_the_next_writer() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let store = store_at(&db);
    put(&store, "dev", "/", "A", "kept");
    // A writer died halfway through appending its line.
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(log_path(&db))
        .unwrap();
    std::io::Write::write_all(&mut log, b"{\"seq\":99,\"buckets\":[],\"ops\":[{\"ev").unwrap();
    drop(log);

    assert_eq!(current(&store_at(&db), "dev", "/", "A"), "kept");
    store_at(&db)
        .update_doc(|doc| doc.push_event(event("after the crash")).seq)
        .unwrap();
    let text = std::fs::read_to_string(log_path(&db)).unwrap();
    assert!(
        text.ends_with('\n') && !text.contains("\"seq\":99"),
        "{text}"
    );
    let doc = store_at(&db).load().unwrap();
    assert_eq!(doc.events.back().unwrap().message, "after the crash");
}

#[test]
fn a_damaged_log_line_is_refused_naming_the_log_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let store = store_at(&db);
    put(&store, "dev", "/", "A", "one");
    put(&store, "dev", "/", "A", "two");
    let path = log_path(&db);
    let text = std::fs::read_to_string(&path).unwrap();
    let damaged = text.replacen("\"ops\":[", "\"ops\":[{\"nonsense\":1},", 1);
    std::fs::write(&path, &damaged).unwrap();

    let fresh = store_at(&db);
    let err = fresh.load().unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("log.jsonl"), "{err}");
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert!(fresh.update_doc(|_| ()).is_err());
    assert!(fresh.load_place("dev", "/").is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), damaged);
}

#[test]
fn a_long_log_is_folded_into_a_checkpoint_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let store = store_at(&db);
    put(&store, "dev", "/", "A", "first");
    let big = "x".repeat(200_000);
    let mut lines_seen = Vec::new();
    for i in 0..30 {
        let message = format!("{i} {big}");
        store
            .update_doc(move |doc| doc.push_event(event(&message)).seq)
            .unwrap();
        lines_seen.push(log_lines(&db).len());
    }
    assert!(
        lines_seen.windows(2).any(|w| w[1] < w[0]),
        "the log was restarted by a checkpoint: {lines_seen:?}"
    );
    put(&store, "dev", "/", "A", "last");
    let fresh = store_at(&db).load().unwrap();
    assert_eq!(fresh.events.len(), 30);
    assert!(fresh.events.back().unwrap().message.starts_with("29 "));
    assert_eq!(current(&store_at(&db), "dev", "/", "A"), "last");
    assert_eq!(fresh.secret("dev", "/", "A").unwrap().versions.len(), 2);
}

#[test]
fn a_schema_2_database_from_the_previous_release_is_migrated_with_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let original = std::fs::read(FIXTURE).unwrap();
    std::fs::write(&db, &original).unwrap();
    let store = store_at(&db);
    let old = store.load().unwrap();
    assert_eq!(old.schema_version, 2);
    let old = (*old).clone();

    // First open through the key migrates (as every command does).
    let cipher = store.cipher().unwrap();
    let backup = dir.path().join("db.json.schema2.bak");
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        original,
        "byte-identical backup"
    );
    assert_eq!(
        std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&db).unwrap()).unwrap();
    assert_eq!(manifest["schemaVersion"], SCHEMA_VERSION);
    assert!(
        manifest.get("rotations").is_none(),
        "rotations live in their part"
    );

    let new = store_at(&db).load().unwrap();
    assert_eq!(new.schema_version, SCHEMA_VERSION);
    assert_eq!(new.connections, old.connections);
    assert_eq!(&*new.rotations, &*old.rotations);
    assert_eq!(new.events, old.events);
    assert_eq!(new.settings, old.settings);
    assert_eq!(new.next_event_seq, old.next_event_seq);
    assert_eq!(new.key_check, old.key_check);
    let mut a: Vec<_> = new.secrets.to_vec();
    let mut b: Vec<_> = old.secrets.to_vec();
    a.sort_by(|x, y| x.name.cmp(&y.name));
    b.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(a, b);
    assert_eq!(
        new.rotations[0].name, "orders-cache",
        "the fixture's rotation"
    );

    // The values still open with the same key, at their places.
    let fresh = store_at(&db);
    assert_eq!(
        current(&fresh, "prod", "/apps/orders", "REDIS_USERNAME"),
        "orders-cache-0"
    );
    let slot = new.rotations[0].slots[0].as_ref().unwrap();
    let id = new.rotations[0].id;
    let active = cipher
        .open(
            &slot.password,
            &Binding::slot_password(id, redis_rotator::model::Slot::Zero),
        )
        .unwrap();
    assert_eq!(
        current(&fresh, "prod", "/apps/orders", "REDIS_PASSWORD"),
        active.expose()
    );

    // Writes go on in the new layout; the backup stays as it was.
    fresh
        .update_doc(|doc| doc.push_event(event("after migration")).seq)
        .unwrap();
    assert_eq!(
        store_at(&db).load().unwrap().events.back().unwrap().message,
        "after migration"
    );
    assert_eq!(std::fs::read(&backup).unwrap(), original);
}

#[test]
fn a_read_only_command_on_an_old_database_migrates_it_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    std::fs::write(&db, std::fs::read(FIXTURE).unwrap()).unwrap();
    // `secrets get` reads one place: on an old database that goes through the migration.
    assert_eq!(
        current(&store_at(&db), "prod", "/apps/orders", "REDIS_USERNAME"),
        "orders-cache-0"
    );
    assert!(dir.path().join("db.json.schema2.bak").exists());
    assert!(log_path(&db).exists());
}
