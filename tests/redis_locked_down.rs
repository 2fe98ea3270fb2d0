//! Servers where nobody may manage ACL users: the ACL command disabled (`rename-command ACL ""`)
//! or renamed. `connection test` says so in one sentence with what to do, instead of asking for
//! grants that cannot help.

mod common;
mod support;

use common::RedisServer;
use support::{add_shop_connection, connection_request};

fn assert_one_acl_sentence(problems: &[String], addr: &str) {
    assert_eq!(problems.len(), 1, "one sentence, not a list: {problems:?}");
    let p = &problems[0];
    assert!(
        p.starts_with(&format!("{addr} does not accept ACL commands")),
        "{p}"
    );
    assert!(
        p.contains("renamed or disabled") && p.contains("remove the `rename-command ACL` line"),
        "says what to do: {p}"
    );
    assert!(!p.contains("+acl|"), "no grant can help here: {p}");
}

#[tokio::test]
async fn a_disabled_acl_command_is_named_in_one_sentence() {
    let server = RedisServer::start_with_args(&["--rename-command", "ACL", ""]);
    let db = support::TestDb::new();
    let report = db
        .engine
        .test_draft(
            &redis_rotator::model::validation::validate_connection(
                &connection_request("locked", server.host(), server.port),
                &[],
                None,
            )
            .unwrap(),
            Some(support::admin_password()),
        )
        .await;
    assert!(!report.ok());
    assert_one_acl_sentence(&report.problems, &server.addr());
    // The node line still shows what the server is.
    let node = &report.nodes[0];
    assert_eq!(
        node.server.unwrap().to_string(),
        common::server_under_test().0
    );
    assert!(!node.can_set_user);
}

#[test]
fn a_renamed_acl_command_stops_connection_add_with_the_same_sentence() {
    let server = RedisServer::start_with_args(&["--rename-command", "ACL", "ACL-7f3a9c"]);
    let dir = tempfile::tempdir().unwrap();
    let out = add_shop_connection(dir.path(), server.port);
    assert_eq!(
        out.status.code(),
        Some(1),
        "operation failed, not bad input"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("was not saved"), "{stderr}");
    let problems: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains("does not accept ACL commands") || l.contains("NOPERM"))
        .map(|l| l.trim_start_matches("error: ").to_string())
        .collect();
    assert_one_acl_sentence(&problems, &server.addr());
}
