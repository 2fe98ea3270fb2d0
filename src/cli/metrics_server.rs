//! `daemon --metrics-addr`: serves `/metrics` (OpenMetrics text to Prometheus, which asks for
//! it; the classic text format to anything else) and
//! `/healthz` (200 while the database opens and the scheduler runs or stands by, 503 otherwise).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::engine::Engine;
use crate::engine::metrics::Metrics;
use crate::engine::scheduler::SchedulerState;

use super::CliError;

#[derive(Clone)]
struct Served {
    engine: Engine,
    metrics: Arc<Metrics>,
    scheduler: watch::Receiver<SchedulerState>,
}

/// Binds `addr` now (a taken port stops the daemon at start, where systemd shows it) and
/// returns the bound address and the server, which runs until `cancel`.
pub(crate) async fn bind(
    addr: SocketAddr,
    engine: Engine,
    metrics: Arc<Metrics>,
    scheduler: watch::Receiver<SchedulerState>,
    cancel: CancellationToken,
) -> Result<(SocketAddr, impl Future<Output = ()>), CliError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        CliError::failed(format!(
            "--metrics-addr {addr}: cannot listen: {e}; choose a free address and port"
        ))
    })?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::failed(format!("--metrics-addr {addr}: {e}")))?;
    let app = Router::new()
        .route("/metrics", get(metrics_page))
        .route("/healthz", get(healthz))
        .with_state(Served {
            engine,
            metrics,
            scheduler,
        });
    let serve = async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(cancel.cancelled_owned())
            .await;
        if let Err(e) = served {
            tracing::error!("metrics server stopped: {e}");
        }
    };
    Ok((bound, serve))
}

async fn metrics_page(State(s): State<Served>, headers: HeaderMap) -> impl IntoResponse {
    let engine = s.engine.clone();
    // The database read is blocking file I/O: off the async threads.
    if let Ok(Ok(doc)) = tokio::task::spawn_blocking(move || engine.snapshot()).await {
        s.metrics.refresh(&doc);
    }
    let held = matches!(*s.scheduler.borrow(), SchedulerState::Active { .. });
    s.metrics.set_lease_held(held);
    // Prometheus asks for OpenMetrics; curl and promtool get the classic text format.
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/openmetrics-text"));
    if openmetrics {
        (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            s.metrics.encode(),
        )
    } else {
        (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            s.metrics.encode_classic(),
        )
    }
}

async fn healthz(State(s): State<Served>) -> impl IntoResponse {
    let engine = s.engine.clone();
    let store = tokio::task::spawn_blocking(move || engine.snapshot().map(|_| ())).await;
    let scheduler = s.scheduler.borrow().clone();
    match (store, scheduler) {
        (Ok(Err(e)), _) => (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")),
        (Err(e), _) => (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")),
        (Ok(Ok(())), SchedulerState::Active { .. }) => {
            (StatusCode::OK, "ok: scheduler active\n".to_string())
        }
        (Ok(Ok(())), SchedulerState::Standby) => (
            StatusCode::OK,
            "ok: standby (another process holds the scheduler lease)\n".to_string(),
        ),
        (Ok(Ok(())), SchedulerState::Starting) => {
            (StatusCode::SERVICE_UNAVAILABLE, "starting\n".to_string())
        }
        (Ok(Ok(())), SchedulerState::Stopped) => {
            (StatusCode::SERVICE_UNAVAILABLE, "stopped\n".to_string())
        }
    }
}
