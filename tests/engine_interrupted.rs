//! A rotation a crash stopped midway (issue 10 item 5). Read-only commands stay read-only but
//! say so: `interrupted`, never `rotating…`, and the previous credential (the one being re-keyed)
//! marked unverified. A console or daemon that is already running finishes it within seconds of
//! the crash, with no restart, even when an earlier failure left an hour of backoff. A job that
//! lost its lock while another process took its rotation over promotes nothing over that
//! process's journal.

mod common;
mod support;
mod tmux;

use std::time::Duration;

use common::{Fault, FaultProxy, Persist, RedisServer, wait_until};
use redis_rotator::engine::locks;
use redis_rotator::engine::{EngineEvent, Step};
use redis_rotator::model::rotation::RetryState;
use redis_rotator::model::schedule::Trigger;
use redis_rotator::model::{EventKind, RotationStatus};
use redis_rotator::store::StoreError;
use serde_json::Value;
use support::daemon::Daemon;
use support::{TEST_KEY, TestDb, add_connection, bin, create_request, database_bytes, ok};

const WITHIN: Duration = Duration::from_secs(20);

/// `orders` on `server`, created and rotated once: slot 0 is the previous credential.
async fn rotated_once(server: &RedisServer) -> TestDb {
    let db = TestDb::new();
    add_connection(&db.engine, "shop", server).await;
    db.engine
        .create_rotation(&create_request("orders", "shop"))
        .await
        .unwrap();
    db.engine.rotate("orders", Trigger::Manual).await.unwrap();
    db
}

/// `rotation rotate orders` as its own process, aborted once the new password is applied and
/// persisted on the server: the stored previous credential no longer authenticates there.
fn crash_a_rotation(db: &TestDb) {
    let args = ["rotation", "rotate", "orders"];
    support::run_crashing(&db.path(), "after-persist", &args, None);
}

fn json_of(db: &TestDb, args: &[&str]) -> Value {
    serde_json::from_str(&ok(&bin(db.dir.path(), args, None))).expect("json")
}

/// Both stored credentials authenticate on the server, and the journal is gone.
fn assert_finished_and_consistent(db: &TestDb, server: &RedisServer) {
    let r = db.engine.find_rotation("orders").unwrap();
    assert!(r.pending.is_none(), "the journal is finished");
    assert_eq!(r.rotation_status, RotationStatus::Success);
    let creds = db.engine.credentials("orders").unwrap();
    for v in [Some(&creds.active), creds.previous.as_ref()]
        .into_iter()
        .flatten()
    {
        assert!(v.unverified.is_none(), "{:?}", v.unverified);
        assert!(
            server.can_auth(&v.username, v.password.expose()),
            "{} authenticates",
            v.username
        );
    }
}

