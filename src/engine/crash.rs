//! Crash points for the crash-recovery tests, compiled only with the `crash-points` feature
//! (the test build enables it): `REDIS_ROTATOR_TEST_CRASH_AT` names a point of a rotation where
//! the process aborts on the spot, as if killed (`after-record`, `after-apply:N` (once N nodes
//! have applied), `after-persist`, `after-verify`, `before-promote`, `promote-lost` (after the
//! promotion returned, with its not-yet-fdatasynced commit cut from the log, as a power cut
//! before the group fsync would leave it)). Without the feature every
//! point is empty and nothing reads the variable; the code around them is the same either way.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Aborts the process when the variable names `point`.
#[cfg(feature = "crash-points")]
pub(crate) fn point(point: &str) {
    if std::env::var("REDIS_ROTATOR_TEST_CRASH_AT").is_ok_and(|v| v == point) {
        eprintln!("redis-rotator: crash injected at {point}");
        std::process::abort();
    }
}

#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub(crate) fn point(_point: &str) {}

/// Like `point`, but first runs `lose` (which undoes what a power cut at that moment would
/// lose, e.g. a commit not yet fdatasynced).
#[cfg(feature = "crash-points")]
pub(crate) fn point_losing(point: &str, lose: impl FnOnce()) {
    if std::env::var("REDIS_ROTATOR_TEST_CRASH_AT").is_ok_and(|v| v == point) {
        lose();
        self::point(point);
    }
}

#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub(crate) fn point_losing(_point: &str, _lose: impl FnOnce()) {}

/// Nodes that finished the apply step so far; the parallel apply counts each one here, and
/// `after-apply:N` aborts when the Nth finishes (the others may be done or still in flight, as
/// in a real crash).
#[derive(Default)]
pub(crate) struct Applied(AtomicUsize);

impl Applied {
    pub(crate) fn node_done(&self) {
        let done = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        if cfg!(feature = "crash-points") {
            point(&format!("after-apply:{done}"));
        }
    }
}
