//! The ECS service scheduler: keeps desiredCount tasks, stops the excess,
//! and replaces tasks their target group finds unhealthy (aws-semantics §2.3).
//! Part of [`World`]; it drives tasks through the lifecycle module.

use super::World;
use crate::model::alb::HealthTransition;
use crate::model::capacity::split;
use crate::model::event::Event;
use crate::model::ids::{CapacityProviderId, ServiceId, TaskId};
use crate::model::observation::{ContainerHealth, Observation, Observer, StopReason, TargetHealth, TaskState};

impl<O: Observer> World<O> {
    pub(super) fn set_desired_count(&mut self, service: ServiceId, desired_count: u32) {
        if self.config.services[service.index()].is_daemon() {
            // A daemon's count is its instances' (§13.3); validation keeps others away.
            return self.reconcile(service);
        }
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
        // Standalone tasks have no service to keep them (§13.2).
        if self.services[service.index()].halted || self.config.services[service.index()].is_run_task() {
            return;
        }
        if self.config.services[service.index()].is_daemon() {
            return self.reconcile_daemon(service);
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
                    task.capacity_provider == provider && task.is_active() && task.awaiting_replacement.is_none()
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
                        task.capacity_provider == provider && task.awaiting_replacement.is_some() && task.is_stoppable()
                    })
                    .collect();
                for &task in &awaiting {
                    self.stop_unhealthy(task);
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
        let stopping_one =
            tasks.iter().any(|t| self.tasks[t.index()].stopping_for.is_some_and(StopReason::is_unhealthy_replacement));
        let oldest_unhealthy = tasks
            .iter()
            .copied()
            .find(|t| self.tasks[t.index()].awaiting_replacement.is_some() && self.tasks[t.index()].is_stoppable());
        if let (false, Some(task)) = (stopping_one, oldest_unhealthy) {
            self.stop_unhealthy(task);
        }
    }

    /// A task became healthy: an unhealthy task it replaces can go now (§2.3).
    fn replacement_healthy(&mut self, service: ServiceId) {
        let oldest_unhealthy = self.services[service.index()]
            .tasks
            .iter()
            .copied()
            .find(|t| self.tasks[t.index()].awaiting_replacement.is_some() && self.tasks[t.index()].is_stoppable());
        if let Some(task) = oldest_unhealthy {
            self.stop_unhealthy(task);
            self.reconcile(service);
        }
    }

