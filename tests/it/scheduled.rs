//! Issue 9: scheduled standalone tasks (aws-semantics §13.1, §13.2).

use crate::support;
use fleetsim::model::{Observation, StopReason, TaskState};

/// A web service of two 0.5 vCPU / 2 GiB tasks and, at 02:00 UTC, a nightly
/// batch of four 1 vCPU / 6 GiB tasks whose jobs take 20 minutes, all on one
/// ASG of m6i.large (2 vCPU, 7,987 MiB registered: one batch task each, or
/// the two web tasks with 1 vCPU but only 3,891 MiB left).
fn nightly(max_size: u32) -> String {
    format!(
        r#"
duration = "1h"
start_time = "2026-11-02T01:50:00Z"
[traffic]
kind = "constant"
rate_per_second = 5.0
[[services]]
name = "web"
desired_count = 2
warm_start = true
cpu = 512
memory = 2048
launch_type = "EC2"
service_time = {{ distribution = "constant", value = "20ms" }}
[[services]]
name = "batch"
cpu = 1024
memory = 6144
launch_type = "EC2"
startup_time = {{ distribution = "constant", value = "30s" }}
service_time = {{ distribution = "constant", value = "20m" }}
schedule = {{ expression = "cron(0 2 * * ? *)", task_count = 4 }}
[[capacity_providers]]
name = "m6i"
instance_type = "m6i.large"
min_size = 1
max_size = {max_size}
desired_capacity = 1
registration_time = {{ distribution = "constant", value = "120s" }}
managed_scaling = {{ target_capacity = 100 }}
managed_termination_protection = true
"#
    )
}

/// Goal: issue 9's nightly schedule on a shared ASG. At 02:00 (+ up to a
/// minute, §13.1's model choice) RunTask starts four batch tasks; the one
/// instance is full with web's two tasks, so they wait in PROVISIONING and
/// managed scaling launches instances for them; web keeps its tasks; each
/// job runs 20 minutes and its task stops (exit 0), not replaced.
#[test]
fn a_nightly_batch_waits_for_instances_that_managed_scaling_adds() {
    let (figures, observations) = support::run_observed(&nightly(10));
    let runs = &figures.scheduled_runs;
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!((run.outcome(), run.tasks_started), ("ran", 4));
    assert_eq!(run.scheduled_at_s, 600.0, "02:00 is 10 minutes in");
    assert!((600.0..660.0).contains(&run.fired_at_s), "within the minute: {}", run.fired_at_s);
    assert!(run.longest_provisioning_wait_s > 120.0, "they waited for instances: {}", run.longest_provisioning_wait_s);
    assert_eq!(run.jobs_completed, 4, "{run:?}");
    let web_stops = observations
        .iter()
        .filter(
            |o| matches!(o, Observation::TaskStateChanged { service, to: TaskState::Stopping, .. } if service.0 == 0),
        )
        .count();
    assert_eq!((figures.services[0].tasks_launched, web_stops), (2, 0), "web keeps its tasks");
    assert!(figures.providers[2].instances_launched >= 4, "managed scaling added instances");
    // Each stops with its job done and nothing replaces it.
    let done = observations
        .iter()
        .filter(|o| {
            matches!(
                o,
                Observation::TaskStateChanged {
                    to: TaskState::Stopping,
                    stop_reason: Some(StopReason::JobCompleted),
                    ..
                }
            )
        })
        .count();
    assert_eq!(done, 4);
    assert_eq!(figures.services[1].tasks_launched, 4, "a standalone task is not replaced");
}

