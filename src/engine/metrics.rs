//! Prometheus metrics of one process: rotation outcomes and durations from the engine's events,
//! the schedule and pending journals from the database, the scheduler lease, and live sessions,
//! failed AUTHs and unreachable nodes from the same `Engine::sessions` sampling the console
//! draws. Encoding only; serving them over HTTP is the daemon's job.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use uuid::Uuid;

use crate::model::{EventKind, Rotation};
use crate::store::Document;

use super::{Engine, EngineEvent, SessionCounts, Step};

/// Which rotation a series is about.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RotationLabels {
    pub rotation: String,
    pub environment: String,
    pub path: String,
}

impl RotationLabels {
    fn of(r: &Rotation) -> Self {
        Self {
            rotation: r.name.clone(),
            environment: r.environment.clone(),
            path: r.secret_path.clone(),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    rotation: String,
    environment: String,
    path: String,
    /// `success`, `failure` or `recovered`.
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SlotLabels {
    rotation: String,
    environment: String,
    path: String,
    slot: String,
}

type Timestamp = Gauge<f64, AtomicU64>;
type Durations = Family<RotationLabels, Histogram, fn() -> Histogram>;

fn duration_histogram() -> Histogram {
    // 1 ms … ~33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Every metric of the process, registered under the `redis_rotator_` prefix.
pub struct Metrics {
    registry: Registry,
    rotations: Family<OutcomeLabels, Counter>,
    duration: Durations,
    last_success: Family<RotationLabels, Timestamp>,
    next_rotation: Family<RotationLabels, Timestamp>,
    retry_attempts: Family<RotationLabels, Gauge>,
    journals_pending: Gauge,
    lease_held: Gauge,
    sessions: Family<SlotLabels, Gauge>,
    failed_auths: Family<SlotLabels, Gauge>,
    nodes_unreachable: Family<RotationLabels, Gauge>,
    sink_failures: Family<RotationLabels, Counter>,
    /// When each rotation's current job recorded its journal, for the duration histogram.
    started: Mutex<HashMap<Uuid, Instant>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("redis_rotator");
        let m = Metrics {
            rotations: Family::default(),
            duration: Family::new_with_constructor(duration_histogram),
            last_success: Family::default(),
            next_rotation: Family::default(),
            retry_attempts: Family::default(),
            journals_pending: Gauge::default(),
            lease_held: Gauge::default(),
            sessions: Family::default(),
            failed_auths: Family::default(),
            nodes_unreachable: Family::default(),
            sink_failures: Family::default(),
            started: Mutex::default(),
            registry: Registry::default(),
        };
        registry.register(
            "rotations",
            "Rotations this process ran, by outcome (success, failure, recovered)",
            m.rotations.clone(),
        );
        registry.register_with_unit(
            "rotation_duration",
            "Time from the journal write to promotion or failure",
            Unit::Seconds,
            m.duration.clone(),
        );
        registry.register_with_unit(
            "last_success_timestamp",
            "When the rotation last succeeded (Unix time)",
            Unit::Seconds,
            m.last_success.clone(),
        );
        registry.register_with_unit(
            "next_rotation_timestamp",
            "When the rotation is next due (Unix time); absent while auto-rotation is off",
            Unit::Seconds,
            m.next_rotation.clone(),
        );
        registry.register(
            "retry_attempts",
            "Failed attempts since the rotation last succeeded (0 when healthy)",
            m.retry_attempts.clone(),
        );
        registry.register(
            "journals_pending",
            "Rotations with an unfinished journal (in flight, or interrupted and awaiting recovery)",
            m.journals_pending.clone(),
        );
        registry.register(
            "scheduler_lease_held",
            "1 when this process holds the scheduler lease, 0 on standby",
            m.lease_held.clone(),
        );
        registry.register(
            "live_sessions",
            "Connections authenticated as the slot's user, over every node",
            m.sessions.clone(),
        );
        registry.register(
            "failed_auths",
            "Failed AUTHs of the slot's user in the nodes' ACL LOG",
            m.failed_auths.clone(),
        );
        registry.register(
            "nodes_unreachable",
            "Nodes of the rotation's connection that could not be asked at the last sample",
            m.nodes_unreachable.clone(),
        );
        registry.register(
            "sink_failures",
            "Failed deliveries of credentials to a sink (each retried with backoff)",
            m.sink_failures.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Counts outcomes and times jobs from the engine's own events.
    pub fn observe(&self, event: &EngineEvent) {
        match event {
            EngineEvent::Progress {
                rotation_id,
                step: Step::Record,
                node: None,
                at,
                ..
            } => {
                if let Ok(mut started) = self.started.lock() {
                    started.insert(*rotation_id, *at);
                }
            }
            EngineEvent::Progress { .. } => {}
            EngineEvent::Logged(e) => {
                if e.kind == EventKind::SinkFailed {
                    self.sink_failures
                        .get_or_create(&RotationLabels {
                            rotation: e.rotation_name.clone().unwrap_or_default(),
                            environment: e.environment.clone().unwrap_or_default(),
                            path: e.secret_path.clone().unwrap_or_default(),
                        })
                        .inc();
                    return;
                }
                let outcome = match e.kind {
                    EventKind::Rotated => "success",
                    EventKind::RotationFailed => "failure",
                    EventKind::Recovered => "recovered",
                    _ => return,
                };
                let labels = RotationLabels {
                    rotation: e.rotation_name.clone().unwrap_or_default(),
                    environment: e.environment.clone().unwrap_or_default(),
                    path: e.secret_path.clone().unwrap_or_default(),
                };
                self.rotations
                    .get_or_create(&OutcomeLabels {
                        rotation: labels.rotation.clone(),
                        environment: labels.environment.clone(),
                        path: labels.path.clone(),
                        outcome: outcome.into(),
                    })
                    .inc();
                let began = e
                    .rotation_id
                    .and_then(|id| self.started.lock().ok()?.remove(&id));
                if let Some(began) = began {
                    self.duration
                        .get_or_create(&labels)
                        .observe(began.elapsed().as_secs_f64());
                }
            }
        }
    }

    pub(crate) fn set_lease_held(&self, held: bool) {
        self.lease_held.set(i64::from(held));
    }

    /// The schedule, retries and pending journals as the database has them now (deleted
    /// rotations drop out).
    pub(crate) fn refresh(&self, doc: &Document) {
        self.last_success.clear();
        self.next_rotation.clear();
        self.retry_attempts.clear();
        let mut pending = 0;
        for r in &doc.rotations {
            let labels = RotationLabels::of(r);
            if let Some(t) = r.last_rotated_at {
                self.last_success
                    .get_or_create(&labels)
                    .set(t.timestamp_millis() as f64 / 1000.0);
            }
            if let Some(t) = r.next_rotation_at {
                self.next_rotation
                    .get_or_create(&labels)
                    .set(t.timestamp_millis() as f64 / 1000.0);
            }
            let attempts = r.retry.as_ref().map_or(0, |x| x.attempts);
            self.retry_attempts
                .get_or_create(&labels)
                .set(i64::from(attempts));
            pending += i64::from(r.pending.is_some());
        }
        self.journals_pending.set(pending);
    }

    /// One rotation's sessions, failed AUTHs and unreachable nodes, as sampled.
    pub(crate) fn record_sessions(&self, r: &Rotation, counts: &[SessionCounts; 2]) {
        let labels = RotationLabels::of(r);
        for (slot, c) in counts.iter().enumerate() {
            let slot_labels = SlotLabels {
                rotation: labels.rotation.clone(),
                environment: labels.environment.clone(),
                path: labels.path.clone(),
                slot: slot.to_string(),
            };
            self.sessions
                .get_or_create(&slot_labels)
                .set(c.sessions as i64);
            self.failed_auths
                .get_or_create(&slot_labels)
                .set(i64::try_from(c.failed_auths).unwrap_or(i64::MAX));
        }
        let unreachable = counts.iter().map(|c| c.unreachable).max().unwrap_or(0);
        self.nodes_unreachable
            .get_or_create(&labels)
            .set(unreachable as i64);
    }

    /// Samples every rotation's sessions with the console's call (`Engine::sessions`); a
    /// rotation whose connection cannot be reached at all counts every node unreachable.
    pub(crate) async fn sample_sessions(&self, engine: &Engine) {
        let Ok(doc) = engine.snapshot() else {
            return;
        };
        let mut sampled = Vec::with_capacity(doc.rotations.len());
        for r in &doc.rotations {
            sampled.push((r, engine.sessions(r.id).await));
        }
        // Replaced at once, so a scrape never sees half a sample.
        self.sessions.clear();
        self.failed_auths.clear();
        self.nodes_unreachable.clear();
        for (r, result) in sampled {
            match result {
                Ok(counts) => self.record_sessions(r, &counts),
                Err(e) => {
                    tracing::debug!(rotation = %r.name, "sessions not sampled: {e}");
                    self.nodes_unreachable
                        .get_or_create(&RotationLabels::of(r))
                        .set(1);
                }
            }
        }
    }

    /// The OpenMetrics text of every metric (what Prometheus asks for).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// The classic Prometheus text format (0.0.4), for clients that do not ask for OpenMetrics
    /// (curl, `promtool check metrics`).
    pub(crate) fn encode_classic(&self) -> String {
        openmetrics_to_classic(&self.encode())
    }
}

/// OpenMetrics text as the classic format: a counter's family is named with its `_total`
/// suffix (as its samples are), and the `# UNIT` and `# EOF` lines, unknown there, are dropped.
pub(crate) fn openmetrics_to_classic(text: &str) -> String {
    let counters: std::collections::HashSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                if counters.contains(name) {
                    out.push_str(&format!("{prefix}{name}_total {tail}"));
                } else {
                    out.push_str(line);
                }
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_text_names_counter_families_with_total_and_drops_unit_and_eof() {
        let om = "# HELP x_rotations Rotations.\n# TYPE x_rotations counter\nx_rotations_total{a=\"b\"} 1\n# HELP x_t When.\n# TYPE x_t gauge\n# UNIT x_t seconds\nx_t 2.0\n# EOF\n";
        assert_eq!(
            openmetrics_to_classic(om),
            "# HELP x_rotations_total Rotations.\n# TYPE x_rotations_total counter\nx_rotations_total{a=\"b\"} 1\n# HELP x_t When.\n# TYPE x_t gauge\nx_t 2.0\n"
        );
    }
}
