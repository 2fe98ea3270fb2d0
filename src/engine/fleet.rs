//! From a stored connection to authenticated nodes: connection parameters (TLS, CA), admin
//! password, discovery, and connecting to every node in parallel.

use crate::store::Binding;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::model::{Connection, Password, TopologyKind};
use crate::redis::topology::Discovered;
use crate::redis::{ConnectParams, Node, NodeAddr, RedisError, TlsParams, topology};

use super::{Engine, EngineError};

impl Engine {
    /// The connection's admin password, opened from the store.
    pub(crate) fn admin_password(
        &self,
        conn: &Connection,
    ) -> Result<Option<Password>, EngineError> {
        match &conn.password {
            None => Ok(None),
            Some(sealed) => Ok(Some(
                self.inner
                    .store
                    .cipher()?
                    .open(sealed, &Binding::connection_password(conn.id))?,
            )),
        }
    }

    /// How to reach `addr` of `conn` as `username`.
    pub(crate) fn params(
        &self,
        conn: &Connection,
        addr: &NodeAddr,
        username: &str,
        password: Option<Password>,
    ) -> Result<ConnectParams, EngineError> {
        let tls = if conn.tls.enabled {
            Some(TlsParams {
                ca_pem: conn.tls.ca_certificate.as_deref().map(ca_pem).transpose()?,
                insecure: !conn.tls.reject_unauthorized,
            })
        } else {
            None
        };
        Ok(ConnectParams {
            addr: addr.clone(),
            username: username.to_string(),
            password,
            tls,
            connect_timeout: self.inner.timeouts.connect,
            command_timeout: self.inner.timeouts.command,
        })
    }

    pub(crate) fn seed_addr(conn: &Connection) -> NodeAddr {
        NodeAddr {
            host: conn.host.clone(),
            port: conn.port,
        }
    }

    /// Connects as the admin user to the seed node and discovers every node. A node listed by
    /// an earlier discovery in the last ten minutes but missing now (a replica restarting drops
    /// out of `INFO replication` until it reconnects) stays in the list, so it is not forgotten.
    pub(crate) async fn discover(
        &self,
        conn: &Connection,
    ) -> Result<(Node, Discovered), EngineError> {
        let password = self.admin_password(conn)?;
        let (seed_addr, explicit) = self.seed_and_explicit(conn).await?;
        let seed = Node::connect(&self.params(conn, &seed_addr, &conn.username, password)?)
            .await
            .map_err(|e| in_connection(conn, e))?;
        let mut found = topology::discover(&seed, conn.topology, &explicit)
            .await
            .map_err(|e| in_connection(conn, e))?;
        self.remember(conn, &mut found);
        Ok((seed, found))
    }

    /// Where discovery starts and the nodes given to it: the stored host and node list, or for
    /// Sentinel the master and every replica the Sentinels name now.
    pub(crate) async fn seed_and_explicit(
        &self,
        conn: &Connection,
    ) -> Result<(NodeAddr, Vec<NodeAddr>), EngineError> {
        if conn.topology == TopologyKind::Sentinel {
            let password = self.sentinel_password(conn)?;
            let view = self.ask_sentinels(conn, password).await.0?;
            return Ok((view.master, view.replicas));
        }
        let explicit = conn
            .nodes
            .iter()
            .filter_map(|n| NodeAddr::parse(n))
            .collect();
        Ok((Self::seed_addr(conn), explicit))
    }

    /// Records what discovery listed and adds what it listed recently but not now.
    fn remember(&self, conn: &Connection, found: &mut Discovered) {
        if conn.topology == TopologyKind::Nodes || conn.topology == TopologyKind::Standalone {
            return;
        }
        let Ok(mut seen) = self.inner.seen.lock() else {
            return;
        };
        let now = Instant::now();
        let known = seen.entry(conn.id).or_default();
        for addr in found.nodes.iter().chain(found.noted.iter().map(|(a, _)| a)) {
            known.insert(addr.clone(), now);
        }
        known.retain(|_, at| now.duration_since(*at) < REMEMBER_NODES);
        for addr in known.keys() {
            let listed = found.nodes.contains(addr) || found.noted.iter().any(|(a, _)| a == addr);
            if !listed {
                found.nodes.push(addr.clone());
            }
        }
        found.nodes.sort();
    }

    /// Admin connections to every node of `conn`, or the first failure naming its node.
    pub(crate) async fn connect_admin(
        &self,
        conn: &Connection,
        addrs: &[NodeAddr],
    ) -> Result<Vec<Node>, EngineError> {
        let password = self.admin_password(conn)?;
        let params: Vec<ConnectParams> = addrs
            .iter()
            .map(|a| self.params(conn, a, &conn.username, password.clone()))
            .collect::<Result<_, _>>()?;
        let results = futures::future::join_all(params.iter().map(Node::connect)).await;
        results
            .into_iter()
            .map(|r| r.map_err(|e| in_connection(conn, e)))
            .collect()
    }

