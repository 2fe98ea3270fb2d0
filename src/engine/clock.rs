//! Time, injected: the system clock in production, a hand-moved clock in tests. A clock can
//! also sleep, so the scheduler waits on the same time it reads, and a test that moves the
//! clock (by hand, or tokio's paused time) moves the scheduler's wake-ups with it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// A wait on a clock (see `Clock::sleep_until`).
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Resolves once `now()` has reached `deadline` (at once when it already has). The default
    /// waits on tokio's timer for the difference: right for any clock that moves with real
    /// time, or with tokio's (paused) time in a test.
    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep {
        let wait = (deadline - self.now()).to_std().unwrap_or_default();
        Box::pin(tokio::time::sleep(wait))
    }
}

/// The real wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock tests move by hand; a sleep on it ends when the hand passes its deadline.
#[derive(Clone)]
pub struct ManualClock(Arc<watch::Sender<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(watch::Sender::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        self.0.send_replace(at);
    }

    #[cfg(test)]
    pub(crate) fn advance(&self, by: chrono::Duration) {
        self.0.send_modify(|t| *t += by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.borrow()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep {
        let mut hand = self.0.subscribe();
        Box::pin(async move {
            // The sender lives as long as this clock: an error cannot happen while a sleeper
            // holds the clock's engine, and would end the sleep rather than hang it.
            let _ = hand.wait_for(|now| *now >= deadline).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn a_manual_sleep_ends_when_the_hand_passes_its_deadline() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        let mut sleep = clock.sleep_until(start + chrono::Duration::seconds(10));
        clock.advance(chrono::Duration::seconds(9));
        assert!(futures::poll!(&mut sleep).is_pending(), "one second early");
        clock.advance(chrono::Duration::seconds(1));
        assert!(futures::poll!(&mut sleep).is_ready());
        // A deadline already passed does not wait.
        assert!(futures::poll!(clock.sleep_until(start)).is_ready());
    }
}
