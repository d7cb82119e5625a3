//! The ECS service scheduler: keeps desiredCount tasks, stops the excess,
//! and replaces tasks their target group finds unhealthy (aws-semantics §2.3).
//! Part of [`World`]; it drives tasks through the lifecycle module.

use super::World;
use crate::model::alb::HealthTransition;
use crate::model::capacity::split;
use crate::model::event::Event;
use crate::model::ids::{CapacityProviderId, ServiceId, TaskId};
use crate::model::observation::{Observation, Observer, StopReason, TargetHealth, TaskState};

impl<O: Observer> World<O> {
    pub(super) fn set_desired_count(&mut self, service: ServiceId, desired_count: u32) {
        self.services[service.index()].desired_count = desired_count;
        let at = self.now();
        self.emit(Observation::DesiredCountChanged { at, service, desired_count });
        self.reconcile(service);
    }

    /// Keeps `desired_count` tasks active, split across the service's capacity
    /// providers as its strategy says (§4.4): each provider's shortfall is
    /// launched, or counted unplaced while the provider has no capacity (no
    /// fallback to another provider, §4.3); its excess is stopped. Model
    /// choice: the scheduler reacts at once; it stops tasks that are not yet
    /// RUNNING first, then the youngest.
    pub(super) fn reconcile(&mut self, service: ServiceId) {
        if self.services[service.index()].halted {
            return;
        }
        if self.rollout_in_progress(service) {
            return self.rolling_step(service);
        }
        let config = &self.config.services[service.index()];
        let desired = self.services[service.index()].desired_count;
        let targets = split(&config.capacity_provider_strategy, desired, config.split_shortfall);
        let providers: Vec<CapacityProviderId> = config.capacity_provider_strategy.iter().map(|i| i.provider).collect();
        let maximum = self.maximum_tasks(service);
        self.make_room_for_replacements(service, maximum);
        for (item, (&provider, &target)) in providers.iter().zip(&targets).enumerate() {
            // Unhealthy tasks awaiting their replacement do not count toward the
            // split; they do count toward maximumPercent (§2.3).
            let mut active: Vec<TaskId> = self.services[service.index()]
                .tasks
                .iter()
                .copied()
                .filter(|t| {
                    let task = &self.tasks[t.index()];
                    task.capacity_provider == provider && task.is_active() && !task.awaiting_replacement
                })
                .collect();
            let count = active.len() as u32;
            let mut unplaced = 0;
            if count < target {
                if !self.may_launch(service) {
                    // Throttled: the wait's end reconciles again.
                } else if self.can_place(provider) {
                    let room = maximum.saturating_sub(self.active_count(service));
                    for _ in 0..(target - count).min(room) {
                        self.launch(service, provider);
                    }
                } else {
                    unplaced = target - count;
                }
            }
            if count > target {
                // Unhealthy tasks awaiting a replacement go first: with fewer tasks
                // wanted, their replacements are enough (or too many).
                let awaiting: Vec<TaskId> = self.services[service.index()]
                    .tasks
                    .iter()
                    .copied()
                    .filter(|t| {
                        let task = &self.tasks[t.index()];
                        task.capacity_provider == provider && task.awaiting_replacement && task.is_stoppable()
                    })
                    .collect();
                for &task in &awaiting {
                    self.stop_task(task, StopReason::FailedElbHealthCheck);
                }
                // Interrupted Spot tasks holding their place leave anyway: stop only
                // what stays above the target once they are gone.
                active.retain(|t| self.tasks[t.index()].is_stoppable());
                // On EC2 the placement strategy says which instance loses a task first (§5.2).
                active.sort_by_key(|&t| {
                    (self.tasks[t.index()].state == TaskState::Running, self.scale_in_key(t), std::cmp::Reverse(t))
                });
                let excess = active.len().saturating_sub(target as usize);
                for &task in &active[..excess] {
                    self.stop_task(task, StopReason::ServiceScaledIn);
                }
            }
            // On EC2 the waiting tasks are the unplaced ones, reported below.
            if self.config.capacity_providers[provider.index()].auto_scaling_group().is_none() {
                self.set_unplaced(service, item, unplaced);
            }
        }
        self.report_unplaced(service);
    }

    /// ⌊maximumPercent × desired⌋, and at least desired (§2.2).
    pub(super) fn maximum_tasks(&self, service: ServiceId) -> u32 {
        let desired = self.services[service.index()].desired_count;
        let percent = self.config.services[service.index()].deployment_configuration.maximum_percent;
        ((u64::from(desired) * u64::from(percent) / 100) as u32).max(desired)
    }

    fn active_count(&self, service: ServiceId) -> u32 {
        self.services[service.index()].tasks.iter().filter(|t| self.tasks[t.index()].is_active()).count() as u32
    }

    /// Unhealthy tasks awaiting replacement while maximumPercent leaves no
    /// room for one: stop them one at a time (§2.3; they are not healthy, so
    /// minimumHealthyPercent is kept).
    fn make_room_for_replacements(&mut self, service: ServiceId, maximum: u32) {
        if self.active_count(service) < maximum {
            return;
        }
        let tasks = &self.services[service.index()].tasks;
        let stopping_one = tasks.iter().any(|t| {
            let task = &self.tasks[t.index()];
            task.stopping_for == Some(StopReason::FailedElbHealthCheck)
        });
        let oldest_unhealthy = tasks
            .iter()
            .copied()
            .find(|t| self.tasks[t.index()].awaiting_replacement && self.tasks[t.index()].is_stoppable());
        if let (false, Some(task)) = (stopping_one, oldest_unhealthy) {
            self.stop_task(task, StopReason::FailedElbHealthCheck);
        }
    }

