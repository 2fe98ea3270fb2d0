//! The PostgreSQL backend's own guarantees (the shared suites run on both backends in
//! `store_db` and `store_concurrency`): a newer layout or a row that does not parse is refused
//! and left untouched; a write that loses its connection leaves nothing half-written; handles on
//! other "hosts" catch up commit by commit, and read everything again when the commits they
//! missed were compacted away or a crash lost a commit they had seen; one place is read without
//! the rest; errors name the host and never the password; `secrets get` through the real
//! binary.

mod common;

use std::process::Command;

use chrono::Utc;
use common::{PG_PASSWORD, PgCluster, PgDatabase, event, free_port};
use redis_rotator::model::Password;
use redis_rotator::store::secrets::Writer;
use redis_rotator::store::{Binding, KeySource, Location, SCHEMA_VERSION, Store, StoreError};

const KEY: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
const OTHER_KEY: &str = "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b";

fn store_on(db: &PgDatabase, key: &str) -> Store {
    let location = Location::parse(db.url().as_ref()).unwrap();
    Store::open_at(location, KeySource::Env(Password::new(key)))
}

fn push(store: &Store, message: &'static str) -> u64 {
    store
        .update_doc(move |doc| doc.push_event(event(message)).seq)
        .unwrap()
}

fn messages(store: &Store) -> Vec<String> {
    let doc = store.load().unwrap();
    doc.events.iter().map(|e| e.message.clone()).collect()
}

/// Every table's rows as text, to prove a refused database was not touched.
fn dump(db: &PgDatabase) -> Vec<String> {
    let mut client = db.client();
    let mut out = Vec::new();
    for table in [
        "rr_meta",
        "rr_rotations",
        "rr_secrets",
        "rr_events",
        "rr_commits",
    ] {
        let rows = client
            .query(&format!("SELECT t::text FROM {table} t ORDER BY 1"), &[])
            .unwrap();
        out.extend(
            rows.iter()
                .map(|r| format!("{table}: {}", r.get::<_, String>(0))),
        );
    }
    out
}

fn seed_secret(store: &Store, env: &'static str, name: &'static str, value: &str) {
    let sealed = store.cipher().unwrap().seal(
        &Password::new(value),
        &Binding::secret_value(env, "/", name),
    );
    store
        .update_doc(move |doc| {
            doc.put_secret(env, "/", name, sealed, Writer::default(), Utc::now());
        })
        .unwrap();
}

#[test]
fn the_first_use_creates_the_tables_and_the_rows_are_the_json_shapes() {
    let db = PgCluster::shared().fresh_database();
    let store = store_on(&db, KEY);
    seed_secret(&store, "dev", "TOKEN", "s3cret-value");
    let mut client = db.client();
    let manifest: serde_json::Value = client
        .query_one("SELECT manifest FROM rr_meta", &[])
        .unwrap()
        .get(0);
    assert_eq!(manifest["schemaVersion"], SCHEMA_VERSION);
    assert!(
        manifest["keyCheck"]
            .as_str()
            .unwrap()
            .starts_with("enc:v2:")
    );
    let secret: serde_json::Value = client
        .query_one("SELECT body FROM rr_secrets WHERE name = 'TOKEN'", &[])
        .unwrap()
        .get(0);
    assert_eq!(secret["secretPath"], "/");
    let sealed = secret["versions"][0]["value"].as_str().unwrap();
    assert!(
        sealed.starts_with("enc:v2:"),
        "sealed as in the JSON database"
    );
    assert!(!dump(&db).iter().any(|row| row.contains("s3cret-value")));
    // The scheduler lease table is there for the engine.
    client
        .query("SELECT name, holder, updated_at FROM rr_lease", &[])
        .unwrap();
}

#[test]
fn a_newer_layout_is_refused_by_load_and_update_and_left_untouched() {
    let db = PgCluster::shared().fresh_database();
    push(&store_on(&db, KEY), "before");
    db.client()
        .execute("UPDATE rr_meta SET layout = 99", &[])
        .unwrap();
    let before = dump(&db);
    let store = store_on(&db, KEY);
    let loaded = store.load().expect_err("load must fail");
    assert!(
        matches!(loaded, StoreError::FutureSchema { found: 99, .. }),
        "{loaded:?}"
    );
    let text = loaded.to_string();
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(text.contains("upgrade redis-rotator"), "{text}");
    let updated = store
        .update_doc(|doc| doc.push_event(event("must not be written")).seq)
        .expect_err("update must fail");
    assert!(
        matches!(updated, StoreError::FutureSchema { .. }),
        "{updated:?}"
    );
    assert_eq!(dump(&db), before);
    assert_eq!(store.write_count(), 0);
}

#[test]
fn a_newer_document_schema_is_refused_and_left_untouched() {
    let db = PgCluster::shared().fresh_database();
    push(&store_on(&db, KEY), "before");
    db.client()
        .execute(
            "UPDATE rr_meta SET manifest = jsonb_set(manifest, '{schemaVersion}', '7')",
            &[],
        )
        .unwrap();
    let before = dump(&db);
    let store = store_on(&db, KEY);
    let e = store.load().expect_err("load must fail");
    assert!(
        matches!(e, StoreError::FutureSchema { found: 7, .. }),
        "{e:?}"
    );
    assert!(store.update_doc(|_| ()).is_err());
    assert_eq!(dump(&db), before);
}

