//! Parses the schedule expressions of scheduled scaling (aws-semantics §1.9)
//! and of scheduled tasks (§13.1): `at(…)`, `rate(N unit)` and `cron(…)` with
//! six fields (or seven, a leading seconds field, ignored: model choice), in
//! the wall time of an IANA time zone, into the model's [`Schedule`].

use crate::engine::calendar::parse_wall_time;
use crate::engine::SimDuration;
use crate::model::schedule::{CronSchedule, Schedule};
use crate::model::TimeZone;

/// A schedule's `timezone`: an IANA name, as AAS's `Timezone` and Scheduler's
/// `ScheduleExpressionTimezone` take (§1.9, §13.1).
pub fn parse_time_zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::from_iana_name(name).ok_or_else(|| {
        let hint = match TimeZone::iana_name_ignoring_case(name) {
            Some(known) => format!(" (names are case-sensitive: did you mean \"{known}\"?)"),
            None => String::new(),
        };
        format!(
            "expected an IANA time zone name such as \"America/New_York\", \"Europe/Berlin\" or \"UTC\", \
             found \"{name}\"{hint}"
        )
    })
}

/// `text` with `at(…)` and `cron(…)` read in `zone`'s wall time; `rate(…)`
/// ignores the zone (§1.9).
pub fn parse_schedule(text: &str, zone: TimeZone) -> Result<Schedule, String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("at(").and_then(|t| t.strip_suffix(')')) {
        let wall =
            parse_wall_time(inner).ok_or_else(|| format!("expected at(yyyy-mm-ddThh:mm:ss), found \"{text}\""))?;
        // None when the zone's clocks skip that time (§13.1: skipped).
        return Ok(Schedule::At { epoch_secs: zone.first_instant(wall) });
    }
    if let Some(inner) = text.strip_prefix("rate(").and_then(|t| t.strip_suffix(')')) {
        let (count, unit) =
            inner.trim().split_once(' ').ok_or_else(|| format!("expected rate(N unit), found \"{text}\""))?;
        let count: u64 = count.parse().map_err(|_| format!("expected a whole number in \"{text}\""))?;
        let minutes = match unit.trim() {
            "minute" | "minutes" => 1,
            "hour" | "hours" => 60,
            "day" | "days" => 1440,
            other => return Err(format!("expected minute(s), hour(s) or day(s) in rate(), found \"{other}\"")),
        };
        if count == 0 {
            return Err(format!("expected a rate of at least 1 in \"{text}\""));
        }
        // The period must fit fleetsim's clock (u64 nanoseconds, 584 years): a
        // longer one overflowed (found by fuzzing).
        let every_nanos = count.checked_mul(minutes * 60).and_then(|secs| secs.checked_mul(1_000_000_000));
        let every = every_nanos
            .map(SimDuration::from_nanos)
            .ok_or_else(|| format!("expected a rate of at most 584 years (fleetsim's clock) in \"{text}\""))?;
        return Ok(Schedule::Rate { every });
    }
    if let Some(inner) = text.strip_prefix("cron(").and_then(|t| t.strip_suffix(')')) {
        return parse_cron(inner, zone).map(Schedule::Cron).map_err(|e| format!("{e} in \"{text}\""));
    }
    Err(format!("expected at(…), rate(…) or cron(…), found \"{text}\""))
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn parse_cron(inner: &str, zone: TimeZone) -> Result<CronSchedule, String> {
    let mut fields: Vec<&str> = inner.split_whitespace().collect();
    if fields.len() == 7 {
        fields.remove(0); // seconds: accepted and ignored (§1.9 model choice)
    }
    if fields.len() != 6 {
        return Err(format!(
            "expected 6 cron fields (minutes hours day-of-month month day-of-week year), found {}",
            fields.len()
        ));
    }
    let minutes = parse_field(fields[0], 0, 59, &[])?;
    let hours = parse_field(fields[1], 0, 23, &[])? as u32;
    let days_of_month = optional_field(fields[2], 1, 31, &[])?.map(|m| m as u32);
    let months = parse_field(fields[3], 1, 12, &MONTHS)? as u16;
    let days_of_week = optional_field(fields[4], 1, 7, &DAYS)?.map(|m| m as u8);
    if days_of_month.is_some() == days_of_week.is_some() {
        return Err("exactly one of day-of-month and day-of-week must be ?".into());
    }
    let years = match fields[5] {
        "*" => None,
        year => {
            let (from, to) = year.split_once('-').unwrap_or((year, year));
            let parse = |y: &str| {
                y.parse::<i64>().map_err(|_| format!("expected a year or a range of years, found \"{year}\""))
            };
            let (from, to) = (parse(from)?, parse(to)?);
            if from > to {
                return Err(format!("a range of years must run upwards, found \"{year}\""));
            }
            Some((from, to))
        }
    };
    Ok(CronSchedule { minutes, hours, days_of_month, months, days_of_week, years, zone })
}