    /// A task became healthy: an unhealthy task it replaces can go now (§2.3).
    fn replacement_healthy(&mut self, service: ServiceId) {
        let oldest_unhealthy = self.services[service.index()]
            .tasks
            .iter()
            .copied()
            .find(|t| self.tasks[t.index()].awaiting_replacement && self.tasks[t.index()].is_stoppable());
        if let Some(task) = oldest_unhealthy {
            self.stop_task(task, StopReason::FailedElbHealthCheck);
            self.reconcile(service);
        }
    }

    pub(super) fn set_unplaced(&mut self, service: ServiceId, item: usize, unplaced: u32) {
        let state = &mut self.services[service.index()];
        if state.unplaced[item] != unplaced {
            state.unplaced[item] = unplaced;
            let at = self.now();
            let capacity_provider = self.config.services[service.index()].capacity_provider_strategy[item].provider;
            self.emit(Observation::UnplacedTasksChanged { at, service, capacity_provider, unplaced });
        }
    }

    /// On ASG providers, the tasks still waiting for an instance (§5.1).
    pub(super) fn report_unplaced(&mut self, service: ServiceId) {
        let strategy = self.config.services[service.index()].capacity_provider_strategy.clone();
        for (item, entry) in strategy.iter().enumerate() {
            if self.config.capacity_providers[entry.provider.index()].auto_scaling_group().is_some() {
                let waiting = self.waiting_count(service, entry.provider);
                self.set_unplaced(service, item, waiting);
            }
        }
    }

    /// One health check of a registered, non-draining target: it passes when the
    /// application accepts connections (model choice).
    pub(super) fn health_check(&mut self, task_id: TaskId) {
        let now = self.now();
        let task = &mut self.tasks[task_id.index()];
        task.health_check = None;
        if task.state != TaskState::Running || task.stopping_for.is_some() {
            return;
        }
        let (passed, service) = (task.listening, task.service);
        let running_at = task.running_at.unwrap_or(now);
        let service_config = &self.config.services[service.index()];
        let group_id = self.tasks[task_id.index()].target_group;
        let grace = service_config.health_check_grace_period;
        let group_config = &self.config.load_balancer.target_groups[group_id.index()];
        let interval = group_config.health_check.interval;
        let transition = self.target_groups[group_id.index()].record_check(
            task_id,
            passed,
            &group_config.health_check,
            now,
            group_config.slow_start,
        );
        let became_healthy = transition == HealthTransition::BecameHealthy;
        match transition {
            HealthTransition::None => {}
            HealthTransition::BecameHealthy => self.emit_health(task_id, TargetHealth::Healthy),
            HealthTransition::BecameUnhealthy => self.emit_health(task_id, TargetHealth::Unhealthy),
        }
        let unhealthy = self.target_groups[group_id.index()].health(task_id) == Some(TargetHealth::Unhealthy);
        // ECS replaces a task its target group finds unhealthy, once past the grace
        // period (§2.3). A deployment replaces (and counts) its failing tasks at once;
        // otherwise the replacement starts first, within maximumPercent, and the
        // unhealthy task stops when a replacement is healthy.
        if unhealthy && now - running_at >= grace && self.rollout_in_progress(service) {
            self.stop_task(task_id, StopReason::FailedElbHealthCheck);
            self.deployment_task_failed(task_id, false);
            self.reconcile(service);
            return;
        }
        self.tasks[task_id.index()].health_check =
            Some(self.queue.schedule(now + interval, Event::HealthCheck(task_id)));
        if unhealthy && now - running_at >= grace && !self.tasks[task_id.index()].awaiting_replacement {
            self.tasks[task_id.index()].awaiting_replacement = true;
            self.reconcile(service);
        } else if became_healthy {
            let recovered = std::mem::take(&mut self.tasks[task_id.index()].awaiting_replacement);
            if self.rollout_in_progress(service) {
                self.deployment_task_healthy(task_id);
            } else if recovered {
                self.reconcile(service);
            } else {
                self.replacement_healthy(service);
            }
        }
    }

    /// The service stops a task: a registered one is deregistered and drains for
    /// the deregistration delay first (aws-semantics §2.5, §3.4; model choice:
    /// the full delay, no early completion).
    pub(super) fn stop_task(&mut self, task_id: TaskId, reason: StopReason) {
        let now = self.now();
        let task = &mut self.tasks[task_id.index()];
        if task.stopping_for.is_some() || task.state > TaskState::Running {
            return;
        }
        task.stopping_for = Some(reason);
        for id in [task.crash.take(), task.health_check.take(), task.spot_interruption.take()].into_iter().flatten() {
            self.queue.cancel(id);
        }
        let task = &mut self.tasks[task_id.index()];
        if task.state < TaskState::Running {
            if let Some(id) = task.lifecycle_timer.take() {
                self.queue.cancel(id);
            }
            self.forget_waiting(task_id);
            self.sigterm(task_id);
            return;
        }
        let group_id = task.target_group;
        let delay = self.config.load_balancer.target_groups[group_id.index()].deregistration_delay;
        self.target_groups[group_id.index()].start_draining(task_id);
        self.emit_health(task_id, TargetHealth::Draining);
        self.set_state(task_id, TaskState::Deactivating);
        self.tasks[task_id.index()].lifecycle_timer =
            Some(self.queue.schedule(now + delay, Event::DeregistrationDelayEnds(task_id)));
    }
}
