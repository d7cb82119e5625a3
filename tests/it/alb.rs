//! The ALB as users meet it: 503 with no registered target, fail-open to
//! unhealthy targets, deregistration-delay cut-offs and idle timeouts, each
//! checked on a small timeline worked out by hand (aws-semantics §3.2–§3.4).

use crate::support;
use fleetsim::engine::{SimDuration, SimTime};
use fleetsim::model::observation::ContainerHealth;
use fleetsim::model::{FailureCause, Observation, Outcome, TargetHealth, TaskId, TaskState};

fn secs(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}

/// Outcomes of the requests that arrived in [from, to).
fn outcomes_between(observations: &[Observation], from: f64, to: f64) -> Vec<Outcome> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::RequestFinished { arrived, outcome, .. } if arrived >= secs(from) && arrived < secs(to) => {
                Some(outcome)
            }
            _ => None,
        })
        .collect()
}

fn health_changes(observations: &[Observation]) -> Vec<(SimTime, TargetHealth)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TargetHealthChanged { at, health, .. } => Some((at, health)),
            _ => None,
        })
        .collect()
}

use support::state_changes;

fn all_are(outcomes: &[Outcome], expected: Outcome) -> bool {
    !outcomes.is_empty() && outcomes.iter().all(|&o| o == expected)
}

const ONE_TASK: &str = r#"
    duration = "5m"
    seed = 3
    [traffic]
    kind = "constant"
    rate_per_second = 10.0
    [service]
    desired_count = 1
    service_time = { distribution = "constant", value = "10ms" }
    startup_time = { distribution = "constant", value = "40s" }
    provisioning_time = "5s"
"#;

/// Goal: a new task's first minutes as the ALB sees them. Method: one task,
/// start-up 40 s, the app listens 10 s after RUNNING, checks every 30 s.
///
/// | t (s)    | target   | requests                                   |
/// |----------|----------|--------------------------------------------|
/// | 0–40     | none     | 503: no registered target                  |
/// | 40       | initial  | fail-open: routed, nothing listens → 502   |
/// | 50–70    | initial  | app listens: served (still fail-open)      |
/// | 70       | healthy  | first check passes (model choice: 1 check) |
#[test]
fn no_targets_503_then_fail_open_then_healthy() {
    let text = format!("{ONE_TASK}\napp_ready_time = \"10s\"\n");
    let (figures, obs) = support::run_observed(&text);
    assert!(all_are(&outcomes_between(&obs, 0.0, 40.0), Outcome::Failed(FailureCause::NoRegisteredTargets)));
    assert!(all_are(&outcomes_between(&obs, 40.0, 50.0), Outcome::Failed(FailureCause::TargetNotListening)));
    assert!(all_are(&outcomes_between(&obs, 50.0, 300.0), Outcome::Succeeded));
    let states = state_changes(&obs);
    assert!(states.contains(&(secs(5.0), TaskState::Activating)));
    assert!(states.contains(&(secs(40.0), TaskState::Running)));
    assert_eq!(health_changes(&obs), [(secs(40.0), TargetHealth::Initial), (secs(70.0), TargetHealth::Healthy)]);
    // The summary's figures for the same timeline: below desired for 70 s,
    // RUNNING for 260 of 300 s, alive (billable) for all 300 s.
    let s = &figures.services[0];
    assert!((s.healthy_target_minutes_below_desired - 70.0 / 60.0).abs() < 1e-9);
    assert!((s.running_tasks_mean - 260.0 / 300.0).abs() < 1e-9);
    assert!((s.task_hours - 300.0 / 3600.0).abs() < 1e-9);
    assert_eq!((s.running_tasks_min, s.running_tasks_max), (0, 1));
}

/// Goal: the model option for new targets: HealthyThresholdCount passes
/// (5 × 30 s after registration at 40 s → healthy at 190 s).
#[test]
fn new_target_can_need_the_healthy_threshold() {
    let text =
        format!("{ONE_TASK}\n[load_balancer]\nhealth_check = {{ new_target_healthy_after = \"healthy_threshold\" }}\n");
    let (_, obs) = support::run_observed(&text);
    assert_eq!(health_changes(&obs), [(secs(40.0), TargetHealth::Initial), (secs(190.0), TargetHealth::Healthy)]);
}

