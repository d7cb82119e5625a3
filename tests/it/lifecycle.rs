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

fn launches(observations: &[Observation]) -> Vec<(SimTime, TaskId)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, task, from: None, .. } => Some((at, task)),
            _ => None,
        })
        .collect()
}

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
    assert_eq!(figures.services[0].tasks_launched, 3 + crashes.len() as u64);
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
        cpu_per_request = 0.5
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
    let scenario = |contention: bool, cpu_per_request: f64| {
        format!(
            r#"
            duration = "30m"
            [traffic]
            kind = "constant"
            rate_per_second = 45.0
            [service]
            desired_count = 1
            concurrency = 64
            cpu_per_request = {cpu_per_request}
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
