//! Changes of a rotation's users other than re-keying one — revoking both (`delete --revoke`)
//! and a new permission scope for both — take the rotate path's shape. The caller holds the
//! rotation's lock and read the rotation under it; then: record a journal durably → apply on
//! every node → persist → commit in the store (clearing the journal). On failure a scope change
//! is compensated by intent (the old scope goes back on every node, whatever the replies said);
//! a revoke re-creates nothing. When a node cannot be put right the journal stays, and recovery
//! (or the next command on the rotation) rolls the change forward.

use uuid::Uuid;

use crate::model::request::RotationRequest;
use crate::model::{Connection, EventKind, Journal, JournalKind, Outcome, Rotation, Slot, scope};
use crate::redis::{Node, NodeAddr, acl};

use super::lifecycle::commit_patch;
use super::rotate::event_for;
use super::{Engine, EngineError, Step, crash};

fn scope_tokens(text: &str) -> Result<Vec<String>, EngineError> {
    scope::parse(text).map(|s| s.tokens).map_err(|e| {
        EngineError::Invalid(
            crate::model::validation::FieldError::new("parameters.permissionScope", e.to_string())
                .into(),
        )
    })
}

/// The users a scope change touches: those of the slots that hold a credential.
fn existing_users(r: &Rotation) -> Vec<String> {
    let mut users: Vec<String> = [Slot::Zero, Slot::One]
        .into_iter()
        .filter(|s| r.slot(*s).is_some())
        .map(|s| r.username_for(s))
        .collect();
    users.dedup();
    users
}

impl Engine {
    /// Revokes both users of `r` on every node (lock held, `r` read under it): journal, then
    /// `ACL DELUSER` everywhere, then persist. The journal stays for the caller's commit (see
    /// `commit_delete`), and stays on failure too: nothing is re-created, and recovery or a
    /// repeated `delete --revoke` finishes the revoke.
    pub(crate) async fn revoke_locked(
        &self,
        r: &Rotation,
        delete_secrets: bool,
    ) -> Result<Vec<String>, EngineError> {
        if !r.manages_permissions() {
            return Err(EngineError::Refused(format!(
                "rotation `{}` rotates the `default` user, which Redis cannot delete: delete it without --revoke (its passwords stay valid), then set the default user's password yourself",
                r.name
            )));
        }
        let users = r.usernames();
        let conn = self.connection_of(r)?;
        let nodes = self.fleet(&conn).await?;
        let mut journal = self.change_journal(r, JournalKind::Revoke, users.clone(), &nodes);
        journal.delete_secrets = delete_secrets;
        self.record_change(r, journal.clone()).await?;
        if let Err(msg) = self.apply_change(r.id, &nodes, &journal, &[]).await {
            self.forget_fleet(conn.id);
            return Err(EngineError::Failed(format!(
                "revoke of {} stopped: {msg}; the revoke is journaled and finishes at the next start or `rotation delete --revoke`",
                r.name
            )));
        }
        Ok(users)
    }

    /// Applies `new_scope` to both users of `r` on every node (lock held, `r` read under it).
    /// Returns the job id whose journal the caller's store write clears (see `clear_change`).
    /// On failure the old scope goes back on every node and the journal is cleared, or, when a
    /// node cannot be restored, the journal stays for recovery.
    pub(crate) async fn change_scope_locked(
        &self,
        r: &Rotation,
        new_scope: &str,
        patch: &RotationRequest,
    ) -> Result<Uuid, EngineError> {
        let tokens = scope_tokens(new_scope)?;
        let conn = self.connection_of(r)?;
        let nodes = self.fleet(&conn).await?;
        let mut journal = self.change_journal(r, JournalKind::Scope, existing_users(r), &nodes);
        journal.old_scope = Some(r.parameters.permission_scope.clone());
        journal.new_scope = Some(new_scope.to_string());
        journal.patch = Some(patch.clone());
        self.record_change(r, journal.clone()).await?;
        if let Err(msg) = self.apply_change(r.id, &nodes, &journal, &tokens).await {
            return Err(self.undo_scope(r, &conn, &journal, msg).await);
        }
        Ok(journal.job_id)
    }

