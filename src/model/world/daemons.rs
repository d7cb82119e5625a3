//! DAEMON services (aws-semantics §13.3): one task on each ACTIVE instance of
//! the service's ASG providers, placed before any replica on an instance that
//! registers, stopped after every replica when the instance drains, and
//! replaced instance by instance in a rolling deployment (maximumPercent 100).
//! Part of [`World`]; the instances module calls in here and never decides
//! for a daemon itself.
//!
//! Model choices where AWS is silent: the providers a daemon names (its
//! `launch_type = "EC2"` or its strategy) are the instances it runs on, a
//! stand-in for a `memberOf` constraint; a daemon that does not fit is
//! counted unplaced (the event) and retried whenever room frees on that
//! instance; its revision's replacement on an instance starts only once the
//! old task there has STOPPED, so the instance never holds two.

use super::World;
use crate::model::config::InstanceType;
use crate::model::ids::{CapacityProviderId, InstanceId, ServiceId, TaskId};
use crate::model::observation::{InstanceState, Observation, Observer, StopReason, TaskState};
use crate::model::placement::Bin;

impl<O: Observer> World<O> {
    pub(super) fn is_daemon_task(&self, task_id: TaskId) -> bool {
        self.config.services[self.tasks[task_id.index()].service.index()].is_daemon()
    }

    /// Whether the daemon service runs on this provider's instances.
    fn daemon_runs_on(&self, service: ServiceId, provider: CapacityProviderId) -> bool {
        let config = &self.config.services[service.index()];
        config.is_daemon() && config.capacity_provider_strategy.iter().any(|item| item.provider == provider)
    }

    /// The daemon services on this provider's instances, in service order.
    fn daemons_on(&self, provider: CapacityProviderId) -> Vec<ServiceId> {
        (0..self.config.services.len() as u32).map(ServiceId).filter(|&s| self.daemon_runs_on(s, provider)).collect()
    }

    /// No task here but daemons: the instance is empty to managed scaling
    /// (§5.1: daemon tasks do not count as use) and to termination protection.
    pub(super) fn holds_only_daemons(&self, id: InstanceId) -> bool {
        self.instances[id.index()].tasks.iter().all(|&t| self.is_daemon_task(t))
    }

    /// What a new instance of the provider offers replicas: an empty one less
    /// its daemons' CPU, memory and ENIs (§13.3), for ECS's estimate (§5.1).
    pub(super) fn fresh_bin(&self, provider: CapacityProviderId, instance_type: &InstanceType) -> Bin {
        let mut bin = Bin::empty(instance_type);
        for service in self.daemons_on(provider) {
            let need = self.reservation(service);
            bin.cpu_free = bin.cpu_free.saturating_sub(need.cpu_units);
            bin.memory_free = bin.memory_free.saturating_sub(need.memory_mib);
            bin.awsvpc_free = bin.awsvpc_free.saturating_sub(1);
        }
        bin
    }

    /// The daemon services of the provider count its ACTIVE instances as
    /// their desired count (§13.3), reported when it moves.
    pub(super) fn refresh_daemon_desired(&mut self, provider: CapacityProviderId) {
        for service in self.daemons_on(provider) {
            self.refresh_desired_of(service);
        }
    }

    fn refresh_desired_of(&mut self, service: ServiceId) {
        let count = self.daemon_instances(service).len() as u32;
        if self.services[service.index()].desired_count != count {
            self.services[service.index()].desired_count = count;
            let at = self.now();
            self.emit(Observation::DesiredCountChanged { at, service, desired_count: count });
        }
    }

    /// ACTIVE instances of the daemon's providers: where it belongs. Nothing
    /// is placed on a DRAINING instance (§13.3).
    fn daemon_instances(&self, service: ServiceId) -> Vec<InstanceId> {
        (0..self.instances.len() as u32)
            .map(InstanceId)
            .filter(|&i| {
                let instance = &self.instances[i.index()];
                instance.state == InstanceState::Active && self.daemon_runs_on(service, instance.provider)
            })
            .collect()
    }

    /// Each daemon service of the instance's provider gets its task there,
    /// if the instance is ACTIVE, holds none of its tasks and has room.
    pub(super) fn place_daemons(&mut self, id: InstanceId) {
        if self.instances[id.index()].state != InstanceState::Active {
            return;
        }
        for service in self.daemons_on(self.instances[id.index()].provider) {
            self.place_daemon(service, id);
            self.report_daemon_unplaced(service);
        }
    }

