//! Compensation: when a step after the journal fails, every node of the job is put back as the
//! store knows it, and the failure is recorded (keeping the journal when a node could not be).

use crate::model::event::Attempt;
use crate::model::schedule::{self, Trigger};
use crate::model::{EventKind, JournalKind, Outcome, RotationStatus};
use crate::redis::Node;
use crate::store::Binding;

use super::rotate::{Job, event_for, redact};
use super::{Engine, EngineError, Step};

impl Engine {
    /// Puts the slot back as the store knows it on EVERY node of the job — the old password,
    /// or no user at all when the slot was empty — not only on the nodes whose reply said OK: a
    /// command whose reply was lost (timeout, reset, a proxy in between) may still have applied.
    /// Restoring is idempotent. Fresh admin connections are used, because a connection that lost
    /// a reply may pair later replies with the wrong commands. True when every node was restored
    /// and persisted; otherwise the caller keeps the journal so recovery finishes the job.
    pub(crate) async fn compensate(&self, job: &Job, nodes: &[Node]) -> bool {
        self.forget_fleet(job.conn.id);
        let old = match job.rotation.slot(job.slot) {
            Some(cred) => match self.inner.store.cipher().and_then(|c| {
                c.open(
                    &cred.password,
                    &Binding::slot_password(job.rotation.id, job.slot),
                )
            }) {
                Ok(p) => Some(p),
                Err(_) => return false,
            },
            None => None,
        };
        let Ok(admin) = self.admin_password(&job.conn) else {
            return false;
        };
        let undo = nodes.iter().map(|n| {
            let (old, admin) = (old.clone(), admin.clone());
            async move {
                let params = self
                    .params(&job.conn, &n.addr, &job.conn.username, admin)
                    .map_err(|e| e.to_string())?;
                let node = Node::connect(&params).await.map_err(|e| e.to_string())?;
                self.undo_node(job, &node, old.as_ref())
                    .await
                    .map_err(|e| e.to_string())?;
                self.persist_node(&node).await.map_err(|e| e.to_string())
            }
        });
        let restored: Vec<Result<(), String>> = futures::future::join_all(undo).await;
        for (node, r) in nodes.iter().zip(&restored) {
            self.progress(
                job.rotation.id,
                Step::Compensate,
                Some(node.addr.to_string()),
                r.is_ok(),
            );
        }
        restored.iter().all(Result::is_ok)
    }

    /// Records `failed` with the (already redacted) message; keeps the journal when a node could
    /// not be restored. Returns the error to hand to the caller.
    pub(crate) async fn record_failure(
        &self,
        job: &Job,
        trigger: Trigger,
        message: String,
        keep_journal: bool,
    ) -> EngineError {
        let message = redact(&message, &[&job.password]);
        let (id, job_id) = (job.rotation.id, job.job_id);
        let now = self.now();
        let msg = message.clone();
        let elapsed = job.started.elapsed();
        let is_create = job.kind == JournalKind::Create && !keep_journal;
        let written = self
            .write(move |doc, events| {
                let Some(r) = doc.rotation_mut(id) else {
                    return Ok(None);
                };
                // Another process took over while this job's lock was lost (see `promote`):
                // its journal and status are its own to record.
                if r.pending.as_ref().is_some_and(|j| j.job_id != job_id) {
                    return Ok(None);
                }
                // The journal names the nodes the attempt covered (none when discovery failed).
                let attempt =
                    Attempt::new(trigger, elapsed, r.pending.as_ref().map(|j| j.nodes.len()));
                if is_create {
                    let r = r.clone();
                    doc.rotations.retain(|x| x.id != id);
                    let mut failed = event_for(
                        &r,
                        EventKind::Created,
                        Outcome::Failure,
                        Some(job_id),
                        now,
                        format!("create {} failed: {msg}", r.name),
                    );
                    failed.attempt = Some(attempt);
                    events.push(failed);
                    return Ok(None);
                }
                r.rotation_status = RotationStatus::Failed;
                r.held = None;
                r.last_rotation_message = Some(msg.clone());
                r.last_rotation_attempted_at = Some(now);
                r.last_rotation_job_id = Some(job_id);
                if !keep_journal {
                    r.pending = None;
                }
                if trigger == Trigger::Scheduled {
                    let retry = r.retry.get_or_insert_with(Default::default);
                    retry.attempts += 1;
                    let delay = schedule::backoff(retry.attempts);
                    retry.next_attempt_at = chrono::Duration::from_std(delay).ok().map(|d| now + d);
                }
                let r = r.clone();
                let next = r
                    .retry
                    .as_ref()
                    .and_then(|x| x.next_attempt_at)
                    .map(|t| format!("; next attempt {}", t.format("%Y-%m-%d %H:%M:%S UTC")))
                    .unwrap_or_default();
                let mut failed = event_for(
                    &r,
                    EventKind::RotationFailed,
                    Outcome::Failure,
                    Some(job_id),
                    now,
                    format!("rotation of {} failed: {msg}{next}", r.name),
                );
                failed.attempt = Some(attempt);
                events.push(failed);
                Ok(Some(r))
            })
            .await;
        match written {
            Ok(Some(r)) => {
                self.queue_notify(&r, Outcome::Failure, Some(&message));
                EngineError::Failed(message)
            }
            Ok(None) => EngineError::Failed(message),
            Err(e) => EngineError::Failed(format!(
                "{message}; and the failure could not be recorded: {e}"
            )),
        }
    }
}
