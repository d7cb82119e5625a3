//! Rolling deployments with the ECS controller (aws-semantics §2.2, §2.4,
//! §2.8): a new revision replaces the old within minimumHealthyPercent and
//! maximumPercent, the circuit breaker counts the new revision's failures
//! and rolls back. Part of [`World`]; the scheduler calls `rolling_step`
//! in place of its usual reconcile while a deployment is in progress.

use super::World;
use crate::model::capacity::split;
use crate::model::ids::{ServiceId, TargetGroupId, TaskId};
use crate::model::observation::{
    ContainerHealth, Observation, Observer, RolloutState, StopReason, TargetHealth, TaskState,
};

/// The deployment in progress on a service.
#[derive(Clone, Debug)]
pub(super) struct Rollout {
    /// Counts the service's deployments from 1, rollbacks included.
    pub ordinal: u32,
    pub revision: u32,
    /// Blue/green: the traffic shift's progress; None for a rolling update.
    pub shift: Option<super::blue_green::Shift>,
    /// The circuit breaker's count (§2.4), and whether a task of this
    /// revision has reached RUNNING (its second stage).
    failures: u32,
    any_running: bool,
    any_healthy: bool,
    stuck_reported: bool,
}

impl<O: Observer> World<O> {
    pub(super) fn rollout_in_progress(&self, service: ServiceId) -> bool {
        self.services[service.index()].rollout.is_some()
    }

    /// `UpdateService` with a new task definition (§2.8): a deployment opens
    /// and replaces whatever deployment was in progress.
    pub(super) fn start_deployment(&mut self, service: ServiceId, deployment: u32) {
        let revision = deployment + 1;
        let name = self.config.services[service.index()].deployments[deployment as usize].name.clone();
        self.open_rollout(service, revision, format!("deploying {name}"));
    }

    fn open_rollout(&mut self, service: ServiceId, revision: u32, reason: String) {
        let at = self.now();
        // A blue/green deployment this one replaces gives its traffic back to
        // blue and its green set goes: blue's revision is the one running.
        let superseded =
            self.services[service.index()].rollout.as_ref().and_then(|r| r.shift.clone().map(|s| (r.revision, s)));
        if let Some((green_revision, previous)) = superseded.filter(|(_, s)| !s.cleaning) {
            let state = &mut self.services[service.index()];
            state.traffic_split = None;
            state.production_group = previous.blue;
            state.launch_group = previous.blue;
            state.revision = previous.old_revision;
            let green: Vec<TaskId> =
                state.tasks.iter().copied().filter(|t| self.tasks[t.index()].revision == green_revision).collect();
            for task in green {
                self.stop_task(task, StopReason::Deployment);
            }
        }
        let old_revision = self.services[service.index()].revision;
        let shifting = self.config.services[service.index()].deployment_configuration.traffic_shifting.is_some();
        let shift = shifting.then(|| self.new_shift(service, old_revision));
        let state = &mut self.services[service.index()];
        state.deployments_opened += 1;
        let ordinal = state.deployments_opened;
        state.revision = revision;
        state.halted = false;
        state.launch_group = shift.as_ref().map_or(state.production_group, |s| s.green);
        // A new task definition resets the throttle (§2.3).
        state.start_failures = 0;
        state.throttled_until = None;
        // A rollback's revision may already run: its breaker starts in stage two.
        let any_running = state.tasks.iter().any(|t| {
            let task = &self.tasks[t.index()];
            task.revision == revision && task.state == crate::model::TaskState::Running && task.is_active()
        });
        let state = &mut self.services[service.index()];
        state.rollout = Some(Rollout {
            ordinal,
            revision,
            failures: 0,
            any_running,
            any_healthy: false,
            stuck_reported: false,
            shift,
        });
        self.emit(Observation::DeploymentStateChanged {
            at,
            service,
            ordinal,
            revision,
            state: RolloutState::InProgress,
            reason,
        });
        self.reconcile(service);
    }