#[test]
fn a_row_that_does_not_parse_is_refused_naming_its_table_and_left_untouched() {
    let db = PgCluster::shared().fresh_database();
    let store = store_on(&db, KEY);
    seed_secret(&store, "dev", "TOKEN", "v1");
    db.client()
        .execute(
            "UPDATE rr_secrets SET body = body || '{\"surprise\": 1}'",
            &[],
        )
        .unwrap();
    let before = dump(&db);
    let fresh = store_on(&db, KEY);
    let e = fresh.load().expect_err("load must fail");
    let text = e.to_string();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert!(text.contains("rr_secrets"), "{text}");
    assert!(text.contains("dev / TOKEN"), "{text}");
    assert!(text.contains("surprise"), "{text}");
    assert!(text.contains("left untouched"), "{text}");
    assert!(fresh.update_doc(|_| ()).is_err());
    assert_eq!(dump(&db), before);
}

#[test]
fn handles_catch_up_commit_by_commit_and_after_compaction_read_everything() {
    let db = PgCluster::shared().fresh_database();
    let (host_a, host_b) = (store_on(&db, KEY), store_on(&db, KEY));
    push(&host_a, "one");
    assert_eq!(messages(&host_b), ["one"]);
    push(&host_b, "two");
    push(&host_b, "three");
    assert_eq!(messages(&host_a), ["one", "two", "three"]);
    // Host A falls far behind: the commits it missed are compacted away.
    let started = std::time::Instant::now();
    for _ in 0..1200 {
        push(&host_b, "filler");
    }
    eprintln!(
        "one durable update on PostgreSQL: {:?} on average",
        started.elapsed() / 1200
    );
    let kept: i64 = db
        .client()
        .query_one("SELECT count(*) FROM rr_commits", &[])
        .unwrap()
        .get(0);
    assert!(kept < 1200, "older commits are compacted ({kept} kept)");
    let caught_up = host_a.load().unwrap();
    assert_eq!(caught_up.events.len(), 1203);
    assert_eq!(caught_up.events.back().unwrap().seq, 1203);
    assert_eq!(*caught_up, *store_on(&db, KEY).load().unwrap());
}

