//! Capacity providers (aws-semantics §4.3, §4.4): the strategy's split, Fargate
//! Spot's interruption notice and its droughts, on timelines worked by hand.

use crate::support;
use fleetsim::engine::{SimDuration, SimTime};
use fleetsim::model::capacity::{split, SplitShortfall, StrategyItem};
use fleetsim::model::config::{FARGATE, FARGATE_SPOT};
use fleetsim::model::{FailureCause, Observation, TargetHealth, TaskId, TaskState};
use fleetsim::observe::RunFigures;

fn at(seconds: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(seconds)
}

/// Goal: the issue's table. Base 2 on FARGATE, FARGATE 1 : FARGATE_SPOT 3 →
/// for 2, 3, 6, 10, 22 tasks: 2/0, 2/1, 3/3, 4/6, 7/15 (§4.4's model choice:
/// each task beyond the base to the largest w/W × (k + 1) − n). Worked: at 3
/// the first task beyond the base: FARGATE 1/4 × 1 − 0 = 0.25, SPOT 3/4 = 0.75
/// → SPOT. `before` (w/W × k − n) ties at k = 0 and gives it to FARGATE.
#[test]
fn base_then_weights_split_as_the_model_choice_says() {
    let strategy = [
        StrategyItem { provider: FARGATE, base: 2, weight: 1 },
        StrategyItem { provider: FARGATE_SPOT, base: 0, weight: 3 },
    ];
    let table = [(2, [2, 0]), (3, [2, 1]), (6, [3, 3]), (10, [4, 6]), (22, [7, 15])];
    for (total, expected) in table {
        assert_eq!(split(&strategy, total, SplitShortfall::After), expected, "{total} tasks");
    }
    assert_eq!(split(&strategy, 3, SplitShortfall::Before), [3, 0]);
}

const SPLIT_SERVICE: &str = r#"
    duration = "10m"
    [traffic]
    kind = "constant"
    rate_per_second = 5.0
    [service]
    desired_count = 10
    desired_count_changes = [{ at = "5m", desired_count = 6 }]
    service_time = { distribution = "constant", value = "10ms" }
    capacity_provider_strategy = [
      { capacity_provider = "FARGATE", base = 2, weight = 1 },
      { capacity_provider = "FARGATE_SPOT", weight = 3 },
    ]
"#;

/// Goal: the scheduler places tasks by the split, and scales in to the
/// smaller total's split: 10 → 4 on FARGATE, 6 on SPOT; 6 → 3 and 3.
#[test]
fn the_scheduler_launches_and_stops_by_the_split() {
    let (figures, _) = support::run_observed(SPLIT_SERVICE);
    let rows = &figures.minutes[0];
    assert_eq!(rows[3].running_by_provider, [4, 6]);
    assert_eq!(rows[9].running_by_provider, [3, 3]);
}

/// A service of one Spot task with slow requests, so some are in flight at the kill.
fn one_spot_task(service_time: &str, extra: &str, spot: &str) -> String {
    format!(
        r#"
        duration = "20m"
        [traffic]
        kind = "constant"
        rate_per_second = 0.5
        [service]
        desired_count = 1
        concurrency = 100
        cpu_contention = false
        service_time = {{ distribution = "constant", value = "{service_time}" }}
        startup_time = {{ distribution = "constant", value = "40s" }}
        capacity_provider_strategy = [{{ capacity_provider = "FARGATE_SPOT", weight = 1 }}]
        {extra}
        [fargate_spot]
        {spot}
        "#
    )
}

fn task_states(obs: &[Observation], task: TaskId) -> Vec<(SimTime, TaskState)> {
    obs.iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, task: t, to, .. } if t == task => Some((at, to)),
            _ => None,
        })
        .collect()
}

