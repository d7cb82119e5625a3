//! A task's ECS lifecycle (aws-semantics §2.5): PROVISIONING through STOPPED,
//! target registration and deregistration, SIGTERM and SIGKILL, crashes.
//! Part of [`World`]; the scheduler decides, this carries it out.

use super::{task_ordinal, World};
use crate::engine::sample::exponential;
use crate::engine::SimDuration;
use crate::model::event::Event;
use crate::model::ids::{CapacityProviderId, ServiceId, TargetGroupId, TaskId};
use crate::model::observation::{
    ContainerHealth, FailureCause, Observation, Observer, StopReason, TargetHealth, TaskState,
};
use crate::model::processor::Processor;
use crate::model::task::Task;

/// Without a load balancer or a container check, a task counts as healthy
/// this long after RUNNING (aws-semantics §2.2).
const HEALTHY_WITHOUT_CHECKS_AFTER: SimDuration = SimDuration::from_secs(40);

impl<O: Observer> World<O> {
    pub(super) fn set_state(&mut self, task_id: TaskId, to: TaskState) {
        let task = &mut self.tasks[task_id.index()];
        let from = task.state;
        task.state = to;
        let (service, capacity_provider, revision, stop_reason) = (
            task.service,
            task.capacity_provider,
            task.revision,
            if to >= TaskState::Deactivating { task.stopping_for } else { None },
        );
        let at = self.now();
        self.emit(Observation::TaskStateChanged {
            at,
            service,
            task: task_id,
            capacity_provider,
            from: Some(from),
            to,
            stop_reason,
            revision,
        });
        self.refresh_task_health(task_id);
    }

    /// A task of the service's current revision, in its launch target group.
    pub(super) fn launch(&mut self, service: ServiceId, capacity_provider: CapacityProviderId) {
        let state = &self.services[service.index()];
        let (revision, group) = (state.revision, state.launch_group);
        self.launch_as(service, capacity_provider, revision, group);
    }

    pub(super) fn launch_as(
        &mut self,
        service: ServiceId,
        capacity_provider: CapacityProviderId,
        revision: u32,
        target_group: TargetGroupId,
    ) {
        let id = self.new_task(service, capacity_provider, revision, target_group);
        if self.config.capacity_providers[capacity_provider.index()].auto_scaling_group().is_some() {
            self.place_or_wait(id);
        } else {
            self.begin_startup(id);
        }
    }

    /// A task in PROVISIONING, not yet placed anywhere: its draws made by its
    /// launch ordinal, its launch reported.
    pub(super) fn new_task(
        &mut self,
        service: ServiceId,
        capacity_provider: CapacityProviderId,
        revision: u32,
        target_group: TargetGroupId,
    ) -> TaskId {
        let now = self.now();
        let id = TaskId(self.tasks.len() as u32);
        let ordinal = task_ordinal(service, self.services[service.index()].launched_count);
        self.services[service.index()].launched_count += 1;
        let definition = self.config.services[service.index()].revision(revision);
        // Drawn by the service's launch ordinal, so policies that launch at other
        // times, or other services' launches, never move these draws.
        let startup = definition.startup_time.sample(&mut self.streams.substream("startup", ordinal));
        // Fault injection on its own stream, drawn only when a revision asks for it.
        let (fails_to_start, fails_health_checks) =
            if definition.start_failure_probability > 0.0 || definition.health_check_failure_probability > 0.0 {
                let mut faults = self.streams.substream("task_faults", ordinal);
                (
                    faults.uniform() < definition.start_failure_probability,
                    faults.uniform() < definition.health_check_failure_probability,
                )
            } else {
                (false, false)
            };
        let processor = Processor::new(
            definition.concurrency,
            definition.queue_limit,
            definition.cpu_units,
            definition.cpu_contention,
            now,
        );
        let mut task = Task::new(service, capacity_provider, ordinal, processor, startup);
        task.revision = revision;
        task.target_group = target_group;
        task.service_time_scale = definition.service_time_scale;
        task.cpu_millis = definition.vcpu_per_request_millis;
        task.fails_to_start = fails_to_start;
        task.fails_health_checks = fails_health_checks;
        self.tasks.push(task);
        self.services[service.index()].tasks.push(id);
        self.emit(Observation::TaskStateChanged {
            at: now,
            service,
            task: id,
            capacity_provider,
            from: None,
            to: TaskState::Provisioning,
            stop_reason: None,
            revision,
        });
        id
    }

    /// The task has somewhere to run: its start-up clock begins.
    pub(super) fn begin_startup(&mut self, task_id: TaskId) {
        let now = self.now();
        let provisioning = self.definition(task_id).provisioning_time;
        let task = &mut self.tasks[task_id.index()];
        task.running_due = now + task.startup;
        let provisioned = now + provisioning.min(task.startup);
        task.lifecycle_timer = Some(self.queue.schedule(provisioned, Event::TaskProvisioned(task_id)));
    }

