//! The rotation lifecycle: create, rotate (record → apply → persist → verify → promote,
//! compensate), update, delete, recover; the scheduler; cross-process locks. One engine, used by
//! the console, the daemon and the command line.

mod adopt;
mod change;
mod changes;
pub mod clock;
mod compensate;
mod connections;
mod crash;
mod credentials;
pub(crate) mod error;
mod fleet;
mod identity;
mod interrupted;
pub(crate) mod lease;
mod leftovers;
mod lifecycle;
pub mod locks;
pub mod metrics;
mod node_ops;
pub(crate) mod node_sync;
mod notify;
mod one_user;
mod promote;
mod reconcile;
mod recover;
mod rotate;
pub mod scheduler;
mod scope_review;
mod sentinel;
pub(crate) mod sinks;
pub(crate) mod stragglers;
mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;
use uuid::Uuid;

use crate::model::{Event, Resolution, Rotation, RotationRef};
use crate::redis::Persistence;
use crate::store::{Document, NewEvent, Store};

pub use clock::{Clock, ManualClock, SystemClock};
pub use connections::{ConnectionReport, ConnectionSecrets};
pub use error::EngineError;
pub(crate) use leftovers::LeftoverUser;
pub use node_sync::{NodeSync, SyncStatus};
pub(crate) use promote::sessions_sentence as sessions_sentence_for;
#[cfg(test)]
pub(crate) use sentinel::SentinelReport;
pub(crate) use views::{Credentials, DeleteOutcome, SessionCounts, SlotView};

/// A step of a rotation, for progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum Step {
    Record,
    Apply,
    Persist,
    Verify,
    Promote,
    Compensate,
    Recover,
}

/// What the engine tells its faces while it works.
#[derive(Clone, Debug)]
pub enum EngineEvent {
    /// A step started (`node: None`) or finished on one node.
    Progress {
        rotation_id: Uuid,
        step: Step,
        node: Option<String>,
        ok: bool,
        /// When it happened (for per-step timings).
        at: Instant,
    },
    /// An event was written to the event log.
    Logged(Event),
}

/// Timeouts for every network call.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    pub command: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            command: Duration::from_secs(5),
        }
    }
}

struct Inner {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    events: broadcast::Sender<EngineEvent>,
    timeouts: Timeouts,
    /// Where rotation locks and the scheduler lease live (files, or PostgreSQL sessions).
    locks: locks::LockSpace,
    /// How each node persists ACL changes, probed once per process.
    persistence: Mutex<HashMap<String, Persistence>>,
    /// Admin connections to every node of a connection, kept between rotations.
    fleets: Mutex<HashMap<Uuid, fleet::CachedFleet>>,
    /// Per connection, every node discovery listed and when it last did (see `discover`).
    seen: Mutex<HashMap<Uuid, HashMap<crate::redis::NodeAddr, Instant>>>,
    /// Notifications waiting for their rotation's lock to be released (see `notify`).
    outbox: Mutex<Vec<notify::Queued>>,
    /// Connections kept per node for proving new credentials by `AUTH` (see `node_ops`).
    verifiers: crate::redis::verify::Verifiers,
    /// Per node, the `ACL SAVE`s rotations share (see `node_ops::persist_node`).
    saves: Mutex<HashMap<String, Arc<node_ops::SaveGroup>>>,
}

