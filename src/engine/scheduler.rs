//! The scheduler (SPEC 2.4): rotates what is due with bounded parallelism, retries failures
//! with backoff, catches up once after downtime, never touches a paused rotation. Exactly one
//! process schedules at a time (the lease); it sleeps until the earliest due time and wakes when
//! the database changes (a file-metadata check twice a second, no reads in between). The lease
//! holder also reconciles every rotation's nodes every `reconcile-interval` (issue 18). Every
//! wait is on the engine's clock, so a test that moves the clock moves the scheduler.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::model::schedule::{self, Trigger};
use crate::model::{EventKind, Outcome, Rotation, RotationStatus};
use crate::store::Document;

use super::{Engine, EngineError};

/// How the scheduler runs.
#[derive(Clone, Copy, Debug)]
pub struct SchedulerConfig {
    /// Rotations run at the same time.
    pub parallelism: usize,
    /// How often the database file's metadata is checked for other processes' writes.
    pub poll: Duration,
    /// How often a process without the lease tries to take it.
    pub lease_retry: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            // Rotations due together share group-committed store writes and `ACL SAVE`s, so
            // more of them in flight means fewer, larger writes: 1,000 due at once went from
            // 136/s at 16 to 341/s at 64 on the 2-core bench machine (BENCHMARKS.md section 8).
            parallelism: 64,
            poll: Duration::from_millis(500),
            lease_retry: Duration::from_secs(1),
        }
    }
}

/// What the scheduler is doing, for the console's scheduler pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchedulerState {
    Starting,
    /// Another process holds the lease; this one rotates only on demand.
    Standby,
    /// Holding the lease; next wake-up.
    Active {
        next: Option<DateTime<Utc>>,
    },
    Stopped,
}

/// When `r` should next be attempted automatically, if ever.
pub(crate) fn due_at(r: &Rotation) -> Option<DateTime<Utc>> {
    if r.pending.is_some() {
        // A journal nobody has recorded a failure for since it was written (a crash, or a change
        // still running elsewhere) is finished as soon as its lock is free, whatever backoff an
        // earlier failure left; a recovery that failed waits for its own retry time.
        let retry = r
            .retry
            .as_ref()
            .and_then(|x| x.next_attempt_at)
            .filter(|_| r.rotation_status == RotationStatus::Failed);
        return Some(retry.unwrap_or(DateTime::<Utc>::MIN_UTC));
    }
    if !r.is_auto_rotation_enabled {
        return None;
    }
    match r.retry.as_ref().and_then(|x| x.next_attempt_at) {
        Some(retry) => Some(retry),
        // Held for stragglers: the sessions are counted again then.
        None => r
            .held
            .as_ref()
            .map(|h| h.next_check_at)
            .or(r.next_rotation_at),
    }
}

/// Rotations due at `now`, earliest first.
pub(crate) fn due(doc: &Document, now: DateTime<Utc>) -> Vec<Uuid> {
    let mut list: Vec<(DateTime<Utc>, Uuid)> = doc
        .rotations
        .iter()
        .filter_map(|r| due_at(r).filter(|t| *t <= now).map(|t| (t, r.id)))
        .collect();
    list.sort();
    list.into_iter().map(|(_, id)| id).collect()
}

/// The earliest future due time.
pub(crate) fn next_due(doc: &Document) -> Option<DateTime<Utc>> {
    doc.rotations.iter().filter_map(due_at).min()
}

impl Engine {
    /// One pass: everything due now, `parallelism` at a time. Rotations another process is
    /// working on are skipped; each is re-checked under its lock, so a due time gives exactly
    /// one rotation however many processes look at it.
    pub async fn run_due(&self, parallelism: usize) -> Vec<(Uuid, Result<Rotation, EngineError>)> {
        let Ok(doc) = self.fresh_snapshot().await else {
            return Vec::new();
        };
        let ids = due(&doc, self.now());
        futures::stream::iter(ids)
            .map(|id| {
                // Each rotation its own task, so a pass's rotations run on every worker thread
                // instead of all being polled inside the one task that awaits this pass (taken
                // from the stream only as `buffer_unordered` has room: at most `parallelism`).
                let engine = self.clone();
                let task = tokio::spawn(async move { engine.run_one_due(id).await });
                async move {
                    match task.await {
                        Ok(r) => (id, r),
                        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                        Err(_) => (id, None),
                    }
                }
            })
            .buffer_unordered(parallelism.max(1))
            .filter_map(|(id, r)| async move { r.map(|r| (id, r)) })
            .collect()
            .await
    }