    /// Compensation of a scope change: the old scope on every node of the journal, with fresh
    /// connections (a lost reply may have applied the new one anywhere).
    pub(crate) async fn undo_scope(
        &self,
        r: &Rotation,
        conn: &Connection,
        journal: &Journal,
        msg: String,
    ) -> EngineError {
        self.forget_fleet(conn.id);
        self.progress(r.id, Step::Compensate, None, true);
        let old = journal.old_scope.clone().unwrap_or_default();
        let restored = match (
            scope_tokens(&old),
            self.connect_admin(conn, &addrs(journal)).await,
        ) {
            (Ok(tokens), Ok(nodes)) => {
                let mut undo = journal.clone();
                undo.new_scope = Some(old);
                self.apply_change(r.id, &nodes, &undo, &tokens).await
            }
            (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
        };
        match restored {
            Ok(()) => {
                let cleared = self.clear_change(r.id, journal.job_id).await;
                match cleared {
                    Ok(()) => EngineError::Failed(format!(
                        "new permission scope of {} not applied: {msg}; the old scope is back on every node",
                        r.name
                    )),
                    Err(e) => EngineError::Failed(format!(
                        "new permission scope of {} not applied: {msg}; the old scope is back but the journal could not be cleared: {e}",
                        r.name
                    )),
                }
            }
            Err(e) => EngineError::Failed(format!(
                "new permission scope of {} not applied: {msg}; could not restore the old scope ({e}): recovery will finish the change at the next start",
                r.name
            )),
        }
    }

    fn change_journal(
        &self,
        r: &Rotation,
        kind: JournalKind,
        users: Vec<String>,
        nodes: &[Node],
    ) -> Journal {
        Journal {
            job_id: Uuid::new_v4(),
            kind,
            slot: r.active_index,
            username: r.username_for(r.active_index),
            password: None,
            adopted: None,
            users,
            old_scope: None,
            new_scope: None,
            patch: None,
            delete_secrets: false,
            nodes: nodes.iter().map(|n| n.addr.to_string()).collect(),
            started_at: self.now(),
        }
    }

    /// Step 1: the journal, durably, before Redis is touched (replacing any earlier one: the
    /// caller finished or superseded it).
    async fn record_change(&self, r: &Rotation, journal: Journal) -> Result<(), EngineError> {
        self.progress(r.id, Step::Record, None, true);
        let id = r.id;
        self.write(move |doc, _| {
            let r = doc
                .rotation_mut(id)
                .ok_or_else(|| EngineError::Refused("the rotation was deleted meanwhile".into()))?;
            r.pending = Some(journal);
            Ok(())
        })
        .await?;
        crash::point("after-record");
        Ok(())
    }

    /// Removes the journal of `job_id` (a scope change that was committed or compensated).
    pub(crate) async fn clear_change(&self, id: Uuid, job_id: Uuid) -> Result<(), EngineError> {
        self.write(move |doc, _| {
            if let Some(r) = doc.rotation_mut(id)
                && r.pending.as_ref().is_some_and(|j| j.job_id == job_id)
            {
                r.pending = None;
            }
            Ok(())
        })
        .await
    }

    /// Steps 2 and 3 on every node: revoke deletes each user, scope sets `tokens` on each; then
    /// each node persists. Node by node when a crash after N nodes is injected.
    async fn apply_change(
        &self,
        id: Uuid,
        nodes: &[Node],
        journal: &Journal,
        tokens: &[String],
    ) -> Result<(), String> {
        self.progress(id, Step::Apply, None, true);
        let one = |node: &Node| {
            let node = node.clone();
            async move {
                for u in &journal.users {
                    let r = match journal.kind {
                        JournalKind::Revoke => acl::del_user(&node, u).await.map(|_| ()),
                        _ => acl::set_permissions(&node, u, tokens).await,
                    };
                    r.map_err(|e| format!("{} {u} on {}: {e}", verb(journal.kind), node.addr))?;
                }
                Ok::<(), String>(())
            }
        };
        let applied = crash::Applied::default();
        let results = futures::future::join_all(nodes.iter().map(|node| {
            let done = one(node);
            let applied = &applied;
            async move {
                let r = done.await;
                applied.node_done();
                r
            }
        }))
        .await;
        let mut errors = Vec::new();
        for (node, r) in nodes.iter().zip(results) {
            self.progress(id, Step::Apply, Some(node.addr.to_string()), r.is_ok());
            if let Err(e) = r {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        self.progress(id, Step::Persist, None, true);
        let persisted =
            futures::future::join_all(nodes.iter().map(|node| self.persist_node(node))).await;
        for (node, r) in nodes.iter().zip(persisted) {
            self.progress(id, Step::Persist, Some(node.addr.to_string()), r.is_ok());
            if let Err(e) = r {
                errors.push(format!("persist on {}: {e}", node.addr));
            }
        }
        crash::point("after-persist");
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// Recovery of a revoke or scope journal (lock held): the change is applied again on every
    /// node the journal names, then committed in the store.
    pub(crate) async fn finish_change(
        &self,
        r: Rotation,
        journal: Journal,
    ) -> Result<(), EngineError> {
        self.progress(r.id, Step::Recover, None, true);
        let conn = self.connection_of(&r)?;
        let tokens = match journal.kind {
            JournalKind::Scope => scope_tokens(journal.new_scope.as_deref().unwrap_or_default())?,
            _ => Vec::new(),
        };
        let nodes = self
            .connect_admin(&conn, &addrs(&journal))
            .await
            .map_err(|e| EngineError::Failed(format!("recovery of {} pending: {e}", r.name)))?;
        self.apply_change(r.id, &nodes, &journal, &tokens)
            .await
            .map_err(|e| EngineError::Failed(format!("recovery of {} pending: {e}", r.name)))?;
        match journal.kind {
            JournalKind::Revoke => {
                let msg = format!(
                    "deleted {} (finishing an interrupted revoke); users revoked{}",
                    r.name,
                    if journal.delete_secrets {
                        " and secrets deleted"
                    } else {
                        "; secrets stay"
                    }
                );
                self.commit_delete(r, journal.delete_secrets, msg).await
            }
            _ => {
                let now = self.now();
                let new_scope = journal.new_scope.clone().unwrap_or_default();
                let (id, job_id) = (r.id, journal.job_id);
                let patch = journal.patch.clone();
                self.write(move |doc, events| {
                    let Some(existing) = doc.rotations.iter().find(|x| x.id == id).cloned() else {
                        return Ok(());
                    };
                    if existing.pending.as_ref().is_none_or(|j| j.job_id != job_id) {
                        return Ok(());
                    }
                    // The whole update, as it would have been committed; when the rest of it is
                    // refused now (e.g. its new name was taken meanwhile), the scope alone.
                    let note = "finished an interrupted update: ";
                    let refused = match &patch {
                        Some(p) => match commit_patch(doc, events, &existing, p, now, Some(job_id), note) {
                            Ok(_) => return Ok(()),
                            Err(e) => format!("; the rest of the update was refused: {e}"),
                        },
                        None => String::new(),
                    };
                    let Some(r) = doc.rotation_mut(id) else {
                        return Ok(());
                    };
                    r.pending = None;
                    r.parameters.permission_scope = new_scope;
                    r.updated_at = now;
                    let r = r.clone();
                    events.push(event_for(
                        &r,
                        EventKind::Recovered,
                        Outcome::Success,
                        Some(job_id),
                        now,
                        format!(
                            "finished the interrupted permission scope change of {}: applied to both users{refused}",
                            r.name
                        ),
                    ));
                    Ok(())
                })
                .await
            }
        }
    }

    /// Step 4 of a delete: the rotation leaves the store (with its journal); its secrets are
    /// deleted or released.
    pub(crate) async fn commit_delete(
        &self,
        r: Rotation,
        delete_secrets: bool,
        msg: String,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let mapping = [
            r.secrets_mapping.username.clone(),
            r.secrets_mapping.password.clone(),
        ];
        self.write(move |doc, events| {
            doc.rotations.retain(|x| x.id != r.id);
            for name in &mapping {
                if delete_secrets {
                    doc.delete_secret(&r.environment, &r.secret_path, name);
                } else if let Some(s) = doc
                    .secrets
                    .iter_mut()
                    .find(|s| s.is_at(&r.environment, &r.secret_path) && &s.name == name)
                {
                    s.owner_rotation = None;
                }
            }
            events.push(event_for(
                &r,
                EventKind::Deleted,
                Outcome::Success,
                None,
                now,
                msg,
            ));
            Ok(())
        })
        .await
    }
}

fn addrs(journal: &Journal) -> Vec<NodeAddr> {
    journal
        .nodes
        .iter()
        .filter_map(|n| NodeAddr::parse(n))
        .collect()
}

fn verb(kind: JournalKind) -> &'static str {
    match kind {
        JournalKind::Revoke => "revoke",
        _ => "new permission scope for",
    }
}