    /// PROVISIONING → PENDING → ACTIVATING (aws-semantics §2.5; Fargate has no agent wait).
    pub(super) fn task_provisioned(&mut self, task_id: TaskId) {
        self.set_state(task_id, TaskState::Pending);
        self.set_state(task_id, TaskState::Activating);
        let due = self.tasks[task_id.index()].running_due;
        self.tasks[task_id.index()].lifecycle_timer = Some(self.queue.schedule(due, Event::TaskRunning(task_id)));
    }

    /// ACTIVATING → RUNNING: the target is registered (`initial`) and health checks begin.
    pub(super) fn task_running(&mut self, task_id: TaskId) {
        let now = self.now();
        let service = self.tasks[task_id.index()].service;
        if self.tasks[task_id.index()].fails_to_start {
            return self.task_failed_to_start(task_id);
        }
        self.set_state(task_id, TaskState::Running);
        let service_config = &self.config.services[service.index()];
        let group_id = self.tasks[task_id.index()].target_group;
        let definition = service_config.revision(self.tasks[task_id.index()].revision);
        let (app_ready_time, crash_mean, unhealthy_after) =
            (definition.app_ready_time, definition.mean_time_between_crashes, definition.unhealthy_after);
        let container_check_interval = definition.container_health_check.as_ref().map(|check| check.interval);
        let load_balanced = service_config.load_balanced;
        let interval = self.config.load_balancer.target_groups[group_id.index()].health_check.interval;
        let task = &mut self.tasks[task_id.index()];
        task.lifecycle_timer = None;
        task.running_at = Some(now);
        task.up_since = Some(now);
        if load_balanced {
            self.target_groups[group_id.index()].register(task_id);
            self.emit_health(task_id, TargetHealth::Initial);
            // Model choice: the first check comes one interval after registration.
            self.tasks[task_id.index()].health_check =
                Some(self.queue.schedule(now + interval, Event::HealthCheck(task_id)));
        }
        match container_check_interval {
            // Docker: the first check one interval after the container starts (§2.6).
            Some(interval) => {
                self.tasks[task_id.index()].container_check =
                    Some(self.queue.schedule(now + interval, Event::ContainerHealthCheck(task_id)));
            }
            None if !load_balanced => {
                self.queue.schedule(now + HEALTHY_WITHOUT_CHECKS_AFTER, Event::HealthyWithoutChecks(task_id));
            }
            None => {}
        }
        if app_ready_time.is_zero() {
            let task = &mut self.tasks[task_id.index()];
            task.listening = !task.fails_health_checks;
            self.poll(task_id);
        } else {
            self.queue.schedule(now + app_ready_time, Event::AppReady(task_id));
        }
        if let Some(after) = unhealthy_after {
            self.queue.schedule(now + after, Event::AppHangs(task_id));
        }
        if let Some(mean) = crash_mean {
            let ordinal = self.tasks[task_id.index()].ordinal;
            let mut stream = self.streams.substream("task_crashes", ordinal);
            let after = SimDuration::from_secs_f64(exponential(&mut stream, mean.as_secs_f64()));
            self.tasks[task_id.index()].crash = Some(self.queue.schedule(now + after, Event::TaskCrashes(task_id)));
        }
        self.start_spot_clock(task_id);
        self.start_memory_watch(task_id);
        if self.config.services[service.index()].is_run_task() {
            self.start_job(task_id);
        }
        self.services[service.index()].start_failures = 0;
        self.deployment_task_running(task_id);
        // A task that starts lifts the throttle (§2.3).
        if self.services[service.index()].throttled_until.take().is_some_and(|t| t > now) {
            self.reconcile(service);
        }
    }

    /// Time zero of a service that was already running: its placed tasks skip
    /// start-up and are RUNNING, listening and healthy now.
    pub(super) fn warm_start(&mut self, service: ServiceId) {
        let now = self.now();
        let tasks = self.services[service.index()].tasks.clone();
        for task_id in tasks {
            let task = &mut self.tasks[task_id.index()];
            if task.state != TaskState::Provisioning || task.lifecycle_timer.is_none() {
                continue; // still waiting for an EC2 instance
            }
            task.fails_to_start = false;
            if let Some(id) = task.lifecycle_timer.take() {
                self.queue.cancel(id);
            }
            self.set_state(task_id, TaskState::Pending);
            self.set_state(task_id, TaskState::Activating);
            self.task_running(task_id);
            if self.tasks[task_id.index()].fails_health_checks {
                continue; // a faulty task was never healthy: it stays `initial`
            }
            let task = &mut self.tasks[task_id.index()];
            task.listening = !task.fails_health_checks && !task.hung;
            // Its checks passed long ago (§2.2, §2.6).
            task.settled_without_checks = true;
            self.poll(task_id);
            if self.definition(task_id).container_health_check.is_some() {
                self.tasks[task_id.index()].container_health = ContainerHealth::Healthy;
                let service = self.tasks[task_id.index()].service;
                self.emit(Observation::ContainerHealthChanged {
                    at: now,
                    service,
                    task: task_id,
                    health: ContainerHealth::Healthy,
                });
            }
            if self.config.services[service.index()].load_balanced {
                let group_id = self.tasks[task_id.index()].target_group;
                let threshold =
                    self.config.load_balancer.target_groups[group_id.index()].health_check.healthy_threshold_count;
                self.target_groups[group_id.index()].remove(task_id);
                self.target_groups[group_id.index()].register_healthy(task_id, now, threshold);
                self.emit_health(task_id, TargetHealth::Healthy);
            }
            self.refresh_task_health(task_id);
        }
    }

