//! A host that vanishes (no FIN, no RST: powered off, cable cut) while its daemon holds the
//! scheduler lease on a shared PostgreSQL database. Simulated on this machine: the holder is
//! frozen (SIGSTOP) and nftables drops every packet of its PostgreSQL connections, both ways.
//! The server's keepalives end its sessions within seconds, which releases its lease; the other
//! daemon takes over and rotates. When the host comes back, the old holder does not rotate as
//! if it still held the lease: every due time is served once, and Redis and the store agree.
//!
//! Needs root and `nft` (`.ci/run` installs nftables); without them it fails, saying so.

mod common;
mod support;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{Persist, RedisServer};
use redis_rotator::engine::Engine;
use redis_rotator::model::EventKind;
use redis_rotator::store::pg::Target;
use sha2::{Digest, Sha256};
use support::daemon::Daemon;
use support::{TestDb, add_connection, assert_both_authenticate, create_request};

/// Generous for a loaded machine: the server's keepalives end a vanished client's sessions in
/// ~10 s (idle 3 s, then 3 probes 2 s apart).
const TAKEOVER: Duration = Duration::from_secs(45);

/// Fails the test, naming what to install, unless packets can be dropped here.
fn require_root_and_nft() {
    assert!(
        nix::unistd::Uid::effective().is_root(),
        "\n\n*** scheduler_vanished_host drops packets with nftables: run it as root ***\n\n"
    );
    let found = nft_command()
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "\n\n*** `nft` not found: apt-get install nftables (.ci/run installs it) ***\n\n"
    );
}

/// `nft`, from the PATH or where Debian puts it (a PATH without the sbin folders is common).
fn nft_command() -> Command {
    let sbin = std::path::Path::new("/usr/sbin/nft");
    Command::new(if sbin.is_file() {
        sbin.as_os_str()
    } else {
        "nft".as_ref()
    })
}