/// Cheap to clone; every clone is the same engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Engine {
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>) -> Engine {
        Self::with_timeouts(store, clock, Timeouts::default())
    }

    pub fn with_timeouts(store: Arc<Store>, clock: Arc<dyn Clock>, timeouts: Timeouts) -> Engine {
        let (events, _) = broadcast::channel(1024);
        let locks = locks::LockSpace::for_location(store.location());
        Engine {
            inner: Arc::new(Inner {
                store,
                clock,
                events,
                timeouts,
                locks,
                persistence: Mutex::default(),
                fleets: Mutex::default(),
                seen: Mutex::default(),
                outbox: Mutex::default(),
                verifiers: Default::default(),
                saves: Mutex::default(),
            }),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// A wait on the engine's clock until `deadline` (the scheduler's every pause).
    pub(crate) fn sleep_until(&self, deadline: chrono::DateTime<chrono::Utc>) -> clock::Sleep {
        self.inner.clock.sleep_until(deadline)
    }

    /// Progress and event-log notifications from this process's engine.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    fn progress(&self, rotation_id: Uuid, step: Step, node: Option<String>, ok: bool) {
        let _ = self.inner.events.send(EngineEvent::Progress {
            rotation_id,
            step,
            node,
            ok,
            at: Instant::now(),
        });
    }

    /// Runs a store update off the async threads and announces the events it logged.
    async fn write<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Document, &mut Vec<NewEvent>) -> Result<T, EngineError> + Send + 'static,
    {
        self.write_with(true, f).await
    }

    /// `write` made durable a moment after it returns (`Store::update_deferred`): only for a
    /// write that recovery can redo from an earlier durable one (the promotion, from the
    /// journal).
    pub(crate) async fn write_deferred<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Document, &mut Vec<NewEvent>) -> Result<T, EngineError> + Send + 'static,
    {
        self.write_with(false, f).await
    }

    async fn write_with<T, F>(&self, durable: bool, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Document, &mut Vec<NewEvent>) -> Result<T, EngineError> + Send + 'static,
    {
        let store = self.inner.store.clone();
        let (value, logged) = tokio::task::spawn_blocking(move || {
            let f = move |doc: &mut Document| {
                let mut new_events = Vec::new();
                let value = f(doc, &mut new_events)?;
                let logged: Vec<Event> = new_events
                    .into_iter()
                    .map(|e| doc.push_event(e).clone())
                    .collect();
                Ok::<_, EngineError>((value, logged))
            };
            if durable {
                store.update(f)
            } else {
                store.update_deferred(f)
            }
        })
        .await
        .map_err(|e| EngineError::Failed(format!("store writer stopped: {e}")))??;
        for event in logged {
            let _ = self.inner.events.send(EngineEvent::Logged(event));
        }
        Ok(value)
    }

    /// `snapshot` on a blocking thread, for async code that may be first to see another
    /// process's write (then the file is read and parsed).
    pub(crate) async fn fresh_snapshot(&self) -> Result<Arc<Document>, EngineError> {
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || store.load())
            .await
            .map_err(|e| EngineError::Failed(format!("store reader stopped: {e}")))?
            .map_err(Into::into)
    }

    /// The current document (blocking read of the file when it changed; cheap otherwise).
    pub fn snapshot(&self) -> Result<Arc<Document>, EngineError> {
        Ok(self.inner.store.load()?)
    }

    /// The rotation a reference means: by id, or by name within its environment and path. A
    /// name that matches several is refused (`Ambiguous`, listing each), never the first taken.
    pub fn find_rotation(&self, target: impl Into<RotationRef>) -> Result<Rotation, EngineError> {
        let target = target.into();
        let doc = self.snapshot()?;
        match target.resolve(&doc.rotations) {
            Resolution::One(r) => Ok(r.clone()),
            Resolution::Several(found) => Err(EngineError::ambiguous(&target, &found)),
            Resolution::None => {
                let names: Vec<String> = doc
                    .rotations
                    .iter()
                    .map(|r| format!("{} ({} {})", r.name, r.environment, r.secret_path))
                    .collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                Err(EngineError::NotFound {
                    what: "rotation",
                    name: target.key.clone(),
                    hint: format!(
                        "{}{}",
                        target.narrowing(),
                        hint_list(&names, "redis-rotator rotation list")
                    ),
                })
            }
        }
    }
}

/// ": known ones are a, b" or ": there are none yet (see `cmd`)".
fn hint_list(names: &[&str], cmd: &str) -> String {
    if names.is_empty() {
        format!(": there are none yet (see `{cmd}`)")
    } else {
        format!(": known ones are {}", names.join(", "))
    }
}
