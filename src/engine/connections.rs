//! Connections: add (tested before saving), test (the per-node report of SPEC 2.1), edit, remove.

use serde::Serialize;
use uuid::Uuid;

use crate::model::request::ConnectionRequest;
use crate::model::validation::{ConnectionSpec, validate_connection};
use crate::model::{Connection, EventKind, Outcome, Password, TopologyKind};
use crate::redis::{Node, NodeReport, Persistence, probe};
use crate::store::{Binding, NewEvent};

use super::{Engine, EngineError, hint_list};

/// The result of testing a connection: one line per node plus what stops it from being usable.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub connection: String,
    pub nodes: Vec<NodeReport>,
    /// Sentences that make the connection unusable (unreachable, wrong password, missing
    /// permission…). Empty means usable.
    pub problems: Vec<String>,
    /// Usable but worth knowing (a node that does not persist ACL changes).
    pub warnings: Vec<String>,
    /// What the servers said they are (run id, replication ids, cluster node ids), stored on
    /// the connection so two connections to one server are known to be one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<crate::model::ServerIdentity>,
    /// Sentinel topology: what each Sentinel answered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sentinels: Vec<super::sentinel::SentinelReport>,
}

impl ConnectionReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The passwords that come with a connection form, in plaintext until sealed: the admin
/// password of the data nodes and the Sentinels' own password (`sentinel` topology).
#[derive(Clone, Default)]
pub struct ConnectionSecrets {
    pub admin: Option<Password>,
    pub sentinel: Option<Password>,
}

impl ConnectionSecrets {
    /// Only an admin password (every topology but `sentinel` with auth).
    pub(crate) fn admin(password: Option<Password>) -> ConnectionSecrets {
        ConnectionSecrets {
            admin: password,
            sentinel: None,
        }
    }
}

impl std::fmt::Debug for ConnectionSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |p: &Option<Password>| p.as_ref().map(|_| crate::model::sensitive::MASK);
        f.debug_struct("ConnectionSecrets")
            .field("admin", &shown(&self.admin))
            .field("sentinel", &shown(&self.sentinel))
            .finish()
    }
}

fn draft(
    spec: &ConnectionSpec,
    id: Uuid,
    password: Option<crate::model::Sealed>,
    now: chrono::DateTime<chrono::Utc>,
) -> Connection {
    Connection {
        id,
        name: spec.name.clone(),
        description: spec.description.clone(),
        host: spec.host.clone(),
        port: spec.port,
        username: spec.username.clone(),
        password,
        tls: spec.tls.clone(),
        topology: spec.topology,
        nodes: spec.nodes.clone(),
        master_name: spec.master_name.clone(),
        sentinel_username: spec.sentinel_username.clone(),
        sentinel_password: None,
        identity: None,
        created_at: now,
        updated_at: now,
    }
}

impl Engine {
    /// Tests a stored connection.
    pub async fn test_connection(&self, id_or_name: &str) -> Result<ConnectionReport, EngineError> {
        let conn = self.find_connection(id_or_name)?;
        let secrets = ConnectionSecrets {
            admin: self.admin_password(&conn)?,
            sentinel: self.sentinel_password(&conn)?,
        };
        let report = self.test_with(&conn, &secrets).await;
        if let Some(identity) = report.identity.clone() {
            self.learn_identity(conn.id, identity).await;
        }
        Ok(report)
    }

    /// Tests a connection that is not saved yet (the wizard's inline add).
    pub async fn test_draft(
        &self,
        spec: &ConnectionSpec,
        password: Option<Password>,
    ) -> ConnectionReport {
        self.test_draft_with(spec, &ConnectionSecrets::admin(password))
            .await
    }

    /// Tests a connection that is not saved yet, with its admin and Sentinel passwords.
    pub(crate) async fn test_draft_with(
        &self,
        spec: &ConnectionSpec,
        secrets: &ConnectionSecrets,
    ) -> ConnectionReport {
        self.test_draft_as(spec, Uuid::nil(), secrets).await
    }

