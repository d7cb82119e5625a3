//! Application Auto Scaling's target tracking as AWS runs it (aws-semantics §1,
//! §6): the two CloudWatch alarms each policy owns, their M-of-N evaluation
//! with missing data, the capacity formula and the cooldown rules. Pure
//! functions and per-policy state; the world feeds it datapoints each minute.

use super::config::{
    AdjustmentType, AutoScalingConfig, ComparisonOperator, CooldownBase, MetricAggregationType, MissingDataRule,
    StepAdjustment, StepScalingPolicy, TargetTrackingPolicy,
};
use crate::engine::SimTime;

/// A CloudWatch alarm's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

impl AlarmState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

/// Which of the two alarms target tracking creates (§1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmKind {
    /// Scale out: metric > target, 3 of 3 one-minute datapoints.
    High,
    /// Scale in: metric < 0.9 × target, 15 of 15.
    Low,
    /// The user's own alarm of a step scaling policy (§1.8).
    Step,
}

impl AlarmKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::High => "AlarmHigh",
            AlarmKind::Low => "AlarmLow",
            AlarmKind::Step => "Alarm",
        }
    }
}

/// CloudWatch's M-of-N evaluation with `treatMissingData = missing` (the exact
/// rule of aws-semantics §1.3, premature ALARM included). `range` holds the
/// evaluation range's periods, oldest first (R ≥ N of them; None = missing).
pub fn evaluate_alarm(range: &[Option<f64>], breaches: impl Fn(f64) -> bool, m: usize, n: usize) -> AlarmState {
    evaluate_alarm_with(range, breaches, m, n, MissingDataRule::Exact)
}

/// [`evaluate_alarm`] under a chosen missing-data rule (§6 model choice).
pub fn evaluate_alarm_with(
    range: &[Option<f64>],
    breaches: impl Fn(f64) -> bool,
    m: usize,
    n: usize,
    rule: MissingDataRule,
) -> AlarmState {
    if rule == MissingDataRule::LatestN {
        let latest = &range[range.len().saturating_sub(n)..];
        if latest.iter().all(Option::is_none) {
            return AlarmState::InsufficientData;
        }
        let breaching = latest.iter().flatten().filter(|&&v| breaches(v)).count();
        return if breaching >= m { AlarmState::Alarm } else { AlarmState::Ok };
    }
    let present: Vec<f64> = range.iter().flatten().copied().collect();
    if present.is_empty() {
        return AlarmState::InsufficientData; // rule 4
    }
    if present.len() >= n {
        // Rules 1 and 2: the N newest datapoints decide.
        let newest = &present[present.len() - n..];
        let breaching = newest.iter().filter(|&&v| breaches(v)).count();
        return if breaching >= m { AlarmState::Alarm } else { AlarmState::Ok };
    }
    // Rule 3: fewer than N datapoints.
    if present.iter().filter(|&&v| breaches(v)).count() >= m {
        return AlarmState::Alarm;
    }
    let none_non_breaching = present.iter().all(|&v| breaches(v));
    // Age of the oldest breaching datapoint among the N newest periods (newest is 1 old).
    let newest_periods = &range[range.len().saturating_sub(n)..];
    let oldest_breaching_age = newest_periods
        .iter()
        .enumerate()
        .find(|(_, v)| v.is_some_and(&breaches))
        .map(|(i, _)| newest_periods.len() - i);
    if none_non_breaching && oldest_breaching_age.is_some_and(|age| age >= m) {
        AlarmState::Alarm // premature ALARM
    } else {
        AlarmState::Ok
    }
}

/// What one policy wants at one evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum Proposal {
    /// Scale out to this capacity, with the base it was computed from.
    Out { capacity: u32, base: u32, reason: String },
    /// Scale in to this capacity.
    In { capacity: u32, reason: String },
    /// Nothing, and why.
    Hold { reason: String },
}

