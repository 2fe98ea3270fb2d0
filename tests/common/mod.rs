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
//! The binary: `REDIS_ROTATOR_TEST_SERVER` (a path, or a name on the PATH; default `redis-server`),
//! so the same suites run against Redis 7.0, Redis 6.2 and Valkey 9.1 (`.ci/run` does all three).
//! `redis-cli` always comes from the PATH; it speaks to all of them.
//!
//! Ports: `free_port()` asks the OS; if `redis-server` then fails to bind (another test took the
//! port), the start is retried on a new port. Cluster nodes also need `port + 10000` free.
//! `stop()` kills the process (like a crash: nothing saved), `restart()` starts it again on the
//! same port with the same dir and config.
//!
//! Files: `server.rs` (one process), `cluster.rs`, `tls.rs` (certificates), `proxy.rs` (a
//! fault-injecting TCP proxy: lost replies, resets, delays), `pg.rs` (a throwaway PostgreSQL
//! for the shared store); this file holds the
//! shared constants and small helpers (`free_port`, `wait_until`, `raw_command`).

// Each test binary uses only part of the harness.
#![allow(dead_code, unused_imports)]

mod backend;
mod cluster;
mod pg;
mod proxy;
mod sentinel;
mod server;
mod tls;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use backend::{Backend, event};
pub use cluster::Cluster;
pub use pg::{PG_PASSWORD, PG_USER, PgCluster, PgDatabase};
pub use proxy::{Fault, FaultProxy};
pub use sentinel::{
    MASTER_NAME, SENTINEL_PASSWORD, SENTINEL_USER, SENTINEL_USER_PASSWORD, SentinelOptions,
    SentinelProcess, SentinelSet,
};
pub use server::RedisServer;
pub use tls::TlsMaterial;

pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-pw-for-tests-only";

/// How the server's ACL users are configured, which decides how ACL changes persist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persist {
    Aclfile,
    ConfigFile,
    Neither,
}

/// The environment variable naming the server binary the tests start: a path, or a name looked up
/// on the PATH (default `redis-server`). `.ci/run` points it at Valkey 9.1 and Redis 6.2 in turn.
pub const SERVER_BIN_VAR: &str = "REDIS_ROTATOR_TEST_SERVER";

pub fn redis_server_bin() -> PathBuf {
    match std::env::var_os(SERVER_BIN_VAR) {
        Some(bin) if !bin.is_empty() => {
            let path = PathBuf::from(&bin);
            if path.components().count() > 1 {
                assert!(
                    path.is_file(),
                    "\n\n*** {SERVER_BIN_VAR}={} is not a file ***\n\n",
                    path.display()
                );
                path
            } else {
                find_bin(&path.to_string_lossy())
            }
        }
        _ => find_bin("redis-server"),
    }
}

/// What the server under test is and its version, from `<bin> --version`
/// (`Redis server v=7.0.15 …`, `Valkey server v=9.1.2 …`): `("redis", (7, 0, 15))`.
pub fn server_under_test() -> (&'static str, (u32, u32, u32)) {
    static FOUND: std::sync::OnceLock<(&'static str, (u32, u32, u32))> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| {
        let bin = redis_server_bin();
        let out = std::process::Command::new(&bin)
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("{} --version: {e}", bin.display()));
        let text = String::from_utf8_lossy(&out.stdout);
        let kind = if text.starts_with("Valkey") {
            "valkey"
        } else {
            "redis"
        };
        let version = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("v="))
            .unwrap_or_else(|| panic!("no v= in `{text}`"));
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let v = (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        (kind, v)
    })
}

/// The rule that takes `cmd|sub` away from a user on the server under test: `-cmd|sub`, or the
/// whole `-cmd` on Redis before 7.0, which cannot remove a subcommand.
pub fn deny(cmd_sub: &str) -> String {
    if server_is_before_7() {
        format!("-{}", cmd_sub.split('|').next().unwrap_or(cmd_sub))
    } else {
        format!("-{cmd_sub}")
    }
}

/// The grant a NOPERM hint names after [`deny`]`(cmd_sub)`: `+cmd|sub`, or `+cmd` before 7.0.
pub fn grant_for(cmd_sub: &str) -> String {
    format!("+{}", &deny(cmd_sub)[1..])
}

/// Whether the server under test is a Redis older than 7.0 (no ACL DRYRUN, no selectors, no
/// `%R~` key permissions): tests of those features check the stated degradation instead.
pub fn server_is_before_7() -> bool {
    let (kind, (major, _, _)) = server_under_test();
    kind == "redis" && major < 7
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

/// Whether the process in `child` has exited; if so it is taken out (`None` afterwards).
pub fn take_if_exited(child: &mut Option<std::process::Child>) -> bool {
    let exited = child
        .as_mut()
        .and_then(|c| c.try_wait().ok().flatten())
        .is_some();
    if exited {
        *child = None;
    }
    exited
}

/// A port that was free a moment ago (the OS picked it). Starting a server retries on collision.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
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
