//! A rotation reuses the admin connections of the last one (no PING round before it): its first
//! round on the nodes (`ACL GETUSER`, sessions) proves them alive. When the server dropped them
//! meanwhile, the rotation connects afresh and succeeds, with both credentials on the node.
//! Its change (`ACL SETUSER`, `ACL SAVE`, and the proof `AUTH`/`ACL WHOAMI`) travels on a kept
//! verification connection, so a rotation after the first opens no connection at all.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::model::RotationStatus;
use redis_rotator::model::schedule::Trigger;
use support::{TestDb, create_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_after_the_server_dropped_every_kept_connection_reconnects_and_succeeds() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    support::add_connection(e, "local", &server).await;
    e.create_rotation(&create_request("orders-cache", "local"))
        .await
        .expect("created");
    e.rotate("orders-cache", Trigger::Manual)
        .await
        .expect("first rotation, which keeps its connections");

    // Every client but redis-cli itself: the kept admin and verification connections.
    let killed = server.cli(&["CLIENT", "KILL", "TYPE", "normal"]);
    assert_ne!(
        killed.trim(),
        "0",
        "the kept connections were there to drop"
    );

    let r = e
        .rotate("orders-cache", Trigger::Manual)
        .await
        .expect("the rotation reconnects instead of failing");
    assert_eq!(r.rotation_status, RotationStatus::Success);
    let creds = e.credentials("orders-cache").unwrap();
    assert!(server.can_auth(&creds.active.username, creds.active.password.expose()));
    let previous = creds.previous.expect("previous credential");
    assert!(server.can_auth(&previous.username, previous.password.expose()));
}

/// A counter of `INFO <section>`: `total_connections_received` in `stats`, or the `calls=` of
/// a command in `commandstats` (`cmdstat_acl|getuser`).
fn counter(server: &RedisServer, section: &str, field: &str) -> u64 {
    let info = server.cli(&["INFO", section]);
    let line = info
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(&format!("{field}:"))
                .map(str::to_string)
        })
        .unwrap_or_default();
    let value = line
        .split(',')
        .find_map(|kv| kv.strip_prefix("calls="))
        .unwrap_or(&line);
    value.parse().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_on_kept_connections_opens_none_reads_only_the_active_user_and_saves() {
    let mut server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    support::add_connection(e, "local", &server).await;
    e.create_rotation(&create_request("orders-cache", "local"))
        .await
        .expect("created");
    e.rotate("orders-cache", Trigger::Manual)
        .await
        .expect("first rotation, which keeps its connections");

    let opened = counter(&server, "stats", "total_connections_received");
    let getusers = counter(&server, "commandstats", "cmdstat_acl|getuser");
    let saves = counter(&server, "commandstats", "cmdstat_acl|save");
    let whoamis = counter(&server, "commandstats", "cmdstat_acl|whoami");
    e.rotate("orders-cache", Trigger::Manual)
        .await
        .expect("rotated");
    assert_eq!(
        counter(&server, "stats", "total_connections_received"),
        opened + 4,
        "only this test's four redis-cli connections since: the rotation opened none"
    );
    // Redis 6.2 counts `ACL` as one command (per-subcommand stats came with 7.0): there, the
    // rotation's commands cannot be told apart, and only the connections and the restart below
    // are checked.
    if !server
        .cli(&["INFO", "commandstats"])
        .contains("cmdstat_acl|")
    {
        println!("this server has no per-subcommand stats: ACL command counts not checked");
    } else {
        assert_acl_commands(&server, getusers, saves, whoamis);
    }

    // Saved: both credentials survive a restart.
    server.restart();
    let creds = e.credentials("orders-cache").unwrap();
    assert!(server.can_auth(&creds.active.username, creds.active.password.expose()));
    let previous = creds.previous.expect("previous credential");
    assert!(server.can_auth(&previous.username, previous.password.expose()));
}

/// Since the counts `getusers`, `saves` and `whoamis`: one of each.
fn assert_acl_commands(server: &RedisServer, getusers: u64, saves: u64, whoamis: u64) {
    assert_eq!(
        counter(server, "commandstats", "cmdstat_acl|getuser"),
        getusers + 1,
        "the re-keyed user is set whole, so only the active one is read"
    );
    assert_eq!(
        counter(server, "commandstats", "cmdstat_acl|save"),
        saves + 1
    );
    assert_eq!(
        counter(server, "commandstats", "cmdstat_acl|whoami"),
        whoamis + 1,
        "the new credential was proven"
    );
}
