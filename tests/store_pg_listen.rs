//! Other hosts' writes reach this process through `LISTEN`/`NOTIFY`: the listener's generation
//! moves on a notification, and on reconnecting after the server restarts (notifications sent
//! while nobody listened are lost, so a reconnect counts as a change).

mod common;

use std::time::Duration;

use common::PgCluster;
use redis_rotator::store::pg::{CHANGES_CHANNEL, Listener, Target};

/// Waits (on a runtime of its own: the harness's client must not run on tokio) until the
/// listener's generation passes `after`; returns it.
fn moved_past(listener: &Listener, after: u64) -> u64 {
    let mut changed = listener.subscribe();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(Duration::from_secs(20), changed.wait_for(|g| *g > after))
                .await
                .expect("the generation moved")
                .expect("the listener runs");
        });
    listener.generation()
}

#[test]
fn a_commit_announced_elsewhere_moves_the_generation() {
    let db = PgCluster::shared().fresh_database();
    let listener = Listener::start(Target::parse(&db.url()).unwrap());
    // Listening (the first connection counts as a change: nothing was heard before it).
    let listening = moved_past(&listener, 0);
    db.client()
        .batch_execute(&format!("NOTIFY {CHANGES_CHANNEL}, '42'"))
        .unwrap();
    assert!(moved_past(&listener, listening) > listening);
}

#[test]
fn a_server_restart_counts_as_a_change_and_listening_resumes() {
    let mut cluster = PgCluster::start();
    let db = cluster.fresh_database();
    let listener = Listener::start(Target::parse(&db.url()).unwrap());
    let listening = moved_past(&listener, 0);
    cluster.restart();
    let again = moved_past(&listener, listening);
    // Heard after the restart too.
    db.client()
        .batch_execute(&format!("NOTIFY {CHANGES_CHANNEL}, '43'"))
        .unwrap();
    moved_past(&listener, again);
}
