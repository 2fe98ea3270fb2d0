//! `demo` and the console: `demo` starts a throwaway `redis-server` with an aclfile, a temp
//! database, one connection and one rotation that comes due every 30 seconds, opens the console
//! on it, and removes all of it on exit.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use tokio_util::sync::CancellationToken;

use crate::engine::scheduler::{self, SchedulerConfig, SchedulerState};
use crate::engine::{Engine, SystemClock};
use crate::model::Password;
use crate::model::request::{ConnectionRequest, RotationRequest, SecretsMappingRequest};
use crate::store::{KeySource, Store};

use super::args::Cli;
use super::{CliError, CliResult, recover, runtime};

/// The console with the in-process scheduler.
pub(crate) async fn console(
    engine: Engine,
    no_color: bool,
    title: Option<String>,
    health_every: Duration,
) -> CliResult {
    recover(&engine).await;
    let cancel = CancellationToken::new();
    let (state_tx, state_rx) = tokio::sync::watch::channel(SchedulerState::Starting);
    let sched = tokio::spawn(scheduler::run(
        engine.clone(),
        SchedulerConfig::default(),
        cancel.clone(),
        state_tx,
    ));
    let no_color = no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let options = crate::tui::TuiOptions {
        no_color,
        title,
        health_every,
        scheduler: Some(state_rx),
    };
    let result = crate::tui::run(engine, options).await;
    cancel.cancel();
    let _ = sched.await;
    result.map_err(|e| CliError::failed(format!("console: {e}")))
}

/// The throwaway server; killed on drop.
struct DemoServer(Child);

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_redis_server() -> Result<PathBuf, CliError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
        .ok_or_else(|| CliError::failed("redis-server was not found on PATH: install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`) and run the demo again"))
}

fn free_port() -> Result<u16, CliError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| CliError::failed(format!("no free loopback port: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| CliError::failed(e.to_string()))
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn start_server(
    bin: &Path,
    dir: &Path,
    port: u16,
    admin_password: &str,
) -> Result<DemoServer, CliError> {
    let acl = dir.join("users.acl");
    std::fs::write(
        &acl,
        format!("user default off\nuser admin on >{admin_password} ~* &* +@all\n"),
    )
    .map_err(|e| CliError::failed(format!("cannot write {}: {e}", acl.display())))?;
    let mut command = Command::new(bin);
    // The server dies with this process however it ends (a closed SSH session's SIGHUP, a
    // kill), not only through `DemoServer`'s drop: nothing of the demo outlives it. The parent
    // is this (main) thread, which lives as long as the demo.
    // SAFETY: prctl is async-signal-safe and touches only the child's own state.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir)
        .arg("--aclfile")
        .arg(&acl)
        .arg("--logfile")
        .arg(dir.join("redis.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| CliError::failed(format!("cannot start {}: {e}", bin.display())))?;
    Ok(DemoServer(child))
}

pub(crate) fn run(cli: &Cli) -> CliResult {
    let bin = find_redis_server()?;
    let dir = tempfile::Builder::new()
        .prefix("redis-rotator-demo-")
        .tempdir()
        .map_err(|e| CliError::failed(format!("cannot create a temp folder: {e}")))?;
    let port = free_port()?;
    let admin_password = random_hex(16);
    let _server = start_server(&bin, dir.path(), port, &admin_password)?;
    // The key lives only in memory: nothing of the demo outlives it.
    let key = KeySource::Env(Password::new(random_hex(32)));
    let store = Arc::new(Store::open(dir.path().join("db.json"), key));
    let engine = Engine::new(store, Arc::new(SystemClock));
    runtime()?.block_on(async move {
        let conn = ConnectionRequest {
            name: Some("demo-redis".into()),
            description: Some("throwaway redis-server started by `redis-rotator demo`".into()),
            host: Some("127.0.0.1".into()),
            port: Some(port.into()),
            username: Some("admin".into()),
            ..Default::default()
        };
        let mut last_err = String::new();
        let mut added = false;
        for _ in 0..50 {
            match engine
                .add_connection(&conn, Some(Password::new(admin_password.clone())))
                .await
            {
                Ok(_) => {
                    added = true;
                    break;
                }
                Err(e) => last_err = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !added {
            return Err(CliError::failed(format!(
                "the demo redis-server did not come up: {last_err}"
            )));
        }
        let rotation = RotationRequest {
            name: Some("demo-cache".into()),
            description: Some("rotates every 30 seconds in the demo".into()),
            connection_id: Some("demo-redis".into()),
            environment: Some("dev".into()),
            secret_path: Some("/".into()),
            is_auto_rotation_enabled: Some(true),
            rotation_interval: Some(1.into()),
            secrets_mapping: Some(SecretsMappingRequest {
                username: Some("REDIS_USERNAME".into()),
                password: Some("REDIS_PASSWORD".into()),
            }),
            ..Default::default()
        };
        engine.create_rotation(&rotation).await?;
        let cadence = CancellationToken::new();
        tokio::spawn(demo_cadence(engine.clone(), cadence.clone()));
        let result = console(
            engine,
            false,
            Some("demo".into()),
            Duration::from_secs(cli.health_every),
        )
        .await;
        cadence.cancel();
        result
    })
}

/// Keeps the demo rotation due every 30 seconds (the real minimum interval is one day).
async fn demo_cadence(engine: Engine, cancel: CancellationToken) {
    loop {
        let now = engine.now();
        let soon = now + chrono::Duration::seconds(30);
        let store = engine.store().clone();
        let _ = tokio::task::spawn_blocking(move || {
            store.update(move |doc| {
                for r in doc.rotations.iter_mut() {
                    if r.is_auto_rotation_enabled
                        && r.pending.is_none()
                        && r.next_rotation_at.is_none_or(|t| t > soon)
                    {
                        r.next_rotation_at = Some(soon);
                    }
                }
                Ok::<_, crate::store::StoreError>(())
            })
        })
        .await;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}
