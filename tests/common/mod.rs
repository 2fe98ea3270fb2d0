//! The real-`redis-server` harness every integration test uses. No mocks: each helper starts a
//! `redis-server` process on a free loopback port, in its own temp dir, and kills it on drop.
//!
//! ```ignore
//! mod common;
//! use common::{RedisServer, Persist, Cluster, ADMIN_USER, ADMIN_PASSWORD};
//!
//! let server = RedisServer::start(Persist::Aclfile); // standalone, users in an aclfile
//! server.addr();                                      // "127.0.0.1:<port>"
//! server.cli(&["ACL", "USERS"]);                      // redis-cli as admin, stdout trimmed
//! server.can_auth("app-0", "pw");                     // a fresh AUTH on a new connection
//! let (tls, material) = RedisServer::start_tls();     // TLS only (`--port 0`), CA in material
//! let replica = RedisServer::replica_of(&server);     // waits until the link is up
//! let cluster = Cluster::start(3, 1);                 // 3 masters + 1 replica each, state ok
//! ```
//!
//! Every server: `--bind 127.0.0.1`, `--save ""`, `--appendonly no`, log in its dir, user
//! `default` off and user `admin` (`ADMIN_PASSWORD`, `~* &* +@all`). How the users are configured
//! follows [`Persist`], so probes see the persistence mode a real deployment would have:
//! - `Aclfile`: `--aclfile <dir>/users.acl` (→ `ACL SAVE`);
//! - `ConfigFile`: `user` directives in `<dir>/redis.conf`, the server started with that file
//!   (→ `CONFIG REWRITE`);
//! - `Neither`: no config file, no aclfile; `admin` is created at runtime through the `default`
//!   user, which is then switched off. `restart()` re-creates `admin` the same way (only admin:
//!   every other runtime user is gone, as on a real server).
//!
//! Ports: `free_port()` asks the OS; if `redis-server` then fails to bind (another test took the
//! port), the start is retried on a new port. Cluster nodes also need `port + 10000` free.
//! `stop()` kills the process (like a crash: nothing saved), `restart()` starts it again on the
//! same port with the same dir and config.

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-pw-for-tests-only";

const START_TIMEOUT: Duration = Duration::from_secs(10);
const PORT_ATTEMPTS: usize = 20;

/// How the server's ACL users are configured, which decides how ACL changes persist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persist {
    Aclfile,
    ConfigFile,
    Neither,
}

/// CA material for a TLS server. `ca_pem` signed the server's certificate (valid for
/// `localhost` and `127.0.0.1`); `other_ca_pem` is an unrelated CA (for "unknown CA" tests).
#[derive(Clone, Debug)]
pub struct TlsMaterial {
    pub ca_pem: String,
    pub other_ca_pem: String,
    /// `ca_pem` written to a file, for "CA certificate as a path" tests.
    pub ca_file: PathBuf,
}

pub fn redis_server_bin() -> PathBuf {
    find_bin("redis-server")
}

pub fn redis_cli_bin() -> PathBuf {
    find_bin("redis-cli")
}

fn find_bin(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "\n\n*** {name} not found on PATH: run .ci/run or apt-get install redis-server ***\n\n"
            )
        })
}

/// A port that was free a moment ago (the OS picked it). Starting a server retries on collision.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// A free port whose cluster bus port (`port + 10000`) is free too.
fn free_cluster_port() -> u16 {
    loop {
        let port = free_port();
        if port <= 55535 && TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            return port;
        }
    }
}

/// Polls `f` every 20 ms until it is true; panics naming `what` after `timeout`.
pub fn wait_until(timeout: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[derive(Clone, Debug)]
enum Role {
    Standalone,
    Replica { primary_port: u16 },
    ClusterNode,
}

pub struct RedisServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    persist: Persist,
    role: Role,
    /// CA file when the server speaks TLS only.
    tls_ca: Option<PathBuf>,
}

impl RedisServer {
    /// A standalone server with `default` off and `admin` on, configured as `persist` says.
    pub fn start(persist: Persist) -> RedisServer {
        Self::launch_new(persist, Role::Standalone, false)
    }

