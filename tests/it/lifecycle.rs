//! Tasks through their ECS lifecycle (aws-semantics §2.5): the service keeps
//! desiredCount tasks, replaces tasks that stop unexpectedly, stops the right
//! ones when desiredCount falls, and CPUUtilization reads as CloudWatch's.

use crate::support;
use fleetsim::engine::{SimDuration, SimTime};
use fleetsim::model::{FailureCause, Observation, StopReason, TaskId, TaskState};

fn secs(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

fn transitions(observations: &[Observation], task: TaskId) -> Vec<TaskState> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { task: t, to, .. } if t == task => Some(to),
            _ => None,
        })
        .collect()
}

use support::launches;

fn stops_begun(observations: &[Observation]) -> Vec<(SimTime, TaskId, StopReason)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, task, to, stop_reason: Some(reason), from: Some(from), .. }
                if to == TaskState::Deactivating || (to == TaskState::Stopping && from != TaskState::Deactivating) =>
            {
                Some((at, task, reason))
            }
            _ => None,
        })
        .collect()
}

/// Goal: desiredCount changes launch and stop tasks. Method: 2 tasks, 4 at
/// 10 min, 1 at 20 min. Model choice: the youngest running task stops first,
/// so tasks 3, 2, 1 stop at 20 min and task 0 lives on; each stop drains
/// through every state to STOPPED.
#[test]
fn desired_count_changes_launch_and_stop_youngest_first() {
    let text = r#"
        duration = "40m"
        [traffic]
        kind = "constant"
        rate_per_second = 20.0
        [service]
        desired_count = 2
        desired_count_changes = [{ at = "10m", desired_count = 4 }, { at = "20m", desired_count = 1 }]
        service_time = { distribution = "exponential", mean = "20ms" }
        [load_balancer]
        deregistration_delay = "60s"
    "#;
    let (figures, obs) = support::run_observed(text);
    let launched = launches(&obs);
    assert_eq!(launched, [(secs(0), TaskId(0)), (secs(0), TaskId(1)), (secs(600), TaskId(2)), (secs(600), TaskId(3))]);
    let stops: Vec<(SimTime, TaskId)> = stops_begun(&obs).into_iter().map(|(at, t, _)| (at, t)).collect();
    assert_eq!(stops, [(secs(1200), TaskId(3)), (secs(1200), TaskId(2)), (secs(1200), TaskId(1))]);
    use TaskState::*;
    assert_eq!(
        transitions(&obs, TaskId(3)),
        [Provisioning, Pending, Activating, Running, Deactivating, Stopping, Deprovisioning, Stopped]
    );
    assert_eq!(transitions(&obs, TaskId(0)), [Provisioning, Pending, Activating, Running]);
    let s = &figures.services[0];
    assert_eq!((s.running_tasks_min, s.running_tasks_max, s.tasks_launched), (0, 4, 4));
    assert_eq!(figures.requests.failed_with_status(502), 0, "60 s of draining covers 20 ms requests");
}

/// Goal: a task stopped before it runs skips draining. Method: desiredCount
/// 2 → 0 at 10 s, while both tasks are still ACTIVATING (start-up 40 s).
#[test]
fn stopping_a_starting_task_skips_deregistration() {
    let text = r#"
        duration = "2m"
        [traffic]
        kind = "constant"
        rate_per_second = 1.0
        [service]
        desired_count = 2
        desired_count_changes = [{ at = "10s", desired_count = 0 }]
        service_time = { distribution = "constant", value = "10ms" }
        startup_time = { distribution = "constant", value = "40s" }
    "#;
    let (figures, obs) = support::run_observed(text);
    use TaskState::*;
    assert_eq!(transitions(&obs, TaskId(0)), [Provisioning, Pending, Activating, Stopping, Deprovisioning, Stopped]);
    assert_eq!(figures.requests.succeeded, 0);
    assert_eq!(figures.requests.failed_with_status(503), figures.requests.total, "never a registered target");
    assert!(figures.minutes[0].iter().all(|r| r.cpu_utilization.is_none()), "no task ran: missing datapoints, not 0 %");
}

/// Goal: a task that stops unexpectedly is replaced at once, and its requests
/// in flight fail with 502. Method: 3 tasks crashing every 10 min on average
/// over 2 h; every crash launches a task at the same instant, the service is
/// back to 3 RUNNING within the longest start-up (60 s), and the crashes'
/// in-flight requests are counted as task_stopped.
#[test]
fn crashed_tasks_are_replaced() {
    let text = r#"
        duration = "2h"
        seed = 5
        [traffic]
        kind = "constant"
        rate_per_second = 50.0
        [service]
        desired_count = 3
        service_time = { distribution = "exponential", mean = "200ms" }
        mean_time_between_crashes = "10m"
    "#;
    let (figures, obs) = support::run_observed(text);
    let crashes: Vec<SimTime> = stops_begun(&obs)
        .into_iter()
        .filter(|&(_, _, reason)| reason == StopReason::EssentialContainerExited)
        .map(|(at, _, _)| at)
        .collect();
    assert!(crashes.len() > 20, "about 3 × 12 crashes expected, got {}", crashes.len());
    let launched: Vec<SimTime> = launches(&obs).into_iter().map(|(at, _)| at).collect();
    for crash in &crashes {
        assert!(launched.contains(crash), "no replacement launched at {crash}");
    }
    for row in &figures.minutes[0][2..120] {
        assert_eq!(row.desired_count, 3);
    }
    assert!(figures.requests.failed_by_cause[FailureCause::TaskStopped as usize] > 0);
    // Launches after the end (while the last requests drain) are not counted.
    let crashes_in_run = crashes.iter().filter(|&&at| at < secs(7200)).count() as u64;
    assert_eq!(figures.services[0].tasks_launched, 3 + crashes_in_run);
}