    /// One daemon task of the service's current revision on the instance.
    /// True when one was placed.
    fn place_daemon(&mut self, service: ServiceId, id: InstanceId) -> bool {
        if self.services[service.index()].halted || !self.may_launch(service) {
            return false;
        }
        let instance = &self.instances[id.index()];
        // One per instance, even while an old revision's task is stopping there.
        if instance.tasks.iter().any(|t| self.tasks[t.index()].service == service) {
            return false;
        }
        let need = self.reservation(service);
        let fits =
            instance.cpu_free >= need.cpu_units && instance.memory_free >= need.memory_mib && instance.awsvpc_free >= 1;
        if !fits {
            return false;
        }
        let provider = instance.provider;
        let (revision, group) = (self.services[service.index()].revision, self.services[service.index()].launch_group);
        let task = self.new_task(service, provider, revision, group);
        self.place_on(task, id);
        true
    }

    /// Per provider of the daemon, its ACTIVE instances without a task of it
    /// (placement failed for lack of room): the event ECS reports (§13.3).
    fn report_daemon_unplaced(&mut self, service: ServiceId) {
        let strategy = self.config.services[service.index()].capacity_provider_strategy.clone();
        for (item, entry) in strategy.iter().enumerate() {
            let unplaced = self
                .daemon_instances(service)
                .into_iter()
                .filter(|i| {
                    let instance = &self.instances[i.index()];
                    instance.provider == entry.provider
                        && !instance.tasks.iter().any(|t| self.tasks[t.index()].service == service)
                })
                .count() as u32;
            self.set_unplaced(service, item, unplaced);
        }
    }

    /// The scheduler's pass over a daemon service: its desired count, a task
    /// replaced when found unhealthy (stopped first: one per instance), the
    /// rolling deployment in progress, and a task on every instance lacking one.
    pub(super) fn reconcile_daemon(&mut self, service: ServiceId) {
        self.refresh_desired_of(service);
        let unhealthy: Vec<TaskId> = self.services[service.index()]
            .tasks
            .iter()
            .copied()
            .filter(|t| self.tasks[t.index()].awaiting_replacement.is_some() && self.tasks[t.index()].is_stoppable())
            .collect();
        for task in unhealthy {
            let reason = self.tasks[task.index()].awaiting_replacement.unwrap_or(StopReason::FailedElbHealthCheck);
            self.stop_task(task, reason);
        }
        if self.rollout_in_progress(service) {
            return self.daemon_rolling_step(service);
        }
        self.place_on_every_instance(service);
    }

    fn place_on_every_instance(&mut self, service: ServiceId) -> u32 {
        let mut placed = 0;
        for id in self.daemon_instances(service) {
            placed += u32::from(self.place_daemon(service, id));
        }
        self.report_daemon_unplaced(service);
        placed
    }

    /// A daemon's rolling deployment (§13.3, §2.2 with maximumPercent 100):
    /// old tasks stop while ⌈minimumHealthyPercent × instances⌉ stay healthy
    /// (unhealthy ones first, then the oldest), and each instance gets the
    /// new revision once its old task has STOPPED.
    fn daemon_rolling_step(&mut self, service: ServiceId) {
        let Some(rollout) = self.services[service.index()].rollout.clone() else { return };
        let desired = self.services[service.index()].desired_count;
        let percent = self.config.services[service.index()].deployment_configuration.minimum_healthy_percent;
        let minimum_healthy = (u64::from(desired) * u64::from(percent)).div_ceil(100) as u32;
        let healthy = |world: &Self, t: TaskId| world.is_healthy(t) && world.tasks[t.index()].stopping_for.is_none();
        let active: Vec<TaskId> = self.services[service.index()]
            .tasks
            .iter()
            .copied()
            .filter(|t| self.tasks[t.index()].is_active())
            .collect();
        let healthy_count = active.iter().filter(|&&t| healthy(self, t)).count() as u32;
        let mut spare = healthy_count.saturating_sub(minimum_healthy);
        let old: Vec<TaskId> =
            active.iter().copied().filter(|t| self.tasks[t.index()].revision != rollout.revision).collect();
        let mut stops: Vec<TaskId> = old.iter().copied().filter(|&t| !healthy(self, t)).collect();
        for &t in old.iter().filter(|&&t| healthy(self, t)) {
            if spare == 0 {
                break;
            }
            stops.push(t);
            spare -= 1;
        }
        for &t in &stops {
            if self.tasks[t.index()].is_stoppable() {
                self.stop_task(t, StopReason::Deployment);
            }
        }
        let placed = self.place_on_every_instance(service);
        let short = self.services[service.index()].unplaced.iter().any(|&n| n > 0);
        self.check_rollout_done(service, stops.len() + placed as usize, short);
    }

    /// On a DRAINING instance, the daemons stop once no other task is left
    /// (§13.3: last to stop; the instance's scale-in waits for them).
    pub(super) fn stop_daemons_if_alone(&mut self, id: InstanceId) {
        if !self.holds_only_daemons(id) {
            return;
        }
        for task in self.instances[id.index()].tasks.clone() {
            if self.tasks[task.index()].state <= TaskState::Running {
                self.stop_task(task, StopReason::ContainerInstanceDraining);
            }
        }
    }
}
