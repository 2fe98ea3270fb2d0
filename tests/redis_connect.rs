//! Connecting to real servers: authentication, TLS verification, timeouts, and failures that read
//! as sentences an operator can act on (never with a password in them).

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use common::{ADMIN_PASSWORD, ADMIN_USER, Persist, RedisServer, free_port};
use redis_rotator::model::Password;
use redis_rotator::redis::{ConnectParams, Node, NodeAddr, RedisError, TlsParams};

fn params(addr: &str, user: &str, password: &str) -> ConnectParams {
    ConnectParams {
        addr: NodeAddr::parse(addr).expect("address"),
        username: user.into(),
        password: Some(Password::new(password)),
        tls: None,
        connect_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(2),
    }
}

fn admin(server: &RedisServer) -> ConnectParams {
    params(&server.addr(), ADMIN_USER, ADMIN_PASSWORD)
}

fn with_tls(mut p: ConnectParams, ca_pem: Option<&str>, insecure: bool) -> ConnectParams {
    p.tls = Some(TlsParams {
        ca_pem: ca_pem.map(|pem| pem.as_bytes().to_vec()),
        insecure,
    });
    p
}

async fn ping(node: &Node) -> String {
    node.query("PING", &redis::cmd("PING")).await.expect("PING")
}

#[tokio::test]
async fn admin_connects_and_runs_commands() {
    let server = RedisServer::start(Persist::Aclfile);
    let node = Node::connect(&admin(&server)).await.expect("connect");
    assert_eq!(ping(&node).await, "PONG");
    let who: String = node
        .query("ACL WHOAMI", redis::cmd("ACL").arg("WHOAMI"))
        .await
        .unwrap();
    assert_eq!(who, ADMIN_USER);
}

#[tokio::test]
async fn wrong_password_is_reported_as_such_without_the_password() {
    let server = RedisServer::start(Persist::Aclfile);
    let secret = "not-the-password-4f2a";
    let err = Node::connect(&params(&server.addr(), ADMIN_USER, secret))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RedisError::WrongPassword { user, .. } if user == ADMIN_USER),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(shown.contains(&server.addr()), "{shown}");
    assert!(!shown.contains(secret) && !format!("{err:?}").contains(secret));
}

