//! `daemon`: the scheduler without a screen. One line per event on stdout; SIGTERM/SIGINT stop
//! it cleanly (a rotation in flight finishes, or is recovered at the next start).

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use crate::engine::EngineEvent;
use crate::engine::scheduler::{self, SchedulerConfig, SchedulerState};
use crate::model::Event;

use super::args::{Cli, DaemonArgs, LogFormat};
use super::{CliError, CliResult, engine, recover, runtime};

fn line(format: LogFormat, e: &Event) -> String {
    match format {
        LogFormat::Json => serde_json::to_string(e).unwrap_or_default(),
        LogFormat::Text => format!(
            "{} {} {} {}",
            e.at.format("%Y-%m-%dT%H:%M:%SZ"),
            e.outcome,
            e.kind,
            e.message
        ),
    }
}

/// A line about the daemon itself (start, standby, active, stopping, stopped): the text, or in
/// `--log-format json` one JSON object, so every line of a JSON log is JSON.
fn status(format: LogFormat, state: &str, message: &str, extra: serde_json::Value) {
    match format {
        LogFormat::Text => outln!("{message}"),
        LogFormat::Json => {
            let mut line = serde_json::json!({
                "at": chrono::Utc::now(),
                "daemon": state,
                "message": message,
            });
            if let (Some(obj), serde_json::Value::Object(more)) = (line.as_object_mut(), extra) {
                obj.extend(more);
            }
            outln!("{line}");
        }
    }
}

pub fn run(cli: &Cli, args: &DaemonArgs) -> CliResult {
    let key = crate::store::key_source::resolve()?;
    let engine = engine(cli)?;
    // Load (or on first start create) the key now: a wrong or unreadable key stops the service
    // at start, where systemd shows it, instead of at the first due rotation.
    engine.store().cipher()?;
    let format = args.log_format;
    let key = key.describe();
    runtime()?.block_on(async move {
        let cancel = CancellationToken::new();
        let mut term = signal(SignalKind::terminate()).map_err(|e| CliError::failed(format!("cannot watch SIGTERM: {e}")))?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| CliError::failed(format!("cannot watch SIGINT: {e}")))?;
        let mut events = engine.subscribe();
        let (state_tx, mut state_rx) = tokio::sync::watch::channel(SchedulerState::Starting);
        let db = engine.store().path().display().to_string();
        let pid = std::process::id();
        status(format, "start", &format!("redis-rotator daemon on {db} (pid {pid}), key {key}"), serde_json::json!({ "db": db, "pid": pid, "key": key }));
        recover(&engine).await;
        let sched = tokio::spawn(scheduler::run(engine.clone(), SchedulerConfig::default(), cancel.clone(), state_tx));
        let mut last_state = SchedulerState::Starting;
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => break,
                ev = events.recv() => match ev {
                    Ok(EngineEvent::Logged(e)) => outln!("{}", line(format, &e)),
                    Ok(EngineEvent::Progress { .. }) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => status(format, "lagged", &format!("({n} events not shown; see `events list`)"), serde_json::json!({ "notShown": n })),
                    Err(_) => break,
                },
                changed = state_rx.changed() => {
                    if changed.is_err() { break; }
                    let s = state_rx.borrow().clone();
                    if std::mem::discriminant(&s) != std::mem::discriminant(&last_state) {
                        match &s {
                            SchedulerState::Standby => status(format, "standby", "standby: another process holds the scheduler lease", serde_json::json!({})),
                            SchedulerState::Active { .. } => status(format, "active", "scheduler active", serde_json::json!({})),
                            _ => {}
                        }
                    }
                    last_state = s;
                }
            }
        }
        status(format, "stopping", "stopping: letting a running rotation finish", serde_json::json!({}));
        cancel.cancel();
        let _ = sched.await;
        while let Ok(ev) = events.try_recv() {
            if let EngineEvent::Logged(e) = ev {
                outln!("{}", line(format, &e));
            }
        }
        status(format, "stopped", "stopped", serde_json::json!({}));
        Ok(())
    })
}
