//! From a stored connection to authenticated nodes: connection parameters (TLS, CA), admin
//! password, discovery, and connecting to every node in parallel.

use crate::model::{Connection, Password};
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
            Some(sealed) => Ok(Some(self.inner.store.cipher()?.open(sealed)?)),
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

    /// Connects as the admin user to the seed node and discovers every node.
    pub(crate) async fn discover(
        &self,
        conn: &Connection,
    ) -> Result<(Node, Vec<NodeAddr>), EngineError> {
        let password = self.admin_password(conn)?;
        let seed =
            Node::connect(&self.params(conn, &Self::seed_addr(conn), &conn.username, password)?)
                .await
                .map_err(|e| in_connection(conn, e))?;
        let explicit: Vec<NodeAddr> = conn
            .nodes
            .iter()
            .filter_map(|n| NodeAddr::parse(n))
            .collect();
        let addrs = topology::discover(&seed, conn.topology, &explicit)
            .await
            .map_err(|e| in_connection(conn, e))?;
        Ok((seed, addrs))
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

    /// Discovery plus admin connections to all nodes.
    pub(crate) async fn fleet(&self, conn: &Connection) -> Result<Vec<Node>, EngineError> {
        let (_, addrs) = self.discover(conn).await?;
        self.connect_admin(conn, &addrs).await
    }
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
