//! The time zone a schedule's wall time is read in (aws-semantics §1.9
//! `Timezone`, §13.1 `ScheduleExpressionTimezone`): an IANA zone with its
//! daylight-saving rules, from the copy of the IANA database chrono-tz builds
//! in (never the machine's), so every machine agrees. Here rather than in the
//! engine, which keeps to std and rand: zones are the schedules' concern.

use crate::engine::calendar::{civil_from_epoch, CivilTime, WallTime};
use chrono::{DateTime, NaiveDate, Offset, TimeZone as _};

/// The zone whose wall time a schedule reads (aws-semantics §1.9 `Timezone`,
/// §13.1 `ScheduleExpressionTimezone`): UTC, or an IANA zone with its
/// daylight-saving rules, from chrono-tz's built-in copy of the database.
/// The last year whose daylight-saving changes chrono-tz's tables hold.
pub const LAST_RULES_YEAR: i64 = 2099;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl Default for TimeZone {
    /// AWS's default for both fields (§1.9, §13.1).
    fn default() -> TimeZone {
        TimeZone::UTC
    }
}

impl TimeZone {
    pub const UTC: TimeZone = TimeZone(chrono_tz::Tz::UTC);

    /// The zone of an IANA name (`America/New_York`, `Etc/GMT+5`, `UTC`, and
    /// the database's links such as `US/Eastern`), spelt exactly.
    pub fn from_iana_name(name: &str) -> Option<TimeZone> {
        name.parse().ok().map(TimeZone)
    }