    /// One pass of the rolling update (§2.2): start new-revision tasks while
    /// RUNNING + PENDING stays within ⌊maximumPercent × desired⌋, stop old
    /// ones while ⌈minimumHealthyPercent × desired⌉ tasks stay healthy
    /// (healthy = the target group says so, with a load balancer). Model
    /// choice: a task the scheduler is stopping no longer counts toward
    /// maximumPercent (its desired status is STOPPED); unhealthy old tasks go
    /// first, then the oldest healthy ones.
    pub(super) fn rolling_step(&mut self, service: ServiceId) {
        let Some(rollout) = self.services[service.index()].rollout.clone() else { return };
        if rollout.shift.is_some() {
            return self.blue_green_step(service);
        }
        let config = &self.config.services[service.index()];
        let settings = &config.deployment_configuration;
        let desired = self.services[service.index()].desired_count;
        let maximum = (u64::from(desired) * u64::from(settings.maximum_percent) / 100) as u32;
        let minimum_healthy = (u64::from(desired) * u64::from(settings.minimum_healthy_percent)).div_ceil(100) as u32;
        let tasks: Vec<TaskId> = self.services[service.index()].tasks.clone();
        let active: Vec<TaskId> = tasks.iter().copied().filter(|t| self.tasks[t.index()].is_active()).collect();
        let healthy = |world: &Self, t: TaskId| world.is_healthy(t) && world.tasks[t.index()].stopping_for.is_none();
        let (mut new, old): (Vec<TaskId>, Vec<TaskId>) =
            active.iter().partition(|t| self.tasks[t.index()].revision == rollout.revision);
        let healthy_count = active.iter().filter(|&&t| healthy(self, t)).count() as u32;
        let mut spare = healthy_count.saturating_sub(minimum_healthy);
        let mut stops: Vec<TaskId> = Vec::new();
        // More new tasks than desired (desiredCount fell): those not serving go
        // first, youngest first; healthy ones only within the minimum.
        if new.len() as u32 > desired {
            let mut victims = new.clone();
            victims.sort_by_key(|&t| {
                (healthy(self, t), self.tasks[t.index()].state == TaskState::Running, std::cmp::Reverse(t))
            });
            let mut excess = new.len() - desired as usize;
            for t in victims {
                if excess == 0 {
                    break;
                }
                if healthy(self, t) {
                    if spare == 0 {
                        continue;
                    }
                    spare -= 1;
                }
                stops.push(t);
                excess -= 1;
            }
            new.retain(|t| !stops.contains(t));
        }
        // Old tasks that do not count as healthy cost nothing; healthy ones
        // only down to the minimum.
        stops.extend(old.iter().copied().filter(|&t| !healthy(self, t)));
        for &t in old.iter().filter(|&&t| healthy(self, t)) {
            if spare == 0 {
                break;
            }
            stops.push(t);
            spare -= 1;
        }
        for &t in &stops {
            let reason = if self.tasks[t.index()].revision == rollout.revision {
                StopReason::ServiceScaledIn
            } else {
                StopReason::Deployment
            };
            self.stop_task(t, reason);
        }
        let remaining = active.len() as u32 - stops.len() as u32;
        // Start: new tasks up to the desired count, within the maximum.
        let starts = desired.saturating_sub(new.len() as u32).min(maximum.saturating_sub(remaining));
        let (launched, short) = self.launch_revision(service, rollout.revision, None, starts);
        self.check_rollout_done(service, stops.len() + launched as usize, short);
    }

    /// Launches up to `count` tasks of `revision` (in `group`, or the
    /// service's launch group), each on the provider the strategy's split
    /// gives (§4.4). Tasks a provider cannot place now are reported unplaced
    /// (§4.3); the service throttle may hold every launch (§2.3). Returns
    /// (launched, whether capacity or the throttle held some back).
    pub(super) fn launch_revision(
        &mut self,
        service: ServiceId,
        revision: u32,
        group: Option<TargetGroupId>,
        count: u32,
    ) -> (u32, bool) {
        let config = &self.config.services[service.index()];
        let strategy = config.capacity_provider_strategy.clone();
        let shortfall = config.split_shortfall;
        let mut counts: Vec<u32> = strategy
            .iter()
            .map(|item| {
                self.services[service.index()]
                    .tasks
                    .iter()
                    .filter(|t| {
                        let task = &self.tasks[t.index()];
                        task.revision == revision && task.capacity_provider == item.provider && task.is_active()
                    })
                    .count() as u32
            })
            .collect();
        let mut unplaced = vec![0u32; strategy.len()];
        let mut launched = 0;
        let throttled = !self.may_launch(service);
        for _ in 0..count {
            let total: u32 = counts.iter().sum();
            let targets = split(&strategy, total + 1, shortfall);
            let Some(item) = (0..counts.len()).find(|&i| counts[i] < targets[i]) else { break };
            counts[item] += 1;
            let provider = strategy[item].provider;
            if throttled {
                continue;
            }
            if !self.can_place(provider) {
                unplaced[item] += 1;
                continue;
            }
            let group = group.unwrap_or(self.services[service.index()].launch_group);
            self.launch_as(service, provider, revision, group);
            launched += 1;
        }
        for (item, &n) in unplaced.iter().enumerate() {
            if self.config.capacity_providers[strategy[item].provider.index()].auto_scaling_group().is_none() {
                self.set_unplaced(service, item, n);
            }
        }
        self.report_unplaced(service);
        (launched, throttled || unplaced.iter().any(|&n| n > 0))
    }