/// Goal: the same with the ASG at its maximum (one instance): RunTask cannot
/// place the tasks, reports `RESOURCE:MEMORY` (the instance has the vCPU
/// left but not the 6 GiB) and nothing retries the run (§13.2's model choice).
#[test]
fn a_run_that_cannot_be_placed_is_missed_and_not_retried() {
    let figures = support::run(&nightly(1));
    let run = &figures.scheduled_runs[0];
    assert_eq!(run.outcome(), "missed");
    assert_eq!(run.failures, vec![("RESOURCE:MEMORY".to_string(), 4)]);
    assert_eq!(figures.services[1].tasks_launched, 0, "nothing retried");
    let event = figures.events.iter().find(|e| e.event == "scheduled_run").expect("events.csv reports the run");
    assert!(event.detail.contains("4 × RESOURCE:MEMORY"), "{}", event.detail);
}

/// Goal: `rate(…)` runs every period from time zero; Fargate places every
/// task; standalone tasks are billed like any other (Fargate per second,
/// one-minute minimum, §4.2).
#[test]
fn a_rate_schedule_on_fargate_runs_every_period_and_is_billed() {
    let output = fleetsim::run::simulate_scenario(
        &support::scenario(
            r#"
duration = "1h"
[traffic]
kind = "constant"
rate_per_second = 1.0
[[services]]
name = "web"
desired_count = 1
warm_start = true
service_time = { distribution = "constant", value = "10ms" }
[[services]]
name = "report"
cpu = 256
memory = 512
startup_time = { distribution = "constant", value = "10s" }
provisioning_time = "0s"
service_time = { distribution = "constant", value = "50s" }
schedule = { expression = "rate(15 minutes)", task_count = 2 }
"#,
        ),
        None,
    )
    .expect("runs");
    let runs = &output.figures.scheduled_runs;
    // At 15, 30 and 45 minutes (rate schedules start at time zero's first period).
    assert_eq!(runs.iter().map(|r| r.scheduled_at_s).collect::<Vec<_>>(), vec![900.0, 1800.0, 2700.0]);
    assert!(runs.iter().all(|r| r.outcome() == "ran" && r.tasks_started == 2 && r.jobs_completed == 2));
    let report = &output.figures.services[1];
    assert_eq!(report.tasks_launched, 6);
    // Each task is billed from launch (pulling) to stop: 10 s start-up + 50 s job + stop.
    assert!(
        report.task_hours > 6.0 * 60.0 / 3600.0 && report.task_hours < 6.0 * 90.0 / 3600.0,
        "{}",
        report.task_hours
    );
}

/// Goal: a drained instance does not stop standalone tasks. ECS's draining
/// stops and replaces service tasks only; "any PENDING or RUNNING tasks
/// that do not belong to a service aren't affected" (docs:
/// container-instance-draining). Three instances, one 40-minute job: managed
/// scaling scales in to one (no termination protection, managed draining)
/// and its drains leave the job running to its end.
#[test]
fn draining_an_instance_leaves_a_standalone_job_running() {
    let (figures, observations) = support::run_observed(
        r#"
duration = "1h"
start_time = "2026-11-02T00:00:00Z"
[traffic]
kind = "constant"
rate_per_second = 1.0
[[services]]
name = "web"
desired_count = 1
warm_start = true
service_time = { distribution = "constant", value = "10ms" }
[[services]]
name = "batch"
cpu = 1024
memory = 4096
launch_type = "EC2"
startup_time = { distribution = "constant", value = "10s" }
service_time = { distribution = "constant", value = "40m" }
schedule = { expression = "cron(2 0 * * ? *)", task_count = 1 }
[[capacity_providers]]
name = "m6i"
instance_type = "m6i.large"
min_size = 0
max_size = 3
desired_capacity = 3
registration_time = { distribution = "constant", value = "60s" }
managed_scaling = { target_capacity = 100 }
"#,
    );
    let drained = observations.iter().any(|o| {
        matches!(
            o,
            Observation::TaskStateChanged { service, stop_reason: Some(StopReason::ContainerInstanceDraining), .. }
                if service.0 == 1
        )
    });
    assert!(!drained, "draining stopped the standalone task");
    let run = &figures.scheduled_runs[0];
    assert_eq!((run.outcome(), run.jobs_completed), ("ran", 1), "{run:?}");
}

