//! Verification on kept connections (issue 15): a new credential is proved by `AUTH` on a
//! connection kept per node for verification only, and that is still a real authentication: a
//! wrong password, a missing user or a disabled user fails on every node, a dead kept connection
//! is replaced by a fresh login, and a kept connection never counts as a session of the user.

mod common;

use std::time::Duration;

use common::{ADMIN_PASSWORD, ADMIN_USER, Persist, RedisServer};
use redis_rotator::model::Password;
use redis_rotator::redis::verify::{RestAs, Verifiers};
use redis_rotator::redis::{ConnectParams, Node, NodeAddr, RedisError, TlsParams, acl};
use uuid::Uuid;

fn params(server: &RedisServer, user: &str, password: &str) -> ConnectParams {
    ConnectParams {
        addr: NodeAddr::parse(&server.addr()).expect("address"),
        username: user.into(),
        password: Some(Password::new(password)),
        tls: None,
        connect_timeout: Duration::from_secs(3),
        command_timeout: Duration::from_secs(3),
    }
}

fn admin_rest() -> RestAs {
    RestAs {
        username: ADMIN_USER.into(),
        password: Some(Password::new(ADMIN_PASSWORD)),
    }
}

fn scope(rules: &[&str]) -> Vec<String> {
    rules.iter().map(|r| r.to_string()).collect()
}

/// Sets `user` to `password` (only) on every server.
async fn set_everywhere(servers: &[RedisServer], user: &str, password: &str, rules: &[&str]) {
    for s in servers {
        let admin = Node::connect(&params(s, ADMIN_USER, ADMIN_PASSWORD))
            .await
            .expect("admin connects");
        acl::set_user(&admin, user, &Password::new(password), &scope(rules))
            .await
            .expect("set user");
    }
}

async fn verify_all(
    v: &Verifiers,
    group: Uuid,
    servers: &[RedisServer],
    user: &str,
    password: &str,
) -> Vec<Result<(), RedisError>> {
    let mut out = Vec::new();
    for s in servers {
        out.push(
            v.verify(group, 1, &params(s, user, password), &admin_rest())
                .await,
        );
    }
    out
}

fn three() -> Vec<RedisServer> {
    (0..3)
        .map(|_| RedisServer::start(Persist::Aclfile))
        .collect()
}

#[tokio::test]
async fn a_new_password_is_proved_by_auth_on_the_kept_connection_without_a_new_one() {
    let servers = three();
    let v = Verifiers::default();
    let group = Uuid::new_v4();
    set_everywhere(&servers, "app-0", "first-password-1", &["~*", "+@all"]).await;
    for r in verify_all(&v, group, &servers, "app-0", "first-password-1").await {
        r.expect("first login proves the password");
    }
    assert_eq!(v.opened(), 3, "one fresh login per node the first time");

    set_everywhere(&servers, "app-0", "second-password-2", &["~*", "+@all"]).await;
    for r in verify_all(&v, group, &servers, "app-0", "second-password-2").await {
        r.expect("AUTH on the kept connection proves the new password");
    }
    assert_eq!(v.opened(), 3, "the kept connections were used, no new one");
}

#[tokio::test]
async fn a_wrong_password_fails_on_every_node_even_on_a_kept_connection() {
    let servers = three();
    let v = Verifiers::default();
    let group = Uuid::new_v4();
    set_everywhere(&servers, "app-0", "old-password-1", &["~*", "+@all"]).await;
    verify_all(&v, group, &servers, "app-0", "old-password-1").await;
    set_everywhere(&servers, "app-0", "new-password-2", &["~*", "+@all"]).await;

    // The kept connections are authenticated (as the admin) when AUTH fails; it must still fail.
    for (s, r) in servers
        .iter()
        .zip(verify_all(&v, group, &servers, "app-0", "old-password-1").await)
    {
        match r {
            Err(RedisError::WrongPassword { addr, user }) => {
                assert_eq!(addr, s.addr());
                assert_eq!(user, "app-0");
            }
            other => panic!("{}: the old password must fail, got {other:?}", s.addr()),
        }
    }
    assert_eq!(v.opened(), 3, "judged on the kept connections");
    for r in verify_all(&v, group, &servers, "app-0", "new-password-2").await {
        r.expect("the kept connection still works after a refused AUTH");
    }
    assert_eq!(v.opened(), 3);
}

#[tokio::test]
async fn a_missing_or_disabled_user_fails_on_every_node() {
    let servers = three();
    let v = Verifiers::default();
    let group = Uuid::new_v4();
    set_everywhere(&servers, "app-0", "password-1", &["~*", "+@all"]).await;
    verify_all(&v, group, &servers, "app-0", "password-1").await;

    for r in verify_all(&v, group, &servers, "nobody-0", "password-1").await {
        assert!(
            matches!(r, Err(RedisError::WrongPassword { .. })),
            "a user that does not exist: {r:?}"
        );
    }
    for s in &servers {
        s.cli(&["ACL", "SETUSER", "app-0", "off"]);
    }
    for r in verify_all(&v, group, &servers, "app-0", "password-1").await {
        assert!(
            matches!(r, Err(RedisError::WrongPassword { .. })),
            "a disabled user: {r:?}"
        );
    }
    assert_eq!(v.opened(), 3, "judged on the kept connections");
}