/// A policy's alarms and cooldowns.
#[derive(Clone, Debug)]
pub struct PolicyState {
    pub alarm_high: AlarmState,
    pub alarm_low: AlarmState,
    pub scale_out_cooldown_until: Option<SimTime>,
    /// The running count the cooldown's scale-out started from (§1.5 model choice).
    pub scale_out_base: u32,
    pub scale_in_cooldown_until: Option<SimTime>,
}

impl Default for PolicyState {
    fn default() -> Self {
        PolicyState {
            alarm_high: AlarmState::InsufficientData,
            alarm_low: AlarmState::InsufficientData,
            scale_out_cooldown_until: None,
            scale_out_base: 0,
            scale_in_cooldown_until: None,
        }
    }
}

/// `ceil(base × metric / target)` clamped to [min, max] (§1.4 model choice).
pub fn tracked_capacity(base: u32, metric: f64, target: f64, min: u32, max: u32) -> u32 {
    let raw = (f64::from(base) * metric / target).ceil();
    let raw = if raw.is_finite() && raw > 0.0 { raw.min(f64::from(u32::MAX)) as u32 } else { 0 };
    raw.clamp(min, max)
}

/// One policy's proposal at `now`, from its alarms and the newest datapoint;
/// `low_range_complete` says whether AlarmLow's N newest periods all had one.
#[allow(clippy::too_many_arguments)]
pub fn propose(
    policy: &TargetTrackingPolicy,
    state: &PolicyState,
    scaling: &AutoScalingConfig,
    newest: Option<f64>,
    low_range_complete: bool,
    running: u32,
    desired: u32,
    now: SimTime,
) -> Proposal {
    let (min, max) = (scaling.min_capacity, scaling.max_capacity);
    if state.alarm_high != AlarmState::Alarm && state.alarm_low != AlarmState::Alarm {
        return Proposal::Hold { reason: String::new() };
    }
    let Some(metric) = newest else {
        return Proposal::Hold { reason: "alarm in ALARM but no datapoint: no scaling on missing data (§1.3)".into() };
    };
    if state.alarm_high == AlarmState::Alarm {
        let in_cooldown = state.scale_out_cooldown_until.is_some_and(|until| now < until);
        // Inside a scale-out cooldown the capacity the last scale-out added counts
        // as current (§1.5): the base stays the initiating running count.
        let base = if in_cooldown && scaling.cooldown_base == CooldownBase::Initiating {
            state.scale_out_base
        } else {
            running
        };
        let mut capacity = tracked_capacity(base, metric, policy.target_value, min, max);
        if base == 0 {
            // From 0 running tasks: the smallest possible scale-out (§1.4).
            capacity = capacity.max(1.min(max));
        }
        // A scale-out never lowers desired (§1.4): it acts only above it.
        return if capacity > desired {
            Proposal::Out {
                capacity,
                base,
                reason: format!(
                    "AlarmHigh in ALARM: {} of {} datapoints > {}; ceil({base} × {metric:.2} / {}) = {capacity}",
                    scaling.target_tracking_alarms.high.0,
                    scaling.target_tracking_alarms.high.1,
                    policy.target_value,
                    policy.target_value
                ),
            }
        } else if desired >= max {
            Proposal::Hold { reason: format!("AlarmHigh in ALARM but at max capacity {max}") }
        } else if in_cooldown {
            Proposal::Hold {
                reason: format!(
                    "AlarmHigh in ALARM; scale-out cooldown until {} and {capacity} ≤ desired {desired}",
                    state.scale_out_cooldown_until.unwrap_or(now)
                ),
            }
        } else {
            Proposal::Hold { reason: format!("AlarmHigh in ALARM but {capacity} ≤ desired {desired}") }
        };
    }
    if state.alarm_low == AlarmState::Alarm {
        if !low_range_complete {
            // Model choice: a premature ALARM (§1.3 rule 3) never scales in, as
            // missing data never counts as low utilisation (AAS guide, §1.3).
            return Proposal::Hold { reason: "AlarmLow in ALARM on missing datapoints: no scale-in".into() };
        }
        if policy.disable_scale_in {
            return Proposal::Hold { reason: "AlarmLow in ALARM but DisableScaleIn".into() };
        }
        if let Some(until) = state.scale_in_cooldown_until.filter(|&until| now < until) {
            return Proposal::Hold { reason: format!("AlarmLow in ALARM but scale-in cooldown until {until}") };
        }
        let capacity = tracked_capacity(running, metric, policy.target_value, min, max);
        return if capacity < desired {
            Proposal::In {
                capacity,
                reason: format!(
                    "AlarmLow in ALARM: {} of {} datapoints < {:.2}; ceil({running} × {metric:.2} / {}) = {capacity}",
                    scaling.target_tracking_alarms.low.0,
                    scaling.target_tracking_alarms.low.1,
                    policy.target_value * scaling.target_tracking_alarms.scale_in_threshold_share,
                    policy.target_value
                ),
            }
        } else if desired <= min {
            Proposal::Hold { reason: format!("AlarmLow in ALARM but at min capacity {min}") }
        } else {
            Proposal::Hold { reason: format!("AlarmLow in ALARM but {capacity} ≥ desired {desired}") }
        };
    }
    Proposal::Hold { reason: String::new() }
}

