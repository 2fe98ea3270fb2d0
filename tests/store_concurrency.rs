//! Concurrent writers lose nothing: threads in one process (group-committed into few writes) and
//! separate processes (serialised by the advisory lock file, or by PostgreSQL's row lock), on
//! both backends.

mod common;

use common::{Backend, event};

use std::collections::HashSet;
use std::process::Command;
use std::sync::{Arc, Barrier};

use redis_rotator::model::Password;
use redis_rotator::store::{KeySource, Location, Store, StoreError};

const KEY: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
/// Tells a re-executed copy of this test binary to act as a writer on the given database.
const CHILD_DB_ENV: &str = "REDIS_ROTATOR_TEST_CHILD_DB";
const CHILD_UPDATES: usize = 50;

fn key() -> KeySource {
    KeySource::Env(Password::new(KEY))
}

fn store_at(db: &Backend) -> Store {
    db.store(key())
}

fn assert_distinct_consecutive_seqs(store: &Store, expected: usize) {
    let doc = store.load().unwrap();
    assert_eq!(doc.events.len(), expected);
    let seqs: HashSet<u64> = doc.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs.len(), expected, "every event has its own seq");
    assert_eq!(seqs, (1..=expected as u64).collect());
    let messages: HashSet<&str> = doc.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages.len(),
        expected,
        "no update was lost or applied twice"
    );
}

/// Not a test of its own: the body of each child process in
/// `writers_in_several_processes_lose_nothing`. Returns at once in a normal test run.
#[test]
fn child_process_appends_events() {
    let Some(db) = std::env::var_os(CHILD_DB_ENV) else {
        return;
    };
    let location = Location::parse(&db).unwrap();
    let store = Store::open_at(location, key());
    let pid = std::process::id();
    for i in 0..CHILD_UPDATES {
        store
            .update_doc(move |doc| doc.push_event(event(format!("pid {pid} update {i}"))).seq)
            .unwrap();
    }
}

fn writers_in_several_processes_lose_nothing(db: &Backend) {
    const PROCESSES: usize = 4;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_appends_events",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DB_ENV, db.arg())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let store = store_at(db);
    assert_distinct_consecutive_seqs(&store, PROCESSES * CHILD_UPDATES);
    let pids: HashSet<u32> = store.load().unwrap().events.iter().map(|e| e.pid).collect();
    assert_eq!(pids.len(), PROCESSES);
}

fn a_thousand_concurrent_updates_lose_nothing_and_share_few_writes(db: &Backend) {
    const THREADS: usize = 1000;
    let store = Arc::new(store_at(db));
    let barrier = Arc::new(Barrier::new(THREADS));
    let started = std::time::Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    barrier.wait();
                    store
                        .update_doc(move |doc| doc.push_event(event(format!("thread {i}"))).seq)
                        .unwrap()
                })
                .unwrap()
        })
        .collect();
    let seqs: HashSet<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let elapsed = started.elapsed();
    assert_eq!(seqs.len(), THREADS, "each caller got its own event back");
    assert_distinct_consecutive_seqs(&store, THREADS);
    let writes = store.write_count();
    eprintln!("{THREADS} concurrent updates: {writes} writes in {elapsed:?}");
    assert!(
        writes < THREADS as u64 / 4,
        "group commit batched: {writes} writes"
    );
    assert_distinct_consecutive_seqs(&store_at(db), THREADS);
}

fn threads_updating_in_loops_lose_nothing(db: &Backend) {
    const THREADS: usize = 8;
    const EACH: usize = 100;
    // Two handles on one database in one process (two sessions for PostgreSQL): the lock
    // serialises them too.
    let stores = [Arc::new(store_at(db)), Arc::new(store_at(db))];
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(&stores[t % 2]);
            std::thread::spawn(move || {
                for i in 0..EACH {
                    store
                        .update_doc(move |doc| doc.push_event(event(format!("{t}/{i}"))).seq)
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_distinct_consecutive_seqs(&stores[0], THREADS * EACH);
}

fn a_failing_closure_does_not_spoil_its_batch(db: &Backend) {
    let store = Arc::new(store_at(db));
    let barrier = Arc::new(Barrier::new(40));
    let handles: Vec<_> = (0..40)
        .map(|i| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                store.update(move |doc| {
                    if i % 2 == 0 {
                        Err(StoreError::Key {
                            key: "k".into(),
                            reason: format!("no {i}"),
                        })
                    } else {
                        Ok(doc.push_event(event(format!("ok {i}"))).seq)
                    }
                })
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 20);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.to_string().contains("no "))
    );
    assert_distinct_consecutive_seqs(&store, 20);
}

fn a_panicking_closure_panics_its_caller_and_others_still_commit(db: &Backend) {
    let store = Arc::new(store_at(db));
    let s = Arc::clone(&store);
    let panicked = std::thread::spawn(move || s.update_doc(|_| panic!("bug in a closure")))
        .join()
        .is_err();
    assert!(panicked);
    store
        .update_doc(|doc| doc.push_event(event("after")).seq)
        .unwrap();
    assert_distinct_consecutive_seqs(&store, 1);
}

on_both_backends!(
    writers_in_several_processes_lose_nothing,
    a_thousand_concurrent_updates_lose_nothing_and_share_few_writes,
    threads_updating_in_loops_lose_nothing,
    a_failing_closure_does_not_spoil_its_batch,
    a_panicking_closure_panics_its_caller_and_others_still_commit,
);