/// Goal: fail-open (aws-semantics §3.3): when every registered target is
/// unhealthy the ALB still routes to them, never 503. Method: the app listens
/// only 100 s after RUNNING; a 300 s grace period keeps ECS from replacing it.
///
/// | t (s)         | target                   | requests                     |
/// |---------------|--------------------------|------------------------------|
/// | 40            | initial                  | 502 (nothing listens)        |
/// | 70, 100       | checks fail → unhealthy  | still routed: 502, not 503   |
/// | 140           | unhealthy, app listens   | served: 2xx while unhealthy  |
/// | 160 … 280     | 5 passes → healthy @ 280 | served                       |
#[test]
fn unhealthy_targets_fail_open() {
    let text = format!("{ONE_TASK}\napp_ready_time = \"100s\"\nhealth_check_grace_period = \"300s\"\n");
    let (_, obs) = support::run_observed(&text);
    assert_eq!(
        health_changes(&obs),
        [
            (secs(40.0), TargetHealth::Initial),
            (secs(100.0), TargetHealth::Unhealthy),
            (secs(280.0), TargetHealth::Healthy)
        ]
    );
    assert!(all_are(&outcomes_between(&obs, 100.0, 140.0), Outcome::Failed(FailureCause::TargetNotListening)));
    assert!(all_are(&outcomes_between(&obs, 140.0, 280.0), Outcome::Succeeded), "fail-open serves");
}

/// Goal: without a grace period ECS replaces a task its target group finds
/// unhealthy, starting the replacement first (aws-semantics §2.3). Method: as
/// above with grace 0 and maximumPercent 200 (2 tasks of 1): task 0 is
/// unhealthy at 100 s and keeps running while task 1 launches at 100 s. Task
/// 1 starts no faster, so it is unhealthy at 200 s: now 2 tasks fill the
/// maximum, so the oldest unhealthy one (task 0) is stopped to make room, and
/// task 2 launches at 200 s.
#[test]
fn unhealthy_task_is_replaced() {
    let text = format!("{ONE_TASK}\napp_ready_time = \"100s\"\n");
    let (_, obs) = support::run_observed(&text);
    let launches: Vec<SimTime> = support::launches(&obs).into_iter().map(|(at, _)| at).collect();
    assert_eq!(launches, [secs(0.0), secs(100.0), secs(200.0)]);
    let deactivations: Vec<SimTime> =
        state_changes(&obs).into_iter().filter(|c| c.1 == TaskState::Deactivating).map(|c| c.0).collect();
    assert_eq!(deactivations, [secs(200.0)]);
}

/// Goal: with maximumPercent 100 there is no room for a replacement: the
/// unhealthy task is stopped first (§2.3), and its replacement launches then
/// (100 s). Unhealthy tasks go one at a time: when the replacement is
/// unhealthy in its turn (200 s), task 0 is still draining (300 s delay), so
/// nothing more stops or starts before the end.
#[test]
fn unhealthy_task_without_room_is_stopped_first() {
    let text = format!(
        "{ONE_TASK}\napp_ready_time = \"100s\"\ndeployment_configuration = {{ minimum_healthy_percent = 0, maximum_percent = 100 }}\n"
    );
    let (_, obs) = support::run_observed(&text);
    let launches: Vec<SimTime> = support::launches(&obs).into_iter().map(|(at, _)| at).collect();
    assert_eq!(launches, [secs(0.0), secs(100.0)]);
    let deactivations: Vec<SimTime> =
        state_changes(&obs).into_iter().filter(|c| c.1 == TaskState::Deactivating).map(|c| c.0).collect();
    assert_eq!(deactivations, [secs(100.0)]);
}

