//! The `--json` answers no other test pins to the key: `connection add`, `secrets list|get`,
//! `rotation credentials` and `rotation get` when its nodes cannot be checked. Every answer is
//! printed pretty with each object's keys in alphabetical order, as scripts have always seen it.

mod common;
mod support;

use common::{Persist, RedisServer};
use serde_json::Value;
use support::{add_shop_connection_with, bin, create_request, create_rotation, ok};

/// Parses an answer and checks it is printed exactly as a sorted-key pretty print of itself
/// (numbers aside: a float such as a round-trip time need not parse back to the same digits).
fn answer(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).unwrap();
    assert_eq!(
        numbers_blurred(&serde_json::to_string_pretty(&value).unwrap()),
        numbers_blurred(text.trim_end()),
        "printed pretty with sorted keys"
    );
    value
}

/// Every number-like run (a digit, then digits, `.`, `e`, `+`, `-`) as one `0`, inside strings
/// too (alike on both sides).
fn numbers_blurred(text: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in text.chars() {
        let continues = c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-');
        if in_number && continues {
            continue;
        }
        in_number = c.is_ascii_digit();
        out.push(if in_number { '0' } else { c });
    }
    out
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn json_answers_keep_their_declared_shapes() {
    let mut server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let added = answer(&ok(&add_shop_connection_with(d, server.port, &["--json"])));
    assert_eq!(keys(&added), ["connection", "report"]);
    assert_eq!(
        keys(&added["connection"]),
        [
            "app",
            "createdAt",
            "description",
            "hasPassword",
            "hasSentinelPassword",
            "host",
            "id",
            "masterName",
            "name",
            "nodes",
            "port",
            "sentinelUsername",
            "tls",
            "topology",
            "updatedAt",
            "username"
        ]
    );
    assert_eq!(added["connection"]["hasPassword"], true);
    assert_eq!(added["connection"]["description"], Value::Null);
    assert_eq!(added["report"]["connection"], "shop");
    assert_eq!(added["report"]["nodes"][0]["canSetUser"], true);

    ok(&create_rotation(d, &create_request("orders", "shop")));
    let place = ["--env", "dev", "--path", "/"];

    let listed = answer(&ok(&bin(
        d,
        &[&["secrets", "list", "--json"][..], &place].concat(),
        None,
    )));
    assert_eq!(keys(&listed), ["secrets"]);
    let names: Vec<&str> = listed["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ORDERS_PASSWORD", "ORDERS_USERNAME"]);
    let first = &listed["secrets"][0];
    assert_eq!(
        keys(first),
        ["name", "ownerRotation", "updatedAt", "version"]
    );
    assert_eq!(first["ownerRotation"], "orders");
    assert_eq!(first["version"], 1);

    let got = answer(&ok(&bin(
        d,
        &[&["secrets", "get", "ORDERS_USERNAME", "--json"][..], &place].concat(),
        None,
    )));
    assert_eq!(keys(&got), ["secret"]);
    assert_eq!(
        keys(&got["secret"]),
        [
            "createdAt",
            "environment",
            "name",
            "secretPath",
            "value",
            "version"
        ]
    );
    assert_eq!(got["secret"]["value"], "orders-0");
    assert_eq!(got["secret"]["environment"], "dev");
    assert_eq!(got["secret"]["secretPath"], "/");

    let creds = answer(&ok(&bin(
        d,
        &["rotation", "credentials", "orders", "--json"],
        None,
    )));
    assert_eq!(keys(&creds), ["current", "previous"]);
    assert_eq!(
        keys(&creds["current"]),
        [
            "createdAt",
            "password",
            "slot",
            "unverified",
            "username",
            "verified"
        ]
    );
    assert_eq!(creds["current"]["slot"], 0);
    assert_eq!(creds["current"]["verified"], true);
    assert_eq!(creds["current"]["unverified"], Value::Null);
    assert_eq!(
        creds["previous"],
        Value::Null,
        "no previous before a rotation"
    );

    // The nodes cannot be asked: the answer says so instead of guessing.
    server.stop();
    let get = answer(&ok(&bin(d, &["rotation", "get", "orders", "--json"], None)));
    assert_eq!(keys(&get), ["secretRotation", "stragglers", "sync"]);
    assert_eq!(keys(&get["sync"]), ["error", "inSync"]);
    assert_eq!(keys(&get["stragglers"]), ["held", "liveSessions", "policy"]);
    assert_eq!(keys(&get["stragglers"]["liveSessions"]), ["error"]);
    assert_eq!(get["sync"]["inSync"], Value::Null);
    let error = get["sync"]["error"].as_str().unwrap();
    assert!(
        error.contains("unreachable") && error.contains(&server.addr()),
        "{error}"
    );
}
