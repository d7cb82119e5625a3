//! Application Auto Scaling as AWS and CloudWatch run it (aws-semantics
//! §1.3–§1.9, §6), on timelines worked out by hand. Common set-up: traffic is
//! a per-minute count trace, requests take exactly 100 ms with CPU contention
//! off, so a service's CPUUtilization is λ × 0.1 s × vCPU per request / tasks
//! almost exactly (within ~0.2 %: only requests straddling a minute's edge
//! move); start-up 40 s (RUNNING), first health check 30 s later; datapoints
//! published 120 s after their minute ends (the default).

use crate::support;
use fleetsim::engine::{SimDuration, SimTime};
use fleetsim::model::autoscaling::{AlarmKind, AlarmState};
use fleetsim::model::Observation;

fn at(minutes: u64, seconds: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(minutes * 60 + seconds)
}

/// (time, from, to, cause) of every scaling activity.
fn activities(obs: &[Observation]) -> Vec<(SimTime, u32, u32, String)> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::ScalingActivity { at, from, to, cause, .. } => Some((*at, *from, *to, cause.clone())),
            _ => None,
        })
        .collect()
}

fn alarm_changes(obs: &[Observation], policy: u32, kind: AlarmKind) -> Vec<(SimTime, AlarmState)> {
    obs.iter()
        .filter_map(|o| match *o {
            Observation::AlarmStateChanged { at, policy: p, alarm, state, .. } if p == policy && alarm == kind => {
                Some((at, state))
            }
            _ => None,
        })
        .collect()
}