    /// Stops a task awaiting its replacement, for the check that failed it.
    fn stop_unhealthy(&mut self, task_id: TaskId) {
        let reason = self.tasks[task_id.index()].awaiting_replacement.unwrap_or(StopReason::FailedElbHealthCheck);
        self.stop_task(task_id, reason);
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

    /// One health check of a registered, non-draining target, sent every
    /// `interval` (§3.2). It passes when the application answers (model
    /// choice: at once); it fails at once when nothing accepts the connection,
    /// and when `timeout` ends if the application accepted it but hangs
    /// (§3.2, §3.3): the failure counts then, and the next check is still
    /// sent `interval` after this one.
    pub(super) fn health_check(&mut self, task_id: TaskId) {
        let now = self.now();
        let task = &mut self.tasks[task_id.index()];
        task.health_check = None;
        if task.state != TaskState::Running || task.stopping_for.is_some() {
            return;
        }
        let group_id = task.target_group;
        let group_config = &self.config.load_balancer.target_groups[group_id.index()];
        let (interval, timeout) = (group_config.health_check.interval, group_config.health_check.timeout);
        let timed_out = task.health_check_hanging.take();
        if timed_out.is_none() && task.listening && task.hung {
            task.health_check_hanging = Some(now);
            task.health_check = Some(self.queue.schedule(now + timeout, Event::HealthCheck(task_id)));
            return;
        }
        let sent = timed_out.unwrap_or(now);
        let was_healthy = self.is_healthy(task_id);
        let passed = timed_out.is_none() && self.tasks[task_id.index()].answers();
        let group_config = &self.config.load_balancer.target_groups[group_id.index()];
        let transition = self.target_groups[group_id.index()].record_check(
            task_id,
            passed,
            &group_config.health_check,
            now,
            group_config.slow_start,
        );
        match transition {
            HealthTransition::None => {}
            HealthTransition::BecameHealthy => self.emit_health(task_id, TargetHealth::Healthy),
            HealthTransition::BecameUnhealthy => self.emit_health(task_id, TargetHealth::Unhealthy),
        }
        let unhealthy = self.target_groups[group_id.index()].health(task_id) == Some(TargetHealth::Unhealthy);
        if self.after_health_check(task_id, was_healthy, unhealthy.then_some(StopReason::FailedElbHealthCheck)) {
            self.tasks[task_id.index()].health_check =
                Some(self.queue.schedule(sent + interval, Event::HealthCheck(task_id)));
        }
    }

    /// The essential container's health check (§2.6, Docker's timing): the
    /// first starts `interval` after the container, each next one `interval`
    /// after the last ended. It passes at once while the application answers;
    /// it fails at once while the application is not yet up (refused), and
    /// after `timeout` when it hangs or never answers. One pass makes the
    /// container HEALTHY; `retries` failures in a row, not counting those
    /// that started within `startPeriod`, make it UNHEALTHY.
    pub(super) fn container_health_check(&mut self, task_id: TaskId) {
        let now = self.now();
        self.tasks[task_id.index()].container_check = None;
        let task = &self.tasks[task_id.index()];
        if task.state != TaskState::Running || task.stopping_for.is_some() {
            return;
        }
        let Some(check) = self.definition(task_id).container_health_check.clone() else {
            return;
        };
        let task = &mut self.tasks[task_id.index()];
        let timed_out = task.container_check_hanging.take();
        // A hung application never answers the command, socket open or not;
        // one that never listens (`fails_health_checks`) neither.
        if timed_out.is_none() && (task.hung || (task.fails_health_checks && !task.listening)) {
            // The command hangs: it fails when its timeout ends.
            task.container_check_hanging = Some(now);
            task.container_check = Some(self.queue.schedule(now + check.timeout, Event::ContainerHealthCheck(task_id)));
            return;
        }
        let was_healthy = self.is_healthy(task_id);
        let task = &mut self.tasks[task_id.index()];
        let passed = timed_out.is_none() && task.answers();
        let started = timed_out.unwrap_or(now);
        // A success ends the start period early (§2.6): later failures count.
        let in_start_period = task.container_health == ContainerHealth::Unknown
            && task.running_at.is_some_and(|at| started - at < check.start_period);
        let before = task.container_health;
        if passed {
            task.container_failures = 0;
            task.container_health = ContainerHealth::Healthy;
        } else if !in_start_period {
            task.container_failures += 1;
            if task.container_failures >= check.retries {
                task.container_health = ContainerHealth::Unhealthy;
            }
        }
        let health = task.container_health;
        if health != before {
            let service = task.service;
            self.emit(Observation::ContainerHealthChanged { at: now, service, task: task_id, health });
        }
        let unhealthy = health == ContainerHealth::Unhealthy;
        if self.after_health_check(task_id, was_healthy, unhealthy.then_some(StopReason::FailedContainerHealthCheck)) {
            self.tasks[task_id.index()].container_check =
                Some(self.queue.schedule(now + check.interval, Event::ContainerHealthCheck(task_id)));
        }
    }

    /// A service task without load balancer or container check has been
    /// RUNNING 40 s: it counts as healthy now (§2.2).
    pub(super) fn healthy_without_checks(&mut self, task_id: TaskId) {
        let task = &self.tasks[task_id.index()];
        if task.state != TaskState::Running || task.stopping_for.is_some() {
            return;
        }
        let was_healthy = self.tasks[task_id.index()].counted_healthy;
        self.tasks[task_id.index()].settled_without_checks = true;
        self.after_health_check(task_id, was_healthy, None);
    }

    /// What a health result means to the scheduler. A task found unhealthy
    /// (`failed`, by the check that found it) is replaced once past the grace
    /// period (§2.3): in a deployment it is stopped and counted at once;
    /// otherwise its replacement starts first, within maximumPercent, and it
    /// stops when a replacement is healthy. A task that became healthy lets a
    /// deployment or a replacement go on. False when the task is being
    /// stopped now (its checks end with it).
    fn after_health_check(&mut self, task_id: TaskId, was_healthy: bool, failed: Option<StopReason>) -> bool {
        let now = self.now();
        let service = self.tasks[task_id.index()].service;
        self.refresh_task_health(task_id);
        let running_at = self.tasks[task_id.index()].running_at.unwrap_or(now);
        let grace = self.config.services[service.index()].health_check_grace_period;
        let failed = failed.filter(|_| now - running_at >= grace);
        if let Some(reason) = failed {
            if self.rollout_in_progress(service) {
                self.stop_task(task_id, reason);
                self.deployment_task_failed(task_id, false);
                self.reconcile(service);
                return false;
            }
            if self.tasks[task_id.index()].awaiting_replacement.is_none() {
                self.tasks[task_id.index()].awaiting_replacement = Some(reason);
                self.reconcile(service);
            }
        } else if !was_healthy && self.is_healthy(task_id) {
            let recovered = self.tasks[task_id.index()].awaiting_replacement.take().is_some();
            if self.rollout_in_progress(service) {
                self.deployment_task_healthy(task_id);
            } else if recovered {
                self.reconcile(service);
            } else {
                self.replacement_healthy(service);
            }
        }
        // What it set off may have stopped this very task (to make room).
        self.tasks[task_id.index()].stopping_for.is_none()
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
        for id in task.take_stop_cancelled_timers().collect::<Vec<_>>() {
            self.queue.cancel(id);
        }
        let task = &mut self.tasks[task_id.index()];
        // Not registered (no load balancer): nothing to drain.
        let registered = self.target_groups[task.target_group.index()].health(task_id).is_some();
        if task.state < TaskState::Running || !registered {
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