/// Goal: deregistration delay (aws-semantics §3.4). Method: one task up at
/// 10 s; six requests of 50 s each; desiredCount 1 → 0 at 100 s; delay 30 s.
///
/// | arrives (s) | would finish | outcome                                    |
/// |-------------|--------------|--------------------------------------------|
/// | 60, 70      | 110, 120     | 2xx: finished while draining               |
/// | 85, 95, 99  | 135, 145, 149| 502 at 130: cut when the delay ends        |
/// | 105         | —            | 503: only a draining target                |
///
/// Then SIGTERM at 130; the app finishes its last request at 149 and exits
/// (before the 30 s stopTimeout); DEPROVISIONING 5 s; STOPPED at 154.
#[test]
fn deregistration_delay_cuts_requests_in_flight() {
    let text = r#"
        duration = "5m"
        [traffic]
        kind = "request_trace"
        file = "drain_requests.csv"
        service_time_column = "service_time_s"
        [service]
        desired_count = 1
        desired_count_changes = [{ at = "100s", desired_count = 0 }]
        concurrency = 10
        cpu_contention = false
        service_time = { distribution = "trace" }
        startup_time = { distribution = "constant", value = "10s" }
        provisioning_time = "0s"
        [load_balancer]
        deregistration_delay = "30s"
    "#;
    let (figures, obs) = support::run_observed(text);
    let finished: Vec<(SimTime, SimTime, Outcome)> = obs
        .iter()
        .filter_map(|o| match *o {
            Observation::RequestFinished { at, arrived, outcome, .. } => Some((arrived, at, outcome)),
            _ => None,
        })
        .collect();
    let cut = Outcome::Failed(FailureCause::DeregistrationCutOff);
    let expected = [
        (secs(105.0), secs(105.0), Outcome::Failed(FailureCause::NoRegisteredTargets)),
        (secs(60.0), secs(110.0), Outcome::Succeeded),
        (secs(70.0), secs(120.0), Outcome::Succeeded),
        (secs(85.0), secs(130.0), cut),
        (secs(95.0), secs(130.0), cut),
        (secs(99.0), secs(130.0), cut),
    ];
    assert_eq!(finished, expected);
    let states = state_changes(&obs);
    for expected in [
        (secs(100.0), TaskState::Deactivating),
        (secs(130.0), TaskState::Stopping),
        (secs(149.0), TaskState::Deprovisioning),
        (secs(154.0), TaskState::Stopped),
    ] {
        assert!(states.contains(&expected), "missing {expected:?} in {states:?}");
    }
    assert_eq!(figures.requests.failed_with_status(502), 3);
    assert_eq!(figures.requests.failed_with_status(503), 1);
}

/// Goal: 504 when a response takes longer than the idle timeout (aws-semantics
/// §3.3). Method: 30 s requests, idle timeout 20 s: every request fails 504,
/// reported at arrival + 20 s; none succeeds.
#[test]
fn slow_responses_time_out_with_504() {
    let text = r#"
        duration = "3m"
        [traffic]
        kind = "constant"
        rate_per_second = 1.0
        [service]
        desired_count = 1
        concurrency = 1000
        cpu_contention = false
        service_time = { distribution = "constant", value = "30s" }
        startup_time = { distribution = "constant", value = "0s" }
        provisioning_time = "0s"
        [load_balancer]
        idle_timeout = "20s"
    "#;
    let (figures, obs) = support::run_observed(text);
    assert_eq!(figures.requests.succeeded, 0);
    assert_eq!(figures.requests.failed_with_status(504), figures.requests.total);
    for o in &obs {
        if let Observation::RequestFinished { at, arrived, .. } = *o {
            assert_eq!(at - arrived, SimDuration::from_secs(20));
        }
    }
}

/// Goal: slow start is checked as ELB does (§3.1, §3.4): 30–900 s or 0, and
/// never with least outstanding requests; a run with it serves everything.
#[test]
fn slow_start_settings() {
    let text = |algorithm: &str, slow: &str| {
        format!(
            "duration = \"20m\"\n[traffic]\nkind = \"constant\"\nrate_per_second = 50.0\n[service]\ndesired_count = 2\n\
             desired_count_changes = [{{ at = \"10m\", desired_count = 3 }}]\n\
             service_time = {{ distribution = \"exponential\", mean = \"20ms\" }}\n\
             [load_balancer]\nalgorithm = \"{algorithm}\"\nslow_start_duration = \"{slow}\"\n"
        )
    };
    let invalid = |t: String| fleetsim::scenario::parse(&t, std::path::Path::new("slow.toml")).expect_err("invalid");
    assert!(invalid(text("least_outstanding_requests", "60s")).to_string().contains("least_outstanding_requests"));
    assert!(invalid(text("round_robin", "10s")).to_string().contains("load_balancer.slow_start_duration"));
    // The only failures are the 503s before the first task registers.
    let figures = support::run(&text("round_robin", "120s"));
    assert_eq!(figures.requests.failed(), figures.requests.failed_with_status(503));
    assert_eq!(figures.minutes[0][1..].iter().map(|r| r.requests.failed()).sum::<u64>(), 0);
}

/// Goal: `warm_start`: a service that was running before the run began has
/// its tasks RUNNING and healthy at time zero, so the first minute has no
/// cold-start failures; without it the first 40 s answer 503.
#[test]
fn a_warm_start_serves_from_time_zero() {
    let cold = support::run(ONE_TASK);
    assert!(cold.requests.failed_with_status(503) > 300, "{:?}", cold.requests);
    let warm = support::run(&format!("{ONE_TASK}\nwarm_start = true\n"));
    assert_eq!(warm.requests.failed(), 0, "{:?}", warm.requests);
    assert_eq!(warm.minutes[0][0].healthy_count, 1);
}