fn skipped_reasons(obs: &[Observation], when: SimTime) -> Vec<String> {
    obs.iter()
        .filter_map(|o| match o {
            Observation::ScalingSkipped { at, reason, .. } if *at == when => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

/// A scenario whose traffic is a per-minute count trace written to a temp folder.
fn run_with_rates(rates_per_second: &[(u64, f64)], minutes: u64, service: &str) -> Vec<Observation> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut trace = String::from("t_seconds,requests\n");
    for minute in 0..minutes {
        let rate = rates_per_second.iter().rev().find(|(from, _)| *from <= minute).map_or(0.0, |r| r.1);
        trace.push_str(&format!("{},{}\n", minute * 60, (rate * 60.0).round()));
    }
    #[allow(clippy::disallowed_methods)] // a fixture in a temporary folder
    std::fs::write(dir.path().join("rates.csv"), trace).expect("write trace");
    // Top-level keys (start_time) may lead the service text; they must come before [traffic].
    let (top, service) = match service.find("[service]") {
        Some(i) => service.split_at(i),
        None => ("", service),
    };
    let text = format!(
        "duration = \"{minutes}m\"\nseed = 4\n{top}[traffic]\nkind = \"count_trace\"\nfile = \"rates.csv\"\n{service}"
    );
    let scenario = fleetsim::scenario::parse(&text, &dir.path().join("scaling.toml")).expect("valid scenario");
    support::run_scenario_observed(&scenario, None).1
}

const SERVICE_3_TASKS: &str = r#"
[service]
desired_count = 3
concurrency = 100
cpu_contention = false
vcpu_per_request = 1.0
service_time = { distribution = "constant", value = "100ms" }
startup_time = { distribution = "constant", value = "40s" }
"#;

/// Goal: (a) a load step from 30 % to 90 % CPU at a 60 % target.
///
/// | time  | what happens                                                          |
/// |-------|-----------------------------------------------------------------------|
/// | 20:00 | 9 → 27 req/s: 3 tasks at 90 % (27 × 0.1 / 3)                          |
/// | 25:00 | minute 22's datapoint is published (23:00 + 120 s): minutes 20, 21, 22 |
/// |       | all > 60 → AlarmHigh ALARM; desired = ceil(3 × ~90 / 60) = 5           |
/// | 25:40 | the two new tasks are RUNNING; 26:10 healthy, traffic splits 5 ways   |
/// | 26–28 | AlarmHigh stays in ALARM (old datapoints): held by the cooldown        |
/// | 29:00 | minute 26 (54 % = 2.7 / 5) is published: AlarmHigh OK                 |
/// | after | ≈ 54 %, right at AlarmLow's 0.9 × 60 = 54: whether AlarmLow fires or  |
/// |       | not, ceil(5 × 54 / 60) = 5 = desired, so nothing changes             |
#[test]
fn a_load_step_scales_out_after_three_datapoints_and_the_publication_delay() {
    let service = format!(
        "{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 3\nmax_capacity = 10\n\
         target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0 }}]\n"
    );
    let obs = run_with_rates(&[(0, 9.0), (20, 27.0)], 45, &service);
    let scaled = activities(&obs);
    assert_eq!(scaled.len(), 1, "{scaled:?}");
    assert_eq!((scaled[0].0, scaled[0].1, scaled[0].2), (at(25, 0), 3, 5));
    assert!(scaled[0].3.contains("3 of 3 datapoints > 60"), "{}", scaled[0].3);
    let high = alarm_changes(&obs, 0, AlarmKind::High);
    assert!(high.contains(&(at(25, 0), AlarmState::Alarm)) && high.contains(&(at(29, 0), AlarmState::Ok)), "{high:?}");
    assert!(skipped_reasons(&obs, at(27, 0)).iter().any(|r| r.contains("scale-out cooldown until 00:30:00")));
    let launches: Vec<SimTime> = support::launches(&obs).into_iter().map(|(at, _)| at).collect();
    assert_eq!(launches, [at(0, 0), at(0, 0), at(0, 0), at(25, 0), at(25, 0)]);
    let settled: Vec<f64> = obs
        .iter()
        .filter_map(|o| match *o {
            Observation::MinuteClosed { start, cpu_utilization, .. } if start >= at(27, 0) => cpu_utilization,
            _ => None,
        })
        .collect();
    let mean = settled.iter().sum::<f64>() / settled.len() as f64;
    assert!((mean - 54.0).abs() < 2.0, "settles near 54 % (below the 60 % target): {mean:.2}");
}

/// Goal: (b) scale-in waits for 15 low datapoints, then for the scale-in cooldown.
///
/// | time  | what happens                                                           |
/// |-------|------------------------------------------------------------------------|
/// | 0–20  | 5 tasks at 57 % (28.5 req/s): neither > 60 nor < 54                    |
/// | 20:00 | load falls to 30 % (15 req/s)                                          |
/// | 37:00 | minute 34 published (35:00 + 120 s): minutes 20–34, 15 of 15 < 54 →   |
/// |       | AlarmLow ALARM; desired = ceil(5 × ~30 / 60) = 3; cooldown until 42:00 |
/// | 38:00 | still ALARM, and the stale datapoint (30 % on 5 tasks) would say       |
/// |       | ceil(3 × 30 / 60) = 2: held by the scale-in cooldown until 42:00       |
/// | 42:00 | cooldown over; minute 39 still reads 30 %: the two stopped tasks drain |
/// |       | (deregistration delay 300 s, to 42:00) with their containers up and no |
/// |       | requests, so they dilute the average (model choice §6): 3 → 2          |
#[test]
fn scale_in_waits_for_fifteen_low_datapoints_and_the_cooldown() {
    let service = SERVICE_3_TASKS.replace("desired_count = 3", "desired_count = 5")
        + "[service.auto_scaling]\nmin_capacity = 2\nmax_capacity = 10\n\
           target_tracking = [{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0 }]\n";
    let obs = run_with_rates(&[(0, 28.5), (20, 15.0)], 50, &service);
    let scaled = activities(&obs);
    let scaled: Vec<(SimTime, u32, u32)> = scaled.iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled, [(at(37, 0), 5, 3), (at(42, 0), 3, 2)]);
    assert!(alarm_changes(&obs, 0, AlarmKind::Low).contains(&(at(37, 0), AlarmState::Alarm)));
    for minute in 38..42 {
        let reasons = skipped_reasons(&obs, at(minute, 0));
        assert!(reasons.iter().any(|r| r.contains("scale-in cooldown until 00:42:00")), "{minute}: {reasons:?}");
    }
}

/// Goal: (c) a larger breach inside the scale-out cooldown moves desired to the
/// larger value computed from the cooldown's base, and does not add on top
/// (aws-semantics §1.5, model choice `cooldown_base = initiating`).
///
/// | time  | what happens                                                            |
/// |-------|-------------------------------------------------------------------------|
/// | 20:00 | 3 tasks at 70 % (21 req/s)                                              |
/// | 25:00 | AlarmHigh: desired ceil(3 × 70 / 60) = ceil(3.5) = 4; cooldown 600 s → 35:00 |
/// | 26:10 | 4 healthy tasks at 52.5 %; AlarmHigh OK at 29:00                        |
/// | 27:00 | load to 36 req/s: 4 tasks at 90 %                                       |
/// | 32:00 | minutes 27–29 published, all > 60: inside the cooldown the base is still |
/// |       | 3, so desired = ceil(3 × 90 / 60) = 5 (not ceil(4 × 90 / 60) = 6)         |
#[test]
fn a_larger_breach_inside_the_scale_out_cooldown_moves_desired_to_the_larger_value() {
    let service = format!(
        "{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 3\nmax_capacity = 10\n\
         target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0, scale_out_cooldown = \"600s\" }}]\n"
    );
    let obs = run_with_rates(&[(0, 9.0), (20, 21.0), (27, 36.0)], 34, &service);
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled, [(at(25, 0), 3, 4), (at(32, 0), 4, 5)]);
    assert!(activities(&obs)[1].3.contains("ceil(3 × "), "the base is the initiating count: {}", activities(&obs)[1].3);
}

