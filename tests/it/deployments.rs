//! Rolling deployments (aws-semantics §2.2, §2.4, §1.7): the four worked
//! rounding examples as full timelines, the stuck case, the circuit breaker
//! with rollback and resetOnHealthyTask, and no scale-in during a deployment.
//!
//! Every timeline below: tasks start 30 s after launch; a new target becomes
//! healthy at its first passing check, 10 s after RUNNING; the deregistration
//! delay is 30 s, then the empty task exits at SIGTERM and is STOPPED 5 s later.

use crate::support;
use fleetsim::engine::{SimDuration, SimTime};
use fleetsim::model::observation::RolloutState;
use fleetsim::model::{Observation, StopReason, TaskState};

fn at(seconds: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(seconds)
}

/// `desired` tasks; at 5 min a deployment with `revision` lines; `configuration` lines.
fn rolling(desired: u32, configuration: &str, revision: &str, extra_service: &str) -> String {
    format!(
        r#"
duration = "20m"
[traffic]
kind = "constant"
rate_per_second = 5.0
[service]
desired_count = {desired}
service_time = {{ distribution = "constant", value = "10ms" }}
startup_time = {{ distribution = "constant", value = "30s" }}
{extra_service}
deployment_configuration = {{ {configuration} }}
[[service.deployments]]
at = "5m"
{revision}
[load_balancer]
deregistration_delay = "30s"
health_check = {{ interval = "10s", unhealthy_threshold_count = 2 }}
"#
    )
}

/// (time, revision) of every launch after the first minute.
fn launches_after_start(observations: &[Observation]) -> Vec<(SimTime, u32)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, from: None, revision, .. } if at > SimTime::ZERO => {
                Some((at, revision))
            }
            _ => None,
        })
        .collect()
}

/// (time, revision) of every stop the deployment started.
fn deployment_stops(observations: &[Observation]) -> Vec<(SimTime, u32)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged {
                at,
                to: TaskState::Deactivating,
                stop_reason: Some(StopReason::Deployment),
                revision,
                ..
            } => Some((at, revision)),
            _ => None,
        })
        .collect()
}

fn rollout_states(observations: &[Observation]) -> Vec<(SimTime, u32, RolloutState)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::DeploymentStateChanged { at, revision, state, .. } => Some((at, revision, state)),
            _ => None,
        })
        .collect()
}

/// Goal: §2.2's "50 % of 4 → 2": up to 2 old tasks stop first. With
/// maximumPercent 100 (4), the two that stop make room for two new ones at
/// once (300 s); those are healthy at 340 s, which lets the other two old
/// stop and two more new start; they are healthy at 380 s, when the old ones
/// have STOPPED (375 s): COMPLETED at 380 s.
#[test]
fn fifty_percent_of_four_stops_two_first() {
    let text = rolling(4, "minimum_healthy_percent = 50, maximum_percent = 100", "", "");
    let (_, observations) = support::run_observed(&text);
    assert_eq!(deployment_stops(&observations), [(at(300), 0), (at(300), 0), (at(340), 0), (at(340), 0)]);
    assert_eq!(launches_after_start(&observations), [(at(300), 1), (at(300), 1), (at(340), 1), (at(340), 1)]);
    assert_eq!(
        rollout_states(&observations),
        [(at(300), 1, RolloutState::InProgress), (at(380), 1, RolloutState::Completed)]
    );
}

/// Goal: "75 % of 2 → 2": nothing stops first; with maximumPercent 200 (4)
/// both new tasks start at 300 s, the old ones stop when the new are healthy
/// (340 s), and the deployment completes when they have STOPPED (375 s).
#[test]
fn seventy_five_percent_of_two_stops_nothing_first() {
    let text = rolling(2, "minimum_healthy_percent = 75", "", "");
    let (_, observations) = support::run_observed(&text);
    assert_eq!(launches_after_start(&observations), [(at(300), 1), (at(300), 1)]);
    assert_eq!(deployment_stops(&observations), [(at(340), 0), (at(340), 0)]);
    assert_eq!(
        rollout_states(&observations),
        [(at(300), 1, RolloutState::InProgress), (at(375), 1, RolloutState::Completed)]
    );
}

/// Goal: "200 % of 4 → 8": all 4 new tasks start first.
#[test]
fn two_hundred_percent_of_four_starts_four_first() {
    let text = rolling(4, "maximum_percent = 200", "", "");
    let (_, observations) = support::run_observed(&text);
    assert_eq!(launches_after_start(&observations), [(at(300), 1); 4]);
    assert_eq!(deployment_stops(&observations), [(at(340), 0); 4]);
    assert_eq!(rollout_states(&observations)[1], (at(375), 1, RolloutState::Completed));
}

/// Goal: "125 % of 3 → 3": no new task can start, and with
/// minimumHealthyPercent 100 none can stop: ECS reports the deployment stuck
/// (once) and it never completes.
#[test]
fn one_hundred_twenty_five_percent_of_three_is_stuck() {
    let text = rolling(3, "minimum_healthy_percent = 100, maximum_percent = 125", "", "");
    let (_, observations) = support::run_observed(&text);
    assert_eq!(launches_after_start(&observations), []);
    assert_eq!(deployment_stops(&observations), []);
    let stuck: Vec<SimTime> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::DeploymentStuck { at, .. } => Some(at),
            _ => None,
        })
        .collect();
    assert_eq!(stuck, [at(300)]);
    assert_eq!(rollout_states(&observations), [(at(300), 1, RolloutState::InProgress)]);
}

