//! Other hosts' writes, as they commit: a thread with a session of its own `LISTEN`s on
//! [`CHANGES_CHANNEL`] and counts. The count (a generation) moves on every notification and on
//! every (re)connection, since notifications sent while no session listened are lost: a reader
//! that sees it move reads again. No query runs to ask "did anything change?".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use tokio::sync::watch;

use super::{CHANGES_CHANNEL, Target};

/// How often the thread looks up from waiting (to notice it is no longer wanted, or that its
/// connection closed).
const LOOK_UP: Duration = Duration::from_millis(500);
/// The pause before connecting again after a failure (the server restarting, or unreachable).
const RETRY: Duration = Duration::from_secs(1);

/// A running listener; dropping it stops the thread within [`LOOK_UP`].
pub struct Listener {
    generation: Arc<AtomicU64>,
    changed: watch::Receiver<u64>,
    stop: Arc<AtomicBool>,
}

impl Listener {
    /// Starts listening on `target`'s database (the thread connects, and keeps reconnecting).
    pub fn start(target: Target) -> Listener {
        let generation = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, changed) = watch::channel(0);
        let thread = Thread {
            target,
            generation: generation.clone(),
            stop: stop.clone(),
            tx,
        };
        let spawned = std::thread::Builder::new()
            .name("rr-pg-listen".to_string())
            .spawn(move || thread.run());
        if let Err(e) = spawned {
            tracing::error!("cannot start the PostgreSQL change listener: {e}");
        }
        Listener {
            generation,
            changed,
            stop,
        }
    }

    /// Moves whenever the database may have changed (a write on any host, or a reconnection).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A receiver that wakes on every move of the generation (for waiting without a timer).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

struct Thread {
    target: Target,
    generation: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    tx: watch::Sender<u64>,
}

impl Thread {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn bump(&self) {
        let now = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        self.tx.send_replace(now);
    }

    fn run(self) {
        let mut failing = false;
        while !self.stopped() {
            match self.listen() {
                Ok(()) => failing = false,
                Err(e) => {
                    // Said once per outage, not once per retry.
                    if !failing {
                        tracing::warn!("change listener: {e}; retrying every {}s", RETRY.as_secs());
                    }
                    failing = true;
                    let mut waited = Duration::ZERO;
                    while waited < RETRY && !self.stopped() {
                        std::thread::sleep(LOOK_UP);
                        waited += LOOK_UP;
                    }
                }
            }
        }
    }

    /// One session: listens until it closes or the listener is dropped.
    fn listen(&self) -> Result<(), crate::store::StoreError> {
        let mut client = self.target.connect()?;
        client
            .batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))
            .map_err(|e| self.target.error(&e, "cannot listen for changes"))?;
        // Whatever was committed while no session listened went unannounced.
        self.bump();
        while !self.stopped() {
            let heard = {
                let mut notifications = client.notifications();
                let first = notifications.timeout_iter(LOOK_UP).next();
                if let Ok(Some(_)) = first {
                    // One move for a burst: drain what has already arrived.
                    let mut more = notifications.iter();
                    while let Ok(Some(_)) = more.next() {}
                }
                first
            };
            match heard {
                Ok(Some(_)) => self.bump(),
                Ok(None) if client.is_closed() => {
                    return Err(crate::store::StoreError::Postgres {
                        target: self.target.shown().to_string(),
                        reason: "the change listener's session ended".to_string(),
                    });
                }
                Ok(None) => {}
                Err(e) => return Err(self.target.error(&e, "the change listener's session ended")),
            }
        }
        Ok(())
    }
}