/// Goal: (d) a scale-out during a scale-in cooldown happens at once (§1.5).
/// Method: (b)'s scale-in at 37:00 with a 900 s scale-in cooldown (to 52:00);
/// load jumps at 38:00 to 36 req/s (3.6 vCPU).
///
/// | time  | what happens                                                           |
/// |-------|------------------------------------------------------------------------|
/// | 43:00 | minutes 38–40 published, all > 60 (3.6 vCPU over 3 serving + 2        |
/// |       | draining tasks = 72 %): inside the scale-in cooldown, desired =        |
/// |       | ceil(3 × 72 / 60) = 4 at once                                          |
/// | 45:00 | minute 42 (drained tasks gone: 3.6 / 3 = 120 %), inside the scale-out  |
/// |       | cooldown with base 3: ceil(3 × 120 / 60) = 6 > 4                        |
#[test]
fn a_scale_out_during_a_scale_in_cooldown_happens_at_once() {
    let service = SERVICE_3_TASKS.replace("desired_count = 3", "desired_count = 5")
        + "[service.auto_scaling]\nmin_capacity = 2\nmax_capacity = 10\n\
           target_tracking = [{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0, scale_in_cooldown = \"900s\" }]\n";
    let obs = run_with_rates(&[(0, 28.5), (20, 15.0), (38, 36.0)], 45, &service);
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled, [(at(37, 0), 5, 3), (at(43, 0), 3, 4), (at(45, 0), 4, 6)]);
}

/// Goal: (e) two policies: scale out when either breaches, scale in only when
/// both agree (§1.6). CPU (target 60) and ALBRequestCountPerTarget (target 380).
/// Requests of 100 ms at 0.3 vCPU: CPU = λ × 0.03 / tasks; per target = 60 λ / tasks.
///
/// | time   | what happens                                                          |
/// |--------|-----------------------------------------------------------------------|
/// | 0–40   | 30 req/s: CPU 30 %, 600 requests per target on 3 tasks: the request    |
/// |        | policy's AlarmHigh fires once 3 datapoints are out; desired =          |
/// |        | ceil(3 × 600 / 380) = 5: the CPU policy has no say in a scale-out     |
/// | later  | 5 tasks: CPU 18 % (< 54 for 15 min: CPU wants scale-in) but 360 per    |
/// |        | target (> 342 = 0.9 × 380): the request policy does not agree: held   |
/// | 40:00  | 6 req/s: both low; minute 54 published at 57:00 → both agree → min 2  |
#[test]
fn two_policies_scale_out_on_either_and_in_on_both() {
    let service = SERVICE_3_TASKS.replace("vcpu_per_request = 1.0", "vcpu_per_request = 0.3")
        + "[service.auto_scaling]\nmin_capacity = 2\nmax_capacity = 10\ntarget_tracking = [\n\
           { predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0 },\n\
           { predefined_metric_type = \"ALBRequestCountPerTarget\", target_value = 380.0 },\n]\n";
    let obs = run_with_rates(&[(0, 30.0), (40, 6.0)], 60, &service);
    let scaled = activities(&obs);
    assert_eq!(scaled.len(), 2, "{scaled:?}");
    let (first, second) = (&scaled[0], &scaled[1]);
    assert_eq!((first.1, first.2), (3, 5), "{first:?}");
    assert!(first.0 <= at(6, 0), "scales out as soon as 3 datapoints are out: {first:?}");
    assert_eq!((second.0, second.1, second.2), (at(57, 0), 5, 2));
    let cpu_low = alarm_changes(&obs, 0, AlarmKind::Low);
    let first_cpu_low_alarm = cpu_low.iter().find(|c| c.1 == AlarmState::Alarm).expect("CPU's AlarmLow fires").0;
    assert!(first_cpu_low_alarm < at(40, 0), "CPU wanted scale-in long before: {cpu_low:?}");
    let held = skipped_reasons(&obs, at(45, 0));
    assert!(held.iter().any(|r| r.contains("not every policy")), "{held:?}");
}

/// Goal: missing data never scales in (§1.3): with no requests the ALB
/// publishes no RequestCountPerTarget, so its alarms stay INSUFFICIENT_DATA and
/// desired never moves, for an hour.
#[test]
fn missing_data_never_scales_in() {
    let service = SERVICE_3_TASKS.to_string()
        + "[service.auto_scaling]\nmin_capacity = 1\nmax_capacity = 10\n\
           target_tracking = [{ predefined_metric_type = \"ALBRequestCountPerTarget\", target_value = 100.0 }]\n";
    let obs = run_with_rates(&[(0, 0.0)], 60, &service);
    assert!(activities(&obs).is_empty());
    assert!(alarm_changes(&obs, 0, AlarmKind::Low).is_empty(), "never leaves INSUFFICIENT_DATA");
}

