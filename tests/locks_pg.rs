//! Rotation locks and the scheduler lease on a shared PostgreSQL database: advisory locks held
//! by one session per process, refused to any other holder (same process or not), released
//! when the holding process dies or its session ends, and looked at without being taken.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{PgCluster, PgDatabase, wait_until};
use redis_rotator::engine::locks::{LockSpace, key_of};
use redis_rotator::store::pg::Target;
use uuid::Uuid;

/// Awaits `f` on a runtime of its own: the tests stay synchronous, since the harness's
/// PostgreSQL client (like the store's) must not run on a tokio thread.
fn on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn space(db: &PgDatabase) -> LockSpace {
    LockSpace::postgres(Target::parse(&db.url()).unwrap())
}

/// Advisory locks granted in `db` right now, by any session.
fn advisory_locks(db: &PgDatabase) -> i64 {
    db.client()
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND d.datname = current_database() AND l.granted",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_held_rotation_lock_refuses_a_second_holder_in_the_same_process() {
    let db = PgCluster::shared().fresh_database();
    let locks = space(&db);
    let other = space(&db);
    let id = Uuid::new_v4();
    let first = on(locks.try_lock_rotation(id))
        .unwrap()
        .expect("first holder");
    // The same lock space (two tasks of one process) and another one both refuse: the server
    // would grant the lock again to the session holding it (advisory locks are re-entrant), so
    // the process's own held-set refuses.
    assert!(on(locks.try_lock_rotation(id)).unwrap().is_none());
    assert!(on(other.try_lock_rotation(id)).unwrap().is_none());
    assert!(locks.is_rotation_locked(id));
    assert!(other.is_rotation_locked(id));
    // Another rotation's lock is free.
    let second = on(locks.try_lock_rotation(Uuid::new_v4())).unwrap();
    assert!(second.is_some());
    drop(first);
    // The unlock goes to the keeper before this question does, and one unlock frees it (the
    // refused second take did not stack a second grant on the session).
    assert!(!locks.is_rotation_locked(id));
    assert!(!other.is_rotation_locked(id));
    // Kept while `locks` asks: a guard dropped at once would send its unlock, racing the ask.
    let _theirs = on(other.try_lock_rotation(id))
        .unwrap()
        .expect("the other holder");
    assert!(on(locks.try_lock_rotation(id)).unwrap().is_none());
}

/// Returns once `locks`' keeper has handled every unlock sent before (it answers in order).
fn settled(locks: &LockSpace) {
    let _ = locks.is_rotation_locked(Uuid::new_v4());
}

