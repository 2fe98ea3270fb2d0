//! `rotation get` shows stragglers, in text and `--json`: the policy, a held re-key, and per
//! slot the sessions still logged in as its user, counted on a real redis-server with a real
//! client holding the previous credential.

mod common;
mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{Persist, RedisServer};
use redis_rotator::engine::{Engine, ManualClock, Timeouts};
use redis_rotator::model::request::{ParametersRequest, StragglerPolicyRequest};
use redis_rotator::model::schedule::Trigger;
use redis_rotator::model::{Password, Slot};
use redis_rotator::store::{KeySource, Store};
use support::{TEST_KEY, add_connection, bin, create_request, live_client, ok};

/// The line of `text` whose key column (22 wide) is `key`.
fn line<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find(|l| l.len() > 22 && l[..22].trim_end() == key)
        .unwrap_or_else(|| panic!("no {key:?} line in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_get_shows_the_held_rekey_and_the_sessions_still_on_the_previous_slot() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The scheduler's side runs in this process on a manual clock, so the due time is ours.
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 10, 15, 0, 0).unwrap());
    let store = Arc::new(Store::open(
        d.join("db.json"),
        KeySource::Env(Password::new(TEST_KEY)),
    ));
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        command: Duration::from_secs(2),
    };
    let engine = Engine::with_timeouts(store, Arc::new(clock.clone()), timeouts);
    add_connection(&engine, "shop", &server).await;
    let mut req = create_request("orders", "shop");
    req.parameters
        .get_or_insert_with(ParametersRequest::default)
        .straggler_policy = Some(StragglerPolicyRequest {
        mode: Some("wait".into()),
        max_wait_hours: Some(24.into()),
    });
    engine.create_rotation(&req).await.expect("created");
    let r = engine.rotate("orders", Trigger::Manual).await.unwrap();
    assert_eq!(r.active_index, Slot::One);

    // Nobody on the previous slot yet: the lines say so.
    let get = ok(&bin(d, &["rotation", "get", "orders"], None));
    assert_eq!(
        line(&get, "stragglers"),
        format!(
            "{:<22}wait: a scheduled re-key waits up to 24 h while sessions still use the slot",
            "stragglers"
        )
    );
    assert!(
        line(&get, "slot 0 live")
            .ends_with("0 sessions still use orders-0; 0 failed AUTHs in ACL LOG"),
        "{get}"
    );
    assert!(!get.lines().any(|l| l.starts_with("held ")), "{get}");

    // A slow app still logged in as the previous credential, the one the next re-key changes.
    let prev = engine.credentials("orders").unwrap().previous.unwrap();
    let _app = live_client(server.port, &prev.username, prev.password.expose());
    clock.set(r.next_rotation_at.unwrap() + chrono::Duration::seconds(5));
    assert_eq!(engine.run_due(4).await.len(), 1);
    let held = engine.find_rotation("orders").unwrap().held.expect("held");

    let get = ok(&bin(d, &["rotation", "get", "orders"], None));
    assert!(
        line(&get, "slot 0 live")
            .ends_with("1 session still uses orders-0; 0 failed AUTHs in ACL LOG"),
        "{get}"
    );
    assert!(
        line(&get, "slot 1 live")
            .ends_with("0 sessions still use orders-1; 0 failed AUTHs in ACL LOG"),
        "{get}"
    );
    let held_line = line(&get, "held");
    assert!(
        held_line.contains("1 session still uses orders-0; rotating at ")
            && held_line.ends_with(" at the latest (rotate now overrides)"),
        "{held_line}"
    );
    assert!(
        !get.contains(prev.password.expose()),
        "get never shows a password"
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(&bin(d, &["rotation", "get", "orders", "--json"], None))).unwrap();
    let s = &json["stragglers"];
    assert_eq!(
        s["policy"],
        serde_json::json!({ "mode": "wait", "maxWaitHours": 24 })
    );
    assert_eq!(s["held"]["sessions"], 1);
    assert_eq!(s["held"]["username"], "orders-0");
    assert_eq!(
        s["held"]["until"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap(),
        held.until
    );
    assert_eq!(
        s["liveSessions"],
        serde_json::json!([
            { "slot": 0, "username": "orders-0", "sessions": 1, "failedAuths": 0, "unreachable": 0 },
            { "slot": 1, "username": "orders-1", "sessions": 0, "failedAuths": 0, "unreachable": 0 },
        ])
    );
    assert_eq!(json["secretRotation"]["activeIndex"], 1, "not re-keyed");
}
