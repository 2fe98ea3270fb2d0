//! Sentinel topology against real processes: a master, two replicas and three Sentinels
//! (`--sentinel`, the same binary) on loopback. The Sentinels are asked for the master and its
//! replicas at every rotation, so a `SENTINEL FAILOVER` between rotations is followed, and one
//! during rotations never leaves a stored credential that does not authenticate.

mod common;
mod support;

use std::sync::Arc;

use common::{MASTER_NAME, SentinelSet};
use redis_rotator::model::schedule::Trigger;
use support::sentinel::{
    assert_both_credentials_everywhere, connection_add_args, sentinel_request,
};
use support::{TestDb, admin_password, create_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_test_lists_the_sentinels_and_every_node_they_name() {
    let set = SentinelSet::start();
    let db = TestDb::new();
    let (conn, report) = db
        .engine
        .add_connection(&sentinel_request(&set), Some(admin_password()))
        .await
        .expect("saved");
    assert_eq!(conn.master_name.as_deref(), Some(MASTER_NAME));
    let master = set.master().addr();
    assert_eq!(report.sentinels.len(), 3, "{:?}", report.sentinels);
    for s in &report.sentinels {
        assert_eq!(s.master.as_deref(), Some(master.as_str()), "{s:?}");
        assert_eq!(s.peers, 2, "each knows the two others: {s:?}");
        assert_eq!(s.error, None);
    }
    let mut nodes: Vec<(String, String)> = report
        .nodes
        .iter()
        .map(|n| (n.address.clone(), n.role.clone().unwrap_or_default()))
        .collect();
    nodes.sort();
    let mut expected: Vec<(String, String)> = set
        .nodes
        .iter()
        .map(|n| {
            let role = if n.addr() == master {
                "master"
            } else {
                "slave"
            };
            (n.addr(), role.to_string())
        })
        .collect();
    expected.sort();
    assert_eq!(nodes, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_name_the_sentinels_do_not_monitor_is_named() {
    let set = SentinelSet::start();
    let db = TestDb::new();
    let mut req = sentinel_request(&set);
    req.master_name = Some("nobody".into());
    let err = db
        .engine
        .add_connection(&req, Some(admin_password()))
        .await
        .expect_err("unknown master name")
        .to_string();
    assert!(err.contains("monitors no master named `nobody`"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_between_rotations_is_followed() {
    let set = SentinelSet::start();
    let db = TestDb::new();
    let e = &db.engine;
    e.add_connection(&sentinel_request(&set), Some(admin_password()))
        .await
        .expect("saved");
    e.create_rotation(&create_request("orders", "watched"))
        .await
        .unwrap();
    e.rotate("orders", Trigger::Manual).await.expect("first");
    assert_both_credentials_everywhere(e, &set, "orders");

    let old = set.master().addr();
    let new_port = set.failover();
    assert_ne!(old, format!("127.0.0.1:{new_port}"));

    e.rotate("orders", Trigger::Manual)
        .await
        .expect("rotates after the failover");
    assert_both_credentials_everywhere(e, &set, "orders");
    // The connection test names the new master, asked of the Sentinels.
    let report = e.test_connection("watched").await.unwrap();
    let master = report
        .nodes
        .iter()
        .find(|n| n.role.as_deref() == Some("master"))
        .expect("a master");
    assert_eq!(master.address, format!("127.0.0.1:{new_port}"));
    assert!(report.ok(), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failover_during_rotations_leaves_only_credentials_that_authenticate() {
    let set = Arc::new(SentinelSet::start());
    let db = TestDb::new();
    let e = db.engine.clone();
    e.add_connection(&sentinel_request(&set), Some(admin_password()))
        .await
        .expect("saved");
    e.create_rotation(&create_request("orders", "watched"))
        .await
        .unwrap();
    let failover = {
        let set = Arc::clone(&set);
        tokio::task::spawn_blocking(move || set.failover())
    };
    // Rotations back to back while the failover runs (bounded: it settles within seconds).
    let (mut ok, mut failed) = (0, 0);
    while !failover.is_finished() && ok + failed < 2000 {
        match e.rotate("orders", Trigger::Manual).await {
            Ok(_) => ok += 1,
            Err(_) => failed += 1,
        }
    }
    failover.await.unwrap();
    eprintln!("during the failover: {ok} rotations done, {failed} failed");
    assert!(
        ok > 0,
        "rotations ran during the failover ({failed} failed)"
    );
    // Every attempt ended compensated or done: the stored pair authenticates everywhere, and
    // the next rotation (on the new master) works.
    assert!(e.find_rotation("orders").unwrap().pending.is_none());
    assert_both_credentials_everywhere(&e, &set, "orders");
    e.rotate("orders", Trigger::Manual)
        .await
        .expect("rotates after the failover");
    assert_both_credentials_everywhere(&e, &set, "orders");
}

#[test]
fn the_command_line_adds_and_tests_a_sentinel_connection() {
    let set = SentinelSet::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sentinels = set.sentinel_addrs();
    let args = connection_add_args(&sentinels, &[]);
    let added = support::ok(&support::bin(
        d,
        &args,
        Some(&format!("{}\n", common::ADMIN_PASSWORD)),
    ));
    let master = set.master().addr();
    assert!(
        added.contains(&format!("sentinel {}: master at {master}", sentinels[0])),
        "{added}"
    );
    let test: serde_json::Value = serde_json::from_str(&support::ok(&support::bin(
        d,
        &["connection", "test", "watched", "--json"],
        None,
    )))
    .unwrap();
    assert_eq!(test["sentinels"].as_array().unwrap().len(), 3, "{test}");
    assert_eq!(test["sentinels"][0]["master"], master.as_str());
    assert_eq!(test["nodes"].as_array().unwrap().len(), 3, "{test}");
    let list: serde_json::Value = serde_json::from_str(&support::ok(&support::bin(
        d,
        &["connection", "list", "--json"],
        None,
    )))
    .unwrap();
    let conn = &list["connections"][0];
    assert_eq!(conn["topology"], "sentinel");
    assert_eq!(conn["masterName"], MASTER_NAME);
    assert_eq!(conn["port"], set.sentinels[0].port);
}
