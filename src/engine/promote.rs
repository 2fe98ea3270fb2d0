//! Step 5: one store write makes the new credential active, with what the operator should
//! know about it (sessions still on the old user, nodes that cannot persist). The write is
//! committed before this returns and made durable by the next group fsync, a moment later: the
//! journal written durably in step 1 holds everything needed to redo it, and recovery rolls a
//! rotation whose promotion was lost forward from that journal (`engine_crash`:
//! `promote-lost`). So a rotation waits for one fsync, not two.

use crate::model::event::Attempt;
use crate::model::schedule::{self, Trigger};
use crate::model::{EventKind, Outcome, Password, Rotation, RotationStatus, SlotCredential};
use crate::redis::Node;
use crate::store::Binding;
use crate::store::secrets::Writer;

use super::rotate::{Job, event_for};
use super::{Engine, EngineError, SessionCounts, Step, crash};

impl Engine {
    /// Step 5: one write makes the new credential active (durable a moment later, see above).
    pub(crate) async fn promote(
        &self,
        job: &Job,
        nodes: &[Node],
        trigger: Trigger,
        kind: EventKind,
    ) -> Result<Rotation, EngineError> {
        self.progress(job.rotation.id, Step::Promote, None, true);
        let node_count = nodes.len();
        let warning = self.volatile_warning(nodes);
        let sessions = job.sessions.map(|c| sessions_sentence(&job.username, c));
        let note = warning.clone();
        let cipher = self.inner.store.cipher()?;
        let (id, job_id, slot, username, plain) = (
            job.rotation.id,
            job.job_id,
            job.slot,
            job.username.clone(),
            job.password.clone(),
        );
        // An adopted user's current password becomes the previous credential (slot 1).
        let adopted = match (job.kind, &job.keep) {
            (crate::model::JournalKind::Create, Some(current)) => Some(current.clone()),
            _ => None,
        };
        let now = self.now();
        let elapsed = job.started.elapsed();
        let promoted = self
            .write_deferred(move |doc, events| {
                let r = doc.rotation_mut(id).ok_or_else(|| {
                    EngineError::Refused("the rotation was deleted meanwhile".into())
                })?;
                // Only the job whose journal the store holds promotes. A PostgreSQL session can
                // end under a rotation's lock (a restart, a broken connection) while this job
                // still runs; another process may then have finished this journal and started
                // its own, which this promotion must not overwrite.
                if r.pending.as_ref().map(|j| j.job_id) != Some(job_id) {
                    return Err(journal_lost(&r.name, job_id, "nothing was promoted"));
                }
                // The journal's value is bound to the journal: sealed again for each place.
                r.slots[slot.index()] = Some(SlotCredential {
                    username: username.clone(),
                    password: cipher.seal(&plain, &Binding::slot_password(id, slot)),
                    created_at: now,
                });
                if let Some(current) = &adopted {
                    let other = slot.other();
                    r.slots[other.index()] = Some(SlotCredential {
                        username: username.clone(),
                        password: cipher.seal(current, &Binding::slot_password(id, other)),
                        created_at: now,
                    });
                }
                r.active_index = slot;
                r.rotation_status = RotationStatus::Success;
                r.last_rotated_at = Some(now);
                r.last_rotation_attempted_at = Some(now);
                r.last_rotation_job_id = Some(job_id);
                r.last_rotation_message = note;
                r.next_rotation_at = schedule::next_rotation_at(
                    r.is_auto_rotation_enabled,
                    r.rotation_interval,
                    r.rotate_at_utc,
                    now,
                    trigger,
                );
                r.pending = None;
                r.retry = None;
                r.held = None;
                // Owed from the same durable write: a crash before delivery cannot forget them.
                r.sinks_owed = r.sinks.iter().map(|s| s.path.clone()).collect();
                r.updated_at = now;
                let r = r.clone();
                let writer = Writer {
                    rotation_id: Some(id),
                    job_id: Some(job_id),
                };
                let (env, path) = (&r.environment, &r.secret_path);
                let (user_key, pass_key) =
                    (&r.secrets_mapping.username, &r.secrets_mapping.password);
                let sealed_username = cipher.seal(
                    &Password::new(username.clone()),
                    &Binding::secret_value(env, path, user_key),
                );
                let sealed_password =
                    cipher.seal(&plain, &Binding::secret_value(env, path, pass_key));
                doc.put_secret(env, path, user_key, sealed_username, writer, now);
                doc.put_secret(env, path, pass_key, sealed_password, writer, now);
                if let Some(sentence) = sessions {
                    events.push(event_for(
                        &r,
                        EventKind::Sessions,
                        Outcome::Info,
                        Some(job_id),
                        now,
                        sentence,
                    ));
                }
                let verb = match kind {
                    EventKind::Created => "created",
                    EventKind::Recovered => "recovered",
                    _ => "rotated",
                };
                let mut outcome = event_for(
                    &r,
                    kind,
                    Outcome::Success,
                    Some(job_id),
                    now,
                    format!(
                        "{verb} {} → slot {} ({username}) in {:.1} ms on {node_count} node{}{}",
                        r.name,
                        slot.index(),
                        elapsed.as_secs_f64() * 1000.0,
                        if node_count == 1 { "" } else { "s" },
                        warning.map(|w| format!("; {w}")).unwrap_or_default()
                    ),
                );
                outcome.attempt = Some(Attempt::new(trigger, elapsed, Some(node_count)));
                events.push(outcome);
                Ok(r)
            })
            .await?;
        crash::point_losing("promote-lost", || {
            self.inner.store.drop_unsynced_for_test();
        });
        self.queue_notify(
            &promoted,
            Outcome::Success,
            promoted.last_rotation_message.as_deref(),
        );
        Ok(promoted)
    }

    /// A warning naming the nodes that cannot persist ACL changes, if any.
    fn volatile_warning(&self, nodes: &[Node]) -> Option<String> {
        let map = self.inner.persistence.lock().ok()?;
        let volatile: Vec<String> = nodes
            .iter()
            .map(|n| n.addr.to_string())
            .filter(|a| map.get(a) == Some(&crate::redis::Persistence::None))
            .collect();
        (!volatile.is_empty()).then(|| {
            format!(
                "warning: {} has neither an aclfile nor a config file: the rotated users vanish when it restarts",
                volatile.join(", ")
            )
        })
    }
}

/// The error of a job whose journal the store no longer holds: another process finished or
/// took over its rotation while the job's lock was lost.
pub(crate) fn journal_lost(name: &str, job_id: uuid::Uuid, outcome: &str) -> EngineError {
    EngineError::Refused(format!(
        "rotation `{name}`: job {job_id} no longer owns the rotation's journal (another process finished or took over this rotation while its lock was lost); {outcome}"
    ))
}

pub(crate) fn sessions_sentence(username: &str, s: SessionCounts) -> String {
    let mut out = format!(
        "{} session{} still use{} {username}; {} failed AUTH{} in ACL LOG",
        s.sessions,
        if s.sessions == 1 { "" } else { "s" },
        if s.sessions == 1 { "s" } else { "" },
        s.failed_auths,
        if s.failed_auths == 1 { "" } else { "s" }
    );
    if s.unreachable > 0 {
        out.push_str(&format!(" ({} node(s) could not be asked)", s.unreachable));
    }
    out
}
