//! Leftovers of a rotation deleted with "keep users and secrets": the ACL users on a
//! connection's server that belong to no rotation (listed and revoked by the engine, against a
//! real redis-server), and `secrets delete` run as the real binary.

mod common;
mod support;

use std::process::Output;

use common::{Persist, RedisServer};
use redis_rotator::engine::EngineError;
use redis_rotator::model::schedule::Trigger;
use support::{TestDb, add_connection, create_request, run};

fn text(o: &Output) -> (Option<i32>, String, String) {
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_of_a_deleted_rotation_are_listed_as_leftovers_and_revoked() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    add_connection(e, "local", &server).await;
    e.create_rotation(&create_request("kept", "local"))
        .await
        .unwrap();
    e.create_rotation(&create_request("gone", "local"))
        .await
        .unwrap();
    e.rotate("gone", Trigger::Manual).await.unwrap();
    server.cli(&["ACL", "SETUSER", "stray", "on", ">stray-pass", "+ping"]);
    assert!(
        e.leftover_users("local")
            .await
            .unwrap()
            .iter()
            .all(|u| !u.username.starts_with("kept-") && !u.username.starts_with("gone-")),
        "a live rotation's users are never leftovers"
    );

    e.delete_rotation("gone", false, false).await.unwrap();
    let left: Vec<String> = e
        .leftover_users("local")
        .await
        .unwrap()
        .into_iter()
        .inspect(|u| assert_eq!((u.nodes, u.of), (1, 1)))
        .map(|u| u.username)
        .collect();
    assert_eq!(
        left,
        ["gone-0", "gone-1", "stray"],
        "admin and default are not listed"
    );

    for protected in ["kept-0", "admin", "default"] {
        match e.revoke_leftover_user("local", protected).await {
            Err(EngineError::Refused(msg)) => assert!(msg.contains(protected), "{msg}"),
            other => panic!("{protected}: {other:?}"),
        }
    }
    assert!(server.acl_users().contains(&"kept-0".to_string()));

    e.revoke_leftover_user("local", "gone-0").await.unwrap();
    e.revoke_leftover_user("local", "gone-1").await.unwrap();
    assert!(matches!(
        e.revoke_leftover_user("local", "gone-1").await,
        Err(EngineError::NotFound { .. })
    ));
    let users = server.acl_users();
    assert!(!users.iter().any(|u| u.starts_with("gone-")), "{users:?}");
    assert!(users.contains(&"stray".to_string()));
    // Persisted: the aclfile no longer has them after a restart.
    let saved = std::fs::read_to_string(server.dir.path().join("users.acl")).unwrap();
    assert!(!saved.contains("gone-0"), "{saved}");
    let doc = e.snapshot().unwrap();
    assert!(
        doc.events.iter().any(|ev| ev
            .message
            .contains("revoked ACL user gone-0 on connection local")),
        "the revoke is in the event log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_delete_refuses_a_rotations_secret_and_removes_a_leftover_one() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    db.engine
        .create_rotation(&create_request("orders", "local"))
        .await
        .unwrap();
    let path = db.path();

    let (code, _, err) = text(&run(&path, &["secrets", "delete", "ORDERS_PASSWORD"], None));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("belongs to rotation `orders`") && err.contains("--delete-secrets"),
        "{err}"
    );
    let (code, _, err) = text(&run(&path, &["secrets", "delete", "NOPE"], None));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no secret `NOPE`") && err.contains("ORDERS_PASSWORD"),
        "{err}"
    );
    let (code, _, err) = text(&run(
        &path,
        &["secrets", "delete", "X", "--path", "no slash"],
        None,
    ));
    assert_eq!(code, Some(2), "{err}");

    db.engine
        .delete_rotation("orders", false, false)
        .await
        .unwrap();
    let (code, out, err) = text(&run(
        &path,
        &[
            "secrets",
            "delete",
            "ORDERS_PASSWORD",
            "--env",
            "dev",
            "--path",
            "/",
        ],
        None,
    ));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("deleted secret ORDERS_PASSWORD in dev /"),
        "{out}"
    );
    let (_, list, _) = text(&run(&path, &["secrets", "list"], None));
    assert!(
        !list.contains("ORDERS_PASSWORD") && list.contains("ORDERS_USERNAME"),
        "{list}"
    );
    let (code, out, err) = text(&run(&path, &["connection", "leftovers", "local"], None));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("orders-0  (on 1 of 1 nodes)"), "{out}");
    let (code, _, err) = text(&run(
        &path,
        &["connection", "revoke-user", "local", "admin"],
        None,
    ));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("admin user"), "{err}");
    let (code, out, err) = text(&run(
        &path,
        &["connection", "revoke-user", "local", "orders-0"],
        None,
    ));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("revoked ACL user orders-0"), "{out}");
    assert!(!server.acl_users().contains(&"orders-0".to_string()));
    let (_, events, _) = text(&run(&path, &["events", "list"], None));
    assert!(
        events.contains("deleted secret ORDERS_PASSWORD"),
        "{events}"
    );
}
