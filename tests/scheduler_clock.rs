//! The scheduler with a hand-moved clock: fires at the right instant, backs off 1-2-4-8-16 s then
//! hourly, catches up once after downtime, never fires a paused rotation, and a manual rotation
//! resets the schedule. Then the scheduler loop itself under tokio's paused time: it sleeps until
//! the due instant, retries on its backoff, wakes for another process's write and reconciles on
//! its period, each at the exact instant.

mod common;
mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use common::{Persist, RedisServer};
use redis_rotator::engine::scheduler::{self, SchedulerConfig, SchedulerState};
use redis_rotator::engine::{Engine, ManualClock, Timeouts};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::model::{EventKind, Password, RotationStatus};
use redis_rotator::store::{KeySource, Store};
use support::paused::{HeldTime, Wakes, advance_to, hold_time, paused_clock};
use support::{TEST_KEY, add_connection, create_request, engine_at, engine_with_clock};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

fn at(m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, min, s).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    server: RedisServer,
    clock: ManualClock,
    engine: Engine,
}

/// A rotation `name` created at 10 Jan 15:00 UTC, every 30 days at 00:00 UTC.
async fn fixture(name: &str) -> Fixture {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(at(1, 10, 15, 0, 0));
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
    let mut req = create_request(name, "local");
    req.rotation_interval = Some(30.into());
    req.rotate_at_utc =
        Some(serde_json::from_value(serde_json::json!({"hours": 0, "minutes": 0})).unwrap());
    engine.create_rotation(&req).await.expect("created");
    Fixture {
        _dir: dir,
        server,
        clock,
        engine,
    }
}

