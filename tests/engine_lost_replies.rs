//! Compensation by intent: a command can reach Redis and apply while its reply is lost. After
//! any such failure both stored credentials still authenticate on every node — checked on the
//! servers directly, not through the fault-injecting proxy — and `ACL USERS` holds no user of
//! the rotation beyond the stored ones, nor a password of its users beyond the stored ones. Both
//! strategies: two users, and one user with two passwords.

mod common;
mod support;

use std::sync::Arc;
use std::time::Duration;

use common::{Fault, FaultProxy, Persist, RedisServer};
use redis_rotator::engine::{Engine, SystemClock, Timeouts};
use redis_rotator::model::Password;
use redis_rotator::model::request::RotationRequest;
use redis_rotator::model::schedule::Trigger;
use redis_rotator::redis::acl::password_hash;
use redis_rotator::store::{KeySource, Store};
use support::{admin_password, connection_request, create_request};

/// Replies lost by the proxy surface as command timeouts: keep them short.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

struct Setup {
    _dir: tempfile::TempDir,
    engine: Engine,
}

fn engine() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(
        dir.path().join("db.json"),
        KeySource::Env(Password::new(support::TEST_KEY)),
    ));
    let timeouts = Timeouts {
        connect: Duration::from_secs(3),
        command: COMMAND_TIMEOUT,
    };
    let engine = Engine::with_timeouts(store, Arc::new(SystemClock), timeouts);
    Setup { _dir: dir, engine }
}

/// A connection whose nodes are `addrs` (the first is the seed).
async fn add_nodes_connection(engine: &Engine, addrs: &[String]) {
    let (host, port) = addrs[0].split_once(':').unwrap();
    let mut req = connection_request("flaky", host, port.parse().unwrap());
    req.topology = Some("nodes".into());
    req.nodes = Some(addrs.to_vec());
    engine
        .add_connection(&req, Some(admin_password()))
        .await
        .expect("connection added");
}

/// The one-user form of `lost`: user `lost-app`, two passwords.
fn one_user_request() -> RotationRequest {
    let mut req = create_request("lost", "flaky");
    let p = req.parameters.as_mut().unwrap();
    p.strategy = Some("one-user".into());
    p.username = Some("lost-app".into());
    req
}

/// `lost` created and rotated once, so both slots hold a stored credential.
async fn rotated_once(engine: &Engine, request: &RotationRequest) {
    engine.create_rotation(request).await.expect("created");
    engine
        .rotate("lost", Trigger::Manual)
        .await
        .expect("first rotation");
}

/// Both stored credentials authenticate on every server, directly; no other `lost-*` user.
fn assert_store_and_servers_agree(engine: &Engine, servers: &[&RedisServer]) {
    let creds = engine.credentials("lost").expect("credentials");
    let mut stored = vec![creds.active.clone()];
    stored.extend(creds.previous.clone());
    for s in servers {
        for c in &stored {
            assert!(
                s.can_auth(&c.username, c.password.expose()),
                "stored credential {} must authenticate on {}",
                c.username,
                s.addr()
            );
        }
        for c in &stored {
            for h in s.password_hashes(&c.username) {
                assert!(
                    stored
                        .iter()
                        .any(|x| x.username == c.username && password_hash(&x.password) == h),
                    "{} holds a password of {} that the store does not know",
                    s.addr(),
                    c.username
                );
            }
        }
        let users = s.cli(&["ACL", "USERS"]);
        for u in users.lines().filter(|u| u.starts_with("lost-")) {
            assert!(
                stored.iter().any(|c| c.username == u),
                "{} holds {u}, which the store does not know",
                s.addr()
            );
        }
    }
    let r = engine.find_rotation("lost").expect("rotation");
    assert!(r.pending.is_none(), "every node was restored: no journal");
}

async fn rotate_with_fault_on_one_node(pattern: &str, fault: Fault, others: usize) {
    rotate_with_fault(pattern, fault, others, &create_request("lost", "flaky")).await;
}

async fn one_user_rotate_with_fault(pattern: &str, fault: Fault, others: usize) {
    rotate_with_fault(pattern, fault, others, &one_user_request()).await;
}