/// Goal: desiredCount stays within [min, max] whatever the traffic and policies.
/// Method: 24 random cases (seeded, so reproducible): random step loads, task
/// counts, targets, cooldowns and bounds; half of them add a two-way percent
/// step policy and a scheduled action that moves the bounds. Every scaling
/// activity's result must lie within the bounds in force at that moment.
#[test]
fn desired_count_stays_within_min_and_max() {
    let mut rng = fleetsim::engine::RngStreams::new(77).stream("property");
    for case in 0..24 {
        let min = 1 + rng.below(3) as u32;
        let max = min + rng.below(8) as u32;
        let desired = min + rng.below(u64::from(max - min) + 1) as u32;
        let target = 20.0 + rng.uniform() * 70.0;
        let rates: Vec<(u64, f64)> = (0..4).map(|i| (i * 10, rng.uniform() * 60.0)).collect();
        let out_cooldown = rng.below(400);
        let in_cooldown = rng.below(400);
        let service = SERVICE_3_TASKS.replace("desired_count = 3", &format!("desired_count = {desired}"))
            + &format!(
                "[service.auto_scaling]\nmin_capacity = {min}\nmax_capacity = {max}\nmetric_publication_delay = \"{}s\"\n\
                 target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = {target}, \
                 scale_out_cooldown = \"{out_cooldown}s\", scale_in_cooldown = \"{in_cooldown}s\" }}]\n",
                rng.below(180)
            );
        // Half the cases add a two-way step policy and a scheduled action moving the bounds.
        let service = if case % 2 == 1 {
            let scheduled_min = 1 + rng.below(4) as u32;
            let scheduled_max = scheduled_min + rng.below(10) as u32;
            service
                + &format!(
                    "scheduled_actions = [{{ schedule = \"rate({} minutes)\", min_capacity = {scheduled_min}, max_capacity = {scheduled_max} }}]\n\
                     [[service.auto_scaling.step_scaling]]\nadjustment_type = \"PercentChangeInCapacity\"\n\
                     min_adjustment_magnitude = {}\ncooldown = \"{}s\"\n\
                     alarm = {{ metric_name = \"CPUUtilization\", evaluation_periods = 2, threshold = {target}, comparison_operator = \"GreaterThanThreshold\" }}\n\
                     step_adjustments = [\n\
                       {{ metric_interval_upper_bound = -20.0, scaling_adjustment = -50 }},\n\
                       {{ metric_interval_lower_bound = -20.0, metric_interval_upper_bound = 0.0, scaling_adjustment = -10 }},\n\
                       {{ metric_interval_lower_bound = 0.0, scaling_adjustment = 60 }},\n]\n",
                    5 + rng.below(20),
                    1 + rng.below(3),
                    rng.below(300)
                )
        } else {
            service
        };
        let obs = run_with_rates(&rates, 40, &service);
        let (mut low, mut high) = (min, max);
        for o in &obs {
            match *o {
                Observation::ScheduledActionRan { min_capacity, max_capacity, .. } => {
                    (low, high) = (min_capacity, max_capacity);
                    assert!(low <= high, "case {case}: bounds crossed");
                }
                Observation::ScalingActivity { to, .. } => {
                    assert!((low..=high).contains(&to), "case {case}: {to} outside [{low}, {high}]")
                }
                _ => {}
            }
        }
    }
}

/// Goal: (f) step scaling with its own alarm and AWS's cooldown rule (§1.5,
/// §1.8): "+2, then during the cooldown a +3 step fires, and only 1 more task is
/// added". Alarm: CPU > 60, 2 of 2 one-minute datapoints; steps [0, 10) → +2,
/// [10, ∞) → +3 (ChangeInCapacity); cooldown 600 s.
///
/// | time  | what happens                                                             |
/// |-------|--------------------------------------------------------------------------|
/// | 20:00 | 10 tasks at 66 % (66 req/s)                                              |
/// | 24:00 | minutes 20–21 published: ALARM, offset ~6 → +2: desired 10 → 12          |
/// |       | (cooldown to 34:00, its base 10); 24:40 RUNNING, 25:10 healthy: 55 %     |
/// | 27:00 | load to 90 req/s: 12 tasks at 75 %                                       |
/// | 31:00 | minutes 27–28 published, ALARM, offset ~15 → +3 from the cooldown's base  |
/// |       | 10 = 13: one more task, not 12 + 3 = 15                                  |
#[test]
fn step_scaling_inside_its_cooldown_adds_only_the_difference() {
    let service = SERVICE_3_TASKS.replace("desired_count = 3", "desired_count = 10")
        + "[service.auto_scaling]\nmin_capacity = 1\nmax_capacity = 30\n\
           [[service.auto_scaling.step_scaling]]\nname = \"cpu-steps\"\nadjustment_type = \"ChangeInCapacity\"\n\
           cooldown = \"600s\"\n\
           alarm = { metric_name = \"CPUUtilization\", evaluation_periods = 2, threshold = 60.0, comparison_operator = \"GreaterThanThreshold\" }\n\
           step_adjustments = [\n\
             { metric_interval_lower_bound = 0.0, metric_interval_upper_bound = 10.0, scaling_adjustment = 2 },\n\
             { metric_interval_lower_bound = 10.0, scaling_adjustment = 3 },\n]\n";
    let obs = run_with_rates(&[(0, 50.0), (20, 66.0), (27, 90.0)], 33, &service);
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled, [(at(24, 0), 10, 12), (at(31, 0), 12, 13)]);
}