fn rotated_count(engine: &Engine) -> usize {
    engine
        .snapshot()
        .unwrap()
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Rotated)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_fires_at_the_right_instant_and_not_before() {
    let f = fixture("timely").await;
    let r = f.engine.find_rotation("timely").unwrap();
    assert_eq!(r.next_rotation_at, Some(at(2, 10, 0, 0, 0)));
    f.clock.set(at(2, 9, 23, 59, 59));
    assert!(
        f.engine.run_due(4).await.is_empty(),
        "not due one second early"
    );
    f.clock.set(at(2, 10, 0, 0, 5));
    let done = f.engine.run_due(4).await;
    assert_eq!(done.len(), 1);
    assert!(done[0].1.is_ok());
    let r = f.engine.find_rotation("timely").unwrap();
    assert_eq!(
        r.next_rotation_at,
        Some(at(3, 12, 0, 0, 0)),
        "scheduled at 10 Feb 00:00:05 → 12 Mar 00:00"
    );
    assert!(f.engine.run_due(4).await.is_empty(), "exactly once");
    assert_eq!(rotated_count(&f.engine), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_back_off_one_two_four_eight_sixteen_seconds_then_hourly() {
    let mut f = fixture("flaky").await;
    f.server.stop();
    let mut now = at(2, 10, 0, 0, 0);
    f.clock.set(now);
    let mut delays = Vec::new();
    for _ in 0..7 {
        let done = f.engine.run_due(4).await;
        assert_eq!(done.len(), 1, "attempted at {now}");
        assert!(done[0].1.is_err());
        let r = f.engine.find_rotation("flaky").unwrap();
        assert_eq!(r.rotation_status, RotationStatus::Failed);
        let next = r.retry.unwrap().next_attempt_at.unwrap();
        delays.push((next - now).num_seconds());
        f.clock.set(next - chrono::Duration::milliseconds(1));
        assert!(
            f.engine.run_due(4).await.is_empty(),
            "no attempt before the backoff elapses"
        );
        now = next;
        f.clock.set(now);
    }
    assert_eq!(delays, [1, 2, 4, 8, 16, 3600, 3600]);
    let msg = f
        .engine
        .find_rotation("flaky")
        .unwrap()
        .last_rotation_message
        .unwrap();
    assert!(msg.contains(&f.server.addr()), "{msg}");
    // The server comes back: the next attempt succeeds and the backoff is cleared.
    f.server.restart();
    let done = f.engine.run_due(4).await;
    assert!(
        done[0].1.is_ok(),
        "{:?}",
        done[0].1.as_ref().err().map(ToString::to_string)
    );
    assert!(f.engine.find_rotation("flaky").unwrap().retry.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_missed_during_downtime_is_caught_up_once() {
    let f = fixture("sleepy").await;
    // Nothing ran for three intervals.
    f.clock.set(at(5, 1, 9, 0, 0));
    let done = f.engine.run_due(4).await;
    assert_eq!(done.len(), 1);
    assert!(
        f.engine.run_due(4).await.is_empty(),
        "caught up once, not three times"
    );
    let r = f.engine.find_rotation("sleepy").unwrap();
    assert_eq!(r.next_rotation_at, Some(at(5, 31, 0, 0, 0)));
    assert_eq!(rotated_count(&f.engine), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_rotation_never_fires() {
    let f = fixture("paused").await;
    let r = f.engine.set_auto_rotation("paused", false).await.unwrap();
    assert_eq!(r.next_rotation_at, None);
    f.clock.set(at(12, 31, 0, 0, 0));
    assert!(f.engine.run_due(4).await.is_empty());
    assert_eq!(rotated_count(&f.engine), 0);
    let r = f.engine.set_auto_rotation("paused", true).await.unwrap();
    assert!(r.next_rotation_at.is_some(), "resuming schedules it again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_rotation_resets_the_schedule() {
    let f = fixture("manual").await;
    // Rotate by hand on 20 Jan at 18:00, after the 00:00 rotate-at time: a full interval passes.
    f.clock.set(at(1, 20, 18, 0, 0));
    let r = f.engine.rotate("manual", Trigger::Manual).await.unwrap();
    assert_eq!(r.next_rotation_at, Some(at(2, 20, 0, 0, 0)));
    f.clock.set(at(2, 10, 0, 0, 1));
    assert!(
        f.engine.run_due(4).await.is_empty(),
        "the old due time no longer applies"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_notify_command_does_not_stop_rotations() {
    let f = fixture("noisy").await;
    let marker = f._dir.path().join("notified.json");
    let cmd = format!("cat > {} && exit 3", marker.display());
    f.engine
        .store()
        .update(move |doc| {
            doc.settings.notify_command = Some(cmd);
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
    let r = f
        .engine
        .rotate("noisy", Trigger::Manual)
        .await
        .expect("rotation succeeds");
    assert_eq!(r.rotation_status, RotationStatus::Success);
    let doc = f.engine.snapshot().unwrap();
    assert!(doc.events.iter().any(|e| e.kind == EventKind::Rotated));
    assert!(
        doc.events
            .iter()
            .any(|e| e.kind == EventKind::NotifyFailed && e.message.contains("exit"))
    );
    let note: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&marker).unwrap()).unwrap();
    assert_eq!(note["name"], "noisy");
    assert_eq!(note["outcome"], "success");
    assert_eq!(note["environment"], "dev");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_rotation_that_cannot_even_start_backs_off_instead_of_spinning() {
    let f = fixture("orphan").await;
    // As if the database were edited by hand: the rotation's connection is gone.
    f.engine
        .store()
        .update_doc(|doc| doc.rotations[0].connection_id = uuid::Uuid::new_v4())
        .unwrap();
    f.clock.set(at(2, 10, 0, 0, 0));
    let done = f.engine.run_due(4).await;
    assert_eq!(done.len(), 1);
    let err = done[0]
        .1
        .as_ref()
        .expect_err("cannot rotate without a connection")
        .to_string();
    assert!(err.contains("connection"), "{err}");
    let r = f.engine.find_rotation("orphan").unwrap();
    assert_eq!(r.rotation_status, RotationStatus::Failed);
    assert_eq!(r.retry.as_ref().unwrap().attempts, 1);
    assert!(
        f.engine.run_due(4).await.is_empty(),
        "backs off instead of retrying at once"
    );
}

// The scheduler loop itself, under tokio's paused time held still (see `support::paused`): it
// asks the clock for each wake-up, the test moves time to it and looks once it sleeps again.

struct Scheduled {
    _held: HeldTime,
    dir: tempfile::TempDir,
    server: RedisServer,
    engine: Engine,
    wakes: Wakes,
    /// The wake-up the scheduler is asleep until.
    wake: DateTime<Utc>,
    state: watch::Receiver<SchedulerState>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

const START: (u32, u32, u32) = (1, 10, 15);

/// A rotation `name` created at 10 Jan 15:00 UTC, every 30 days at 00:00 UTC (due 10 Feb
/// 00:00), and the scheduler running on it, asleep after its first pass.
async fn scheduled(name: &str) -> Scheduled {
    // Held from the start: the setup talks to Redis too.
    let held = hold_time();
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let start = at(START.0, START.1, START.2, 0, 0);
    let (clock, mut wakes) = paused_clock(start);
    let engine = engine_with_clock(dir.path().join("db.json"), Arc::new(clock));
    add_connection(&engine, "local", &server).await;
    let mut req = create_request(name, "local");
    req.rotation_interval = Some(30.into());
    req.rotate_at_utc =
        Some(serde_json::from_value(serde_json::json!({"hours": 0, "minutes": 0})).unwrap());
    engine.create_rotation(&req).await.expect("created");
    let cancel = CancellationToken::new();
    let (state_tx, state) = watch::channel(SchedulerState::Starting);
    let task = tokio::spawn(scheduler::run(
        engine.clone(),
        SchedulerConfig::default(),
        cancel.clone(),
        state_tx,
    ));
    // First pass: the lease, a reconcile of every node, nothing due.
    let wake = wakes.next().await;
    assert_eq!(
        engine.now(),
        start,
        "time stood still through the setup's and the first pass's Redis I/O"
    );
    Scheduled {
        _held: held,
        dir,
        server,
        engine,
        wakes,
        wake,
        state,
        cancel,
        task,
    }
}

impl Scheduled {
    /// Moves time on to the scheduler's own next wake-up; back once it sleeps again.
    async fn step(&mut self) {
        self.wake = advance_to(&self.engine, &mut self.wakes, self.wake).await;
    }

    /// Moves time on to `to` in one jump; back once the scheduler sleeps again.
    async fn jump_to(&mut self, to: DateTime<Utc>) {
        self.wake = advance_to(&self.engine, &mut self.wakes, to).await;
    }

    fn next(&self) -> Option<DateTime<Utc>> {
        match *self.state.borrow() {
            SchedulerState::Active { next } => next,
            ref other => panic!("the scheduler is {other:?}"),
        }
    }

    async fn stop(self) {
        self.cancel.cancel();
        self.task.await.unwrap();
        assert_eq!(*self.state.borrow(), SchedulerState::Stopped);
    }
}

fn events_of(engine: &Engine, kind: EventKind) -> Vec<DateTime<Utc>> {
    let doc = engine.snapshot().unwrap();
    doc.events
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.at)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_scheduler_sleeps_until_the_due_instant_and_rotates_then_once() {
    let mut s = scheduled("timely").await;
    let due = at(2, 10, 0, 0, 0);
    assert_eq!(s.next(), Some(due));
    // Just before (off the 500 ms poll's beat, so only the due time itself can wake it at the
    // instant): it wakes (its poll, a reconcile pass) and leaves the rotation alone.
    s.jump_to(due - chrono::Duration::milliseconds(1300)).await;
    assert_eq!(rotated_count(&s.engine), 0);
    let r = s.engine.find_rotation("timely").unwrap();
    assert_eq!(
        r.last_rotation_attempted_at,
        Some(at(START.0, START.1, START.2, 0, 0)),
        "nothing attempted since the create"
    );
    // Then wake-up by wake-up, as it asks: the rotation starts at the due instant, not later.
    while rotated_count(&s.engine) == 0 {
        assert!(s.engine.now() < due, "not rotated by {}", s.engine.now());
        s.step().await;
    }
    assert_eq!(s.engine.now(), due);
    let r = s.engine.find_rotation("timely").unwrap();
    assert_eq!(r.last_rotation_attempted_at, Some(due));
    assert_eq!(r.last_rotated_at, Some(due));
    assert_eq!(r.next_rotation_at, Some(at(3, 12, 0, 0, 0)));
    assert_eq!(s.next(), Some(at(3, 12, 0, 0, 0)));
    for _ in 0..4 {
        s.step().await;
    }
    assert_eq!(rotated_count(&s.engine), 1, "exactly once");
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_scheduler_retries_a_failing_rotation_after_one_two_four_eight_sixteen_seconds() {
    let mut s = scheduled("flaky").await;
    s.server.stop();
    let due = at(2, 10, 0, 0, 0);
    s.jump_to(due - chrono::Duration::milliseconds(1300)).await;
    let mut attempts = Vec::new();
    while attempts.len() < 6 {
        s.step().await;
        attempts = events_of(&s.engine, EventKind::RotationFailed);
    }
    let after: Vec<i64> = attempts.iter().map(|t| (*t - due).num_seconds()).collect();
    assert_eq!(after, [0, 1, 3, 7, 15, 31]);
    assert_eq!(
        s.next(),
        Some(due + chrono::Duration::seconds(31 + 3600)),
        "then hourly"
    );
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_change_by_another_process_wakes_the_scheduler_at_its_next_poll() {
    let mut s = scheduled("watched").await;
    assert_eq!(s.next(), Some(at(2, 10, 0, 0, 0)));
    let poll = s.wake;
    assert_eq!(
        poll - s.engine.now(),
        chrono::Duration::milliseconds(500),
        "asleep until its next look at the database"
    );
    // Another process (its own engine on the same file) pauses the rotation.
    let other = engine_at(s.dir.path().join("db.json"));
    other.set_auto_rotation("watched", false).await.unwrap();
    s.step().await;
    assert_eq!(s.engine.now(), poll);
    assert_eq!(s.next(), None, "seen at the first poll after the write");
    s.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_scheduler_heals_a_node_one_reconcile_interval_after_the_last_pass() {
    let mut s = scheduled("periodic").await;
    let start = s.engine.now();
    // The node loses a user between passes (say, rebuilt).
    s.server.cli(&["ACL", "DELUSER", "periodic-0"]);
    let period = start + chrono::Duration::seconds(60);
    while events_of(&s.engine, EventKind::Healed).is_empty() {
        assert!(s.engine.now() < period, "not healed by {}", s.engine.now());
        s.step().await;
    }
    assert_eq!(s.engine.now(), period, "healed by the default 60 s pass");
    let doc = s.engine.snapshot().unwrap();
    let healed = doc
        .events
        .iter()
        .find(|e| e.kind == EventKind::Healed)
        .unwrap();
    assert_eq!(
        healed.message,
        format!(
            "healed periodic-0 on {}: the user was missing",
            s.server.addr()
        )
    );
    let creds = s.engine.credentials("periodic").unwrap();
    assert!(
        s.server
            .can_auth(&creds.active.username, creds.active.password.expose())
    );
    s.stop().await;
}
