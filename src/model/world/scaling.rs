//! Application Auto Scaling on the world: each minute, every target tracking
//! policy's alarms are evaluated on the datapoints CloudWatch has published by
//! then, and the policies' proposals are combined (aws-semantics §1.3–§1.6).
//! Part of [`World`]; the arithmetic lives in `model::autoscaling`.

use super::World;
use crate::engine::{SimDuration, SimTime};
use crate::model::autoscaling::propose_step;
use crate::model::autoscaling::{evaluate_alarm_with, propose, AlarmKind, AlarmState, Proposal};
use crate::model::config::AutoScalingConfig;
use crate::model::config::ServiceMetric;
use crate::model::ids::ServiceId;
use crate::model::observation::{Observation, Observer};

use super::cloudwatch::PeriodIntegrals;

/// One service's datapoints for one period (a minute, 20 s, or a what-if length).
#[derive(Clone, Copy, Debug)]
pub(in crate::model) struct Datapoints {
    pub cpu_utilization: Option<f64>,
    pub memory_utilization: Option<f64>,
    /// None when no request had a target chosen: the ALB publishes nothing then (§3.5).
    pub request_count: Option<f64>,
    pub request_count_per_target: Option<f64>,
    /// A worker's queue (§12.3, §12.4); None for other services.
    pub messages_visible: Option<f64>,
    pub age_of_oldest_message: Option<f64>,
    pub backlog_per_task: Option<f64>,
}

impl Datapoints {
    fn metric(&self, metric: ServiceMetric) -> Option<f64> {
        match metric {
            ServiceMetric::CpuUtilization => self.cpu_utilization,
            ServiceMetric::MemoryUtilization => self.memory_utilization,
            ServiceMetric::RequestCount => self.request_count,
            ServiceMetric::RequestCountPerTarget => self.request_count_per_target,
            ServiceMetric::ApproximateNumberOfMessagesVisible => self.messages_visible,
            ServiceMetric::ApproximateAgeOfOldestMessage => self.age_of_oldest_message,
            ServiceMetric::BacklogPerTask => self.backlog_per_task,
        }
    }
}

/// 20-second periods of history kept: CloudWatch's longest alarm (periods ×
/// evaluation periods ≤ one day, §6) plus the longest publication delay.
const HISTORY_SLOTS: usize = (86_400 + 1_800) / 20 + 3;
const SLOT_NANOS: u64 = 20_000_000_000;

impl<O: Observer> World<O> {
    /// Keeps a 20-second period's integrals for the policies to read.
    pub(super) fn record_period(&mut self, service: ServiceId, integrals: PeriodIntegrals) {
        if self.config.services[service.index()].auto_scaling.is_none() {
            return;
        }
        let history = &mut self.services[service.index()].history;
        history.push_back(integrals);
        if history.len() > HISTORY_SLOTS {
            history.pop_front();
        }
    }

    /// At a minute boundary: the scheduled actions due, then every scaling
    /// policy (§1.9 before the policies: actions ignore cooldowns).
    pub(super) fn evaluate_minute(&mut self, service: ServiceId, running: u32) {
        if self.config.services[service.index()].auto_scaling.is_none() {
            return;
        }
        self.run_scheduled_actions(service);
        self.evaluate_policies(service, running, true);
    }

    /// Between minute boundaries, the high-resolution policies ("evaluated
    /// every 20 seconds", §1.2).
    pub(super) fn evaluate_high_resolution(&mut self, service: ServiceId, running: u32) {
        let Some(scaling) = &self.config.services[service.index()].auto_scaling else { return };
        if scaling.target_tracking.iter().any(|p| p.metric.is_high_resolution()) {
            self.evaluate_policies(service, running, false);
        }
    }

