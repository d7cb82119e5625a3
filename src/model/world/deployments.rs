//! Rolling deployments with the ECS controller (aws-semantics §2.2, §2.4,
//! §2.8): a new revision replaces the old within minimumHealthyPercent and
//! maximumPercent, the circuit breaker counts the new revision's failures
//! and rolls back. Part of [`World`]; the scheduler calls `rolling_step`
//! in place of its usual reconcile while a deployment is in progress.

use super::World;
use crate::model::capacity::split;
use crate::model::ids::{CapacityProviderId, ServiceId, TaskId};
use crate::model::observation::{Observation, Observer, RolloutState, StopReason, TargetHealth};

/// The deployment in progress on a service.
#[derive(Clone, Debug)]
pub(super) struct Rollout {
    /// Counts the service's deployments from 1, rollbacks included.
    ordinal: u32,
    revision: u32,
    /// The circuit breaker's count (§2.4), and whether a task of this
    /// revision has reached RUNNING (its second stage).
    failures: u32,
    any_running: bool,
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
        let state = &mut self.services[service.index()];
        state.deployments_opened += 1;
        let ordinal = state.deployments_opened;
        state.revision = revision;
        state.halted = false;
        state.rollout = Some(Rollout { ordinal, revision, failures: 0, any_running: false, stuck_reported: false });
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
        let config = &self.config.services[service.index()];
        let settings = config.deployment_configuration;
        let desired = self.services[service.index()].desired_count;
        let maximum = (u64::from(desired) * u64::from(settings.maximum_percent) / 100) as u32;
        let minimum_healthy = (u64::from(desired) * u64::from(settings.minimum_healthy_percent)).div_ceil(100) as u32;
        let group = config.target_group;
        let tasks: Vec<TaskId> = self.services[service.index()].tasks.clone();
        let active: Vec<TaskId> = tasks.iter().copied().filter(|t| self.tasks[t.index()].is_active()).collect();
        let healthy = |world: &Self, t: TaskId| {
            world.target_groups[group.index()].health(t) == Some(TargetHealth::Healthy)
                && world.tasks[t.index()].stopping_for.is_none()
        };
        let (new, old): (Vec<TaskId>, Vec<TaskId>) =
            active.iter().partition(|t| self.tasks[t.index()].revision == rollout.revision);
        let healthy_count = active.iter().filter(|&&t| healthy(self, t)).count() as u32;
        // Stop: old tasks that do not count as healthy cost nothing; healthy ones
        // only down to the minimum.
        let mut stops: Vec<TaskId> = old.iter().copied().filter(|&t| !healthy(self, t)).collect();
        let mut spare = healthy_count.saturating_sub(minimum_healthy);
        for &t in old.iter().filter(|&&t| healthy(self, t)) {
            if spare == 0 {
                break;
            }
            stops.push(t);
            spare -= 1;
        }
        for &t in &stops {
            self.stop_task(t, StopReason::Deployment);
        }
        let remaining = active.len() as u32 - stops.len() as u32;
        // Start: new tasks up to the desired count, within the maximum.
        let starts = desired.saturating_sub(new.len() as u32).min(maximum.saturating_sub(remaining));
        let mut launched = 0;
        for _ in 0..starts {
            let Some(provider) = self.provider_for_next_task(service, rollout.revision) else { break };
            self.launch(service, provider);
            launched += 1;
        }
        // More new tasks than desired (desiredCount fell): the youngest go.
        if new.len() as u32 > desired {
            let excess = new.len() - desired as usize;
            for &t in new.iter().rev().take(excess) {
                self.stop_task(t, StopReason::ServiceScaledIn);
            }
        }
        self.report_unplaced(service);
        self.check_rollout_done(service, stops.len() + launched);
    }

    /// The capacity provider the next task of `revision` goes to: the first
    /// whose share of the revision's tasks is below the strategy's split
    /// (§4.4), None when that provider cannot place now.
    fn provider_for_next_task(&self, service: ServiceId, revision: u32) -> Option<CapacityProviderId> {
        let config = &self.config.services[service.index()];
        let counts: Vec<u32> = config
            .capacity_provider_strategy
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
        let total: u32 = counts.iter().sum();
        let targets = split(&config.capacity_provider_strategy, total + 1, config.split_shortfall);
        let item = (0..counts.len()).find(|&i| counts[i] < targets[i])?;
        let provider = config.capacity_provider_strategy[item].provider;
        self.can_place(provider).then_some(provider)
    }

    /// COMPLETED (§2.8): the new revision runs at the desired count, every
    /// task healthy, and every old task has STOPPED (deregistration included).
    /// Otherwise, when nothing moved and nothing can, the deployment is stuck.
    fn check_rollout_done(&mut self, service: ServiceId, moved: usize) {
        let Some(rollout) = self.services[service.index()].rollout.clone() else { return };
        let group = self.config.services[service.index()].target_group;
        let desired = self.services[service.index()].desired_count as usize;
        let tasks = &self.services[service.index()].tasks;
        let new_healthy = tasks
            .iter()
            .filter(|t| {
                let task = &self.tasks[t.index()];
                task.revision == rollout.revision
                    && task.is_active()
                    && self.target_groups[group.index()].health(**t) == Some(TargetHealth::Healthy)
            })
            .count();
        let all_new = tasks.iter().all(|t| self.tasks[t.index()].revision == rollout.revision);
        let all_settled = tasks.iter().all(|t| {
            let task = &self.tasks[t.index()];
            task.is_active() && self.target_groups[group.index()].health(*t) == Some(TargetHealth::Healthy)
        });
        if all_new && new_healthy == desired && all_settled {
            let at = self.now();
            let state = &mut self.services[service.index()];
            state.rollout = None;
            state.completed_revision = rollout.revision;
            self.emit(Observation::DeploymentStateChanged {
                at,
                service,
                ordinal: rollout.ordinal,
                revision: rollout.revision,
                state: RolloutState::Completed,
                reason: format!("{} tasks of the revision running and healthy; the old ones stopped", desired),
            });
            return;
        }
        // Stuck: nothing started or stopped now, every task settled (RUNNING and
        // healthy, none starting or stopping), and still not done (§2.2).
        if moved == 0 && all_settled && !rollout.stuck_reported {
            if let Some(r) = self.services[service.index()].rollout.as_mut() {
                r.stuck_reported = true;
            }
            let at = self.now();
            self.emit(Observation::DeploymentStuck { at, service, ordinal: rollout.ordinal });
        }
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
        if rollout.revision == revision && reset {
            rollout.failures = 0;
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
        if rollout.revision != revision || before_running == rollout.any_running {
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
        let rollout = self.services[service.index()].rollout.take().expect("in progress");
        self.emit(Observation::DeploymentStateChanged {
            at,
            service,
            ordinal,
            revision,
            state: RolloutState::Failed,
            reason: format!("the deployment circuit breaker tripped: {failures} failed tasks, threshold {threshold}"),
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
