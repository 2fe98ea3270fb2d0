//! Steps 2–4 of a job (apply, persist, verify) on every node at once. Where the job holds a
//! kept verification connection to a node (its "lane", taken before the first round, which
//! proves it alive), the three travel together on it in one round trip; elsewhere the node
//! applies on its admin connection, then persists and proves the credential by a fresh login.

use std::sync::atomic::Ordering;

use crate::model::Connection;
use crate::redis::verify::{self, Change, RestAs};
use crate::redis::{Node, NodeAddr, Persistence, RedisError, acl};

use super::rotate::{Job, redact};
use super::{Engine, Step, crash};

/// The connection a job uses on each node for its first round and its change: a kept
/// verification connection (resting as the admin user) taken for the job, or the node's admin
/// connection when none is kept.
pub(crate) struct Lanes {
    pub nodes: Vec<Node>,
    /// `kept[i]`: `nodes[i]` is a kept verification connection.
    kept: Vec<bool>,
}

impl Lanes {
    /// The admin connections themselves (no kept connection for this job).
    pub(crate) fn admin(nodes: &[Node]) -> Lanes {
        Lanes {
            nodes: nodes.to_vec(),
            kept: vec![false; nodes.len()],
        }
    }

    pub(crate) fn any_kept(&self) -> bool {
        self.kept.iter().any(|k| *k)
    }
}

/// What one node answered to a job's change.
struct NodeChange {
    applied: Result<(), RedisError>,
    persisted: Result<(), String>,
    verified: Result<(), String>,
}

impl Engine {
    /// A kept verification connection to each node of `nodes` where one is idle, else the admin
    /// connection.
    pub(crate) fn take_lanes(&self, conn: &Connection, nodes: &[Node]) -> Lanes {
        let stamp = conn.updated_at.timestamp_micros();
        let mut lanes = Lanes {
            nodes: Vec::with_capacity(nodes.len()),
            kept: Vec::with_capacity(nodes.len()),
        };
        for node in nodes {
            match self.inner.verifiers.take(conn.id, stamp, &node.addr) {
                Some(mut kept) => {
                    // It rests as the admin user: permission hints name that user.
                    kept.username.clone_from(&conn.username);
                    lanes.nodes.push(kept);
                    lanes.kept.push(true);
                }
                None => {
                    lanes.nodes.push(node.clone());
                    lanes.kept.push(false);
                }
            }
        }
        lanes
    }

    /// Steps 2–4 on every node in parallel. Returns the failures, if any (redacted), and the
    /// nodes that refused the change (on those it surely did not apply).
    pub(crate) async fn change(
        &self,
        job: &Job,
        nodes: &[Node],
        lanes: &Lanes,
    ) -> (Option<String>, Vec<NodeAddr>) {
        let id = job.rotation.id;
        self.progress(id, Step::Apply, None, true);
        let rest = match self.admin_password(&job.conn) {
            Ok(password) => RestAs {
                username: job.conn.username.clone(),
                password,
            },
            Err(e) => return (Some(e.to_string()), Vec::new()),
        };
        let applied = crash::Applied::default();
        let results =
            futures::future::join_all(nodes.iter().zip(&lanes.nodes).zip(&lanes.kept).map(
                |((node, lane), kept)| async {
                    let r = if *kept {
                        self.change_on_lane(job, node, lane, &rest).await
                    } else {
                        self.change_on_admin(job, node).await
                    };
                    applied.node_done();
                    r
                },
            ))
            .await;
        let mut errors = Vec::new();
        let mut refused = Vec::new();
        for (node, r) in nodes.iter().zip(&results) {
            self.progress(
                id,
                Step::Apply,
                Some(node.addr.to_string()),
                r.applied.is_ok(),
            );
            if let Err(e) = &r.applied {
                if e.was_refused() {
                    refused.push(node.addr.clone());
                }
                errors.push(format!("apply on {}: {e}", node.addr));
            }
        }
        self.progress(id, Step::Persist, None, true);
        for (node, r) in nodes.iter().zip(&results) {
            self.progress(
                id,
                Step::Persist,
                Some(node.addr.to_string()),
                r.persisted.is_ok(),
            );
            if let Err(e) = &r.persisted {
                errors.push(format!("persist on {}: {e}", node.addr));
            }
        }
        crash::point("after-persist");
        self.progress(id, Step::Verify, None, true);
        for (node, r) in nodes.iter().zip(&results) {
            self.progress(
                id,
                Step::Verify,
                Some(node.addr.to_string()),
                r.verified.is_ok(),
            );
            // Where the change was not applied, the proof failing says nothing more.
            if let (Ok(()), Err(e)) = (&r.applied, &r.verified) {
                errors.push(format!("verify on {}: {e}", node.addr));
            }
        }
        let failure = (!errors.is_empty()).then(|| redact(&errors.join("; "), &[&job.password]));
        (failure, refused)
    }

    /// The change, the node's save (when none of its saves is running; else the group's save
    /// after) and the proof, in one round trip on the job's kept connection `lane`.
    async fn change_on_lane(
        &self,
        job: &Job,
        node: &Node,
        lane: &Node,
        rest: &RestAs,
    ) -> NodeChange {
        let key = node.addr.to_string();
        let mode = self.cached_persistence(&key);
        let group = match mode {
            Some(Persistence::Aclfile | Persistence::Config) => self.save_group(key),
            _ => None,
        };
        let mut claim = group.as_ref().and_then(|g| g.saved.try_lock().ok());
        // This job's change runs just before the save on the same connection, and every ticket
        // taken so far belongs to a change applied before this save is sent.
        let covers = match (&claim, &group) {
            (Some(_), Some(g)) => {
                g.asked.fetch_add(1, Ordering::SeqCst);
                g.asked.load(Ordering::SeqCst)
            }
            _ => 0,
        };
        let persist = claim
            .is_some()
            .then(|| mode.and_then(acl::persist_command))
            .flatten();
        let change = Change {
            command: self.apply_command(job),
            persist,
            username: &job.username,
            password: &job.password,
        };
        let changed = verify::change_and_prove(lane, change, rest).await;
        if let (Some(saved), Some(Ok(()))) = (claim.as_mut(), &changed.persisted) {
            **saved = (**saved).max(covers);
        }
        drop(claim);
        if changed.rests {
            let stamp = job.conn.updated_at.timestamp_micros();
            self.inner
                .verifiers
                .put_back(job.conn.id, stamp, Some(lane.clone()));
        }
        let persisted = match changed.persisted {
            Some(r) => r.map_err(|e| e.to_string()),
            // Applied (its reply came): the group's save covers it.
            None if changed.applied.is_ok() => {
                self.persist_node(node).await.map_err(|e| e.to_string())
            }
            None => Ok(()),
        };
        NodeChange {
            applied: changed.applied,
            persisted,
            verified: changed.verified.map_err(|e| e.to_string()),
        }
    }

    /// The change on the node's admin connection, then its save and a real login as the user
    /// together (the job holds no kept connection to this node).
    async fn change_on_admin(&self, job: &Job, node: &Node) -> NodeChange {
        let applied = self.apply_node(job, node).await;
        if applied.is_err() {
            return NodeChange {
                applied,
                persisted: Ok(()),
                verified: Ok(()),
            };
        }
        let (persisted, verified) = tokio::join!(
            self.persist_node(node),
            self.verify_node(&job.conn, &node.addr, &job.username, &job.password)
        );
        NodeChange {
            applied,
            persisted: persisted.map_err(|e| e.to_string()),
            verified,
        }
    }
}
