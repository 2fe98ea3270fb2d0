//! `daemon`: the scheduler without a screen. One line per event on stdout; SIGTERM/SIGINT stop
//! it cleanly (a rotation in flight finishes, or is recovered at the next start).

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use crate::engine::metrics::Metrics;
use crate::engine::scheduler::{self, SchedulerConfig, SchedulerState};
use crate::engine::{Engine, EngineEvent};
use crate::model::Event;

use super::args::{Cli, DaemonArgs};
use super::{CliError, CliResult, engine, recover, runtime};

/// One event of the event log as a log line, with its rotation, environment and job as
/// fields (the message never holds a secret: the engine redacts before it records).
fn log_event(e: &Event) {
    let rotation = e.rotation_name.as_deref().unwrap_or("");
    let environment = e.environment.as_deref().unwrap_or("");
    let job_id = e.job_id.map(|j| j.to_string()).unwrap_or_default();
    let (kind, outcome) = (e.kind.to_string(), e.outcome.to_string());
    if e.outcome == crate::model::Outcome::Failure {
        tracing::warn!(
            kind,
            outcome,
            rotation,
            environment,
            job_id,
            seq = e.seq,
            "{}",
            e.message
        );
    } else {
        tracing::info!(
            kind,
            outcome,
            rotation,
            environment,
            job_id,
            seq = e.seq,
            "{}",
            e.message
        );
    }
}

/// A line about the daemon itself (start, standby, active, stopping, stopped), with its state
/// as the `daemon` field.
fn status(state: &str, message: &str) {
    tracing::info!(daemon = state, "{message}");
}

/// Samples live sessions for the metrics every `--health-every` seconds, as the console does.
async fn sample_sessions(
    engine: Engine,
    metrics: Arc<Metrics>,
    every: std::time::Duration,
    cancel: CancellationToken,
) {
    loop {
        metrics.sample_sessions(&engine).await;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

pub(crate) fn run(cli: &Cli, args: &DaemonArgs) -> CliResult {
    let key = crate::store::key_source::resolve()?;
    let engine = engine(cli)?;
    // Load (or on first start create) the key now: a wrong or unreadable key stops the service
    // at start, where systemd shows it, instead of at the first due rotation.
    engine.store().cipher()?;
    let key = key.describe();
    let health_every = std::time::Duration::from_secs(cli.health_every);
    runtime()?.block_on(async move {
        let cancel = CancellationToken::new();
        let mut term = signal(SignalKind::terminate()).map_err(|e| CliError::failed(format!("cannot watch SIGTERM: {e}")))?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| CliError::failed(format!("cannot watch SIGINT: {e}")))?;
        let mut events = engine.subscribe();
        let (state_tx, mut state_rx) = tokio::sync::watch::channel(SchedulerState::Starting);
        let db = engine.store().path().display().to_string();
        let pid = std::process::id();
        tracing::info!(daemon = "start", db, pid, key, "redis-rotator daemon on {db} (pid {pid}), key {key}");
        let metrics = match args.metrics_addr {
            None => None,
            Some(addr) => {
                let metrics = Arc::new(Metrics::new());
                let (bound, serve) = super::metrics_server::bind(addr, engine.clone(), metrics.clone(), state_rx.clone(), cancel.clone()).await?;
                tracing::info!(metrics_addr = %bound, "metrics on http://{bound}/metrics, health on http://{bound}/healthz");
                tokio::spawn(serve);
                tokio::spawn(sample_sessions(engine.clone(), metrics.clone(), health_every, cancel.clone()));
                Some(metrics)
            }
        };
        recover(&engine).await;
        let sched = tokio::spawn(scheduler::run(engine.clone(), SchedulerConfig::default(), cancel.clone(), state_tx));
        let mut last_state = SchedulerState::Starting;
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => break,
                ev = events.recv() => match ev {
                    Ok(ev) => {
                        if let Some(m) = &metrics {
                            m.observe(&ev);
                        }
                        if let EngineEvent::Logged(e) = &ev {
                            log_event(e);
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => tracing::warn!(daemon = "lagged", not_shown = n, "({n} events not shown; see `events list`)"),
                    Err(_) => break,
                },
                changed = state_rx.changed() => {
                    if changed.is_err() { break; }
                    let s = state_rx.borrow().clone();
                    if std::mem::discriminant(&s) != std::mem::discriminant(&last_state) {
                        match &s {
                            SchedulerState::Standby => status("standby", "standby: another process holds the scheduler lease"),
                            SchedulerState::Active { .. } => status("active", "scheduler active"),
                            _ => {}
                        }
                    }
                    last_state = s;
                }
            }
        }
        status("stopping", "stopping: letting a running rotation finish");
        cancel.cancel();
        let _ = sched.await;
        while let Ok(ev) = events.try_recv() {
            if let Some(m) = &metrics {
                m.observe(&ev);
            }
            if let EngineEvent::Logged(e) = ev {
                log_event(&e);
            }
        }
        status("stopped", "stopped");
        Ok(())
    })
}
