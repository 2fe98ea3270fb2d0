//! The real binary in a real terminal (tmux): the whole wizard against a real redis-server, a
//! rotate-now, and a console that stays responsive while its server is down.

mod common;
mod support;
mod tmux;

use std::time::Duration;

use common::{Persist, RedisServer};
use support::{TEST_KEY, TestDb, add_connection, create_request, engine_at};
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(15);

fn console(db: &TestDb, width: u16, height: u16) -> Tmux {
    let env = [
        ("REDIS_ROTATOR_KEY", TEST_KEY.to_string()),
        ("HOME", db.dir.path().display().to_string()),
        ("TERM", "xterm-256color".to_string()),
    ];
    let cmd = format!(
        "{} --db '{}'",
        env!("CARGO_BIN_EXE_redis-rotator"),
        db.path().display()
    );
    Tmux::start(db.dir.path(), width, height, &env, &cmd)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_creates_a_rotation_and_rotate_now_rotates_it() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let t = console(&db, 120, 36);
    t.wait_for("Rotations (0)", WAIT);
    t.keys(&["n"]);
    // 1 Connection: none exists yet, so Enter opens the inline add form; it is tested on save.
    t.keys(&["Enter"]);
    t.wait_for("Add a connection", WAIT);
    t.type_text("shop-redis");
    t.keys(&["Tab", "Tab"]);
    t.type_text(server.host());
    t.keys(&["Tab", "C-u"]);
    t.type_text(&server.port.to_string());
    t.keys(&["Tab", "C-u"]);
    t.type_text(common::ADMIN_USER);
    t.keys(&["Tab"]);
    t.type_text(common::ADMIN_PASSWORD);
    // TLS, verify, CA, topology, [Test], then [Save] (the node list and the Sentinel fields
    // are hidden for a standalone connection).
    t.keys(&["Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Enter"]);
    let picked = t.wait_for("usable: 1 node answered", WAIT);
    assert!(picked.contains("aclfile"), "{picked}");
    assert!(
        !picked.contains(common::ADMIN_PASSWORD),
        "the password is masked"
    );
    // 1 Connection → 2 Configuration → 3 Parameters → 4 Secrets mapping → 5 Details.
    t.keys(&["Enter"]);
    t.wait_for("Rotation Interval", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Permission Scope", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("REDIS_USERNAME", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Description (optional)", WAIT);
    t.type_text("web-cache");
    t.keys(&["Enter"]);
    // 6 Review shows the exact rule with the password masked.
    let review = t.wait_for("ACL SETUSER web-cache-0 reset on >••••••", WAIT);
    assert!(review.contains("~* +@all"), "{review}");
    t.keys(&["Enter"]);
    t.wait_for("created web-cache", WAIT);

    t.keys(&["r"]);
    t.wait_for("y", WAIT);
    t.keys(&["y"]);
    let screen = t.wait_for("rotated web-cache", WAIT);
    assert!(screen.contains("web-cache-1"), "{screen}");

    // What the database holds: slot 1 active, both credentials valid on the server.
    let engine = engine_at(db.path());
    let r = engine
        .find_rotation("web-cache")
        .expect("created through the console");
    assert_eq!(r.active_index, redis_rotator::model::Slot::One);
    let creds = engine.credentials("web-cache").unwrap();
    assert!(server.can_auth(&creds.active.username, creds.active.password.expose()));
    let prev = creds.previous.unwrap();
    assert!(server.can_auth(&prev.username, prev.password.expose()));
    // No password ever reached the screen.
    assert!(!t.screen().contains(creds.active.password.expose()));

    // Esc closes the rotation's progress popup; then q quits.
    t.keys(&["Escape", "q"]);
    let end = std::time::Instant::now() + WAIT;
    while !t.exited() {
        assert!(
            std::time::Instant::now() < end,
            "q quits; the screen shows:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_stays_responsive_and_says_why_when_the_server_is_down() {
    let mut server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "shop-redis", &server).await;
    db.engine
        .create_rotation(&create_request("orders-cache", "shop-redis"))
        .await
        .unwrap();
    server.stop();
    let t = console(&db, 100, 30);
    t.wait_for("orders-cache", WAIT);
    // Selecting the rotation already probes its connection in the background; keys still work.
    t.keys(&["?"]);
    t.wait_for("quit (not while typing", WAIT);
    t.keys(&["Escape"]);
    t.keys(&["r"]);
    t.keys(&["y"]);
    let screen = t.wait_for("The active credential was left untouched", WAIT);
    assert!(
        screen.contains(&server.addr()) && screen.contains("unreachable"),
        "says which node and why: {screen}"
    );
    t.keys(&["Escape"]);
    t.wait_for("Rotation failed", WAIT);
    // Resizing redraws at the smallest supported size and below it.
    t.resize(80, 24);
    t.wait_for("orders-cache", WAIT);
    t.resize(40, 10);
    t.wait_for("too small", WAIT);
    t.resize(100, 30);
    t.wait_for("orders-cache", WAIT);
    t.keys(&["q"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_what_another_process_changed() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "shop-redis", &server).await;
    let t = console(&db, 120, 36);
    t.wait_for("Rotations (0)", WAIT);
    // Another process (its own engine on the same file) creates a rotation.
    let other = engine_at(db.path());
    other
        .create_rotation(&create_request("made-elsewhere", "shop-redis"))
        .await
        .unwrap();
    t.wait_for("made-elsewhere", Duration::from_secs(5));
    t.wait_for("Rotations (1)", Duration::from_secs(5));
    t.keys(&["q"]);
}
