//! One `redis-server` process: config per persistence mode, start with port retry, restart,
//! and the redis-cli / raw-RESP helpers tests assert with.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{
    ADMIN_PASSWORD, ADMIN_USER, Persist, TlsMaterial, free_port, raw_command, redis_cli_bin,
    redis_server_bin, wait_until,
};

const START_TIMEOUT: Duration = Duration::from_secs(10);
const PORT_ATTEMPTS: usize = 20;

#[derive(Clone, Debug)]
pub(super) enum Role {
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
    /// More command-line options, after the harness's own.
    extra_args: Vec<String>,
}

impl RedisServer {
    /// A standalone server with `default` off and `admin` on, configured as `persist` says.
    pub fn start(persist: Persist) -> RedisServer {
        Self::launch_new(persist, Role::Standalone, false)
    }

    /// A standalone aclfile server started with more options, e.g. `--rename-command ACL ""`
    /// (the harness itself needs no ACL command on an aclfile server).
    pub fn start_with_args(args: &[&str]) -> RedisServer {
        let extra = args.iter().map(|a| a.to_string()).collect();
        Self::launch_with(Persist::Aclfile, Role::Standalone, false, extra)
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

    /// A replica of `primary` returned as soon as its process is up, without waiting for the
    /// link: the primary may still list it as syncing (`state=wait_bgsave`).
    pub fn replica_of_unsynced(primary: &RedisServer) -> RedisServer {
        Self::launch_new(
            Persist::Aclfile,
            Role::Replica {
                primary_port: primary.port,
            },
            false,
        )
    }

    /// Stops the server, puts back the aclfile it started with (only `admin`, as a node rebuilt
    /// from scratch), and starts it again: every user created since is gone.
    pub fn restart_with_empty_aclfile(&mut self) {
        assert_eq!(
            self.persist,
            Persist::Aclfile,
            "only an aclfile server has one"
        );
        self.stop();
        fs::write(self.dir.path().join("users.acl"), Self::users_acl()).expect("reset users.acl");
        self.restart();
    }

    pub(super) fn launch_new(persist: Persist, role: Role, tls: bool) -> RedisServer {
        Self::launch_with(persist, role, tls, Vec::new())
    }

    /// The TLS-only master of a Sentinel set: its certificates are the set's, and it replicates
    /// over TLS (it becomes a replica after a failover).
    pub(super) fn start_tls_master(certs: &Path) -> RedisServer {
        Self::launch_in(
            Persist::Aclfile,
            Role::Standalone,
            Some(certs),
            [
                "--tls-replication",
                "yes",
                "--masteruser",
                ADMIN_USER,
                "--masterauth",
                ADMIN_PASSWORD,
            ]
            .map(String::from)
            .to_vec(),
        )
    }

    /// A TLS-only replica of a TLS `primary` with the same certificates, returned once linked.
    pub fn tls_replica_of(primary: &RedisServer) -> RedisServer {
        let replica = Self::launch_in(
            Persist::Aclfile,
            Role::Replica {
                primary_port: primary.port,
            },
            Some(primary.dir.path()),
            vec!["--tls-replication".into(), "yes".into()],
        );
        replica.wait_linked(primary);
        replica
    }

    fn wait_linked(&self, primary: &RedisServer) {
        let port = self.port;
        wait_until(Duration::from_secs(20), "replica link up", || {
            self.cli(&["INFO", "replication"])
                .contains("master_link_status:up")
                && primary
                    .cli(&["INFO", "replication"])
                    .contains(&format!("port={port},state=online"))
        });
    }

    fn launch_with(
        persist: Persist,
        role: Role,
        tls: bool,
        extra_args: Vec<String>,
    ) -> RedisServer {
        let certs = tls.then_some(None);
        Self::launch_tls_with(persist, role, certs, extra_args)
    }

    fn launch_in(
        persist: Persist,
        role: Role,
        certs: Option<&Path>,
        extra_args: Vec<String>,
    ) -> RedisServer {
        Self::launch_tls_with(persist, role, Some(certs), extra_args)
    }

    /// `tls`: `None` plain; `Some(None)` TLS with fresh certificates; `Some(Some(dir))` TLS with
    /// the certificates in `dir` (so servers of one deployment trust each other).
    fn launch_tls_with(
        persist: Persist,
        role: Role,
        tls: Option<Option<&Path>>,
        extra_args: Vec<String>,
    ) -> RedisServer {
        let bin = redis_server_bin();
        let dir = tempfile::Builder::new()
            .prefix("redis-rotator-test-")
            .tempdir()
            .expect("create temp dir");
        match tls {
            None => {}
            Some(None) => super::tls::write_tls_files(dir.path()),
            Some(Some(from)) => super::tls::copy_tls_files(from, dir.path()),
        }
        let tls = tls.is_some();
        let tls_ca = tls.then(|| dir.path().join("ca.crt"));
        let mut server = RedisServer {
            port: 0,
            dir,
            child: None,
            persist,
            role,
            tls_ca,
            extra_args,
        };
        for attempt in 1..=PORT_ATTEMPTS {
            server.port = match server.role {
                Role::ClusterNode => super::cluster::free_cluster_port(),
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
        args.extend(self.extra_args.iter().cloned());
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
            if super::take_if_exited(&mut self.child) {
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

    /// The SHA-256 hashes of `user`'s passwords (`ACL GETUSER`), lower case and sorted.
    pub fn password_hashes(&self, user: &str) -> Vec<String> {
        let out = self.cli(&["ACL", "GETUSER", user]);
        let is_hash = |l: &str| l.len() == 64 && l.chars().all(|c| c.is_ascii_hexdigit());
        let mut hashes: Vec<String> = out
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != "passwords")
            .skip(1)
            .take_while(|l| is_hash(l))
            .map(str::to_lowercase)
            .collect();
        hashes.sort();
        hashes
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
