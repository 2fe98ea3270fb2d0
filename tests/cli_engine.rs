//! The real binary against a real redis-server: connection add (password on stdin) and test,
//! rotation create from the seed request, rotate with `--json` in the seed response shape,
//! credentials, get with live sessions, events, delete with revoke.

mod common;
mod support;

use common::{Persist, RedisServer};
use support::{add_shop_connection, bin, create_request, create_rotation, ok};

#[test]
fn the_command_line_runs_a_rotation_end_to_end() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let add = add_shop_connection(d, server.port);
    let text = ok(&add);
    assert!(
        text.contains("aclfile") && text.contains("saved connection shop"),
        "{text}"
    );

    let test: serde_json::Value = serde_json::from_str(&ok(&bin(
        d,
        &["connection", "test", "shop", "--json"],
        None,
    )))
    .unwrap();
    assert_eq!(test["nodes"][0]["canSetUser"], true);
    assert_eq!(test["nodes"][0]["persistence"], "aclfile");
    // What the server really is: `valkey` with its own version, not its `redis_version:7.2.4`.
    let (kind, (major, minor, patch)) = common::server_under_test();
    assert_eq!(test["nodes"][0]["server"], kind);
    assert_eq!(
        test["nodes"][0]["version"],
        format!("{major}.{minor}.{patch}")
    );
    assert!(
        text.contains(&format!("{kind} {major}.{minor}.{patch}")),
        "the table shows the server: {text}"
    );

    let req = d.join("req.json");
    std::fs::write(
        &req,
        serde_json::to_string(&create_request("orders", "shop")).unwrap(),
    )
    .unwrap();
    let created: serde_json::Value = serde_json::from_str(&ok(&bin(
        d,
        &[
            "rotation",
            "create",
            "--file",
            req.to_str().unwrap(),
            "--json",
        ],
        None,
    )))
    .unwrap();
    let r = &created["secretRotation"];
    for field in [
        "id",
        "name",
        "description",
        "isAutoRotationEnabled",
        "activeIndex",
        "folderId",
        "connectionId",
        "createdAt",
        "updatedAt",
        "rotationInterval",
        "rotationStatus",
        "lastRotationAttemptedAt",
        "lastRotatedAt",
        "lastRotationJobId",
        "nextRotationAt",
        "projectId",
        "rotateAtUtc",
        "lastRotationMessage",
        "type",
        "parameters",
        "secretsMapping",
    ] {
        assert!(r.get(field).is_some(), "seed field {field} present: {r}");
    }
    assert_eq!(r["connection"]["app"], "redis");
    assert_eq!(r["connection"]["name"], "shop");
    assert_eq!(r["environment"]["slug"], "dev");
    assert_eq!(r["environment"]["name"], "Development");
    assert_eq!(r["folder"]["path"], "/");
    assert_eq!(r["type"], "redis-credentials");
    assert!(
        r.get("slots").is_none() && r.get("pending").is_none(),
        "internal fields stay internal"
    );

    let rotated: serde_json::Value = serde_json::from_str(&ok(&bin(
        d,
        &["rotation", "rotate", "orders", "--json"],
        None,
    )))
    .unwrap();
    assert_eq!(rotated["secretRotation"]["activeIndex"], 1);
    assert_eq!(rotated["secretRotation"]["rotationStatus"], "success");

    let creds: serde_json::Value = serde_json::from_str(&ok(&bin(
        d,
        &["rotation", "credentials", "orders", "--json"],
        None,
    )))
    .unwrap();
    let (user, pass) = (
        creds["current"]["username"].as_str().unwrap(),
        creds["current"]["password"].as_str().unwrap(),
    );
    assert_eq!(user, "orders-1");
    assert!(server.can_auth(user, pass));
    assert!(server.can_auth(
        creds["previous"]["username"].as_str().unwrap(),
        creds["previous"]["password"].as_str().unwrap()
    ));
    let exported = ok(&bin(d, &["secrets", "export", "--format", "dotenv"], None));
    assert!(
        exported.contains(&format!("ORDERS_PASSWORD=\"{pass}\"")),
        "{exported}"
    );

    let get = ok(&bin(d, &["rotation", "get", "orders"], None));
    assert!(
        get.contains("slot 1 live") && get.contains("sessions still use orders-1"),
        "{get}"
    );
    assert!(!get.contains(pass), "get never shows a password");

    let events = ok(&bin(d, &["events", "list", "--rotation", "orders"], None));
    assert!(
        events.contains("created orders") && events.contains("rotated orders"),
        "{events}"
    );
    assert!(!events.contains(pass));

    // Edit keeps the stored password unless told otherwise, and is tested before it is saved.
    let edited = ok(&bin(
        d,
        &[
            "connection",
            "edit",
            "shop",
            "--description",
            "primary cache",
        ],
        None,
    ));
    assert!(edited.contains("saved connection shop"), "{edited}");
    let refused = bin(d, &["connection", "edit", "shop", "--no-password"], None);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("was not changed"));
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&bin(d, &["connection", "list", "--json"], None))).unwrap();
    assert_eq!(listed["connections"][0]["description"], "primary cache");
    assert_eq!(listed["connections"][0]["hasPassword"], true);

    let deleted = ok(&bin(d, &["rotation", "delete", "orders", "--revoke"], None));
    assert!(
        deleted.contains("revoked ACL user orders-0") && deleted.contains("kept: secrets"),
        "{deleted}"
    );
    assert!(!server.acl_users().iter().any(|u| u.starts_with("orders-")));
    let gone = bin(d, &["rotation", "get", "orders"], None);
    assert_eq!(gone.status.code(), Some(2));
}

