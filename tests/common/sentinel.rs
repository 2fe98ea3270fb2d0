//! A Sentinel deployment on loopback: a master, two replicas (aclfile users, the harness admin
//! as replication user, so a demoted master can sync too) and three Sentinels
//! (`<server> <conf> --sentinel`, the same binary), with a forced failover.
//!
//! [`SentinelOptions`]: Sentinels that require a password (`requirepass SENTINEL_PASSWORD`,
//! which they also use with each other, plus an ACL user `SENTINEL_USER`), and a deployment
//! that speaks TLS only (Sentinels and data nodes, one test CA, replication and Sentinel links
//! over TLS too).

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{
    ADMIN_PASSWORD, ADMIN_USER, RedisServer, free_port, redis_cli_bin, redis_server_bin, wait_until,
};

pub const MASTER_NAME: &str = "mymaster";
/// The Sentinels' own `requirepass` (user `default`) with [`SentinelOptions::auth`].
pub const SENTINEL_PASSWORD: &str = "sentinel-pw-for-tests-only";
/// An ACL user the Sentinels also accept with [`SentinelOptions::auth`].
pub const SENTINEL_USER: &str = "watcher";
pub const SENTINEL_USER_PASSWORD: &str = "watcher-pw-for-tests-only";
const SETTLE: Duration = Duration::from_secs(40);

/// How the Sentinel deployment is set up.
#[derive(Clone, Copy, Debug, Default)]
pub struct SentinelOptions {
    /// Sentinels require a password (see the module doc).
    pub auth: bool,
    /// Everything speaks TLS only, with one test CA (`SentinelSet::ca_file`).
    pub tls: bool,
}

/// One `--sentinel` process, killed on drop.
pub struct SentinelProcess {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
    options: SentinelOptions,
    /// The CA file when TLS is on.
    ca: Option<std::path::PathBuf>,
}

impl SentinelProcess {
    fn start(master_port: u16, options: SentinelOptions, certs: Option<&Path>) -> SentinelProcess {
        for _ in 0..20 {
            let dir = tempfile::Builder::new()
                .prefix("redis-rotator-sentinel-")
                .tempdir()
                .expect("temp dir");
            let port = free_port();
            let d = dir.path().display().to_string();
            let listen = match certs {
                None => format!("port {port}\n"),
                Some(from) => {
                    super::tls::copy_tls_files(from, dir.path());
                    format!(
                        "port 0\ntls-port {port}\ntls-cert-file {d}/server.crt\n\
                         tls-key-file {d}/server.key\ntls-ca-cert-file {d}/ca.crt\n\
                         tls-auth-clients no\ntls-replication yes\n"
                    )
                }
            };
            let auth = if options.auth {
                format!(
                    "requirepass {SENTINEL_PASSWORD}\n\
                     user {SENTINEL_USER} on >{SENTINEL_USER_PASSWORD} allcommands\n"
                )
            } else {
                String::new()
            };
            let conf = format!(
                "{listen}bind 127.0.0.1\ndir {d}\nlogfile {d}/sentinel.log\n{auth}\
                 sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 2\n\
                 sentinel auth-user {MASTER_NAME} {ADMIN_USER}\n\
                 sentinel auth-pass {MASTER_NAME} {ADMIN_PASSWORD}\n\
                 sentinel down-after-milliseconds {MASTER_NAME} 2000\n\
                 sentinel failover-timeout {MASTER_NAME} 10000\n\
                 sentinel parallel-syncs {MASTER_NAME} 2\n"
            );
            let conf_path = dir.path().join("sentinel.conf");
            fs::write(&conf_path, conf).expect("write sentinel.conf");
            let child = Command::new(redis_server_bin())
                .arg(&conf_path)
                .arg("--sentinel")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn sentinel");
            let ca = certs.map(|_| dir.path().join("ca.crt"));
            let mut s = SentinelProcess {
                port,
                dir,
                child,
                options,
                ca,
            };
            match s.wait_ready() {
                Ok(()) => return s,
                Err(log) if log.contains("Address already in use") => continue,
                Err(log) => panic!("sentinel on port {port} did not start:\n{log}"),
            }
        }
        panic!("no free port for a Sentinel");
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sentinel.log")).unwrap_or_default()
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains("+monitor master") {
                return Ok(());
            }
            if self.child.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                return Err(log);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `redis-cli -p <sentinel> <args>`, stdout trimmed.
    pub fn cli(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(redis_cli_bin());
        cmd.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
        if let Some(ca) = &self.ca {
            cmd.arg("--tls").arg("--cacert").arg(ca);
        }
        if self.options.auth {
            cmd.args(["--pass", SENTINEL_PASSWORD, "--no-auth-warning"]);
        }
        let out = cmd
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The master port this Sentinel names now.
    pub fn master_port(&self) -> Option<u16> {
        let out = self.cli(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME]);
        out.lines().nth(1)?.trim().parse().ok()
    }

    fn count(&self, what: &str) -> usize {
        self.cli(&["SENTINEL", what, MASTER_NAME])
            .lines()
            .filter(|l| l.trim() == "name")
            .count()
    }
}

impl Drop for SentinelProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Master + 2 replicas + 3 Sentinels, returned once every Sentinel knows both replicas and
/// the two other Sentinels.
pub struct SentinelSet {
    /// The data nodes, the first started as master (which one is master now: [`Self::master`]).
    pub nodes: Vec<RedisServer>,
    pub sentinels: Vec<SentinelProcess>,
    /// The certificates of a TLS set (`ca.crt` signed every server's certificate).
    certs: Option<tempfile::TempDir>,
}

impl SentinelSet {
    pub fn start() -> SentinelSet {
        Self::start_with(SentinelOptions::default())
    }

