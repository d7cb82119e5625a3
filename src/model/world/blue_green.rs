//! Blue/green deployments with traffic shifting (aws-semantics §2.7): the
//! green task set scales to 100 % of desired in the service's second target
//! group, production traffic moves to it in the strategy's steps (CodeDeploy's
//! canary and linear configurations, ECS's BLUE_GREEN, LINEAR, CANARY), both
//! sets run for the bake time, then blue goes. An alarm on green's ELB 5XX
//! count, or the circuit breaker, sends traffic back to blue. Part of [`World`].

use super::World;
use crate::model::event::Event;
use crate::model::ids::{ServiceId, TargetGroupId};
use crate::model::observation::{Observation, Observer, RolloutState, StopReason};

/// Production traffic split between a blue/green pair of target groups.
#[derive(Clone, Copy, Debug)]
pub(super) struct TrafficSplit {
    pub blue: TargetGroupId,
    pub green: TargetGroupId,
    /// The share of requests green gets, 0–1.
    pub green_share: f64,
}

/// A blue/green deployment's progress.
#[derive(Clone, Debug)]
pub(super) struct Shift {
    pub old_revision: u32,
    pub blue: TargetGroupId,
    pub green: TargetGroupId,
    /// The traffic step in effect; None while the green set scales up.
    pub step: Option<usize>,
    /// The bake time is over: blue is being stopped.
    pub cleaning: bool,
    /// The rollback alarm: consecutive breaching minutes, and green's ELB 5XX
    /// count in the current minute.
    pub alarm_minutes: u32,
    pub green_5xx_this_minute: u64,
    /// Requests routed during the deployment, and those sent to green.
    pub routed: u64,
    pub routed_green: u64,
}

impl<O: Observer> World<O> {
    /// A blue/green deployment opens: green is the service's other target group.
    pub(super) fn new_shift(&self, service: ServiceId, old_revision: u32) -> Shift {
        let config = &self.config.services[service.index()];
        let blue = self.services[service.index()].production_group;
        let green = if blue == config.target_group { config.alternate_target_group } else { config.target_group };
        Shift {
            old_revision,
            blue,
            green,
            step: None,
            cleaning: false,
            alarm_minutes: 0,
            green_5xx_this_minute: 0,
            routed: 0,
            routed_green: 0,
        }
    }

    /// Keeps both sets at the desired count (a task set's count is
    /// ⌈desired × 100 %⌉, §2.7) until the bake time ends; starts shifting
    /// once every green task is healthy; completes once blue has STOPPED.
    pub(super) fn blue_green_step(&mut self, service: ServiceId) {
        let Some(rollout) = self.services[service.index()].rollout.clone() else { return };
        let Some(shift) = rollout.shift.clone() else { return };
        let desired = self.services[service.index()].desired_count;
        let tasks = self.services[service.index()].tasks.clone();
        if shift.cleaning {
            // Green serves alone now: keep it at the desired count.
            let green = tasks
                .iter()
                .filter(|t| {
                    let task = &self.tasks[t.index()];
                    task.revision == rollout.revision && task.is_active() && task.awaiting_replacement.is_none()
                })
                .count() as u32;
            self.launch_revision(service, rollout.revision, Some(shift.green), desired.saturating_sub(green));
            if tasks.iter().all(|t| self.tasks[t.index()].revision == rollout.revision) {
                self.complete_rollout(service, "traffic on the new revision; the original task set terminated".into());
            }
            return;
        }
        for (revision, group) in [(rollout.revision, shift.green), (shift.old_revision, shift.blue)] {
            let active = tasks
                .iter()
                .filter(|t| {
                    let task = &self.tasks[t.index()];
                    task.revision == revision && task.is_active() && task.awaiting_replacement.is_none()
                })
                .count() as u32;
            self.launch_revision(service, revision, Some(group), desired.saturating_sub(active));
        }
        let green_healthy =
            tasks.iter().filter(|&&t| self.tasks[t.index()].revision == rollout.revision && self.is_healthy(t)).count()
                as u32;
        if shift.step.is_none() && green_healthy >= desired {
            self.set_shift_step(service, 0);
        }
    }

    /// Traffic moves to the step's share, and the next step (or the bake
    /// time's end) goes on the calendar.
    fn set_shift_step(&mut self, service: ServiceId, step: usize) {
        let now = self.now();
        let Some(settings) = self.config.services[service.index()].deployment_configuration.traffic_shifting.clone()
        else {
            return;
        };
        let Some(rollout) = self.services[service.index()].rollout.as_mut() else { return };
        let Some(shift) = rollout.shift.as_mut() else { return };
        shift.step = Some(step);
        let (percent, hold) = settings.steps[step];
        let (ordinal, blue, green, routed, routed_green) =
            (rollout.ordinal, shift.blue, shift.green, shift.routed, shift.routed_green);
        self.services[service.index()].traffic_split = Some(TrafficSplit { blue, green, green_share: percent / 100.0 });
        self.emit(Observation::TrafficShifted {
            at: now,
            service,
            ordinal,
            green_percent: percent,
            requests_routed: routed,
            requests_to_green: routed_green,
        });
        if step + 1 < settings.steps.len() {
            let next = Event::TrafficShiftStep { service, ordinal, step: step as u32 + 1 };
            self.queue.schedule(now + hold, next);
        } else {
            self.queue.schedule(now + settings.bake_time, Event::BakeTimeEnds { service, ordinal });
        }
    }

