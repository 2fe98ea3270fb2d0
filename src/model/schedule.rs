//! Schedule arithmetic (SPEC 2.4): when a rotation is next due, and the retry backoff.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveTime, Utc};

use super::rotation::RotateAt;

/// What caused the last rotation: a manual one (create, rotate now) may land after the day's
/// rotate-at time, and then one more day is added so a full interval always passes.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Trigger {
    Manual,
    Scheduled,
}

/// The next time a rotation is due, or `None` when auto-rotation is off.
pub(crate) fn next_rotation_at(
    auto_rotation: bool,
    interval_days: u32,
    at: RotateAt,
    last_rotated_at: DateTime<Utc>,
    trigger: Trigger,
) -> Option<DateTime<Utc>> {
    if !auto_rotation {
        return None;
    }
    let time = NaiveTime::from_hms_opt(u32::from(at.hours), u32::from(at.minutes), 0)?;
    let day_at = last_rotated_at.date_naive().and_time(time).and_utc();
    let mut days = u64::from(interval_days);
    if trigger == Trigger::Manual && last_rotated_at >= day_at {
        days += 1;
    }
    day_at.checked_add_days(Days::new(days))
}

/// Delay before retry number `attempt` (1-based) of a failed due rotation: 1, 2, 4, 8, 16 s,
/// then hourly.
pub(crate) fn backoff(attempt: u32) -> Duration {
    match attempt {
        0 | 1 => Duration::from_secs(1),
        2..=5 => Duration::from_secs(1 << (attempt - 1)),
        _ => Duration::from_secs(3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, m, d, h, min, s).unwrap()
    }

    fn at(hours: u8, minutes: u8) -> RotateAt {
        RotateAt { hours, minutes }
    }

    #[test]
    fn next_rotation_table() {
        use Trigger::*;
        let cases = [
            // created 10 Jan 15:00, interval 30, rotate at 00:00 → 10 Feb 00:00
            (
                "create after rotate-at",
                utc(1, 10, 15, 0, 0),
                30,
                at(0, 0),
                Manual,
                Some(utc(2, 10, 0, 0, 0)),
            ),
            // same, rotate at 18:00 → 9 Feb 18:00
            (
                "create before rotate-at",
                utc(1, 10, 15, 0, 0),
                30,
                at(18, 0),
                Manual,
                Some(utc(2, 9, 18, 0, 0)),
            ),
            // a scheduled rotation at 10 Feb 00:00:05 → 12 Mar 00:00
            (
                "scheduled just after",
                utc(2, 10, 0, 0, 5),
                30,
                at(0, 0),
                Scheduled,
                Some(utc(3, 12, 0, 0, 0)),
            ),
            (
                "manual exactly at rotate-at",
                utc(3, 1, 6, 30, 0),
                1,
                at(6, 30),
                Manual,
                Some(utc(3, 3, 6, 30, 0)),
            ),
            (
                "manual one minute before",
                utc(3, 1, 6, 29, 0),
                1,
                at(6, 30),
                Manual,
                Some(utc(3, 2, 6, 30, 0)),
            ),
            (
                "year wrap",
                utc(12, 31, 23, 0, 0),
                1,
                at(23, 0),
                Scheduled,
                Some(Utc.with_ymd_and_hms(2027, 1, 1, 23, 0, 0).unwrap()),
            ),
            (
                "max interval",
                utc(1, 1, 0, 0, 0),
                365,
                at(0, 0),
                Scheduled,
                Some(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()),
            ),
        ];
        for (name, last, interval, rotate_at, trigger, want) in cases {
            assert_eq!(
                next_rotation_at(true, interval, rotate_at, last, trigger),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn auto_rotation_off_means_no_next_rotation() {
        assert_eq!(
            next_rotation_at(false, 30, at(0, 0), utc(1, 10, 15, 0, 0), Trigger::Manual),
            None
        );
    }

    #[test]
    fn backoff_doubles_to_sixteen_seconds_then_hourly() {
        let secs: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 3600, 3600, 3600]);
    }
}