    /// The evaluation range of `periods` periods ending at the newest period
    /// whose datapoint is visible now, oldest first; None where missing. A
    /// period's datapoint is built from its 20-second integrals.
    fn visible_range(
        &self,
        service: ServiceId,
        metric: ServiceMetric,
        periods: usize,
        period: SimDuration,
        high_resolution: bool,
    ) -> Vec<Option<f64>> {
        let now = self.now();
        let mut range = vec![None; periods];
        let Some(scaling) = &self.config.services[service.index()].auto_scaling else { return range };
        let delay =
            if high_resolution { scaling.high_resolution_publication_delay } else { scaling.metric_publication_delay };
        let slots_per_period = period.as_nanos() / SLOT_NANOS;
        // A period's datapoint is visible once the period has ended plus the delay (§6):
        // periods p with (p + 1) · length ≤ now − delay, i.e. p < end_period.
        let Some(end_period) = now.as_nanos().checked_sub(delay.as_nanos()).map(|t| t / period.as_nanos()) else {
            return range;
        };
        let definition = &self.config.services[service.index()].task;
        // ALB metrics exist per minute, not per 20 s (§3.5).
        let with_requests = !high_resolution;
        let mut current: Option<(u64, PeriodIntegrals)> = None;
        let place = |p: u64, sums: &PeriodIntegrals, range: &mut [Option<f64>]| {
            let age = (end_period - 1 - p) as usize;
            range[periods - 1 - age] = sums.datapoints(definition, with_requests).metric(metric);
        };
        let oldest = end_period.saturating_sub(periods as u64);
        // Newest first: slots of the same period are summed, then placed.
        for slot in self.services[service.index()].history.iter().rev() {
            let p = slot.slot / slots_per_period;
            if p >= end_period {
                continue;
            }
            if p < oldest {
                break;
            }
            match &mut current {
                Some((q, sums)) if *q == p => {
                    // `add` takes the later period's end counts; we walk backwards.
                    let later = *sums;
                    *sums = *slot;
                    sums.add(&later);
                }
                _ => {
                    if let Some((q, sums)) = current.take() {
                        place(q, &sums, &mut range);
                    }
                    current = Some((p, *slot));
                }
            }
        }
        if let Some((q, sums)) = current {
            place(q, &sums, &mut range);
        }
        range
    }

    /// Runs the policies due now: at a minute boundary all of them; between
    /// boundaries only high-resolution ones, and then only their scale-outs
    /// (model choice: scale-in, which needs every target tracking policy's
    /// agreement, is decided at minute boundaries).
    fn evaluate_policies(&mut self, service: ServiceId, running: u32, minute_boundary: bool) {
        let now = self.now();
        let Some(mut scaling) = self.config.services[service.index()].auto_scaling.clone() else { return };
        // Policies work inside the bounds as scheduled actions last set them (§1.9).
        scaling.min_capacity = self.services[service.index()].min_capacity;
        scaling.max_capacity = self.services[service.index()].max_capacity;
        let desired = self.services[service.index()].desired_count;
        let tracking = scaling.target_tracking.len();
        let mut proposals = Vec::with_capacity(tracking + scaling.step_scaling.len());
        for (i, policy) in scaling.target_tracking.iter().enumerate() {
            let high_resolution = policy.metric.is_high_resolution();
            if !minute_boundary && !high_resolution {
                proposals.push(Proposal::Hold { reason: String::new() });
                continue;
            }
            let metric = policy.metric.service_metric();
            // AlarmHigh 3 of 3 > target, AlarmLow 15 of 15 < 0.9 × target (§1.3), unless a what-if says otherwise.
            let shape = scaling.target_tracking_alarms;
            let ((high_m, high_n), (low_m, low_n)) = (shape.high, shape.low);
            let period =
                if high_resolution { scaling.metric_periods.high_resolution } else { scaling.metric_periods.standard };
            let high_range = self.visible_range(service, metric, range_for(high_n, &scaling), period, high_resolution);
            let low_range = self.visible_range(service, metric, range_for(low_n, &scaling), period, high_resolution);
            let target = policy.target_value;
            let low_threshold = target * shape.scale_in_threshold_share;
            let rule = scaling.alarm_evaluation.missing_data;
            let high = evaluate_alarm_with(&high_range, |v| v > target, high_m, high_n, rule);
            let low = evaluate_alarm_with(&low_range, |v| v < low_threshold, low_m, low_n, rule);
            self.update_alarm(
                service,
                i,
                AlarmKind::High,
                high,
                format!("{high_m} of {high_n} datapoints > {target}"),
                &high_range,
            );
            self.update_alarm(
                service,
                i,
                AlarmKind::Low,
                low,
                format!("{low_m} of {low_n} datapoints < {low_threshold:.2}"),
                &low_range,
            );
            let newest = high_range.iter().rev().flatten().next().copied();
            self.emit(Observation::PolicyEvaluated {
                at: now,
                service,
                policy: i as u32,
                metric: newest,
                alarm_high: high,
                alarm_low: Some(low),
            });
            let state = &self.services[service.index()].policies[i];
            let newest_for_alarm =
                if high == AlarmState::Alarm { newest } else { low_range.iter().rev().flatten().next().copied() };
            let low_complete = low_range[low_range.len().saturating_sub(low_n)..].iter().all(Option::is_some);
            proposals.push(propose(policy, state, &scaling, newest_for_alarm, low_complete, running, desired, now));
        }
        for (j, policy) in scaling.step_scaling.iter().enumerate() {
            let i = tracking + j;
            if !minute_boundary {
                proposals.push(Proposal::Hold { reason: String::new() });
                continue;
            }
            let a = &policy.alarm;
            let range =
                self.visible_range(service, a.metric, range_for(a.evaluation_periods, &scaling), a.period, false);
            let state = evaluate_alarm_with(
                &range,
                |v| a.comparison_operator.breaches(v, a.threshold),
                a.datapoints_to_alarm,
                a.evaluation_periods,
                scaling.alarm_evaluation.missing_data,
            );
            let rule = format!(
                "{} of {} datapoints {} {} {}",
                a.datapoints_to_alarm,
                a.evaluation_periods,
                a.metric.aws_name(),
                a.comparison_operator.symbol(),
                a.threshold
            );
            self.update_alarm(service, i, AlarmKind::Step, state, rule, &range);
            let present: Vec<f64> = range.iter().flatten().copied().collect();
            self.emit(Observation::PolicyEvaluated {
                at: now,
                service,
                policy: i as u32,
                metric: present.last().copied(),
                alarm_high: state,
                alarm_low: None,
            });
            proposals.push(if state == AlarmState::Alarm {
                // The aggregation applies to the alarm's newest datapoints (§1.8).
                let newest = &present[present.len().saturating_sub(a.evaluation_periods)..];
                let policy_state = &self.services[service.index()].policies[i];
                propose_step(policy, policy_state, &scaling, newest, running, desired, now)
            } else {
                Proposal::Hold { reason: String::new() }
            });
        }
        if !minute_boundary {
            for proposal in proposals.iter_mut().filter(|p| matches!(p, Proposal::In { .. })) {
                *proposal = Proposal::Hold { reason: String::new() };
            }
        }
        self.apply_proposals(service, &scaling, proposals, desired);
    }