async fn rotate_with_fault(pattern: &str, fault: Fault, others: usize, request: &RotationRequest) {
    let target = RedisServer::start(Persist::Aclfile);
    let rest: Vec<RedisServer> = (0..others)
        .map(|_| RedisServer::start(Persist::Aclfile))
        .collect();
    let proxy = FaultProxy::start(target.port);
    let setup = engine();
    let mut addrs: Vec<String> = rest.iter().map(RedisServer::addr).collect();
    addrs.insert(addrs.len() / 2, proxy.addr());
    add_nodes_connection(&setup.engine, &addrs).await;
    rotated_once(&setup.engine, request).await;
    let before = setup.engine.credentials("lost").unwrap();

    proxy.arm(pattern, fault);
    let err = setup
        .engine
        .rotate("lost", Trigger::Manual)
        .await
        .expect_err("the rotation must fail");
    assert_eq!(proxy.fired(), 1, "the fault was injected");
    assert!(
        err.to_string().contains(&proxy.addr()),
        "names the node: {err}"
    );

    let after = setup.engine.credentials("lost").unwrap();
    assert_eq!(after.active.username, before.active.username);
    let mut servers: Vec<&RedisServer> = rest.iter().collect();
    servers.push(&target);
    assert_store_and_servers_agree(&setup.engine, &servers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setuser_reply_lost_on_the_only_node_leaves_both_credentials_working() {
    rotate_with_fault_on_one_node("ACL SETUSER", Fault::DropReply, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setuser_reply_lost_on_one_of_three_nodes_leaves_both_credentials_working() {
    rotate_with_fault_on_one_node("ACL SETUSER", Fault::DropReply, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setuser_reply_arriving_after_the_timeout_leaves_both_credentials_working() {
    let late = Fault::Delay(COMMAND_TIMEOUT * 2);
    rotate_with_fault_on_one_node("ACL SETUSER", late, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_save_reply_lost_leaves_both_credentials_working() {
    rotate_with_fault_on_one_node("ACL SAVE", Fault::DropReply, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reset_during_verify_leaves_both_credentials_working() {
    rotate_with_fault_on_one_node("ACL WHOAMI", Fault::Reset, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_whose_setuser_reply_is_lost_leaves_no_user_behind() {
    let server = RedisServer::start(Persist::Aclfile);
    let proxy = FaultProxy::start(server.port);
    let setup = engine();
    add_nodes_connection(&setup.engine, &[proxy.addr()]).await;
    proxy.arm("ACL SETUSER", Fault::DropReply);
    setup
        .engine
        .create_rotation(&create_request("lost", "flaky"))
        .await
        .expect_err("the create must fail");
    assert_eq!(proxy.fired(), 1, "the fault was injected");
    assert!(
        setup.engine.find_rotation("lost").is_err(),
        "a failed create leaves no rotation"
    );
    let users = server.cli(&["ACL", "USERS"]);
    assert!(
        !users.lines().any(|u| u.starts_with("lost-")),
        "no user of the failed create on the server: {users}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_setuser_reply_lost_on_one_of_three_nodes_leaves_both_passwords_working() {
    one_user_rotate_with_fault("ACL SETUSER", Fault::DropReply, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_setuser_reply_arriving_after_the_timeout_leaves_both_passwords_working() {
    one_user_rotate_with_fault("ACL SETUSER", Fault::Delay(COMMAND_TIMEOUT * 2), 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_acl_save_reply_lost_leaves_both_passwords_working() {
    one_user_rotate_with_fault("ACL SAVE", Fault::DropReply, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_connection_reset_during_verify_leaves_both_passwords_working() {
    one_user_rotate_with_fault("ACL WHOAMI", Fault::Reset, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_create_whose_setuser_reply_is_lost_leaves_no_user_behind() {
    let server = RedisServer::start(Persist::Aclfile);
    let proxy = FaultProxy::start(server.port);
    let setup = engine();
    add_nodes_connection(&setup.engine, &[proxy.addr()]).await;
    proxy.arm("ACL SETUSER", Fault::DropReply);
    setup
        .engine
        .create_rotation(&one_user_request())
        .await
        .expect_err("the create must fail");
    assert_eq!(proxy.fired(), 1, "the fault was injected");
    assert!(setup.engine.find_rotation("lost").is_err());
    assert!(
        !server.acl_users().contains(&"lost-app".to_string()),
        "the user the failed create made is gone"
    );
}
