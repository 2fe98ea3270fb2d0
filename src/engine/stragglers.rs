//! The straggler policy (`parameters.stragglerPolicy`): before a scheduled re-key, count the
//! sessions still authenticated as the user about to be re-keyed. With `wait`, the re-key is
//! held while any remain, at most `maxWaitHours` from when it was due, counting again every
//! minute; each hold (and each change in the count) is a `held` event. Rotate-now never waits.

use chrono::{DateTime, Duration, Utc};

use crate::model::event::Attempt;
use crate::model::schedule::Trigger;
use crate::model::{EventKind, HeldState, Outcome, Rotation};

use super::rotate::event_for;
use super::{Engine, EngineError};

/// How often a held re-key counts the sessions again.
pub(crate) const RECHECK_SECS: i64 = 60;

/// When a hold that started at `since` ends for a policy that waits at most `max`.
pub(crate) fn hold_until(since: DateTime<Utc>, max: Duration) -> DateTime<Utc> {
    since + max
}

impl Engine {
    /// With the rotation's lock held, just before a scheduled re-key: `Some` (the rotation as
    /// now stored, held) when the policy waits and the slot still has live sessions, `None` to
    /// re-key now. Anything that cannot be counted lets the re-key go ahead (it reports its own
    /// failures).
    pub(crate) async fn hold_for_stragglers(
        &self,
        r: &Rotation,
    ) -> Result<Option<Rotation>, EngineError> {
        let Some(max) = r.parameters.straggler_policy.max_wait() else {
            return Ok(None);
        };
        // One user's sessions cannot be told apart by password; a retry after a failure, or a
        // journal to finish, never waits.
        if r.is_one_user() || r.pending.is_some() || r.retry.is_some() {
            return Ok(None);
        }
        let now = self.now();
        let since = r
            .held
            .as_ref()
            .map(|h| h.since)
            .or(r.next_rotation_at)
            .unwrap_or(now)
            .min(now);
        let until = hold_until(since, max);
        if now >= until {
            return Ok(None);
        }
        let Ok(conn) = self.connection_of(r) else {
            return Ok(None);
        };
        let Ok(nodes) = self.fleet(&conn).await else {
            return Ok(None);
        };
        let username = r.username_for(r.inactive_slot());
        let counts = self.count_sessions(&nodes, &username).await;
        if counts.sessions == 0 {
            return Ok(None);
        }
        let next_check_at = (now + Duration::seconds(RECHECK_SECS)).min(until);
        let (id, sessions, node_count) = (r.id, counts.sessions, nodes.len());
        let hours = r.parameters.straggler_policy.max_wait_hours.unwrap_or(0);
        let held = self
            .write(move |doc, events| {
                let r = doc.rotation_mut(id).ok_or_else(|| {
                    EngineError::Refused("the rotation was deleted meanwhile".into())
                })?;
                let changed = r.held.as_ref().is_none_or(|h| h.sessions != sessions);
                r.held = Some(HeldState {
                    since,
                    until,
                    next_check_at,
                    sessions,
                    username: username.clone(),
                });
                let r = r.clone();
                if changed {
                    let mut e = event_for(
                        &r,
                        EventKind::Held,
                        Outcome::Info,
                        None,
                        now,
                        format!(
                            "held re-key of {}: {sessions} session{} still use{} {username}; rotating at {} at the latest (stragglerPolicy wait, {hours} h); rotate now overrides",
                            r.name,
                            if sessions == 1 { "" } else { "s" },
                            if sessions == 1 { "s" } else { "" },
                            until.format("%Y-%m-%d %H:%M UTC"),
                        ),
                    );
                    e.attempt = Some(Attempt {
                        trigger: Trigger::Scheduled,
                        duration_us: None,
                        nodes: u32::try_from(node_count).ok(),
                    });
                    events.push(e);
                }
                Ok(r)
            })
            .await?;
        Ok(Some(held))
    }
}