/// Goal: CPUUtilization is ECS's: 100 × CPU used / (task CPU × tasks)
/// (aws-semantics §6). Method: 2 tasks of 1 vCPU, 100 req/s of 20 ms at
/// 0.5 vCPU each: 100 × 0.02 × 0.5 / 2 = 50 %; the mean over 28 steady minutes
/// must be within 2 points (Poisson noise of ~6,000 requests a minute is ~1.3 %).
#[test]
fn cpu_utilization_is_cpu_used_over_task_cpu() {
    let text = r#"
        duration = "30m"
        [traffic]
        kind = "constant"
        rate_per_second = 100.0
        [service]
        desired_count = 2
        cpu = 1024
        vcpu_per_request = 0.5
        service_time = { distribution = "exponential", mean = "20ms" }
    "#;
    let figures = support::run(text);
    let rows = &figures.minutes[0][2..30];
    let mean = rows.iter().map(|r| r.cpu_utilization.expect("tasks ran")).sum::<f64>() / rows.len() as f64;
    assert!((mean - 50.0).abs() < 2.0, "CPUUtilization {mean:.2} %");
}

/// Goal: processor sharing: when requests want more CPU than the task has,
/// everyone slows down. Method: one 1-vCPU task at 90 % CPU demand (45 req/s
/// of 20 ms at 1 vCPU each); with contention the mean latency is well above
/// the 20 ms it is with contention off at 10 % of the CPU, and CPU saturates
/// no higher than 100 %.
#[test]
fn cpu_contention_slows_requests() {
    let scenario = |contention: bool, vcpu_per_request: f64| {
        format!(
            r#"
            duration = "30m"
            [traffic]
            kind = "constant"
            rate_per_second = 45.0
            [service]
            desired_count = 1
            concurrency = 64
            vcpu_per_request = {vcpu_per_request}
            cpu_contention = {contention}
            service_time = {{ distribution = "exponential", mean = "20ms" }}
            "#
        )
    };
    let light = support::run(&scenario(false, 0.1));
    let heavy = support::run(&scenario(true, 1.0));
    assert!((light.latency.mean_ms - 20.0).abs() < 1.0, "no contention: {}", light.latency.mean_ms);
    // M/G/1-PS: mean response = E[S] / (1 − ρ) = 20 / 0.1 = 200 ms.
    assert!(heavy.latency.mean_ms > 120.0 && heavy.latency.mean_ms < 300.0, "contention: {}", heavy.latency.mean_ms);
    for row in &heavy.minutes[0][2..30] {
        assert!(row.cpu_utilization.unwrap() <= 100.0 + 1e-9);
    }
}

/// Goal: a minute's row describes that minute: a change at exactly k·60 s
/// belongs to the next one (CloudWatch's period is [t, t + 60 s)). Method:
/// desiredCount 4 → 1 at 3 min: the row of minute 2 (120–180 s) still shows 4
/// desired and 4 running; the row of minute 3 shows 1 desired.
#[test]
fn a_change_on_a_minute_boundary_belongs_to_the_next_minute() {
    let text = r#"
        duration = "6m"
        [traffic]
        kind = "constant"
        rate_per_second = 20.0
        [service]
        desired_count = 4
        desired_count_changes = [{ at = "3m", desired_count = 1 }]
        service_time = { distribution = "exponential", mean = "20ms" }
        startup_time = { distribution = "constant", value = "30s" }
    "#;
    let figures = support::run(text);
    let rows = &figures.minutes[0];
    assert_eq!((rows[2].desired_count, rows[2].running_count), (4, 4));
    assert_eq!(rows[3].desired_count, 1);
    assert!(rows[3].cpu_utilization.is_some());
}

/// Goal: CPUUtilization of a minute whose tasks all stopped within it is still
/// reported (a datapoint from the tasks that ran), not left blank. Method: one
/// task, stopped at 90 s with a 0 s deregistration delay: minute 1 has a value.
#[test]
fn cpu_utilization_survives_the_last_task_stopping() {
    let text = r#"
        duration = "3m"
        [traffic]
        kind = "constant"
        rate_per_second = 20.0
        [service]
        desired_count = 1
        desired_count_changes = [{ at = "90s", desired_count = 0 }]
        service_time = { distribution = "exponential", mean = "20ms" }
        startup_time = { distribution = "constant", value = "10s" }
        [load_balancer]
        deregistration_delay = "0s"
    "#;
    let figures = support::run(text);
    let rows = &figures.minutes[0];
    assert!(rows[1].cpu_utilization.is_some(), "{:?}", rows[1]);
    assert_eq!(rows[2].cpu_utilization, None, "no task ran in minute 2");
}

