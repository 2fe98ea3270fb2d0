//! Create, update, pause/resume, delete, credentials and live sessions of a rotation.

use tracing::Instrument;
use uuid::Uuid;

use crate::model::request::RotationRequest;
use crate::model::schedule::{self, Trigger};
use crate::model::validation::{
    Context, FieldError, RotationSpec, validate_new_rotation, validate_rotation_patch,
};
use crate::model::{EventKind, JournalKind, Outcome, Rotation, Slot};

use super::rotate::{Job, event_for};
use super::{DeleteOutcome, Engine, EngineError, SessionCounts};

fn context(doc: &crate::store::Document) -> Context<'_> {
    Context {
        connections: &doc.connections,
        rotations: &doc.rotations,
        secrets: &doc.secrets,
    }
}

impl Engine {
    /// Validates without writing anything (the wizard's review step and `create --dry-run`).
    pub(crate) fn validate_create(
        &self,
        req: &RotationRequest,
    ) -> Result<RotationSpec, EngineError> {
        let doc = self.snapshot()?;
        Ok(validate_new_rotation(req, context(&doc))?)
    }

    /// Creates the rotation: slot 0 on every node, persisted and verified, then the secrets.
    pub async fn create_rotation(&self, req: &RotationRequest) -> Result<Rotation, EngineError> {
        self.create_adopting(req, None).await
    }

    /// Creates the rotation taking over an existing user (`parameters.username`) whose current
    /// password is `current`, proven by a fresh login on every node before anything is written.
    /// One-user keeps it valid as the previous credential; two-users leaves the user untouched.
    pub async fn create_adopting(
        &self,
        req: &RotationRequest,
        current: Option<crate::model::Password>,
    ) -> Result<Rotation, EngineError> {
        let spec = self.validate_create(req)?;
        let doc = self.snapshot()?;
        let conn = doc
            .connections
            .iter()
            .find(|c| c.id == spec.connection_id)
            .cloned()
            .ok_or_else(|| FieldError::new("connectionId", "the connection was removed meanwhile"))
            .map_err(|e| EngineError::Invalid(e.into()))?;
        let nodes = self.fleet(&conn).await?;
        let now = self.now();
        let mut rotation = Rotation::from_spec(&spec, Uuid::new_v4(), now);
        // The users must be new, unless an existing one is adopted with its proven password.
        let adoption_note = self
            .check_users_for_create(&rotation, &conn, &nodes, current.as_ref())
            .await?;
        let keep = current.filter(|_| rotation.is_one_user());
        let credential = self.new_credential(&rotation)?;
        rotation.updated_at = now;
        let _guard = self.lock_rotation(&rotation).await?;
        let username = rotation.username_for(Slot::Zero);
        let job = Job::new(
            rotation,
            conn,
            JournalKind::Create,
            Slot::Zero,
            username,
            credential,
            keep,
        )?;
        let span = job.span();
        let result = async {
            tracing::info!(username = %job.username, "creating rotation");
            self.record(&job, &nodes, Some(req.clone())).await?;
            // Nothing proved a kept connection alive here: the admin connections carry it.
            let lanes = super::change::Lanes::admin(&nodes);
            self.run_steps(job, nodes, lanes, Trigger::Manual, EventKind::Created)
                .await
        }
        .instrument(span)
        .await;
        if let (Ok(r), Some(sentence)) = (&result, adoption_note) {
            self.log_info(r, EventKind::Created, sentence).await;
        }
        drop(_guard);
        self.send_notifications().await;
        if let Ok(r) = &result {
            self.deliver_sinks(r).await;
        }
        result
    }

    /// Applies a patch: a new scope goes to both users on every node right away; a renamed
    /// mapping renames the secrets; a schedule change recomputes the next rotation.
    pub async fn update_rotation(
        &self,
        id_or_name: impl Into<crate::model::RotationRef>,
        patch: &RotationRequest,
    ) -> Result<Rotation, EngineError> {
        let found = self.find_rotation(id_or_name)?;
        let _guard = self.lock_rotation(&found).await?;
        let existing = self.reread_for_patch(found.id, patch).await?;
        let doc = self.snapshot()?;
        let patch = pin_usernames(&existing, patch)?;
        let spec = validate_rotation_patch(&existing, &patch, context(&doc))?;
        // A new scope is journaled, applied to both users on every node and persisted; the
        // write in `commit_update` commits it and clears the journal (see `changes`).
        let new_scope = &spec.parameters.permission_scope;
        let scope_job = if *new_scope != existing.parameters.permission_scope {
            Some(
                self.change_scope_locked(&existing, new_scope, &patch)
                    .await?,
            )
        } else {
            None
        };
        self.commit_update(existing, patch, scope_job).await
    }

