//! Health over time: the event loop asks for a sample every `--health-every` seconds (default
//! 10); the selected rotation's live sessions and its connection's nodes are re-read off the UI
//! path, the last values stay on screen meanwhile, and an hour of session counts per slot is
//! kept for the detail pane's chart.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::engine::SessionCounts;

/// The default sampling period.
pub(crate) const DEFAULT_EVERY: Duration = Duration::from_secs(10);
/// How much history the chart shows.
pub(crate) const WINDOW_SECS: i64 = 3600;

/// Session counts per slot over the last hour, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SessionHistory {
    samples: VecDeque<(DateTime<Utc>, [usize; 2])>,
}

impl SessionHistory {
    pub(crate) fn push(&mut self, at: DateTime<Utc>, counts: &[SessionCounts; 2]) {
        self.samples
            .push_back((at, [counts[0].sessions, counts[1].sessions]));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| (at - *t).num_seconds() > WINDOW_SECS)
        {
            self.samples.pop_front();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.samples.len()
    }

    /// One slot's counts, oldest first.
    pub(crate) fn slot(&self, slot: usize) -> Vec<u64> {
        self.samples.iter().map(|(_, s)| s[slot] as u64).collect()
    }
}

/// A sparkline in block characters, the newest sample at the right, at most `width` wide,
/// scaled to `max` (so both slots share one scale); zero is a flat baseline.
pub(crate) fn sparkline(values: &[u64], max: u64, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &values[values.len().saturating_sub(width)..];
    tail.iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                BARS[0]
            } else {
                BARS[((v * 7).div_ceil(max) as usize).clamp(1, 7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn counts(a: usize, b: usize) -> [SessionCounts; 2] {
        [
            SessionCounts {
                sessions: a,
                ..SessionCounts::default()
            },
            SessionCounts {
                sessions: b,
                ..SessionCounts::default()
            },
        ]
    }

    #[test]
    fn an_hour_of_samples_is_kept_and_drawn_newest_last() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let mut h = SessionHistory::default();
        for i in 0..400 {
            h.push(t0 + chrono::Duration::seconds(i * 10), &counts(3, 0));
        }
        assert_eq!(h.len(), 361, "one hour at 10 s, both ends included");
        h.push(t0 + chrono::Duration::seconds(4000), &counts(0, 0));
        let line = sparkline(&h.slot(0), 3, 5);
        assert_eq!(line, "████▁", "stragglers drained in the last sample");
        assert_eq!(sparkline(&h.slot(1), 3, 5), "▁▁▁▁▁");
    }
}
