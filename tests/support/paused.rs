//! The scheduler under tokio's paused time, with real Redis. Two things make that sound:
//! - `HeldTime`: a paused runtime auto-advances to its next timer whenever it idles, and it
//!   idles while it waits on a real socket, so a Redis reply could arrive "after" a command
//!   timeout or a scheduler wake-up. A blocking task in flight stops auto-advance (tokio's
//!   documented way), so while time is held only the test moves it, with `tokio::time::advance`.
//! - `PausedClock`: wall time that moves with tokio's clock, reporting every wake-up the
//!   scheduler asks it for. A request means the scheduler has finished what it was doing (it
//!   does one thing at a time) and is asleep until then: the test knows when to look, and when
//!   to move time on, without sleeping or guessing.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use redis_rotator::engine::Engine;
use redis_rotator::engine::clock::{Clock, Sleep};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Keeps tokio's paused clock where it is until dropped (see the module's first point).
pub struct HeldTime {
    _release: std_mpsc::Sender<()>,
}

pub fn hold_time() -> HeldTime {
    let (release, released) = std_mpsc::channel::<()>();
    // Ends when `release` is dropped: `recv` then fails.
    tokio::task::spawn_blocking(move || {
        let _ = released.recv();
    });
    HeldTime { _release: release }
}

/// Wall time starting at `start`, moving with tokio's (paused) clock.
pub struct PausedClock {
    start: DateTime<Utc>,
    since: Instant,
    wakes: mpsc::UnboundedSender<DateTime<Utc>>,
}

/// The wake-ups the scheduler asks for, in order.
pub struct Wakes(mpsc::UnboundedReceiver<DateTime<Utc>>);

pub fn paused_clock(start: DateTime<Utc>) -> (PausedClock, Wakes) {
    let (wakes, rx) = mpsc::unbounded_channel();
    let clock = PausedClock {
        start,
        since: Instant::now(),
        wakes,
    };
    (clock, Wakes(rx))
}

impl Clock for PausedClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.since.elapsed()).expect("a test's span")
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep {
        let _ = self.wakes.send(deadline);
        let wait = (deadline - self.now()).to_std().unwrap_or_default();
        Box::pin(tokio::time::sleep(wait))
    }
}

impl Wakes {
    /// The next wake-up the scheduler asks for: it is asleep once this returns. Fails after a
    /// minute of real time (held time never fires a tokio timeout).
    pub async fn next(&mut self) -> DateTime<Utc> {
        let (stop, stopped) = std_mpsc::channel::<()>();
        let watchdog =
            tokio::task::spawn_blocking(move || stopped.recv_timeout(Duration::from_secs(60)));
        tokio::select! {
            wake = self.0.recv() => {
                drop(stop);
                wake.expect("the scheduler is running")
            }
            _ = watchdog => panic!("the scheduler did not go back to sleep within a minute"),
        }
    }

    /// Forgets wake-ups already asked for: the next `next` is a new one.
    pub fn clear(&mut self) {
        while self.0.try_recv().is_ok() {}
    }
}

/// Moves held time on to `to` (never back), then waits until the scheduler is asleep again;
/// returns the wake-up it asked for then.
pub async fn advance_to(engine: &Engine, wakes: &mut Wakes, to: DateTime<Utc>) -> DateTime<Utc> {
    wakes.clear();
    let by = (to - engine.now())
        .to_std()
        .expect("time only moves forward");
    tokio::time::advance(by).await;
    wakes.next().await
}
