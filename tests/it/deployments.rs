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
use fleetsim::model::{FailureCause, Observation, StopReason, TaskState};

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
    assert_eq!(figures.deployments[0].failed_tasks as usize, failed);
    // The same revision without the reset: the count reaches 5 and it fails.
    let text = text.replace("rollback = true }", "rollback = true, reset_on_healthy_task = false }");
    let (_, observations) = support::run_observed(&text);
    let states = rollout_states(&observations);
    assert_eq!(states.get(1).map(|s| (s.1, s.2)), Some((1, RolloutState::Failed)), "{states:?}");
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

/// (time, green percent, requests routed, requests to green) of each shift.
fn shifts(observations: &[Observation]) -> Vec<(SimTime, f64, u64, u64)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TrafficShifted { at, green_percent, requests_routed, requests_to_green, .. } => {
                Some((at, green_percent, requests_routed, requests_to_green))
            }
            _ => None,
        })
        .collect()
}

fn blue_green(configuration: &str, revision: &str) -> String {
    rolling(4, configuration, revision, "").replace("rate_per_second = 5.0", "rate_per_second = 50.0")
}

/// Goal: CodeDeploy's ECSCanary10Percent5Minutes (§2.7). The green set (4
/// tasks) launches at 300 s into the second target group, is RUNNING at 330 s
/// and healthy at 340 s: 10 % of requests go to green for 5 minutes (within
/// four standard deviations of the binomial share), then all at 640 s; with no
/// termination wait the original set stops then and the deployment completes
/// when it has STOPPED (640 + 30 + 5 = 675 s).
#[test]
fn a_canary_sends_ten_percent_for_five_minutes_then_all() {
    let text = blue_green("code_deploy = { deployment_config = \"CodeDeployDefault.ECSCanary10Percent5Minutes\" }", "");
    let (figures, observations) = support::run_observed(&text);
    let s = shifts(&observations);
    assert_eq!(s.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(), [(at(340), 10.0), (at(640), 100.0)]);
    let (routed, green) = (s[1].2 - s[0].2, s[1].3 - s[0].3);
    let share = green as f64 / routed as f64;
    let sigma = (0.1 * 0.9 / routed as f64).sqrt();
    assert!((share - 0.1).abs() < 4.0 * sigma, "{green} of {routed} = {share}");
    assert!(routed > 14_000, "five minutes at 50 req/s: {routed}");
    assert_eq!(
        rollout_states(&observations),
        [(at(300), 1, RolloutState::InProgress), (at(675), 1, RolloutState::Completed)]
    );
    // Blue/green needs twice the tasks until the original set goes (§2.7).
    assert_eq!(figures.deployments[0].peak_running, 8);
    assert_eq!(figures.deployments[0].requests_failed, 0);
}

/// Goal: an alarm on the green target group's ELB 5XX rolls the canary back
/// (§2.7) with no more than the canary's share exposed. The revision's tasks
/// hang 60 s after RUNNING (390 s): green's requests get no answer, and its
/// checks (every 10 s) sent at 390 and 400 time out at 395 and 405 (§3.2).
/// Unhealthy at 405 during the deployment, green's tasks are stopped at once
/// and drain, so green answers 503 to its share; the minute ending at 420 s
/// holds more than the threshold of 10, so traffic goes back to blue at 420 s
/// and the deployment FAILS; green is stopped and nothing more launches for
/// it. The requests hung in green are cut (502) when draining ends at 435,
/// before their 504 would come (arrival + 60 s).
#[test]
fn an_alarm_during_the_canary_rolls_back() {
    let text = blue_green(
        "code_deploy = { deployment_config = \"CodeDeployDefault.ECSCanary10Percent5Minutes\" }, rollback_alarm = { threshold = 10 }",
        "unhealthy_after = \"60s\"",
    );
    let (figures, observations) = support::run_observed(&text);
    let s = shifts(&observations);
    assert_eq!(s.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(), [(at(340), 10.0), (at(420), 0.0)]);
    let exposed = s[1].3 as f64 / s[1].2 as f64;
    assert!(exposed < 0.1 + 4.0 * (0.09 / s[1].2 as f64).sqrt(), "{exposed}");
    let states = rollout_states(&observations);
    assert_eq!(states.last(), Some(&(at(420), 1, RolloutState::Failed)));
    let launched_after: Vec<_> =
        launches_after_start(&observations).into_iter().filter(|l| l.0 > at(420) && l.1 == 1).collect();
    assert_eq!(launched_after, []);
    let minute_6 = &figures.minutes[0][6].requests;
    assert!(minute_6.failed_with_status(503) > 10, "{minute_6:?}");
    assert_eq!(figures.requests.failed_by_cause[FailureCause::TargetNotListening as usize], 0);
    assert!(figures.minutes[0][7].requests.failed_by_cause[FailureCause::DeregistrationCutOff as usize] > 0);
    // After the rollback users are served by blue alone.
    let last_minutes = &figures.minutes[0][9..];
    assert!(
        last_minutes.iter().all(|m| m.requests.failed() == 0),
        "{:?}",
        last_minutes.iter().map(|m| m.requests.failed()).collect::<Vec<_>>()
    );
}