#[tokio::test]
async fn a_kept_connection_rests_as_the_admin_and_is_no_session_of_the_user() {
    let servers = three();
    let v = Verifiers::default();
    set_everywhere(&servers, "app-0", "password-1", &["~*", "+@all"]).await;
    let group = Uuid::new_v4();
    verify_all(&v, group, &servers, "app-0", "password-1").await;
    verify_all(&v, group, &servers, "app-0", "password-1").await;
    for s in &servers {
        let list = s.cli(&["CLIENT", "LIST"]);
        assert!(
            !list.split_whitespace().any(|field| field == "user=app-0"),
            "{}: no connection left authenticated as app-0:\n{list}",
            s.addr()
        );
    }
}

#[tokio::test]
async fn a_kept_connection_the_server_closed_is_replaced_by_a_fresh_login() {
    let servers = three();
    let v = Verifiers::default();
    let group = Uuid::new_v4();
    set_everywhere(&servers, "app-0", "password-1", &["~*", "+@all"]).await;
    verify_all(&v, group, &servers, "app-0", "password-1").await;
    for s in &servers {
        // The kept connections rest as the admin; the harness's own client is skipped.
        s.cli(&["CLIENT", "KILL", "USER", ADMIN_USER]);
    }
    for r in verify_all(&v, group, &servers, "app-0", "password-1").await {
        r.expect("a fresh login replaces the dead kept connection");
    }
    assert_eq!(v.opened(), 6, "one fresh login per node after the kill");
    // A wrong password is still caught on the fresh connection's replacement.
    for r in verify_all(&v, group, &servers, "app-0", "not-the-password").await {
        assert!(matches!(r, Err(RedisError::WrongPassword { .. })), "{r:?}");
    }
}

#[tokio::test]
async fn a_scope_without_acl_whoami_still_verifies_on_a_kept_connection() {
    let servers = three();
    let v = Verifiers::default();
    let group = Uuid::new_v4();
    set_everywhere(&servers, "narrow-0", "narrow-pw-1", &["~app:*", "+get"]).await;
    for _ in 0..2 {
        for r in verify_all(&v, group, &servers, "narrow-0", "narrow-pw-1").await {
            r.expect("AUTH succeeded; NOPERM on WHOAMI does not make that doubtful");
        }
    }
    assert_eq!(v.opened(), 3);
}

#[tokio::test]
async fn a_changed_connection_retires_its_kept_connections() {
    let servers = three();
    let v = Verifiers::default();
    let group = Uuid::new_v4();
    set_everywhere(&servers, "app-0", "password-1", &["~*", "+@all"]).await;
    verify_all(&v, group, &servers, "app-0", "password-1").await;
    let s = &servers[0];
    v.verify(group, 2, &params(s, "app-0", "password-1"), &admin_rest())
        .await
        .expect("verifies");
    assert_eq!(v.opened(), 4, "a new stamp opens a new connection");
    v.forget(group);
    v.verify(group, 2, &params(s, "app-0", "password-1"), &admin_rest())
        .await
        .expect("verifies");
    assert_eq!(v.opened(), 5, "a forgotten group opens a new connection");
}

#[tokio::test]
async fn over_tls_the_kept_connection_saves_the_handshake_and_still_judges() {
    let (server, material) = RedisServer::start_tls();
    let mut p = params(&server, "app-0", "tls-password-1");
    p.addr = NodeAddr::parse(&format!("localhost:{}", server.port)).unwrap();
    p.tls = Some(TlsParams {
        ca_pem: Some(material.ca_pem.into_bytes()),
        insecure: false,
    });
    let mut admin_params = p.clone();
    admin_params.username = ADMIN_USER.into();
    admin_params.password = Some(Password::new(ADMIN_PASSWORD));
    let admin = Node::connect(&admin_params).await.expect("admin over TLS");
    acl::set_user(
        &admin,
        "app-0",
        &Password::new("tls-password-1"),
        &scope(&["~*", "+@all"]),
    )
    .await
    .unwrap();
    let v = Verifiers::default();
    let group = Uuid::new_v4();
    for _ in 0..3 {
        v.verify(group, 1, &p, &admin_rest())
            .await
            .expect("verifies");
    }
    assert_eq!(v.opened(), 1, "one TLS handshake for three verifications");
    p.password = Some(Password::new("wrong"));
    let r = v.verify(group, 1, &p, &admin_rest()).await;
    assert!(matches!(r, Err(RedisError::WrongPassword { .. })), "{r:?}");
}
