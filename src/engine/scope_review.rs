//! Scope warnings for the review: single risky commands judged by the connected server's own
//! `@admin` and `@dangerous` categories when it answers, by the built-in table when it does not.

use uuid::Uuid;

use crate::model::scope::RiskyCommands;
use crate::model::validation::scope_warnings;
use crate::redis::acl;

use super::Engine;

impl Engine {
    /// The warnings for `scope` on connection `connection_id` (each prefixed with the field).
    pub(crate) async fn scope_warnings(&self, connection_id: Uuid, scope: &str) -> Vec<String> {
        let server = self.risky_commands(connection_id).await;
        scope_warnings(scope, server.as_ref())
    }

    /// `ACL CAT admin` and `ACL CAT dangerous` of the connection's first node, `None` when it
    /// cannot be asked (unreachable, or the admin user may not run `ACL CAT`).
    async fn risky_commands(&self, connection_id: Uuid) -> Option<RiskyCommands> {
        let doc = self.snapshot().ok()?;
        let conn = doc.connections.iter().find(|c| c.id == connection_id)?;
        let nodes = match self.fleet(conn).await {
            Ok(nodes) => nodes,
            Err(e) => {
                tracing::debug!(error = %e, "scope warnings from the built-in table");
                return None;
            }
        };
        match acl::risky_commands(nodes.first()?).await {
            Ok(listed) => Some(RiskyCommands::new(listed)),
            Err(e) => {
                tracing::debug!(error = %e, "scope warnings from the built-in table");
                None
            }
        }
    }
}