    /// COMPLETED (§2.8): the new revision runs at the desired count, every
    /// task healthy, and every old task has STOPPED (deregistration included).
    /// Otherwise, when nothing moved and nothing can, the deployment is stuck.
    pub(super) fn check_rollout_done(&mut self, service: ServiceId, moved: usize, capacity_short: bool) {
        let Some(rollout) = self.services[service.index()].rollout.clone() else { return };
        let desired = self.services[service.index()].desired_count as usize;
        let tasks = &self.services[service.index()].tasks;
        let new_healthy = tasks
            .iter()
            .filter(|t| {
                let task = &self.tasks[t.index()];
                task.revision == rollout.revision && task.is_active() && self.is_healthy(**t)
            })
            .count();
        let all_new = tasks.iter().all(|t| self.tasks[t.index()].revision == rollout.revision);
        let all_settled = tasks.iter().all(|t| {
            let task = &self.tasks[t.index()];
            task.is_active() && self.is_healthy(*t)
        });
        if all_new && new_healthy == desired && all_settled {
            let reason = format!("{desired} tasks of the revision running and healthy; the old ones stopped");
            return self.complete_rollout(service, reason);
        }
        // Stuck: nothing started or stopped now, every task settled (RUNNING and
        // healthy, none starting or stopping), and still not done (§2.2).
        if moved == 0 && all_settled && !capacity_short && !rollout.stuck_reported {
            if let Some(r) = self.services[service.index()].rollout.as_mut() {
                r.stuck_reported = true;
            }
            let at = self.now();
            self.emit(Observation::DeploymentStuck { at, service, ordinal: rollout.ordinal });
        }
    }

    /// COMPLETED: the revision is the service's; a rollback would return here.
    pub(super) fn complete_rollout(&mut self, service: ServiceId, reason: String) {
        let at = self.now();
        let state = &mut self.services[service.index()];
        let Some(rollout) = state.rollout.take() else { return };
        state.completed_revision = rollout.revision;
        state.launch_group = state.production_group;
        self.emit(Observation::DeploymentStateChanged {
            at,
            service,
            ordinal: rollout.ordinal,
            revision: rollout.revision,
            state: RolloutState::Completed,
            reason,
        });
        self.reconcile(service);
    }

    /// Counts as healthy for minimumHealthyPercent and a deployment (§2.2):
    /// RUNNING, not being stopped, and its target group finds it healthy, its
    /// container check does, both; with neither, once RUNNING for 40 s.
    pub(super) fn is_healthy(&self, task_id: TaskId) -> bool {
        let task = &self.tasks[task_id.index()];
        if task.state != TaskState::Running || task.stopping_for.is_some() {
            return false;
        }
        let service = &self.config.services[task.service.index()];
        let target_healthy =
            || self.target_groups[task.target_group.index()].health(task_id) == Some(TargetHealth::Healthy);
        match (service.load_balanced, self.definition(task_id).container_health_check.is_some()) {
            (true, false) => target_healthy(),
            (true, true) => target_healthy() && task.container_health == ContainerHealth::Healthy,
            (false, true) => task.container_health == ContainerHealth::Healthy,
            (false, false) => task.settled_without_checks,
        }
    }