/// Goal: (f) a PercentChangeInCapacity step rounds as AWS does (§1.8): 30 % of
/// 11 running tasks = 3.3 → +3. Alarm: CPU > 60, 1 of 1; one step [0, ∞) → +30 %.
/// 11 tasks at 70 % from 10:00: minute 10 published at 13:00 → 11 → 14.
#[test]
fn step_scaling_percent_change_rounds_down() {
    let service = SERVICE_3_TASKS.replace("desired_count = 3", "desired_count = 11")
        + "[service.auto_scaling]\nmin_capacity = 1\nmax_capacity = 30\n\
           [[service.auto_scaling.step_scaling]]\nadjustment_type = \"PercentChangeInCapacity\"\n\
           alarm = { metric_name = \"CPUUtilization\", evaluation_periods = 1, threshold = 60.0, comparison_operator = \"GreaterThanThreshold\" }\n\
           step_adjustments = [{ metric_interval_lower_bound = 0.0, scaling_adjustment = 30 }]\n";
    let obs = run_with_rates(&[(0, 44.0), (10, 77.0)], 14, &service);
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled, [(at(13, 0), 11, 14)]);
}

/// Goal: (g) a scheduled action raising MinCapacity above the running count
/// scales out at once, inside a cooldown (§1.9, §1.5: cooldowns apply to
/// policies only). Method: (a)'s scale-out at 25:00 starts a scale-out
/// cooldown to 30:00; `at(…00:27:00)` sets min 8: desired 5 → 8 at 27:00; the
/// policy then works inside [8, 10] (a scale-in is held "at min capacity 8").
#[test]
fn a_scheduled_action_raises_min_capacity_inside_a_cooldown() {
    let service = format!(
        "{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 3\nmax_capacity = 10\n\
         target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0 }}]\n\
         scheduled_actions = [{{ name = \"raise-floor\", schedule = \"at(2026-11-23T00:27:00)\", min_capacity = 8 }}]\n"
    );
    let obs = run_with_rates(&[(0, 9.0), (20, 27.0)], 50, &format!("start_time = \"2026-11-23T00:00:00Z\"\n{service}"));
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled, [(at(25, 0), 3, 5), (at(27, 0), 5, 8)]);
    let ran = obs.iter().any(|o| {
        matches!(o, Observation::ScheduledActionRan { at: t, min_capacity: 8, max_capacity: 10, .. } if *t == at(27, 0))
    });
    assert!(ran);
    let held: Vec<String> = (44..50).flat_map(|m| skipped_reasons(&obs, at(m, 0))).collect();
    assert!(held.iter().any(|r| r.contains("at min capacity 8")), "{held:?}");
}

/// Goal: bad scaling configuration is refused with its field path, every problem
/// listed (validate collects them all).
#[test]
fn bad_scaling_configuration_names_each_field() {
    let text = r#"
        duration = "1h"
        [traffic]
        kind = "constant"
        rate_per_second = 10.0
        [service]
        desired_count = 12
        service_time = { distribution = "constant", value = "10ms" }
        [service.auto_scaling]
        min_capacity = 2
        max_capacity = 10
        target_tracking = [
          { predefined_metric_type = "ECSServiceAverageCPUUtilization", target_value = 60.0 },
          { predefined_metric_type = "ECSServiceAverageCPUUtilization", target_value = -5.0 },
        ]
        what_if = { metric_period = "30s", high_resolution_metric_period = "40s" }
        scheduled_actions = [
          { schedule = "cron(0 8 L * ? *)", min_capacity = 4 },
          { schedule = "at(2026-11-23T08:00:00)", min_capacity = 4 },
        ]
        [[service.auto_scaling.step_scaling]]
        adjustment_type = "ChangeInCapacity"
        alarm = { metric_name = "CPUUtilization", period = "90s", evaluation_periods = 2, datapoints_to_alarm = 3, threshold = 70.0, comparison_operator = "GreaterThanThreshold" }
        step_adjustments = [
          { metric_interval_lower_bound = 0.0, metric_interval_upper_bound = 10.0, scaling_adjustment = 1 },
          { metric_interval_lower_bound = 5.0, scaling_adjustment = 3 },
        ]
    "#;
    let err = fleetsim::scenario::parse(text, std::path::Path::new("bad-scaling.toml")).expect_err("invalid");
    let lines = err.lines().join("\n");
    for expected in [
        "service.desired_count: expected within [min_capacity, max_capacity] = [2, 10]",
        "service.auto_scaling.target_tracking[1].target_value",
        "service.auto_scaling.target_tracking[1].predefined_metric_type: another policy already tracks this metric",
        "service.auto_scaling.scheduled_actions[0].schedule",
        "service.auto_scaling.scheduled_actions[1].schedule: at(…) and cron(…) name UTC wall times",
        "service.auto_scaling.step_scaling[0].alarm.datapoints_to_alarm",
        "service.auto_scaling.step_scaling[0].step_adjustments: steps must neither overlap nor leave gaps",
        "service.auto_scaling.step_scaling[0].alarm.period: expected a multiple of 60 s",
        "service.auto_scaling.what_if.metric_period: expected a multiple of 20 s up to 1 h, found 30 s",
        "service.auto_scaling.what_if.high_resolution_metric_period: no target tracking policy reads",
    ] {
        assert!(lines.contains(expected), "missing `{expected}` in:\n{lines}");
    }
}

