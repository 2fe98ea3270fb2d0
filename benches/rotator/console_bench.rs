//! The console at scale: first frame with 10,000 rotations in the database (open, load, build
//! state, draw), draw time per frame, and the real binary's idle CPU and peak memory in tmux.

use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use redis_rotator::console::Theme;
use redis_rotator::console::Zone;
use redis_rotator::console::{App, render};
use redis_rotator::model::Password;
use redis_rotator::store::{KeySource, Store};

use super::fixture::{KEY, big_document};
use super::stats::{ms, row, summarize};

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// (user + system CPU seconds, peak resident KiB) of a process.
fn cpu_and_peak(pid: u32) -> (f64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (ticks / clock_ticks(), peak)
}

pub fn run() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("db.json");
    {
        let store = Store::open(&db, KeySource::Env(Password::new(KEY)));
        let cipher = store.cipher().expect("key");
        let big = big_document(&cipher, 10_000, 1);
        store.update_doc(move |doc| *doc = big).expect("save");
    }
    let mut firsts = Vec::new();
    let mut draws = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        let store = Store::open(&db, KeySource::Env(Password::new(KEY)));
        let doc = store.load().expect("load");
        let app = App::new(doc, chrono::Utc::now(), Zone::Utc, Theme::new(true));
        let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        term.draw(|f| render(f, &app)).expect("draw");
        firsts.push(start.elapsed());
        for _ in 0..20 {
            let start = Instant::now();
            term.draw(|f| render(f, &app)).expect("draw");
            draws.push(start.elapsed());
        }
    }
    println!("\n5. Console with 10,000 rotations in the database (160×48)");
    println!("| measurement | median | p99 | runs | target |\n|---|---|---|---|---|");
    row(
        "first frame (open + load + state + draw)",
        &summarize(firsts),
        "< 150 ms",
    );
    row("draw one frame", &summarize(draws), "—");

    // The real binary, idle, in a real terminal.
    let sock = dir.path().join("tmux.sock");
    let bin = env!("CARGO_BIN_EXE_redis-rotator");
    let cmd = format!(
        "env REDIS_ROTATOR_KEY={KEY} HOME={} {bin} --db {}",
        dir.path().display(),
        db.display()
    );
    let ok = Command::new("tmux")
        .arg("-S")
        .arg(&sock)
        .args([
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "b",
            "-x",
            "160",
            "-y",
            "48",
            &cmd,
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        println!("(idle CPU not measured: tmux could not start)");
        return;
    }
    std::thread::sleep(Duration::from_secs(3));
    let pid = Command::new("pgrep")
        .args(["-n", "-f", &format!("{bin} --db {}", db.display())])
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<u32>()
                .ok()
        });
    match pid {
        Some(pid) => {
            let (cpu0, _) = cpu_and_peak(pid);
            std::thread::sleep(Duration::from_secs(30));
            let (cpu1, peak) = cpu_and_peak(pid);
            println!("| measurement | value |\n|---|---|");
            println!(
                "| idle CPU over 30 s (real binary in tmux) | {:.2} % of one core ({} of CPU time) |",
                (cpu1 - cpu0) / 30.0 * 100.0,
                ms(Duration::from_secs_f64(cpu1 - cpu0))
            );
            println!("| peak memory (VmHWM) | {:.1} MiB |", peak as f64 / 1024.0);
        }
        None => println!("(idle CPU not measured: console process not found)"),
    }
    let _ = Command::new("tmux")
        .arg("-S")
        .arg(&sock)
        .arg("kill-server")
        .status();
}
