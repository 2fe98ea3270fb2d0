//! `parameters.stragglerPolicy` against a real redis-server with a live client authenticated as
//! the slot about to be re-keyed: `wait` holds the scheduled re-key (a `held` event, the
//! credential the client uses still valid), re-counts every minute, rotates once the client
//! leaves or `maxWaitHours` is up; rotate-now overrides; `rotate` (the default) never waits.

mod common;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use common::{Persist, RedisServer};
use redis_rotator::engine::{Engine, ManualClock, Timeouts};
use redis_rotator::model::request::{ParametersRequest, StragglerPolicyRequest};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::model::{EventKind, Password, Rotation, Slot};
use redis_rotator::store::{KeySource, Store};
use support::{TEST_KEY, add_connection, create_request};

struct Fixture {
    _dir: tempfile::TempDir,
    server: RedisServer,
    clock: ManualClock,
    engine: Engine,
}

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap()
}

/// A rotation rotated once by hand (so slot 0 is the previous credential, still valid), with
/// the given straggler policy; the clock stands at its next due time.
async fn fixture(policy: Option<(&str, u32)>) -> (Fixture, Rotation) {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(at(1, 10, 15));
    let store = Arc::new(Store::open(
        dir.path().join("db.json"),
        KeySource::Env(Password::new(TEST_KEY)),
    ));
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        command: Duration::from_secs(2),
    };
    let engine = Engine::with_timeouts(store, Arc::new(clock.clone()), timeouts);
    add_connection(&engine, "local", &server).await;
    let mut req = create_request("orders", "local");
    if let Some((mode, hours)) = policy {
        let params = req
            .parameters
            .get_or_insert_with(ParametersRequest::default);
        params.straggler_policy = Some(StragglerPolicyRequest {
            mode: Some(mode.into()),
            max_wait_hours: Some(hours.into()),
        });
    }
    engine.create_rotation(&req).await.expect("created");
    let r = engine
        .rotate("orders", Trigger::Manual)
        .await
        .expect("rotated");
    assert_eq!(r.active_index, Slot::One);
    clock.set(r.next_rotation_at.expect("scheduled") + chrono::Duration::seconds(5));
    (
        Fixture {
            _dir: dir,
            server,
            clock,
            engine,
        },
        r,
    )
}

/// A client authenticated as the previous credential (slot 0), as a slow app would hold it.
fn straggler(f: &Fixture) -> TcpStream {
    let creds = f.engine.credentials("orders").unwrap();
    let prev = creds.previous.expect("a previous credential");
    assert_eq!(prev.slot, Slot::Zero);
    let mut s = TcpStream::connect(("127.0.0.1", f.server.port)).unwrap();
    let (u, p) = (prev.username.as_str(), prev.password.expose());
    write!(
        s,
        "*3\r\n$4\r\nAUTH\r\n${}\r\n{u}\r\n${}\r\n{p}\r\n",
        u.len(),
        p.len()
    )
    .unwrap();
    let mut line = String::new();
    BufReader::new(s.try_clone().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "+OK", "the straggler logged in");
    s
}

fn held_events(engine: &Engine) -> Vec<redis_rotator::model::Event> {
    engine
        .snapshot()
        .unwrap()
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Held)
        .cloned()
        .collect()
}

fn advance(f: &Fixture, secs: i64) {
    f.clock
        .set(f.engine.now() + chrono::Duration::seconds(secs));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_holds_the_rekey_while_a_client_uses_the_slot_then_rotates_once_it_leaves() {
    let (f, before) = fixture(Some(("wait", 24))).await;
    let client = straggler(&f);
    let done = f.engine.run_due(4).await;
    assert_eq!(done.len(), 1);
    let r = f.engine.find_rotation("orders").unwrap();
    assert_eq!(r.active_index, Slot::One, "not re-keyed");
    let held = r.held.clone().expect("held");
    assert_eq!(held.sessions, 1);
    assert_eq!(held.username, "orders-0");
    assert_eq!(
        held.until,
        before.next_rotation_at.unwrap() + chrono::Duration::hours(24)
    );
    let prev = f.engine.credentials("orders").unwrap().previous.unwrap();
    assert!(
        f.server.can_auth(&prev.username, prev.password.expose()),
        "the straggler's credential still works"
    );
    let events = held_events(&f.engine);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].trigger, Some(Trigger::Scheduled));
    assert!(
        events[0].message.contains("1 session still uses orders-0"),
        "{}",
        events[0].message
    );

    // Not due again before the next count; at it, still held, and no second event for the
    // same count.
    assert!(f.engine.run_due(4).await.is_empty());
    advance(&f, 61);
    assert_eq!(f.engine.run_due(4).await.len(), 1);
    assert!(f.engine.find_rotation("orders").unwrap().held.is_some());
    assert_eq!(held_events(&f.engine).len(), 1);

    drop(client);
    // The server notices the closed socket on its own; count until it has.
    let mut rotated = None;
    for _ in 0..50 {
        advance(&f, 61);
        f.engine.run_due(4).await;
        let r = f.engine.find_rotation("orders").unwrap();
        if r.active_index == Slot::Zero {
            rotated = Some(r);
            break;
        }
    }
    let r = rotated.expect("rotated once the straggler left");
    assert!(r.held.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hold_ends_after_max_wait_hours_and_rotate_now_overrides_one() {
    let (f, before) = fixture(Some(("wait", 2))).await;
    let _client = straggler(&f);
    f.engine.run_due(4).await;
    assert!(f.engine.find_rotation("orders").unwrap().held.is_some());
    // Two hours after it was due, it rotates although the client is still there.
    f.clock
        .set(before.next_rotation_at.unwrap() + chrono::Duration::hours(2));
    f.engine.run_due(4).await;
    let r = f.engine.find_rotation("orders").unwrap();
    assert_eq!(r.active_index, Slot::Zero, "rotated anyway");
    assert!(r.held.is_none());

    // A fresh hold: rotate-now does not wait for it.
    let (f, _) = fixture(Some(("wait", 24))).await;
    let _client = straggler(&f);
    f.engine.run_due(4).await;
    assert!(f.engine.find_rotation("orders").unwrap().held.is_some());
    let r = f
        .engine
        .rotate("orders", Trigger::Manual)
        .await
        .expect("rotate now");
    assert_eq!(r.active_index, Slot::Zero);
    assert!(r.held.is_none(), "rotate-now clears the hold");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_rotates_on_time_with_a_client_on_the_slot() {
    let (f, _) = fixture(None).await;
    let _client = straggler(&f);
    f.engine.run_due(4).await;
    let r = f.engine.find_rotation("orders").unwrap();
    assert_eq!(r.active_index, Slot::Zero, "re-keyed on time");
    assert!(held_events(&f.engine).is_empty());
}
