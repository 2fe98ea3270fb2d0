//! Sentinels that require a password (their own `requirepass`, or an ACL user) and Sentinels
//! that speak TLS only, against real processes: the Sentinel password is kept sealed in the
//! store like the admin password, read from stdin by the command line, and a wrong or missing
//! one is named with its field and the fix.

mod common;
mod support;

use common::{
    ADMIN_PASSWORD, SENTINEL_PASSWORD, SENTINEL_USER, SENTINEL_USER_PASSWORD, SentinelOptions,
    SentinelSet,
};
use redis_rotator::engine::ConnectionSecrets;
use redis_rotator::model::Password;
use redis_rotator::model::request::ConnectionRequest;
use redis_rotator::model::schedule::Trigger;
use redis_rotator::store::Binding;
use support::sentinel::{
    assert_both_credentials_everywhere, connection_add_args, sentinel_request,
};
use support::{TestDb, admin_password, create_request, database_bytes};

fn with_sentinel_password(password: Option<&str>) -> ConnectionSecrets {
    ConnectionSecrets {
        admin: Some(admin_password()),
        sentinel: password.map(Password::new),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinels_that_require_a_password_are_asked_with_the_sealed_sentinel_password() {
    let set = SentinelSet::start_with(SentinelOptions {
        auth: true,
        ..Default::default()
    });
    let db = TestDb::new();
    let e = &db.engine;
    let (conn, report) = e
        .add_connection_with(
            &sentinel_request(&set),
            with_sentinel_password(Some(SENTINEL_PASSWORD)),
        )
        .await
        .expect("saved");
    let master = set.master().addr();
    assert_eq!(report.sentinels.len(), 3, "{:?}", report.sentinels);
    for s in &report.sentinels {
        assert_eq!(s.master.as_deref(), Some(master.as_str()), "{s:?}");
        assert_eq!(s.error, None);
    }
    assert_eq!(report.nodes.len(), 3, "{:?}", report.nodes);

    // Sealed, bound to this connection's Sentinel field, never in plaintext on disk.
    let stored = e.find_connection("watched").unwrap();
    let sealed = stored.sentinel_password.clone().expect("sealed");
    assert!(
        sealed.0.starts_with("enc:v2:"),
        "sealed like the admin password"
    );
    let cipher = e.store().cipher().unwrap();
    assert_eq!(
        cipher
            .open(&sealed, &Binding::sentinel_password(conn.id))
            .unwrap()
            .expose(),
        SENTINEL_PASSWORD
    );
    assert!(
        cipher
            .open(&sealed, &Binding::connection_password(conn.id))
            .is_err(),
        "the Sentinel password does not open as the admin password"
    );
    assert!(
        !database_bytes(&db.path())
            .iter()
            .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(SENTINEL_PASSWORD)),
        "the Sentinel password is in a database file"
    );

    // Rotations and stored-connection tests ask the Sentinels with the stored password.
    e.create_rotation(&create_request("orders", "watched"))
        .await
        .unwrap();
    e.rotate("orders", Trigger::Manual).await.expect("rotates");
    assert_both_credentials_everywhere(e, &set, "orders");
    let report = e.test_connection("watched").await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.sentinels.len(), 3);

    // An edit that changes nothing else keeps the stored Sentinel password.
    e.edit_connection("watched", &ConnectionRequest::default(), None)
        .await
        .expect("edit keeps the Sentinel password");
    e.rotate("orders", Trigger::Manual)
        .await
        .expect("rotates after the edit");
    assert_both_credentials_everywhere(e, &set, "orders");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_sentinel_password_is_named_with_its_field_and_the_fix() {
    let set = SentinelSet::start_with(SentinelOptions {
        auth: true,
        ..Default::default()
    });
    let db = TestDb::new();
    let e = &db.engine;
    let wrong = "not-the-sentinel-password";
    let err = e
        .add_connection_with(&sentinel_request(&set), with_sentinel_password(Some(wrong)))
        .await
        .expect_err("wrong Sentinel password")
        .to_string();
    assert!(
        err.contains("refused the Sentinel password (sentinelPassword) for user `default`"),
        "{err}"
    );
    assert!(err.contains("--sentinel-password-stdin"), "{err}");
    assert!(!err.contains(wrong), "the password is never echoed: {err}");

    let err = e
        .add_connection_with(&sentinel_request(&set), with_sentinel_password(None))
        .await
        .expect_err("no Sentinel password")
        .to_string();
    assert!(
        err.contains("requires a password and no Sentinel password (sentinelPassword) is set"),
        "{err}"
    );
    // The admin password is not what the Sentinels want: it is refused the same way.
    let err = e
        .add_connection_with(
            &sentinel_request(&set),
            with_sentinel_password(Some(ADMIN_PASSWORD)),
        )
        .await
        .expect_err("the admin password is not the Sentinels'")
        .to_string();
    assert!(err.contains("sentinelPassword"), "{err}");
    assert!(
        e.snapshot().unwrap().connections.is_empty(),
        "nothing saved"
    );

    // A Sentinel ACL user: named, with its own password.
    let mut req = sentinel_request(&set);
    req.sentinel_username = Some(SENTINEL_USER.into());
    let err = e
        .add_connection_with(&req, with_sentinel_password(Some(SENTINEL_PASSWORD)))
        .await
        .expect_err("requirepass is not the ACL user's password")
        .to_string();
    assert!(
        err.contains(&format!("for user `{SENTINEL_USER}`"))
            && err.contains("check the Sentinel user (sentinelUsername)"),
        "{err}"
    );
    let (conn, report) = e
        .add_connection_with(&req, with_sentinel_password(Some(SENTINEL_USER_PASSWORD)))
        .await
        .expect("the ACL user authenticates");
    assert_eq!(conn.sentinel_username.as_deref(), Some(SENTINEL_USER));
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.sentinels.len(), 3);
}

