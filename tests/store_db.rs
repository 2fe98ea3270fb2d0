//! The database: persistence and change detection on both backends; for the file, mode 0600,
//! crash safety, and refusing to touch a corrupt or newer file (PostgreSQL's own refusals are
//! in `store_pg`).

mod common;

use common::{Backend, event};

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use redis_rotator::model::Password;
use redis_rotator::store::{Document, KeySource, SCHEMA_VERSION, Store, StoreError};

const KEY: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";

fn store_at(path: &Path) -> Store {
    Store::open(path, KeySource::Env(Password::new(KEY)))
}

fn messages(store: &Store) -> Vec<String> {
    store
        .load()
        .unwrap()
        .events
        .iter()
        .map(|e| e.message.clone())
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn key() -> KeySource {
    KeySource::Env(Password::new(KEY))
}

/// The database file, for the file backend's own checks.
fn file_of(db: &Backend) -> Option<std::path::PathBuf> {
    (!db.is_postgres()).then(|| db.path())
}

fn a_new_database_reads_as_the_empty_document_and_is_not_written(db: &Backend) {
    let store = db.store(key());
    assert_eq!(*store.load().unwrap(), Document::default());
    if let Some(file) = file_of(db) {
        assert_eq!(store.stamp().unwrap(), None);
        assert!(!file.exists());
    }
}

fn updates_persist_and_each_handle_sees_the_others_writes(db: &Backend) {
    let store = db.store(key());
    let seq = store
        .update_doc(|doc| doc.push_event(event("first")).seq)
        .unwrap();
    assert_eq!(seq, 1);
    assert_eq!(store.write_count(), 1);

    let again = db.store(key());
    assert_eq!(messages(&again), ["first"]);
    again
        .update_doc(|doc| doc.push_event(event("second")).seq)
        .unwrap();
    // The first handle notices the other's write (the file stamp, or the commit seq).
    assert_eq!(messages(&store), ["first", "second"]);
}

#[test]
fn database_is_0600_after_a_write_and_its_folder_0700() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested").join("db.json");
    let store = store_at(&db);
    store
        .update_doc(|doc| doc.push_event(event("first")).seq)
        .unwrap();
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&redis_rotator::store::paths::lock_path(&db)), 0o600);
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    let raw: serde_json::Value = serde_json::from_slice(&std::fs::read(&db).unwrap()).unwrap();
    assert_eq!(raw["schemaVersion"], SCHEMA_VERSION);
}

fn load_returns_the_cached_document_until_another_write(db: &Backend) {
    let store = db.store(key());
    store
        .update_doc(|doc| doc.push_event(event("a")).seq)
        .unwrap();
    let (one, two) = (store.load().unwrap(), store.load().unwrap());
    assert!(std::sync::Arc::ptr_eq(&one, &two));
    let stamp = store.stamp().unwrap().unwrap();
    if let Some(file) = file_of(db) {
        // The stamp follows the commit log, which every write appends to.
        let log = redis_rotator::store::parts::log_path(&file);
        assert_eq!(
            stamp.file_len(),
            Some(std::fs::metadata(&log).unwrap().len())
        );
    }

    db.store(key())
        .update_doc(|doc| doc.push_event(event("b")).seq)
        .unwrap();
    // PostgreSQL: heard through LISTEN/NOTIFY a moment after the other handle's commit.
    common::wait_until(Duration::from_secs(10), "the stamp to move", || {
        store.stamp().unwrap().unwrap() != stamp
    });
    assert!(!std::sync::Arc::ptr_eq(&one, &store.load().unwrap()));
}

fn failing_update_writes_nothing(db: &Backend) {
    let store = db.store(key());
    let result: Result<(), StoreError> = store.update(|_| {
        Err(StoreError::Key {
            key: "test".into(),
            reason: "refused on purpose".into(),
        })
    });
    assert!(result.is_err());
    if let Some(file) = file_of(db) {
        assert!(!file.exists());
    }
    assert_eq!(store.write_count(), 0);
    assert_eq!(*db.store(key()).load().unwrap(), Document::default());
}

fn nested_update_is_an_error_not_a_deadlock(db: &Backend) {
    let store = std::sync::Arc::new(db.store(key()));
    let inner = std::sync::Arc::clone(&store);
    let nested = store
        .update_doc(move |_| inner.update_doc(|_| ()).map_err(|e| e.to_string()))
        .unwrap();
    assert!(nested.unwrap_err().contains("inside an update closure"));
    let inner = std::sync::Arc::clone(&store);
    let read = store
        .update_doc(move |_| inner.load().map(|_| ()).map_err(|e| e.to_string()))
        .unwrap();
    assert!(read.unwrap_err().contains("inside an update closure"));
}

on_both_backends!(
    a_new_database_reads_as_the_empty_document_and_is_not_written,
    updates_persist_and_each_handle_sees_the_others_writes,
    load_returns_the_cached_document_until_another_write,
    failing_update_writes_nothing,
    nested_update_is_an_error_not_a_deadlock,
);