    /// `None` when skipped (busy elsewhere, or no longer due).
    async fn run_one_due(&self, id: Uuid) -> Option<Result<Rotation, EngineError>> {
        let guard = self.lock_rotation_briefly(id).await.ok().flatten()?;
        // Fresh read under the lock: another process may have just rotated it (read on a
        // blocking thread, since then the file is parsed again).
        let doc = self.fresh_snapshot().await.ok()?;
        let r = doc.rotations.iter().find(|r| r.id == id)?.clone();
        if due_at(&r).is_none_or(|t| t > self.now()) {
            return None;
        }
        let result = if r.pending.is_some() {
            match self.recover_locked(id).await {
                Ok(()) => self.rotation_by_id(id),
                Err(e) => Err(e),
            }
        } else {
            match self.hold_for_stragglers(&r).await {
                Ok(Some(held)) => Ok(held),
                _ => self.rotate_locked(id, Trigger::Scheduled).await,
            }
        };
        if let Err(e) = &result {
            self.back_off_if_still_due(id, e).await;
        }
        drop(guard);
        self.send_notifications().await;
        if let Ok(r) = &result {
            self.deliver_sinks(r).await;
        }
        Some(result)
    }

    /// A due rotation that failed before it could record its failure (its connection is gone,
    /// its key does not open…) still backs off, so the scheduler never retries it in a loop.
    async fn back_off_if_still_due(&self, id: Uuid, error: &EngineError) {
        let now = self.now();
        let still_due = self
            .rotation_by_id(id)
            .ok()
            .and_then(|r| due_at(&r))
            .is_some_and(|t| t <= now);
        if !still_due {
            return;
        }
        let message = error.to_string();
        let _ = self
            .write(move |doc, events| {
                let Some(r) = doc.rotation_mut(id) else {
                    return Ok(());
                };
                let retry = r.retry.get_or_insert_with(Default::default);
                retry.attempts += 1;
                let next = chrono::Duration::from_std(schedule::backoff(retry.attempts))
                    .ok()
                    .map(|d| now + d);
                retry.next_attempt_at = next;
                r.rotation_status = RotationStatus::Failed;
                r.last_rotation_message = Some(message.clone());
                r.last_rotation_attempted_at = Some(now);
                let r = r.clone();
                let when = next
                    .map(|t| format!("; next attempt {}", t.format("%Y-%m-%d %H:%M:%S UTC")))
                    .unwrap_or_default();
                events.push(super::rotate::event_for(
                    &r,
                    EventKind::RotationFailed,
                    Outcome::Failure,
                    None,
                    now,
                    format!("rotation of {} failed: {message}{when}", r.name),
                ));
                Ok(())
            })
            .await;
    }
}

