//! The key as the package's service gets it: a key file named by `REDIS_ROTATOR_KEY_FILE`
//! created 0600 at the daemon's first start, or a systemd credential read from
//! `$CREDENTIALS_DIRECTORY/key`; the real binary, no Redis needed.

mod common;
mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use redis_rotator::model::Password;
use redis_rotator::store::secrets::Writer;
use support::{TEST_KEY, engine_at};

/// A different valid key (hex of 32 bytes of 0x2a).
const OTHER_KEY: &str = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";

/// The binary with a clean key environment: none of the four key sources set unless `envs` does.
fn command(home: &Path, db: &Path, envs: &[(&str, &Path)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redis-rotator"));
    cmd.env("HOME", home)
        .env("REDIS_ROTATOR_DB", db)
        .env_remove("REDIS_ROTATOR_KEY")
        .env_remove("REDIS_ROTATOR_KEY_FILE")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

fn run(home: &Path, db: &Path, envs: &[(&str, &Path)], args: &[&str]) -> Output {
    command(home, db, envs)
        .args(args)
        .output()
        .expect("run redis-rotator")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A database with one secret, sealed with `TEST_KEY`.
fn seed_secret(db: &Path) {
    let engine = engine_at(db.to_path_buf());
    let sealed = engine.store().cipher().unwrap().seal(
        &Password::new("s3cret-value"),
        &redis_rotator::store::Binding::secret_value("dev", "/", "TOKEN"),
    );
    engine
        .store()
        .update(move |doc| {
            doc.put_secret("dev", "/", "TOKEN", sealed, Writer::default(), Utc::now());
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
}

struct Daemon {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Daemon {
    fn start(mut cmd: Command) -> Daemon {
        let mut child = cmd
            .arg("daemon")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start daemon");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Daemon { child, lines }
    }

    /// The first line containing `text`, if it comes within `timeout`.
    fn wait_for(&self, text: &str, timeout: Duration) -> Option<String> {
        let end = Instant::now() + timeout;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    fn stop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        assert_eq!(rc, 0);
        assert!(self.wait_for("stopped", Duration::from_secs(10)).is_some());
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn daemon_creates_the_key_file_0600_at_first_start_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let key = dir.path().join("etc/redis-rotator/key");
    let mut d = Daemon::start(command(
        dir.path(),
        &db,
        &[("REDIS_ROTATOR_KEY_FILE", &key)],
    ));
    let banner = d
        .wait_for("daemon on", Duration::from_secs(10))
        .expect("banner");
    assert!(
        banner.contains(&format!("{} (REDIS_ROTATOR_KEY_FILE)", key.display())),
        "{banner}"
    );
    // The banner is printed after the key is loaded, so the file exists by now.
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(key.parent().unwrap()), 0o700);
    let minted = std::fs::read_to_string(&key).unwrap();
    assert!(
        !banner.contains(minted.trim()),
        "the banner never shows the key"
    );
    d.stop();

    // A second start uses the same key, not a new one.
    let mut d = Daemon::start(command(
        dir.path(),
        &db,
        &[("REDIS_ROTATOR_KEY_FILE", &key)],
    ));
    assert!(d.wait_for("daemon on", Duration::from_secs(10)).is_some());
    d.stop();
    assert_eq!(std::fs::read_to_string(&key).unwrap(), minted);
}

#[test]
fn a_systemd_credential_opens_the_database_and_wins_over_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    seed_secret(&db);
    let creds = dir.path().join("credentials");
    std::fs::create_dir(&creds).unwrap();
    std::fs::write(creds.join("key"), TEST_KEY).unwrap();
    std::fs::set_permissions(creds.join("key"), std::fs::Permissions::from_mode(0o400)).unwrap();
    let unused = dir.path().join("etc-key");
    let envs: &[(&str, &Path)] = &[
        ("CREDENTIALS_DIRECTORY", &creds),
        ("REDIS_ROTATOR_KEY_FILE", &unused),
    ];

    let version = run(dir.path(), &db, envs, &["--version"]);
    let version = text(&version.stdout);
    assert!(
        version.contains(&format!(
            "key:       {} (systemd credential `key`)",
            creds.join("key").display()
        )),
        "{version}"
    );
    assert!(
        version.contains(&format!("database:  {}", db.display())),
        "{version}"
    );
    assert!(
        version.contains("store:     local JSON database"),
        "{version}"
    );

    let out = run(dir.path(), &db, envs, &["secrets", "get", "TOKEN"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("s3cret-value"));
    assert!(
        !unused.exists(),
        "the key file is not minted when a credential is there"
    );
}

#[test]
fn the_environment_key_wins_and_without_a_credential_the_key_file_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    seed_secret(&db);
    let creds = dir.path().join("credentials");
    std::fs::create_dir(&creds).unwrap();
    std::fs::write(creds.join("key"), OTHER_KEY).unwrap();

    // REDIS_ROTATOR_KEY beats the (wrong) credential.
    let out = command(dir.path(), &db, &[("CREDENTIALS_DIRECTORY", &creds)])
        .env("REDIS_ROTATOR_KEY", TEST_KEY)
        .args(["secrets", "get", "TOKEN"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // An empty credentials folder falls through to REDIS_ROTATOR_KEY_FILE.
    let empty = dir.path().join("no-credentials");
    std::fs::create_dir(&empty).unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{TEST_KEY}\n")).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let envs: &[(&str, &Path)] = &[
        ("CREDENTIALS_DIRECTORY", &empty),
        ("REDIS_ROTATOR_KEY_FILE", &key_file),
    ];
    let out = run(dir.path(), &db, envs, &["secrets", "get", "TOKEN"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("s3cret-value"));
}

#[test]
fn a_daemon_with_the_wrong_key_stops_at_start_naming_the_file_not_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    seed_secret(&db);
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, OTHER_KEY).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run(
        dir.path(),
        &db,
        &[("REDIS_ROTATOR_KEY_FILE", &key_file)],
        &["daemon"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&key_file.display().to_string()), "{err}");
    assert!(!err.contains(OTHER_KEY), "{err}");
    assert!(
        !text(&out.stdout).contains("scheduler active"),
        "never starts scheduling"
    );
}

#[test]
fn with_log_format_json_every_daemon_line_is_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.json");
    let key = dir.path().join("key");
    let mut cmd = command(dir.path(), &db, &[("REDIS_ROTATOR_KEY_FILE", &key)]);
    let mut child = cmd
        .args(["daemon", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start daemon");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    // Up to the scheduler's first state (active: no other process holds the lease).
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("\"active\"") || line.contains("\"standby\"");
        seen.push(line);
        if done {
            break;
        }
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    seen.extend(lines.map_while(Result::ok));
    assert!(child.wait().unwrap().success());
    let states: Vec<String> = seen
        .iter()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            v["daemon"].as_str().unwrap_or("").to_string()
        })
        .collect();
    for state in ["start", "active", "stopping", "stopped"] {
        assert!(states.iter().any(|s| s == state), "{state} in {seen:?}");
    }
}
