//! Delivering credentials against a real redis-server: file sinks rewritten after every
//! promotion (content, mode, an atomic replace seen by a reader looping during rotations), a
//! failing reload retried and reported without undoing the rotation, and `run --watch`
//! restarting a child that prints its environment.

mod common;
mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Persist, RedisServer};
use redis_rotator::model::EventKind;
use redis_rotator::model::request::RotationRequest;
use redis_rotator::model::schedule::Trigger;
use support::{TEST_KEY, TestDb, add_connection, create_request, secret};

fn with_sinks(name: &str, sinks: serde_json::Value) -> RotationRequest {
    let mut req = create_request(name, "local");
    req.sinks = Some(serde_json::from_value(sinks).expect("sinks"));
    req
}

fn dotenv_pair(text: &str) -> Option<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != 2 || !text.ends_with('\n') {
        return None;
    }
    let value = |l: &str, key: &str| {
        l.strip_prefix(&format!("{key}=\""))?
            .strip_suffix('"')
            .map(str::to_string)
    };
    Some((
        value(lines[0], "ORDERS_USERNAME")?,
        value(lines[1], "ORDERS_PASSWORD")?,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_sinks_hold_the_current_credentials_and_a_reader_only_ever_sees_whole_files() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    let app = db.dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    let env_file = app.join("redis.env");
    let json_file = app.join("redis.json");
    let url_file = app.join("redis.url");
    let req = with_sinks(
        "orders",
        serde_json::json!([
            { "type": "file", "path": env_file, "format": "dotenv", "mode": "0640" },
            { "type": "file", "path": json_file, "format": "json" },
            { "type": "file", "path": url_file, "format": "template",
              "template": "redis://{{ username }}:{{ password }}@127.0.0.1:6379/0" },
        ]),
    );
    db.engine.create_rotation(&req).await.expect("created");
    let first = dotenv_pair(&std::fs::read_to_string(&env_file).unwrap()).expect("whole file");
    assert_eq!(
        first.1,
        secret(&db.engine, "ORDERS_PASSWORD"),
        "written at create"
    );

    // A reader loops over the file while rotations replace it.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, path) = (stop.clone(), env_file.clone());
        std::thread::spawn(move || {
            let (mut reads, mut partial, mut seen) =
                (0, Vec::new(), std::collections::HashSet::new());
            while !stop.load(Ordering::Relaxed) {
                let text = std::fs::read_to_string(&path).expect("the file always exists");
                match dotenv_pair(&text) {
                    Some((_, p)) if p.len() == 64 => {
                        seen.insert(p);
                    }
                    _ => partial.push(text),
                }
                reads += 1;
            }
            (reads, partial, seen.len())
        })
    };
    for _ in 0..20 {
        db.engine
            .rotate("orders", Trigger::Manual)
            .await
            .expect("rotated");
    }
    stop.store(true, Ordering::Relaxed);
    let (reads, partial, distinct) = reader.join().unwrap();
    assert!(partial.is_empty(), "partial files seen: {partial:?}");
    assert!(
        distinct > 1,
        "the reader saw the file change ({reads} reads)"
    );

    let (user, password) = dotenv_pair(&std::fs::read_to_string(&env_file).unwrap()).unwrap();
    assert_eq!(user, secret(&db.engine, "ORDERS_USERNAME"));
    assert_eq!(password, secret(&db.engine, "ORDERS_PASSWORD"));
    assert!(server.can_auth(&user, &password));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&env_file), 0o640);
    assert_eq!(mode(&json_file), 0o600, "the default mode");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    assert_eq!(json["ORDERS_PASSWORD"], password.as_str());
    assert_eq!(
        std::fs::read_to_string(&url_file).unwrap(),
        format!("redis://{user}:{password}@127.0.0.1:6379/0")
    );
    let leftovers: Vec<_> = std::fs::read_dir(&app)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_reload_is_retried_and_reported_and_never_undoes_the_rotation() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    let d = db.dir.path();
    let file = d.join("redis.env");
    let marker = d.join("reloaded-once");
    // Fails the first time it runs after each rotation's first attempt, then succeeds.
    let reload = format!(
        "if [ -e {m} ]; then rm {m}; exit 0; else touch {m}; echo 'app not ready' >&2; exit 3; fi",
        m = marker.display()
    );
    let req = with_sinks(
        "orders",
        serde_json::json!([{ "type": "file", "path": file, "reload": reload }]),
    );
    db.engine.create_rotation(&req).await.expect("created");
    let before = secret(&db.engine, "ORDERS_PASSWORD");
    let r = db
        .engine
        .rotate("orders", Trigger::Manual)
        .await
        .expect("the rotation stands whatever the sink does");
    let after = secret(&db.engine, "ORDERS_PASSWORD");
    assert_ne!(before, after);
    assert!(server.can_auth(&r.username_for(r.active_index), &after));
    let (_, written) = dotenv_pair(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written, after, "the retry delivered the new credentials");
    let doc = db.engine.snapshot().unwrap();
    let failures: Vec<&str> = doc
        .events
        .iter()
        .filter(|e| e.kind == EventKind::SinkFailed)
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        failures.len(),
        2,
        "one failed attempt at create and one at rotate: {failures:?}"
    );
    for m in &failures {
        assert!(
            m.contains("exited with 3: app not ready")
                && m.contains("attempt 1 of 4; retrying in 1s"),
            "{m}"
        );
        assert!(
            !m.contains(&before) && !m.contains(&after),
            "no secret in {m}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_watch_restarts_a_child_that_prints_its_env() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    db.engine
        .create_rotation(&create_request("orders", "local"))
        .await
        .expect("created");
    let mut run = Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
        .args([
            "run",
            "--env",
            "dev",
            "--path",
            "/",
            "--watch",
            "--restart",
            "--",
        ])
        .args(["sh", "-c", "echo \"$ORDERS_PASSWORD\"; exec sleep 1000"])
        .env("REDIS_ROTATOR_DB", db.path())
        .env("REDIS_ROTATOR_KEY", TEST_KEY)
        .env("HOME", db.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run --watch");
    let mut lines = BufReader::new(run.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert_eq!(first, secret(&db.engine, "ORDERS_PASSWORD"));
    db.engine
        .rotate("orders", Trigger::Manual)
        .await
        .expect("rotated");
    let pid = run.id() as i32;
    let second = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || lines.next().unwrap().unwrap()),
    )
    .await
    .unwrap_or_else(|_| {
        // SAFETY: kill(2) on our own child's pid, so nothing outlives the failed test.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        panic!("run --watch did not restart its child within 60 s of the rotation")
    })
    .unwrap();
    assert_ne!(second, first);
    assert_eq!(
        second,
        secret(&db.engine, "ORDERS_PASSWORD"),
        "restarted with the new value"
    );
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(run.id() as i32, libc::SIGTERM) }, 0);
    let status = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::task::spawn_blocking(move || run.wait().unwrap())
            .await
            .unwrap()
    })
    .await
    .expect("run --watch stops on SIGTERM and stops its child");
    assert!(status.success(), "{status:?}");
}
