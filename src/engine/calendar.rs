//! Calendar arithmetic on integer seconds since the Unix epoch, for schedules
//! that name dates (cron, at): UTC civil time and wall times. Proleptic
//! Gregorian, no leap seconds, no time zones (`model::TimeZone` reads a
//! zone's wall clock); integers only, so every machine agrees.

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
/// Years 0–9999 (ISO 8601's four digits): a longer year overflowed the
/// day arithmetic (found by fuzzing).
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
    let valid = (0..=9999).contains(&year)
        && (1..=12).contains(&month)
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
        // Found by fuzzing: a long year overflowed the day arithmetic.
        assert_eq!(parse_utc("99999999999999999-01-01T00:00:00"), None);
        assert_eq!(parse_utc("9999-12-31T23:59:59Z"), Some(253_402_300_799));
    }
}
