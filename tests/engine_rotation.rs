//! Dual-phase rotation against a real redis-server: the active and the previous credential both
//! authenticate on every node after each rotation, the one before that does not, and the mapped
//! secrets hold the active one.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::model::RotationStatus;
use redis_rotator::model::schedule::Trigger;
use support::{TestDb, connection_request, create_request, secret};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_rotations_keep_exactly_two_valid_credentials() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    support::add_connection(e, "local", &server).await;
    let created = e
        .create_rotation(&create_request("orders-cache", "local"))
        .await
        .expect("created");
    assert_eq!(created.rotation_status, RotationStatus::Success);
    let first = e.credentials("orders-cache").unwrap();
    assert!(server.can_auth(&first.active.username, first.active.password.expose()));
    assert!(
        first.previous.is_none(),
        "slot 1 is empty until the first rotation"
    );
    assert_eq!(secret(e, "ORDERS_CACHE_USERNAME"), "orders-cache-0");
    assert_eq!(
        secret(e, "ORDERS_CACHE_PASSWORD"),
        first.active.password.expose()
    );

    let mut before_previous: Option<(String, String)> = None;
    for i in 1..=50 {
        let r = e
            .rotate("orders-cache", Trigger::Manual)
            .await
            .unwrap_or_else(|err| panic!("rotation {i}: {err}"));
        assert_eq!(r.rotation_status, RotationStatus::Success);
        let creds = e.credentials("orders-cache").unwrap();
        let prev = creds.previous.as_ref().expect("previous after a rotation");
        assert!(
            server.can_auth(&creds.active.username, creds.active.password.expose()),
            "active authenticates after rotation {i}"
        );
        assert!(
            server.can_auth(&prev.username, prev.password.expose()),
            "previous authenticates after rotation {i}"
        );
        if let Some((u, p)) = &before_previous {
            assert!(
                !server.can_auth(u, p),
                "the credential from two rotations ago is revoked after rotation {i}"
            );
        }
        assert_eq!(secret(e, "ORDERS_CACHE_USERNAME"), creds.active.username);
        assert_eq!(
            secret(e, "ORDERS_CACHE_PASSWORD"),
            creds.active.password.expose()
        );
        before_previous = Some((prev.username.clone(), prev.password.expose().to_string()));
    }
    let doc = e.snapshot().unwrap();
    let r = doc.rotation("orders-cache").unwrap();
    assert!(r.pending.is_none());
    assert_eq!(
        doc.secret("dev", "/", "ORDERS_CACHE_PASSWORD")
            .unwrap()
            .versions
            .len(),
        51
    );
    // Nothing secret reached the event log.
    let log = serde_json::to_string(&doc.events).unwrap();
    let creds = e.credentials("orders-cache").unwrap();
    assert!(!log.contains(creds.active.password.expose()));
    assert!(log.contains("rotated orders-cache"));
    // Verification proves each new password by AUTH on a kept connection, which rests as the
    // admin: no connection of the engine counts as a session of the rotation's users.
    let clients = server.cli(&["CLIENT", "LIST"]);
    for user in ["orders-cache-0", "orders-cache-1"] {
        let field = format!("user={user}");
        assert!(
            !clients.split_whitespace().any(|f| f == field),
            "no session as {user}:\n{clients}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_applies_a_new_scope_to_both_users_right_away() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    e.add_connection(
        &connection_request("local", server.host(), server.port),
        Some(support::admin_password()),
    )
    .await
    .unwrap();
    e.create_rotation(&create_request("scoped", "local"))
        .await
        .unwrap();
    e.rotate("scoped", Trigger::Manual).await.unwrap();
    let patch = serde_json::from_value(
        serde_json::json!({ "parameters": { "permissionScope": "~app:* +get +set" } }),
    )
    .unwrap();
    let r = e.update_rotation("scoped", &patch).await.expect("updated");
    assert_eq!(r.parameters.permission_scope, "~app:* +get +set");
    for user in ["scoped-0", "scoped-1"] {
        let rules = server.cli(&["ACL", "GETUSER", user]);
        // Redis 6.2 lists `keys` without the `~`.
        assert!(
            rules.contains("app:*"),
            "{user} got the new key pattern: {rules}"
        );
        assert!(!rules.contains("+@all"), "{user} lost +@all: {rules}");
    }
    // Passwords were kept: both still authenticate.
    let creds = e.credentials("scoped").unwrap();
    assert!(server.can_auth(&creds.active.username, creds.active.password.expose()));
    let prev = creds.previous.unwrap();
    assert!(server.can_auth(&prev.username, prev.password.expose()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_with_revoke_removes_both_users_and_keeps_secrets_unless_asked() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    e.add_connection(
        &connection_request("local", server.host(), server.port),
        Some(support::admin_password()),
    )
    .await
    .unwrap();
    e.create_rotation(&create_request("gone", "local"))
        .await
        .unwrap();
    e.rotate("gone", Trigger::Manual).await.unwrap();
    let out = e
        .delete_rotation("gone", true, false)
        .await
        .expect("deleted");
    assert_eq!(out.revoked_users, ["gone-0", "gone-1"]);
    assert!(out.kept.iter().any(|k| k.contains("GONE_PASSWORD")));
    let users = server.acl_users();
    assert!(!users.iter().any(|u| u.starts_with("gone-")), "{users:?}");
    let doc = e.snapshot().unwrap();
    assert!(doc.rotation("gone").is_none());
    assert!(
        doc.secret("dev", "/", "GONE_PASSWORD").is_some(),
        "secrets stay unless asked"
    );
}
