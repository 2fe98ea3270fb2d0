//! Dual-phase rotation (SPEC 2.3): record → apply → persist → verify → promote, with
//! compensation when apply, persist or verify fails. Create is the same path for slot 0.

use std::time::Instant;

use tracing::Instrument;
use uuid::Uuid;

use crate::model::schedule::Trigger;
use crate::model::{
    Connection, EventKind, Journal, JournalKind, Outcome, Password, Rotation, RotationStatus,
    Sealed, Slot, password, scope,
};
use crate::redis::Node;
use crate::store::{Binding, NewEvent};

use super::change::Lanes;
use super::locks::LockGuard;
use super::{Engine, EngineError, SessionCounts, Step, crash};

/// A rotation in flight: what the steps after record need.
pub(crate) struct Job {
    pub rotation: Rotation,
    pub conn: Connection,
    pub kind: JournalKind,
    pub job_id: Uuid,
    pub slot: Slot,
    pub username: String,
    pub password: Password,
    pub sealed: Sealed,
    pub scope: Vec<String>,
    pub started: Instant,
    /// Sessions and failed AUTHs of the slot's user, counted before it is re-keyed.
    pub sessions: Option<SessionCounts>,
    /// One-user: the password that stays valid beside the new one (the active one, or at
    /// adoption the user's current one, stored as slot 1 on promote).
    pub keep: Option<Password>,
}

/// A job's new password, the job's id, and the password sealed for the journal under that id.
pub(crate) struct JobCredential {
    pub job_id: Uuid,
    pub password: Password,
    pub sealed: Sealed,
}

impl Job {
    /// The one way a job is made: `kind` on `rotation`'s `slot`, whose user is `username`, with
    /// `credential`; the scope is the rotation's, its clock starts now, and the slot's sessions
    /// are counted later (before the re-key).
    pub(crate) fn new(
        rotation: Rotation,
        conn: Connection,
        kind: JournalKind,
        slot: Slot,
        username: String,
        credential: JobCredential,
        keep: Option<Password>,
    ) -> Result<Job, EngineError> {
        Ok(Job {
            scope: parse_scope(&rotation)?,
            username,
            kind,
            job_id: credential.job_id,
            slot,
            password: credential.password,
            sealed: credential.sealed,
            conn,
            rotation,
            started: Instant::now(),
            sessions: None,
            keep,
        })
    }

    /// The span every log line of this job runs in: job id, rotation name and environment (no
    /// secret: the password is never a field).
    pub(crate) fn span(&self) -> tracing::Span {
        tracing::info_span!(
            "rotation",
            job_id = %self.job_id,
            rotation = %self.rotation.name,
            environment = %self.rotation.environment,
        )
    }
}

pub(crate) fn event_for(
    r: &Rotation,
    kind: EventKind,
    outcome: Outcome,
    job: Option<Uuid>,
    at: chrono::DateTime<chrono::Utc>,
    message: String,
) -> NewEvent {
    NewEvent {
        at,
        kind,
        outcome,
        rotation: Some((
            r.id,
            r.name.clone(),
            r.environment.clone(),
            r.secret_path.clone(),
        )),
        job_id: job,
        message,
        attempt: None,
    }
}

/// Never let a password through in a message, whatever produced it.
pub(crate) fn redact(message: &str, secrets: &[&Password]) -> String {
    let mut out = message.to_string();
    for s in secrets {
        if !s.is_empty() {
            out = out.replace(s.expose(), crate::model::sensitive::MASK);
        }
    }
    out
}

impl Engine {
    /// Takes the cross-process lock of a rotation or reports it busy. A child process forked
    /// by this process shares its open lock files until it execs, so a lock that looks held is
    /// retried for a moment before it counts as another rotation running.
    pub(crate) async fn lock_rotation(&self, r: &Rotation) -> Result<LockGuard, EngineError> {
        self.lock_rotation_briefly(r.id)
            .await?
            .ok_or_else(|| EngineError::Busy(r.name.clone()))
    }