    /// Tests a draft that will replace the stored connection `id` (not "the same server" as
    /// itself).
    async fn test_draft_as(
        &self,
        spec: &ConnectionSpec,
        id: Uuid,
        secrets: &ConnectionSecrets,
    ) -> ConnectionReport {
        let conn = draft(spec, id, None, self.now());
        self.test_with(&conn, secrets).await
    }

    async fn test_with(&self, conn: &Connection, secrets: &ConnectionSecrets) -> ConnectionReport {
        let password = secrets.admin.clone();
        let mut report = ConnectionReport {
            connection: conn.name.clone(),
            nodes: Vec::new(),
            problems: Vec::new(),
            warnings: conn.insecure_warning().into_iter().collect(),
            identity: None,
            sentinels: Vec::new(),
        };
        let (seed_addr, explicit, sentinel_noted) = if conn.topology == TopologyKind::Sentinel {
            let (view, sentinels) = self.ask_sentinels(conn, secrets.sentinel.clone()).await;
            let answered: Vec<&str> = sentinels
                .iter()
                .filter_map(|s| s.master.as_deref())
                .collect();
            if answered.windows(2).any(|w| w[0] != w[1]) {
                report.warnings.push(format!(
                    "the Sentinels disagree on the master of `{}` ({}): a failover may be under way; the first one's answer is used",
                    conn.master_name.as_deref().unwrap_or_default(),
                    answered.join(", ")
                ));
            }
            report.sentinels = sentinels;
            match view {
                Ok(view) => {
                    for s in &report.sentinels {
                        if let Some(e) = &s.error {
                            report.warnings.push(format!("Sentinel {}: {e}", s.address));
                        }
                    }
                    (view.master, view.replicas, view.noted)
                }
                Err(e) => {
                    report.problems.push(format!(
                        "no Sentinel answered where the master `{}` is: {e}",
                        conn.master_name.as_deref().unwrap_or_default()
                    ));
                    return report;
                }
            }
        } else {
            let explicit = conn
                .nodes
                .iter()
                .filter_map(|n| crate::redis::NodeAddr::parse(n))
                .collect();
            (Self::seed_addr(conn), explicit, Vec::new())
        };
        let seed_params = match self.params(conn, &seed_addr, &conn.username, password.clone()) {
            Ok(p) => p,
            Err(e) => {
                report.problems.push(e.to_string());
                return report;
            }
        };
        let seed = match Node::connect(&seed_params).await {
            Ok(n) => n,
            Err(e) => {
                report.problems.push(e.to_string());
                return report;
            }
        };
        let addrs = match crate::redis::topology::discover(&seed, conn.topology, &explicit).await {
            Ok(found) => {
                for (addr, why) in &sentinel_noted {
                    report.warnings.push(format!(
                        "{addr}: {why}; it is still given the credentials (a rotation fails if it cannot be reached)"
                    ));
                }
                for (addr, why) in &found.noted {
                    report.warnings.push(format!(
                        "{addr} is listed by the topology but skipped: {why}; it gets the credentials when it is back"
                    ));
                }
                found.nodes
            }
            Err(e) => {
                report.problems.push(e.to_string());
                return report;
            }
        };
        let probes = addrs.iter().map(|addr| {
            let params = self.params(conn, addr, &conn.username, password.clone());
            let own = conn.username.clone();
            async move {
                let params = match params {
                    Ok(p) => p,
                    Err(e) => return (NodeReport::failed(addr.to_string(), &e), None),
                };
                match Node::connect(&params).await {
                    Ok(node) => {
                        let ids = crate::redis::identity::identify(&node).await.ok();
                        (probe::probe(&node, &own).await, ids)
                    }
                    Err(e) => (NodeReport::failed(addr.to_string(), &e), None),
                }
            }
        });
        let (nodes, ids): (Vec<_>, Vec<_>) =
            futures::future::join_all(probes).await.into_iter().unzip();
        report.nodes = nodes;
        let ids: Vec<_> = ids.into_iter().flatten().collect();
        let identity = crate::model::ServerIdentity::from_nodes(&ids, self.now());
        if !identity.is_empty() {
            if let Ok(doc) = self.snapshot() {
                for other in super::identity::same_servers(&doc.connections, conn.id, &identity) {
                    report.warnings.push(format!(
                        "reaches the same server as connection `{other}`: rotations on either share its ACL users, so their usernames must differ"
                    ));
                }
            }
            report.identity = Some(identity);
        }
        for node in &report.nodes {
            report.warnings.extend(node.notes.iter().cloned());
            if let Some(err) = &node.error {
                report.problems.push(err.clone());
                continue;
            }
            if !node.can_set_user {
                report.problems.push(format!(
                    "{} refused ACL SETUSER (NOPERM): give user `{}` `+acl|setuser`",
                    node.address, conn.username
                ));
            }
            if !node.can_del_user {
                report.problems.push(format!(
                    "{} refused ACL DELUSER (NOPERM): give user `{}` `+acl|deluser`",
                    node.address, conn.username
                ));
            }
            if node.can_persist == Some(false)
                && let Some([cmd, sub]) = node.persistence.and_then(probe::persist_command)
            {
                let grant = format!("+{}|{}", cmd.to_lowercase(), sub.to_lowercase());
                report.problems.push(format!(
                    "{} would refuse {cmd} {sub} (NOPERM), so a rotation could not persist there: give user `{}` `{grant}`",
                    node.address, conn.username
                ));
            }
            if node.persistence == Some(Persistence::None) {
                report.warnings.push(format!(
                    "{} has neither an aclfile nor a config file: rotated users vanish when it restarts",
                    node.address
                ));
            }
        }
        report
    }