    /// A TLS-only standalone server (aclfile users); the certificate is valid for `localhost`
    /// and `127.0.0.1`. Clients need no certificate (`tls-auth-clients no`).
    pub fn start_tls() -> (RedisServer, TlsMaterial) {
        let server = Self::launch_new(Persist::Aclfile, Role::Standalone, true);
        let dir = server.dir.path();
        let material = TlsMaterial {
            ca_pem: fs::read_to_string(dir.join("ca.crt")).expect("read ca.crt"),
            other_ca_pem: fs::read_to_string(dir.join("other-ca.crt")).expect("read other-ca.crt"),
            ca_file: dir.join("ca.crt"),
        };
        (server, material)
    }

    /// A replica of `primary` (aclfile users, same admin), returned once the primary lists it
    /// online and the replica reports `master_link_status:up`.
    pub fn replica_of(primary: &RedisServer) -> RedisServer {
        let replica = Self::launch_new(
            Persist::Aclfile,
            Role::Replica {
                primary_port: primary.port,
            },
            false,
        );
        let port = replica.port;
        wait_until(Duration::from_secs(20), "replica link up", || {
            replica
                .cli(&["INFO", "replication"])
                .contains("master_link_status:up")
                && primary
                    .cli(&["INFO", "replication"])
                    .contains(&format!("port={port},state=online"))
        });
        replica
    }

    fn launch_new(persist: Persist, role: Role, tls: bool) -> RedisServer {
        let bin = redis_server_bin();
        let dir = tempfile::Builder::new()
            .prefix("redis-rotator-test-")
            .tempdir()
            .expect("create temp dir");
        if tls {
            write_tls_files(dir.path());
        }
        let tls_ca = tls.then(|| dir.path().join("ca.crt"));
        let mut server = RedisServer {
            port: 0,
            dir,
            child: None,
            persist,
            role,
            tls_ca,
        };
        for attempt in 1..=PORT_ATTEMPTS {
            server.port = match server.role {
                Role::ClusterNode => free_cluster_port(),
                _ => free_port(),
            };
            server.write_config_files();
            match server.spawn(&bin) {
                Ok(()) => {
                    server.bootstrap();
                    return server;
                }
                Err(PortTaken) if attempt < PORT_ATTEMPTS => continue,
                Err(PortTaken) => panic!("no free port after {PORT_ATTEMPTS} attempts"),
            }
        }
        unreachable!()
    }

    fn users_acl() -> String {
        format!("user default off\nuser {ADMIN_USER} on >{ADMIN_PASSWORD} ~* &* +@all\n")
    }

    fn write_config_files(&self) {
        let dir = self.dir.path();
        match self.persist {
            Persist::Aclfile => {
                // Only on first start: a restart must see what `ACL SAVE` wrote.
                let acl = dir.join("users.acl");
                if !acl.exists() {
                    fs::write(&acl, Self::users_acl()).expect("write users.acl");
                }
            }
            Persist::ConfigFile => {
                let conf = dir.join("redis.conf");
                if !conf.exists() {
                    fs::write(&conf, Self::users_acl()).expect("write redis.conf");
                }
            }
            Persist::Neither => {}
        }
    }

