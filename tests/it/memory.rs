//! Issue 9: memory in use, hard limits and OOM kills (aws-semantics §14).

use crate::support;
use fleetsim::engine::{SimDuration, SimTime};
use fleetsim::model::{FailureCause, Observation, StopReason, TaskState};

/// Goal: §14.2, worked by hand. A task of 1,024 MiB at rest at 256 MiB that
/// leaks 768 MiB an hour reaches its limit exactly 1 h after RUNNING (time
/// zero: a warm start) and is killed just past it (the check rounds up to
/// the next millisecond, plus one): STOPPING with `OutOfMemory`, its
/// requests in flight fail (502, the task stopped), the service replaces
/// it, and events.csv's reason names `OutOfMemoryError` and exit code 137.
#[test]
fn a_leaking_task_is_killed_at_its_limit_and_replaced() {
    let (figures, observations) = support::run_observed(
        r#"
duration = "90m"
[traffic]
kind = "constant"
rate_per_second = 50.0
[service]
desired_count = 1
warm_start = true
cpu = 256
memory = 1024
memory_baseline_mib = 256.0
memory_leak_per_hour_mib = 768.0
concurrency = 64
cpu_contention = false
service_time = { distribution = "constant", value = "100ms" }
"#,
    );
    let kills: Vec<SimTime> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged {
                at,
                to: TaskState::Stopping,
                stop_reason: Some(StopReason::OutOfMemory),
                ..
            } => Some(at),
            _ => None,
        })
        .collect();
    assert_eq!(kills, vec![SimTime::ZERO + SimDuration::from_millis(3_600_001)]);
    let s = &figures.services[0];
    assert_eq!(s.oom_kills_by_revision, vec![1]);
    assert!(s.tasks_launched >= 2, "the service replaced it");
    // About 5 requests in flight (50/s × 100 ms) fail with the task.
    let failed = s.requests.failed_by_cause[FailureCause::TaskStopped as usize];
    assert!((1..=20).contains(&failed), "{failed} requests failed with the task");
    let detail = figures.events.iter().find(|e| e.detail.contains("OutOfMemoryError")).map(|e| e.detail.clone());
    let detail = detail.expect("events.csv says why");
    assert!(detail.contains("Container killed due to memory usage") && detail.contains("exit code 137"), "{detail}");
}

/// Goal: a leak per request belongs to a revision. web:2 (deployed at 1 min)
/// keeps 1 MiB of every request it serves: from 256 MiB its tasks pass
/// 1,024 MiB at their 769th request; web:1's never do. The kills are
/// counted against web:2.
#[test]
fn a_revision_that_leaks_per_request_is_killed_and_counted_by_revision() {
    let figures = support::run(
        r#"
duration = "20m"
[traffic]
kind = "constant"
rate_per_second = 10.0
[service]
desired_count = 2
warm_start = true
cpu = 256
memory = 1024
memory_baseline_mib = 256.0
service_time = { distribution = "constant", value = "50ms" }
[[service.deployments]]
at = "1m"
memory_leak_per_request_mib = 1.0
"#,
    );
    let kills = &figures.services[0].oom_kills_by_revision;
    assert_eq!(kills[0], 0, "web:1 does not leak");
    // 2 tasks share 10 req/s: a task of web:2 lasts about 769 / 5 s ≈ 2.6 min.
    assert!(kills[1] >= 4, "web:2's tasks are killed again and again: {kills:?}");
}

/// Goal: §14.3. On EC2 a task without task-level memory reserves its
/// container's `memoryReservation` (256 MiB); it uses 512 MiB (below its
/// hard limit of 1,024), so `MemoryUtilization` = 512 / 256 = 200 %, and
/// a target tracking policy on memory sees it above 100 %.
#[test]
fn memory_utilization_divides_by_the_reservation_and_can_pass_100_percent() {
    let figures = support::run(
        r#"
duration = "20m"
[traffic]
kind = "constant"
rate_per_second = 2.0
[service]
desired_count = 1
cpu = 1024
memory_reservation = 256
container_memory = 1024
memory_baseline_mib = 512.0
launch_type = "EC2"
startup_time = { distribution = "constant", value = "30s" }
service_time = { distribution = "constant", value = "10ms" }
[service.auto_scaling]
min_capacity = 1
max_capacity = 4
target_tracking = [{ predefined_metric_type = "ECSServiceAverageMemoryUtilization", target_value = 70.0 }]
[[capacity_providers]]
name = "m6i"
instance_type = "m6i.large"
max_size = 10
registration_time = { distribution = "constant", value = "120s" }
managed_scaling = { target_capacity = 100 }
"#,
    );
    let utilization: Vec<f64> = figures.minutes[0].iter().filter_map(|r| r.memory_utilization).collect();
    let last = *utilization.last().expect("datapoints once the task runs");
    assert!((last - 200.0).abs() < 1e-9, "{utilization:?}");
    assert!(figures.services[0].oom_kills_by_revision.iter().all(|&n| n == 0), "below its hard limit");
}

/// Goal: §14.3 with a leak per request. A task leaks 1 MiB per request
/// from 256 MiB and is killed at its 769th (about 77 s at 10/s); its
/// replacement is not up before 3 min. A task counts while its containers
/// are up: the dead task's 768 leaked MiB stop counting when it exits, not
/// when its ENI is released (60 s later). Memory never passes the limit,
/// which is the reservation, so no datapoint passes 100 %.
#[test]
fn leaked_memory_stops_counting_when_the_task_exits() {
    let figures = support::run(
        r#"
duration = "5m"
[traffic]
kind = "constant"
rate_per_second = 10.0
[service]
desired_count = 1
warm_start = true
cpu = 256
memory = 1024
memory_baseline_mib = 256.0
memory_leak_per_request_mib = 1.0
deprovisioning_time = "60s"
startup_time = { distribution = "constant", value = "150s" }
service_time = { distribution = "constant", value = "10ms" }
"#,
    );
    assert_eq!(figures.services[0].oom_kills_by_revision, vec![1]);
    let utilization: Vec<f64> = figures.minutes[0].iter().filter_map(|r| r.memory_utilization).collect();
    assert!(utilization.len() >= 2, "{utilization:?}");
    assert!(utilization.iter().all(|&u| u <= 100.0 + 1e-9), "{utilization:?}");
}
