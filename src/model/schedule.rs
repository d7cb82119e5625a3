//! Schedules of scheduled scaling (aws-semantics §1.9) and of scheduled tasks
//! (§13.1): `at(…)`, `rate(…)` and `cron(…)`; `at` and `cron` in a time zone's
//! wall time (UTC by default), checked at each minute boundary (AWS's finest
//! resolution is one minute). Pure; knows nothing of how the expressions were written.

use super::time_zone::TimeZone;
use crate::engine::{SimDuration, SimTime};

/// When a scheduled action runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    /// Once, at the first minute boundary at or after this time (seconds
    /// since the epoch): the first instant the zone's wall clock read the
    /// `at(…)` time. None: the wall clock skipped that time (daylight saving
    /// began), so the schedule never runs (§13.1's "skipped"; model choice
    /// for §1.9, which says only that daylight saving is followed).
    At {
        epoch_secs: Option<i64>,
    },
    /// Every `every` from the start of the simulation (model choice: AWS
    /// starts a rate when the action is created; here, at time zero). A time
    /// zone does not apply (§1.9): `rate(1 day)` is 24-hour steps (§13.1).
    Rate {
        every: SimDuration,
    },
    Cron(CronSchedule),
}

/// The fields of a six-field cron expression, as sets of allowed values
/// (bit i set = value i allowed). Day of month and day of week: one of them is
/// `?` (None) in AWS's syntax. They match the wall time of `zone`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronSchedule {
    pub minutes: u64,
    pub hours: u32,
    pub days_of_month: Option<u32>,
    pub months: u16,
    /// 1 = Sunday … 7 = Saturday.
    pub days_of_week: Option<u8>,
    /// Inclusive year range; None = every year.
    pub years: Option<(i64, i64)>,
    /// Whose wall clock the fields read (`Timezone`, `ScheduleExpressionTimezone`).
    pub zone: TimeZone,
}

/// A scheduled action: new bounds for the scalable target (§1.9).
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledAction {
    pub name: String,
    pub schedule: Schedule,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
}

impl Schedule {
    /// Whether the schedule fires in the minute starting at `now` (a minute
    /// boundary), given the UTC time of simulated time zero.
    pub fn fires(&self, now: SimTime, start_epoch_secs: i64) -> bool {
        let now_secs = (now.as_nanos() / 1_000_000_000) as i64;
        let wall = start_epoch_secs + now_secs;
        match self {
            // At the first check at or after its time (checks are a minute apart).
            Schedule::At { epoch_secs } => epoch_secs.is_some_and(|at| wall - 60 < at && at <= wall),
            Schedule::Rate { every } => {
                let every = every.as_nanos();
                now.as_nanos() > 0 && every > 0 && now.as_nanos() % every == 0
            }
            Schedule::Cron(cron) => {
                // A wall time the clocks skip (daylight saving begins) is never
                // read, so it never matches: skipped, as §13.1 says.
                let t = cron.zone.wall_time(wall);
                let bit = |mask: u64, value: u32| mask >> value & 1 == 1;
                bit(cron.minutes, t.minute)
                    && bit(u64::from(cron.hours), t.hour)
                    && cron.days_of_month.is_none_or(|m| bit(u64::from(m), t.day))
                    && bit(u64::from(cron.months), t.month)
                    && cron.days_of_week.is_none_or(|m| bit(u64::from(m), t.weekday))
                    && cron.years.is_none_or(|(from, to)| (from..=to).contains(&t.year))
                    // A wall time read twice (daylight saving ends) runs once
                    // (§13.1): at its first instant (model choice: AWS does not say which).
                    && cron.zone.first_instant(t.into()) == Some(wall)
            }
        }
    }
}
