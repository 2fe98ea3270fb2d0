//! Sentinel connections: every configured Sentinel is asked for the current master of
//! `masterName`, its replicas and the other Sentinels; the first that answers decides (asked
//! again at every discovery, so a failover is followed).

use serde::Serialize;

use crate::model::Connection;
use crate::redis::sentinel::{self, SentinelView};
use crate::redis::{Node, NodeAddr};

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
    /// Asks every Sentinel of `conn` in parallel. The view of the first one (in the order
    /// configured) that answered, and one report line per Sentinel.
    pub(crate) async fn ask_sentinels(
        &self,
        conn: &Connection,
    ) -> (Result<SentinelView, EngineError>, Vec<SentinelReport>) {
        let master_name = conn.master_name.clone().unwrap_or_default();
        let asks = conn.nodes.iter().map(|address| {
            let master_name = master_name.clone();
            async move {
                let addr = NodeAddr::parse(address).ok_or_else(|| {
                    EngineError::Refused(format!("Sentinel `{address}` is not host:port"))
                })?;
                // Sentinels without auth: no AUTH is sent.
                let params = self.params(conn, &addr, "default", None)?;
                let node = Node::connect(&params)
                    .await
                    .map_err(|e| in_connection(conn, e))?;
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