    /// Keeps the service's healthy-task count in step with one task's health,
    /// and reports it when it moves.
    pub(super) fn refresh_task_health(&mut self, task_id: TaskId) {
        let healthy = self.is_healthy(task_id);
        let task = &mut self.tasks[task_id.index()];
        if task.counted_healthy == healthy {
            return;
        }
        task.counted_healthy = healthy;
        let service = task.service;
        let state = &mut self.services[service.index()];
        if healthy {
            state.healthy_tasks += 1;
        } else {
            state.healthy_tasks -= 1;
        }
        let healthy_tasks = state.healthy_tasks;
        let at = self.now();
        self.emit(Observation::HealthyTasksChanged { at, service, healthy_tasks });
    }

    /// A task of the deployment reached RUNNING: the breaker's second stage.
    pub(super) fn deployment_task_running(&mut self, task_id: TaskId) {
        let task = &self.tasks[task_id.index()];
        let service = task.service;
        let revision = task.revision;
        if let Some(rollout) = self.services[service.index()].rollout.as_mut() {
            if rollout.revision == revision {
                rollout.any_running = true;
            }
        }
    }

    /// A task of the deployment became healthy: with `resetOnHealthyTask` the
    /// count starts again (§2.4); the rollout moves on.
    pub(super) fn deployment_task_healthy(&mut self, task_id: TaskId) {
        let task = &self.tasks[task_id.index()];
        let (service, revision) = (task.service, task.revision);
        let reset = self.config.services[service.index()]
            .deployment_configuration
            .circuit_breaker
            .is_some_and(|b| b.reset_on_healthy_task);
        let Some(rollout) = self.services[service.index()].rollout.as_mut() else { return };
        if rollout.revision == revision {
            rollout.any_healthy = true;
            if reset {
                rollout.failures = 0;
            }
        }
        self.reconcile(service);
    }

    /// A task of the deployment failed (§2.4): before any of its tasks is
    /// RUNNING, each that fails to start counts; after, each that fails its
    /// health checks. At the threshold the deployment FAILS and, with
    /// `rollback`, the last COMPLETED revision is deployed again.
    pub(super) fn deployment_task_failed(&mut self, task_id: TaskId, before_running: bool) {
        let task = &self.tasks[task_id.index()];
        let (service, revision) = (task.service, task.revision);
        let Some(breaker) = self.config.services[service.index()].deployment_configuration.circuit_breaker else {
            return;
        };
        let desired = self.services[service.index()].desired_count;
        let Some(rollout) = self.services[service.index()].rollout.as_mut() else { return };
        if rollout.revision != revision
            || rollout.shift.as_ref().is_some_and(|s| s.cleaning)
            || before_running == rollout.any_running
            || (breaker.never_trips_after_healthy_task && rollout.any_healthy)
        {
            return;
        }
        rollout.failures += 1;
        let (failures, ordinal) = (rollout.failures, rollout.ordinal);
        let threshold = breaker.threshold.for_desired(desired);
        let at = self.now();
        self.emit(Observation::DeploymentTaskFailed { at, service, ordinal, task: task_id, failures, threshold });
        if failures < threshold {
            return;
        }
        let breaker_reason =
            format!("the deployment circuit breaker tripped: {failures} failed tasks, threshold {threshold}");
        if self.services[service.index()].rollout.as_ref().is_some_and(|r| r.shift.is_some()) {
            return self.roll_back_shift(service, breaker_reason);
        }
        let rollout = self.services[service.index()].rollout.take().expect("in progress");
        self.emit(Observation::DeploymentStateChanged {
            at,
            service,
            ordinal,
            revision,
            state: RolloutState::Failed,
            reason: breaker_reason,
        });
        let previous = self.services[service.index()].completed_revision;
        if breaker.rollback && previous != rollout.revision {
            let name = self.revision_name(service, previous);
            self.open_rollout(service, previous, format!("rolling back to {name}"));
        } else {
            // A FAILED deployment launches no more tasks (§2.4).
            self.services[service.index()].halted = true;
        }
    }

    pub(super) fn revision_name(&self, service: ServiceId, revision: u32) -> String {
        let config = &self.config.services[service.index()];
        match revision {
            0 => format!("{}:1", config.name),
            k => config.deployments[k as usize - 1].name.clone(),
        }
    }
}