#[test]
fn the_command_line_reads_the_sentinel_password_from_stdin_after_the_admin_password() {
    let set = SentinelSet::start_with(SentinelOptions {
        auth: true,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sentinels = set.sentinel_addrs();
    let args = connection_add_args(&sentinels, &["--sentinel-password-stdin"]);
    let stdin = format!("{ADMIN_PASSWORD}\n{SENTINEL_PASSWORD}\n");
    let added = support::ok(&support::bin(d, &args, Some(&stdin)));
    let master = set.master().addr();
    assert!(
        added.contains(&format!("sentinel {}: master at {master}", sentinels[0])),
        "{added}"
    );
    let list: serde_json::Value = serde_json::from_str(&support::ok(&support::bin(
        d,
        &["connection", "list", "--json"],
        None,
    )))
    .unwrap();
    assert_eq!(
        list["connections"][0]["hasSentinelPassword"], true,
        "{list}"
    );
    assert!(!list.to_string().contains(SENTINEL_PASSWORD));
    let test = support::bin(d, &["connection", "test", "watched"], None);
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stdout)
    );

    // Removing the Sentinel password is tested before it is saved: refused, and it says why.
    let removed = support::bin(
        d,
        &["connection", "edit", "watched", "--no-sentinel-password"],
        None,
    );
    assert_eq!(removed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&removed.stderr);
    assert!(
        stderr.contains("requires a password and no Sentinel password (sentinelPassword) is set"),
        "{stderr}"
    );
    let test = support::bin(d, &["connection", "test", "watched"], None);
    assert!(test.status.success(), "the stored password was kept");
    // A replacement is read from stdin and tested before it is saved.
    let wrong = support::bin(
        d,
        &["connection", "edit", "watched", "--sentinel-password-stdin"],
        Some("not-it\n"),
    );
    assert_eq!(wrong.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("refused the Sentinel password (sentinelPassword)")
            && !stderr.contains("not-it"),
        "{stderr}"
    );
    support::ok(&support::bin(
        d,
        &["connection", "edit", "watched", "--sentinel-password-stdin"],
        Some(&format!("{SENTINEL_PASSWORD}\n")),
    ));

    // Moving the connection off Sentinel drops what only Sentinel used (master name, the
    // Sentinel list, the Sentinel password).
    let master_port = set.master().port.to_string();
    support::ok(&support::bin(
        d,
        &[
            "connection",
            "edit",
            "watched",
            "--topology",
            "standalone",
            "--host",
            "127.0.0.1",
            "--port",
            &master_port,
        ],
        None,
    ));
    let list: serde_json::Value = serde_json::from_str(&support::ok(&support::bin(
        d,
        &["connection", "list", "--json"],
        None,
    )))
    .unwrap();
    let conn = &list["connections"][0];
    assert_eq!(conn["topology"], "standalone", "{conn}");
    assert_eq!(conn["masterName"], serde_json::Value::Null, "{conn}");
    assert_eq!(conn["hasSentinelPassword"], false, "{conn}");
    assert_eq!(
        conn["hasPassword"], true,
        "the admin password is kept: {conn}"
    );

    // A Sentinel password on another topology would never be used: refused as bad input.
    let port = set.nodes[0].port.to_string();
    let other = support::bin(
        d,
        &[
            "connection",
            "add",
            "--name",
            "plain",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--username",
            "admin",
            "--password-stdin",
            "--sentinel-password-stdin",
        ],
        Some(&stdin),
    );
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(2), "bad input: {stderr}");
    assert!(
        stderr.contains("sentinelPassword: is only used when topology is `sentinel`"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinels_over_tls_are_verified_with_the_connection_ca_and_a_failover_is_followed() {
    let set = SentinelSet::start_with(SentinelOptions {
        auth: true,
        tls: true,
    });
    let ca = set.ca_file().expect("a TLS set").display().to_string();
    let db = TestDb::new();
    let e = &db.engine;
    let mut req = sentinel_request(&set);
    req.tls_enabled = Some(true);

    // Without the set's CA the Sentinels' certificates are not trusted: said so, per Sentinel.
    let err = e
        .add_connection_with(&req, with_sentinel_password(Some(SENTINEL_PASSWORD)))
        .await
        .expect_err("unknown CA")
        .to_string();
    assert!(err.contains("TLS verification failed"), "{err}");
    assert!(err.contains(&set.sentinels[0].addr()), "{err}");

    req.ca_certificate = Some(ca);
    let (_, report) = e
        .add_connection_with(&req, with_sentinel_password(Some(SENTINEL_PASSWORD)))
        .await
        .expect("saved over TLS");
    let master = set.master().addr();
    for s in &report.sentinels {
        assert_eq!(s.master.as_deref(), Some(master.as_str()), "{s:?}");
    }
    assert_eq!(report.nodes.len(), 3, "{:?}", report.nodes);
    assert!(report.ok(), "{:?}", report.problems);

    e.create_rotation(&create_request("orders", "watched"))
        .await
        .unwrap();
    e.rotate("orders", Trigger::Manual).await.expect("first");
    assert_both_credentials_everywhere(e, &set, "orders");
    let new_port = set.failover();
    e.rotate("orders", Trigger::Manual)
        .await
        .expect("rotates after the failover");
    assert_both_credentials_everywhere(e, &set, "orders");
    let report = e.test_connection("watched").await.unwrap();
    let master = report
        .nodes
        .iter()
        .find(|n| n.role.as_deref() == Some("master"))
        .expect("a master");
    assert_eq!(master.address, format!("127.0.0.1:{new_port}"));
}