    /// Admin connections to every node: reused from the last rotation on this connection when
    /// the connection is unchanged, the topology was discovered less than a minute ago and every
    /// node still answers PING; otherwise discovered and connected afresh.
    pub(crate) async fn fleet(&self, conn: &Connection) -> Result<Vec<Node>, EngineError> {
        if let Some(nodes) = self.cached_fleet(conn) {
            let ping = redis::cmd("PING");
            let pings =
                futures::future::join_all(nodes.iter().map(|n| n.query::<String>("PING", &ping)))
                    .await;
            if pings.iter().all(Result::is_ok) {
                return Ok(nodes);
            }
        }
        self.fresh_fleet(conn).await
    }

    /// Like `fleet`, without the PING round: the kept connections as they are (`true`), or a
    /// fresh fleet (`false`). The caller's first round on the nodes proves the kept ones alive,
    /// and a command that gets no answer on them means `fresh_fleet` and that round once more.
    pub(crate) async fn unchecked_fleet(
        &self,
        conn: &Connection,
    ) -> Result<(Vec<Node>, bool), EngineError> {
        match self.cached_fleet(conn) {
            Some(nodes) => Ok((nodes, true)),
            None => Ok((self.fresh_fleet(conn).await?, false)),
        }
    }

    /// The kept admin connections of `conn`, if still trusted (see `fleet`).
    fn cached_fleet(&self, conn: &Connection) -> Option<Vec<Node>> {
        // Sentinel: the master and replicas are asked of the Sentinels at every rotation.
        if conn.topology == TopologyKind::Sentinel {
            return None;
        }
        let fleets = self.inner.fleets.lock().ok()?;
        fleets
            .get(&conn.id)
            .filter(|c| c.updated_at == conn.updated_at && c.at.elapsed() < FLEET_TTL)
            .map(|c| c.nodes.clone())
    }

    /// Discovers the nodes, connects to each as the admin user and keeps the connections.
    pub(crate) async fn fresh_fleet(&self, conn: &Connection) -> Result<Vec<Node>, EngineError> {
        let (_, found) = self.discover(conn).await?;
        let nodes = self.connect_admin(conn, &found.nodes).await?;
        // Learned with every fresh discovery, so a rotation's store write carries it (`record`).
        let identity = self.identify(&nodes).await;
        if let Ok(mut m) = self.inner.fleets.lock() {
            m.insert(
                conn.id,
                CachedFleet {
                    updated_at: conn.updated_at,
                    at: Instant::now(),
                    nodes: nodes.clone(),
                    identity,
                },
            );
        }
        Ok(nodes)
    }
}

impl Engine {
    /// The server identity learned when the cached fleet of a connection was discovered.
    pub(crate) fn fleet_identity(
        &self,
        connection_id: uuid::Uuid,
    ) -> Option<crate::model::ServerIdentity> {
        let fleets = self.inner.fleets.lock().ok()?;
        fleets.get(&connection_id)?.identity.clone()
    }

    /// Drops the cached admin connections of a connection (and its kept verification ones):
    /// after a lost reply or a reset they may be out of step with the server.
    pub(crate) fn forget_fleet(&self, connection_id: uuid::Uuid) {
        if let Ok(mut m) = self.inner.fleets.lock() {
            m.remove(&connection_id);
        }
        self.inner.verifiers.forget(connection_id);
    }
}

/// How long a node discovery listed once is still counted when it is missing.
const REMEMBER_NODES: Duration = Duration::from_secs(600);

/// How long a discovered topology is trusted before it is discovered again.
const FLEET_TTL: Duration = Duration::from_secs(60);

/// Admin connections kept between rotations of one connection.
pub(crate) struct CachedFleet {
    updated_at: DateTime<Utc>,
    at: Instant,
    nodes: Vec<Node>,
    identity: Option<crate::model::ServerIdentity>,
}

/// "connection `x`: <what the node said>".
pub(crate) fn in_connection(conn: &Connection, e: RedisError) -> EngineError {
    EngineError::Failed(format!("connection `{}`: {e}", conn.name))
}

/// `caCertificate` is PEM text or a path to a PEM file.
fn ca_pem(value: &str) -> Result<Vec<u8>, EngineError> {
    if value.contains("-----BEGIN") {
        return Ok(value.as_bytes().to_vec());
    }
    std::fs::read(value).map_err(|e| {
        EngineError::Refused(format!(
            "caCertificate: cannot read CA certificate file {value}: {e}; give a PEM file path or the PEM text"
        ))
    })
}
