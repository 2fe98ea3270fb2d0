//! One authenticated connection to one node, with timeouts on connect and on every command.

use std::fmt;
use std::sync::Once;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo};

use crate::model::Password;

use super::RedisError;
use super::error::{from_command, from_connect, timeout};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeAddr {
    pub host: String,
    pub port: u16,
}

impl NodeAddr {
    /// Parses `host:port` or `[v6]:port`.
    pub fn parse(s: &str) -> Option<NodeAddr> {
        let s = s.trim();
        let (host, port) = match s.strip_prefix('[') {
            Some(rest) => {
                let (host, port) = rest.split_once("]:")?;
                if !host.contains(':') {
                    return None;
                }
                (host, port)
            }
            None => {
                let (host, port) = s.rsplit_once(':')?;
                // An unbracketed IPv6 literal would make the port ambiguous.
                if host.contains(':') {
                    return None;
                }
                (host, port)
            }
        };
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains(['[', ']']) {
            return None;
        }
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
        Some(NodeAddr {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for NodeAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::model::connection::format_address(
            &self.host, self.port,
        ))
    }
}

#[derive(Clone, Debug)]
pub struct TlsParams {
    /// PEM bytes of the CA to trust (in addition to none: only this CA when given; the
    /// platform roots otherwise).
    pub ca_pem: Option<Vec<u8>>,
    /// `rejectUnauthorized = false`: accept any certificate.
    pub insecure: bool,
}

/// How to reach and authenticate to a node.
#[derive(Clone, Debug)]
pub struct ConnectParams {
    pub addr: NodeAddr,
    pub username: String,
    pub password: Option<Password>,
    pub tls: Option<TlsParams>,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
}

/// An authenticated connection (multiplexed; cheap to clone).
#[derive(Clone)]
pub struct Node {
    pub(crate) addr: NodeAddr,
    /// The user this connection authenticated as (named in permission hints).
    pub(crate) username: String,
    conn: MultiplexedConnection,
    command_timeout: Duration,
    tls: bool,
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("addr", &self.addr.to_string())
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// rustls needs one process-wide crypto provider; the first caller installs ring's. Another
/// provider installed earlier (by the binary or a test) is kept.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Node {
    /// Connects, authenticates (HELLO/AUTH as `username`), classifies failures
    /// (unreachable, timeout, wrong password, TLS).
    pub async fn connect(params: &ConnectParams) -> Result<Node, RedisError> {
        let addr = params.addr.to_string();
        let client = client(params)?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(params.connect_timeout))
            .set_response_timeout(Some(params.command_timeout));
        // The crate's own connection timeout covers resolve + TCP + TLS + AUTH; this outer one
        // is a belt in case a step escapes it.
        let belt = params.connect_timeout + params.command_timeout;
        // A plain server reads a TLS hello as the start of an inline command and waits for
        // more, so "TLS on a plain port" only ever shows up as a timeout: say TLS was tried.
        let what = if params.tls.is_some() {
            "a TLS connection attempt"
        } else {
            "a connection attempt"
        };
        let conn = tokio::time::timeout(
            belt,
            client.get_multiplexed_async_connection_with_config(&config),
        )
        .await
        .map_err(|_| timeout(&addr, what, params.connect_timeout))?
        .map_err(|e| {
            match from_connect(&addr, &params.username, params.connect_timeout, e) {
                RedisError::Timeout { .. } => timeout(&addr, what, params.connect_timeout),
                other => other,
            }
        })?;
        let node = Node {
            addr: params.addr.clone(),
            username: params.username.clone(),
            conn,
            command_timeout: params.command_timeout,
            tls: params.tls.is_some(),
        };
        if sends_no_auth(params) {
            // Nothing was sent while connecting, so nothing has proved access yet.
            match node.query::<String>("PING", &redis::cmd("PING")).await {
                Err(RedisError::Command { message, .. }) if message.starts_with("NOAUTH") => {
                    return Err(RedisError::WrongPassword {
                        addr,
                        user: params.username.clone(),
                    });
                }
                Err(e) => return Err(e),
                Ok(_) => {}
            }
        }
        Ok(node)
    }

