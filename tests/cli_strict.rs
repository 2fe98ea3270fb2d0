//! Strict at the edges, through the real binary: unknown fields refused with "did you mean",
//! request files bounded, folders and FIFOs refused.

mod common;
mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn command(db: &Path, args: &[&str]) -> Command {
    let mut cmd = support::command(db);
    cmd.args(args);
    cmd
}

fn bin(db: &Path, args: &[&str]) -> Output {
    command(db, args).output().expect("run redis-rotator")
}

fn with_stdin(db: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = command(db, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redis-rotator");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // The program may stop reading at the cap: a broken pipe here is expected.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_typo_in_a_create_request_is_refused_naming_the_closest_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let req = dir.path().join("req.json");
    std::fs::write(
        &req,
        r#"{"name":"x","connectionId":"c","environment":"dev","secretPath":"/","rotationIntervall":5}"#,
    )
    .unwrap();
    let out = bin(
        &db,
        &["rotation", "create", "--file", req.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("unknown field `rotationIntervall`"), "{err}");
    assert!(err.contains("did you mean `rotationInterval`?"), "{err}");
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn a_typo_in_an_update_patch_is_refused_and_so_are_nested_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let out = with_stdin(
        &db,
        &["rotation", "update", "whatever", "--file", "-"],
        br#"{"nmae":"x"}"#,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean `name`?"),
        "{}",
        stderr(&out)
    );
    let out = with_stdin(
        &db,
        &["rotation", "update", "whatever", "--file", "-"],
        br#"{"parameters":{"passwordRequirements":{"required":{"digts":2}}}}"#,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean `digits`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_field_in_the_database_is_refused_by_name_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let text = br#"{"schemaVersion":2,"settings":{"notifyComand":"true"}}"#;
    std::fs::write(&db, text).unwrap();
    let out = bin(&db, &["settings", "set", "notify-command", "true"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("did you mean `notifyCommand`?"), "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), text);
}

#[test]
fn request_files_are_capped_at_one_mebibyte_stdin_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let out = bin(&db, &["rotation", "create", "--file", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than 1 MiB"),
        "{}",
        stderr(&out)
    );

    let big = dir.path().join("big.json");
    let mut body = b"{\"description\":\"".to_vec();
    body.extend(std::iter::repeat_n(b'a', 1024 * 1024));
    body.extend(b"\"}");
    std::fs::write(&big, &body).unwrap();
    let out = bin(
        &db,
        &["rotation", "create", "--file", big.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than 1 MiB"),
        "{}",
        stderr(&out)
    );

    let out = with_stdin(&db, &["rotation", "create", "--file", "-"], &body);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than 1 MiB"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_folder_or_a_fifo_is_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let out = bin(
        &db,
        &["rotation", "create", "--file", dir.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a folder"), "{}", stderr(&out));

    let fifo = dir.path().join("req.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // No writer ever opens it: reading it would block forever, so this returns only if refused.
    let out = bin(
        &db,
        &["rotation", "create", "--file", fifo.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--file - <"), "{}", stderr(&out));
}

/// Runs the binary with stdout a pipe whose reading end is already closed.
fn into_closed_pipe(db: &Path, args: &[&str]) -> Output {
    let mut child = command(db, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redis-rotator");
    drop(child.stdout.take()); // the reader has gone, as `| head -1` after its line
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_the_program_quietly_not_with_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let engine = support::engine_at(db.clone());
    engine
        .store()
        .update_doc(|doc| {
            for i in 0..3000 {
                doc.push_event(redis_rotator::store::NewEvent {
                    at: chrono::Utc::now(),
                    kind: redis_rotator::model::EventKind::Created,
                    outcome: redis_rotator::model::Outcome::Info,
                    rotation: None,
                    job_id: None,
                    message: format!("event number {i} with some text to fill the pipe"),
                    attempt: None,
                });
            }
        })
        .unwrap();
    // 3000 lines are far more than a pipe buffer: the write must meet the closed pipe.
    for args in [
        &["events", "list", "--limit", "3000"][..],
        &["events", "list", "--limit", "3000", "--json"],
    ] {
        let out = into_closed_pipe(&db, args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn an_insecure_connection_is_never_silent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let engine = support::engine_at(db.clone());
    let conn: redis_rotator::model::Connection = serde_json::from_value(serde_json::json!({
        "id": uuid::Uuid::new_v4(), "name": "loose", "host": "127.0.0.1", "port": 1,
        "username": "admin", "tls": { "enabled": true, "rejectUnauthorized": false },
        "createdAt": chrono::Utc::now(), "updatedAt": chrono::Utc::now()
    }))
    .unwrap();
    engine
        .store()
        .update_doc(move |doc| doc.connections.push(conn))
        .unwrap();
    let out = bin(&db, &["connection", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("yes (unverified)"),
        "{out:?}"
    );
    // Unreachable (port 1), but the warning comes first, whatever the outcome.
    let out = bin(&db, &["connection", "test", "loose"]);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        all.contains("without verifying the server's certificate (--insecure)"),
        "{all}"
    );
}
