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
    console_with(db, width, height, &[])
}

fn console_with(db: &TestDb, width: u16, height: u16, extra: &[(&str, String)]) -> Tmux {
    let mut env = vec![
        ("REDIS_ROTATOR_KEY", TEST_KEY.to_string()),
        ("HOME", db.dir.path().display().to_string()),
        ("TERM", "xterm-256color".to_string()),
    ];
    env.extend_from_slice(extra);
    let cmd = format!(
        "{} --db '{}'",
        env!("CARGO_BIN_EXE_redis-rotator"),
        db.path().display()
    );
    Tmux::start(db.dir.path(), width, height, &env, &cmd)
}

/// In the wizard's "Add a connection" form: `shop-redis` on `server` as the harness admin, then
/// [Save] (which tests it first).
fn fill_and_save_connection(t: &Tmux, server: &RedisServer) {
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
    fill_and_save_connection(&t, &server);
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

/// The screen as one line of words: borders gone, runs of blanks (line ends included) one space,
/// so a sentence the console wrapped reads whole.
fn flat(screen: &str) -> String {
    screen
        .chars()
        .map(|c| {
            if "│┌┐└┘├┤─".contains(c) {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Waits until the flattened screen contains `text` (a sentence the console may have wrapped).
fn wait_for_flat(t: &Tmux, text: &str) -> String {
    let end = std::time::Instant::now() + WAIT;
    loop {
        let s = t.screen();
        if flat(&s).contains(text) {
            return s;
        }
        assert!(
            std::time::Instant::now() < end,
            "screen never showed {text:?}; it shows:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The operator's walk at the smallest supported size, 80×24: the wizard creates a rotation;
/// rotate now while an app is still logged in as the slot about to be re-keyed (the prompt says
/// so, and the app stays connected); the history lists every attempt; the credentials screen
/// reveals both passwords whole, exactly as stored, after the rotation it was not open for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_walks_wizard_rotation_history_and_credentials_at_80x24() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    // Sample live sessions every second, so the straggler is counted without a long wait.
    let t = console_with(
        &db,
        80,
        24,
        &[("REDIS_ROTATOR_HEALTH_EVERY", "1".to_string())],
    );
    t.wait_for("Rotations (0)", WAIT);
    t.keys(&["n", "Enter"]);
    fill_and_save_connection(&t, &server);
    wait_for_flat(&t, "usable: 1 node answered");
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
    wait_for_flat(&t, "ACL SETUSER web-cache-0 reset on >••••••");
    t.keys(&["Enter"]);
    t.wait_for("created web-cache", WAIT);
    // The detail pane's node line, in a 40-column half at 80×24, names the server whole (it
    // continues on the next row rather than stopping at `master red`).
    let (kind, (major, minor, patch)) = common::server_under_test();
    let node = t.wait_for(&format!("{kind} {major}.{minor}.{patch} · aclfile"), WAIT);
    assert!(
        node.contains(&format!("✓ {} master", server.addr())),
        "{node}"
    );

    // A first rotate-now: slot 1 becomes active, slot 0 the previous credential.
    t.keys(&["r"]);
    wait_for_flat(&t, "Rotate web-cache now?");
    t.keys(&["y"]);
    wait_for_flat(&t, "rotated web-cache → slot 1");
    t.keys(&["Escape"]);

    // An app still logged in as web-cache-0, the slot the next rotation re-keys.
    let engine = engine_at(db.path());
    let creds = engine.credentials("web-cache").unwrap();
    let old = creds.previous.expect("slot 0 is the previous credential");
    assert_eq!(old.username, "web-cache-0");
    let mut app = support::live_client(server.port, &old.username, old.password.expose());

    // The prompt counts it once the console has sampled it; until then it says it has not.
    let warning = "⚠ 1 live session still uses web-cache-0: it stays connected";
    let end = std::time::Instant::now() + WAIT;
    loop {
        t.keys(&["r"]);
        let prompt = wait_for_flat(&t, "Rotate web-cache now?");
        if flat(&prompt).contains(warning) {
            assert!(
                flat(&prompt).contains("reconnect with the old password will fail"),
                "{prompt}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "the rotate prompt never counted the live session:\n{prompt}"
        );
        t.keys(&["n"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    t.keys(&["y"]);
    wait_for_flat(&t, "rotated web-cache → slot 0");
    t.keys(&["Escape"]);
    // Re-keying its user did not disconnect the app.
    {
        use std::io::{BufRead, BufReader, Write};
        app.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
        let mut line = String::new();
        BufReader::new(app.try_clone().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "+PONG", "the live session survived the re-key");
    }

    // History: Enter opens the rotation on its History tab; every attempt is there.
    t.keys(&["Enter"]);
    let history = wait_for_flat(&t, "Attempts (3");
    let words = flat(&history);
    assert!(
        words.contains("rotated web-cache → slot 0")
            && words.contains("rotated web-cache → slot 1")
            && words.contains("created web-cache → slot 0"),
        "{history}"
    );
    t.keys(&["Escape"]);

    // Credentials: masked first, then revealed whole, both exactly what the store holds now.
    let creds = engine.credentials("web-cache").unwrap();
    let current = creds.active.password.expose().to_string();
    let previous = creds
        .previous
        .expect("slot 1 is previous")
        .password
        .expose()
        .to_string();
    assert_eq!(
        current.len(),
        48,
        "the default length, longer than a clipped cell"
    );
    t.keys(&["v"]);
    let masked = t.wait_for("Passwords are masked", WAIT);
    assert!(
        !masked.contains(&current[..8]) && !masked.contains(&previous[..8]),
        "{masked}"
    );
    t.keys(&["r"]);
    let shown = t.wait_for("Shown whole", WAIT);
    for (what, password) in [("current", &current), ("previous", &previous)] {
        let line = shown.lines().find(|l| l.contains(&password[..8]));
        let line = line.unwrap_or_else(|| panic!("the {what} password is not on screen:\n{shown}"));
        assert!(
            line.contains(password.as_str()),
            "the {what} password is cut ({line:?}); it must be shown whole:\n{shown}"
        );
    }
    assert!(server.can_auth("web-cache-0", &current));
    assert!(server.can_auth("web-cache-1", &previous));

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

#[test]
fn the_demo_server_goes_when_the_terminal_does() {
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("HOME", home.path().display().to_string()),
        ("TERM", "xterm-256color".to_string()),
    ];
    let cmd = format!("{} demo", env!("CARGO_BIN_EXE_redis-rotator"));
    let t = Tmux::start(home.path(), 100, 30, &env, &cmd);
    let screen = t.wait_for("master", WAIT);
    let port: u16 = screen
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("the demo server's address on screen: {screen}"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    // Closing the terminal (an SSH session that drops) hangs the demo up, with no clean exit.
    drop(t);
    common::wait_until(
        Duration::from_secs(10),
        "the demo's redis-server to stop with the demo",
        || std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
    );
}
