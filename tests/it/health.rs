//! When a task counts as healthy (aws-semantics §2.2) and container health
//! checks on Docker's timing (§2.6): the timelines below are worked by hand.
//!
//! Every task starts 30 s after launch (RUNNING at launch + 30 s). Services
//! without a load balancer run without `[traffic]`; an idle task exits at
//! SIGTERM, so a stopped task is STOPPED 5 s (deprovisioning) after its stop.

use crate::support;
use fleetsim::engine::{SimDuration, SimTime};
use fleetsim::model::observation::{ContainerHealth, RolloutState};
use fleetsim::model::{Observation, StopReason, TaskId, TaskState};

fn at(seconds: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(seconds)
}

/// A service of `desired` tasks without load balancer or traffic.
fn without_load_balancer(desired: u32, service_lines: &str) -> String {
    format!(
        r#"
duration = "15m"
[service]
desired_count = {desired}
load_balanced = false
service_time = {{ distribution = "constant", value = "10ms" }}
startup_time = {{ distribution = "constant", value = "30s" }}
{service_lines}
"#
    )
}

fn container_health(observations: &[Observation]) -> Vec<(SimTime, TaskId, ContainerHealth)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::ContainerHealthChanged { at, task, health, .. } => Some((at, task, health)),
            _ => None,
        })
        .collect()
}

/// (time, task, reason) of every stop the service decided.
fn stops(observations: &[Observation]) -> Vec<(SimTime, TaskId, StopReason)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged {
                at,
                task,
                from: Some(TaskState::Running),
                to: TaskState::Deactivating | TaskState::Stopping,
                stop_reason: Some(reason),
                ..
            } => Some((at, task, reason)),
            _ => None,
        })
        .collect()
}

fn rollout_states(observations: &[Observation]) -> Vec<(SimTime, RolloutState)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::DeploymentStateChanged { at, state, .. } => Some((at, state)),
            _ => None,
        })
        .collect()
}

/// Goal: §2.6's timing. RUNNING at 30 s; checks at 60, 90, 120 pass (HEALTHY
/// at 60). The application hangs at 130 s: the check starting at 150 hangs and
/// fails at its 5 s timeout (155), the next starts 30 s later: failures at
/// 155, 190, 225; the third makes it UNHEALTHY at 225 (95 s after the hang,
/// inside §2.6's 75–105 s). ECS starts the replacement first (§2.3): launched
/// at 225, RUNNING at 255, HEALTHY at its first check (285), when the
/// unhealthy task is stopped.
#[test]
fn a_hung_container_is_unhealthy_after_three_timed_out_checks_and_replaced_start_first() {
    let text = without_load_balancer(
        1,
        r#"unhealthy_after = "100s"
container_health_check = { interval = "30s", timeout = "5s", retries = 3 }"#,
    );
    let (_, observations) = support::run_observed(&text);
    // The replacement hangs too, 100 s after its RUNNING: the cycle repeats.
    assert_eq!(
        container_health(&observations)[..3],
        [
            (at(60), TaskId(0), ContainerHealth::Healthy),
            (at(225), TaskId(0), ContainerHealth::Unhealthy),
            (at(285), TaskId(1), ContainerHealth::Healthy),
        ]
    );
    let launches: Vec<SimTime> = support::launches(&observations).iter().map(|&(t, _)| t).collect();
    assert_eq!(launches[..2], [at(0), at(225)]);
    assert_eq!(stops(&observations)[0], (at(285), TaskId(0), StopReason::FailedContainerHealthCheck));
}

/// Goal: `startPeriod`: failures of checks that start within it do not count.
/// A task that never answers, checks every 10 s with a 5 s timeout, 3 retries.
/// Without a start period: RUNNING 30, failures at 45, 60, 75 → UNHEALTHY at
/// 75. With 30 s: the checks starting at 40 and 55 do not count; failures at
/// 75, 90, 105 → UNHEALTHY at 105.
#[test]
fn failures_within_the_start_period_do_not_count() {
    let unhealthy_at = |start_period: &str| {
        let text = without_load_balancer(
            1,
            &format!(
                r#"health_check_failure_probability = 1.0
container_health_check = {{ interval = "10s", timeout = "5s", retries = 3, start_period = "{start_period}" }}"#
            ),
        );
        let (_, observations) = support::run_observed(&text);
        container_health(&observations)[0]
    };
    assert_eq!(unhealthy_at("0s"), (at(75), TaskId(0), ContainerHealth::Unhealthy));
    assert_eq!(unhealthy_at("30s"), (at(105), TaskId(0), ContainerHealth::Unhealthy));
}

