//! One user, two passwords (SPEC 2.3 "One-user strategy") and adopting an existing user, against
//! a real redis-server: the user holds exactly the store's two passwords after every rotation,
//! the previous one stays valid until the next rotation, `default` keeps its permissions, and an
//! adoption proves the current password by a fresh login before anything is written.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::engine::{Engine, EngineError};
use redis_rotator::model::Password;
use redis_rotator::model::request::RotationRequest;
use redis_rotator::model::schedule::Trigger;
use redis_rotator::redis::acl::password_hash;
use support::{TestDb, add_connection, bin, create_request, ok, secret};

/// `create_request(name, conn)` with strategy one-user on `username`.
fn one_user_request(name: &str, conn: &str, username: &str) -> RotationRequest {
    let mut req = create_request(name, conn);
    let p = req.parameters.as_mut().unwrap();
    p.strategy = Some("one-user".into());
    p.username = Some(username.into());
    if username == "default" {
        p.permission_scope = None;
    }
    req
}

fn hashes_on(server: &RedisServer, user: &str) -> Vec<String> {
    server.password_hashes(user)
}

/// The hashes of the stored credentials (active and previous), sorted.
fn stored_hashes(e: &Engine, name: &str) -> Vec<String> {
    let c = e.credentials(name).unwrap();
    let mut h: Vec<String> = std::iter::once(&c.active)
        .chain(c.previous.as_ref())
        .map(|s| password_hash(&s.password))
        .collect();
    h.sort();
    h
}

