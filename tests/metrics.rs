//! `daemon --metrics-addr` against a real redis-server: the output passes `promtool check
//! metrics`, `/healthz` answers, and a real Prometheus server on loopback scraping the daemon
//! sees `redis_rotator_rotations_total` increase as the daemon rotates (Debian's `prometheus`
//! package; `.ci/run` installs it).

mod common;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{Persist, RedisServer, free_port};
use support::daemon::Daemon;
use support::{TestDb, add_connection, create_request, engine_at};

/// A daemon serving metrics on a free loopback port, sampling sessions every second.
fn start_daemon(db: &TestDb) -> (Daemon, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let d = Daemon::start(db, &["--metrics-addr", &addr, "--health-every", "1"]);
    assert!(d.wait_for("scheduler active", WAIT), "daemon started");
    (d, addr)
}

/// A plain HTTP/1.0 GET: status and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// Makes every rotation due now, as an operator's edit of the store would.
fn make_due(db: &TestDb) {
    let writer = engine_at(db.path());
    let now = Utc::now();
    writer
        .store()
        .update(move |doc| {
            for r in doc.rotations.iter_mut() {
                r.next_rotation_at = Some(now);
            }
            Ok::<_, redis_rotator::store::StoreError>(())
        })
        .unwrap();
}

async fn setup() -> (RedisServer, TestDb) {
    let server = RedisServer::start(Persist::Aclfile);
    let db = TestDb::new();
    add_connection(&db.engine, "local", &server).await;
    db.engine
        .create_rotation(&create_request("orders", "local"))
        .await
        .expect("created");
    (server, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_page_passes_promtool_and_counts_a_scheduled_rotation() {
    let (_server, db) = setup().await;
    let (d, addr) = start_daemon(&db);
    let (status, health) = get(&addr, "/healthz");
    assert_eq!(status, 200, "{health}");
    assert!(health.contains("scheduler active"), "{health}");
    make_due(&db);
    assert!(
        d.wait_for("rotated", WAIT),
        "the daemon rotated the due rotation"
    );
    let (status, page) = get(&addr, "/metrics");
    assert_eq!(status, 200);
    for name in [
        r#"redis_rotator_rotations_total{rotation="orders",environment="dev",path="/",outcome="success"} 1"#,
        "redis_rotator_rotation_duration_seconds_bucket{",
        "redis_rotator_last_success_timestamp_seconds{",
        "redis_rotator_next_rotation_timestamp_seconds{",
        "redis_rotator_retry_attempts{",
        "redis_rotator_journals_pending 0",
        "redis_rotator_scheduler_lease_held 1",
        r#"redis_rotator_live_sessions{rotation="orders",environment="dev",path="/",slot="0"}"#,
        r#"redis_rotator_failed_auths{rotation="orders",environment="dev",path="/",slot="1"}"#,
        r#"redis_rotator_nodes_unreachable{rotation="orders",environment="dev",path="/"} 0"#,
    ] {
        assert!(page.contains(name), "{name} in:\n{page}");
    }
    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package `prometheus`; .ci/run installs it)");
    check
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool: {}{}\n{page}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A real Prometheus server on loopback, scraping `target` every second; killed on drop.
/// How long a test waits for the daemon to say something (a loaded machine is slow).
const WAIT: Duration = Duration::from_secs(60);

struct Prometheus {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: &str) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: rotator\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (Debian package `prometheus`; .ci/run installs it)");
        Prometheus {
            child,
            addr,
            _dir: dir,
        }
    }

    /// The sum of every series of `metric` Prometheus holds now, if it has any.
    fn sum(&self, metric: &str) -> Option<f64> {
        TcpStream::connect(&self.addr).ok()?;
        let (status, body) = get(&self.addr, &format!("/api/v1/query?query={metric}"));
        if status != 200 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        let result = v["data"]["result"].as_array()?;
        if result.is_empty() {
            return None;
        }
        Some(
            result
                .iter()
                .filter_map(|s| s["value"][1].as_str()?.parse::<f64>().ok())
                .sum(),
        )
    }

    /// Polls the query API (Prometheus scrapes on its own clock) until `ok` holds.
    fn wait_until(&self, metric: &str, ok: impl Fn(f64) -> bool) -> f64 {
        let end = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(v) = self.sum(metric).filter(|v| ok(*v)) {
                return v;
            }
            assert!(Instant::now() < end, "{metric} never satisfied the check");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scraping_the_daemon_sees_rotations_total_increase() {
    let (_server, db) = setup().await;
    let (d, addr) = start_daemon(&db);
    let prom = Prometheus::start(&addr);
    make_due(&db);
    assert!(d.wait_for("rotated", WAIT), "first scheduled rotation");
    let first = prom.wait_until("redis_rotator_rotations_total", |v| v >= 1.0);
    make_due(&db);
    assert!(d.wait_for("rotated", WAIT), "second scheduled rotation");
    let second = prom.wait_until("redis_rotator_rotations_total", |v| v > first);
    assert!(second > first, "{second} > {first}");
    let held = prom.wait_until("redis_rotator_scheduler_lease_held", |v| v == 1.0);
    assert_eq!(held, 1.0);
}
