//! A real PostgreSQL for the tests of the shared store: a throwaway cluster (`initdb`, then the
//! `postgres` server itself) on a free loopback port, password authentication (SCRAM) only, no
//! Unix socket.
//!
//! ```ignore
//! let db = PgCluster::shared().fresh_database(); // one cluster per test binary, a database per test
//! db.url();                                      // postgres://rr:…@127.0.0.1:<port>/rr_<n>
//! let mut own = PgCluster::start();              // a cluster of its own (restart, stop)
//! own.restart();
//! ```
//!
//! The binaries: `REDIS_ROTATOR_TEST_PG_BIN` (a folder holding `initdb` and `postgres`), else
//! Debian's newest `/usr/lib/postgresql/<version>/bin`, else the PATH. `.ci/run` installs the
//! `postgresql` package. As root (CI containers) the cluster is created and run as the
//! `postgres` user, since the server refuses to run as root.
//!
//! Clean-up: an own cluster is stopped and deleted on drop. The shared one lives as long as the
//! test binary: a small watchdog shell stops it and removes its folder once the binary exits.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::free_port;

pub const PG_BIN_VAR: &str = "REDIS_ROTATOR_TEST_PG_BIN";
pub const PG_USER: &str = "rr";
pub const PG_PASSWORD: &str = "pg-pw-for-tests-only";

const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The folder holding `initdb`, `postgres` and `pg_ctl`.
pub fn pg_bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(PG_BIN_VAR).filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("postgres").is_file(),
            "\n\n*** {PG_BIN_VAR}={} holds no `postgres` binary ***\n\n",
            dir.display()
        );
        return dir;
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|d| d.join("postgres").is_file() && d.join("initdb").is_file())
        .unwrap_or_else(|| {
            panic!(
                "\n\n*** PostgreSQL (initdb, postgres) not found: run .ci/run or apt-get install postgresql ***\n\n"
            )
        })
}

/// Who runs the server: the `postgres` user when the tests run as root.
fn run_as() -> Option<(u32, u32)> {
    if !nix::unistd::Uid::effective().is_root() {
        return None;
    }
    let user = nix::unistd::User::from_name("postgres")
        .ok()
        .flatten()
        .unwrap_or_else(|| {
            panic!(
                "\n\n*** running as root needs the `postgres` user (apt-get install postgresql) ***\n\n"
            )
        });
    Some((user.uid.as_raw(), user.gid.as_raw()))
}

fn command(bin: &str, owner: Option<(u32, u32)>) -> Command {
    let mut cmd = Command::new(pg_bin_dir().join(bin));
    if let Some((uid, gid)) = owner {
        cmd.uid(uid).gid(gid);
    }
    cmd.env("LC_ALL", "C");
    cmd
}

/// One PostgreSQL server process and its data folder.
pub struct PgCluster {
    dir: PathBuf,
    port: u16,
    owner: Option<(u32, u32)>,
    child: Option<Child>,
    /// An own cluster is deleted on drop; the shared one by its watchdog.
    own: bool,
    /// Flush to disk as a production server does (tests run with `fsync=off`).
    durable: bool,
}

/// A database of its own inside a cluster.
pub struct PgDatabase {
    pub name: String,
    port: u16,
}

impl PgDatabase {
    /// `postgres://rr:<password>@127.0.0.1:<port>/<name>`.
    pub fn url(&self) -> String {
        format!(
            "postgres://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{}/{}",
            self.port, self.name
        )
    }

    /// The server's port (to find the sessions of a process by its connections).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A client on this database (for tests that look at the rows themselves).
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.name))
    }
}

