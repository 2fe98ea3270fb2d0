//! Two "hosts" on one PostgreSQL database: a console (the real binary in tmux) shows a rotation
//! that another process made, heard through LISTEN/NOTIFY (the console never queries the
//! database to ask whether something changed).

mod common;
mod support;
mod tmux;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Persist, RedisServer};
use support::{TEST_KEY, TestDb, add_connection, create_request};
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_shows_a_rotation_made_by_another_process_on_the_shared_database() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::postgres();
    add_connection(&db.engine, "local", &server).await;
    db.engine
        .create_rotation(&create_request("orders", "local"))
        .await
        .unwrap();
    let url = db.arg().into_string().unwrap();
    let env = vec![
        ("REDIS_ROTATOR_KEY", TEST_KEY.to_string()),
        ("HOME", db.dir.path().display().to_string()),
        ("TERM", "xterm-256color".to_string()),
    ];
    let cmd = format!("{} --db '{url}'", env!("CARGO_BIN_EXE_redis-rotator"));
    let t = Tmux::start(db.dir.path(), 120, 36, &env, &cmd);
    t.wait_for("created orders", WAIT);
    assert!(!t.screen().contains("rotated orders"), "{}", t.screen());

    // Another process (another host, for all the console knows) rotates.
    let out = Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
        .args(["--db", &url, "rotation", "rotate", "orders"])
        .env("REDIS_ROTATOR_KEY", TEST_KEY)
        .env("HOME", db.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done = Instant::now();
    let screen = t.wait_for("rotated orders → slot 1", WAIT);
    println!(
        "the console showed it {:?} after the rotation",
        done.elapsed()
    );
    assert!(!screen.contains(common::PG_PASSWORD), "{screen}");
    t.keys(&["q"]);
}