/// Goal: a success within `startPeriod` ends it (§2.6): later failures count.
/// Start period 300 s, checks every 10 s (timeout 5 s, 3 retries). RUNNING at
/// 30 s; HEALTHY at the first check (40 s); the application hangs at 60 s.
/// The check at 60 hangs and fails at 65, then 80, 95: UNHEALTHY at 95 s,
/// though still within 300 s of RUNNING.
#[test]
fn a_success_ends_the_start_period() {
    let text = without_load_balancer(
        1,
        r#"unhealthy_after = "30s"
container_health_check = { interval = "10s", timeout = "5s", retries = 3, start_period = "300s" }"#,
    );
    let (_, observations) = support::run_observed(&text);
    assert_eq!(
        container_health(&observations)[..2],
        [(at(40), TaskId(0), ContainerHealth::Healthy), (at(95), TaskId(0), ContainerHealth::Unhealthy)]
    );
}

/// Goal: §2.2, no load balancer and no container check: a task is healthy
/// 40 s after RUNNING. Rolling update of 2 tasks (100 % / 200 %) at 300 s:
/// new tasks RUNNING at 330, healthy at 370, when the old ones stop; they
/// exit at once (idle) and are STOPPED at 375: COMPLETED.
#[test]
fn without_load_balancer_or_check_a_task_is_healthy_forty_seconds_after_running() {
    let text = without_load_balancer(2, "[[service.deployments]]\nat = \"5m\"");
    let (_, observations) = support::run_observed(&text);
    let deployment_stops: Vec<(SimTime, StopReason)> =
        stops(&observations).iter().map(|&(t, _, reason)| (t, reason)).collect();
    assert_eq!(deployment_stops, [(at(370), StopReason::Deployment); 2]);
    assert_eq!(
        rollout_states(&observations),
        [(at(300), RolloutState::InProgress), (at(375), RolloutState::Completed)]
    );
}

/// Goal: §2.2, a load balancer and a container check: both must be healthy.
/// The target is healthy at its first passing check (RUNNING + 10 s), the
/// container only at its first check (RUNNING + 60 s). One task, rolling
/// update at 300 s: new task RUNNING at 330, target healthy at 340, container
/// HEALTHY at 390: only then does the old task stop.
#[test]
fn with_both_checks_a_task_is_healthy_when_both_say_so() {
    let text = r#"
duration = "15m"
[traffic]
kind = "constant"
rate_per_second = 2.0
[service]
desired_count = 1
service_time = { distribution = "constant", value = "10ms" }
startup_time = { distribution = "constant", value = "30s" }
container_health_check = { interval = "60s" }
[[service.deployments]]
at = "5m"
[load_balancer]
deregistration_delay = "30s"
health_check = { interval = "10s" }
"#;
    let (_, observations) = support::run_observed(text);
    assert_eq!(stops(&observations), [(at(390), TaskId(0), StopReason::Deployment)]);
    // Without the container check the same update stops the old task at 340.
    let (_, observations) =
        support::run_observed(&text.replace("container_health_check = { interval = \"60s\" }\n", ""));
    assert_eq!(stops(&observations), [(at(340), TaskId(0), StopReason::Deployment)]);
}

/// Goal: §2.4 stage 2 counts failed container health checks. A revision
/// whose tasks never answer, desired 4 → threshold clamp(ceil(0.5 × 4), 3,
/// 200) = 3: the deployment fails at the third task found UNHEALTHY and rolls
/// back to revision 0.
#[test]
fn failed_container_checks_trip_the_circuit_breaker() {
    let text = without_load_balancer(
        4,
        r#"container_health_check = { interval = "10s", timeout = "2s", retries = 1 }
deployment_configuration = { deployment_circuit_breaker = { enable = true, rollback = true } }
[[service.deployments]]
at = "5m"
health_check_failure_probability = 1.0"#,
    );
    let (_, observations) = support::run_observed(&text);
    let failed: Vec<(SimTime, u32)> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::DeploymentStateChanged { at, revision, state: RolloutState::Failed, .. } => {
                Some((at, revision))
            }
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1, "one failed deployment: {failed:?}");
    let container_stops = stops(&observations)
        .iter()
        .filter(|&&(t, _, reason)| t <= failed[0].0 && reason == StopReason::FailedContainerHealthCheck)
        .count();
    assert_eq!(container_stops, 3, "the threshold of 3 failures");
    let rollback = observations.iter().any(|o| {
        matches!(*o, Observation::DeploymentStateChanged { revision: 0, state: RolloutState::InProgress, .. })
    });
    assert!(rollback, "rolled back to revision 0");
}