/// Goal: the interruption timeline (§4.3 model choice). A wave at 10:00 takes
/// the only Spot task:
///
/// | time  | what happens                                                        |
/// |-------|---------------------------------------------------------------------|
/// | 10:00 | notice: target draining, DEACTIVATING, SIGTERM (STOPPING) at once   |
/// | 10:30 | SIGKILL at min(stopTimeout 30 s, 120 s): requests in flight fail 502 |
/// |       | (those that arrived after 9:40, about 0.5/s × 20 s = 10, Poisson),   |
/// |       | counted as spot_interruption; the target is gone                    |
/// | 10:35 | STOPPED after DEPROVISIONING (5 s): the replacement launches now    |
#[test]
fn an_interrupted_spot_task_drains_dies_and_is_replaced_when_stopped() {
    let (figures, obs) = support::run_observed(&one_spot_task("50s", "", "waves = [{ at = \"10m\", share = 1.0 }]"));
    let states = task_states(&obs, TaskId(0));
    let stop: Vec<_> = states.iter().filter(|s| s.0 >= at(600)).copied().collect();
    assert_eq!(
        stop,
        [
            (at(600), TaskState::Deactivating),
            (at(600), TaskState::Stopping),
            (at(630), TaskState::Deprovisioning),
            (at(635), TaskState::Stopped)
        ]
    );
    let drained = obs.iter().any(|o| {
        matches!(o, Observation::TargetHealthChanged { at: t, task: TaskId(0), health: TargetHealth::Draining, .. } if *t == at(600))
    });
    assert!(drained, "the target drains at the notice");
    let launches: Vec<SimTime> = support::launches(&obs).into_iter().map(|l| l.0).collect();
    assert_eq!(launches, [at(0), at(635)]);
    let failed = figures.services[0].requests.failed_by_cause[FailureCause::SpotInterruption as usize];
    assert!((2..=22).contains(&failed), "{failed} requests in flight at the kill");
    assert_eq!(figures.services[0].tasks_interrupted, 1);
}

/// Goal: stopTimeout 120 s, the notice's length, and requests of 200 s: the
/// application cannot finish, SIGKILL comes at 12:00; with
/// `replace_at = "notice"` the replacement launches at 10:00.
#[test]
fn sigkill_waits_out_the_stop_timeout_and_replacement_can_come_at_the_notice() {
    let text = one_spot_task(
        "200s",
        "stop_timeout = \"120s\"",
        "waves = [{ at = \"10m\", share = 1.0 }]\nreplace_at = \"notice\"",
    );
    let (_, obs) = support::run_observed(&text);
    let states = task_states(&obs, TaskId(0));
    assert!(states.contains(&(at(720), TaskState::Deprovisioning)), "{states:?}");
    let launches: Vec<SimTime> = support::launches(&obs).into_iter().map(|l| l.0).collect();
    assert_eq!(launches, [at(0), at(600)]);
}

/// Goal: a drought (§4.3): no Spot task is placed for an hour and nothing
/// falls back to FARGATE. FARGATE 1 : SPOT 1, 4 tasks: 2 run on FARGATE at
/// once; the 2 Spot tasks wait unplaced until 1:00:00, then launch.
#[test]
fn a_spot_drought_leaves_the_spot_share_unplaced_without_fallback() {
    let text = r#"
        duration = "2h"
        [traffic]
        kind = "constant"
        rate_per_second = 2.0
        [service]
        desired_count = 4
        service_time = { distribution = "constant", value = "10ms" }
        capacity_provider_strategy = [
          { capacity_provider = "FARGATE", weight = 1 },
          { capacity_provider = "FARGATE_SPOT", weight = 1 },
        ]
        [fargate_spot]
        droughts = [{ start = "0s", end = "1h" }]
    "#;
    let (figures, obs) = support::run_observed(text);
    let rows = &figures.minutes[0];
    assert_eq!(rows[30].running_by_provider, [2, 0]);
    assert_eq!(rows[90].running_by_provider, [2, 2]);
    let placed: Vec<(SimTime, u32)> = obs
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, capacity_provider, from: None, .. } => Some((at, capacity_provider.0)),
            _ => None,
        })
        .collect();
    assert_eq!(placed, [(at(0), 0), (at(0), 0), (at(3600), 1), (at(3600), 1)]);
    let unplaced: Vec<(SimTime, u32)> = obs
        .iter()
        .filter_map(|o| match *o {
            Observation::UnplacedTasksChanged { at, unplaced, .. } => Some((at, unplaced)),
            _ => None,
        })
        .collect();
    assert_eq!(unplaced, [(at(0), 2), (at(3600), 0)]);
    assert!((figures.services[0].capacity_short_minutes - 60.0).abs() < 1e-9);
}