/// This database's sessions opened by redis-rotator (`application_name`), per backend pid.
fn rotator_sessions(db: &PgDatabase) -> Vec<i32> {
    db.client()
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = 'redis-rotator' ORDER BY pid",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The backends holding advisory locks in `db`, with how many each.
fn lock_holders(db: &PgDatabase) -> Vec<(i32, i64)> {
    db.client()
        .query(
            "SELECT l.pid, count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND d.datname = current_database() AND l.granted \
             GROUP BY l.pid ORDER BY l.pid",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

#[test]
fn a_process_holds_all_its_locks_on_one_session() {
    let db = PgCluster::shared().fresh_database();
    let locks = space(&db);
    assert!(rotator_sessions(&db).is_empty(), "no session before a lock");
    // A full batch at the scheduler's default parallelism, and the lease.
    let lease = on(locks.try_lock_scheduler()).unwrap().expect("lease");
    let ids: Vec<Uuid> = (0..64).map(|_| Uuid::new_v4()).collect();
    let guards: Vec<_> = ids
        .iter()
        .map(|id| on(locks.try_lock_rotation(*id)).unwrap().expect("free"))
        .collect();
    let sessions = rotator_sessions(&db);
    assert_eq!(sessions.len(), 1, "one session for 65 locks: {sessions:?}");
    assert_eq!(lock_holders(&db), vec![(sessions[0], 65)]);
    // Each is refused to another process while held, and free once dropped.
    let other = space(&db);
    assert!(on(other.try_lock_rotation(ids[7])).unwrap().is_none());
    assert!(on(other.try_lock_scheduler()).unwrap().is_none());
    assert_eq!(
        rotator_sessions(&db).len(),
        2,
        "the other process has its own"
    );
    for g in &guards {
        assert!(on(locks.is_held(g)));
    }
    drop(guards);
    settled(&locks);
    assert_eq!(
        lock_holders(&db),
        vec![(sessions[0], 1)],
        "only the lease left"
    );
    let _theirs = on(other.try_lock_rotation(ids[7]))
        .unwrap()
        .expect("released");
    assert!(on(locks.is_held(&lease)));
    // The same session serves the next batch.
    let again: Vec<_> = ids
        .iter()
        .filter_map(|id| on(locks.try_lock_rotation(*id)).unwrap())
        .collect();
    assert_eq!(
        again.len(),
        63,
        "all but the one the other process holds now"
    );
    assert!(rotator_sessions(&db).contains(&sessions[0]));
    assert_eq!(rotator_sessions(&db).len(), 2);
}

#[test]
fn a_terminated_lock_session_ends_every_guard_and_a_new_session_takes_over() {
    let db = PgCluster::shared().fresh_database();
    let locks = space(&db);
    let other = space(&db);
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let lease = on(locks.try_lock_scheduler()).unwrap().expect("lease");
    let held_a = on(locks.try_lock_rotation(a)).unwrap().expect("a");
    let held_b = on(locks.try_lock_rotation(b)).unwrap().expect("b");
    let sessions = rotator_sessions(&db);
    assert_eq!(sessions.len(), 1);
    let killed: bool = db
        .client()
        .query_one("SELECT pg_terminate_backend($1)", &[&sessions[0]])
        .unwrap()
        .get(0);
    assert!(killed);
    wait_until(Duration::from_secs(10), "the session gone", || {
        rotator_sessions(&db).is_empty()
    });
    for (what, guard) in [("lease", &lease), ("a", &held_a), ("b", &held_b)] {
        assert!(
            !on(locks.is_held(guard)),
            "{what} reports its session ended"
        );
    }
    // The server released them: another process gets them.
    let other_a = on(other.try_lock_rotation(a)).unwrap().expect("a released");
    // This process still refuses a lock whose dead guard a task still holds (it may still be
    // working under it), and takes a new one on a new session.
    assert!(on(locks.try_lock_rotation(b)).unwrap().is_none());
    let c = on(locks.try_lock_rotation(Uuid::new_v4()))
        .unwrap()
        .expect("a new lock on a new session");
    assert!(on(locks.is_held(&c)));
    let new_session = rotator_sessions(&db);
    assert_eq!(new_session.len(), 2, "the other's and our new one");
    assert!(!new_session.contains(&sessions[0]));
    // The lease is not silently taken again: the old guard stays dead; asked again, it is new.
    assert!(!on(locks.is_held(&lease)));
    drop(lease);
    let lease = on(locks.try_lock_scheduler())
        .unwrap()
        .expect("lease again");
    assert!(on(locks.is_held(&lease)));
    // Dropping the dead guard of b frees b in this process and unlocks nothing on the new
    // session: b taken again, then the old guard of a (held elsewhere) dropped, and the new
    // session's locks are all still there.
    drop(held_b);
    let b_again = on(locks.try_lock_rotation(b)).unwrap().expect("b again");
    drop(held_a);
    assert!(on(locks.is_held(&b_again)));
    assert!(on(locks.is_held(&lease)));
    assert!(on(other.try_lock_rotation(b)).unwrap().is_none());
    assert!(on(other.try_lock_scheduler()).unwrap().is_none());
    // a is the other process's, so this one is refused.
    assert!(on(locks.try_lock_rotation(a)).unwrap().is_none());
    // Ours: the lease, b and c on the new session; the other process's: a.
    let mut counts: Vec<i64> = lock_holders(&db).into_iter().map(|(_, n)| n).collect();
    counts.sort();
    assert_eq!(counts, vec![1, 3]);
    drop(other_a);
}

#[test]
fn asking_whether_a_rotation_is_locked_takes_and_creates_nothing() {
    let db = PgCluster::shared().fresh_database();
    let locks = space(&db);
    let id = Uuid::new_v4();
    assert!(!locks.is_rotation_locked(id));
    assert_eq!(advisory_locks(&db), 0, "no lock taken by asking");
    let tables: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "nothing created by asking");
    let held = on(space(&db).try_lock_rotation(id)).unwrap().unwrap();
    assert!(locks.is_rotation_locked(id));
    assert_eq!(advisory_locks(&db), 1, "only the holder's lock");
    drop(held);
}

/// Run as a child by the test below: takes the rotation lock named in the environment, says
/// so, and holds it until killed.
#[test]
#[ignore = "a child process of a_lock_held_by_another_process_is_refused_until_it_is_killed"]
fn child_holds_a_rotation_lock() {
    let (Ok(url), Ok(id)) = (
        std::env::var("RR_TEST_LOCK_URL"),
        std::env::var("RR_TEST_LOCK_ID"),
    ) else {
        return;
    };
    let locks = LockSpace::postgres(Target::parse(&url).unwrap());
    let held = on(locks.try_lock_rotation(id.parse().unwrap()))
        .unwrap()
        .expect("the child takes the lock");
    println!("lock held");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(held);
}

#[test]
fn a_lock_held_by_another_process_is_refused_until_it_is_killed() {
    let db = PgCluster::shared().fresh_database();
    let id = Uuid::new_v4();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_holds_a_rotation_lock",
            "--ignored",
            "--nocapture",
        ])
        .env("RR_TEST_LOCK_URL", db.url())
        .env("RR_TEST_LOCK_ID", id.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let said = out
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("lock held"));
    assert!(said, "the child took the lock");
    let locks = space(&db);
    assert!(on(locks.try_lock_rotation(id)).unwrap().is_none());
    assert!(locks.is_rotation_locked(id));
    // kill -9: no unlock is ever sent; the server ends the session, and the lock with it.
    child.kill().unwrap();
    child.wait().unwrap();
    wait_until(Duration::from_secs(10), "the lock released", || {
        !locks.is_rotation_locked(id)
    });
    assert!(on(locks.try_lock_rotation(id)).unwrap().is_some());
}