/// Goal: what-if knobs change the alarms and are flagged as not AWS's. Method:
/// (a)'s step with AlarmHigh at 1 of 1: minute 20's datapoint, published at
/// 23:00, is enough: desired ceil(3 × ~90 / 60) = 5 at 23:00, two minutes
/// before AWS's shape would act; the summary names the what-if.
#[test]
fn what_if_alarm_shapes_act_sooner_and_are_flagged() {
    let service = format!(
        "{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 3\nmax_capacity = 10\n\
         target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0 }}]\n\
         what_if = {{ alarm_high = {{ datapoints_to_alarm = 1, evaluation_periods = 1 }} }}\n"
    );
    let obs = run_with_rates(&[(0, 9.0), (20, 27.0)], 30, &service);
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled.first(), Some(&(at(23, 0), 3, 5)));
    let text = format!("duration = \"10m\"\n[traffic]\nkind = \"constant\"\nrate_per_second = 1.0\n{service}");
    let scenario = fleetsim::scenario::parse(&text, std::path::Path::new("what-if.toml")).expect("valid");
    let notes = fleetsim::report::what_if_notes(&scenario);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("AlarmHigh 1 of 1") && notes[0].contains("what-if"), "{notes:?}");
}

/// Goal: a what-if metric period of 120 s (scope 7): AlarmHigh reads 3 of 3
/// two-minute datapoints, each built from the period's six 20-second
/// integrals and published 120 s after the period ends.
///
/// | time  | what happens                                                           |
/// |-------|------------------------------------------------------------------------|
/// | 20:00 | 9 → 27 req/s: 3 tasks go from 30 % to 90 %                              |
/// | 27:00 | visible: periods [18, 20) (30 %), [20, 22), [22, 24): not 3 of 3      |
/// | 28:00 | period [24, 26) published (26:00 + 120 s): [20, 26) all ≈ 90 → ALARM;  |
/// |       | desired = ceil(3 × ~90 / 60) = 5, three minutes after AWS's 25:00     |
#[test]
fn a_what_if_metric_period_builds_longer_datapoints_and_is_flagged() {
    let service = format!(
        "{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 3\nmax_capacity = 10\n\
         target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0 }}]\n\
         what_if = {{ metric_period = \"2m\" }}\n"
    );
    let obs = run_with_rates(&[(0, 9.0), (20, 27.0)], 32, &service);
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled.first(), Some(&(at(28, 0), 3, 5)), "{scaled:?}");
    let newest = |when: SimTime| {
        obs.iter().find_map(|o| match *o {
            Observation::PolicyEvaluated { at, metric, .. } if at == when => metric,
            _ => None,
        })
    };
    // At 20:00 the newest visible period is [16, 18): 30 %; at 28:00 it is [24, 26): 90 %.
    let before = newest(at(20, 0)).expect("a datapoint at 20:00");
    let after = newest(at(28, 0)).expect("a datapoint at 28:00");
    assert!((before - 30.0).abs() < 1.0 && (after - 90.0).abs() < 1.0, "{before} {after}");
    let text = format!("duration = \"10m\"\n[traffic]\nkind = \"constant\"\nrate_per_second = 1.0\n{service}");
    let scenario = fleetsim::scenario::parse(&text, std::path::Path::new("what-if.toml")).expect("valid");
    let notes = fleetsim::report::what_if_notes(&scenario);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("120 s datapoints") && notes[0].contains("what-if"), "{notes:?}");
}