#[test]
fn crash_between_temp_write_and_rename_leaves_the_old_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let store = store_at(&db);
    store
        .update_doc(|doc| doc.push_event(event("old")).seq)
        .unwrap();
    let before = std::fs::read(&db).unwrap();

    // The writer "crashes" after its temp file is complete but before the rename ...
    let mut newer = (*store.load().unwrap()).clone();
    newer.push_event(event("never renamed"));
    let temp = store.write_temp_only_for_test(&newer).unwrap();
    assert!(temp.exists());
    // ... and another one died halfway through writing its temp file.
    std::fs::write(dir.path().join(".db.json.tmp-99999-0"), b"{\"schemaVer").unwrap();

    assert_eq!(std::fs::read(&db).unwrap(), before);
    let restarted = store_at(&db);
    assert_eq!(messages(&restarted), ["old"]);
    restarted
        .update_doc(|doc| doc.push_event(event("after restart")).seq)
        .unwrap();
    assert_eq!(messages(&store_at(&db)), ["old", "after restart"]);
}

#[test]
fn stale_temp_files_of_crashed_writers_are_cleaned_up_by_the_next_writer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let stale = dir.path().join(".db.json.tmp-4242-7");
    let fresh = dir.path().join(".db.json.tmp-4243-0");
    let unrelated = dir.path().join(".other.json.tmp-1-1");
    for p in [&stale, &fresh, &unrelated] {
        std::fs::write(p, b"garbage").unwrap();
    }
    let old = SystemTime::now() - Duration::from_secs(600);
    for p in [&stale, &unrelated] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    store_at(&db).update_doc(|_| ()).unwrap();
    assert!(
        !stale.exists(),
        "a temp file older than a minute is removed"
    );
    assert!(fresh.exists(), "a recent one might belong to a live writer");
    assert!(unrelated.exists(), "other databases' files are not ours");
}

fn assert_refused_and_untouched(contents: &[u8], check: impl Fn(&StoreError) -> bool) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    std::fs::write(&db, contents).unwrap();
    let store = store_at(&db);

    let loaded = store.load().expect_err("load must fail");
    assert!(check(&loaded), "{loaded:?}");
    assert!(loaded.to_string().contains(&db.display().to_string()));
    assert!(loaded.to_string().contains("left untouched"));

    let updated = store
        .update_doc(|doc| doc.push_event(event("must not be written")).seq)
        .expect_err("update must fail");
    assert!(check(&updated), "{updated:?}");
    assert!(matches!(store.cipher(), Err(ref e) if check(e)));
    assert_eq!(std::fs::read(&db).unwrap(), contents, "byte-identical");
    assert_eq!(store.write_count(), 0);
}

#[test]
fn an_empty_file_is_refused_naming_it_and_never_overwritten() {
    // redis-rotator never writes an empty file: one is damage or someone else's file.
    for contents in [&b""[..], b"\n  \n"] {
        assert_refused_and_untouched(contents, |e| matches!(e, StoreError::Empty { .. }));
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    std::fs::write(&db, b"").unwrap();
    let message = store_at(&db).load().unwrap_err().to_string();
    assert!(message.contains("empty file"), "{message}");
    assert!(message.contains("move it away"), "{message}");
}

#[test]
fn corrupt_file_is_refused_by_load_and_update_and_left_byte_identical() {
    assert_refused_and_untouched(
        b"{not json",
        |e| matches!(e, StoreError::Corrupt { reason, .. } if reason.contains("line 1")),
    );
    assert_refused_and_untouched(
        b"{\"connections\": []}",
        |e| matches!(e, StoreError::Corrupt { reason, .. } if reason.contains("schemaVersion")),
    );
    assert_refused_and_untouched(b"{\"schemaVersion\": 1, \"rotations\": 7}", |e| {
        matches!(e, StoreError::Corrupt { .. })
    });
}

#[test]
fn newer_schema_is_refused_by_load_and_update_and_left_byte_identical() {
    assert_refused_and_untouched(b"{\"schemaVersion\": 999}", |e| {
        matches!(
            e,
            StoreError::FutureSchema { found: 999, supported, .. } if *supported == SCHEMA_VERSION
        )
    });
    // Even when the rest of the file would not parse as this version's schema.
    assert_refused_and_untouched(
        b"{\"schemaVersion\": 4, \"rotations\": {\"new\": true}}",
        |e| matches!(e, StoreError::FutureSchema { found: 4, .. }),
    );
}

#[test]
fn a_file_repaired_by_hand_is_picked_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    std::fs::write(&db, b"{not json").unwrap();
    let store = store_at(&db);
    assert!(store.load().is_err());
    std::fs::write(&db, b"{\"schemaVersion\": 1}").unwrap();
    assert_eq!(store.load().unwrap().schema_version, 1);
    store
        .update_doc(|doc| doc.push_event(event("ok")).seq)
        .unwrap();
    assert_eq!(messages(&store), ["ok"]);
}

#[test]
fn symlinked_database_is_written_through_to_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("volume").join("db.json");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    let link = dir.path().join("db.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();

    let via_link = store_at(&link);
    via_link
        .update_doc(|doc| doc.push_event(event("one")).seq)
        .unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(messages(&store_at(&real)), ["one"]);
    store_at(&real)
        .update_doc(|doc| doc.push_event(event("two")).seq)
        .unwrap();
    assert_eq!(messages(&via_link), ["one", "two"]);
    assert!(redis_rotator::store::paths::lock_path(&real).exists());
}