/// Everything `ACL GETUSER` says about a user except its passwords.
fn permissions_of(server: &RedisServer, user: &str) -> String {
    let out = server.cli(&["ACL", "GETUSER", user]);
    out.lines()
        .filter(|l| !(l.len() == 64 && l.chars().all(|c| c.is_ascii_hexdigit())))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_keeps_exactly_the_active_and_previous_password() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    add_connection(e, "local", &server).await;
    e.create_rotation(&one_user_request("orders", "local", "orders-app"))
        .await
        .expect("created");
    let first = e.credentials("orders").unwrap();
    assert_eq!(first.active.username, "orders-app");
    assert!(server.can_auth("orders-app", first.active.password.expose()));
    assert_eq!(hashes_on(&server, "orders-app"), stored_hashes(e, "orders"));
    assert!(
        !server
            .acl_users()
            .iter()
            .any(|u| u.starts_with("orders-app-")),
        "no <base>-0/-1 users in one-user mode"
    );

    let mut two_ago: Option<String> = None;
    let mut previous = first.active.password.expose().to_string();
    for i in 1..=6 {
        e.rotate("orders", Trigger::Manual)
            .await
            .unwrap_or_else(|err| panic!("rotation {i}: {err}"));
        let c = e.credentials("orders").unwrap();
        let prev = c.previous.as_ref().expect("previous after a rotation");
        assert_eq!(prev.username, "orders-app");
        assert_eq!(
            prev.password.expose(),
            previous,
            "the last active is now previous"
        );
        assert!(server.can_auth("orders-app", c.active.password.expose()));
        assert!(
            server.can_auth("orders-app", prev.password.expose()),
            "previous stays valid until the next rotation ({i})"
        );
        if let Some(old) = &two_ago {
            assert!(
                !server.can_auth("orders-app", old),
                "removed at rotation {i}"
            );
        }
        assert_eq!(
            hashes_on(&server, "orders-app"),
            stored_hashes(e, "orders"),
            "exactly the two stored passwords after rotation {i}"
        );
        assert_eq!(secret(e, "ORDERS_USERNAME"), "orders-app");
        assert_eq!(secret(e, "ORDERS_PASSWORD"), c.active.password.expose());
        two_ago = Some(previous);
        previous = c.active.password.expose().to_string();
    }
    // Persisted: the aclfile holds the same two passwords after a restart.
    let mut server = server;
    server.restart();
    assert_eq!(hashes_on(&server, "orders-app"), stored_hashes(e, "orders"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_create_refuses_an_existing_user_unless_adopted() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&["ACL", "SETUSER", "legacy", "on", ">legacy-pw", "~*", "+get"]);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    let err = db
        .engine
        .create_rotation(&one_user_request("orders", "local", "legacy"))
        .await
        .expect_err("an existing user is not taken silently");
    assert!(matches!(err, EngineError::Invalid(_)), "{err}");
    assert!(
        err.to_string().contains("--current-password-stdin"),
        "{err}"
    );
    assert!(db.engine.find_rotation("orders").is_err());
    assert!(server.can_auth("legacy", "legacy-pw"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopting_the_default_user_rotates_its_passwords_and_never_its_permissions() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&[
        "ACL",
        "SETUSER",
        "default",
        "on",
        "resetpass",
        ">legacy-pw",
        ">spare-pw",
        "resetkeys",
        "~cache:*",
        "-@all",
        "+get",
        "+set",
        "+ping",
    ]);
    let permissions = permissions_of(&server, "default");
    let db = TestDb::new();
    let e = &db.engine;
    add_connection(e, "local", &server).await;
    e.create_adopting(
        &one_user_request("legacy-app", "local", "default"),
        Some(Password::new("legacy-pw")),
    )
    .await
    .expect("adopted");
    let c = e.credentials("legacy-app").unwrap();
    assert_eq!(c.active.username, "default");
    assert_eq!(
        c.previous.as_ref().map(|p| p.password.expose().to_string()),
        Some("legacy-pw".to_string()),
        "the current password is the previous credential"
    );
    assert!(server.can_auth("default", "legacy-pw"), "apps keep working");
    assert!(server.can_auth("default", c.active.password.expose()));
    assert_eq!(permissions_of(&server, "default"), permissions);
    assert!(
        !server.can_auth("default", "spare-pw"),
        "one-user keeps exactly two passwords"
    );
    let doc = e.snapshot().unwrap();
    assert!(
        doc.events.iter().any(|ev| ev
            .message
            .contains("1 other password(s) it held were removed")),
        "the event log says what adoption removed"
    );

    e.rotate("legacy-app", Trigger::Manual)
        .await
        .expect("rotated");
    let after = e.credentials("legacy-app").unwrap();
    assert!(
        !server.can_auth("default", "legacy-pw"),
        "the adopted password goes at the next rotation"
    );
    assert!(server.can_auth("default", after.active.password.expose()));
    assert!(server.can_auth("default", c.active.password.expose()));
    assert_eq!(
        hashes_on(&server, "default"),
        stored_hashes(e, "legacy-app")
    );
    assert_eq!(
        permissions_of(&server, "default"),
        permissions,
        "only passwords change for default"
    );
    let err = e
        .delete_rotation("legacy-app", true, false)
        .await
        .expect_err("default cannot be revoked");
    assert!(err.to_string().contains("cannot delete"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adoption_with_a_wrong_current_password_writes_nothing() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&["ACL", "SETUSER", "legacy", "on", ">legacy-pw", "~*", "+get"]);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    let err = db
        .engine
        .create_adopting(
            &one_user_request("orders", "local", "legacy"),
            Some(Password::new("not-the-password")),
        )
        .await
        .expect_err("a wrong current password is refused");
    assert!(matches!(err, EngineError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("fresh login"), "{err}");
    assert!(!err.to_string().contains("not-the-password"), "never shown");
    assert!(db.engine.find_rotation("orders").is_err(), "no rotation");
    assert_eq!(
        hashes_on(&server, "legacy"),
        vec![password_hash(&Password::new("legacy-pw"))],
        "the user is untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopting_a_nopass_user_is_refused() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&["ACL", "SETUSER", "open", "on", "nopass", "~*", "+get"]);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    let err = db
        .engine
        .create_adopting(
            &one_user_request("orders", "local", "open"),
            Some(Password::new("anything")),
        )
        .await
        .expect_err("nopass cannot be adopted");
    assert!(err.to_string().contains("nopass"), "{err}");
    assert!(server.can_auth("open", "whatever"), "still nopass");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_adoption_leaves_the_existing_user_untouched_and_reports_it() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&["ACL", "SETUSER", "legacy", "on", ">legacy-pw", "~*", "+get"]);
    let before = server.cli(&["ACL", "GETUSER", "legacy"]);
    let db = TestDb::new();
    let e = &db.engine;
    add_connection(e, "local", &server).await;
    let mut req = create_request("orders", "local");
    req.parameters.as_mut().unwrap().username = Some("legacy".into());
    let err = e
        .create_rotation(&req)
        .await
        .expect_err("naming an existing user needs its password");
    assert!(
        err.to_string().contains("--current-password-stdin"),
        "{err}"
    );

    e.create_adopting(&req, Some(Password::new("legacy-pw")))
        .await
        .expect("created");
    assert_eq!(server.cli(&["ACL", "GETUSER", "legacy"]), before);
    assert!(server.can_auth("legacy", "legacy-pw"));
    let c = e.credentials("orders").unwrap();
    assert_eq!(c.active.username, "orders-0");
    assert!(server.can_auth("orders-0", c.active.password.expose()));
    let doc = e.snapshot().unwrap();
    assert!(
        doc.events.iter().any(|ev| ev
            .message
            .contains("existing user `legacy` was left untouched")),
        "reported in the event log"
    );
    e.rotate("orders", Trigger::Manual).await.expect("rotated");
    assert_eq!(server.cli(&["ACL", "GETUSER", "legacy"]), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_gives_a_one_user_node_back_its_stored_passwords() {
    let a = RedisServer::start(Persist::Aclfile);
    let b = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    support::add_pair_connection(e, &a, &b).await;
    e.create_rotation(&one_user_request("orders", "pair", "orders-app"))
        .await
        .unwrap();
    e.rotate("orders", Trigger::Manual).await.unwrap();
    // Node b lost both passwords (say, an old aclfile put back).
    b.cli(&["ACL", "SETUSER", "orders-app", "resetpass", ">stray"]);
    let lines = e.reconcile("orders").await.expect("reconciled");
    assert!(lines.iter().all(|l| l.status.is_in_sync()), "{lines:?}");
    let stored = stored_hashes(e, "orders");
    let on_b = hashes_on(&b, "orders-app");
    assert!(
        stored.iter().all(|h| on_b.contains(h)),
        "both stored passwords are back on b"
    );
    // The next rotation leaves exactly the stored two on both nodes.
    e.rotate("orders", Trigger::Manual).await.unwrap();
    assert_eq!(hashes_on(&a, "orders-app"), stored_hashes(e, "orders"));
    assert_eq!(hashes_on(&b, "orders-app"), stored_hashes(e, "orders"));
}

#[test]
fn cli_create_adopts_with_the_current_password_on_stdin() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&["ACL", "SETUSER", "legacy", "on", ">legacy-pw", "~*", "+get"]);
    let dir = tempfile::tempdir().unwrap();
    ok(&support::add_shop_connection(dir.path(), server.port));
    let file = dir.path().join("req.json");
    let req = one_user_request("orders", "shop", "legacy");
    std::fs::write(&file, serde_json::to_string(&req).unwrap()).unwrap();
    let path = file.to_str().unwrap();

    let both_on_stdin = bin(
        dir.path(),
        &[
            "rotation",
            "create",
            "--file",
            "-",
            "--current-password-stdin",
        ],
        Some("legacy-pw\n"),
    );
    assert_eq!(
        both_on_stdin.status.code(),
        Some(2),
        "stdin cannot hold both"
    );

    let wrong = bin(
        dir.path(),
        &[
            "rotation",
            "create",
            "--file",
            path,
            "--current-password-stdin",
        ],
        Some("nope\n"),
    );
    assert_eq!(wrong.status.code(), Some(2), "bad input");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("fresh login"));

    let out = bin(
        dir.path(),
        &[
            "rotation",
            "create",
            "--file",
            path,
            "--current-password-stdin",
        ],
        Some("legacy-pw\n"),
    );
    ok(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stays valid as the previous credential"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.can_auth("legacy", "legacy-pw"));
    let creds = ok(&bin(
        dir.path(),
        &["rotation", "credentials", "orders", "--json"],
        None,
    ));
    assert!(
        creds.contains("legacy-pw"),
        "previous is the adopted password"
    );
    let shown = ok(&bin(dir.path(), &["rotation", "get", "orders"], None));
    assert!(
        shown.contains("one-user: legacy holds two passwords"),
        "{shown}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning: parameters.permissionScope"),
        "no scope warning for an adopted user whose permissions are not touched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_scope_reaches_the_one_user_and_keeps_both_passwords() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let e = &db.engine;
    add_connection(e, "local", &server).await;
    e.create_rotation(&one_user_request("orders", "local", "orders-app"))
        .await
        .unwrap();
    e.rotate("orders", Trigger::Manual).await.unwrap();
    let before = hashes_on(&server, "orders-app");
    let patch: RotationRequest = serde_json::from_value(serde_json::json!({
        "parameters": { "permissionScope": "~orders:* +get" }
    }))
    .unwrap();
    e.update_rotation("orders", &patch).await.expect("updated");
    let perms = permissions_of(&server, "orders-app");
    // Redis 6.2 lists `keys` without the `~`.
    assert!(perms.contains("orders:*"), "{perms}");
    assert!(!perms.contains("+@all"), "{perms}");
    assert_eq!(hashes_on(&server, "orders-app"), before, "passwords kept");
    let c = e.credentials("orders").unwrap();
    assert!(server.can_auth("orders-app", c.active.password.expose()));
    assert!(server.can_auth("orders-app", c.previous.unwrap().password.expose()));
}