/// `desired` Fargate Spot tasks for `duration`, interruptions replayed from `csv`.
fn replayed(duration: &str, desired: u32, csv: &str) -> (RunFigures, Vec<Observation>) {
    let dir = tempfile::tempdir().expect("tempdir");
    #[allow(clippy::disallowed_methods)] // a fixture in a temporary folder
    std::fs::write(dir.path().join("spot.csv"), csv).expect("write");
    let text = format!(
        r#"
        duration = "{duration}"
        [traffic]
        kind = "constant"
        rate_per_second = 1.0
        [service]
        desired_count = {desired}
        service_time = {{ distribution = "constant", value = "10ms" }}
        capacity_provider_strategy = [{{ capacity_provider = "FARGATE_SPOT", weight = 1 }}]
        [fargate_spot]
        interruptions_file = "spot.csv"
    "#
    );
    let scenario = fleetsim::scenario::parse(&text, &dir.path().join("replay.toml")).expect("valid");
    support::run_scenario_observed(&scenario, None)
}

/// Goal: a replayed interruption file (§4.3) interrupts that many tasks at
/// each time; a Poisson rate per task-hour gives about rate × task-hours.
#[test]
fn replayed_and_random_interruptions_take_spot_tasks() {
    let (figures, obs) = replayed("20m", 4, "t_seconds,tasks\n300,2\n900,1\n");
    let notices: Vec<SimTime> = obs
        .iter()
        .filter_map(|o| match *o {
            Observation::SpotInterruptionNotice { at, .. } => Some(at),
            _ => None,
        })
        .collect();
    assert_eq!(notices, [at(300), at(300), at(900)]);
    assert_eq!(figures.services[0].tasks_interrupted, 3);

    // 20 tasks for 10 h at 0.05 per task-hour: about 10 interruptions.
    let poisson = r#"
        duration = "10h"
        [traffic]
        kind = "constant"
        rate_per_second = 1.0
        [service]
        desired_count = 20
        service_time = { distribution = "constant", value = "10ms" }
        capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1 }]
        [fargate_spot]
        interruptions_per_task_hour = 0.05
    "#;
    let interrupted = support::run(poisson).services[0].tasks_interrupted;
    // Poisson with mean ≈ 10 (a little under: replaced tasks start late): 4.5 SD ≈ 14.
    assert!((1..=25).contains(&interrupted), "{interrupted}");
}

/// Goal: scale-in while an interrupted Spot task holds its place stops no
/// healthy task (review finding): 3 Spot tasks, a wave takes one at 5:00,
/// desired 3 → 2 at 5:01. The interrupted task leaves on its own; nothing
/// else stops and nothing is launched when it has STOPPED.
#[test]
fn scale_in_counts_an_interrupted_task_as_leaving() {
    let text = r#"
        duration = "15m"
        [traffic]
        kind = "constant"
        rate_per_second = 2.0
        [service]
        desired_count = 3
        desired_count_changes = [{ at = "301s", desired_count = 2 }]
        service_time = { distribution = "constant", value = "10ms" }
        capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1 }]
        [fargate_spot]
        waves = [{ at = "5m", share = 0.2 }]
    "#;
    let (figures, obs) = support::run_observed(text);
    let launches: Vec<SimTime> = support::launches(&obs).into_iter().map(|l| l.0).collect();
    assert_eq!(launches, [at(0), at(0), at(0)]);
    assert_eq!(figures.minutes[0][12].running_by_provider, [0, 2]);
    let stops =
        obs.iter().filter(|o| matches!(o, Observation::TaskStateChanged { to: TaskState::Deactivating, .. })).count();
    assert_eq!(stops, 1, "only the interrupted task stops");
}

/// Goal: a replayed row that names more interruptions than there are RUNNING
/// Spot tasks takes them all and says it fell short, rather than pass in silence.
#[test]
fn a_replayed_row_larger_than_the_spot_fleet_is_reported() {
    let (figures, obs) = replayed("10m", 2, "t_seconds,tasks\n300,5\n");
    let short: Vec<(SimTime, u32, u32)> = obs
        .iter()
        .filter_map(|o| match *o {
            Observation::SpotReplayShort { at, asked, found, .. } => Some((at, asked, found)),
            _ => None,
        })
        .collect();
    assert_eq!(short, [(at(300), 5, 2)]);
    assert_eq!(figures.services[0].tasks_interrupted, 2);
}
