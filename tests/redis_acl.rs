//! ACL commands against real servers: create and re-key users, replace permissions, verify,
//! persist across restarts, read password hashes; never a password in an error.

mod common;

use std::time::Duration;

use common::{ADMIN_PASSWORD, ADMIN_USER, Persist, RedisServer};
use redis_rotator::model::Password;
use redis_rotator::redis::{ConnectParams, Node, NodeAddr, Persistence, RedisError, acl, probe};

fn params(server: &RedisServer, user: &str, password: &str) -> ConnectParams {
    ConnectParams {
        addr: NodeAddr::parse(&server.addr()).expect("address"),
        username: user.into(),
        password: Some(Password::new(password)),
        tls: None,
        connect_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(2),
    }
}

async fn admin(server: &RedisServer) -> Node {
    Node::connect(&params(server, ADMIN_USER, ADMIN_PASSWORD))
        .await
        .expect("admin connects")
}

fn scope(rules: &[&str]) -> Vec<String> {
    rules.iter().map(|r| r.to_string()).collect()
}

#[tokio::test]
async fn created_user_verifies_and_its_previous_password_stops_working() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    let first = Password::new("first-password-aaaa");
    let second = Password::new("second-password-bbbb");

    acl::set_user(&node, "app-0", &first, &scope(&["~*", "+@all"]))
        .await
        .unwrap();
    acl::verify(&params(&server, "app-0", first.expose()))
        .await
        .unwrap();
    assert!(server.can_auth("app-0", first.expose()));

    acl::set_user(&node, "app-0", &second, &scope(&["~*", "+@all"]))
        .await
        .unwrap();
    acl::verify(&params(&server, "app-0", second.expose()))
        .await
        .unwrap();
    assert!(!server.can_auth("app-0", first.expose()));
    let err = acl::verify(&params(&server, "app-0", first.expose()))
        .await
        .unwrap_err();
    assert!(matches!(err, RedisError::WrongPassword { .. }), "{err:?}");
}

#[tokio::test]
async fn verify_passes_for_a_scope_without_acl_whoami() {
    // AUTH named the user and succeeded; a NOPERM on WHOAMI does not make that doubtful.
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    let pw = Password::new("narrow-scope-pw");
    acl::set_user(&node, "narrow-0", &pw, &scope(&["~app:*", "+get"]))
        .await
        .unwrap();
    acl::verify(&params(&server, "narrow-0", pw.expose()))
        .await
        .unwrap();
}

#[tokio::test]
async fn scope_rules_and_selectors_each_travel_as_one_argument() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    let pw = Password::new("selector-user-pw");
    let created = acl::set_user(
        &node,
        "sel-0",
        &pw,
        &scope(&["~app:*", "+get", "(~other:* +set)"]),
    )
    .await;
    if common::server_is_before_7() {
        // No selectors before 7.0: refused with the reason, not a wrong user.
        let e = created.unwrap_err().to_string();
        assert!(e.contains("selectors `( … )` need Redis 7.0"), "{e}");
        assert!(!server.acl_users().contains(&"sel-0".to_string()));
        return;
    }
    created.unwrap();
    let list = server.cli(&["ACL", "LIST"]);
    let line = list.lines().find(|l| l.contains("user sel-0")).unwrap();
    assert!(
        line.contains("~app:*") && line.contains("(~other:*"),
        "{line}"
    );
}

#[tokio::test]
async fn set_permissions_replaces_rules_and_keeps_passwords() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    let pw = Password::new("keep-me-password");
    // Redis before 7.0 has no selectors (and refuses `clearselectors`, which set_permissions
    // then leaves out).
    let old: &[&str] = if common::server_is_before_7() {
        &["~old:*", "+get"]
    } else {
        &["~old:*", "+get", "(~sel:* +set)"]
    };
    acl::set_user(&node, "perm-0", &pw, &scope(old))
        .await
        .unwrap();

    acl::set_permissions(&node, "perm-0", &scope(&["~new:*", "+ping"]))
        .await
        .unwrap();

    assert!(server.can_auth("perm-0", pw.expose()));
    let list = server.cli(&["ACL", "LIST"]);
    let line = list.lines().find(|l| l.contains("user perm-0")).unwrap();
    assert!(line.contains("~new:*") && line.contains("+ping"), "{line}");
    assert!(!line.contains("~old:*") && !line.contains("+get") && !line.contains("(~sel"));
    assert!(line.contains(" on "), "still enabled: {line}");
}