/// The capacity change of a `PercentChangeInCapacity` step, rounded as AWS does
/// (§1.8): above +1 down, in (0, 1] to 1, in [−1, 0) to −1, below −1 toward
/// zero; `MinAdjustmentMagnitude` raises a smaller magnitude to it (model
/// choice: in both directions).
pub fn percent_adjustment(current: u32, percent: i64, min_adjustment_magnitude: Option<u32>) -> i64 {
    let exact = f64::from(current) * percent as f64 / 100.0;
    let rounded = if exact > 1.0 {
        exact.floor()
    } else if exact > 0.0 {
        1.0
    } else if (-1.0..0.0).contains(&exact) {
        -1.0
    } else {
        exact.trunc() // below −1: toward zero; 0 stays 0
    } as i64;
    match min_adjustment_magnitude {
        Some(magnitude) if rounded != 0 && rounded.unsigned_abs() < u64::from(magnitude) => {
            rounded.signum() * i64::from(magnitude)
        }
        _ => rounded,
    }
}

/// The step whose interval holds `offset` (metric − threshold): above the
/// threshold lower bounds are inclusive and upper exclusive; below it, the
/// reverse; a missing bound is infinite (§1.8). At offset 0 the alarm's side
/// decides: a "greater" alarm is above, a "less" alarm below.
pub fn matching_step(offset: f64, steps: &[StepAdjustment], less_than_alarm: bool) -> Option<&StepAdjustment> {
    let above = if less_than_alarm { offset > 0.0 } else { offset >= 0.0 };
    steps.iter().find(|step| {
        let lower = step.lower_bound.unwrap_or(f64::NEG_INFINITY);
        let upper = step.upper_bound.unwrap_or(f64::INFINITY);
        if above {
            lower <= offset && offset < upper
        } else {
            lower < offset && offset <= upper
        }
    })
}

/// Aggregates the alarm's datapoints as `MetricAggregationType` says (§1.8:
/// applied to the most recent datapoints, not to the raw metric).
pub fn aggregate(values: &[f64], aggregation: MetricAggregationType) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(match aggregation {
        MetricAggregationType::Average => values.iter().sum::<f64>() / values.len() as f64,
        MetricAggregationType::Minimum => values.iter().copied().fold(f64::INFINITY, f64::min),
        MetricAggregationType::Maximum => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    })
}