impl PgCluster {
    /// The cluster every test of this binary shares (started on first use).
    pub fn shared() -> &'static PgCluster {
        static SHARED: OnceLock<PgCluster> = OnceLock::new();
        SHARED.get_or_init(|| {
            let mut cluster = PgCluster::create(false);
            cluster.launch();
            cluster.watch_for_exit();
            cluster
        })
    }

    /// A cluster of this test's own (stopped and deleted on drop).
    pub fn start() -> PgCluster {
        let mut cluster = PgCluster::create(true);
        cluster.launch();
        cluster
    }

    /// An own cluster that flushes its commits to disk as a production server does (the
    /// benchmarks: the JSON database fdatasyncs too).
    pub fn start_durable() -> PgCluster {
        let mut cluster = PgCluster::create(true);
        cluster.durable = true;
        cluster.launch();
        cluster
    }

    fn create(own: bool) -> PgCluster {
        let owner = run_as();
        let dir = tempfile::Builder::new()
            .prefix("rr-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let pwfile = dir.join("pwfile");
        fs::write(&pwfile, format!("{PG_PASSWORD}\n")).expect("pwfile");
        if let Some((uid, gid)) = owner {
            chown(&dir, uid, gid);
            chown(&pwfile, uid, gid);
        }
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).expect("chmod");
        let data = dir.join("data");
        let out = command("initdb", owner)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                PG_USER,
                "--auth=scram-sha-256",
                "--no-sync",
                "-E",
                "UTF8",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("spawn initdb: {e}"));
        assert!(
            out.status.success(),
            "initdb failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        PgCluster {
            dir,
            port: 0,
            owner,
            child: None,
            own,
            durable: false,
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log (for a failing test's message).
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Starts the server on a free port (retrying when another test took it first).
    fn launch(&mut self) {
        for _ in 0..5 {
            let port = if self.port == 0 {
                free_port()
            } else {
                self.port
            };
            if self.spawn(port) {
                self.port = port;
                return;
            }
            if self.port != 0 {
                break;
            }
        }
        panic!("PostgreSQL did not start:\n{}", self.log_tail());
    }

    fn spawn(&mut self, port: u16) -> bool {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("server.log");
        if let Some((uid, gid)) = self.owner {
            chown(&self.log_path(), uid, gid);
        }
        let child = command("postgres", self.owner)
            .arg("-D")
            .arg(self.data())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", &format!("port={port}")])
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "max_connections=400"])
            .args(["-c", "shared_buffers=16MB"])
            .args([
                "-c",
                if self.durable {
                    "fsync=on"
                } else {
                    "fsync=off"
                },
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn postgres: {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.admin_on(port).is_ok() {
                return true;
            }
            if super::take_if_exited(&mut self.child) {
                return false;
            }
            if Instant::now() >= deadline {
                self.stop();
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn admin_on(&self, port: u16) -> Result<postgres::Client, postgres::Error> {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(port)
            .user(PG_USER)
            .password(PG_PASSWORD)
            .dbname("postgres")
            .connect_timeout(Duration::from_secs(2))
            .connect(postgres::NoTls)
    }

    /// A superuser client on the `postgres` database.
    pub fn admin(&self) -> postgres::Client {
        self.admin_on(self.port)
            .unwrap_or_else(|e| panic!("admin connection: {e}\n{}", self.log_tail()))
    }

    /// A new, empty database of this test's own.
    pub fn fresh_database(&self) -> PgDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "rr_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        PgDatabase {
            name,
            port: self.port,
        }
    }

    /// Kills the server at once (like a crash: in-flight transactions are lost).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGQUIT,
            );
            let _ = child.wait();
        }
    }

    /// Stops the server and starts it again on the same port with the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// Stops the shared server and removes its folder once this test binary has exited.
    fn watch_for_exit(&self) {
        let Some(child) = &self.child else { return };
        let script = format!(
            "while kill -0 {me} 2>/dev/null; do sleep 0.5; done; kill -QUIT {pg} 2>/dev/null; \
             for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 {pg} 2>/dev/null || break; sleep 0.5; done; \
             rm -rf '{dir}'",
            me = std::process::id(),
            pg = child.id(),
            dir = self.dir.display()
        );
        // Started in the background by a shell that exits at once (so nothing is left to wait
        // for); the watchdog itself outlives this binary.
        let status = Command::new("sh")
            .args(["-c", &format!("( {script} ) >/dev/null 2>&1 &")])
            .stdin(Stdio::null())
            .process_group(0)
            .status()
            .expect("spawn the PostgreSQL watchdog");
        assert!(status.success(), "the PostgreSQL watchdog did not start");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.own {
            self.stop();
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}