    fn args(&self) -> Vec<String> {
        let dir = self.dir.path();
        let d = |name: &str| dir.join(name).display().to_string();
        let mut args = Vec::new();
        if self.persist == Persist::ConfigFile {
            args.push(d("redis.conf"));
        }
        let port = self.port.to_string();
        if self.tls_ca.is_some() {
            args.extend(["--port", "0", "--tls-port", &port].map(String::from));
            args.extend(
                [
                    ("--tls-cert-file", d("server.crt")),
                    ("--tls-key-file", d("server.key")),
                    ("--tls-ca-cert-file", d("ca.crt")),
                    ("--tls-auth-clients", "no".into()),
                ]
                .into_iter()
                .flat_map(|(k, v)| [k.to_string(), v]),
            );
        } else {
            args.extend(["--port".to_string(), port]);
        }
        args.extend(
            [
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                // A replica syncs at once instead of after the default 5 s batching delay.
                "--repl-diskless-sync-delay",
                "0",
            ]
            .map(String::from),
        );
        args.extend(["--dir".into(), d(""), "--logfile".into(), d("redis.log")]);
        if self.persist == Persist::Aclfile {
            args.extend(["--aclfile".into(), d("users.acl")]);
        }
        let replication_auth =
            ["--masteruser", ADMIN_USER, "--masterauth", ADMIN_PASSWORD].map(String::from);
        match self.role {
            Role::Standalone => {}
            Role::Replica { primary_port } => {
                args.extend([
                    "--replicaof".into(),
                    "127.0.0.1".into(),
                    primary_port.to_string(),
                ]);
                args.extend(replication_auth);
            }
            Role::ClusterNode => {
                args.extend(
                    ["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"]
                        .map(String::from),
                );
                args.extend(["--cluster-config-file".into(), d("nodes.conf")]);
                args.extend(replication_auth);
            }
        }
        args
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    /// The process id, e.g. to `SIGSTOP` the server and see timeouts; `None` when stopped.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The last 30 lines of the server's log (and its stderr), for failure messages.
    pub fn log_tail(&self) -> String {
        let read = |p: PathBuf| fs::read_to_string(p).unwrap_or_default();
        let log = read(self.log_path()) + &read(self.dir.path().join("stderr.log"));
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Starts the process and waits until it accepts connections. `Err` only when the port was
    /// taken; any other failure panics with the log's tail.
    fn spawn(&mut self, bin: &Path) -> Result<(), PortTaken> {
        // A fresh log per attempt, so "Ready" and "in use" refer to this process.
        let _ = fs::remove_file(self.log_path());
        let stderr = fs::File::create(self.dir.path().join("stderr.log")).expect("stderr.log");
        let child = Command::new(bin)
            .args(self.args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let log = fs::read_to_string(self.log_path()).unwrap_or_default();
            if log.contains("Ready to accept connections") {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
                .is_some();
            if exited {
                self.child = None;
                if self.log_tail().contains("Address already in use") {
                    return Err(PortTaken);
                }
                panic!(
                    "redis-server on port {} exited during start:\n{}",
                    self.port,
                    self.log_tail()
                );
            }
            if Instant::now() >= deadline {
                let tail = self.log_tail();
                self.stop();
                panic!(
                    "redis-server on port {} not ready after {START_TIMEOUT:?}:\n{tail}",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `Neither` has no file to hold users: create `admin` through `default`, then lock
    /// `default`, as an operator would.
    fn bootstrap(&self) {
        if self.persist != Persist::Neither {
            return;
        }
        let setuser = [
            "ACL",
            "SETUSER",
            ADMIN_USER,
            "on",
            &format!(">{ADMIN_PASSWORD}"),
            "~*",
            "&*",
            "+@all",
        ];
        let reply = raw_command(self.port, None, &setuser).expect("create admin");
        assert_eq!(reply, "+OK", "create admin: {reply}");
        let reply = self.raw_admin(&["ACL", "SETUSER", "default", "off"]);
        assert_eq!(reply, "+OK", "default off: {reply}");
    }

    fn raw_admin(&self, args: &[&str]) -> String {
        raw_command(self.port, Some((ADMIN_USER, ADMIN_PASSWORD)), args)
            .unwrap_or_else(|e| panic!("{args:?} on port {}: {e}", self.port))
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn host(&self) -> &str {
        "127.0.0.1"
    }

    pub fn is_tls(&self) -> bool {
        self.tls_ca.is_some()
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills the process (nothing is saved, like a crash) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops, then starts again on the same port with the same dir and config.
    pub fn restart(&mut self) {
        self.stop();
        let bin = redis_server_bin();
        // The port was ours a moment ago; a client's ephemeral port may briefly sit on it.
        let mut attempts = 0;
        while self.spawn(&bin).is_err() {
            attempts += 1;
            assert!(attempts < 100, "port {} stayed taken on restart", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
        self.bootstrap();
    }

    /// `redis-cli` as admin (TLS flags when needed); stdout trimmed. Error replies appear in
    /// the output as redis-cli prints them (e.g. `NOPERM …`).
    pub fn cli(&self, args: &[&str]) -> String {
        let out = self
            .cli_command(Some((ADMIN_USER, ADMIN_PASSWORD)))
            .args(args)
            .output()
            .expect("run redis-cli");
        let mut text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if text.is_empty() {
            text = String::from_utf8_lossy(&out.stderr).trim().to_string();
        }
        text
    }

    fn cli_command(&self, auth: Option<(&str, &str)>) -> Command {
        let mut cmd = Command::new(redis_cli_bin());
        cmd.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
        if let Some(ca) = &self.tls_ca {
            cmd.arg("--tls").arg("--cacert").arg(ca);
        }
        if let Some((user, pass)) = auth {
            cmd.args(["--user", user, "--pass", pass, "--no-auth-warning"]);
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Whether a fresh connection can `AUTH user password`.
    pub fn can_auth(&self, user: &str, password: &str) -> bool {
        if self.tls_ca.is_some() {
            let out = self
                .cli_command(None)
                .args(["AUTH", user, password])
                .output()
                .expect("run redis-cli");
            return String::from_utf8_lossy(&out.stdout).trim() == "OK";
        }
        raw_command(self.port, None, &["AUTH", user, password]).as_deref() == Ok("+OK")
    }

    pub fn acl_users(&self) -> Vec<String> {
        self.cli(&["ACL", "USERS"])
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

struct PortTaken;

/// One command over plain TCP (RESP), after an optional `AUTH`. Returns the first line of the
/// command's reply (`+OK`, `-ERR …`, `:1`, `$3`…), or `Err` if the AUTH or the I/O failed.
pub fn raw_command(port: u16, auth: Option<(&str, &str)>, args: &[&str]) -> Result<String, String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut send = |args: &[&str], reader: &mut BufReader<TcpStream>| -> Result<String, String> {
        let mut buf = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a.as_bytes());
            buf.extend_from_slice(b"\r\n");
        }
        writer.write_all(&buf).map_err(|e| e.to_string())?;
        line.clear();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        Ok(line.trim_end().to_string())
    };
    if let Some((user, pass)) = auth {
        let reply = send(&["AUTH", user, pass], &mut reader)?;
        if reply != "+OK" {
            return Err(reply);
        }
    }
    send(args, &mut reader)
}

fn write_tls_files(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    let new_ca = |name: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("ca key");
        let cert = params.self_signed(&key).expect("self-sign ca");
        (cert.pem(), Issuer::new(params, key))
    };
    let (ca_pem, issuer) = new_ca("redis-rotator test CA");
    let (other_ca_pem, _) = new_ca("an unrelated CA");

    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &issuer).expect("sign server cert");

    fs::write(dir.join("ca.crt"), ca_pem).expect("write ca.crt");
    fs::write(dir.join("other-ca.crt"), other_ca_pem).expect("write other-ca.crt");
    fs::write(dir.join("server.crt"), cert.pem()).expect("write server.crt");
    fs::write(dir.join("server.key"), key.serialize_pem()).expect("write server.key");
}

/// A Redis Cluster of `masters` primaries with `replicas_per_master` replicas each, every node
/// with aclfile users, returned once every node sees all the others and `cluster_state:ok`.
pub struct Cluster {
    pub nodes: Vec<RedisServer>,
}

impl Cluster {
    pub fn start(masters: usize, replicas_per_master: usize) -> Cluster {
        let total = masters * (1 + replicas_per_master);
        // Started one after another: each start owns its port before the next one picks.
        let nodes: Vec<RedisServer> = (0..total)
            .map(|_| RedisServer::launch_new(Persist::Aclfile, Role::ClusterNode, false))
            .collect();
        let mut cmd = Command::new(redis_cli_bin());
        cmd.args([
            "--user",
            ADMIN_USER,
            "--pass",
            ADMIN_PASSWORD,
            "--no-auth-warning",
        ]);
        cmd.arg("--cluster").arg("create");
        cmd.args(nodes.iter().map(RedisServer::addr));
        cmd.args([
            "--cluster-replicas",
            &replicas_per_master.to_string(),
            "--cluster-yes",
        ]);
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --cluster create");
        let mut stdout = String::new();
        stdout.push_str(&String::from_utf8_lossy(&out.stdout));
        stdout.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success() && stdout.contains("[OK] All 16384 slots covered"),
            "redis-cli --cluster create failed:\n{stdout}"
        );
        let cluster = Cluster { nodes };
        wait_until(
            Duration::from_secs(30),
            "cluster state ok on every node",
            || cluster.nodes.iter().all(|n| n.cluster_settled(total)),
        );
        cluster
    }

    pub fn addrs(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::addr).collect()
    }
}

impl RedisServer {
    /// Sees `total` nodes, none in handshake, state ok; a replica also has its link up.
    fn cluster_settled(&self, total: usize) -> bool {
        if !self.cli(&["CLUSTER", "INFO"]).contains("cluster_state:ok") {
            return false;
        }
        let nodes = self.cli(&["CLUSTER", "NODES"]);
        let lines: Vec<&str> = nodes.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() != total
            || lines
                .iter()
                .any(|l| l.contains("handshake") || l.contains("noaddr"))
        {
            return false;
        }
        let me = lines
            .iter()
            .find(|l| l.contains("myself"))
            .copied()
            .unwrap_or("");
        !me.contains("slave")
            || self
                .cli(&["INFO", "replication"])
                .contains("master_link_status:up")
    }
}
