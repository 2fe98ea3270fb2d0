//! Logs per mode, against a real redis-server: every line of a rotation run at the most verbose
//! level carries the job's span (job id, rotation, environment) and no password appears in any
//! of them; the CLI is quiet on stderr unless `RUST_LOG` asks; the daemon's JSON lines are all
//! JSON.

mod common;
mod support;

use std::path::Path;
use std::process::{Output, Stdio};

use common::{Persist, RedisServer};
use support::{add_shop_connection, bin, create_request, create_rotation, ok};

/// The real binary with `RUST_LOG` set to `filter`.
fn logged(dir: &Path, filter: &str, args: &[&str]) -> Output {
    support::command(&dir.join("db.json"))
        .args(args)
        .env("RUST_LOG", filter)
        .stdin(Stdio::null())
        .output()
        .expect("run redis-rotator")
}

/// Both stored passwords of `orders` (current and previous).
fn passwords(dir: &Path) -> Vec<String> {
    let creds: serde_json::Value = serde_json::from_str(&ok(&bin(
        dir,
        &["rotation", "credentials", "orders", "--json"],
        None,
    )))
    .unwrap();
    let mut out = vec![creds["current"]["password"].as_str().unwrap().to_string()];
    if let Some(p) = creds["previous"]["password"].as_str() {
        out.push(p.to_string());
    }
    out
}

#[test]
fn no_password_appears_in_any_log_line_of_a_rotation_run() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&add_shop_connection(d, server.port));
    ok(&create_rotation(d, &create_request("orders", "shop")));
    let mut lines = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let run = logged(d, "trace", &["rotation", "rotate", "orders"]);
        ok(&run);
        lines.extend(
            String::from_utf8_lossy(&run.stderr)
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>(),
        );
        seen.extend(passwords(d));
    }
    seen.push(common::ADMIN_PASSWORD.to_string());
    // The run did log, inside the job's span.
    let promoted: Vec<&String> = lines.iter().filter(|l| l.contains("promoted")).collect();
    assert_eq!(promoted.len(), 3, "one promotion per run: {lines:#?}");
    for l in &promoted {
        assert!(
            l.contains("rotation{job_id=")
                && l.contains("rotation=orders")
                && l.contains("environment=dev"),
            "{l}"
        );
    }
    for line in &lines {
        for secret in &seen {
            assert!(!line.contains(secret.as_str()), "a secret in: {line}");
        }
    }
}

#[test]
fn the_command_line_logs_warnings_only_unless_rust_log_says_more() {
    let server = RedisServer::start(Persist::Aclfile);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&add_shop_connection(d, server.port));
    ok(&create_rotation(d, &create_request("orders", "shop")));
    let quiet = bin(d, &["rotation", "rotate", "orders"], None);
    ok(&quiet);
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("promoted"),
        "info lines hidden by default"
    );
    let loud = logged(d, "info", &["rotation", "rotate", "orders"]);
    ok(&loud);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("promoted"));
}
