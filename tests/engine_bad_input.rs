//! Bad input gets a clear message and nothing is written: bad permission scopes, an admin user
//! without `+acl`, a wrong password, a TLS server with an unknown CA.

mod common;
mod support;

use common::{Persist, RedisServer};
use redis_rotator::model::Password;
use support::{
    TestDb, add_connection, admin_password, connection_request, create_request, database_bytes,
};

/// Every database file (manifest, parts, commit log); `None` before the first write.
fn file_bytes(db: &TestDb) -> Option<Vec<(std::path::PathBuf, Vec<u8>)>> {
    db.path().exists().then(|| database_bytes(&db.path()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_permission_scopes_are_refused_naming_the_field() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    let before = file_bytes(&db);
    for scope in [
        "~* +@all nopass",
        "reset ~*",
        ">sneaky-password ~*",
        "~* +@all on",
        "bogus",
    ] {
        let mut req = create_request("scoped", "local");
        req.parameters.as_mut().unwrap().permission_scope = Some(scope.into());
        let err = db.engine.create_rotation(&req).await.expect_err(scope);
        let msg = err.to_string();
        assert!(msg.contains("parameters.permissionScope"), "{scope}: {msg}");
        assert!(
            !msg.contains("sneaky-password"),
            "no secret in the message: {msg}"
        );
        assert_eq!(err.exit_code(), 2);
    }
    assert_eq!(file_bytes(&db), before, "nothing written");
    assert!(!server.acl_users().iter().any(|u| u.starts_with("scoped")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_without_acl_permission_is_refused_on_save() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&[
        "ACL",
        "SETUSER",
        "weak",
        "on",
        ">weak-pass-123",
        "~*",
        "+@all",
        "-@admin",
    ]);
    let db = TestDb::new();
    let mut req = connection_request("weak", server.host(), server.port);
    req.username = Some("weak".into());
    let err = db
        .engine
        .add_connection(&req, Some(Password::new("weak-pass-123")))
        .await
        .expect_err("no +acl");
    let msg = err.to_string();
    assert!(msg.contains("ACL SETUSER") && msg.contains("+acl"), "{msg}");
    assert!(!msg.contains("weak-pass-123"));
    assert!(file_bytes(&db).is_none(), "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_on_save() {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    let req = connection_request("wrong", server.host(), server.port);
    let err = db
        .engine
        .add_connection(&req, Some(Password::new("not-the-password")))
        .await
        .expect_err("wrong password");
    let msg = err.to_string();
    assert!(msg.contains("wrong password"), "{msg}");
    assert!(!msg.contains("not-the-password"));
    assert!(file_bytes(&db).is_none());
    let _ = admin_password();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_server_with_an_unknown_ca_is_refused_and_the_right_ca_works() {
    let (server, tls) = RedisServer::start_tls();
    let db = TestDb::new();
    let other_ca = db.dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, &tls.other_ca_pem).unwrap();
    let mut req = connection_request("tls", "localhost", server.port);
    req.tls_enabled = Some(true);
    req.ca_certificate = Some(other_ca.display().to_string());
    let err = db
        .engine
        .add_connection(&req, Some(admin_password()))
        .await
        .expect_err("unknown CA");
    let msg = err.to_string();
    assert!(msg.contains("TLS"), "{msg}");
    assert!(file_bytes(&db).is_none());

    let ca = db.dir.path().join("ca.pem");
    std::fs::write(&ca, &tls.ca_pem).unwrap();
    req.ca_certificate = Some(ca.display().to_string());
    db.engine
        .add_connection(&req, Some(admin_password()))
        .await
        .expect("right CA");
    db.engine
        .create_rotation(&create_request("tls-cache", "tls"))
        .await
        .expect("rotation over TLS");
}