    /// The rotation as it is under its lock (another process may have changed it meanwhile).
    /// When the patch asks for a new scope, a change in flight on Redis is finished first and
    /// the new scope then applies on top of it.
    async fn reread_for_patch(
        &self,
        id: Uuid,
        patch: &RotationRequest,
    ) -> Result<Rotation, EngineError> {
        let existing = self.rotation_by_id(id)?;
        let asks_scope = patch
            .parameters
            .as_ref()
            .and_then(|p| p.permission_scope.as_ref())
            .is_some_and(|s| *s != existing.parameters.permission_scope);
        if existing.pending.is_none() || !asks_scope {
            return Ok(existing);
        }
        self.recover_locked(id).await?;
        self.rotation_by_id(id)
    }

    /// The store half of an update. When the store refuses it after a new scope (`scope_job`)
    /// went to the nodes, the old scope goes back everywhere.
    async fn commit_update(
        &self,
        existing: Rotation,
        patch: RotationRequest,
        scope_job: Option<Uuid>,
    ) -> Result<Rotation, EngineError> {
        let now = self.now();
        let before = existing.clone();
        let written = self
            .write(move |doc, events| {
                commit_patch(doc, events, &existing, &patch, now, scope_job, "")
            })
            .await;
        if let (Err(e), Some(job)) = (&written, scope_job) {
            let pending = self.rotation_by_id(before.id).ok().and_then(|r| r.pending);
            if let (Ok(conn), Some(journal)) = (self.connection_of(&before), pending)
                && journal.job_id == job
            {
                return Err(self
                    .undo_scope(&before, &conn, &journal, e.to_string())
                    .await);
            }
        }
        written
    }

    /// Pause or resume automatic rotation.
    pub async fn set_auto_rotation(
        &self,
        id_or_name: impl Into<crate::model::RotationRef>,
        enabled: bool,
    ) -> Result<Rotation, EngineError> {
        let r = self.find_rotation(id_or_name)?;
        let patch = RotationRequest {
            is_auto_rotation_enabled: Some(enabled),
            ..Default::default()
        };
        let updated = self.update_rotation(&r.id.to_string(), &patch).await?;
        let now = self.now();
        let kind = if enabled {
            EventKind::Resumed
        } else {
            EventKind::Paused
        };
        let id = updated.id;
        self.write(move |doc, events| {
            if let Some(r) = doc.rotation(&id.to_string()) {
                let msg = format!(
                    "auto-rotation of {} {}",
                    r.name,
                    if enabled { "resumed" } else { "paused" }
                );
                events.push(event_for(r, kind, Outcome::Info, None, now, msg));
            }
            Ok(())
        })
        .await?;
        Ok(updated)
    }

    /// Deletes a rotation; `revoke` removes both users from every node, `delete_secrets` the
    /// mapped secrets. Both default to off: what stays is listed.
    pub async fn delete_rotation(
        &self,
        id_or_name: impl Into<crate::model::RotationRef>,
        revoke: bool,
        delete_secrets: bool,
    ) -> Result<DeleteOutcome, EngineError> {
        let r = self.find_rotation(id_or_name)?;
        let _guard = self.lock_rotation(&r).await?;
        // Read under the lock: another process may have changed or deleted it meanwhile.
        let r = self.rotation_by_id(r.id)?;
        let users = r.usernames();
        let mut outcome = DeleteOutcome {
            name: r.name.clone(),
            revoked_users: Vec::new(),
            deleted_secrets: Vec::new(),
            kept: Vec::new(),
        };
        if revoke {
            // Journaled, then revoked on every node and persisted (see `changes`).
            outcome.revoked_users = self.revoke_locked(&r, delete_secrets).await?;
        } else {
            outcome.kept.push(match users.as_slice() {
                [one] => format!("ACL user {one} stays on the server with its passwords"),
                _ => format!("ACL users {} stay on the server", users.join(" and ")),
            });
        }
        let mapping = [
            r.secrets_mapping.username.clone(),
            r.secrets_mapping.password.clone(),
        ];
        if delete_secrets {
            outcome.deleted_secrets = mapping.to_vec();
        } else {
            outcome.kept.push(format!(
                "secrets {} and {} stay in {} {}",
                mapping[0], mapping[1], r.environment, r.secret_path
            ));
        }
        let msg = format!(
            "deleted {}; {}",
            r.name,
            if outcome.kept.is_empty() {
                "users revoked and secrets deleted".to_string()
            } else {
                outcome.kept.join("; ")
            }
        );
        self.commit_delete(r, delete_secrets, msg).await?;
        Ok(outcome)
    }