    /// The rotation's lock, retried for ~200 ms before giving up (`None`): a child process
    /// forked by this one holds copies of its lock files until it execs, so a lock that is free
    /// can look taken for a moment.
    pub(crate) async fn lock_rotation_briefly(
        &self,
        id: Uuid,
    ) -> Result<Option<LockGuard>, EngineError> {
        for _ in 0..20 {
            let held = self
                .inner
                .locks
                .try_lock_rotation(id)
                .await
                .map_err(|e| EngineError::Failed(e.to_string()))?;
            if held.is_some() {
                return Ok(held);
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        Ok(None)
    }

    /// Rotate now (manual) or when due (scheduled).
    pub async fn rotate(
        &self,
        id_or_name: impl Into<crate::model::RotationRef>,
        trigger: Trigger,
    ) -> Result<Rotation, EngineError> {
        let rotation = self.find_rotation(id_or_name)?;
        let guard = self.lock_rotation(&rotation).await?;
        let result = self.rotate_locked(rotation.id, trigger).await;
        // A slow hook must not hold the rotation's lock.
        drop(guard);
        self.send_notifications().await;
        if let Ok(r) = &result {
            self.deliver_sinks(r).await;
        }
        result
    }

    /// A fresh password for `rotation`'s next job, sealed for the journal under a new job id.
    pub(crate) fn new_credential(&self, rotation: &Rotation) -> Result<JobCredential, EngineError> {
        let password = password::generate(&rotation.parameters.password_requirements);
        let job_id = Uuid::new_v4();
        let sealed = self
            .inner
            .store
            .cipher()?
            .seal(&password, &Binding::journal_password(rotation.id, job_id));
        Ok(JobCredential {
            job_id,
            password,
            sealed,
        })
    }

    /// The rotation with its lock held by the caller.
    pub(crate) async fn rotate_locked(
        &self,
        id: Uuid,
        trigger: Trigger,
    ) -> Result<Rotation, EngineError> {
        let mut rotation = self.rotation_by_id(id)?;
        if rotation.pending.is_some() {
            // A crashed rotation is finished first; then the requested one runs.
            self.recover_locked(id).await?;
            rotation = self.rotation_by_id(id)?;
        }
        let conn = self.connection_of(&rotation)?;
        if let Some(w) = conn.insecure_warning() {
            tracing::warn!(rotation = %rotation.name, "{w}");
        }
        let slot = rotation.inactive_slot();
        let credential = self.new_credential(&rotation)?;
        let keep = self.kept_password(&rotation)?;
        let username = rotation.username_for(slot);
        let job = Job::new(
            rotation,
            conn,
            JournalKind::Rotate,
            slot,
            username,
            credential,
            keep,
        )?;
        let span = job.span();
        self.rotate_job(job, trigger).instrument(span).await
    }

    /// Everything after the job is made: inside the job's span, so every log line of it says
    /// which job, rotation and environment it belongs to.
    async fn rotate_job(&self, job: Job, trigger: Trigger) -> Result<Rotation, EngineError> {
        tracing::info!(slot = job.slot.index(), username = %job.username, ?trigger, "rotation started");
        let (mut nodes, kept) = match self.unchecked_fleet(&job.conn).await {
            Ok(n) => n,
            Err(e) => {
                return Err(self
                    .record_failure(&job, trigger, e.to_string(), false)
                    .await);
            }
        };
        // The connections this job speaks on: kept verification connections where idle, which
        // the first round proves alive and the change then uses for apply, persist and verify.
        let mut lanes = self.take_lanes(&job.conn, &nodes);
        // The first round on the nodes (their copy of the rotation's users, healed first where
        // a node lacks the credential that becomes the previous one now, and the live sessions
        // of the user about to be re-keyed) and the journal write are independent: together.
        let (mut checked, recorded) = tokio::join!(
            self.check_nodes(&job.rotation, &lanes.nodes, &job.username),
            self.record(&job, &nodes, None)
        );
        recorded?;
        if (kept || lanes.any_kept()) && checked.lost {
            // A kept connection gave no answer (a restarted node, a killed client): discover
            // and connect afresh, before anything of this job touched Redis.
            self.forget_fleet(job.conn.id);
            let fresh = match self.fresh_fleet(&job.conn).await {
                Ok(n) => n,
                Err(e) => {
                    return Err(self
                        .record_failure(&job, trigger, e.to_string(), false)
                        .await);
                }
            };
            let same = fresh
                .iter()
                .map(|n| &n.addr)
                .eq(nodes.iter().map(|n| &n.addr));
            nodes = fresh;
            lanes = Lanes::admin(&nodes);
            checked = self.check_nodes(&job.rotation, &nodes, &job.username).await;
            if !same {
                // The journal names the nodes recovery must finish on.
                self.record(&job, &nodes, None).await?;
            }
        }
        let mut job = job;
        job.sessions = Some(checked.sessions);
        self.run_steps(job, nodes, lanes, trigger, EventKind::Rotated)
            .await
    }

    /// Step 1: the journal, durably, before Redis is touched.
    /// `create`: the request of a new rotation, re-validated under the store lock so two
    /// processes cannot create the same name.
    pub(crate) async fn record(
        &self,
        job: &Job,
        nodes: &[Node],
        create: Option<crate::model::request::RotationRequest>,
    ) -> Result<(), EngineError> {
        self.progress(job.rotation.id, Step::Record, None, true);
        let journal = Journal {
            job_id: job.job_id,
            kind: job.kind,
            slot: job.slot,
            username: job.username.clone(),
            password: Some(job.sealed.clone()),
            adopted: match (&job.keep, job.kind) {
                (Some(current), JournalKind::Create) => Some(self.inner.store.cipher()?.seal(
                    current,
                    &Binding::journal_adopted_password(job.rotation.id, job.job_id),
                )),
                _ => None,
            },
            nodes: nodes.iter().map(|n| n.addr.to_string()).collect(),
            started_at: self.now(),
            users: Vec::new(),
            old_scope: None,
            new_scope: None,
            patch: None,
            delete_secrets: false,
        };
        let id = job.rotation.id;
        let now = self.now();
        let username = job.username.clone();
        let is_create = job.kind == JournalKind::Create;
        let new_rotation = if is_create {
            Some(job.rotation.clone())
        } else {
            None
        };
        // The servers' identity goes in with the journal: a create reserves its usernames
        // against every connection that reaches the same servers (SPEC 2.1 identity).
        let identity = self.fleet_identity(job.conn.id);
        let conn_id = job.conn.id;
        self.write(move |doc, events| {
            if let Some(identity) = identity {
                super::identity::note_identity(doc, conn_id, identity);
            }
            if let (Some(r), Some(req)) = (new_rotation, create) {
                let ctx = crate::model::validation::Context {
                    connections: &doc.connections,
                    rotations: &doc.rotations,
                    secrets: &doc.secrets,
                };
                crate::model::validation::validate_new_rotation(&req, ctx)?;
                doc.rotations.push(r);
            }
            let r = doc
                .rotation_mut(id)
                .ok_or_else(|| EngineError::Refused("the rotation was deleted meanwhile".into()))?;
            r.pending = Some(journal);
            r.rotation_status = RotationStatus::Rotating;
            r.last_rotation_attempted_at = Some(now);
            let r = r.clone();
            events.push(event_for(
                &r,
                EventKind::RotationStarted,
                Outcome::Info,
                r.pending.as_ref().map(|j| j.job_id),
                now,
                format!(
                    "{} {}: re-keying {} (slot {})",
                    if is_create { "creating" } else { "rotating" },
                    r.name,
                    username,
                    r.pending.as_ref().map_or(0, |j| j.slot.index())
                ),
            ));
            Ok(())
        })
        .await?;
        crash::point("after-record");
        Ok(())
    }

    /// Steps 2–5 (and compensation on failure), on `lanes` (see `change`).
    pub(crate) async fn run_steps(
        &self,
        job: Job,
        nodes: Vec<Node>,
        lanes: Lanes,
        trigger: Trigger,
        kind: EventKind,
    ) -> Result<Rotation, EngineError> {
        let id = job.rotation.id;
        let (failure, refused) = self.change(&job, &nodes, &lanes).await;
        drop(lanes);
        if let Some(message) = failure {
            // A job that lost its journal to another process (see `promote`) must not undo on
            // the nodes what that process may have finished and promoted.
            if let Ok(r) = self.rotation_by_id(id)
                && r.pending.as_ref().map(|j| j.job_id) != Some(job.job_id)
            {
                tracing::warn!(error = %message, "rotation step failed after another process took the rotation over");
                return Err(super::promote::journal_lost(
                    &r.name,
                    job.job_id,
                    "nothing was restored",
                ));
            }
            tracing::warn!(error = %message, "rotation step failed: restoring the previous state");
            self.progress(id, Step::Compensate, None, true);
            // Every node but those that refused the change: a lost reply can hide an applied one.
            let touched: Vec<Node> = nodes
                .iter()
                .filter(|n| !refused.contains(&n.addr))
                .cloned()
                .collect();
            let restored = self.compensate(&job, &touched).await;
            let keep = !restored;
            let message = if keep {
                format!(
                    "{message}; could not restore every node: recovery will finish the rotation at the next start"
                )
            } else {
                message
            };
            return Err(self.record_failure(&job, trigger, message, keep).await);
        }
        crash::point("after-verify");
        crash::point("before-promote");
        let promoted = self.promote(&job, &nodes, trigger, kind).await;
        match &promoted {
            Ok(_) => tracing::info!(
                slot = job.slot.index(),
                nodes = nodes.len(),
                elapsed_ms = job.started.elapsed().as_secs_f64() * 1000.0,
                "promoted"
            ),
            Err(e) => tracing::warn!(error = %e, "promote failed"),
        }
        promoted
    }

    /// Steps 3 and 4 once the change is applied everywhere (recovery's roll forward): persist
    /// where the node can, and a real login as the user on every node.
    pub(crate) async fn persist_and_verify(&self, job: &Job, nodes: &[Node]) -> Result<(), String> {
        let id = job.rotation.id;
        // Persisting and the fresh login as the new user are independent; both must succeed
        // before promote, so they run together.
        self.progress(id, Step::Persist, None, true);
        let persist = futures::future::join_all(nodes.iter().map(|node| self.persist_node(node)));
        let checks = nodes
            .iter()
            .map(|node| self.verify_node(&job.conn, &node.addr, &job.username, &job.password));
        let verify = async {
            self.progress(id, Step::Verify, None, true);
            futures::future::join_all(checks).await
        };
        let (persisted, verified) = tokio::join!(persist, verify);
        let mut errors: Vec<String> = Vec::new();
        for (node, r) in nodes.iter().zip(persisted) {
            self.progress(id, Step::Persist, Some(node.addr.to_string()), r.is_ok());
            if let Err(e) = r {
                errors.push(format!("persist on {}: {e}", node.addr));
            }
        }
        crash::point("after-persist");
        for (node, r) in nodes.iter().zip(verified) {
            self.progress(id, Step::Verify, Some(node.addr.to_string()), r.is_ok());
            if let Err(e) = r {
                errors.push(format!("verify on {}: {e}", node.addr));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(redact(&errors.join("; "), &[&job.password]))
        }
    }

    pub(crate) fn rotation_by_id(&self, id: Uuid) -> Result<Rotation, EngineError> {
        self.find_rotation(id)
    }

    pub(crate) fn connection_of(&self, r: &Rotation) -> Result<Connection, EngineError> {
        self.find_connection(&r.connection_id.to_string())
    }
}

pub(crate) fn parse_scope(r: &Rotation) -> Result<Vec<String>, EngineError> {
    scope::parse(&r.parameters.permission_scope)
        .map(|s| s.tokens)
        .map_err(|e| {
            EngineError::Failed(format!(
                "rotation `{}`: parameters.permissionScope: {e}",
                r.name
            ))
        })
}