    /// Validates, tests, and only then saves a new connection (nothing is written on failure).
    pub async fn add_connection(
        &self,
        req: &ConnectionRequest,
        password: Option<Password>,
    ) -> Result<(Connection, ConnectionReport), EngineError> {
        self.add_connection_with(req, ConnectionSecrets::admin(password))
            .await
    }

    /// `add_connection` with the Sentinels' password too (sealed like the admin password).
    pub async fn add_connection_with(
        &self,
        req: &ConnectionRequest,
        secrets: ConnectionSecrets,
    ) -> Result<(Connection, ConnectionReport), EngineError> {
        let doc = self.snapshot()?;
        let spec = validate_connection(req, &doc.connections, None)?;
        let secrets = keep_sentinel_password_for(&spec, secrets)?;
        let report = self.test_draft_with(&spec, &secrets).await;
        if !report.ok() {
            return Err(EngineError::Failed(format!(
                "connection `{}` was not saved:\n{}",
                spec.name,
                report.problems.join("\n")
            )));
        }
        let id = Uuid::new_v4();
        let mut conn = draft(&spec, id, None, self.now());
        self.seal_secrets(&mut conn, &secrets)?;
        conn.identity = report.identity.clone();
        let saved = conn.clone();
        let now = self.now();
        self.write(move |doc, events| {
            // Re-check under the lock: another process may have taken the name meanwhile.
            validate_connection(&req_for_name(&conn), &doc.connections, None)?;
            events.push(NewEvent {
                at: now,
                kind: EventKind::ConnectionAdded,
                outcome: Outcome::Success,
                rotation: None,
                job_id: None,
                message: format!("connection {} added ({})", conn.name, conn.address()),
                attempt: None,
            });
            doc.connections.push(conn);
            Ok(())
        })
        .await?;
        Ok((saved, report))
    }

    /// Applies the given fields over a stored connection, tests it, and saves it. `password`
    /// replaces the stored one when given; an empty one removes it.
    pub async fn edit_connection(
        &self,
        id_or_name: &str,
        patch: &ConnectionRequest,
        password: Option<Password>,
    ) -> Result<(Connection, ConnectionReport), EngineError> {
        self.edit_connection_with(id_or_name, patch, ConnectionSecrets::admin(password))
            .await
    }