/// A step policy's proposal while its alarm is in ALARM. `values` are the
/// alarm's newest datapoints (present ones). The base is the running count, or
/// inside the cooldown the count the cooldown's scale-out started from (§1.5:
/// "+2, then +3 during the cooldown adds only 1").
#[allow(clippy::too_many_arguments)]
pub fn propose_step(
    policy: &StepScalingPolicy,
    state: &PolicyState,
    scaling: &AutoScalingConfig,
    values: &[f64],
    running: u32,
    desired: u32,
    now: SimTime,
) -> Proposal {
    let (min, max) = (scaling.min_capacity, scaling.max_capacity);
    let Some(metric) = aggregate(values, policy.metric_aggregation_type) else {
        return Proposal::Hold { reason: "no datapoint: no scaling on missing data (§1.3)".into() };
    };
    let offset = metric - policy.alarm.threshold;
    let less_than_alarm = matches!(
        policy.alarm.comparison_operator,
        ComparisonOperator::LessThanThreshold | ComparisonOperator::LessThanOrEqualToThreshold
    );
    let Some(step) = matching_step(offset, &policy.step_adjustments, less_than_alarm) else {
        return Proposal::Hold { reason: format!("alarm in ALARM but no step covers {metric:.2}") };
    };
    let in_cooldown = state.scale_out_cooldown_until.is_some_and(|until| now < until);
    let base =
        if in_cooldown && scaling.cooldown_base == CooldownBase::Initiating { state.scale_out_base } else { running };
    let target = match policy.adjustment_type {
        AdjustmentType::ChangeInCapacity => i64::from(base) + step.scaling_adjustment,
        AdjustmentType::PercentChangeInCapacity => {
            i64::from(base) + percent_adjustment(base, step.scaling_adjustment, policy.min_adjustment_magnitude)
        }
        AdjustmentType::ExactCapacity => step.scaling_adjustment,
    };
    let capacity = target.clamp(i64::from(min), i64::from(max)) as u32;
    let why = format!(
        "{} {:.2} {} {}: step {:+} ({}) from {base} → {capacity}",
        policy.alarm.metric.aws_name(),
        metric,
        policy.alarm.comparison_operator.symbol(),
        policy.alarm.threshold,
        step.scaling_adjustment,
        match policy.adjustment_type {
            AdjustmentType::ChangeInCapacity => "ChangeInCapacity",
            AdjustmentType::PercentChangeInCapacity => "PercentChangeInCapacity",
            AdjustmentType::ExactCapacity => "ExactCapacity",
        }
    );
    // The step's sign says which way the policy scales (ExactCapacity: the
    // alarm's side): a scale-out step never lowers desired, nor a scale-in step
    // raises it, whatever is still starting (§1.4).
    let scales_out = match policy.adjustment_type {
        AdjustmentType::ExactCapacity => !less_than_alarm,
        _ => step.scaling_adjustment > 0,
    };
    if scales_out && capacity > desired {
        Proposal::Out { capacity, base, reason: why }
    } else if !scales_out && capacity < desired {
        // Its Cooldown blocks the next scale-in; a scale-out cooldown does not (§1.5).
        if let Some(until) = state.scale_in_cooldown_until.filter(|&until| now < until) {
            return Proposal::Hold { reason: format!("{why}, but scale-in cooldown until {until}") };
        }
        Proposal::In { capacity, reason: why }
    } else {
        Proposal::Hold { reason: format!("{why}: no change to desired {desired}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(pattern: &str, m: usize, n: usize) -> AlarmState {
        // X breaching, 0 not, - missing (oldest first), as in the CloudWatch guide's table.
        let range: Vec<Option<f64>> = pattern
            .split_whitespace()
            .map(|c| match c {
                "X" => Some(1.0),
                "0" => Some(0.0),
                _ => None,
            })
            .collect();
        evaluate_alarm(&range, |v| v > 0.5, m, n)
    }

    /// Goal: the guide's rows for `treatMissingData = missing` (aws-semantics §1.3), R = 5.
    #[test]
    fn cloudwatch_guide_rows() {
        use AlarmState::*;
        assert_eq!(eval("- - X - -", 3, 3), Alarm, "premature ALARM");
        assert_eq!(eval("0 X X - X", 3, 3), Alarm);
        assert_eq!(eval("0 - - - -", 3, 3), Ok);
        assert_eq!(eval("- - - - -", 3, 3), InsufficientData);
        assert_eq!(eval("- - - X -", 3, 3), Ok, "model choice: prose says not ALARM");
        assert_eq!(eval("- - - - X", 3, 3), Ok);
        assert_eq!(eval("- - - X -", 2, 3), Alarm, "premature ALARM at 2 of 3");
        assert_eq!(eval("0 - X - -", 2, 3), Ok, "the 0 blocks the rule");
        assert_eq!(eval("- - - - 0", 2, 3), Ok);
        assert_eq!(eval("X - -", 3, 3), Alarm, "R = N: still premature ALARM");
        assert_eq!(eval("X X 0", 3, 3), Ok);
        assert_eq!(eval("X X X", 3, 3), Alarm);
    }

    /// Goal: AWS's rounding examples for PercentChangeInCapacity (aws-semantics §1.8).
    #[test]
    fn percent_adjustments_round_as_aws_does() {
        assert_eq!(percent_adjustment(11, 30, None), 3, "30 % of 11 = 3.3 → 3");
        assert_eq!(percent_adjustment(14, -10, None), -1, "−10 % of 14 = −1.4 → −1");
        assert_eq!(percent_adjustment(4, 25, Some(2)), 2, "25 % of 4 = 1, MinAdjustmentMagnitude 2 → 2");
        assert_eq!(percent_adjustment(4, 25, None), 1);
        assert_eq!(percent_adjustment(3, 10, None), 1, "0.3 → 1");
        assert_eq!(percent_adjustment(3, -10, None), -1, "−0.3 → −1");
        assert_eq!(percent_adjustment(30, -22, None), -6, "−6.6 → −6, toward zero");
        assert_eq!(percent_adjustment(4, -25, Some(2)), -2, "model choice: the minimum both ways");
        assert_eq!(percent_adjustment(0, 50, Some(2)), 0, "nothing to scale from");
    }

    /// Goal: step bounds (§1.8): above the threshold lower inclusive, upper exclusive; below, the reverse.
    #[test]
    fn steps_match_with_aws_bounds() {
        let steps = [
            StepAdjustment { lower_bound: None, upper_bound: Some(-10.0), scaling_adjustment: -2 },
            StepAdjustment { lower_bound: Some(-10.0), upper_bound: Some(0.0), scaling_adjustment: -1 },
            StepAdjustment { lower_bound: Some(0.0), upper_bound: Some(10.0), scaling_adjustment: 1 },
            StepAdjustment { lower_bound: Some(10.0), upper_bound: None, scaling_adjustment: 3 },
        ];
        let adj = |offset: f64| matching_step(offset, &steps, false).map(|s| s.scaling_adjustment);
        assert_eq!(adj(0.0), Some(1), "0 is in [0, 10)");
        assert_eq!(adj(10.0), Some(3), "10 is in [10, ∞)");
        assert_eq!(adj(-10.0), Some(-2), "below: (−∞, −10] holds −10");
        assert_eq!(adj(-5.0), Some(-1));
        assert_eq!(adj(-0.0001), Some(-1));
        let less = |offset: f64| matching_step(offset, &steps, true).map(|s| s.scaling_adjustment);
        assert_eq!(less(0.0), Some(-1), "a less-than alarm at its threshold is below it: (−10, 0]");
    }

    #[test]
    fn capacity_formula_rounds_up_and_clamps() {
        assert_eq!(tracked_capacity(4, 90.0, 60.0, 1, 20), 6);
        assert_eq!(tracked_capacity(10, 40.0, 60.0, 1, 20), 7, "scale-in removes a rounded-down 3");
        assert_eq!(tracked_capacity(10, 300.0, 60.0, 1, 20), 20);
        assert_eq!(tracked_capacity(0, 90.0, 60.0, 2, 20), 2);
    }
}