/// (arrived, finished at, outcome) of every request that arrived in [from, to).
fn requests_between(observations: &[Observation], from: f64, to: f64) -> Vec<(SimTime, SimTime, Outcome)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::RequestFinished { arrived, at, outcome, .. }
                if arrived >= secs(from) && arrived < secs(to) =>
            {
                Some((arrived, at, outcome))
            }
            _ => None,
        })
        .collect()
}

/// (time, new state) of one task's state changes.
fn task_states(observations: &[Observation], task: TaskId) -> Vec<(SimTime, TaskState)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, task: t, to, .. } if t == task => Some((at, to)),
            _ => None,
        })
        .collect()
}

fn task_health(observations: &[Observation], task: TaskId) -> Vec<(SimTime, TargetHealth)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TargetHealthChanged { at, task: t, health, .. } if t == task => Some((at, health)),
            _ => None,
        })
        .collect()
}

/// Goal: a hung application (`unhealthy_after`) as the ALB meets it
/// (aws-semantics §3.2, §3.3; §2.6, §2.5): its socket stays open, so requests
/// are accepted and never answered (504 one idle timeout, 60 s, after they
/// arrive), and target-group checks time out instead of failing at once.
/// QA's case: one task, both checks, grace 120 s, RUNNING at 30 s.
///
/// | t (s)  | target group (every 10 s, timeout 5 s, 2 fails) | container (10 s apart, timeout 2 s, 2 retries) |
/// |--------|--------------------------------------------------|------------------------------------------------|
/// | 30     | task 0 RUNNING, `initial` (fail-open: served)     |                                                |
/// | 40     | passes: healthy                                  | passes: HEALTHY                                |
/// | 90     | app hangs (RUNNING + 60); check sent, no answer  | check starts, no answer                        |
/// | 92     |                                                  | fails at its timeout (1)                       |
/// | 95     | fails at its timeout (1); next sent at 100       |                                                |
/// | 104    |                                                  | fails (2): UNHEALTHY (as before)               |
/// | 105    | fails (2): unhealthy; fail-open still routes here |                                               |
/// | 152    |                                                  | the check of 150 fails past the grace (150): task 1 launched |
/// | 182    | task 1 RUNNING, `initial`                        |                                                |
/// | 192    | task 1 healthy: task 0 drains (300 s)            |                                                |
/// | 492    | delay over, nothing left to cut; SIGTERM, which a hung app does not answer |                      |
/// | 522    | SIGKILL at stop_timeout (30 s): DEPROVISIONING; STOPPED at 527 |                                  |
///
/// Requests arriving at a in [90, 182) (task 0 is the only target) get 504
/// at a + 60; none gets a 502 at once. (Before: unhealthy at 100, and 502
/// `target_not_listening` at once.)
#[test]
fn a_hung_application_answers_504_at_the_idle_timeout_and_its_checks_time_out() {
    let text = r#"
        duration = "10m"
        seed = 3
        [traffic]
        kind = "constant"
        rate_per_second = 10.0
        [service]
        desired_count = 1
        service_time = { distribution = "constant", value = "10ms" }
        startup_time = { distribution = "constant", value = "30s" }
        unhealthy_after = "60s"
        container_health_check = { interval = "10s", timeout = "2s", retries = 2 }
        health_check_grace_period = "120s"
        [load_balancer]
        health_check = { interval = "10s", timeout = "5s" }
    "#;
    let (_, obs) = support::run_observed(text);
    assert_eq!(
        task_health(&obs, TaskId(0))[..3],
        [
            (secs(30.0), TargetHealth::Initial),
            (secs(40.0), TargetHealth::Healthy),
            (secs(105.0), TargetHealth::Unhealthy)
        ]
    );
    let container: Vec<(SimTime, ContainerHealth)> = obs
        .iter()
        .filter_map(|o| match *o {
            Observation::ContainerHealthChanged { at, task: TaskId(0), health, .. } => Some((at, health)),
            _ => None,
        })
        .collect();
    assert_eq!(container, [(secs(40.0), ContainerHealth::Healthy), (secs(104.0), ContainerHealth::Unhealthy)]);
    let launches: Vec<SimTime> = support::launches(&obs).into_iter().map(|(at, _)| at).collect();
    assert_eq!(launches[..2], [secs(0.0), secs(152.0)]);
    assert!(requests_between(&obs, 30.0, 90.0).iter().all(|r| r.2 == Outcome::Succeeded));
    // Task 0 is the only target until 182: every request from the hang on
    // is a 504 exactly one idle timeout after it arrived, the first included.
    let hung = requests_between(&obs, 90.0, 182.0);
    assert!(hung.len() > 800, "about 92 s at 10 req/s: {}", hung.len());
    for &(arrived, at, outcome) in &hung {
        assert_eq!((at, outcome), (arrived + SimDuration::from_secs(60), Outcome::Failed(FailureCause::IdleTimeout)));
    }
    let not_listening = obs.iter().any(|o| {
        matches!(o, Observation::RequestFinished { outcome: Outcome::Failed(FailureCause::TargetNotListening), .. })
    });
    assert!(!not_listening, "a hung task's socket accepts: no 502 at once");
    assert_eq!(
        task_states(&obs, TaskId(0))[4..],
        [
            (secs(192.0), TaskState::Deactivating),
            (secs(492.0), TaskState::Stopping),
            (secs(522.0), TaskState::Deprovisioning),
            (secs(527.0), TaskState::Stopped),
        ]
    );
}

