//! Application Auto Scaling on the world: each minute, every target tracking
//! policy's alarms are evaluated on the datapoints CloudWatch has published by
//! then, and the policies' proposals are combined (aws-semantics §1.3–§1.6).
//! Part of [`World`]; the arithmetic lives in `model::autoscaling`.

use super::World;
use crate::engine::SimTime;
use crate::model::autoscaling::{evaluate_alarm, propose, AlarmKind, AlarmState, Proposal, SCALE_IN_THRESHOLD_SHARE};
use crate::model::config::{PredefinedMetric, TargetTrackingPolicy};
use crate::model::ids::ServiceId;
use crate::model::observation::{Observation, Observer};

/// One service's datapoints for one minute.
#[derive(Clone, Copy, Debug)]
pub(in crate::model) struct Datapoints {
    pub minute: u64,
    pub cpu_utilization: Option<f64>,
    pub memory_utilization: Option<f64>,
    pub request_count_per_target: Option<f64>,
}

impl Datapoints {
    fn metric(&self, metric: PredefinedMetric) -> Option<f64> {
        match metric {
            PredefinedMetric::EcsServiceAverageCpuUtilization => self.cpu_utilization,
            PredefinedMetric::EcsServiceAverageMemoryUtilization => self.memory_utilization,
            PredefinedMetric::AlbRequestCountPerTarget => self.request_count_per_target,
        }
    }
}

/// Minutes of history kept: the longest alarm (15 periods) plus publication delays.
const HISTORY_MINUTES: usize = 120;

impl<O: Observer> World<O> {
    /// Stores the minute's datapoints and runs the service's scaling policies.
    pub(super) fn record_datapoints(&mut self, service: ServiceId, datapoints: Datapoints, running: u32) {
        if self.config.services[service.index()].auto_scaling.is_none() {
            return;
        }
        let history = &mut self.services[service.index()].datapoints;
        history.push_back(datapoints);
        if history.len() > HISTORY_MINUTES {
            history.pop_front();
        }
        self.evaluate_policies(service, running);
    }

    /// The evaluation range of `periods` minutes ending at the newest minute
    /// whose datapoint is visible now, oldest first; None where missing.
    fn visible_range(&self, service: ServiceId, metric: PredefinedMetric, periods: usize) -> Vec<Option<f64>> {
        let now = self.now();
        let Some(scaling) = &self.config.services[service.index()].auto_scaling else { return vec![] };
        // A minute's datapoint is visible once the minute has ended plus the delay (§6).
        let delay = scaling.metric_publication_delay.as_nanos();
        let visible_until = now.as_nanos().checked_sub(delay).map(|t| t / 60_000_000_000);
        let history = &self.services[service.index()].datapoints;
        let mut range = vec![None; periods];
        let Some(end_minute) = visible_until else { return range };
        // Minutes m with (m + 1) · 60 s ≤ now − delay, i.e. m < end_minute.
        for d in history.iter().rev().filter(|d| d.minute < end_minute) {
            let age = (end_minute - 1 - d.minute) as usize;
            if age >= periods {
                break;
            }
            range[periods - 1 - age] = d.metric(metric);
        }
        range
    }

    fn evaluate_policies(&mut self, service: ServiceId, running: u32) {
        let now = self.now();
        let Some(scaling) = self.config.services[service.index()].auto_scaling.clone() else { return };
        let desired = self.services[service.index()].desired_count;
        let mut proposals = Vec::with_capacity(scaling.target_tracking.len());
        for (i, policy) in scaling.target_tracking.iter().enumerate() {
            let high_range = self.visible_range(service, policy.metric, AlarmKind::High.datapoints().1);
            let low_range = self.visible_range(service, policy.metric, AlarmKind::Low.datapoints().1);
            let target = policy.target_value;
            let high = alarm(&high_range, AlarmKind::High, |v| v > target);
            let low = alarm(&low_range, AlarmKind::Low, |v| v < target * SCALE_IN_THRESHOLD_SHARE);
            self.update_alarm(service, i, policy, AlarmKind::High, high, &high_range);
            self.update_alarm(service, i, policy, AlarmKind::Low, low, &low_range);
            let newest = high_range.iter().rev().flatten().next().copied();
            self.emit(Observation::PolicyEvaluated {
                at: now,
                service,
                policy: i as u32,
                metric: newest,
                alarm_high: high,
                alarm_low: low,
            });
            let state = &self.services[service.index()].policies[i];
            let newest_for_alarm =
                if high == AlarmState::Alarm { newest } else { low_range.iter().rev().flatten().next().copied() };
            proposals.push(propose(policy, state, &scaling, newest_for_alarm, running, desired, now));
        }
        self.apply_proposals(service, &scaling.target_tracking, proposals, desired);
    }