#[tokio::test]
async fn del_user_and_users_list() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    acl::set_user(
        &node,
        "gone-0",
        &Password::new("gone-pw"),
        &scope(&["+ping"]),
    )
    .await
    .unwrap();
    assert!(acl::users(&node).await.unwrap().contains(&"gone-0".into()));
    assert!(acl::del_user(&node, "gone-0").await.unwrap());
    assert!(!acl::del_user(&node, "gone-0").await.unwrap());
    assert_eq!(acl::users(&node).await.unwrap(), ["admin", "default"]);
}

#[tokio::test]
async fn password_hashes_match_password_hash() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    let pw = Password::new("Hash-Me-1~");
    acl::set_user(&node, "hash-0", &pw, &scope(&["+ping"]))
        .await
        .unwrap();
    let hashes = acl::password_hashes(&node, "hash-0").await.unwrap();
    assert_eq!(hashes, Some(vec![acl::password_hash(&pw)]));
    assert_eq!(
        acl::password_hashes(&node, "no-such-user").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn persisted_users_survive_a_restart_with_aclfile_and_config_file() {
    for (persist, mode) in [
        (Persist::Aclfile, Persistence::Aclfile),
        (Persist::ConfigFile, Persistence::Config),
    ] {
        let mut server = RedisServer::start(persist);
        let node = admin(&server).await;
        assert_eq!(probe::persistence(&node).await.unwrap(), mode);
        let pw = Password::new("survives-restart-pw");
        acl::set_user(&node, "durable-0", &pw, &scope(&["~*", "+@all"]))
            .await
            .unwrap();
        acl::persist(&node, mode).await.unwrap();
        server.restart();
        assert!(server.can_auth("durable-0", pw.expose()), "{persist:?}");
        assert!(server.can_auth(ADMIN_USER, ADMIN_PASSWORD), "{persist:?}");
    }
}

#[tokio::test]
async fn without_aclfile_or_config_file_persistence_is_none_and_users_vanish() {
    let mut server = RedisServer::start(Persist::Neither);
    let node = admin(&server).await;
    assert_eq!(probe::persistence(&node).await.unwrap(), Persistence::None);
    let pw = Password::new("ephemeral-pw");
    acl::set_user(&node, "ephemeral-0", &pw, &scope(&["+ping"]))
        .await
        .unwrap();
    acl::persist(&node, Persistence::None).await.unwrap();
    server.restart();
    assert!(!server.can_auth("ephemeral-0", pw.expose()));
}

#[tokio::test]
async fn no_error_shows_the_password() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = admin(&server).await;
    let pw = Password::new("do-not-leak-9c1e");
    server.cli(&[
        "ACL", "SETUSER", "weak", "on", ">weak-pw", "~*", "+@all", "-acl",
    ]);
    let weak = Node::connect(&params(&server, "weak", "weak-pw"))
        .await
        .unwrap();

    let errors = vec![
        // The server echoes a bad token back; the password token must not be among them.
        acl::set_user(&node, "leak-0", &pw, &scope(&["bogus"]))
            .await
            .unwrap_err(),
        acl::set_user(&node, "leak-0", &pw, &scope(&["(~x +get"]))
            .await
            .unwrap_err(),
        acl::set_user(&weak, "leak-0", &pw, &scope(&["+ping"]))
            .await
            .unwrap_err(),
        acl::verify(&params(&server, "admin", pw.expose()))
            .await
            .unwrap_err(),
        Node::connect(&params(&server, "leak-0", pw.expose()))
            .await
            .unwrap_err(),
    ];
    assert!(
        matches!(errors[2], RedisError::NoPermission { .. }),
        "{:?}",
        errors[2]
    );
    for e in &errors {
        for shown in [e.to_string(), format!("{e:?}")] {
            assert!(!shown.contains(pw.expose()), "{shown}");
        }
    }
    // Redis before 7.0 names only the command (`'acl' command or its subcommand`).
    assert!(
        errors[2]
            .to_string()
            .contains(&format!("`{}`", common::grant_for("acl|setuser"))),
        "{}",
        errors[2]
    );
}