#[test]
fn rotation_get_and_connection_test_show_whether_each_node_holds_both_credentials() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&add_shop_connection(d, server.port));
    ok(&create_rotation(d, &create_request("carts", "shop")));
    let get: serde_json::Value =
        serde_json::from_str(&ok(&bin(d, &["rotation", "get", "carts", "--json"], None))).unwrap();
    assert_eq!(get["sync"]["inSync"], true, "{get}");
    assert_eq!(get["sync"]["nodes"][0]["node"], server.addr().as_str());

    // The node loses the user (say, rebuilt): every face says so, nothing heals it by looking.
    server.cli(&["ACL", "DELUSER", "carts-0"]);
    let get: serde_json::Value =
        serde_json::from_str(&ok(&bin(d, &["rotation", "get", "carts", "--json"], None))).unwrap();
    assert_eq!(get["sync"]["inSync"], false, "{get}");
    assert_eq!(get["sync"]["nodes"][0]["status"]["state"], "differs");
    assert_eq!(
        get["sync"]["nodes"][0]["status"]["detail"][0],
        "missing slot 0"
    );
    let text = ok(&bin(d, &["rotation", "get", "carts"], None));
    assert!(
        text.contains(&format!("{}  missing slot 0", server.addr())),
        "{text}"
    );
    let test = ok(&bin(d, &["connection", "test", "shop"], None));
    assert!(
        test.contains("sync carts") && test.contains("missing slot 0"),
        "{test}"
    );
    let test: serde_json::Value = serde_json::from_str(&ok(&bin(
        d,
        &["connection", "test", "shop", "--json"],
        None,
    )))
    .unwrap();
    assert_eq!(test["sync"][0]["rotation"], "carts");
    assert_eq!(test["sync"][0]["inSync"], false);
    assert_eq!(
        server
            .acl_users()
            .iter()
            .filter(|u| *u == "carts-0")
            .count(),
        0
    );

    // The reconcile period is a setting.
    ok(&bin(
        d,
        &["settings", "set", "reconcile-interval", "15"],
        None,
    ));
    assert_eq!(
        ok(&bin(d, &["settings", "get", "reconcile-interval"], None)).trim(),
        "15"
    );
    let bad = bin(d, &["settings", "set", "reconcile-interval", "soon"], None);
    assert_eq!(bad.status.code(), Some(2));
}
