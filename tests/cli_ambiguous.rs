//! A rotation name that exists in two environments: every command that takes a rotation refuses
//! it (exit 2, listing each match with environment, path and id) and changes nothing, in the
//! store or on the server; `--env`/`--path` or the id say which, and then the command acts on that
//! one only.

mod common;
mod support;

use std::path::Path;

use common::{Persist, RedisServer};
use support::{add_shop_connection, bin, create_request, ok};

/// A server, a connection `shop` and a rotation `dup` in dev and another `dup` in prod (with
/// their own usernames); returns the two ids (dev, prod).
fn two_dups(server: &RedisServer, d: &Path) -> (String, String) {
    ok(&add_shop_connection(d, server.port));
    let mut ids = Vec::new();
    for env in ["dev", "prod"] {
        let mut req = serde_json::to_value(create_request("dup", "shop")).unwrap();
        req["environment"] = env.into();
        req["parameters"]["usernamePrefix"] = format!("dup-{env}").into();
        let file = d.join(format!("{env}.json"));
        std::fs::write(&file, req.to_string()).unwrap();
        let created: serde_json::Value = serde_json::from_str(&ok(&bin(
            d,
            &[
                "rotation",
                "create",
                "--file",
                file.to_str().unwrap(),
                "--json",
            ],
            None,
        )))
        .unwrap();
        ids.push(
            created["secretRotation"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    (ids[0].clone(), ids[1].clone())
}

/// Everything that could change: the database's files and every user with its password hashes.
fn state(server: &RedisServer, d: &Path) -> (Vec<(std::path::PathBuf, Vec<u8>)>, String) {
    (
        support::database_bytes(&d.join("db.json")),
        server.cli(&["ACL", "LIST"]),
    )
}

fn active_user(d: &Path, reference: &[&str]) -> String {
    let mut args = vec!["rotation", "get"];
    args.extend_from_slice(reference);
    args.push("--json");
    let v: serde_json::Value = serde_json::from_str(&ok(&bin(d, &args, None))).unwrap();
    let r = &v["secretRotation"];
    format!("{} {}", r["environment"]["slug"], r["activeIndex"])
}

#[test]
fn an_ambiguous_name_is_refused_by_every_rotation_command_and_nothing_changes() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (dev, prod) = two_dups(&server, d);
    let patch = d.join("patch.json");
    std::fs::write(&patch, r#"{"description": "changed"}"#).unwrap();
    let patch = patch.to_str().unwrap();
    let before = state(&server, d);

    for args in [
        vec!["rotation", "get", "dup"],
        vec!["rotation", "get", "dup", "--json"],
        vec!["rotation", "credentials", "dup"],
        vec!["rotation", "rotate", "dup"],
        vec!["rotation", "update", "dup", "--file", patch],
        vec!["rotation", "pause", "dup"],
        vec!["rotation", "resume", "dup"],
        vec!["rotation", "delete", "dup", "--revoke", "--delete-secrets"],
        vec!["events", "list", "--rotation", "dup"],
    ] {
        let out = bin(d, &args, None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{args:?} printed {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        for expected in [
            "matches 2 rotations",
            &format!("env dev  path /  id {dev}"),
            &format!("env prod  path /  id {prod}"),
            "--env",
        ] {
            assert!(
                err.contains(expected),
                "{args:?}: {expected:?} not in {err}"
            );
        }
    }
    let after = state(&server, d);
    assert!(before.0 == after.0, "the database changed");
    assert_eq!(before.1, after.1, "the server's users changed");
    // The delete above would have revoked these.
    for user in ["dup-dev-0", "dup-prod-0"] {
        assert!(server.acl_users().contains(&user.to_string()), "{user}");
    }
}

#[test]
fn env_path_or_id_says_which_and_only_that_rotation_is_touched() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (dev, prod) = two_dups(&server, d);

    // --env narrows: prod rotates, dev's user is untouched.
    let dev_user = server.cli(&["ACL", "GETUSER", "dup-dev-0"]);
    ok(&bin(
        d,
        &["rotation", "rotate", "dup", "--env", "prod"],
        None,
    ));
    assert_eq!(active_user(d, &["dup", "--env", "prod"]), "\"prod\" 1");
    assert_eq!(
        active_user(d, &["dup", "--env", "dev", "--path", "/"]),
        "\"dev\" 0"
    );
    assert_eq!(server.cli(&["ACL", "GETUSER", "dup-dev-0"]), dev_user);
    assert!(server.acl_users().contains(&"dup-prod-1".to_string()));
    assert!(!server.acl_users().contains(&"dup-dev-1".to_string()));

    // An id needs no narrowing.
    ok(&bin(d, &["rotation", "rotate", &dev], None));
    assert_eq!(active_user(d, &[&dev]), "\"dev\" 1");
    let creds = ok(&bin(d, &["rotation", "credentials", &prod, "--json"], None));
    assert!(creds.contains("dup-prod-1"), "{creds}");

    // A narrowing that matches nothing is "not found", exit 2.
    let none = bin(d, &["rotation", "get", "dup", "--env", "staging"], None);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("no rotation `dup` in staging"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
    let events: serde_json::Value = serde_json::from_str(&ok(&bin(
        d,
        &[
            "events",
            "list",
            "--rotation",
            "dup",
            "--env",
            "dev",
            "--json",
        ],
        None,
    )))
    .unwrap();
    let events = events["events"].as_array().unwrap();
    assert!(events.len() >= 2, "{events:?}");
    assert!(
        events.iter().all(|e| e["rotationId"] == dev.as_str()),
        "{events:?}"
    );

    // Deleting with --env revokes that rotation's users only.
    ok(&bin(
        d,
        &["rotation", "delete", "dup", "--env", "dev", "--revoke"],
        None,
    ));
    let users = server.acl_users();
    assert!(
        !users.iter().any(|u| u.starts_with("dup-dev-")),
        "{users:?}"
    );
    assert!(users.contains(&"dup-prod-0".to_string()), "{users:?}");
    assert!(users.contains(&"dup-prod-1".to_string()), "{users:?}");
    // One `dup` left: the bare name is no longer ambiguous.
    assert_eq!(active_user(d, &["dup"]), "\"prod\" 1");
}
