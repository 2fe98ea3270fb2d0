//! Sentinel connections: every configured Sentinel is asked for the current master of
//! `masterName`, its replicas and the other Sentinels; the first that answers decides (asked
//! again at every discovery, so a failover is followed).

use serde::Serialize;

use crate::model::{Connection, Password};
use crate::redis::sentinel::{self, SentinelView};
use crate::redis::{Node, NodeAddr, RedisError};
use crate::store::Binding;

use super::fleet::in_connection;
use super::{Engine, EngineError};

/// One Sentinel's line in a connection test.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentinelReport {
    pub address: String,
    /// The master it names (`host:port`).
    pub master: Option<String>,
    /// Other Sentinels it knows for this master.
    pub peers: usize,
    /// Why it could not answer; an operator-actionable sentence.
    pub error: Option<String>,
}

impl Engine {
    /// The Sentinels' own password of a stored connection, opened from the store.
    pub(crate) fn sentinel_password(
        &self,
        conn: &Connection,
    ) -> Result<Option<Password>, EngineError> {
        match &conn.sentinel_password {
            None => Ok(None),
            Some(sealed) => Ok(Some(
                self.inner
                    .store
                    .cipher()?
                    .open(sealed, &Binding::sentinel_password(conn.id))?,
            )),
        }
    }

    /// Asks every Sentinel of `conn` in parallel, authenticating as `conn.sentinel_user()` with
    /// `password` (none: no AUTH is sent). The view of the first one (in the order configured)
    /// that answered, and one report line per Sentinel.
    pub(crate) async fn ask_sentinels(
        &self,
        conn: &Connection,
        password: Option<Password>,
    ) -> (Result<SentinelView, EngineError>, Vec<SentinelReport>) {
        let master_name = conn.master_name.clone().unwrap_or_default();
        let asks = conn.nodes.iter().map(|address| {
            let master_name = master_name.clone();
            let password = password.clone();
            async move {
                let addr = NodeAddr::parse(address).ok_or_else(|| {
                    EngineError::Refused(format!("Sentinel `{address}` is not host:port"))
                })?;
                let given = password.is_some();
                let params = self.params(conn, &addr, conn.sentinel_user(), password)?;
                let node = Node::connect(&params)
                    .await
                    .map_err(|e| sentinel_auth_error(conn, given, e))?;
                sentinel::ask(&node, &master_name)
                    .await
                    .map_err(|e| in_connection(conn, e))
            }
        });
        let answers = futures::future::join_all(asks).await;
        let reports = conn
            .nodes
            .iter()
            .zip(&answers)
            .map(|(address, answer)| match answer {
                Ok(view) => SentinelReport {
                    address: address.clone(),
                    master: Some(view.master.to_string()),
                    peers: view.sentinels.len(),
                    error: None,
                },
                Err(e) => SentinelReport {
                    address: address.clone(),
                    master: None,
                    peers: 0,
                    error: Some(e.to_string()),
                },
            })
            .collect();
        let mut first_error = None;
        for answer in answers {
            match answer {
                Ok(view) => return (Ok(view), reports),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let err = first_error.unwrap_or_else(|| {
            EngineError::Refused(format!(
                "connection `{}` lists no Sentinel: add one with --sentinel HOST:PORT",
                conn.name
            ))
        });
        (Err(err), reports)
    }
}

/// A Sentinel that refused our AUTH (or wants one) is named as such, with the field to fix:
/// the generic "wrong password for user `default`" would send an operator to the admin
/// password, which the Sentinels never see.
fn sentinel_auth_error(conn: &Connection, given: bool, e: RedisError) -> EngineError {
    match e {
        RedisError::WrongPassword { addr, user } => EngineError::Failed(format!(
            "connection `{}`: Sentinel {addr} {}: give the Sentinels' own password (their \
             `requirepass`, or the password of Sentinel user `{user}`) with \
             --sentinel-password-stdin (console: the Sentinel password field){}",
            conn.name,
            if given {
                format!("refused the Sentinel password (sentinelPassword) for user `{user}`")
            } else {
                "requires a password and no Sentinel password (sentinelPassword) is set".into()
            },
            if user == crate::model::connection::DEFAULT_USERNAME {
                ""
            } else {
                ", and check the Sentinel user (sentinelUsername)"
            }
        )),
        other => in_connection(conn, other),
    }
}