#[test]
fn a_closure_that_replaces_a_whole_table_is_written_whole_and_other_hosts_read_it() {
    let db = PgCluster::shared().fresh_database();
    let (host_a, host_b) = (store_on(&db, KEY), store_on(&db, KEY));
    seed_secret(&host_a, "dev", "ONE", "1");
    seed_secret(&host_a, "dev", "TWO", "2");
    assert_eq!(host_b.load().unwrap().secrets.len(), 2);
    host_a
        .update_doc(|doc| {
            let kept: Vec<_> = doc
                .secrets
                .iter()
                .filter(|s| s.name == "TWO")
                .cloned()
                .collect();
            doc.secrets = kept.into_iter().collect();
        })
        .unwrap();
    let names: Vec<String> = host_b
        .load()
        .unwrap()
        .secrets
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(names, ["TWO"]);
    let mut client = db.client();
    let rows: i64 = client
        .query_one("SELECT count(*) FROM rr_secrets", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
    let whole: bool = client
        .query_one(
            "SELECT ops IS NULL FROM rr_commits ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(whole, "the commit says: read everything again");
}

#[test]
fn a_deferred_write_is_visible_at_once_to_other_hosts() {
    let db = PgCluster::shared().fresh_database();
    let (writer, reader) = (store_on(&db, KEY), store_on(&db, KEY));
    let seq = writer
        .update_deferred(|doc| Ok::<_, StoreError>(doc.push_event(event("promoted")).seq))
        .unwrap();
    assert_eq!(seq, 1);
    assert_eq!(messages(&reader), ["promoted"]);
}

#[test]
fn one_place_is_read_without_the_rest_and_opens_with_the_key() {
    let db = PgCluster::shared().fresh_database();
    let writer = store_on(&db, KEY);
    seed_secret(&writer, "dev", "TOKEN", "dev-value");
    seed_secret(&writer, "prod", "TOKEN", "prod-value");
    push(&writer, "an event");
    let reader = store_on(&db, KEY);
    let place = reader.load_place("prod", "/").unwrap();
    assert_eq!(place.secrets.len(), 1);
    assert!(place.events.is_empty() && place.rotations.is_empty());
    let cipher = reader.cipher_for(&place).unwrap();
    let secret = &place.secrets[0];
    let value = cipher
        .open(
            &secret.versions.last().unwrap().value,
            &Binding::secret_value("prod", "/", "TOKEN"),
        )
        .unwrap();
    assert_eq!(value.expose(), "prod-value");
}

#[test]
fn a_wrong_key_is_refused_naming_the_database_but_not_its_password() {
    let db = PgCluster::shared().fresh_database();
    seed_secret(&store_on(&db, KEY), "dev", "TOKEN", "v");
    let e = store_on(&db, OTHER_KEY).cipher().err().expect("refused");
    assert!(matches!(e, StoreError::WrongKey { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("postgres://rr@127.0.0.1:"), "{text}");
    assert!(text.contains(&db.name), "{text}");
    assert!(!text.contains(PG_PASSWORD), "{text}");
}

#[test]
fn a_server_that_is_not_there_is_an_error_naming_the_host_at_first_use() {
    let url = format!("postgres://rr:{PG_PASSWORD}@127.0.0.1:{}/x", free_port());
    let store = Store::open_at(
        Location::parse(url.as_ref()).unwrap(),
        KeySource::Env(Password::new(KEY)),
    );
    for e in [
        store.load().unwrap_err(),
        store.update_doc(|_| ()).unwrap_err(),
    ] {
        let text = e.to_string();
        assert!(matches!(e, StoreError::Postgres { .. }), "{e:?}");
        assert!(text.contains("127.0.0.1"), "{text}");
        assert!(text.contains("check that the server runs"), "{text}");
        assert!(!text.contains(PG_PASSWORD), "{text}");
    }
}

#[test]
fn a_write_whose_connection_breaks_leaves_nothing_half_written() {
    let cluster = PgCluster::start();
    let db = cluster.fresh_database();
    let store = store_on(&db, KEY);
    push(&store, "durable");
    let before = dump(&db);
    // The server goes away while the closure runs, inside the open transaction.
    let stopped = std::sync::Arc::new(std::sync::Mutex::new(Some(cluster)));
    let in_closure = std::sync::Arc::clone(&stopped);
    let result = store.update_doc(move |doc| {
        in_closure.lock().unwrap().as_mut().unwrap().stop();
        doc.push_event(event("lost with the connection"));
        doc.push_event(event("and this one"));
    });
    let e = result.expect_err("the write cannot commit");
    let text = e.to_string();
    assert!(text.contains("127.0.0.1"), "{text}");
    assert!(!text.contains(PG_PASSWORD), "{text}");
    let mut cluster = stopped.lock().unwrap().take().unwrap();
    cluster.restart();
    assert_eq!(dump(&db), before, "nothing of the failed write is there");
    // The same handle reconnects, and its cache did not keep the failed write.
    assert_eq!(messages(&store), ["durable"]);
    push(&store, "after");
    assert_eq!(messages(&store_on(&db, KEY)), ["durable", "after"]);
}

/// A deferred commit (the promotion) that PostgreSQL acknowledged and then lost in a crash
/// before flushing it leaves its seq free, and the next commit, from another host, takes it.
/// The handles that had seen the lost commit (the one that made it, one that read it) read the
/// database again instead of taking that other commit for the one they cached: kept, the lost
/// commit hid both the other host's change and what the database really holds (a running
/// daemon believed a rotation promoted while the database held its journal, and never
/// finished it: `scheduler_pg_restart`).
#[test]
fn a_commit_lost_in_a_crash_is_never_taken_for_the_next_commit_with_its_number() {
    let mut cluster = PgCluster::start();
    // The WAL writer writes a deferred commit out within `wal_writer_delay`: long enough here
    // that the crash below surely comes first.
    let mut admin = cluster.admin();
    admin
        .batch_execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
        .unwrap();
    admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    drop(admin);
    let db = cluster.fresh_database();
    let (daemon, reader) = (store_on(&db, KEY), store_on(&db, KEY));
    push(&daemon, "durable");
    let seq = |db: &PgDatabase| -> i64 {
        db.client()
            .query_one("SELECT seq FROM rr_meta", &[])
            .unwrap()
            .get(0)
    };
    let durable = seq(&db);
    daemon
        .update_deferred(|doc| Ok::<_, StoreError>(doc.push_event(event("lost")).seq))
        .unwrap();
    assert_eq!(messages(&reader), ["durable", "lost"]);
    cluster.restart();
    assert_eq!(seq(&db), durable, "the crash lost the deferred commit");
    let other = store_on(&db, KEY);
    push(&other, "another host, after the crash");
    assert_eq!(seq(&db), durable + 1, "the lost commit's seq, taken again");
    let now = ["durable", "another host, after the crash"];
    assert_eq!(messages(&daemon), now);
    assert_eq!(messages(&reader), now);
    push(&other, "and one more");
    assert_eq!(messages(&daemon), [now[0], now[1], "and one more"]);
}

#[test]
fn secrets_get_reads_a_value_through_the_binary_with_a_url() {
    let db = PgCluster::shared().fresh_database();
    seed_secret(&store_on(&db, KEY), "dev", "TOKEN", "s3cret-value");
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
            .env("HOME", home.path())
            .env("REDIS_ROTATOR_KEY", KEY)
            .env_remove("REDIS_ROTATOR_DB")
            .env_remove("XDG_DATA_HOME")
            .arg("--db")
            .arg(db.url())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["secrets", "get", "TOKEN", "--env", "dev"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "s3cret-value");
    // Nothing was created beside a "path" that is a URL.
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);

    let out = run(&["secrets", "get", "MISSING", "--env", "dev"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains(PG_PASSWORD), "{err}");
}