/// Waits until the journal is finished by someone else; returns the pid that finished it.
fn wait_for_recovery_by_another_process(db: &TestDb) -> u32 {
    wait_until(WITHIN, "the interrupted rotation to be finished", || {
        db.engine
            .find_rotation("orders")
            .is_ok_and(|r| r.pending.is_none())
    });
    let doc = db.engine.snapshot().unwrap();
    let recovered = doc
        .events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::Recovered)
        .expect("a recovered event");
    assert_ne!(recovered.pid, std::process::id());
    recovered.pid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_commands_say_interrupted_and_mark_the_previous_credential_unverified() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = rotated_once(&server).await;
    let previous = db.engine.credentials("orders").unwrap().previous.unwrap();
    crash_a_rotation(&db);
    assert!(
        !server.can_auth(&previous.username, previous.password.expose()),
        "the crash re-keyed the previous user on the server"
    );
    let untouched = database_bytes(&db.path());

    let get = ok(&bin(db.dir.path(), &["rotation", "get", "orders"], None));
    assert!(
        get.contains("interrupted") && !get.contains("rotating…"),
        "{get}"
    );
    let get = json_of(&db, &["rotation", "get", "orders", "--json"]);
    assert_eq!(get["secretRotation"]["rotationStatus"], "interrupted");
    let list = ok(&bin(db.dir.path(), &["rotation", "list"], None));
    let row = list.lines().find(|l| l.starts_with("orders")).unwrap();
    assert!(row.contains("interrupted"), "{list}");
    let list = json_of(&db, &["rotation", "list", "--json"]);
    assert_eq!(list["secretRotations"][0]["rotationStatus"], "interrupted");

    let creds = ok(&bin(
        db.dir.path(),
        &["rotation", "credentials", "orders"],
        None,
    ));
    let line = |role: &str| creds.lines().find(|l| l.starts_with(role)).unwrap();
    assert!(line("previous").contains("unverified"), "{creds}");
    assert!(!line("current").contains("unverified"), "{creds}");
    let creds = json_of(&db, &["rotation", "credentials", "orders", "--json"]);
    assert_eq!(creds["previous"]["verified"], false);
    assert!(
        creds["previous"]["unverified"]
            .as_str()
            .unwrap()
            .contains("re-keying")
    );
    assert_eq!(creds["current"]["verified"], true);

    // Read-only means read-only: the journal is left for a scheduler or a changing command.
    assert!(
        database_bytes(&db.path()) == untouched,
        "a read-only command wrote"
    );

    // While a process holds the rotation's lock it is working on it: `rotating`, not interrupted.
    let id = db.engine.find_rotation("orders").unwrap().id;
    let locks_dir = redis_rotator::store::paths::locks_dir(&db.path());
    let held = locks::try_lock_rotation(&locks_dir, id).unwrap().unwrap();
    let get = json_of(&db, &["rotation", "get", "orders", "--json"]);
    assert_eq!(get["secretRotation"]["rotationStatus"], "rotating");
    drop(held);

    // The next command that changes anything finishes it; then every credential is verified.
    for (name, outcome) in db.engine.recover_all().await {
        outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_finished_and_consistent(&db, &server);
    let creds = json_of(&db, &["rotation", "credentials", "orders", "--json"]);
    assert_eq!(creds["previous"]["verified"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_daemon_finishes_an_interrupted_rotation_without_a_restart() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = rotated_once(&server).await;
    // An earlier scheduled failure left its backoff an hour out: an interrupted change must not
    // wait for it.
    let id = db.engine.find_rotation("orders").unwrap().id;
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    db.engine
        .store()
        .update(move |doc| {
            let r = doc.rotation_mut(id).unwrap();
            r.retry = Some(RetryState {
                attempts: 9,
                next_attempt_at: Some(in_an_hour),
            });
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let daemon = Daemon::start(&db, &[]);
    assert!(
        daemon.wait_for("scheduler active", WITHIN),
        "daemon started"
    );

    crash_a_rotation(&db);
    let pid = wait_for_recovery_by_another_process(&db);
    assert_eq!(pid, daemon.child.id(), "the running daemon finished it");
    assert_finished_and_consistent(&db, &server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_console_finishes_an_interrupted_rotation_without_a_restart() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = rotated_once(&server).await;
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
    let console = tmux::Tmux::start(db.dir.path(), 120, 36, &env, &cmd);
    console.wait_for("orders", WITHIN);
    // The console holds the scheduler lease once it says so in its scheduler pane.
    wait_until(WITHIN, "the console to take the scheduler lease", || {
        locks::try_lock_scheduler(&redis_rotator::store::paths::locks_dir(&db.path()))
            .unwrap()
            .is_none()
    });

    crash_a_rotation(&db);
    wait_for_recovery_by_another_process(&db);
    assert_finished_and_consistent(&db, &server);
}

/// `orders` on a connection through a proxy whose next `ACL SAVE` reply is held `held`; a job
/// rotating it is held in its round on the node (journal recorded, the change sent) while
/// another process takes the rotation over (its own journal in the store). Returns the job's error and
/// the rotation before and after.
async fn taken_over_while_persisting(
    held: Duration,
) -> (
    redis_rotator::engine::EngineError,
    redis_rotator::model::Rotation,
    redis_rotator::model::Rotation,
    uuid::Uuid,
) {
    let server = RedisServer::start(Persist::Aclfile);
    let proxy = FaultProxy::start(server.port);
    let db = TestDb::new();
    db.engine
        .add_connection(
            &support::connection_request("shop", "127.0.0.1", proxy.port),
            Some(support::admin_password()),
        )
        .await
        .expect("connection");
    let before = db
        .engine
        .create_rotation(&create_request("orders", "shop"))
        .await
        .expect("created");
    let mut events = db.engine.subscribe();
    proxy.arm("ACL SAVE", Fault::Delay(held));
    let engine = db.engine.clone();
    let job = tokio::spawn(async move { engine.rotate("orders", Trigger::Manual).await });
    loop {
        if let Ok(EngineEvent::Progress {
            step: Step::Apply,
            node: None,
            ..
        }) = events.recv().await
        {
            break;
        }
    }
    let theirs = uuid::Uuid::new_v4();
    let id = before.id;
    db.engine
        .store()
        .update(move |doc| {
            let r = doc.rotation_mut(id).expect("rotation");
            r.pending.as_mut().expect("the job's journal").job_id = theirs;
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let e = job.await.unwrap().expect_err("the job gives up");
    assert!(proxy.fired() > 0, "the persist step was held");
    let after = db.engine.find_rotation("orders").unwrap();
    (e, before, after, theirs)
}

/// A PostgreSQL session can end under a rotation's lock (a server restart, a broken connection)
/// while the job goes on: another process may then finish the job's journal and record one of
/// its own. The first job, when it comes to promote, must not overwrite that journal: the store
/// keeps the other process's journal and the active credential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_journal_another_process_took_over_promotes_nothing() {
    // Held 1.5 s: shorter than the engine's command timeout, so the step succeeds.
    let (e, before, after, theirs) = taken_over_while_persisting(Duration::from_millis(1500)).await;
    assert!(e.to_string().contains("nothing was promoted"), "{e}");
    assert_eq!(after.pending.as_ref().map(|j| j.job_id), Some(theirs));
    assert_eq!(after.rotation_status, RotationStatus::Rotating);
    assert_eq!(after.active_index, before.active_index);
    assert_eq!(after.slots, before.slots);
}

/// The same job failing its step instead (the held reply times out) does not undo on the nodes
/// what the other process may have finished, nor record its failure over that journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_journal_another_process_took_over_restores_nothing() {
    // Held 4 s: longer than the engine's command timeout (3 s), so the persist step fails.
    let (e, _, after, theirs) = taken_over_while_persisting(Duration::from_secs(4)).await;
    assert!(e.to_string().contains("nothing was restored"), "{e}");
    assert_eq!(after.pending.as_ref().map(|j| j.job_id), Some(theirs));
    assert_eq!(after.rotation_status, RotationStatus::Rotating);
}