/// Goal: requests a task holds when its application hangs never finish
/// either: in service or queued, each gets its 504 one idle timeout (60 s)
/// after it arrived, as do those sent to it after. Method: one task up at
/// 10 s, concurrency 2, six requests of 50 s, the app hangs at 90 s; checks
/// every 30 s (timeout 5 s, 2 fails).
///
/// | arrives (s) | at the hang (90) | would have finished | outcome        |
/// |-------------|------------------|---------------------|----------------|
/// | 60, 70      | in service       | 110, 120            | 504 at 120, 130 |
/// | 85          | queued           | 160                 | 504 at 145     |
/// | 95, 99, 105 | sent after       | —                   | 504 at 155, 159, 165 |
///
/// Checks: 40, 70 pass; those sent at 100 and 130 time out at 105 and 135:
/// unhealthy at 135, task 1 launched then, RUNNING at 145, healthy at 175;
/// task 0 drains until 205 (nothing left), ignores SIGTERM, SIGKILL at 235,
/// STOPPED at 240.
#[test]
fn requests_held_when_the_application_hangs_get_504_at_their_idle_timeout() {
    let text = r#"
        duration = "5m"
        [traffic]
        kind = "request_trace"
        file = "drain_requests.csv"
        service_time_column = "service_time_s"
        [service]
        desired_count = 1
        concurrency = 2
        cpu_contention = false
        service_time = { distribution = "trace" }
        startup_time = { distribution = "constant", value = "10s" }
        provisioning_time = "0s"
        unhealthy_after = "80s"
        [load_balancer]
        deregistration_delay = "30s"
    "#;
    let (figures, obs) = support::run_observed(text);
    let timed_out = Outcome::Failed(FailureCause::IdleTimeout);
    assert_eq!(
        requests_between(&obs, 0.0, 300.0),
        [
            (secs(60.0), secs(120.0), timed_out),
            (secs(70.0), secs(130.0), timed_out),
            (secs(85.0), secs(145.0), timed_out),
            (secs(95.0), secs(155.0), timed_out),
            (secs(99.0), secs(159.0), timed_out),
            (secs(105.0), secs(165.0), timed_out),
        ]
    );
    assert_eq!(figures.requests.failed_with_status(504), 6);
    assert_eq!(task_health(&obs, TaskId(0))[2], (secs(135.0), TargetHealth::Unhealthy));
    assert_eq!(
        task_states(&obs, TaskId(0))[4..],
        [
            (secs(175.0), TaskState::Deactivating),
            (secs(205.0), TaskState::Stopping),
            (secs(235.0), TaskState::Deprovisioning),
            (secs(240.0), TaskState::Stopped),
        ]
    );
}

/// Goal: 502 at once stays for a connection nothing accepts (§3.3). An app
/// that hangs (RUNNING + 5 s) before it opens its socket (RUNNING + 10 s)
/// never listens: requests from RUNNING (40 s) fail 502 as they arrive, and
/// its checks (every 30 s) fail at once, not at their timeout: unhealthy at
/// 100 (70, 100), not 105.
#[test]
fn an_application_that_hangs_before_it_listens_refuses_at_once() {
    let text = format!("{ONE_TASK}\napp_ready_time = \"10s\"\nunhealthy_after = \"5s\"\n");
    let (_, obs) = support::run_observed(&text);
    assert_eq!(
        task_health(&obs, TaskId(0))[..2],
        [(secs(40.0), TargetHealth::Initial), (secs(100.0), TargetHealth::Unhealthy)]
    );
    let refused = requests_between(&obs, 40.0, 100.0);
    assert!(!refused.is_empty());
    for &(arrived, at, outcome) in &refused {
        assert_eq!((at, outcome), (arrived, Outcome::Failed(FailureCause::TargetNotListening)));
    }
}