/// Goal: a what-if period's datapoint is the exact aggregate of its 20-second
/// integrals. Method: a high-resolution policy reading 60 s periods sees, at
/// each minute boundary, bit for bit the CPUUtilization of the minute closed a
/// minute earlier (the newer one waits out its 20 s delay).
#[test]
fn a_sixty_second_high_resolution_period_equals_the_minute_datapoint() {
    let service = format!(
        "{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 3\nmax_capacity = 10\n\
         target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilizationHighResolution\", target_value = 95.0 }}]\n\
         what_if = {{ high_resolution_metric_period = \"60s\" }}\n"
    );
    let obs = run_with_rates(&[(0, 9.0), (5, 17.0), (9, 4.0)], 14, &service);
    let minutes: Vec<(SimTime, Option<f64>)> = obs
        .iter()
        .filter_map(|o| match *o {
            Observation::MinuteClosed { start, cpu_utilization, .. } => Some((start, cpu_utilization)),
            _ => None,
        })
        .collect();
    let mut compared = 0;
    for o in &obs {
        if let Observation::PolicyEvaluated { at: when, metric: Some(seen), .. } = *o {
            if when.as_nanos() % 60_000_000_000 != 0 || when < at(2, 0) {
                continue;
            }
            let minute = SimTime::from_nanos(when.as_nanos() - 120_000_000_000);
            let closed = minutes.iter().find(|m| m.0 == minute).and_then(|m| m.1).expect("minute datapoint");
            assert_eq!(seen.to_bits(), closed.to_bits(), "at {when:?}");
            compared += 1;
        }
    }
    assert_eq!(compared, 13, "every minute boundary from 02:00 to 14:00");
}

/// Goal: the `latest_n` missing-data option (§6) drops premature ALARM: with no
/// task RUNNING after its datapoints, `X - -` is OK under it but ALARM under
/// CloudWatch's exact rule.
#[test]
fn latest_n_missing_data_has_no_premature_alarm() {
    use fleetsim::model::autoscaling::evaluate_alarm_with;
    use fleetsim::model::config::MissingDataRule;
    let range = [Some(90.0), None, None];
    assert_eq!(evaluate_alarm_with(&range, |v| v > 60.0, 3, 3, MissingDataRule::Exact), AlarmState::Alarm);
    assert_eq!(evaluate_alarm_with(&range, |v| v > 60.0, 3, 3, MissingDataRule::LatestN), AlarmState::Ok);
    assert_eq!(
        evaluate_alarm_with(&[None, None, None], |v| v > 60.0, 3, 3, MissingDataRule::LatestN),
        AlarmState::InsufficientData
    );
}

/// Goal: high-resolution target tracking (§1.2, §1.3): 20-second datapoints,
/// evaluated every 20 s, scale out about 80 s after a load step (AWS's own
/// benchmark: 86 s with 20 s metrics, 363 s with 60 s ones).
///
/// | time  | what happens                                                         |
/// |-------|----------------------------------------------------------------------|
/// | 20:00 | 3 tasks go from 30 % to 90 %                                          |
/// | 21:00 | periods 20:00, 20:20, 20:40 are over, all ≈ 90                       |
/// | 21:20 | the last of them is published (20 s delay): AlarmHigh 3 of 3 → ALARM; |
/// |       | desired = ceil(3 × ~90 / 60) = 5, four minutes before (a)'s 25:00    |
#[test]
fn high_resolution_policies_act_within_a_minute_and_a_half() {
    let service = format!(
        "{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 3\nmax_capacity = 10\n\
         target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilizationHighResolution\", target_value = 60.0 }}]\n"
    );
    let obs = run_with_rates(&[(0, 9.0), (20, 27.0)], 24, &service);
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled, [(at(21, 20), 3, 5)]);
}

/// Goal: a scale-out step never lowers desired while tasks are still starting
/// (§1.4; review finding). Method: target tracking at 60 and a step "+1 above
/// 70 %" on 3 tasks at 150 % CPU, start-up 6 minutes: desired only rises for
/// the 25 minutes (scale-in would need 15 low minutes).
#[test]
fn a_scale_out_step_never_lowers_desired() {
    let service = SERVICE_3_TASKS.replace("value = \"40s\"", "value = \"6m\"")
        + "[service.auto_scaling]\nmin_capacity = 1\nmax_capacity = 20\n\
           target_tracking = [{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 60.0 }]\n\
           [[service.auto_scaling.step_scaling]]\nadjustment_type = \"ChangeInCapacity\"\ncooldown = \"120s\"\n\
           alarm = { metric_name = \"CPUUtilization\", evaluation_periods = 1, threshold = 70.0, comparison_operator = \"GreaterThanThreshold\" }\n\
           step_adjustments = [{ metric_interval_lower_bound = 0.0, scaling_adjustment = 1 }]\n";
    let obs = run_with_rates(&[(0, 45.0)], 25, &service);
    let scaled = activities(&obs);
    assert!(!scaled.is_empty());
    for (at, from, to, cause) in &scaled {
        assert!(to > from, "{at}: desired {from} → {to} ({cause})");
    }
}