#[test]
fn the_scheduler_lease_is_one_holders_and_records_who() {
    let db = PgCluster::shared().fresh_database();
    // The lease table as the store's schema creates it.
    db.client()
        .batch_execute(
            "CREATE TABLE rr_lease (name text PRIMARY KEY, holder jsonb NOT NULL, updated_at timestamptz)",
        )
        .unwrap();
    let LockSpace::Postgres(a) = space(&db) else {
        unreachable!()
    };
    let b = space(&db);
    let lease = on(LockSpace::Postgres(a.clone()).try_lock_scheduler())
        .unwrap()
        .expect("first holder");
    assert!(on(b.try_lock_scheduler()).unwrap().is_none());
    assert_eq!(
        a.read_holder("scheduler").unwrap(),
        None,
        "nothing recorded yet"
    );
    let held = lease_pg(&lease);
    on(a.write_holder(held, "scheduler", serde_json::json!({"pid": 7}))).unwrap();
    let LockSpace::Postgres(b_pg) = &b else {
        unreachable!()
    };
    assert_eq!(
        b_pg.read_holder("scheduler").unwrap(),
        Some(serde_json::json!({"pid": 7}))
    );
    drop(lease);
    // A holder that let go is no longer shown, though its row stays.
    wait_until(Duration::from_secs(10), "the lease released", || {
        b_pg.read_holder("scheduler").unwrap().is_none()
    });
    assert!(on(b.try_lock_scheduler()).unwrap().is_some());
    assert_ne!(
        key_of("scheduler"),
        key_of(&format!("rotation-{}", Uuid::nil()))
    );
}

fn lease_pg(
    guard: &redis_rotator::engine::locks::LockGuard,
) -> &redis_rotator::engine::locks::PgHeld {
    guard.pg_held().expect("a PostgreSQL lease")
}

#[test]
fn a_server_restart_ends_the_lease_and_it_can_be_taken_again() {
    let mut cluster = PgCluster::start();
    let db = cluster.fresh_database();
    let locks = space(&db);
    let lease = on(locks.try_lock_scheduler()).unwrap().expect("lease");
    let rotation = on(locks.try_lock_rotation(Uuid::new_v4())).unwrap();
    assert!(on(locks.is_held(&lease)));
    cluster.restart();
    assert!(
        !on(locks.is_held(&lease)),
        "the lease's session ended with the server"
    );
    // Dropping guards of a dead session is harmless, and the next lock opens a new session.
    drop(rotation);
    drop(lease);
    let again = on(locks.try_lock_scheduler()).unwrap().expect("retaken");
    assert!(on(locks.is_held(&again)));
    assert!(on(space(&db).try_lock_scheduler()).unwrap().is_none());
}