    /// The IANA name of the zone whose name matches `name` but for case
    /// (for a hint when a name is misspelt so).
    pub fn iana_name_ignoring_case(name: &str) -> Option<&'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).find(|z| z.eq_ignore_ascii_case(name))
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The version of the IANA database the zones' rules come from (e.g. `2025b`).
    pub fn database_version() -> &'static str {
        chrono_tz::IANA_TZDB_VERSION
    }

    /// Seconds the zone's wall clock is ahead of UTC at `epoch_secs`
    /// (negative west of Greenwich). chrono-tz's tables end in 2100 (after
    /// that a zone keeps its standard offset, without daylight saving, so
    /// validation refuses zoned schedules in runs past [`LAST_RULES_YEAR`]);
    /// past chrono's range (about ±262,000 years) the clock reads UTC.
    pub fn utc_offset_secs(self, epoch_secs: i64) -> i64 {
        DateTime::from_timestamp(epoch_secs, 0)
            .map_or(0, |utc| i64::from(self.0.offset_from_utc_datetime(&utc.naive_utc()).fix().local_minus_utc()))
    }

    /// What the zone's wall clock reads at `epoch_secs`.
    pub fn wall_time(self, epoch_secs: i64) -> CivilTime {
        civil_from_epoch(epoch_secs + self.utc_offset_secs(epoch_secs))
    }

    /// The first instant (epoch seconds) at which the zone's wall clock reads
    /// `wall`. None when it never does: the hour the clocks skip when
    /// daylight saving starts. When they go back, the hour repeated reads
    /// each time twice; the first (daylight) instant is the one returned.
    pub fn first_instant(self, wall: WallTime) -> Option<i64> {
        let year = i32::try_from(wall.year).ok()?;
        let local =
            NaiveDate::from_ymd_opt(year, wall.month, wall.day)?.and_hms_opt(wall.hour, wall.minute, wall.second)?;
        self.0.from_local_datetime(&local).earliest().map(|t| t.timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::calendar::{parse_utc, parse_wall_time};

    fn wall(text: &str) -> WallTime {
        parse_wall_time(text).unwrap()
    }

    fn utc(text: &str) -> i64 {
        parse_utc(text).unwrap()
    }

    /// Goal: wall time to UTC and back in a zone with daylight saving, at and
    /// across both of 2026's changes. Method: hand-worked from the US rules
    /// (second Sunday of March, first Sunday of November, at 02:00 local):
    ///
    /// | New York wall time  | offset | UTC                      |
    /// |---------------------|--------|--------------------------|
    /// | 2026-03-08 01:59    | −5 h   | 06:59Z                   |
    /// | 2026-03-08 02:00–59 | —      | never (skipped)          |
    /// | 2026-03-08 03:00    | −4 h   | 07:00Z                   |
    /// | 2026-11-01 01:30    | −4, −5 | 05:30Z first, 06:30Z too |
    /// | 2026-11-01 02:00    | −5 h   | 07:00Z                   |
    #[test]
    fn new_york_wall_time_across_the_2026_changes() {
        let ny = TimeZone::from_iana_name("America/New_York").unwrap();
        assert_eq!(ny.first_instant(wall("2026-03-08T01:59:00")), Some(utc("2026-03-08T06:59:00")));
        assert_eq!(ny.first_instant(wall("2026-03-08T02:00:00")), None, "the skipped hour");
        assert_eq!(ny.first_instant(wall("2026-03-08T02:59:59")), None);
        assert_eq!(ny.first_instant(wall("2026-03-08T03:00:00")), Some(utc("2026-03-08T07:00:00")));
        assert_eq!(ny.first_instant(wall("2026-11-01T01:30:00")), Some(utc("2026-11-01T05:30:00")), "first of two");
        assert_eq!(ny.first_instant(wall("2026-11-01T02:00:00")), Some(utc("2026-11-01T07:00:00")));
        // And back: the repeated 01:30 is read at both instants.
        for instant in ["2026-11-01T05:30:00", "2026-11-01T06:30:00"] {
            assert_eq!(WallTime::from(ny.wall_time(utc(instant))), wall("2026-11-01T01:30:00"), "{instant}");
        }
        let t = ny.wall_time(utc("2026-03-08T07:00:00"));
        assert_eq!((t.hour, t.minute, t.weekday), (3, 0, 1), "03:00 on a Sunday");
        assert_eq!(ny.utc_offset_secs(utc("2026-07-01T00:00:00")), -4 * 3600);
        assert_eq!(ny.utc_offset_secs(utc("2026-12-01T00:00:00")), -5 * 3600);
    }

    /// Goal: the EU rules (last Sunday of March and of October, at 01:00 UTC),
    /// a zone without daylight saving, UTC itself, and names.
    #[test]
    fn other_zones_and_names() {
        let berlin = TimeZone::from_iana_name("Europe/Berlin").unwrap();
        assert_eq!(berlin.first_instant(wall("2026-01-15T09:00:00")), Some(utc("2026-01-15T08:00:00")));
        assert_eq!(berlin.first_instant(wall("2026-07-15T09:00:00")), Some(utc("2026-07-15T07:00:00")));
        assert_eq!(berlin.first_instant(wall("2026-03-29T02:30:00")), None);
        assert_eq!(berlin.first_instant(wall("2026-10-25T02:30:00")), Some(utc("2026-10-25T00:30:00")));
        let kolkata = TimeZone::from_iana_name("Asia/Kolkata").unwrap();
        assert_eq!(kolkata.utc_offset_secs(utc("2026-03-08T00:00:00")), 5 * 3600 + 1800);
        assert_eq!(TimeZone::default(), TimeZone::UTC);
        assert_eq!(TimeZone::UTC.first_instant(wall("2026-03-08T02:00:00")), Some(utc("2026-03-08T02:00:00")));
        assert_eq!(TimeZone::UTC.wall_time(123_456_789), civil_from_epoch(123_456_789));
        assert_eq!(TimeZone::UTC.utc_offset_secs(i64::MAX), 0, "past chrono's range");
        assert_eq!(TimeZone::from_iana_name("US/Eastern").map(TimeZone::name), Some("US/Eastern"));
        assert_eq!(TimeZone::from_iana_name("america/new_york"), None, "names are spelt exactly");
        assert_eq!(TimeZone::iana_name_ignoring_case("america/new_york"), Some("America/New_York"));
        assert_eq!(TimeZone::from_iana_name("Mars/Olympus_Mons"), None);
        assert!(TimeZone::database_version().starts_with("20"));
    }
}