fn nft(script: &str) {
    let out = nft_command()
        .args(["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(script.as_bytes())?;
            child.wait_with_output()
        })
        .expect("run nft");
    assert!(
        out.status.success(),
        "nft -f failed (does the kernel support nftables?):\n{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An nftables table dropping every packet to and from some local TCP ports (one end of each
/// connection): to those connections, that end's host is gone. Deleted on drop, panics too.
struct Blackhole {
    table: String,
}

impl Blackhole {
    fn ports(ports: &[u16]) -> Blackhole {
        // Unique to this test run: parallel runs never touch each other's rules.
        let table = format!("rr_vanished_{}", std::process::id());
        let rules: String = ports
            .iter()
            .map(|p| format!("    tcp sport {p} drop\n    tcp dport {p} drop\n"))
            .collect();
        // On loopback every packet is delivered through the input hook: dropped there, it
        // leaves its sender with no error, as if the network lost it.
        nft(&format!(
            "table inet {table} {{\n  chain input {{\n    type filter hook input priority -10; policy accept;\n{rules}  }}\n}}\n"
        ));
        Blackhole { table }
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        let _ = nft_command()
            .args(["delete", "table", "inet", &self.table])
            .status();
    }
}

fn signal(daemon: &Daemon, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(daemon.child.id() as i32), sig)
        .expect("signal the daemon");
}

/// Makes `name` due now, as an operator's edit would.
fn make_due(engine: &Engine, name: &str) {
    let name = name.to_string();
    let now = Utc::now();
    engine
        .store()
        .update(move |doc| {
            for r in doc.rotations.iter_mut().filter(|r| r.name == name) {
                r.next_rotation_at = Some(now);
            }
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
}

#[test]
fn every_postgresql_session_asks_the_server_for_keepalives() {
    let db = common::PgCluster::shared().fresh_database();
    // The store's session, its listener's and the lock session all open through `connect`.
    let mut client = Target::parse(&db.url()).unwrap().connect().unwrap();
    let show = |c: &mut postgres::Client, name: &str| -> String {
        c.query_one(&format!("SHOW {name}"), &[]).unwrap().get(0)
    };
    assert_eq!(show(&mut client, "tcp_keepalives_idle"), "3");
    assert_eq!(show(&mut client, "tcp_keepalives_interval"), "2");
    assert_eq!(show(&mut client, "tcp_keepalives_count"), "3");
    assert_eq!(show(&mut client, "tcp_user_timeout"), "10000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_lease_holder_is_replaced_and_never_rotates_again_as_holder() {
    require_root_and_nft();
    let db = TestDb::postgres();
    let pg_port = db.pg.as_ref().expect("PostgreSQL").port();
    let server = RedisServer::start(Persist::Aclfile);
    add_connection(&db.engine, "local", &server).await;
    let names = ["while-gone", "after-return"];
    for name in names {
        db.engine
            .create_rotation(&create_request(name, "local"))
            .await
            .expect("created");
    }
    let holder = Daemon::start(&db, &[]);
    assert!(
        holder.wait_for("scheduler active", Duration::from_secs(10)),
        "the first daemon takes the lease"
    );
    let other = Daemon::start(&db, &[]);
    assert!(
        other.wait_for("standby", Duration::from_secs(10)),
        "the second daemon stands by"
    );
    assert_eq!(
        db.engine.lease_holder().map(|h| h.pid),
        Some(holder.child.id())
    );
    // The holder's connections to PostgreSQL (store, listener, locks); its lock session is
    // among them: the backend holding the lease serves one of these ports.
    let ports = holder.tcp_ports_to(pg_port);
    let url = db.arg().into_string().unwrap();
    // The harness's client is blocking: on a thread of its own, off the runtime.
    let lease_port: i32 = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .query_one(
                "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND l.database = \
                 (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND (l.classid::bigint << 32) | l.objid::bigint = $1",
                &[&redis_rotator::engine::locks::key_of("scheduler")],
            )
            .expect("the lease's backend")
            .get(0)
    })
    .join()
    .unwrap();
    assert!(
        ports.contains(&(lease_port as u16)),
        "the lease session ({lease_port}) is one of the holder's connections {ports:?}"
    );

    // The host vanishes: the holder answers nothing, and its packets go nowhere.
    signal(&holder, nix::sys::signal::Signal::SIGSTOP);
    let blackhole = Blackhole::ports(&ports);
    let gone = Instant::now();
    make_due(&db.engine, "while-gone");
    // Its first pass as the holder rotates what is due (and says "scheduler active" after).
    assert!(
        other.wait_for("rotated while-gone", TAKEOVER),
        "the other daemon takes the lease and rotates within {TAKEOVER:?}; it said:\n{}",
        other.drain().join("\n")
    );
    println!(
        "lease taken over and a due rotation served {:?} after the host vanished",
        gone.elapsed()
    );
    assert_eq!(
        db.engine.lease_holder().map(|h| h.pid),
        Some(other.child.id())
    );

    // The host comes back: the old holder finds its sessions gone and stands by.
    drop(blackhole);
    let _ = holder.drain();
    signal(&holder, nix::sys::signal::Signal::SIGCONT);
    let mut said = Vec::new();
    let back = Instant::now();
    while !said.iter().any(|l: &String| l.contains("standby")) {
        assert!(
            back.elapsed() < TAKEOVER,
            "the old holder notices it lost the lease; it said:\n{}",
            said.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        said.extend(holder.drain());
    }
    make_due(&db.engine, "after-return");
    assert!(
        other.wait_for("rotated after-return", Duration::from_secs(20)),
        "the holder rotates the next due time; it said:\n{}",
        other.drain().join("\n")
    );
    said.extend(holder.drain());
    println!("the old holder, back, said:\n{}", said.join("\n"));
    assert!(
        !said.iter().any(|l| l.contains("rotated")),
        "the old holder rotated after it came back:\n{}",
        said.join("\n")
    );
    drop(holder);
    drop(other);

    // Each due time was served once, by one process at a time, and nothing failed.
    let doc = db.engine.snapshot().unwrap();
    let mut rotated: HashMap<String, usize> = HashMap::new();
    for e in &doc.events {
        match e.kind {
            EventKind::Rotated => {
                *rotated
                    .entry(e.rotation_name.clone().unwrap_or_default())
                    .or_default() += 1
            }
            EventKind::RotationFailed => panic!("a rotation failed: {}", e.message),
            _ => {}
        }
    }
    let expected: HashMap<String, usize> = names.iter().map(|n| (n.to_string(), 1)).collect();
    assert_eq!(rotated, expected, "each due time rotated exactly once");
    // Redis and the store agree: both stored credentials open their users, and Redis holds
    // no password the store does not know.
    for name in names {
        assert_both_authenticate(&db.engine, name, &[&server]);
        let creds = db.engine.credentials(name).unwrap();
        let stored: Vec<_> = std::iter::once(&creds.active)
            .chain(creds.previous.as_ref())
            .collect();
        for c in &stored {
            for h in server.password_hashes(&c.username) {
                assert!(
                    stored.iter().any(|x| x.username == c.username
                        && hex::encode(Sha256::digest(x.password.expose().as_bytes())) == h),
                    "{name}: Redis holds a password of {} that the store does not know",
                    c.username
                );
            }
        }
    }
}
