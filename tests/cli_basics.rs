//! The real binary on the read side: empty and corrupt databases, secrets export/get, run,
//! exit codes and `--help` on every subcommand.

mod common;
mod support;

use std::path::Path;
use std::process::{Command, Output};

use chrono::Utc;
use redis_rotator::model::Password;
use redis_rotator::store::secrets::Writer;
use support::{engine_at, run};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn export_of_an_empty_database_prints_nothing_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.json");
    let out = run(&db, &["secrets", "export", "--format", "dotenv"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(!db.exists(), "reading never creates the database");
}

#[test]
fn a_zero_byte_database_is_refused_by_name_and_never_overwritten() {
    // redis-rotator never writes an empty file: one is damage or someone else's file.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.json");
    std::fs::write(&db, b"").unwrap();
    for args in [
        &["secrets", "export", "--format", "dotenv"][..],
        &["settings", "set", "notify-command", "true"],
        &["rotation", "list"],
    ] {
        let out = run(&db, args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&db.display().to_string()), "{err}");
        assert!(err.contains("empty file"), "{err}");
        assert!(err.contains("move it away"), "{err}");
        assert_eq!(std::fs::read(&db).unwrap(), b"", "left as it is");
    }
}

#[test]
fn a_corrupt_database_is_refused_by_name_and_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("corrupt.json");
    let garbage = b"{\"schemaVersion\": 1, \"rotations\": [ oops".to_vec();
    std::fs::write(&db, &garbage).unwrap();
    for args in [
        &["secrets", "export", "--format", "dotenv"][..],
        &["settings", "set", "notify-command", "true"],
        &["rotation", "list"],
    ] {
        let out = run(&db, args, None);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("corrupt.json"),
            "names the file: {}",
            stderr(&out)
        );
        assert_eq!(
            std::fs::read(&db).unwrap(),
            garbage,
            "untouched after {args:?}"
        );
    }
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.json");
    let body = b"{\"schemaVersion\": 999}".to_vec();
    std::fs::write(&db, &body).unwrap();
    let out = run(&db, &["settings", "set", "notify-command", "true"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("future.json") && stderr(&out).contains("999"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&db).unwrap(), body);
}

fn seed_secrets(db: &Path) {
    let engine = engine_at(db.to_path_buf());
    let cipher = engine.store().cipher().unwrap();
    let values = [
        ("API_URL", "https://x.test/?a=1&b=2"),
        ("QUOTED", "it's \"quoted\" $HOME \\ done"),
        ("PLAIN", "plain"),
    ];
    let sealed: Vec<_> = values
        .iter()
        .map(|(n, v)| {
            let at = redis_rotator::store::Binding::secret_value("dev", "/app", n);
            (n.to_string(), cipher.seal(&Password::new(*v), &at))
        })
        .collect();
    engine
        .store()
        .update(move |doc| {
            for (name, value) in sealed {
                doc.put_secret("dev", "/app", &name, value, Writer::default(), Utc::now());
            }
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
}

#[test]
fn secrets_are_exported_quoted_for_each_format_and_read_by_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    seed_secrets(&db);
    let shell = run(
        &db,
        &[
            "secrets", "export", "--env", "dev", "--path", "/app/", "--format", "shell",
        ],
        None,
    );
    assert_eq!(shell.status.code(), Some(0), "{}", stderr(&shell));
    let script = format!("{}\nprintf '%s' \"$QUOTED\"", stdout(&shell));
    let echoed = Command::new("sh").arg("-c").arg(script).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&echoed.stdout),
        "it's \"quoted\" $HOME \\ done"
    );

    let json = run(
        &db,
        &[
            "secrets", "export", "--env", "dev", "--path", "/app", "--format", "json",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["API_URL"], "https://x.test/?a=1&b=2");

    let get = run(
        &db,
        &["secrets", "get", "PLAIN", "--env", "dev", "--path", "/app"],
        None,
    );
    assert_eq!(stdout(&get), "plain\n");

    let ran = run(
        &db,
        &[
            "run",
            "--env",
            "dev",
            "--path",
            "/app",
            "--",
            "sh",
            "-c",
            "test \"$PLAIN\" = plain && exit 7",
        ],
        None,
    );
    assert_eq!(
        ran.status.code(),
        Some(7),
        "exit code passed through: {}",
        stderr(&ran)
    );

    let missing = run(
        &db,
        &["secrets", "get", "NOPE", "--env", "dev", "--path", "/app"],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("NOPE"));
    // No database file (manifest, parts, commit log) holds a plaintext secret, and each is private.
    use std::os::unix::fs::PermissionsExt;
    let files = support::database_bytes(&db);
    assert!(files.len() > 1, "the parts are written too: {files:?}");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("quoted") && !text.contains("x.test"),
            "{} holds a plaintext secret",
            path.display()
        );
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o600,
            "{} is not private",
            path.display()
        );
    }
}

#[test]
fn a_bad_request_exits_2_naming_the_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let req = dir.path().join("req.json");
    std::fs::write(&req, r#"{"name":"x","connectionId":"nope","rotationInterval":2.5,"rotateAtUtc":{"hours":11.5,"minutes":29.5},"secretsMapping":{"username":"U","password":"P"}}"#).unwrap();
    let out = run(
        &db,
        &["rotation", "create", "--file", req.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for field in [
        "rotateAtUtc.hours",
        "rotateAtUtc.minutes",
        "rotationInterval",
        "connectionId",
    ] {
        assert!(err.contains(field), "names {field}: {err}");
    }
    assert!(!db.exists());
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let cmds: &[&[&str]] = &[
        &[],
        &["connection"],
        &["connection", "add"],
        &["connection", "list"],
        &["connection", "test"],
        &["connection", "edit"],
        &["connection", "remove"],
        &["rotation"],
        &["rotation", "create"],
        &["rotation", "list"],
        &["rotation", "get"],
        &["rotation", "credentials"],
        &["rotation", "rotate"],
        &["rotation", "update"],
        &["rotation", "delete"],
        &["secrets"],
        &["secrets", "list"],
        &["secrets", "get"],
        &["secrets", "export"],
        &["run"],
        &["events"],
        &["events", "list"],
        &["settings"],
        &["settings", "get"],
        &["settings", "set"],
        &["daemon"],
        &["demo"],
        &["completions"],
        &["man-pages"],
    ];
    for c in cmds {
        let mut args = c.to_vec();
        args.push("--help");
        let out = run(&db, &args, None);
        assert_eq!(out.status.code(), Some(0), "{c:?} --help");
        assert!(stdout(&out).contains("Usage:"), "{c:?}");
    }
    let out = run(&db, &["rotation", "frobnicate"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown subcommand is bad input"
    );
}