    fn current_shift_ordinal(&self, service: ServiceId) -> Option<u32> {
        let rollout = self.services[service.index()].rollout.as_ref()?;
        rollout.shift.as_ref().filter(|s| !s.cleaning).map(|_| rollout.ordinal)
    }

    pub(super) fn traffic_shift_step(&mut self, service: ServiceId, ordinal: u32, step: u32) {
        if self.current_shift_ordinal(service) == Some(ordinal) {
            self.set_shift_step(service, step as usize);
        }
    }

    /// The bake time is over: green takes production traffic alone and the
    /// original task set is terminated (§2.7 CLEAN_UP).
    pub(super) fn bake_time_ends(&mut self, service: ServiceId, ordinal: u32) {
        if self.current_shift_ordinal(service) != Some(ordinal) {
            return;
        }
        let Some(shift) = self.services[service.index()].rollout.as_mut().and_then(|r| r.shift.as_mut()) else {
            return;
        };
        shift.cleaning = true;
        let green = shift.green;
        let state = &mut self.services[service.index()];
        state.production_group = green;
        state.traffic_split = None;
        let revision = state.revision;
        let blue: Vec<_> = state.tasks.iter().copied().filter(|t| self.tasks[t.index()].revision != revision).collect();
        for task in blue {
            self.stop_task(task, StopReason::Deployment);
        }
        self.blue_green_step(service);
    }

    /// Routes one request of a split listener: green with its share (seeded).
    pub(super) fn shift_route(&mut self, service: ServiceId, split: TrafficSplit) -> TargetGroupId {
        let to_green = split.green_share >= 1.0 || self.traffic_shift.uniform() < split.green_share;
        if let Some(shift) = self.services[service.index()].rollout.as_mut().and_then(|r| r.shift.as_mut()) {
            shift.routed += 1;
            shift.routed_green += u64::from(to_green);
        }
        if to_green {
            split.green
        } else {
            split.blue
        }
    }

    /// A request failed at the ELB in `group`: green's 5XX count for the alarm.
    pub(super) fn count_new_group_failure(&mut self, service: ServiceId, group: TargetGroupId) {
        if let Some(shift) = self.services[service.index()].rollout.as_mut().and_then(|r| r.shift.as_mut()) {
            if group == shift.green {
                shift.green_5xx_this_minute += 1;
            }
        }
    }

    /// The rollback alarm's minute: green's ELB 5XX count against its threshold.
    pub(super) fn blue_green_minute(&mut self) {
        for s in 0..self.services.len() {
            let service = ServiceId(s as u32);
            let Some(alarm) = self.config.services[s]
                .deployment_configuration
                .traffic_shifting
                .as_ref()
                .and_then(|t| t.rollback_alarm)
            else {
                continue;
            };
            let Some(shift) = self.services[s].rollout.as_mut().and_then(|r| r.shift.as_mut()) else { continue };
            let count = std::mem::take(&mut shift.green_5xx_this_minute);
            if shift.step.is_none() || shift.cleaning {
                continue;
            }
            shift.alarm_minutes = if count >= alarm.threshold { shift.alarm_minutes + 1 } else { 0 };
            if shift.alarm_minutes >= alarm.evaluation_periods {
                let reason = format!(
                    "the rollback alarm fired: {count} ELB 5XX on the new target group in the minute (threshold {}, {} minutes)",
                    alarm.threshold, alarm.evaluation_periods
                );
                self.roll_back_shift(service, reason);
            }
        }
    }

    /// Traffic goes back to blue, the deployment FAILS and green is stopped.
    pub(super) fn roll_back_shift(&mut self, service: ServiceId, reason: String) {
        let at = self.now();
        let Some(rollout) = self.services[service.index()].rollout.take() else { return };
        let Some(shift) = rollout.shift else { return };
        let state = &mut self.services[service.index()];
        state.traffic_split = None;
        state.production_group = shift.blue;
        state.launch_group = shift.blue;
        state.revision = shift.old_revision;
        self.emit(Observation::TrafficShifted {
            at,
            service,
            ordinal: rollout.ordinal,
            green_percent: 0.0,
            requests_routed: shift.routed,
            requests_to_green: shift.routed_green,
        });
        self.emit(Observation::DeploymentStateChanged {
            at,
            service,
            ordinal: rollout.ordinal,
            revision: rollout.revision,
            state: RolloutState::Failed,
            reason: format!("{reason}; traffic back on the original task set"),
        });
        let green: Vec<_> = self.services[service.index()]
            .tasks
            .iter()
            .copied()
            .filter(|t| self.tasks[t.index()].revision == rollout.revision)
            .collect();
        for task in green {
            self.stop_task(task, StopReason::Deployment);
        }
        self.reconcile(service);
    }
}