/// When (seconds into the run) each run of a Fargate job scheduled by
/// `schedule` was due, over `duration` from `start_time` (UTC).
fn scheduled_at_s(start_time: &str, duration: &str, schedule: &str) -> Vec<f64> {
    let figures = support::run(&format!(
        r#"
duration = "{duration}"
start_time = "{start_time}"
[traffic]
kind = "constant"
rate_per_second = 0.05
[[services]]
name = "web"
desired_count = 1
warm_start = true
service_time = {{ distribution = "constant", value = "10ms" }}
[[services]]
name = "job"
cpu = 256
memory = 512
startup_time = {{ distribution = "constant", value = "10s" }}
provisioning_time = "0s"
service_time = {{ distribution = "constant", value = "1m" }}
schedule = {schedule}
"#
    ));
    let runs = &figures.scheduled_runs;
    assert!(runs.iter().all(|r| r.outcome() == "ran" && r.jobs_completed == 1), "{runs:?}");
    runs.iter().map(|r| r.scheduled_at_s).collect()
}

const HOUR_S: f64 = 3600.0;
const DAY_S: f64 = 86_400.0;

/// Goal: Scheduler's `ScheduleExpressionTimezone` (§13.1) across the 2026
/// spring change in New York: a time that does not exist is skipped. Method:
/// `cron(0 2 * * ? *)` from Saturday 7 March 00:00Z for three days; the
/// clocks go from 01:59 EST to 03:00 EDT on Sunday 8 March.
///
/// | New York 02:00 | offset         | UTC        | into the run |
/// |----------------|----------------|------------|--------------|
/// | 7 March        | EST, −5 h      | 7th 07:00Z | 7 h          |
/// | 8 March        | does not exist | —          | —            |
/// | 9 March        | EDT, −4 h      | 9th 06:00Z | 2 d 6 h      |
#[test]
fn a_cron_in_new_york_skips_the_time_the_spring_change_removes() {
    let due = scheduled_at_s(
        "2026-03-07T00:00:00Z",
        "72h",
        r#"{ expression = "cron(0 2 * * ? *)", timezone = "America/New_York" }"#,
    );
    assert_eq!(due, [7.0 * HOUR_S, 2.0 * DAY_S + 6.0 * HOUR_S]);
}

/// Goal: the autumn change: a time the clocks read twice runs once (§13.1),
/// at its first instant (model choice). Method: `cron(30 1 * * ? *)` in New
/// York from Saturday 31 October 00:00Z for three days; on Sunday 1 November
/// the clocks read 01:00–01:59 in EDT and again in EST.
///
/// | New York 01:30 | offset          | UTC         | into the run |
/// |----------------|-----------------|-------------|--------------|
/// | 31 October     | EDT, −4 h       | 31st 05:30Z | 5 h 30 m     |
/// | 1 November     | EDT (first)     | 1st 05:30Z  | 1 d 5 h 30 m |
/// |                | EST (repeat)    | 1st 06:30Z  | not run      |
/// | 2 November     | EST, −5 h       | 2nd 06:30Z  | 2 d 6 h 30 m |
#[test]
fn a_cron_in_new_york_runs_a_repeated_autumn_time_once() {
    let due = scheduled_at_s(
        "2026-10-31T00:00:00Z",
        "72h",
        r#"{ expression = "cron(30 1 * * ? *)", timezone = "America/New_York" }"#,
    );
    assert_eq!(due, [5.5 * HOUR_S, DAY_S + 5.5 * HOUR_S, 2.0 * DAY_S + 6.5 * HOUR_S]);
}