    fn update_alarm(
        &mut self,
        service: ServiceId,
        index: usize,
        policy: &TargetTrackingPolicy,
        kind: AlarmKind,
        state: AlarmState,
        range: &[Option<f64>],
    ) {
        let slot = &mut self.services[service.index()].policies[index];
        let previous = match kind {
            AlarmKind::High => std::mem::replace(&mut slot.alarm_high, state),
            AlarmKind::Low => std::mem::replace(&mut slot.alarm_low, state),
        };
        if previous == state {
            return;
        }
        let (m, n) = kind.datapoints();
        let (comparison, threshold) = match kind {
            AlarmKind::High => (">", policy.target_value),
            AlarmKind::Low => ("<", policy.target_value * SCALE_IN_THRESHOLD_SHARE),
        };
        let shown: Vec<String> = range.iter().map(|v| v.map_or_else(|| "-".into(), |v| format!("{v:.2}"))).collect();
        let reason = format!(
            "{} → {}: {m} of {n} datapoints {comparison} {threshold:.2}? [{}]",
            previous.as_str(),
            state.as_str(),
            shown.join(", ")
        );
        let at = self.now();
        self.emit(Observation::AlarmStateChanged { at, service, policy: index as u32, alarm: kind, state, reason });
    }

    /// Largest capacity wins; scale out if any policy wants to, scale in only if
    /// every policy with scale-in enabled wants to (aws-semantics §1.6).
    fn apply_proposals(
        &mut self,
        service: ServiceId,
        policies: &[TargetTrackingPolicy],
        proposals: Vec<Proposal>,
        desired: u32,
    ) {
        let now = self.now();
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
            states[winner].scale_out_cooldown_until = Some(now + policies[winner].scale_out_cooldown);
            states[winner].scale_out_base = base;
            // A scale-out cancels the scale-in cooldown (§1.5); model choice: every policy's.
            for state in states.iter_mut() {
                state.scale_in_cooldown_until = None;
            }
            return self.scale(service, winner, desired, capacity, reason);
        }
        let voters: Vec<usize> = (0..policies.len()).filter(|&i| !policies[i].disable_scale_in).collect();
        let ins: Vec<(usize, u32, String)> = proposals
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Proposal::In { capacity, reason } => Some((i, *capacity, reason.clone())),
                _ => None,
            })
            .collect();
        if !ins.is_empty() && ins.len() == voters.len() {
            let (winner, capacity, reason) = ins
                .iter()
                .max_by_key(|&&(i, capacity, _)| (capacity, std::cmp::Reverse(i)))
                .cloned()
                .unwrap_or_default();
            for &(i, _, _) in &ins {
                self.services[service.index()].policies[i].scale_in_cooldown_until =
                    Some(now + policies[i].scale_in_cooldown);
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
        self.emit(Observation::ScalingActivity { at, service, policy: policy as u32, from, to, cause });
        self.set_desired_count(service, to);
    }
}

fn alarm(range: &[Option<f64>], kind: AlarmKind, breaches: impl Fn(f64) -> bool) -> AlarmState {
    let (m, n) = kind.datapoints();
    evaluate_alarm(range, breaches, m, n)
}