    /// `edit_connection` with the Sentinels' password too. For each password: `None` keeps the
    /// stored one, an empty one removes it, any other replaces it.
    pub(crate) async fn edit_connection_with(
        &self,
        id_or_name: &str,
        patch: &ConnectionRequest,
        secrets: ConnectionSecrets,
    ) -> Result<(Connection, ConnectionReport), EngineError> {
        let existing = self.find_connection(id_or_name)?;
        let doc = self.snapshot()?;
        let merged = merge(&existing, patch);
        let spec = validate_connection(&merged, &doc.connections, Some(existing.id))?;
        // An empty password given on purpose clears the stored one.
        let admin = match secrets.admin {
            Some(p) if p.is_empty() => None,
            Some(p) => Some(p),
            None => self.admin_password(&existing)?,
        };
        let sentinel = match secrets.sentinel {
            Some(p) if p.is_empty() => None,
            Some(p) => Some(p),
            None if spec.topology == TopologyKind::Sentinel => self.sentinel_password(&existing)?,
            None => None,
        };
        let secrets = keep_sentinel_password_for(&spec, ConnectionSecrets { admin, sentinel })?;
        let report = self.test_draft_as(&spec, existing.id, &secrets).await;
        if !report.ok() {
            return Err(EngineError::Failed(format!(
                "connection `{}` was not changed:\n{}",
                existing.name,
                report.problems.join("\n")
            )));
        }
        let mut conn = draft(&spec, existing.id, None, existing.created_at);
        self.seal_secrets(&mut conn, &secrets)?;
        conn.updated_at = self.now();
        conn.identity = report.identity.clone();
        let saved = conn.clone();
        self.write(move |doc, events| {
            let slot = doc
                .connections
                .iter_mut()
                .find(|c| c.id == conn.id)
                .ok_or_else(|| {
                    EngineError::Refused(format!(
                        "connection `{}` was removed meanwhile",
                        conn.name
                    ))
                })?;
            events.push(NewEvent {
                at: conn.updated_at,
                kind: EventKind::ConnectionUpdated,
                outcome: Outcome::Success,
                rotation: None,
                job_id: None,
                message: format!("connection {} updated", conn.name),
                attempt: None,
            });
            *slot = conn;
            Ok(())
        })
        .await?;
        Ok((saved, report))
    }

    /// Removes a connection no rotation uses.
    pub(crate) async fn remove_connection(
        &self,
        id_or_name: &str,
    ) -> Result<Connection, EngineError> {
        let conn = self.find_connection(id_or_name)?;
        let now = self.now();
        let id = conn.id;
        self.write(move |doc, events| {
            let users: Vec<String> = doc
                .rotations
                .iter()
                .filter(|r| r.connection_id == id)
                .map(|r| r.name.clone())
                .collect();
            if !users.is_empty() {
                return Err(EngineError::Refused(format!(
                    "connection `{}` is used by rotation(s) {}: delete them first",
                    conn.name,
                    users.join(", ")
                )));
            }
            doc.connections.retain(|c| c.id != id);
            events.push(NewEvent {
                at: now,
                kind: EventKind::ConnectionRemoved,
                outcome: Outcome::Success,
                rotation: None,
                job_id: None,
                message: format!("connection {} removed", conn.name),
                attempt: None,
            });
            Ok(conn)
        })
        .await
    }

    /// `typed` over the stored passwords of `conn`: what a test of an edited form uses when a
    /// password field was left empty (keep the stored one).
    pub(crate) fn stored_secrets_under(
        &self,
        conn: &Connection,
        typed: ConnectionSecrets,
    ) -> Result<ConnectionSecrets, EngineError> {
        Ok(ConnectionSecrets {
            admin: match typed.admin {
                Some(p) => Some(p),
                None => self.admin_password(conn)?,
            },
            sentinel: match typed.sentinel {
                Some(p) => Some(p),
                None => self.sentinel_password(conn)?,
            },
        })
    }