#[tokio::test]
async fn unknown_user_is_a_wrong_password_too() {
    let server = RedisServer::start(Persist::Aclfile);
    let err = Node::connect(&params(&server.addr(), "nobody", "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, RedisError::WrongPassword { .. }), "{err:?}");
}

#[tokio::test]
async fn default_user_without_password_is_refused_when_default_is_off() {
    let server = RedisServer::start(Persist::Aclfile);
    let mut p = admin(&server);
    p.username = "default".into();
    p.password = None;
    let err = Node::connect(&p).await.unwrap_err();
    assert!(
        matches!(&err, RedisError::WrongPassword { user, .. } if user == "default"),
        "{err:?}"
    );
}

#[tokio::test]
async fn nopass_user_connects_under_its_own_name_without_a_password() {
    let server = RedisServer::start(Persist::Aclfile);
    server.cli(&["ACL", "SETUSER", "open", "on", "nopass", "+@all"]);
    let mut p = admin(&server);
    p.username = "open".into();
    p.password = None;
    let node = Node::connect(&p).await.unwrap();
    let who: String = node
        .query("ACL WHOAMI", redis::cmd("ACL").arg("WHOAMI"))
        .await
        .unwrap();
    assert_eq!(who, "open");
}

#[tokio::test]
async fn closed_port_is_unreachable_with_the_address() {
    let addr = format!("127.0.0.1:{}", free_port());
    let err = Node::connect(&params(&addr, ADMIN_USER, ADMIN_PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(err, RedisError::Unreachable { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.contains(&addr) && shown.contains("refused"),
        "{shown}"
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    // Accepts the TCP connection, never answers: only the timeout can end the attempt.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let hold = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let _ = s.read(&mut [0; 1024]);
        std::thread::sleep(Duration::from_secs(2));
    });
    let mut p = params(&addr, ADMIN_USER, ADMIN_PASSWORD);
    p.connect_timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let err = Node::connect(&p).await.unwrap_err();
    assert!(matches!(err, RedisError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.to_string().contains(&addr));
    drop(hold);
}

#[tokio::test]
async fn slow_command_times_out_naming_the_command() {
    let server = RedisServer::start(Persist::Aclfile);
    let mut p = admin(&server);
    p.command_timeout = Duration::from_millis(200);
    let node = Node::connect(&p).await.unwrap();
    let err = node
        .query::<redis::Value>("BLPOP", redis::cmd("BLPOP").arg("nothing").arg(5))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RedisError::Timeout { what, .. } if what == "BLPOP"),
        "{err:?}"
    );
}

#[tokio::test]
async fn tls_with_the_signing_ca_connects_by_name_and_by_ip() {
    let (server, tls) = RedisServer::start_tls();
    for host in ["localhost", "127.0.0.1"] {
        let p = params(
            &format!("{host}:{}", server.port),
            ADMIN_USER,
            ADMIN_PASSWORD,
        );
        let node = Node::connect(&with_tls(p, Some(&tls.ca_pem), false))
            .await
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(ping(&node).await, "PONG");
    }
}

#[tokio::test]
async fn tls_with_an_unknown_ca_fails_verification() {
    let (server, tls) = RedisServer::start_tls();
    let p = with_tls(admin(&server), Some(&tls.other_ca_pem), false);
    let err = Node::connect(&p).await.unwrap_err();
    match &err {
        RedisError::Tls { reason, .. } => assert!(reason.contains("unknown CA"), "{reason}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn tls_checks_the_host_as_typed() {
    // The same server through an address the certificate does not list.
    let (server, tls) = RedisServer::start_tls();
    let p = params(
        &format!("[::ffff:127.0.0.1]:{}", server.port),
        ADMIN_USER,
        ADMIN_PASSWORD,
    );
    let err = Node::connect(&with_tls(p, Some(&tls.ca_pem), false))
        .await
        .unwrap_err();
    match &err {
        RedisError::Tls { reason, .. } => assert!(reason.contains("not valid for"), "{reason}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn tls_insecure_accepts_any_certificate() {
    let (server, tls) = RedisServer::start_tls();
    for ca in [None, Some(tls.other_ca_pem.as_str())] {
        let node = Node::connect(&with_tls(admin(&server), ca, true))
            .await
            .expect("insecure connects");
        assert_eq!(ping(&node).await, "PONG");
    }
}

#[tokio::test]
async fn a_ca_that_is_not_pem_is_a_tls_error() {
    let (server, _) = RedisServer::start_tls();
    let err = Node::connect(&with_tls(admin(&server), Some("hello"), false))
        .await
        .unwrap_err();
    assert!(matches!(err, RedisError::Tls { .. }), "{err:?}");
}

#[tokio::test]
async fn tls_against_a_plain_port_times_out_saying_tls_was_tried() {
    // A plain server takes the TLS hello for the start of an inline command and waits.
    let server = RedisServer::start(Persist::Aclfile);
    let mut p = with_tls(admin(&server), None, true);
    p.connect_timeout = Duration::from_millis(300);
    let err = Node::connect(&p).await.unwrap_err();
    assert!(
        matches!(&err, RedisError::Timeout { what, .. } if what.contains("TLS")),
        "{err:?}"
    );
}

#[tokio::test]
async fn plain_against_a_tls_port_fails_with_a_hint() {
    let (server, _) = RedisServer::start_tls();
    let err = Node::connect(&admin(&server)).await.unwrap_err();
    assert!(
        matches!(&err, RedisError::Unreachable { reason, .. } if reason.contains("TLS")),
        "{err:?}"
    );
}