/// Goal: the ALB's own 504s (a response slower than the idle timeout) are
/// ELB 5XX on the green target group like its 502s and 503s, so they trip the
/// rollback alarm (§2.7, §3.3). Green's revision takes 100 × 15 ms = 1.5 s a
/// request behind a 1 s idle timeout: every request the canary sends it from
/// 340 s is a 504 (about 5 a second), so the minute ending at 360 s holds far
/// more than 10 and traffic goes back to blue then; its tasks stay healthy
/// (they answer their checks), so only the 504s can fire the alarm.
#[test]
fn the_albs_504s_trip_the_rollback_alarm() {
    let text = blue_green(
        "code_deploy = { deployment_config = \"CodeDeployDefault.ECSCanary10Percent5Minutes\" }, rollback_alarm = { threshold = 10 }",
        "service_time_scale = 100.0",
    )
    .replace("value = \"10ms\"", "value = \"15ms\"")
    .replace("[load_balancer]\n", "[load_balancer]\nidle_timeout = \"1s\"\n");
    let (figures, observations) = support::run_observed(&text);
    let s = shifts(&observations);
    assert_eq!(s.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(), [(at(340), 10.0), (at(360), 0.0)]);
    assert_eq!(rollout_states(&observations).last(), Some(&(at(360), 1, RolloutState::Failed)));
    assert!(figures.requests.failed_by_cause[FailureCause::IdleTimeout as usize] > 10);
}

/// Goal: ECS's LINEAR strategy (§2.7): 25 % steps a minute apart, no bake after
/// the step reaching 100 %, then bakeTimeInMinutes (2) before blue goes.
#[test]
fn linear_shifts_in_steps_then_bakes() {
    let text = blue_green(
        "strategy = \"LINEAR\", linear_configuration = { step_percent = 25.0, step_bake_time_in_minutes = 1 }, bake_time_in_minutes = 2",
        "",
    );
    let (_, observations) = support::run_observed(&text);
    let s: Vec<(SimTime, f64)> = shifts(&observations).into_iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(s, [(at(340), 25.0), (at(400), 50.0), (at(460), 75.0), (at(520), 100.0)]);
    // Blue stops when the bake ends (640 s) and is STOPPED 35 s later.
    assert_eq!(deployment_stops(&observations), [(at(640), 0); 4]);
    assert_eq!(rollout_states(&observations).last(), Some(&(at(675), 1, RolloutState::Completed)));
}

/// Goal: CodeDeploy custom configurations (§2.7), shifted like the predefined
/// ones. TimeBasedCanary 20 % for 2 minutes: 20 % at 340 s, all at 460 s.
/// TimeBasedLinear 30 % every minute: 30, 60, 90 %, then the rest (100 %).
#[test]
fn custom_code_deploy_configurations_shift_their_own_steps() {
    let canary = blue_green(
        "code_deploy = { deployment_config = \"Canary20Percent2Minutes\", traffic_routing_config = \
         { type = \"TimeBasedCanary\", time_based_canary = { canary_percentage = 20, canary_interval = 2 } } }",
        "",
    );
    let (_, observations) = support::run_observed(&canary);
    let s: Vec<(SimTime, f64)> = shifts(&observations).into_iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(s, [(at(340), 20.0), (at(460), 100.0)]);
    let linear = blue_green(
        "code_deploy = { deployment_config = \"Linear30PercentEvery1Minute\", traffic_routing_config = \
         { type = \"TimeBasedLinear\", time_based_linear = { linear_percentage = 30, linear_interval = 1 } } }",
        "",
    );
    let (_, observations) = support::run_observed(&linear);
    let s: Vec<(SimTime, f64)> = shifts(&observations).into_iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(s, [(at(340), 30.0), (at(400), 60.0), (at(460), 90.0), (at(520), 100.0)]);
}