    /// An essential container exits before RUNNING (fault injection): the task
    /// stops (`TaskFailedToStart`), the service replaces it, and a deployment
    /// counts it (§2.4 stage 1).
    fn task_failed_to_start(&mut self, task_id: TaskId) {
        let now = self.now();
        let service = self.tasks[task_id.index()].service;
        self.tasks[task_id.index()].lifecycle_timer = None;
        self.tasks[task_id.index()].stopping_for = Some(StopReason::TaskFailedToStart);
        self.set_state(task_id, TaskState::Stopping);
        self.process_exited(task_id);
        // The service throttle (§2.3): longer and longer waits, up to 15 minutes.
        // Model choice: 10 s after the first failure in a row, doubling.
        // One step per wait: a batch that fails together raises it once.
        let state = &mut self.services[service.index()];
        if state.throttled_until.is_none_or(|t| t <= now) {
            state.start_failures += 1;
            let wait = SimDuration::from_secs((10u64 << (state.start_failures - 1).min(7)).min(900));
            state.throttled_until = Some(now + wait);
            self.queue.schedule(now + wait, Event::ThrottleEnds(service));
        }
        self.deployment_task_failed(task_id, true);
        self.reconcile(service);
    }

    /// Whether the service throttle lets the scheduler launch now (§2.3).
    pub(super) fn may_launch(&self, service: ServiceId) -> bool {
        self.services[service.index()].throttled_until.is_none_or(|t| t <= self.now())
    }

    /// The application opens its socket, unless it hung before it could:
    /// then nothing ever accepts a connection (502 at once).
    pub(super) fn app_ready(&mut self, task_id: TaskId) {
        let task = &mut self.tasks[task_id.index()];
        if task.state == TaskState::Running && task.stopping_for.is_none() {
            task.listening = !task.fails_health_checks && !task.hung;
            self.poll(task_id);
        }
    }

    /// A target's health changed; the count is the service's healthy targets
    /// in both its target groups (§2.7).
    pub(super) fn emit_health(&mut self, task_id: TaskId, health: TargetHealth) {
        let at = self.now();
        let service = self.tasks[task_id.index()].service;
        let healthy_count = self.healthy_targets(service);
        self.emit(Observation::TargetHealthChanged { at, service, task: task_id, health, healthy_count });
        self.refresh_task_health(task_id);
    }

