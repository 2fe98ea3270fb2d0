//! Engine-level helpers for integration tests: a temp database with an in-memory key, a
//! connection to a harness server, a create request like the seed document's.

#![allow(dead_code)]

pub mod daemon;
pub mod paused;
pub mod sentinel;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use redis_rotator::engine::{Clock, Engine, SystemClock, Timeouts};
use redis_rotator::model::Password;
use redis_rotator::model::request::{ConnectionRequest, RotationRequest};
use redis_rotator::store::{KeySource, Location, Store};

use crate::common::{Backend, RedisServer};

pub const TEST_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";

/// A test's database (`common::Backend`: a JSON file or a PostgreSQL database) with an engine
/// on it; `db.dir`, `db.pg`, `db.path()` and `db.arg()` are the backend's.
pub struct TestDb {
    pub backend: Backend,
    pub engine: Engine,
}

impl std::ops::Deref for TestDb {
    type Target = Backend;

    fn deref(&self) -> &Backend {
        &self.backend
    }
}

impl TestDb {
    /// A JSON database in a temp folder.
    pub fn new() -> TestDb {
        TestDb::with(Backend::file())
    }

    /// A fresh database on the shared throwaway PostgreSQL cluster.
    pub fn postgres() -> TestDb {
        TestDb::with(Backend::postgres())
    }

    /// `db`, a PostgreSQL database of the test's own cluster.
    pub fn on(db: crate::common::PgDatabase) -> TestDb {
        TestDb::with(Backend::on(db))
    }

    fn with(backend: Backend) -> TestDb {
        let engine = engine_on(backend.location(), Arc::new(SystemClock));
        TestDb { backend, engine }
    }

    /// Another engine on this database: what another process (or host) sees and does.
    pub fn other_engine(&self) -> Engine {
        engine_on(self.location(), Arc::new(SystemClock))
    }
}

pub fn engine_at(path: PathBuf) -> Engine {
    engine_with_clock(path, Arc::new(SystemClock))
}

/// An engine on the database at `path` whose time (and the scheduler's waits) is `clock`'s.
pub fn engine_with_clock(path: PathBuf, clock: Arc<dyn Clock>) -> Engine {
    engine_on(Location::File(path), clock)
}

/// An engine on the database at `location` whose time is `clock`'s.
pub fn engine_on(location: Location, clock: Arc<dyn Clock>) -> Engine {
    let store = Arc::new(Store::open_at(
        location,
        KeySource::Env(Password::new(TEST_KEY)),
    ));
    let timeouts = Timeouts {
        connect: Duration::from_secs(3),
        command: Duration::from_secs(3),
    };
    Engine::with_timeouts(store, clock, timeouts)
}

pub fn connection_request(name: &str, host: &str, port: u16) -> ConnectionRequest {
    ConnectionRequest {
        name: Some(name.into()),
        host: Some(host.into()),
        port: Some(port.into()),
        username: Some("admin".into()),
        ..Default::default()
    }
}

/// The seed document's sample request, with whole numbers, for `name` on `connection`.
pub fn create_request(name: &str, connection: &str) -> RotationRequest {
    let body = serde_json::json!({
        "name": name,
        "projectId": "ignored",
        "description": "test rotation",
        "connectionId": connection,
        "environment": "dev",
        "secretPath": "/",
        "isAutoRotationEnabled": true,
        "rotationInterval": 2,
        "rotateAtUtc": { "hours": 11, "minutes": 29 },
        "parameters": {
            "passwordRequirements": {
                "length": 64,
                "required": { "digits": 1, "lowercase": 1, "uppercase": 1, "symbols": 1 },
                "allowedSymbols": "@!+"
            },
            "permissionScope": "~* +@all"
        },
        "secretsMapping": { "username": format!("{}_USERNAME", name.to_uppercase().replace('-', "_")), "password": format!("{}_PASSWORD", name.to_uppercase().replace('-', "_")) }
    });
    serde_json::from_value(body).expect("request")
}

/// The current value of a secret, opened.
pub fn secret(engine: &Engine, name: &str) -> String {
    let doc = engine.snapshot().expect("snapshot");
    let entry = doc
        .secret("dev", "/", name)
        .unwrap_or_else(|| panic!("secret {name} missing"));
    let cipher = engine.store().cipher().expect("cipher");
    cipher
        .open(
            &entry.current().expect("a version").value,
            &redis_rotator::store::Binding::secret_value("dev", "/", name),
        )
        .expect("open")
        .expose()
        .to_string()
}

/// The harness's admin password (every test crate that uses `support` also has `mod common`).
pub fn admin_password() -> Password {
    Password::new(crate::common::ADMIN_PASSWORD)
}

/// Adds a connection named `name` to a harness server.
pub async fn add_connection(engine: &Engine, name: &str, server: &crate::common::RedisServer) {
    engine
        .add_connection(
            &connection_request(name, server.host(), server.port),
            Some(admin_password()),
        )
        .await
        .unwrap_or_else(|e| panic!("connection {name}: {e}"));
}

/// A `replication` connection request on `primary` (its replicas are found by discovery).
pub fn replication_request(name: &str, primary: &RedisServer) -> ConnectionRequest {
    let mut req = connection_request(name, primary.host(), primary.port);
    req.topology = Some("replication".into());
    req
}

/// A `nodes` connection request over `addrs` (`host:port`; the first is also the seed).
pub fn nodes_request(name: &str, addrs: &[String]) -> ConnectionRequest {
    let (host, port) = addrs[0].rsplit_once(':').expect("host:port");
    let mut req = connection_request(name, host, port.parse().expect("port"));
    req.topology = Some("nodes".into());
    req.nodes = Some(addrs.to_vec());
    req
}