    fn update_alarm(
        &mut self,
        service: ServiceId,
        index: usize,
        kind: AlarmKind,
        state: AlarmState,
        rule: String,
        range: &[Option<f64>],
    ) {
        let slot = &mut self.services[service.index()].policies[index];
        let previous = match kind {
            AlarmKind::High | AlarmKind::Step => std::mem::replace(&mut slot.alarm_high, state),
            AlarmKind::Low => std::mem::replace(&mut slot.alarm_low, state),
        };
        if previous == state {
            return;
        }
        let shown: Vec<String> = range.iter().map(|v| v.map_or_else(|| "-".into(), |v| format!("{v:.2}"))).collect();
        let reason = format!("{} → {}: {rule}? [{}]", previous.as_str(), state.as_str(), shown.join(", "));
        let at = self.now();
        self.emit(Observation::AlarmStateChanged { at, service, policy: index as u32, alarm: kind, state, reason });
    }

    /// Largest capacity wins; scale out if any policy wants to (§1.6). Target
    /// tracking scales in only if every such policy with scale-in enabled wants
    /// to; a step policy's scale-in does not wait for them (§1.6).
    fn apply_proposals(
        &mut self,
        service: ServiceId,
        scaling: &AutoScalingConfig,
        proposals: Vec<Proposal>,
        desired: u32,
    ) {
        let now = self.now();
        let tracking = scaling.target_tracking.len();
        let cooldown = |i: usize| -> SimDuration {
            match i.checked_sub(tracking) {
                None => scaling.target_tracking[i].scale_out_cooldown,
                Some(j) => scaling.step_scaling[j].cooldown,
            }
        };
        let out = proposals
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Proposal::Out { capacity, base, reason } => Some((i, *capacity, *base, reason.clone())),
                _ => None,
            })
            .max_by_key(|&(i, capacity, _, _)| (capacity, std::cmp::Reverse(i)));
        if let Some((winner, capacity, base, reason)) = out {
            let states = &mut self.services[service.index()].policies;
            states[winner].scale_out_cooldown_until = Some(now + cooldown(winner));
            states[winner].scale_out_base = base;
            // A scale-out cancels the scale-in cooldown (§1.5); model choice: every policy's.
            for state in states.iter_mut() {
                state.scale_in_cooldown_until = None;
            }
            return self.scale(service, winner, desired, capacity, reason);
        }
        let tracking_voters = scaling.target_tracking.iter().filter(|p| !p.disable_scale_in).count();
        let ins: Vec<(usize, u32, String)> = proposals
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Proposal::In { capacity, reason } => Some((i, *capacity, reason.clone())),
                _ => None,
            })
            .collect();
        let tracking_ins = ins.iter().filter(|(i, _, _)| *i < tracking).count();
        let tracking_agree = tracking_ins > 0 && tracking_ins == tracking_voters;
        let eligible: Vec<&(usize, u32, String)> =
            ins.iter().filter(|(i, _, _)| *i >= tracking || tracking_agree).collect();
        if let Some(&&(winner, capacity, ref reason)) =
            eligible.iter().max_by_key(|&&&(i, capacity, _)| (capacity, std::cmp::Reverse(i)))
        {
            if self.rollout_in_progress(service) {
                // Application Auto Scaling turns scale-in off during a deployment (§1.7).
                let reason = format!(
                    "wants scale-in to {capacity}, but scale-in is off while a deployment is in progress (§1.7)"
                );
                self.emit(Observation::ScalingSkipped { at: now, service, policy: winner as u32, reason });
                return;
            }
            let reason = reason.clone();
            for &&(i, _, _) in &eligible {
                let until = now
                    + match i.checked_sub(tracking) {
                        None => scaling.target_tracking[i].scale_in_cooldown,
                        Some(j) => scaling.step_scaling[j].cooldown,
                    };
                self.services[service.index()].policies[i].scale_in_cooldown_until = Some(until);
            }
            return self.scale(service, winner, desired, capacity, reason);
        }
        for (i, proposal) in proposals.iter().enumerate() {
            let reason = match proposal {
                Proposal::Hold { reason } if !reason.is_empty() => reason.clone(),
                Proposal::In { capacity, .. } => {
                    format!("wants scale-in to {capacity}, but not every policy with scale-in enabled agrees (§1.6)")
                }
                _ => continue,
            };
            self.emit(Observation::ScalingSkipped { at: now, service, policy: i as u32, reason });
        }
    }

    fn scale(&mut self, service: ServiceId, policy: usize, from: u32, to: u32, cause: String) {
        let at: SimTime = self.now();
        self.emit(Observation::ScalingActivity { at, service, policy: Some(policy as u32), from, to, cause });
        self.set_desired_count(service, to);
    }

    /// Scheduled actions due this minute set new bounds; desired moves into
    /// them at once, cooldowns or not (aws-semantics §1.9, §1.5). Actions run
    /// in the order the scenario lists them.
    pub(super) fn run_scheduled_actions(&mut self, service: ServiceId) {
        let now = self.now();
        let Some(scaling) = &self.config.services[service.index()].auto_scaling else { return };
        let start = scaling.start_epoch_secs;
        let due: Vec<_> = scaling.scheduled_actions.iter().filter(|a| a.schedule.fires(now, start)).cloned().collect();
        for action in due {
            let state = &mut self.services[service.index()];
            let min = action.min_capacity.unwrap_or(state.min_capacity);
            let max = action.max_capacity.unwrap_or(state.max_capacity);
            if min > max {
                let reason = format!("MinCapacity {min} would exceed MaxCapacity {max}; bounds left as they were");
                self.emit(Observation::ScheduledActionFailed { at: now, service, name: action.name.clone(), reason });
                continue;
            }
            (state.min_capacity, state.max_capacity) = (min, max);
            let desired = state.desired_count;
            self.emit(Observation::ScheduledActionRan {
                at: now,
                service,
                name: action.name.clone(),
                min_capacity: min,
                max_capacity: max,
            });
            let bounded = desired.clamp(min, max);
            if bounded != desired {
                let cause = format!("scheduled action {}: capacity bounds [{min}, {max}]", action.name);
                self.emit(Observation::ScalingActivity {
                    at: now,
                    service,
                    policy: None,
                    from: desired,
                    to: bounded,
                    cause,
                });
                self.set_desired_count(service, bounded);
            }
        }
    }
}

/// The evaluation range R of an alarm of N periods: N unless the scenario
/// chose more (§6 model choice; the guide's tables use 5 for N = 3).
fn range_for(periods: usize, scaling: &AutoScalingConfig) -> usize {
    scaling.alarm_evaluation.evaluation_range.map_or(periods, |r| r.max(periods))
}
