//! Display time: every instant is stored in UTC and shown in the operator's zone with its name.
//! The zone is part of the app state so tests render deterministically in UTC.

use chrono::{DateTime, FixedOffset, Local, Offset, Utc};

/// The zone times are shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// The machine's local zone (`chrono::Local`).
    Local,
    Utc,
    /// A fixed offset (tests of the local ↔ UTC conversion).
    Fixed(FixedOffset),
}

impl Zone {
    pub(crate) fn offset(&self, at: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Local => at.with_timezone(&Local).offset().fix(),
            Zone::Utc => Utc.fix(),
            Zone::Fixed(o) => *o,
        }
    }

    /// `UTC`, or `UTC+01:00` for other zones.
    pub(crate) fn label(&self, at: DateTime<Utc>) -> String {
        let secs = self.offset(at).local_minus_utc();
        if secs == 0 {
            "UTC".to_string()
        } else {
            let sign = if secs < 0 { '-' } else { '+' };
            let m = secs.abs() / 60;
            format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
        }
    }

    fn local(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        at.with_timezone(&self.offset(at))
    }

    /// `2026-03-04 02:30 UTC`.
    pub(crate) fn datetime(&self, at: DateTime<Utc>) -> String {
        format!(
            "{} {}",
            self.local(at).format("%Y-%m-%d %H:%M"),
            self.label(at)
        )
    }

    /// `2026-03-04 02:30` without the zone (tables that name the zone in their header).
    pub(crate) fn short(&self, at: DateTime<Utc>) -> String {
        self.local(at).format("%Y-%m-%d %H:%M").to_string()
    }

    /// `14:02:11`, or `03-01 14:02` when not on `today`'s local date.
    pub(crate) fn log_stamp(&self, at: DateTime<Utc>, today: DateTime<Utc>) -> String {
        let l = self.local(at);
        if l.date_naive() == self.local(today).date_naive() {
            l.format("%H:%M:%S").to_string()
        } else {
            l.format("%m-%d %H:%M").to_string()
        }
    }

    /// `03-04 06:00` (tables, where the year is noise).
    pub(crate) fn month_day(&self, at: DateTime<Utc>) -> String {
        self.local(at).format("%m-%d %H:%M").to_string()
    }

    /// A local time of day as UTC hours and minutes, with the zone's offset on `on`.
    pub(crate) fn local_to_utc(&self, hours: u32, minutes: u32, on: DateTime<Utc>) -> (u32, u32) {
        let offset = self.offset(on).local_minus_utc() / 60;
        let m = (i64::from(hours * 60 + minutes) - i64::from(offset)).rem_euclid(1440);
        ((m / 60) as u32, (m % 60) as u32)
    }

    /// A UTC time of day as local hours and minutes.
    pub(crate) fn utc_to_local(&self, hours: u32, minutes: u32, on: DateTime<Utc>) -> (u32, u32) {
        let offset = self.offset(on).local_minus_utc() / 60;
        let m = (i64::from(hours * 60 + minutes) + i64::from(offset)).rem_euclid(1440);
        ((m / 60) as u32, (m % 60) as u32)
    }
}

/// `in 3 days`, `in 5 h 12 min`, `in 4 min 10 s`, `now`, or `overdue by 2 h`.
pub(crate) fn countdown(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let secs = (at - now).num_seconds();
    if secs < 0 {
        return format!("overdue by {}", span(-secs));
    }
    if secs == 0 {
        return "now".to_string();
    }
    format!("in {}", span(secs))
}

/// `12 days`, `2 days 18 h`, `5 h 12 min`, `4 min 10 s`, `12 s`.
pub(crate) fn span(secs: i64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if d > 0 {
        let days = format!("{d} day{}", if d == 1 { "" } else { "s" });
        if d < 7 && h > 0 {
            format!("{days} {h} h")
        } else {
            days
        }
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {s} s")
    } else {
        format!("{s} s")
    }
}

/// Whole days until `at`, rounded down exactly as `span` counts them, so the list's "Rotates in
/// N days" and the detail's "(in N days …)" never disagree on the same screen.
pub(crate) fn days_until(now: DateTime<Utc>, at: DateTime<Utc>) -> i64 {
    (at - now).num_seconds().max(0) / 86_400
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, m, 0).unwrap()
    }

    #[test]
    fn rotate_at_local_time_round_trips_through_utc() {
        let paris = Zone::Fixed(FixedOffset::east_opt(3600).unwrap());
        assert_eq!(paris.local_to_utc(0, 30, t(12, 0)), (23, 30));
        assert_eq!(paris.utc_to_local(23, 30, t(12, 0)), (0, 30));
        assert_eq!(paris.label(t(0, 0)), "UTC+01:00");
        let ny = Zone::Fixed(FixedOffset::west_opt(5 * 3600).unwrap());
        assert_eq!(ny.local_to_utc(22, 0, t(12, 0)), (3, 0));
        assert_eq!(ny.label(t(0, 0)), "UTC-05:00");
    }

    #[test]
    fn countdown_reads_naturally() {
        assert_eq!(
            countdown(t(12, 0), t(12, 0) + chrono::Days::new(3)),
            "in 3 days"
        );
        assert_eq!(countdown(t(12, 0), t(14, 30)), "in 2 h 30 min");
        assert_eq!(countdown(t(14, 30), t(12, 0)), "overdue by 2 h 30 min");
        assert_eq!(Zone::Utc.datetime(t(2, 30)), "2026-03-01 02:30 UTC");
        assert_eq!(Zone::Utc.log_stamp(t(2, 30), t(12, 0)), "02:30:00");
    }

    #[test]
    fn the_badge_and_the_countdown_round_days_the_same_way() {
        for gap in [86_400, 86_400 + 59, 86_400 + 3_600, 2 * 86_400 + 18 * 3_600] {
            let at = t(12, 0) + chrono::Duration::seconds(gap);
            let d = days_until(t(12, 0), at);
            let words = if d == 1 {
                "1 day".to_string()
            } else {
                format!("{d} days")
            };
            assert!(
                countdown(t(12, 0), at).starts_with(&format!("in {words}")),
                "{gap} s: {d} days vs {}",
                countdown(t(12, 0), at)
            );
        }
    }
}