    /// The delay is over: the ALB cuts what is still in flight (502) and the
    /// target is gone; ECS sends SIGTERM.
    pub(super) fn deregistration_delay_ends(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].lifecycle_timer = None;
        self.cut_requests(task_id, FailureCause::DeregistrationCutOff);
        self.tasks[task_id.index()].connections_cut = true;
        let group_id = self.tasks[task_id.index()].target_group;
        self.target_groups[group_id.index()].remove(task_id);
        self.emit_health(task_id, TargetHealth::Unused);
        self.sigterm(task_id);
    }

    /// STOPPING: SIGTERM, then SIGKILL after stopTimeout (aws-semantics §2.5).
    /// Model choice: the application stops accepting, finishes the work it holds
    /// (nobody reads it once the ALB has cut it) and exits when it is done; a
    /// hung application does not answer SIGTERM and waits for the SIGKILL.
    pub(super) fn sigterm(&mut self, task_id: TaskId) {
        let stop_timeout = self.definition(task_id).stop_timeout;
        self.sigterm_within(task_id, stop_timeout);
    }

    /// SIGTERM, and SIGKILL after `kill_after` unless the application exits first.
    pub(super) fn sigterm_within(&mut self, task_id: TaskId, kill_after: SimDuration) {
        let now = self.now();
        self.set_state(task_id, TaskState::Stopping);
        let task = &mut self.tasks[task_id.index()];
        task.listening = false;
        if task.processor.is_empty() && !task.hung {
            self.process_exited(task_id);
        } else {
            task.lifecycle_timer = Some(self.queue.schedule(now + kill_after, Event::StopTimeoutEnds(task_id)));
        }
    }

    pub(super) fn stop_timeout_ends(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].lifecycle_timer = None;
        let cause = match self.tasks[task_id.index()].stopping_for {
            Some(StopReason::SpotInterruption) => FailureCause::SpotInterruption,
            _ => FailureCause::TaskStopped,
        };
        self.cut_requests(task_id, cause);
        self.process_exited(task_id);
    }

    /// The containers are gone: DEPROVISIONING until the ENI is released. A
    /// target still draining (an interrupted Spot task) leaves its group now.
    pub(super) fn process_exited(&mut self, task_id: TaskId) {
        let now = self.now();
        if self.config.services[self.tasks[task_id.index()].service.index()].worker.is_some() {
            self.abandon_jobs(task_id);
            self.release_jobs(task_id);
        }
        let group_id = self.tasks[task_id.index()].target_group;
        if self.target_groups[group_id.index()].health(task_id).is_some() {
            self.target_groups[group_id.index()].remove(task_id);
            self.emit_health(task_id, TargetHealth::Unused);
        }
        let up_nanos = self.tasks[task_id.index()].up_nanos_so_far(now);
        let leaked = self.take_leaked_memory(task_id, up_nanos);
        let task = &mut self.tasks[task_id.index()];
        // Its leak died with the containers: later periods must not count it
        // while the ENI is released (the task stays in the service till then).
        task.memory_watched = false;
        for id in [task.completion.take().map(|(_, id)| id), task.lifecycle_timer.take(), task.memory_check.take()]
            .into_iter()
            .flatten()
        {
            self.queue.cancel(id);
        }
        task.listening = false;
        task.connections_cut = true;
        let (cpu_used, requests_in_task) = task.processor.take_integrals(now);
        let up_nanos = task.take_up_nanos(now);
        task.up_since = None;
        task.processor.clear(now);
        let service = task.service;
        let definition = self.definition(task_id);
        let deprovisioning = definition.deprovisioning_time;
        let memory = super::cloudwatch::memory_used(definition, up_nanos, requests_in_task) + leaked;
        let state = &mut self.services[service.index()];
        state.period_memory_used += memory;
        state.period_cpu_used += cpu_used;
        state.period_requests_in_tasks += requests_in_task;
        state.period_up_nanos += u128::from(up_nanos);
        self.set_state(task_id, TaskState::Deprovisioning);
        self.tasks[task_id.index()].lifecycle_timer =
            Some(self.queue.schedule(now + deprovisioning, Event::TaskDeprovisioned(task_id)));
    }

    pub(super) fn task_deprovisioned(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].lifecycle_timer = None;
        self.set_state(task_id, TaskState::Stopped);
        let service = self.tasks[task_id.index()].service;
        self.services[service.index()].tasks.retain(|&t| t != task_id);
        self.release_instance(task_id);
        // An interrupted Spot task's replacement launches now (model choice §4.3);
        // a deployment may be complete once an old task has gone.
        let replaced_unhealthy =
            self.tasks[task_id.index()].stopping_for.is_some_and(StopReason::is_unhealthy_replacement);
        if std::mem::take(&mut self.tasks[task_id.index()].holds_slot)
            || self.rollout_in_progress(service)
            || replaced_unhealthy
        {
            self.reconcile(service);
        }
    }

    /// An essential container exits: in-flight requests fail (502), ECS
    /// deregisters the target at once and replaces the task (model choice: no
    /// window in which the ALB still sends to the dead target).
    pub(super) fn task_crashes(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].crash = None;
        self.essential_container_exits(task_id, StopReason::EssentialContainerExited);
    }

    /// The essential container exits (a crash, an OOM kill): the task stops.
    pub(super) fn essential_container_exits(&mut self, task_id: TaskId, reason: StopReason) {
        let task = &mut self.tasks[task_id.index()];
        if task.state != TaskState::Running || task.stopping_for.is_some() {
            return;
        }
        task.stopping_for = Some(reason);
        task.listening = false;
        for id in task.take_stop_cancelled_timers().collect::<Vec<_>>() {
            self.queue.cancel(id);
        }
        let service = self.tasks[task_id.index()].service;
        self.cut_requests(task_id, FailureCause::TaskStopped);
        self.tasks[task_id.index()].connections_cut = true;
        let group_id = self.tasks[task_id.index()].target_group;
        if self.target_groups[group_id.index()].health(task_id).is_some() {
            self.target_groups[group_id.index()].remove(task_id);
            self.emit_health(task_id, TargetHealth::Unused);
        }
        self.set_state(task_id, TaskState::Stopping);
        self.process_exited(task_id);
        self.reconcile(service);
    }
}