    /// Runs one command with the command timeout; `name` is used in error messages (e.g.
    /// `ACL SETUSER`) so arguments (which may hold a password) never are.
    pub async fn query<T: redis::FromRedisValue>(
        &self,
        name: &str,
        cmd: &redis::Cmd,
    ) -> Result<T, RedisError> {
        let addr = || self.addr.to_string();
        let mut conn = self.conn.clone();
        // A node still loading its dataset (a restarted replica, a node just added) answers
        // LOADING for a while: retried until the command timeout, never skipped silently.
        let deadline = tokio::time::Instant::now() + self.command_timeout;
        let mut pause = std::time::Duration::from_millis(20);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let result = match tokio::time::timeout(left, cmd.query_async::<T>(&mut conn)).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(from_command(
                    &addr(),
                    &self.username,
                    name,
                    self.command_timeout,
                    e,
                )),
                Err(_) => Err(timeout(&addr(), name, self.command_timeout)),
            };
            match result {
                Err(e) if e.is_loading() && tokio::time::Instant::now() + pause < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_millis(250));
                }
                other => return other,
            }
        }
    }

    /// The underlying multiplexed connection, for callers that pipeline.
    pub(crate) fn connection(&self) -> MultiplexedConnection {
        self.conn.clone()
    }

    pub(crate) fn command_timeout(&self) -> Duration {
        self.command_timeout
    }

    /// Whether this connection speaks TLS (cluster discovery then picks the nodes' TLS ports).
    pub(crate) fn is_tls(&self) -> bool {
        self.tls
    }
}

/// A client for `params`: the host as typed is the TLS server name, so a certificate is checked
/// against what the operator wrote, never a resolved IP.
fn client(params: &ConnectParams) -> Result<redis::Client, RedisError> {
    install_crypto_provider();
    let addr = params.addr.to_string();
    let host = params.addr.host.clone();
    let port = params.addr.port;
    let conn_addr = match &params.tls {
        None => ConnectionAddr::Tcp(host, port),
        Some(tls) => ConnectionAddr::TcpTls {
            host,
            port,
            insecure: tls.insecure,
            tls_params: None,
        },
    };
    // No `CLIENT SETINFO`: Redis 7.0 rejects it, and on 7.2+ a narrowly scoped user (the ones we
    // verify) gets NOPERM, each one an entry in the operator's `ACL LOG`.
    let mut redis_info = RedisConnectionInfo::default()
        .set_username(&params.username)
        .set_skip_set_lib_name();
    redis_info = match &params.password {
        Some(password) => redis_info.set_password(password.expose()),
        // Without a password the crate sends no AUTH at all and we would silently be `default`;
        // an empty password authenticates a `nopass` user under the right name.
        None if !sends_no_auth(params) => redis_info.set_password(""),
        None => redis_info,
    };
    let invalid = |e: redis::RedisError| RedisError::Unreachable {
        addr: addr.clone(),
        reason: format!("invalid connection settings: {e}"),
    };
    let info = conn_addr
        .into_connection_info()
        .map_err(invalid)?
        .set_redis_settings(redis_info);
    let ca_pem = params.tls.as_ref().and_then(|t| t.ca_pem.clone());
    match ca_pem {
        None => redis::Client::open(info).map_err(invalid),
        Some(pem) => {
            check_ca_pem(&addr, &pem)?;
            redis::Client::build_with_tls(
                info,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                },
            )
            .map_err(|e| RedisError::Tls {
                addr: addr.clone(),
                reason: format!("the CA certificate could not be used: {e}"),
            })
        }
    }
}

/// `default` without a password: the crate connects without `AUTH`.
fn sends_no_auth(params: &ConnectParams) -> bool {
    params.password.is_none() && params.username == "default"
}

/// An empty or non-PEM CA would otherwise surface later as a puzzling "unknown issuer".
fn check_ca_pem(addr: &str, pem: &[u8]) -> Result<(), RedisError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem).collect();
    match certs {
        Ok(certs) if !certs.is_empty() => Ok(()),
        Ok(_) => Err(RedisError::Tls {
            addr: addr.to_string(),
            reason: "the CA certificate holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                .into(),
        }),
        Err(e) => Err(RedisError::Tls {
            addr: addr.to_string(),
            reason: format!("the CA certificate is not valid PEM: {e}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(host: &str, port: u16) -> Option<NodeAddr> {
        Some(NodeAddr {
            host: host.into(),
            port,
        })
    }

    #[test]
    fn parses_host_port_and_bracketed_ipv6() {
        assert_eq!(NodeAddr::parse("10.0.0.5:6379"), addr("10.0.0.5", 6379));
        assert_eq!(
            NodeAddr::parse("cache.example.com:7000"),
            addr("cache.example.com", 7000)
        );
        assert_eq!(NodeAddr::parse("[::1]:6380"), addr("::1", 6380));
        assert_eq!(NodeAddr::parse("[fe80::1%eth0]:1"), addr("fe80::1%eth0", 1));
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "host",
            "host:",
            ":6379",
            "host:0",
            "host:65536",
            "host:+1",
            "::1:6379",
            "[::1]6379",
            "[::1]:",
            "[]:6379",
            "a b:1",
            "[host]:1",
        ] {
            assert_eq!(NodeAddr::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn displays_back_to_the_parsed_form() {
        for s in ["10.0.0.5:6379", "[::1]:6380", "localhost:1"] {
            assert_eq!(NodeAddr::parse(s).unwrap().to_string(), s);
        }
    }
}
