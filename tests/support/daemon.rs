//! A real `redis-rotator daemon` process on a test database, with its stdout lines on a channel.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{TEST_KEY, TestDb};

pub struct Daemon {
    pub child: Child,
    lines: mpsc::Receiver<String>,
}

impl Daemon {
    /// Starts `redis-rotator daemon ARGS…` on `db`; stderr goes to the test's output.
    pub fn start(db: &TestDb, args: &[&str]) -> Daemon {
        let mut child = Command::new(env!("CARGO_BIN_EXE_redis-rotator"))
            .arg("daemon")
            .args(args)
            .env("REDIS_ROTATOR_DB", db.arg())
            .env("REDIS_ROTATOR_KEY", TEST_KEY)
            .env("HOME", db.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start daemon");
        let out = child.stdout.take().expect("daemon stdout");
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

    /// Waits up to `timeout` for a line containing `text`; false when none came.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    }

    /// The lines printed since the last `wait_for` or `drain` (for a failing test's message).
    pub fn drain(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
