//! `rotation get` shows a rotation's sinks through the real binary: one line per sink in text,
//! the stored `sinks` array with `--json`, and "none" when there are none.

mod common;
mod support;

use common::{Persist, RedisServer};
use support::{add_shop_connection, bin, create_request, create_rotation, ok};

#[test]
fn rotation_get_shows_each_sink_in_text_and_the_stored_array_in_json() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&add_shop_connection(d, server.port));
    ok(&create_rotation(d, &create_request("plain", "shop")));
    let env_file = d.join("redis.env");
    let url_file = d.join("redis.url");
    let mut req = create_request("orders", "shop");
    req.sinks = Some(
        serde_json::from_value(serde_json::json!([
            { "type": "file", "path": env_file, "format": "dotenv", "mode": "0640",
              "reload": "true reload-app" },
            { "type": "file", "path": url_file, "format": "template",
              "template": "redis://{{ username }}:{{ password }}@127.0.0.1:6379/0" },
        ]))
        .unwrap(),
    );
    ok(&create_rotation(d, &req));

    let text = ok(&bin(d, &["rotation", "get", "orders"], None));
    let sink_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("sink ")).collect();
    assert_eq!(
        sink_lines,
        [
            format!(
                "sink 1                file {} · dotenv · 0640 · owner (own) · reload true reload-app",
                env_file.display()
            ),
            format!(
                "sink 2                file {} · template · 0600 · owner (own) · reload (none)",
                url_file.display()
            ),
        ],
        "{text}"
    );
    let plain = ok(&bin(d, &["rotation", "get", "plain"], None));
    assert!(
        plain.lines().any(|l| l == format!("{:<22}none", "sinks")),
        "{plain}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(&bin(d, &["rotation", "get", "orders", "--json"], None))).unwrap();
    let db = support::stored_document(&d.join("db.json"));
    let stored = db["rotations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "orders")
        .expect("stored")["sinks"]
        .clone();
    assert_eq!(stored.as_array().map(Vec::len), Some(2), "{stored}");
    assert_eq!(json["secretRotation"]["sinks"], stored, "as stored");
    assert_eq!(json["secretRotation"]["sinks"][0]["mode"], 0o640);
    assert_eq!(
        json["secretRotation"]["sinks"][0]["reload"],
        "true reload-app"
    );
    let plain: serde_json::Value =
        serde_json::from_str(&ok(&bin(d, &["rotation", "get", "plain", "--json"], None))).unwrap();
    assert_eq!(plain["secretRotation"]["sinks"], serde_json::json!([]));
}