/// Goal: a daily 09:00 in Europe/Berlin fires at 08:00Z in winter (CET) and
/// 07:00Z in summer (CEST, from 01:00Z on Sunday 29 March 2026). Method:
/// three days from 28 March 00:00Z: 08:00Z, then 07:00Z twice. `at(…)` reads
/// the zone's wall time too: 30 March 12:00 Berlin is 10:00Z.
#[test]
fn a_daily_job_in_berlin_follows_summer_time() {
    let due = scheduled_at_s(
        "2026-03-28T00:00:00Z",
        "72h",
        r#"{ expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" }"#,
    );
    assert_eq!(due, [8.0 * HOUR_S, DAY_S + 7.0 * HOUR_S, 2.0 * DAY_S + 7.0 * HOUR_S]);
    let once = scheduled_at_s(
        "2026-03-28T00:00:00Z",
        "72h",
        r#"{ expression = "at(2026-03-30T12:00:00)", timezone = "Europe/Berlin" }"#,
    );
    assert_eq!(once, [2.0 * DAY_S + 10.0 * HOUR_S]);
}

/// Goal: `rate(…)` ignores the zone (§1.9) and `rate(1 day)` steps 24 hours
/// (§13.1), though New York's 8 March 2026 lasts 23. Method: from 7 March
/// 12:00Z for three days: due at 24 h and 48 h, as without a zone.
#[test]
fn a_daily_rate_with_a_zone_steps_24_hours() {
    let zoned = scheduled_at_s(
        "2026-03-07T12:00:00Z",
        "72h",
        r#"{ expression = "rate(1 day)", timezone = "America/New_York" }"#,
    );
    assert_eq!(zoned, [DAY_S, 2.0 * DAY_S]);
    assert_eq!(zoned, scheduled_at_s("2026-03-07T12:00:00Z", "72h", r#"{ expression = "rate(1 day)" }"#));
}

/// Goal: a task still waiting in PROVISIONING when the run ends counts its
/// wait up to the end. Method: the nightly batch of the first test, the run
/// cut to 11 minutes: the batch fires in 02:00's minute (600–660 s); the
/// instances managed scaling launches take 120 s to register, so all four
/// tasks are still waiting at 660 s.
#[test]
fn a_wait_in_provisioning_that_outlasts_the_run_counts_to_its_end() {
    let figures = support::run(&nightly(10).replace("duration = \"1h\"", "duration = \"11m\""));
    let run = &figures.scheduled_runs[0];
    assert_eq!((run.outcome(), run.tasks_started, run.jobs_completed), ("ran", 4, 0));
    assert_eq!(run.longest_provisioning_wait_s, 660.0 - run.fired_at_s, "{run:?}");
}

/// Goal: a job whose task is killed after it started makes the run's outcome
/// say so. Method: a Fargate job of 2 hours at 256 MiB that leaks 768 MiB an
/// hour into its 1,024 MiB (§14.2): killed an hour after RUNNING, before its
/// job completes. The runs at 10 and 20 minutes (RUNNING 10 s after firing,
/// within their minute) are killed before the end at 90 minutes:
/// `jobs_failed`, one task stopped early for `OutOfMemory`; the run at 30
/// minutes would be killed after 90:10, so it is still running: `ran`.
#[test]
fn a_job_killed_after_it_started_fails_its_run() {
    let figures = support::run(
        r#"
duration = "90m"
[traffic]
kind = "constant"
rate_per_second = 0.05
[[services]]
name = "web"
desired_count = 1
warm_start = true
service_time = { distribution = "constant", value = "10ms" }
[[services]]
name = "leaky-job"
cpu = 256
memory = 1024
memory_baseline_mib = 256.0
memory_leak_per_hour_mib = 768.0
startup_time = { distribution = "constant", value = "10s" }
provisioning_time = "0s"
service_time = { distribution = "constant", value = "2h" }
schedule = { expression = "rate(10 minutes)" }
"#,
    );
    for killed in &figures.scheduled_runs[..2] {
        assert_eq!(killed.outcome(), "jobs_failed", "{killed:?}");
        assert_eq!(
            (killed.jobs_completed, killed.jobs_stopped_early.clone()),
            (0, vec![("OutOfMemory".to_string(), 1)])
        );
    }
    let running = &figures.scheduled_runs[2];
    assert_eq!((running.outcome(), running.jobs_stopped_early.len()), ("ran", 0), "{running:?}");
}
