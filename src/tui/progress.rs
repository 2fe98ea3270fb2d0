//! Live progress of rotations, fed by the engine's `Progress` events: which step runs, and how
//! each node answered. Shown in the detail pane and the progress popup.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::Step;
use crate::model::{Event, EventKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StepLine {
    pub(crate) step: Step,
    /// (node address, ok)
    pub(crate) nodes: Vec<(String, bool)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RotationProgress {
    pub(crate) started: DateTime<Utc>,
    pub(crate) steps: Vec<StepLine>,
    /// `Ok(message)` or `Err(message)` once the rotation ended.
    pub(crate) finished: Option<Result<String, String>>,
}

impl RotationProgress {
    pub(crate) fn new(started: DateTime<Utc>) -> RotationProgress {
        RotationProgress {
            started,
            steps: Vec::new(),
            finished: None,
        }
    }

    pub(crate) fn running(&self) -> bool {
        self.finished.is_none()
    }

    /// A step started (`node: None`) or finished on one node.
    pub(crate) fn record(&mut self, step: Step, node: Option<String>, ok: bool) {
        // One line per step: the engine announces a step, then its nodes answer, and those
        // answers may arrive after the next step was announced (persist and verify overlap).
        let at = match self.steps.iter().position(|s| s.step == step) {
            Some(at) => at,
            None => {
                self.steps.push(StepLine {
                    step,
                    nodes: Vec::new(),
                });
                self.steps.len() - 1
            }
        };
        if let Some(node) = node {
            self.steps[at].nodes.push((node, ok));
        }
    }

    /// `record ✓ · apply 3/3 ✓ · persist 2/3 ✗ · verify …`
    pub(crate) fn summary(&self) -> String {
        let mut parts = Vec::new();
        let last = self.steps.len().saturating_sub(1);
        for (i, line) in self.steps.iter().enumerate() {
            let failed = line.nodes.iter().any(|(_, ok)| !ok);
            let done = i < last || self.finished.is_some();
            let mark = if failed {
                "✗"
            } else if done {
                "✓"
            } else {
                "…"
            };
            if line.nodes.is_empty() {
                parts.push(format!("{} {mark}", line.step));
            } else {
                let ok = line.nodes.iter().filter(|(_, ok)| *ok).count();
                parts.push(format!("{} {ok}/{} {mark}", line.step, line.nodes.len()));
            }
        }
        parts.join(" · ")
    }
}

/// Whether a logged event ends a rotation run: (rotation, ok, message).
pub(crate) fn ends_run(event: &Event) -> Option<(Uuid, bool, String)> {
    let id = event.rotation_id?;
    match event.kind {
        EventKind::Rotated | EventKind::Created | EventKind::Recovered => {
            Some((id, true, event.message.clone()))
        }
        EventKind::RotationFailed => Some((id, false, event.message.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn progress_counts_nodes_per_step() {
        let mut p = RotationProgress::new(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        p.record(Step::Record, None, true);
        p.record(Step::Apply, None, true);
        p.record(Step::Apply, Some("10.0.0.1:6379".into()), true);
        p.record(Step::Apply, Some("10.0.0.2:6379".into()), false);
        assert_eq!(p.summary(), "record ✓ · apply 1/2 ✗");
        p.finished = Some(Err("apply failed".into()));
        assert!(!p.running());
    }

    #[test]
    fn a_step_is_listed_once_when_its_node_answers_arrive_after_the_next_step_started() {
        let mut p = RotationProgress::new(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
        p.record(Step::Persist, None, true);
        p.record(Step::Verify, None, true);
        p.record(Step::Persist, Some("10.0.0.1:6379".into()), true);
        p.record(Step::Verify, Some("10.0.0.1:6379".into()), true);
        p.finished = Some(Ok("rotated".into()));
        assert_eq!(p.summary(), "persist 1/1 ✓ · verify 1/1 ✓");
    }
}
