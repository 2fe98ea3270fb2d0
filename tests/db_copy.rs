//! `db copy`: a database moved JSON → PostgreSQL → JSON is the same database (connections,
//! rotations with both slots, secrets with their history, events, settings), every sealed value
//! still opening with the key; a non-empty destination, a wrong key, an empty source and a copy
//! onto itself are refused with nothing written.

mod common;
mod support;

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

use common::{PG_PASSWORD, Persist, PgCluster, PgDatabase, RedisServer};
use redis_rotator::model::Password;
use redis_rotator::model::schedule::Trigger;
use redis_rotator::store::{Document, KeySource, Location, Store};
use support::{TEST_KEY, TestDb, add_connection, create_request};

const OTHER_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";

fn copy(home: &Path, key: &str, from: &OsStr, to: &OsStr) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
        .args(["db", "copy", "--from"])
        .arg(from)
        .arg("--to")
        .arg(to)
        .env("REDIS_ROTATOR_KEY", key)
        .env("HOME", home)
        .env_remove("REDIS_ROTATOR_DB")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn load(location: &OsStr) -> Document {
    let store = Store::open_at(
        Location::parse(location).unwrap(),
        KeySource::Env(Password::new(TEST_KEY)),
    );
    (*store.load().unwrap()).clone()
}

/// An empty database on the shared cluster (the harness's client runs off the async threads).
fn empty_pg() -> PgDatabase {
    std::thread::spawn(|| PgCluster::shared().fresh_database())
        .join()
        .unwrap()
}

/// A JSON database with two rotations rotated twice each (both slots, secret history, events)
/// and a setting.
async fn filled(server: &RedisServer) -> TestDb {
    let db = TestDb::new();
    add_connection(&db.engine, "local", server).await;
    for name in ["orders", "billing"] {
        db.engine
            .create_rotation(&create_request(name, "local"))
            .await
            .unwrap();
        db.engine.rotate(name, Trigger::Manual).await.unwrap();
    }
    db.engine
        .store()
        .update(|doc| {
            doc.settings.reconcile_interval_secs = Some(30);
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_copied_to_postgresql_and_back_is_the_same_database() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = filled(&server).await;
    let original = load(db.path().as_os_str());
    assert_eq!(original.rotations.len(), 2);
    assert!(original.secrets.iter().any(|s| s.versions.len() > 1));

    let pg = empty_pg();
    let url = pg.url();
    let out = copy(db.dir.path(), TEST_KEY, db.path().as_os_str(), url.as_ref());
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("1 connections, 2 rotations"), "{said}");
    assert!(!said.contains(PG_PASSWORD), "{said}");
    assert_eq!(
        load(url.as_ref()),
        original,
        "PostgreSQL holds the same document"
    );

    let back = db.dir.path().join("back.json");
    let out = copy(db.dir.path(), TEST_KEY, url.as_ref(), back.as_os_str());
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        load(back.as_os_str()),
        original,
        "and so does the JSON copy of it"
    );

    // And the copy works as a database: the engine rotates on it.
    let engine = support::engine_at(back);
    engine.rotate("orders", Trigger::Manual).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_into_a_database_that_is_not_empty_is_refused_naming_it() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = filled(&server).await;
    let pg = empty_pg();
    let url = pg.url();
    let first = copy(db.dir.path(), TEST_KEY, db.path().as_os_str(), url.as_ref());
    assert!(first.status.success(), "{}", text(&first));
    let before = load(url.as_ref());

    let again = copy(db.dir.path(), TEST_KEY, db.path().as_os_str(), url.as_ref());
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    let said = text(&again);
    assert!(said.contains("is not empty"), "{said}");
    assert!(
        said.contains(&format!("127.0.0.1:{}", url_port(&url))),
        "{said}"
    );
    assert!(!said.contains(PG_PASSWORD), "{said}");
    assert_eq!(load(url.as_ref()), before, "nothing written");

    // A JSON destination too.
    let out = copy(db.dir.path(), TEST_KEY, url.as_ref(), db.path().as_os_str());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains(&db.path().display().to_string()));
}

fn url_port(url: &str) -> String {
    url.rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_with_another_key_or_of_nothing_or_onto_itself_writes_nothing() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = filled(&server).await;
    let pg = empty_pg();
    let url = pg.url();

    let wrong = copy(
        db.dir.path(),
        OTHER_KEY,
        db.path().as_os_str(),
        url.as_ref(),
    );
    assert!(!wrong.status.success(), "{}", text(&wrong));
    assert_eq!(
        load(url.as_ref()),
        Document::default(),
        "nothing written with a key that does not open the source"
    );

    // One sealed value moved to another place (the admin password pasted into a secret's
    // history) opens nowhere else: the copy is refused before anything is written.
    db.engine
        .store()
        .update(|doc| {
            let admin = doc.connections[0].password.clone().unwrap();
            let entry = doc.secrets.iter_mut().next().unwrap();
            entry.versions[0].value = admin;
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
    let out = copy(db.dir.path(), TEST_KEY, db.path().as_os_str(), url.as_ref());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("nothing was written"), "{}", text(&out));
    assert_eq!(load(url.as_ref()), Document::default());

    let nothing = db.dir.path().join("missing.json");
    let out = copy(db.dir.path(), TEST_KEY, nothing.as_os_str(), url.as_ref());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("nothing to copy"), "{}", text(&out));

    let out = copy(
        db.dir.path(),
        TEST_KEY,
        db.path().as_os_str(),
        db.path().as_os_str(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("the same database"), "{}", text(&out));
    assert_eq!(load(url.as_ref()), Document::default());
}