    /// Live sessions and failed AUTHs per slot (index 0 and 1), over every node.
    pub(crate) async fn sessions(
        &self,
        id_or_name: impl Into<crate::model::RotationRef>,
    ) -> Result<[SessionCounts; 2], EngineError> {
        let r = self.find_rotation(id_or_name)?;
        let conn = self.connection_of(&r)?;
        let nodes = self.fleet(&conn).await?;
        Ok([
            self.count_sessions(&nodes, &r.username_for(Slot::Zero))
                .await,
            self.count_sessions(&nodes, &r.username_for(Slot::One))
                .await,
        ])
    }
}

/// The two ACL users keep their names for the life of a rotation: renaming a rotation whose
/// usernames derive from its name pins `usernamePrefix` to the old name, and the prefix itself
/// cannot change once the users exist.
fn pin_usernames(
    existing: &Rotation,
    patch: &RotationRequest,
) -> Result<RotationRequest, EngineError> {
    let mut patch = patch.clone();
    if existing.is_one_user() {
        // Its one user is `parameters.username`, which validation keeps fixed.
        return Ok(patch);
    }
    let base = existing.username_base().to_string();
    let asked = patch
        .parameters
        .as_ref()
        .and_then(|p| p.username_prefix.clone());
    if let Some(prefix) = asked.as_ref().filter(|p| **p != base) {
        return Err(EngineError::Invalid(
            FieldError::new(
                "parameters.usernamePrefix",
                format!(
                    "cannot change from `{base}` to `{prefix}` after the users exist (they are `{base}-0` and `{base}-1`); create a new rotation instead"
                ),
            )
            .into(),
        ));
    }
    let renamed = patch.name.as_ref().is_some_and(|n| n != &existing.name);
    if renamed && existing.parameters.username_prefix.is_none() {
        patch
            .parameters
            .get_or_insert_with(Default::default)
            .username_prefix = Some(base);
    }
    Ok(patch)
}

/// The store half of an update (under the store's write lock): re-validates `patch` against
/// `existing` (the rotation as read under its lock), applies it, clears the scope journal
/// `scope_job` and logs the event (`note` prefixes its message). Shared with recovery, which
/// finishes an update whose new scope a crash interrupted.
pub(crate) fn commit_patch(
    doc: &mut crate::store::Document,
    events: &mut Vec<crate::store::NewEvent>,
    existing: &Rotation,
    patch: &RotationRequest,
    now: chrono::DateTime<chrono::Utc>,
    scope_job: Option<Uuid>,
    note: &str,
) -> Result<Rotation, EngineError> {
    let spec = validate_rotation_patch(existing, patch, context(doc))?;
    let scope_changed = spec.parameters.permission_scope != existing.parameters.permission_scope;
    let r = doc
        .rotation_mut(existing.id)
        .ok_or_else(|| EngineError::Refused("the rotation was deleted meanwhile".into()))?;
    let old_mapping = r.secrets_mapping.clone();
    let schedule_changed = r.is_auto_rotation_enabled != spec.is_auto_rotation_enabled
        || r.rotation_interval != spec.rotation_interval
        || r.rotate_at_utc != spec.rotate_at_utc;
    r.take_spec(&spec);
    r.updated_at = now;
    if let Some(job) = scope_job
        && r.pending.as_ref().is_some_and(|j| j.job_id == job)
    {
        r.pending = None;
    }
    if schedule_changed {
        reschedule(r);
    }
    let r = r.clone();
    rename_mapped_secrets(doc, &r, &old_mapping);
    events.push(event_for(
        &r,
        EventKind::Updated,
        Outcome::Success,
        None,
        now,
        format!(
            "{}updated {}{}",
            note,
            r.name,
            if scope_changed {
                " (new permission scope applied to both users)"
            } else {
                ""
            }
        ),
    ));
    Ok(r)
}

/// A new schedule counts from the last rotation; a pending retry backoff no longer applies.
fn reschedule(r: &mut Rotation) {
    r.next_rotation_at = r.last_rotated_at.and_then(|last| {
        schedule::next_rotation_at(
            r.is_auto_rotation_enabled,
            r.rotation_interval,
            r.rotate_at_utc,
            last,
            Trigger::Manual,
        )
    });
    r.retry = None;
}

/// A renamed mapping renames the secrets it names, history and all.
fn rename_mapped_secrets(
    doc: &mut crate::store::Document,
    r: &Rotation,
    old: &crate::model::SecretsMapping,
) {
    let renames = [
        (&old.username, &r.secrets_mapping.username),
        (&old.password, &r.secrets_mapping.password),
    ];
    for (from, to) in renames {
        if from != to {
            doc.rename_secret(&r.environment, &r.secret_path, from, to);
        }
    }
}