/// Goal: a revision whose tasks never pass a health check trips the breaker
/// and rolls back (§2.4). Desired 4: threshold clamp(⌈0.5 × 4⌉, 3, 200) = 3.
/// The 4 new tasks RUNNING at 330 s fail their checks at 340 and 350 s and are
/// unhealthy at 350 s: failures 1, 2, 3 → FAILED at 350 s, and the rollback
/// to revision 0 opens at once; its tasks never left, so it completes when
/// the failed ones have drained and STOPPED (350 + 30 + 5 = 385 s).
#[test]
fn a_revision_that_fails_its_health_checks_trips_the_breaker_and_rolls_back() {
    let text = rolling(
        4,
        "deployment_circuit_breaker = { enable = true, rollback = true }",
        "health_check_failure_probability = 1.0",
        "",
    );
    let (figures, observations) = support::run_observed(&text);
    let counts: Vec<(u32, u32)> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::DeploymentTaskFailed { failures, threshold, .. } => Some((failures, threshold)),
            _ => None,
        })
        .collect();
    assert_eq!(counts, [(1, 3), (2, 3), (3, 3)]);
    assert_eq!(
        rollout_states(&observations),
        [
            (at(300), 1, RolloutState::InProgress),
            (at(350), 1, RolloutState::Failed),
            (at(350), 0, RolloutState::InProgress),
            (at(385), 0, RolloutState::Completed),
        ]
    );
    // The old tasks served throughout: nothing failed for users during either.
    let d = &figures.deployments;
    assert!(d.iter().all(|d| d.requests_failed == 0 && d.requests > 0), "{d:?}");
    assert_eq!(d.len(), 2);
    assert_eq!((d[0].outcome, d[0].failed_tasks), ("FAILED", 3));
    assert_eq!((d[1].outcome, d[1].revision.as_str()), ("COMPLETED", "web:1"));
    assert_eq!(d[0].peak_running, 8);
}

/// Goal: without rollback a FAILED deployment launches no more tasks (§2.4).
#[test]
fn a_failed_deployment_without_rollback_launches_nothing_more() {
    let text = rolling(
        4,
        "deployment_circuit_breaker = { enable = true, rollback = false }",
        "health_check_failure_probability = 1.0",
        "",
    );
    let (_, observations) = support::run_observed(&text);
    let states = rollout_states(&observations);
    assert_eq!(states.last().map(|s| s.2), Some(RolloutState::Failed));
    let after: Vec<_> = launches_after_start(&observations).into_iter().filter(|l| l.0 > at(350)).collect();
    assert_eq!(after, []);
}

/// Goal: with resetOnHealthyTask (the default) a mostly healthy revision
/// completes: every healthy new task resets the count, so 30 % failing tasks
/// out of 10 (threshold 5) never trip it; the failures are still counted.
#[test]
fn reset_on_healthy_task_lets_a_mostly_healthy_revision_complete() {
    let text = rolling(
        10,
        "deployment_circuit_breaker = { enable = true, rollback = true }",
        "health_check_failure_probability = 0.3",
        "",
    );
    let (figures, observations) = support::run_observed(&text);
    let failed = observations.iter().filter(|o| matches!(o, Observation::DeploymentTaskFailed { .. })).count();
    assert!(failed >= 2, "the seed should fail some tasks: {failed}");
    let states = rollout_states(&observations);
    assert_eq!(states.last().map(|s| (s.1, s.2)), Some((1, RolloutState::Completed)), "{states:?}");
    assert!(figures.deployments[0].failed_tasks < 5);
}

/// Goal: Application Auto Scaling turns scale-in off during a deployment
/// (§1.7): a policy that wants to scale in while the slow revision rolls out
/// is held with that reason, and scales in once it has COMPLETED.
#[test]
fn no_scale_in_during_a_deployment() {
    let scaling = r#"
[service.auto_scaling]
min_capacity = 1
max_capacity = 10
target_tracking = [{ predefined_metric_type = "ECSServiceAverageCPUUtilization", target_value = 60.0, scale_in_cooldown = "60s" }]
"#;
    let text = rolling(6, "", "startup_time = { distribution = \"constant\", value = \"20m\" }", "")
        .replace("duration = \"20m\"", "duration = \"40m\"")
        .replace("[load_balancer]", &format!("{scaling}\n[load_balancer]"));
    let (_, observations) = support::run_observed(&text);
    let states = rollout_states(&observations);
    let completed = states.iter().find(|s| s.2 == RolloutState::Completed).expect("completes").0;
    let scale_ins: Vec<SimTime> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::ScalingActivity { at, from, to, .. } if to < from => Some(at),
            _ => None,
        })
        .collect();
    assert!(scale_ins.iter().all(|&t| t < at(300) || t > completed), "{scale_ins:?} vs {completed:?}");
    assert!(scale_ins.iter().any(|&t| t > completed), "scale-in resumes after completion: {scale_ins:?}");
    assert!(observations.iter().any(|o| matches!(
        o,
        Observation::ScalingSkipped { reason, .. } if reason.contains("deployment is in progress")
    )));
}