fn optional_field(field: &str, min: u32, max: u32, names: &[&str]) -> Result<Option<u64>, String> {
    if field == "?" {
        Ok(None)
    } else {
        parse_field(field, min, max, names).map(Some)
    }
}

/// A cron field as a bit set: `*`, values, `a-b` ranges, `/step`, lists with `,`.
fn parse_field(field: &str, min: u32, max: u32, names: &[&str]) -> Result<u64, String> {
    let value = |text: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(min + i as u32);
        }
        match text.parse::<u32>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(format!("expected {min}–{max} (L, W and # are not supported), found \"{text}\"")),
        }
    };
    let mut mask = 0u64;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                (range, step.parse::<u32>().map_err(|_| format!("expected a step, found \"{part}\""))?)
            }
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("a step of 0 in \"{part}\""));
        }
        let (from, to) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if part.contains('/') => (value(r)?, max),
                None => (value(r)?, value(r)?),
            },
        };
        if from > to {
            return Err(format!("a range must run upwards (no wrap-around), found \"{range}\""));
        }
        let mut v = from;
        while v <= to {
            mask |= 1 << v;
            v = v.saturating_add(step); // a step near u32::MAX must end the loop, not overflow
        }
    }
    Ok(mask)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::calendar::parse_utc;
    use crate::engine::SimTime;

    fn zone(name: &str) -> TimeZone {
        parse_time_zone(name).unwrap()
    }

    /// The minutes (as UTC times) in which `schedule` fires, checking every
    /// minute from `from` for `minutes` minutes, with time zero at `from`.
    fn firings(schedule: &Schedule, from: &str, minutes: u64) -> Vec<String> {
        let start = parse_utc(from).unwrap();
        (0..minutes)
            .filter(|m| schedule.fires(SimTime::from_secs(m * 60), start))
            .map(|m| {
                let t = crate::engine::calendar::civil_from_epoch(start + m as i64 * 60);
                format!("{}-{:02}-{:02}T{:02}:{:02}Z", t.year, t.month, t.day, t.hour, t.minute)
            })
            .collect()
    }

    #[test]
    fn cron_expressions_fire_when_aws_says() {
        let start = parse_utc("2026-11-23T00:00:00Z").unwrap(); // a Monday
        let weekday_8am = parse_schedule("cron(0 8 ? * MON-FRI *)", TimeZone::UTC).unwrap();
        assert!(weekday_8am.fires(SimTime::from_secs(8 * 3600), start));
        assert!(!weekday_8am.fires(SimTime::from_secs(8 * 3600 + 60), start));
        assert!(!weekday_8am.fires(SimTime::from_secs(5 * 86_400 + 8 * 3600), start), "Saturday");
        let every_15 = parse_schedule("cron(*/15 * * * ? *)", TimeZone::UTC).unwrap();
        assert!(
            every_15.fires(SimTime::from_secs(45 * 60), start) && !every_15.fires(SimTime::from_secs(50 * 60), start)
        );
        let seven_fields = parse_schedule("cron(30 0 8 ? * MON *)", TimeZone::UTC).unwrap();
        assert_eq!(seven_fields, weekday_8am_only_monday());
        assert!(parse_schedule("cron(0 8 * * * *)", TimeZone::UTC).is_err(), "one of the day fields must be ?");
        assert!(parse_schedule("cron(0 8 L * ? *)", TimeZone::UTC).is_err());
        assert!(parse_schedule("cron(0 22-2 * * ? *)", TimeZone::UTC).is_err(), "no wrap-around ranges");
        assert!(parse_schedule("cron(0 8 ? * FRI-MON *)", TimeZone::UTC).is_err());
        assert!(parse_schedule("cron(0 8 * * ? 2027-2026)", TimeZone::UTC).is_err());
        // A step past the field's end fires once, at its start, whatever its size.
        let huge_step = parse_schedule("cron(5/4294967295 * * * ? *)", TimeZone::UTC).unwrap();
        assert_eq!(huge_step, parse_schedule("cron(5 * * * ? *)", TimeZone::UTC).unwrap());
    }

    /// Goal: a rate's period must fit the clock (u64 nanoseconds): one that
    /// does not is an error, not an overflow (found by fuzzing).
    #[test]
    fn a_rate_must_fit_the_clock() {
        let every = |text: &str| match parse_schedule(text, TimeZone::UTC) {
            Ok(Schedule::Rate { every }) => Ok(every),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        };
        assert_eq!(every("rate(200000 days)"), Ok(SimDuration::from_secs(200_000 * 86_400)));
        let error = every("rate(250000 days)").expect_err("685 years");
        assert!(error.contains("at most 584 years"), "{error}");
        assert!(every("rate(18446744073709551615 minutes)").is_err());
    }

    fn weekday_8am_only_monday() -> Schedule {
        parse_schedule("cron(0 8 ? * MON *)", TimeZone::UTC).unwrap()
    }

    #[test]
    fn at_and_rate() {
        let start = parse_utc("2026-11-23T00:00:00Z").unwrap();
        let at = parse_schedule("at(2026-11-23T02:30:00)", TimeZone::UTC).unwrap();
        assert!(at.fires(SimTime::from_secs(9000), start) && !at.fires(SimTime::from_secs(9060), start));
        let rate = parse_schedule("rate(2 hours)", TimeZone::UTC).unwrap();
        assert!(rate.fires(SimTime::from_secs(7200), start) && !rate.fires(SimTime::ZERO, start));
        assert!(parse_schedule("rate(5 weeks)", TimeZone::UTC).is_err());
        assert!(parse_schedule("every day", TimeZone::UTC).is_err());
    }

    /// Goal: a daily `cron(0 2 * * ? *)` in America/New_York across 2026's
    /// two changes (§13.1). Method: every minute of 7–9 March and of
    /// 31 October–2 November, by hand:
    ///
    /// | local day  | 02:00 New York                      | UTC    |
    /// |------------|-------------------------------------|--------|
    /// | 7 March    | EST (−5)                            | 07:00Z |
    /// | 8 March    | does not exist (01:59 → 03:00)      | none   |
    /// | 9 March    | EDT (−4)                            | 06:00Z |
    /// | 31 October | EDT                                 | 06:00Z |
    /// | 1 November | once, after 01:00–01:59 ran twice   | 07:00Z |
    /// | 2 November | EST                                 | 07:00Z |
    #[test]
    fn cron_in_new_york_skips_the_spring_hour() {
        let nightly = parse_schedule("cron(0 2 * * ? *)", zone("America/New_York")).unwrap();
        assert_eq!(
            firings(&nightly, "2026-03-07T00:00:00Z", 3 * 1440),
            ["2026-03-07T07:00Z", "2026-03-09T06:00Z"],
            "8 March's 02:00 does not exist"
        );
        assert_eq!(
            firings(&nightly, "2026-10-31T00:00:00Z", 3 * 1440),
            ["2026-10-31T06:00Z", "2026-11-01T07:00Z", "2026-11-02T07:00Z"]
        );
    }

    /// Goal: a time the clocks repeat (01:30 on 1 November 2026 in New York,
    /// read at 05:30Z and again at 06:30Z) runs once, at the first (model
    /// choice); a minute-by-minute cron does not run twice in the repeated hour.
    #[test]
    fn cron_in_new_york_runs_a_repeated_time_once() {
        let ny = zone("America/New_York");
        let half_past_one = parse_schedule("cron(30 1 * * ? *)", ny).unwrap();
        assert_eq!(firings(&half_past_one, "2026-11-01T00:00:00Z", 1440), ["2026-11-01T05:30Z"]);
        let every_20 = parse_schedule("cron(0/20 * * * ? *)", ny).unwrap();
        assert_eq!(
            firings(&every_20, "2026-11-01T04:50:00Z", 140),
            // 01:00, 01:20, 01:40 EDT; the same in EST are repeats, not run; 02:00 EST.
            ["2026-11-01T05:00Z", "2026-11-01T05:20Z", "2026-11-01T05:40Z", "2026-11-01T07:00Z"]
        );
    }

    /// Goal: a weekday 09:00 in Europe/Berlin is 08:00Z in winter (CET) and
    /// 07:00Z in summer (CEST, from 29 March 2026); the day of week is Berlin's.
    #[test]
    fn cron_in_berlin_follows_summer_time() {
        let nine = parse_schedule("cron(0 9 ? * MON-FRI *)", zone("Europe/Berlin")).unwrap();
        assert_eq!(
            firings(&nine, "2026-03-27T00:00:00Z", 4 * 1440),
            ["2026-03-27T08:00Z", "2026-03-30T07:00Z"],
            "Friday in CET; the weekend; Monday in CEST"
        );
        let midnight_monday = parse_schedule("cron(0 0 ? * MON *)", zone("Europe/Berlin")).unwrap();
        assert_eq!(firings(&midnight_monday, "2026-03-29T00:00:00Z", 1440), ["2026-03-29T22:00Z"], "Monday in Berlin");
    }

    /// Goal: `at(…)` reads the zone's wall time; a skipped time never runs;
    /// `rate(…)` ignores the zone (§1.9) and steps 24 hours across a change (§13.1).
    #[test]
    fn at_and_rate_in_a_zone() {
        let ny = zone("America/New_York");
        let at = parse_schedule("at(2026-11-01T01:30:00)", ny).unwrap();
        assert_eq!(at, Schedule::At { epoch_secs: parse_utc("2026-11-01T05:30:00Z") });
        assert_eq!(parse_schedule("at(2026-03-08T02:30:00)", ny).unwrap(), Schedule::At { epoch_secs: None });
        let daily = parse_schedule("rate(1 day)", ny).unwrap();
        assert_eq!(daily, parse_schedule("rate(1 day)", TimeZone::UTC).unwrap());
        assert_eq!(
            firings(&daily, "2026-03-07T12:00:00Z", 3 * 1440),
            ["2026-03-08T12:00Z", "2026-03-09T12:00Z"],
            "24 hours apart, though New York's 8 March has 23"
        );
    }

    #[test]
    fn time_zone_names() {
        assert_eq!(zone("Europe/Berlin").name(), "Europe/Berlin");
        assert_eq!(zone("UTC"), TimeZone::UTC);
        let wrong_case = parse_time_zone("europe/berlin").unwrap_err();
        assert!(wrong_case.contains("did you mean \"Europe/Berlin\""), "{wrong_case}");
        let unknown = parse_time_zone("Mars/Olympus_Mons").unwrap_err();
        assert!(unknown.starts_with("expected an IANA time zone name") && unknown.contains("Mars/Olympus_Mons"));
        assert!(parse_time_zone("EST+5").is_err() && parse_time_zone("").is_err());
    }
}