/// Goal: the service throttle (§2.3): tasks that keep failing before RUNNING
/// are retried after longer and longer waits (model choice: 10 s, doubling,
/// at most 15 minutes), so even a zero start-up time never spins. Worked:
/// failures at 0, 10, 30, 70, 150, 310 s (waits 10, 20, 40, 80, 160 s); the
/// next wait (320 s) ends after the run.
#[test]
fn the_service_throttle_backs_off_tasks_that_fail_to_start() {
    let text = r#"
        duration = "10m"
        [traffic]
        kind = "constant"
        rate_per_second = 1.0
        [service]
        desired_count = 1
        service_time = { distribution = "constant", value = "10ms" }
        startup_time = { distribution = "constant", value = "0s" }
        provisioning_time = "0s"
        start_failure_probability = 1.0
    "#;
    let (_, observations) = support::run_observed(text);
    let launches: Vec<SimTime> = support::launches(&observations).into_iter().map(|(t, _)| t).collect();
    assert_eq!(launches, [at(0), at(10), at(30), at(70), at(150), at(310)]);
}

/// Goal: an application that hangs (`unhealthy_after`) before it is ready
/// (`app_ready_time`) never answers: the revision is not healthy by accident.
#[test]
fn a_task_that_hangs_before_it_is_ready_never_answers() {
    let text =
        rolling(2, "", "app_ready_time = \"60s\"\nunhealthy_after = \"20s\"", "health_check_grace_period = \"10m\"");
    let (_, observations) = support::run_observed(&text);
    let states = rollout_states(&observations);
    assert_eq!(states, [(at(300), 1, RolloutState::InProgress)], "the revision never becomes healthy");
}

/// Goal: a revision's memory model reaches `MemoryUtilization` (a leak shows
/// once its tasks run): the service's 512 MiB baseline of 2048 is 25 %; the
/// revision's 1536 MiB is 75 % once the old tasks are gone.
#[test]
fn a_revision_with_more_memory_raises_memory_utilization() {
    let text = rolling(2, "", "memory_baseline_mib = 1536.0", "");
    let (figures, _) = support::run_observed(&text);
    let rows = &figures.minutes[0];
    assert_eq!(rows[3].memory_utilization.map(|m| (m * 100.0).round() / 100.0), Some(25.0));
    assert_eq!(rows[15].memory_utilization.map(|m| (m * 100.0).round() / 100.0), Some(75.0));
}

/// Goal: a blue/green deployment that supersedes one still shifting gives the
/// traffic back to blue and stops the superseded green set: the newest
/// revision's canary share is its own (no revision-2 task survives it), and
/// it completes.
#[test]
fn a_superseding_blue_green_deployment_stops_the_previous_green_set() {
    let text = blue_green("code_deploy = { deployment_config = \"CodeDeployDefault.ECSCanary10Percent5Minutes\" }", "")
        .replace("[load_balancer]", "[[service.deployments]]\nat = \"8m\"\n[load_balancer]");
    let (figures, observations) = support::run_observed(&text);
    let states = rollout_states(&observations);
    assert_eq!(states.last().map(|s| (s.1, s.2)), Some((2, RolloutState::Completed)), "{states:?}");
    let last = figures.minutes[0].last().expect("rows");
    assert_eq!(last.running_by_revision.get(1).copied().unwrap_or(0), 0, "{:?}", last.running_by_revision);
    assert_eq!(last.running_by_revision.get(2).copied(), Some(4));
}

/// Goal: the throttle rises one step per wait (a batch failing together
/// raises it once), and a task that reaches RUNNING lifts it: with half the
/// tasks failing, the service reaches its desired count in minutes. (A run of
/// single failures still backs off: 40, 80, 160 s … as ECS's throttle does.)
#[test]
fn the_throttle_rises_once_per_wait_and_lifts_when_a_task_runs() {
    let text = r#"
        duration = "20m"
        seed = 3
        [traffic]
        kind = "constant"
        rate_per_second = 5.0
        [service]
        desired_count = 12
        service_time = { distribution = "constant", value = "10ms" }
        startup_time = { distribution = "uniform", min = "20s", max = "40s" }
        start_failure_probability = 0.5
    "#;
    let (figures, _) = support::run_observed(text);
    let reached = figures.minutes[0].iter().position(|m| m.running_count == 12).expect("reaches 12 tasks");
    assert!(reached <= 12, "12 RUNNING tasks only at minute {reached}");
}