    /// Seals the passwords into `conn`, each bound to this connection and its field.
    fn seal_secrets(
        &self,
        conn: &mut Connection,
        secrets: &ConnectionSecrets,
    ) -> Result<(), EngineError> {
        if secrets.admin.is_none() && secrets.sentinel.is_none() {
            return Ok(());
        }
        let cipher = self.inner.store.cipher()?;
        conn.password = secrets
            .admin
            .as_ref()
            .map(|p| cipher.seal(p, &Binding::connection_password(conn.id)));
        conn.sentinel_password = secrets
            .sentinel
            .as_ref()
            .map(|p| cipher.seal(p, &Binding::sentinel_password(conn.id)));
        Ok(())
    }

    pub fn find_connection(&self, id_or_name: &str) -> Result<Connection, EngineError> {
        let doc = self.snapshot()?;
        doc.connection(id_or_name).cloned().ok_or_else(|| {
            let names: Vec<&str> = doc.connections.iter().map(|c| c.name.as_str()).collect();
            EngineError::NotFound {
                what: "connection",
                name: id_or_name.to_string(),
                hint: hint_list(&names, "redis-rotator connection add"),
            }
        })
    }
}

/// A request that reproduces a stored connection.
fn req_for_name(conn: &Connection) -> ConnectionRequest {
    ConnectionRequest {
        name: Some(conn.name.clone()),
        description: conn.description.clone(),
        host: Some(conn.host.clone()),
        port: Some(conn.port.into()),
        username: Some(conn.username.clone()),
        tls_enabled: Some(conn.tls.enabled),
        reject_unauthorized: Some(conn.tls.reject_unauthorized),
        ca_certificate: conn.tls.ca_certificate.clone(),
        topology: Some(conn.topology.to_string()),
        nodes: Some(conn.nodes.clone()),
        master_name: conn.master_name.clone(),
        sentinel_username: conn.sentinel_username.clone(),
    }
}

/// A Sentinel password is refused on any other topology (it would be stored and never used):
/// bad input, exit 2.
fn keep_sentinel_password_for(
    spec: &ConnectionSpec,
    secrets: ConnectionSecrets,
) -> Result<ConnectionSecrets, EngineError> {
    if secrets.sentinel.is_some() && spec.topology != TopologyKind::Sentinel {
        return Err(EngineError::Invalid(crate::model::ValidationErrors(vec![
            crate::model::FieldError::new(
                "sentinelPassword",
                format!(
                    "is only used when topology is `sentinel`, and topology is `{}`: drop --sentinel-password-stdin or set --topology sentinel",
                    spec.topology
                ),
            ),
        ])));
    }
    Ok(secrets)
}

/// `patch` fields over `existing`. Moving away from `sentinel` drops what only Sentinel uses.
fn merge(existing: &Connection, patch: &ConnectionRequest) -> ConnectionRequest {
    let mut base = req_for_name(existing);
    if patch
        .topology
        .as_deref()
        .is_some_and(|t| !t.trim().eq_ignore_ascii_case("sentinel"))
    {
        base.master_name = None;
        base.sentinel_username = None;
        if existing.topology == TopologyKind::Sentinel {
            base.nodes = None;
        }
    }
    ConnectionRequest {
        name: patch.name.clone().or(base.name),
        description: patch.description.clone().or(base.description),
        host: patch.host.clone().or(base.host),
        port: patch.port.clone().or(base.port),
        username: patch.username.clone().or(base.username),
        tls_enabled: patch.tls_enabled.or(base.tls_enabled),
        reject_unauthorized: patch.reject_unauthorized.or(base.reject_unauthorized),
        ca_certificate: patch.ca_certificate.clone().or(base.ca_certificate),
        topology: patch.topology.clone().or(base.topology),
        nodes: patch.nodes.clone().or(base.nodes),
        master_name: patch.master_name.clone().or(base.master_name),
        sentinel_username: patch.sentinel_username.clone().or(base.sentinel_username),
    }
}