/// Runs until `cancel`: takes the lease when it can, rotates what is due, sleeps until the next
/// due time or a database change. A rotation in flight finishes before it returns.
pub async fn run(
    engine: Engine,
    config: SchedulerConfig,
    cancel: CancellationToken,
    state: watch::Sender<SchedulerState>,
) {
    let mut lease = None;
    // The first pass after taking the lease reconciles (nodes may have changed while no
    // scheduler ran), then every `reconcile-interval`. Every wait is on the engine's clock.
    let mut reconcile_at = engine.now();
    loop {
        if cancel.is_cancelled() {
            break;
        }
        // A PostgreSQL session can end under the lease (a server restart, a lost connection):
        // then another process may hold it already, so give it up and ask again.
        if let Some(held) = &lease
            && !engine.inner.locks.is_held(held).await
        {
            tracing::warn!("scheduler lease lost with its database session; asking for it again");
            lease = None;
        }
        if lease.is_none() {
            lease = engine.inner.locks.try_lock_scheduler().await.ok().flatten();
            if lease.is_none() {
                state.send_replace(SchedulerState::Standby);
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = engine.sleep_until(engine.now() + chrono_duration(config.lease_retry)) => continue,
                }
            }
            tracing::info!("scheduler lease taken");
            if let Some(held) = &lease {
                engine.record_lease(held).await;
            }
            // What a crash, a restart or a sink that gave up left owed; off this loop, since a
            // failing sink backs off for seconds.
            let owed = engine.clone();
            tokio::spawn(async move { owed.deliver_owed_sinks().await });
        }
        if engine.now() >= reconcile_at {
            // Reconcile first: a node that lost a credential is healed before anything else.
            let healed = engine.reconcile_all().await;
            tracing::debug!(rotations = healed.len(), "reconcile pass");
            reconcile_at = engine.now() + reconcile_interval(&engine);
        }
        engine.run_due(config.parallelism).await;
        // The stamp is taken before the document the next due time comes from: a write that
        // lands in between moves it, so the wait wakes for it (read after, it was missed until
        // the next due time or reconcile pass).
        let seen = engine.store().stamp().ok().flatten();
        let next = match engine.fresh_snapshot().await {
            Ok(doc) => next_due(&doc),
            // What is due is unknown (a server restarting, a session that broke): look again
            // soon. Waiting for a change instead could wait for good: the change that says the
            // database is back (the listener reconnecting) may have come before `seen`, and an
            // interrupted rotation waits in the database for a pass to finish it.
            Err(e) => {
                tracing::warn!(
                    "cannot read the database for the next due time ({e}); trying again in {} ms",
                    config.lease_retry.as_millis()
                );
                Some(engine.now() + chrono_duration(config.lease_retry))
            }
        };
        state.send_replace(SchedulerState::Active { next });
        let wait = Wait {
            seen,
            next,
            reconcile_at,
            poll: config.poll,
        };
        wait_until_due_or_changed(&engine, wait, &cancel).await;
    }
    state.send_replace(SchedulerState::Stopped);
}

/// The `reconcile-interval` setting (default 60 s); 0 switches the periodic pass off (a
/// rotation still reconciles its own nodes first).
fn reconcile_interval(engine: &Engine) -> chrono::Duration {
    let secs = engine
        .snapshot()
        .ok()
        .map(|d| d.settings.reconcile_interval())
        .unwrap_or(crate::store::DEFAULT_RECONCILE_INTERVAL);
    // Off (0): far enough away never to come, near enough not to overflow a date.
    const NEVER: i64 = 100 * 365 * 24 * 3600;
    let secs = i64::try_from(secs).unwrap_or(NEVER);
    chrono::Duration::seconds(if secs == 0 { NEVER } else { secs.min(NEVER) })
}

/// A configured pause as a clock duration (a day at most: only the poll and lease retry
/// periods, milliseconds to seconds, come through here).
fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d.min(Duration::from_secs(24 * 3600))).unwrap_or_default()
}

/// What the scheduler waits for between passes.
struct Wait {
    /// The database's stamp when the next due time was read.
    seen: Option<crate::store::Stamp>,
    next: Option<DateTime<Utc>>,
    reconcile_at: DateTime<Utc>,
    poll: Duration,
}

/// Sleeps until `next`, until `reconcile_at`, or until the database changes from `seen`,
/// checking every `poll`.
async fn wait_until_due_or_changed(engine: &Engine, wait: Wait, cancel: &CancellationToken) {
    let Wait {
        seen: stamp,
        next,
        reconcile_at,
        poll,
    } = wait;
    // A floor between passes: even a rotation that stays due (its failure could not be
    // recorded) never turns this loop into a busy one.
    let next = next.map(|t| t.max(engine.now() + chrono::Duration::milliseconds(100)));
    loop {
        let now = engine.now();
        if next.is_some_and(|t| t <= now) {
            return;
        }
        if now >= reconcile_at {
            return;
        }
        let wake = next
            .map_or(reconcile_at, |t| t.min(reconcile_at))
            .min(now + chrono_duration(poll));
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = engine.sleep_until(wake) => {}
        }
        if engine.store().stamp().ok().flatten() != stamp {
            return;
        }
    }
}
