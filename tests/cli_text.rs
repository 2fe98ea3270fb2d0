//! Text that reaches a terminal is clean, through the real binary: control characters in a text
//! field are refused on input; text already stored with them is printed escaped (`\x1b`).

mod common;
mod support;

use common::{Persist, RedisServer};
use support::{add_shop_connection, bin, create_request, create_rotation, ok};

fn has_control(text: &[u8]) -> bool {
    String::from_utf8_lossy(text)
        .chars()
        .any(|c| c.is_control() && c != '\n')
}

#[test]
fn a_description_with_an_escape_or_bell_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for description in ["\u{1b}[31mred\u{1b}[0m", "ring\u{7}", "two\nlines"] {
        let mut req = serde_json::to_value(create_request("orders", "shop")).unwrap();
        req["description"] = description.into();
        let file = d.join("req.json");
        std::fs::write(&file, req.to_string()).unwrap();
        let out = bin(
            d,
            &["rotation", "create", "--file", file.to_str().unwrap()],
            None,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{description:?}: {err}");
        assert!(
            err.contains("description: has the control character"),
            "{description:?}: {err}"
        );
        assert!(!has_control(&out.stderr), "the refusal is clean: {err:?}");
    }
}

#[test]
fn text_already_stored_with_control_characters_is_printed_escaped() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&add_shop_connection(d, server.port));
    ok(&create_rotation(d, &create_request("orders", "shop")));

    // A database written before control characters were refused: edit it by hand.
    let db = d.join("db.json");
    let mut doc = support::stored_document(&db);
    doc["rotations"][0]["description"] = "\u{1b}[2J\u{1b}[31mwiped\u{7}".into();
    doc["rotations"][0]["lastRotationMessage"] = "bad\u{9b}31m\nnews".into();
    let events = doc["events"].as_array_mut().expect("events");
    assert!(!events.is_empty(), "create logged an event");
    for e in events.iter_mut() {
        e["message"] = "event \u{1b}]0;owned\u{7} title".into();
    }
    support::write_as_schema_2(&db, doc);

    let get = bin(d, &["rotation", "get", "orders"], None);
    let text = ok(&get);
    assert!(!has_control(&get.stdout), "{text:?}");
    assert!(text.contains("\\x1b[2J\\x1b[31mwiped\\x07"), "{text}");
    assert!(text.contains("bad\\u{9b}31m\\nnews"), "{text}");

    let list = bin(d, &["events", "list"], None);
    let text = ok(&list);
    assert!(!has_control(&list.stdout), "{text:?}");
    assert!(text.contains("event \\x1b]0;owned\\x07 title"), "{text}");

    let json = bin(d, &["rotation", "get", "orders", "--json"], None);
    let value: serde_json::Value = serde_json::from_str(&ok(&json)).unwrap();
    assert_eq!(
        value["secretRotation"]["description"], "\u{1b}[2J\u{1b}[31mwiped\u{7}",
        "--json keeps the stored value, JSON-escaped"
    );
    assert!(!has_control(&json.stdout));
}