/// Adds the connection `req` with the harness admin password; returns the connection test's
/// report.
pub async fn add_request(
    engine: &Engine,
    req: &ConnectionRequest,
) -> redis_rotator::engine::ConnectionReport {
    let (_, report) = engine
        .add_connection(req, Some(admin_password()))
        .await
        .unwrap_or_else(|e| panic!("connection {:?}: {e}", req.name));
    report
}

/// Adds the connection `pair`: topology `nodes` over two harness servers (what a fault on one
/// node of several needs). Returns the connection test's report.
pub async fn add_pair_connection(
    engine: &Engine,
    a: &RedisServer,
    b: &RedisServer,
) -> redis_rotator::engine::ConnectionReport {
    add_request(engine, &nodes_request("pair", &[a.addr(), b.addr()])).await
}

/// Both stored credentials of `rotation` (active and previous) authenticate on every server.
pub fn assert_both_authenticate(engine: &Engine, rotation: &str, servers: &[&RedisServer]) {
    let creds = engine.credentials(rotation).unwrap();
    let previous = creds.previous.expect("a previous credential");
    for s in servers {
        for c in [&creds.active, &previous] {
            assert!(
                s.can_auth(&c.username, c.password.expose()),
                "{} does not authenticate on {}",
                c.username,
                s.addr()
            );
        }
    }
}

/// The real binary on the JSON database `db` (its folder is `HOME`), with the test key and no
/// `REDIS_ROTATOR_DB` from the environment.
pub fn command(db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redis-rotator"));
    cmd.arg("--db")
        .arg(db)
        .env("REDIS_ROTATOR_KEY", TEST_KEY)
        .env("HOME", db.parent().expect("a database file in a folder"))
        .env_remove("REDIS_ROTATOR_DB");
    cmd
}

/// `cmd` run to its end, with `stdin` fed when given.
fn feed(mut cmd: Command, stdin: Option<&str>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redis-rotator");
    if let Some(input) = stdin {
        // A command that refuses its arguments exits without reading stdin: that is its answer
        // (checked by the caller), not a failure to feed it.
        match child.stdin.take().unwrap().write_all(input.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.unwrap(),
        }
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// The real binary on the JSON database `db`, run to its end (`stdin` fed when given).
pub fn run(db: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = command(db);
    cmd.args(args);
    feed(cmd, stdin)
}

/// The real binary on the database `db.json` in `dir`.
pub fn bin(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    run(&dir.join("db.json"), args, stdin)
}

/// The real binary on the JSON database `db`, aborted at the crash point `point` (test builds
/// only); fails the test unless it died there.
pub fn run_crashing(db: &Path, point: &str, args: &[&str], stdin: Option<&str>) {
    let mut cmd = command(db);
    cmd.args(args).env("REDIS_ROTATOR_TEST_CRASH_AT", point);
    let out = feed(cmd, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains(&format!("crash injected at {point}")),
        "the process must die at {point}: {stderr}"
    );
}

/// Stdout of a command that must have succeeded (stderr in the failure message).
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `connection add shop` through the binary: the harness server on `port`, admin password on stdin.
pub fn add_shop_connection(dir: &Path, port: u16) -> Output {
    add_shop_connection_with(dir, port, &[])
}

/// `add_shop_connection` with more arguments (e.g. `--json`).
pub fn add_shop_connection_with(dir: &Path, port: u16, extra: &[&str]) -> Output {
    let port = port.to_string();
    let mut args = vec![
        "connection",
        "add",
        "--name",
        "shop",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--username",
        "admin",
        "--password-stdin",
    ];
    args.extend_from_slice(extra);
    bin(
        dir,
        &args,
        Some(&format!("{}\n", crate::common::ADMIN_PASSWORD)),
    )
}

/// `rotation create --file` through the binary with `request` written next to the database.
pub fn create_rotation(dir: &Path, request: &RotationRequest) -> Output {
    let file = dir.join("req.json");
    std::fs::write(&file, serde_json::to_string(request).unwrap()).unwrap();
    bin(
        dir,
        &["rotation", "create", "--file", file.to_str().unwrap()],
        None,
    )
}

/// The whole stored document as JSON, read through the store (the database is split over
/// several files: see `store::parts`).
pub fn stored_document(db: &Path) -> serde_json::Value {
    let store = Store::open(db, KeySource::Env(Password::new(TEST_KEY)));
    serde_json::to_value(&*store.load().expect("load")).expect("json")
}

/// Replaces the database with `doc` written as one schema-2 file, as the previous release kept
/// it (e.g. edited by hand); the next write migrates it again.
pub fn write_as_schema_2(db: &Path, mut doc: serde_json::Value) {
    doc["schemaVersion"] = 2.into();
    let mut parts = db.as_os_str().to_owned();
    parts.push(".d");
    let _ = std::fs::remove_dir_all(PathBuf::from(parts));
    std::fs::write(db, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

/// Every file of the database (manifest, parts, commit log), to compare before and after.
pub fn database_bytes(db: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut parts = db.as_os_str().to_owned();
    parts.push(".d");
    let mut files = vec![db.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(PathBuf::from(parts)) {
        files.extend(entries.map(|e| e.unwrap().path()));
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// A client authenticated as `user` on `port` that stays connected, as a slow app holds its
/// session: a straggler on that user until it is dropped.
pub fn live_client(port: u16, user: &str, password: &str) -> std::net::TcpStream {
    use std::io::{BufRead, BufReader};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "*3\r\n$4\r\nAUTH\r\n${}\r\n{user}\r\n${}\r\n{password}\r\n",
        user.len(),
        password.len()
    )
    .unwrap();
    let mut line = String::new();
    BufReader::new(s.try_clone().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "+OK", "the live client logged in as {user}");
    s
}
