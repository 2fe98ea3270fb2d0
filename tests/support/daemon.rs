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

    /// The local ports of this daemon's TCP connections to `port` (its PostgreSQL sessions,
    /// given the server's port), read from `/proc`: its socket inodes, then `/proc/net/tcp`.
    pub fn tcp_ports_to(&self, port: u16) -> Vec<u16> {
        let fds = format!("/proc/{}/fd", self.child.id());
        let inodes: Vec<String> = std::fs::read_dir(&fds)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|fd| std::fs::read_link(fd.path()).ok())
            .filter_map(|target| {
                let t = target.to_string_lossy();
                t.strip_prefix("socket:[")?
                    .strip_suffix(']')
                    .map(str::to_string)
            })
            .collect();
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let port_of = |addr: &str| {
            addr.rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok())
        };
        let mut ports: Vec<u16> = table
            .lines()
            .skip(1)
            .filter_map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                // local, remote, state 01 (established), …, inode (the tenth field)
                let (local, remote, state, inode) = (f.get(1)?, f.get(2)?, f.get(3)?, f.get(9)?);
                (*state == "01"
                    && port_of(remote) == Some(port)
                    && inodes.iter().any(|i| i == inode))
                .then(|| port_of(local))
                .flatten()
            })
            .collect();
        ports.sort();
        ports
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