    pub fn start_with(options: SentinelOptions) -> SentinelSet {
        let certs = options.tls.then(|| {
            let dir = tempfile::Builder::new()
                .prefix("redis-rotator-sentinel-certs-")
                .tempdir()
                .expect("temp dir");
            super::tls::write_tls_files(dir.path());
            dir
        });
        let (master, replicas) = match &certs {
            None => {
                let master = RedisServer::start_with_args(&[
                    "--masteruser",
                    ADMIN_USER,
                    "--masterauth",
                    ADMIN_PASSWORD,
                ]);
                let replicas = [
                    RedisServer::replica_of(&master),
                    RedisServer::replica_of(&master),
                ];
                (master, replicas)
            }
            Some(dir) => {
                let master = RedisServer::start_tls_master(dir.path());
                let replicas = [
                    RedisServer::tls_replica_of(&master),
                    RedisServer::tls_replica_of(&master),
                ];
                (master, replicas)
            }
        };
        let sentinels: Vec<SentinelProcess> = (0..3)
            .map(|_| SentinelProcess::start(master.port, options, certs.as_ref().map(|d| d.path())))
            .collect();
        let set = SentinelSet {
            nodes: std::iter::once(master).chain(replicas).collect(),
            sentinels,
            certs,
        };
        wait_until(
            SETTLE,
            "Sentinels know both replicas and each other",
            || {
                set.sentinels
                    .iter()
                    .all(|s| s.count("REPLICAS") == 2 && s.count("SENTINELS") == 2)
            },
        );
        set
    }

    pub fn sentinel_addrs(&self) -> Vec<String> {
        self.sentinels.iter().map(SentinelProcess::addr).collect()
    }

    /// The data node the Sentinels name as master now.
    pub fn master(&self) -> &RedisServer {
        let port = self.sentinels[0].master_port().expect("a master");
        self.nodes
            .iter()
            .find(|n| n.port == port)
            .expect("a known node")
    }

    /// `SENTINEL FAILOVER`, then waits until every Sentinel names the new master, it answers
    /// `role:master` with both others online as its replicas. Returns the new master's port.
    pub fn failover(&self) -> u16 {
        let old = self.master().port;
        let reply = self.sentinels[0].cli(&["SENTINEL", "FAILOVER", MASTER_NAME]);
        assert_eq!(reply, "OK", "SENTINEL FAILOVER: {reply}");
        let mut new = 0;
        wait_until(SETTLE, "the failover to finish", || {
            let ports: Vec<Option<u16>> = self
                .sentinels
                .iter()
                .map(SentinelProcess::master_port)
                .collect();
            let Some(Some(port)) = ports.first().copied() else {
                return false;
            };
            if port == old || ports.iter().any(|p| *p != Some(port)) {
                return false;
            }
            let Some(master) = self.nodes.iter().find(|n| n.port == port) else {
                return false;
            };
            let info = master.cli(&["INFO", "replication"]);
            new = port;
            info.contains("role:master")
                && info.matches("state=online").count() == self.nodes.len() - 1
        });
        new
    }

    /// The CA that signed every certificate of a TLS set.
    pub fn ca_file(&self) -> Option<std::path::PathBuf> {
        self.certs.as_ref().map(|d| d.path().join("ca.crt"))
    }

    pub fn dir_of_sentinel(&self, i: usize) -> &Path {
        self.sentinels[i].dir.path()
    }
}
