//! `rotation create` through the real binary warns about every risky command a scope grants by
//! name, judged by the connected server's own `@admin` / `@dangerous` categories (`ACL CAT`), and
//! by the built-in table when the server cannot be asked.

mod common;
mod support;

use common::{Persist, RedisServer};
use support::{add_shop_connection, create_request, create_rotation, ok};

fn create_with_scope(d: &std::path::Path, name: &str, scope: &str) -> String {
    let mut req = create_request(name, "shop");
    req.parameters.as_mut().unwrap().permission_scope = Some(scope.into());
    let out = create_rotation(d, &req);
    ok(&out);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn warned(stderr: &str, rule: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.starts_with("warning: parameters.permissionScope:") && l.contains(rule))
}

#[test]
fn create_warns_about_single_risky_commands_by_the_servers_categories() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&add_shop_connection(d, server.port));

    let err = create_with_scope(
        d,
        "orders",
        "~app:* +get +module|load +config|set +flushall +module|list",
    );
    assert!(warned(&err, "`+module|load`"), "{err}");
    assert!(err.contains("load native code into Redis"), "{err}");
    assert!(warned(&err, "`+config|set`"), "{err}");
    assert!(warned(&err, "`+flushall`"), "{err}");
    // Only the server says MODULE LIST is @admin (the built-in table calls it harmless).
    assert!(warned(&err, "`+module|list`"), "{err}");
    assert!(!warned(&err, "`+get`"), "{err}");

    let err = create_with_scope(d, "carts", "~app:* +get +set");
    assert!(
        !err.contains("warning: parameters.permissionScope"),
        "{err}"
    );

    let err = create_with_scope(d, "idle", "allkeys");
    assert!(warned(&err, "grants no command"), "{err}");
}

#[test]
fn create_falls_back_to_the_built_in_table_when_the_server_cannot_be_asked() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&add_shop_connection(d, server.port));
    // The admin may no longer list categories: the built-in table answers.
    server.cli(&["ACL", "SETUSER", "admin", "-acl|cat"]);

    let err = create_with_scope(d, "orders", "~app:* +get +flushall +module|list");
    assert!(warned(&err, "`+flushall`"), "{err}");
    assert!(!warned(&err, "`+module|list`"), "{err}");
}
