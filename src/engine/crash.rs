//! Crash injection for tests: `REDIS_ROTATOR_TEST_CRASH_AT` names a point in a rotation where
//! the process aborts on the spot, as if killed (`after-record`, `after-apply:N` (after N nodes),
//! `after-persist`, `after-verify`, `before-promote`).

/// Aborts the process when the variable names `point`.
pub(crate) fn point(point: &str) {
    if std::env::var("REDIS_ROTATOR_TEST_CRASH_AT").is_ok_and(|v| v == point) {
        eprintln!("redis-rotator: crash injected at {point}");
        std::process::abort();
    }
}

/// The N of `after-apply:N`, when set: apply then runs node by node.
pub(crate) fn after_apply_nodes() -> Option<usize> {
    std::env::var("REDIS_ROTATOR_TEST_CRASH_AT")
        .ok()?
        .strip_prefix("after-apply:")?
        .parse()
        .ok()
}