/// Goal: missing data never scales in, even when CloudWatch's rule puts AlarmLow
/// in (premature) ALARM (model choice, §1.3). Method: requests per target fall
/// to a low minute and then stop: AlarmLow may go to ALARM on one datapoint
/// and fourteen missing ones, but desired stays.
#[test]
fn a_premature_alarm_low_never_scales_in() {
    let service = SERVICE_3_TASKS.replace("desired_count = 3", "desired_count = 6")
        + "[service.auto_scaling]\nmin_capacity = 1\nmax_capacity = 10\n\
           target_tracking = [{ predefined_metric_type = \"ALBRequestCountPerTarget\", target_value = 300.0 }]\n";
    let obs = run_with_rates(&[(0, 30.0), (20, 5.0), (21, 0.0)], 45, &service);
    assert!(activities(&obs).is_empty(), "{:?}", activities(&obs));
}

/// Goal: scheduled actions run at time zero and at the first minute boundary at
/// or after an `at` time; an action whose bounds would cross fails, and says so.
#[test]
fn scheduled_actions_at_time_zero_and_between_minutes() {
    let service = format!(
        "start_time = \"2026-11-23T00:00:00Z\"\n{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 1\nmax_capacity = 10\n\
         scheduled_actions = [\n\
           {{ name = \"midnight\", schedule = \"cron(0 0 * * ? *)\", min_capacity = 4 }},\n\
           {{ name = \"half-past\", schedule = \"at(2026-11-23T00:05:30)\", min_capacity = 6 }},\n\
           {{ name = \"crossing\", schedule = \"at(2026-11-23T00:08:00)\", max_capacity = 5 }},\n]\n"
    );
    let obs = run_with_rates(&[(0, 9.0)], 10, &service);
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled, [(at(0, 0), 3, 4), (at(6, 0), 4, 6)]);
    let failed = obs.iter().any(|o| matches!(o, Observation::ScheduledActionFailed { at: t, .. } if *t == at(8, 0)));
    assert!(failed, "max 5 under min 6 fails");
}

/// Goal: a scheduled action's `Timezone` (§1.9): `cron(…)` and `at(…)` read
/// New York's wall time, daylight saving followed. Method: three days from
/// Saturday 7 March 2026 00:00Z, across the change on Sunday 8 March (01:59
/// EST → 03:00 EDT); the minute of each `ScheduledActionRan`:
///
/// | action            | New York         | UTC         | minute |
/// |-------------------|------------------|-------------|--------|
/// | evening 20:00     | 6th, EST (−5 h)  | 7th 01:00Z  | 60     |
/// | morning 08:00     | 7th, EST         | 7th 13:00Z  | 780    |
/// | evening 20:00     | 7th, EST         | 8th 01:00Z  | 1500   |
/// | at 8th 03:30      | EDT (−4 h)       | 8th 07:30Z  | 1890   |
/// | morning 08:00     | 8th, EDT         | 8th 12:00Z  | 2160   |
/// | evening 20:00     | 8th, EDT         | 9th 00:00Z  | 2880   |
/// | morning 08:00     | 9th, EDT         | 9th 12:00Z  | 3600   |
#[test]
fn scheduled_actions_follow_their_time_zone_across_daylight_saving() {
    let service = format!(
        "start_time = \"2026-03-07T00:00:00Z\"\n{SERVICE_3_TASKS}[service.auto_scaling]\nmin_capacity = 1\nmax_capacity = 10\n\
         scheduled_actions = [\n\
           {{ name = \"morning\", schedule = \"cron(0 8 * * ? *)\", timezone = \"America/New_York\", min_capacity = 5, max_capacity = 10 }},\n\
           {{ name = \"evening\", schedule = \"cron(0 20 * * ? *)\", timezone = \"America/New_York\", min_capacity = 2, max_capacity = 2 }},\n\
           {{ name = \"at\", schedule = \"at(2026-03-08T03:30:00)\", timezone = \"America/New_York\", min_capacity = 1 }},\n]\n"
    );
    let obs = run_with_rates(&[(0, 0.0)], 71 * 60, &service);
    let ran: Vec<(SimTime, &str)> = obs
        .iter()
        .filter_map(|o| match o {
            Observation::ScheduledActionRan { at, name, .. } => Some((*at, name.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        ran,
        [
            (at(60, 0), "evening"),
            (at(780, 0), "morning"),
            (at(1500, 0), "evening"),
            (at(1890, 0), "at"),
            (at(2160, 0), "morning"),
            (at(2880, 0), "evening"),
            (at(3600, 0), "morning"),
        ]
    );
    // The bounds move desired: 3 → 2 in the evening, 2 → 5 in the morning, 5 → 2 again.
    let scaled: Vec<(SimTime, u32, u32)> = activities(&obs).into_iter().map(|a| (a.0, a.1, a.2)).collect();
    assert_eq!(scaled[..3], [(at(60, 0), 3, 2), (at(780, 0), 2, 5), (at(1500, 0), 5, 2)]);
}
