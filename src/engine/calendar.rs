//! Calendar arithmetic on integer seconds since the Unix epoch, for schedules
//! that name dates (cron, at): UTC civil time, and the wall time of an IANA
//! time zone ([`TimeZone`]). Proleptic Gregorian, no leap seconds; integers
//! only, and the zones' rules come from the IANA database chrono-tz builds in
//! (never the machine's), so every machine agrees.

use chrono::{DateTime, NaiveDate, Offset, TimeZone as _};

/// A UTC date and time of day, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    /// 1–12
    pub month: u32,
    /// 1–31
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 1 = Sunday … 7 = Saturday (cron's numbering).
    pub weekday: u32,
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date and time of `epoch_secs`.
pub fn civil_from_epoch(epoch_secs: i64) -> CivilTime {
    let days = epoch_secs.div_euclid(86_400);
    let secs = epoch_secs.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    // 1970-01-01 was a Thursday (5 in cron's 1 = Sunday numbering).
    let weekday = ((days + 4).rem_euclid(7) + 1) as u32;
    CivilTime { year, month, day, hour: secs / 3600, minute: secs / 60 % 60, second: secs % 60, weekday }
}

/// Parses `YYYY-MM-DDTHH:MM:SS`, with an optional trailing `Z`, as UTC.
pub fn parse_utc(text: &str) -> Option<i64> {
    parse_wall_time(text.strip_suffix('Z').unwrap_or(text)).map(|w| w.utc_epoch_secs())
}

/// A date and time of day as a clock on the wall reads it, in no zone yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallTime {
    pub year: i64,
    /// 1–12
    pub month: u32,
    /// 1–31, valid for the month
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl WallTime {
    /// Seconds since the epoch if this wall time were UTC.
    pub fn utc_epoch_secs(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
    }
}

impl From<CivilTime> for WallTime {
    fn from(t: CivilTime) -> WallTime {
        WallTime { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second }
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS` (no zone, no offset) into a valid wall time.
pub fn parse_wall_time(text: &str) -> Option<WallTime> {
    let (date, time) = text.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (year, month, day): (i64, u32, u32) =
        (d.next()?.parse().ok()?, d.next()?.parse().ok()?, d.next()?.parse().ok()?);
    let mut t = time.splitn(3, ':');
    let (hour, minute, second): (u32, u32, u32) =
        (t.next()?.parse().ok()?, t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then_some(WallTime { year, month, day, hour, minute, second })
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The zone whose wall time a schedule reads (aws-semantics §1.9 `Timezone`,
/// §13.1 `ScheduleExpressionTimezone`): UTC, or an IANA zone with its
/// daylight-saving rules, from chrono-tz's built-in copy of the database.
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
    /// (negative west of Greenwich). Past chrono's range (about ±262,000
    /// years) no rule is known and the clock reads UTC.
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

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_utc("2000-03-01T00:00:00Z"), Some(951_868_800));
        let t = civil_from_epoch(parse_utc("2026-11-23T19:49:58").unwrap());
        assert_eq!((t.year, t.month, t.day, t.hour, t.minute, t.second), (2026, 11, 23, 19, 49, 58));
        assert_eq!(t.weekday, 2, "2026-11-23 is a Monday (cron: 2)");
        assert_eq!(civil_from_epoch(parse_utc("2024-02-29T12:00:00Z").unwrap()).day, 29);
        assert_eq!(parse_utc("2025-02-29T00:00:00Z"), None, "not a leap year");
        assert_eq!(parse_utc("2026-13-01T00:00:00"), None);
    }

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