/// Goal: SIGKILL at stopTimeout (aws-semantics §2.5). Method: five 200 s
/// requests at 20 s; desiredCount → 0 at 100 s; delay 30 s cuts it (502 at 130 s), the
/// app keeps working on it after SIGTERM, and stopTimeout 30 s kills it at
/// 160 s → DEPROVISIONING at 160 s, STOPPED at 165 s.
#[test]
fn stop_timeout_kills_an_app_that_does_not_exit() {
    let text = r#"
        duration = "5m"
        [traffic]
        kind = "request_trace"
        file = "burst_at_20s.csv"
        [service]
        desired_count = 1
        desired_count_changes = [{ at = "100s", desired_count = 0 }]
        cpu_contention = false
        service_time = { distribution = "constant", value = "200s" }
        startup_time = { distribution = "constant", value = "10s" }
        provisioning_time = "0s"
        stop_timeout = "30s"
        [load_balancer]
        deregistration_delay = "30s"
        idle_timeout = "4000s"
    "#;
    let (figures, obs) = support::run_observed(text);
    assert_eq!(figures.requests.failed_by_cause[FailureCause::DeregistrationCutOff as usize], figures.requests.total);
    assert_eq!(figures.requests.total, 5);
    let states = support::state_changes(&obs);
    for expected in
        [(secs(130), TaskState::Stopping), (secs(160), TaskState::Deprovisioning), (secs(165), TaskState::Stopped)]
    {
        assert!(states.contains(&expected), "missing {expected:?} in {states:?}");
    }
}

/// Goal: a task refuses beyond its queue (502). Method: one task, concurrency 1,
/// queue_limit 2, five 10 s requests at once: two are refused, the other three
/// are served one after another (10, 20, 30 s).
#[test]
fn a_full_queue_refuses_with_502() {
    let text = r#"
        duration = "2m"
        [traffic]
        kind = "request_trace"
        file = "burst_at_20s.csv"
        [service]
        desired_count = 1
        concurrency = 1
        queue_limit = 2
        cpu_contention = false
        service_time = { distribution = "constant", value = "10s" }
        startup_time = { distribution = "constant", value = "10s" }
    "#;
    let figures = support::run(text);
    let r = &figures.requests;
    assert_eq!(r.succeeded, 3);
    assert_eq!(r.failed_by_cause[FailureCause::Refused as usize], 2);
    assert_eq!(r.total, 5);
    assert!((figures.latency.max_ms - 30_000.0).abs() < 30.0);
}

/// Goal: every request that arrives gets exactly one answer, whatever the fleet
/// does. Method: 40,000 trace requests over 20 min against tasks that crash
/// every ~40 s, a desired count that moves four times, a 10-deep queue, 15 s
/// idle timeout, 20 s deregistration delay and 5 s stopTimeout: answered = rows.
#[test]
fn every_request_gets_exactly_one_answer_under_churn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = 40_000u64;
    let mut trace = String::from("t_seconds\n");
    for i in 0..rows {
        trace.push_str(&format!("{:.3}\n", i as f64 * 1200.0 / rows as f64));
    }
    #[allow(clippy::disallowed_methods)] // a fixture in a temporary folder
    std::fs::write(dir.path().join("trace.csv"), trace).expect("write trace");
    let text = r#"
        duration = "20m"
        seed = 9
        [traffic]
        kind = "request_trace"
        file = "trace.csv"
        [service]
        desired_count = 3
        desired_count_changes = [
          { at = "3m", desired_count = 5 }, { at = "7m", desired_count = 1 },
          { at = "11m", desired_count = 4 }, { at = "15m", desired_count = 2 },
        ]
        concurrency = 4
        queue_limit = 10
        service_time = { distribution = "lognormal", median = "100ms", p99 = "20s" }
        stop_timeout = "5s"
        mean_time_between_crashes = "40s"
        [load_balancer]
        algorithm = "least_outstanding_requests"
        idle_timeout = "15s"
        deregistration_delay = "20s"
    "#;
    let scenario = fleetsim::scenario::parse(text, &dir.path().join("churn.toml")).expect("valid");
    let (figures, obs) = support::run_scenario_observed(&scenario, None);
    assert_eq!(figures.requests.total, rows);
    let answered = obs.iter().filter(|o| matches!(o, Observation::RequestFinished { .. })).count() as u64;
    assert_eq!(answered, rows);
    let r = &figures.requests;
    assert_eq!(r.succeeded + r.failed(), rows);
    for cause in [FailureCause::TaskStopped, FailureCause::IdleTimeout, FailureCause::Refused] {
        assert!(r.failed_by_cause[cause as usize] > 0, "the churn should produce {cause:?}");
    }
}
