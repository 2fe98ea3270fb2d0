//! Roll-forward recovery: a journal left by a crash is finished with the recorded password
//! (revoke and scope changes: with what their journal records, see `changes`).

use crate::store::Binding;

use futures::StreamExt;
use uuid::Uuid;

use crate::model::schedule::Trigger;
use crate::model::{EventKind, JournalKind};
use crate::redis::{NodeAddr, acl};

use super::rotate::{Job, JobCredential};
use super::{Engine, EngineError, Step};

/// Interrupted rotations finished at once by `recover_all` (as many as the scheduler runs).
const RECOVER_PARALLELISM: usize = 16;

impl Engine {
    /// Finishes every rotation a crash left in flight, several at once; one whose lock another
    /// process holds is skipped at once (plain try-lock: that process is working on it, and a
    /// later pass or its own run finishes it). Returns (rotation name, outcome) for each one
    /// tried.
    pub async fn recover_all(&self) -> Vec<(String, Result<(), EngineError>)> {
        let Ok(doc) = self.fresh_snapshot().await else {
            return Vec::new();
        };
        let pending: Vec<(Uuid, String)> = doc
            .rotations
            .iter()
            .filter(|r| r.pending.is_some())
            .map(|r| (r.id, r.name.clone()))
            .collect();
        futures::stream::iter(pending)
            .map(|(id, name)| async move {
                let guard = self
                    .inner
                    .locks
                    .try_lock_rotation(id)
                    .await
                    .ok()
                    .flatten()?;
                let result = self.recover_locked(id).await.map(|_| ());
                drop(guard);
                self.send_notifications().await;
                if let (Ok(()), Ok(r)) = (&result, self.rotation_by_id(id)) {
                    self.deliver_sinks(&r).await;
                }
                Some((name, result))
            })
            .buffer_unordered(RECOVER_PARALLELISM)
            .filter_map(|outcome| async move { outcome })
            .collect()
            .await
    }

    /// With the rotation's lock held: read each node's password hashes, apply the recorded
    /// password where it is missing, persist, verify, promote.
    pub(crate) async fn recover_locked(&self, id: Uuid) -> Result<(), EngineError> {
        let rotation = self.rotation_by_id(id)?;
        let Some(journal) = rotation.pending.clone() else {
            return Ok(());
        };
        if matches!(journal.kind, JournalKind::Revoke | JournalKind::Scope) {
            return self.finish_change(rotation, journal).await;
        }
        self.progress(id, Step::Recover, None, true);
        let conn = self.connection_of(&rotation)?;
        let sealed = journal.password.clone().ok_or_else(|| {
            EngineError::Failed(format!(
                "rotation `{}`: the journal of job {} has no password to finish with",
                rotation.name, journal.job_id
            ))
        })?;
        let password = self
            .inner
            .store
            .cipher()?
            .open(&sealed, &Binding::journal_password(id, journal.job_id))?;
        // One-user: the password that stays is the adopted one (create) or the active one.
        let keep = match &journal.adopted {
            Some(sealed) => Some(self.inner.store.cipher()?.open(
                sealed,
                &Binding::journal_adopted_password(id, journal.job_id),
            )?),
            None => self.kept_password(&rotation)?,
        };
        let job = Job::new(
            rotation,
            conn,
            journal.kind,
            journal.slot,
            journal.username.clone(),
            JobCredential {
                job_id: journal.job_id,
                password,
                sealed,
            },
            keep,
        )?;
        let addrs: Vec<NodeAddr> = journal
            .nodes
            .iter()
            .filter_map(|n| NodeAddr::parse(n))
            .collect();
        let nodes = match self.connect_admin(&job.conn, &addrs).await {
            Ok(n) => n,
            Err(e) => {
                let msg = format!("recovery pending: {e}");
                return Err(self.record_failure(&job, Trigger::Manual, msg, true).await);
            }
        };
        let want = acl::password_hash(&job.password);
        for node in &nodes {
            // One-user: the target password list is set again everywhere (idempotent), since a
            // node may hold the new password but still the one this rotation removes.
            let has = !job.rotation.is_one_user()
                && acl::password_hashes(node, &job.username)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|h| h.contains(&want));
            if has {
                continue;
            }
            if let Err(e) = self.apply_node(&job, node).await {
                let msg = format!("recovery pending: apply on {}: {e}", node.addr);
                return Err(self.record_failure(&job, Trigger::Manual, msg, true).await);
            }
        }
        if let Err(msg) = self.persist_and_verify(&job, &nodes).await {
            return Err(self
                .record_failure(
                    &job,
                    Trigger::Manual,
                    format!("recovery pending: {msg}"),
                    true,
                )
                .await);
        }
        let trigger = if job.kind == JournalKind::Create {
            Trigger::Manual
        } else {
            Trigger::Scheduled
        };
        self.promote(&job, &nodes, trigger, EventKind::Recovered)
            .await?;
        Ok(())
    }
}
