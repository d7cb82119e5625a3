//! Parses scheduled scaling's expressions (aws-semantics §1.9): `at(…)`,
//! `rate(N unit)` and `cron(…)` with six fields (or seven, a leading seconds
//! field, ignored: model choice), into the model's [`Schedule`].

use crate::engine::calendar::parse_utc;
use crate::engine::SimDuration;
use crate::model::schedule::{CronSchedule, Schedule};

pub fn parse_schedule(text: &str) -> Result<Schedule, String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("at(").and_then(|t| t.strip_suffix(')')) {
        let epoch_secs =
            parse_utc(inner).ok_or_else(|| format!("expected at(yyyy-mm-ddThh:mm:ss), found \"{text}\""))?;
        return Ok(Schedule::At { epoch_secs });
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
        return parse_cron(inner).map(Schedule::Cron).map_err(|e| format!("{e} in \"{text}\""));
    }
    Err(format!("expected at(…), rate(…) or cron(…), found \"{text}\""))
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn parse_cron(inner: &str) -> Result<CronSchedule, String> {
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
    Ok(CronSchedule { minutes, hours, days_of_month, months, days_of_week, years })
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

    #[test]
    fn cron_expressions_fire_when_aws_says() {
        let start = parse_utc("2026-11-23T00:00:00Z").unwrap(); // a Monday
        let weekday_8am = parse_schedule("cron(0 8 ? * MON-FRI *)").unwrap();
        assert!(weekday_8am.fires(SimTime::from_secs(8 * 3600), start));
        assert!(!weekday_8am.fires(SimTime::from_secs(8 * 3600 + 60), start));
        assert!(!weekday_8am.fires(SimTime::from_secs(5 * 86_400 + 8 * 3600), start), "Saturday");
        let every_15 = parse_schedule("cron(*/15 * * * ? *)").unwrap();
        assert!(
            every_15.fires(SimTime::from_secs(45 * 60), start) && !every_15.fires(SimTime::from_secs(50 * 60), start)
        );
        let seven_fields = parse_schedule("cron(30 0 8 ? * MON *)").unwrap();
        assert_eq!(seven_fields, weekday_8am_only_monday());
        assert!(parse_schedule("cron(0 8 * * * *)").is_err(), "one of the day fields must be ?");
        assert!(parse_schedule("cron(0 8 L * ? *)").is_err());
        assert!(parse_schedule("cron(0 22-2 * * ? *)").is_err(), "no wrap-around ranges");
        assert!(parse_schedule("cron(0 8 ? * FRI-MON *)").is_err());
        assert!(parse_schedule("cron(0 8 * * ? 2027-2026)").is_err());
        // A step past the field's end fires once, at its start, whatever its size.
        let huge_step = parse_schedule("cron(5/4294967295 * * * ? *)").unwrap();
        assert_eq!(huge_step, parse_schedule("cron(5 * * * ? *)").unwrap());
    }

    /// Goal: a rate's period must fit the clock (u64 nanoseconds): one that
    /// does not is an error, not an overflow (found by fuzzing).
    #[test]
    fn a_rate_must_fit_the_clock() {
        let every = |text: &str| match parse_schedule(text) {
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
        parse_schedule("cron(0 8 ? * MON *)").unwrap()
    }

    #[test]
    fn at_and_rate() {
        let start = parse_utc("2026-11-23T00:00:00Z").unwrap();
        let at = parse_schedule("at(2026-11-23T02:30:00)").unwrap();
        assert!(at.fires(SimTime::from_secs(9000), start) && !at.fires(SimTime::from_secs(9060), start));
        let rate = parse_schedule("rate(2 hours)").unwrap();
        assert!(rate.fires(SimTime::from_secs(7200), start) && !rate.fires(SimTime::ZERO, start));
        assert!(parse_schedule("rate(5 weeks)").is_err());
        assert!(parse_schedule("every day").is_err());
    }
}
