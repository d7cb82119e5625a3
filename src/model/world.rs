//! The world: owns the services, tasks and target groups, dispatches engine
//! events to them, and reports what happens to an [`Observer`].
//!
//! The caller drives it: [`World::handle_arrival`] for each request (arrivals
//! come from a stream merged with the event queue, never pushed into it) and
//! [`World::step`] for scheduled events. At equal times scheduled events run
//! before arrivals.

use super::alb::{HealthTransition, TargetGroup};
use super::config::ClusterConfig;
use super::event::Event;
use super::ids::{RouteId, ServiceId, TargetGroupId, TaskId};
use super::observation::{FailureCause, Observation, Observer, Outcome, StopReason, TargetHealth, TaskState};
use super::processor::{Admission, Processor, Request};
use super::task::Task;
use crate::engine::sample::exponential;
use crate::engine::{EventQueue, RngStreams, SimDuration, SimTime, Stream};

/// The key of a task's own random draws: its service in the high bits, its
/// launch ordinal within the service in the low 40.
fn task_ordinal(service: ServiceId, launched_before: u64) -> u64 {
    (u64::from(service.0) << 40) | launched_before
}

/// A request reaching the ALB.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arrival {
    pub at: SimTime,
    pub route: RouteId,
    /// Service demand carried by the trace; None draws from the service's distribution.
    pub demand: Option<SimDuration>,
}

#[derive(Default)]
struct ServiceState {
    desired_count: u32,
    /// Tasks launched so far: the ordinal that keys a task's random draws.
    launched_count: u64,
    /// Tasks not yet STOPPED, in launch order.
    tasks: Vec<TaskId>,
    /// CloudWatch accumulators for the current minute, from tasks that exited in it.
    minute_cpu_used: u128,
    minute_up_nanos: u128,
    minute_requests_in_tasks: u128,
}

pub struct World<O: Observer> {
    config: ClusterConfig,
    queue: EventQueue<Event>,
    services: Vec<ServiceState>,
    target_groups: Vec<TargetGroup>,
    tasks: Vec<Task>,
    streams: RngStreams,
    service_time: Vec<Stream>,
    routing: Stream,
    /// Requests admitted to a task whose client has no answer yet.
    unanswered: u64,
    /// Minute ticks run until here (the end of the simulated duration).
    metrics_end: SimTime,
    observer: O,
}

impl<O: Observer> World<O> {
    /// A cluster at time zero: every service launches its desired count.
    pub fn new(config: ClusterConfig, seed: u64, duration: SimDuration, observer: O) -> Self {
        let streams = RngStreams::new(seed);
        let service_time = (0..config.services.len() as u64).map(|i| streams.substream("service_time", i)).collect();
        let mut world = World {
            services: config.services.iter().map(|_| ServiceState::default()).collect(),
            target_groups: config.load_balancer.target_groups.iter().map(|_| TargetGroup::default()).collect(),
            queue: EventQueue::new(),
            tasks: Vec::new(),
            routing: streams.stream("routing"),
            service_time,
            streams,
            unanswered: 0,
            metrics_end: SimTime::ZERO + duration,
            observer,
            config,
        };
        for s in 0..world.services.len() {
            let service = ServiceId(s as u32);
            for &(at, desired_count) in &world.config.services[s].desired_count_changes {
                world.queue.schedule(at, Event::SetDesiredCount { service, desired_count });
            }
            world.set_desired_count(service, world.config.services[s].desired_count);
        }
        world.schedule_minute_tick();
        world
    }

    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    pub fn next_event_time(&mut self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Requests inside tasks whose clients are still waiting.
    pub fn unanswered(&self) -> u64 {
        self.unanswered
    }

    pub fn observer(&self) -> &O {
        &self.observer
    }

    pub fn into_observer(self) -> O {
        self.observer
    }

    fn emit(&mut self, observation: Observation) {
        self.observer.observe(&observation);
    }

    // ---- requests ---------------------------------------------------------

    /// A request reaches the ALB at `arrival.at` (not before the present).
    pub fn handle_arrival(&mut self, arrival: Arrival) {
        self.queue.advance_to(arrival.at);
        let now = arrival.at;
        let group_id = self.config.load_balancer.routes[arrival.route.index()];
        let service = self.config.load_balancer.target_groups[group_id.index()].service;
        let definition = &self.config.services[service.index()].task;
        // Drawn before routing, so every policy sees the same demands (common random numbers).
        let demand = match arrival.demand {
            Some(demand) => demand,
            None => definition.service_time.sample(&mut self.service_time[service.index()]),
        };
        let request = Request { arrived: now, demand, cpu_millis: definition.vcpu_per_request_millis };
        let tasks = &self.tasks;
        let picked = self.target_groups[group_id.index()].pick(
            self.config.load_balancer.algorithm,
            |task| tasks[task.index()].processor.len(),
            &mut self.routing,
        );
        let Some(task_id) = picked else {
            return self.answer_failure(service, now, FailureCause::NoRegisteredTargets);
        };
        let task = &mut self.tasks[task_id.index()];
        if !task.listening {
            return self.answer_failure(service, now, FailureCause::TargetNotListening);
        }
        match task.processor.admit(request, now) {
            Admission::Started => {
                self.unanswered += 1;
                self.reschedule_completion(task_id);
            }
            Admission::Queued => self.unanswered += 1,
            Admission::Refused => self.answer_failure(service, now, FailureCause::Refused),
        }
    }

    /// A request that never entered a task fails at once.
    fn answer_failure(&mut self, service: ServiceId, now: SimTime, cause: FailureCause) {
        self.observer.observe(&Observation::RequestFinished {
            at: now,
            service,
            arrived: now,
            outcome: Outcome::Failed(cause),
            queue_time: SimDuration::ZERO,
        });
    }

    /// The client of a request inside a task loses it at `now` for `cause`,
    /// unless the ALB's idle timeout had already answered 504 (aws-semantics §3.3).
    fn answer_cut(&mut self, service: ServiceId, request: &Request, cause: FailureCause) {
        let now = self.now();
        let idle_timeout = self.config.load_balancer.idle_timeout;
        let (at, cause) = if now - request.arrived > idle_timeout {
            (request.arrived + idle_timeout, FailureCause::IdleTimeout)
        } else {
            (now, cause)
        };
        self.unanswered -= 1;
        self.observer.observe(&Observation::RequestFinished {
            at,
            service,
            arrived: request.arrived,
            outcome: Outcome::Failed(cause),
            queue_time: SimDuration::ZERO,
        });
    }

    /// Fails every request still inside the task, as its clients see it.
    fn cut_requests(&mut self, task_id: TaskId, cause: FailureCause) {
        let task = &self.tasks[task_id.index()];
        if task.connections_cut || task.processor.is_empty() {
            return;
        }
        let service = task.service;
        let mut requests = Vec::with_capacity(task.processor.len());
        task.processor.for_each_request(|r| requests.push(*r));
        for request in &requests {
            self.answer_cut(service, request, cause);
        }
    }

    fn reschedule_completion(&mut self, task_id: TaskId) {
        let task = &mut self.tasks[task_id.index()];
        let next = task.processor.next_completion();
        if next == task.completion.map(|(at, _)| at) {
            return;
        }
        if let Some((_, id)) = task.completion.take() {
            self.queue.cancel(id);
        }
        if let Some(at) = next {
            let id = self.queue.schedule(at, Event::RequestsComplete(task_id));
            self.tasks[task_id.index()].completion = Some((at, id));
        }
    }

    /// Model choice: a request the ALB already answered 504 stays in the task
    /// until it finishes (the application does not notice the client left).
    fn complete_requests(&mut self, task_id: TaskId) {
        let now = self.now();
        let idle_timeout = self.config.load_balancer.idle_timeout;
        let task = &mut self.tasks[task_id.index()];
        task.completion = None;
        let (service, answered) = (task.service, !task.connections_cut);
        let observer = &mut self.observer;
        let unanswered = &mut self.unanswered;
        task.processor.complete_due(now, |departure| {
            if !answered {
                return; // the ALB already answered this client (cut-off)
            }
            *unanswered -= 1;
            let request = departure.request;
            let (at, outcome) = if now - request.arrived > idle_timeout {
                (request.arrived + idle_timeout, Outcome::Failed(FailureCause::IdleTimeout))
            } else {
                (now, Outcome::Succeeded)
            };
            observer.observe(&Observation::RequestFinished {
                at,
                service,
                arrived: request.arrived,
                outcome,
                queue_time: departure.started - request.arrived,
            });
        });
        self.reschedule_completion(task_id);
        let task = &self.tasks[task_id.index()];
        if task.state == TaskState::Stopping && task.processor.is_empty() {
            self.process_exited(task_id);
        }
    }

    // ---- the engine loop --------------------------------------------------

    /// Runs the next scheduled event; false when there is none.
    pub fn step(&mut self) -> bool {
        let Some((_, event)) = self.queue.pop() else { return false };
        match event {
            Event::RequestsComplete(task) => self.complete_requests(task),
            Event::TaskProvisioned(task) => self.task_provisioned(task),
            Event::TaskRunning(task) => self.task_running(task),
            Event::AppReady(task) => self.app_ready(task),
            Event::HealthCheck(task) => self.health_check(task),
            Event::DeregistrationDelayEnds(task) => self.deregistration_delay_ends(task),
            Event::StopTimeoutEnds(task) => self.stop_timeout_ends(task),
            Event::TaskDeprovisioned(task) => self.task_deprovisioned(task),
            Event::TaskCrashes(task) => self.task_crashes(task),
            Event::SetDesiredCount { service, desired_count } => self.set_desired_count(service, desired_count),
            Event::MinuteTick => self.minute_tick(),
        }
        true
    }

    /// The end of the run at `at`, one idle timeout after the last arrival:
    /// clients still waiting got the ALB's 504.
    pub fn finish(&mut self, at: SimTime) {
        self.queue.advance_to(at.max(self.now()));
        for t in 0..self.tasks.len() {
            self.cut_requests(TaskId(t as u32), FailureCause::IdleTimeout);
            self.tasks[t].connections_cut = true;
        }
    }

    // ---- the service scheduler -------------------------------------------

    fn set_desired_count(&mut self, service: ServiceId, desired_count: u32) {
        self.services[service.index()].desired_count = desired_count;
        let at = self.now();
        self.emit(Observation::DesiredCountChanged { at, service, desired_count });
        self.reconcile(service);
    }

    /// Keeps `desired_count` tasks active: launches the shortfall, stops the
    /// excess. Model choice: the scheduler reacts at once; it stops tasks that
    /// are not yet RUNNING first, then the youngest.
    fn reconcile(&mut self, service: ServiceId) {
        let state = &self.services[service.index()];
        let mut active: Vec<TaskId> =
            state.tasks.iter().copied().filter(|t| self.tasks[t.index()].is_active()).collect();
        let desired = state.desired_count as usize;
        if active.len() < desired {
            for _ in active.len()..desired {
                self.launch(service);
            }
        } else if active.len() > desired {
            active.sort_by_key(|t| (self.tasks[t.index()].state == TaskState::Running, std::cmp::Reverse(*t)));
            for &task in &active[..active.len() - desired] {
                self.stop_task(task, StopReason::ServiceScaledIn);
            }
        }
    }

    fn set_state(&mut self, task_id: TaskId, to: TaskState) {
        let task = &mut self.tasks[task_id.index()];
        let from = task.state;
        task.state = to;
        let (service, stop_reason) =
            (task.service, if to >= TaskState::Deactivating { task.stopping_for } else { None });
        let at = self.now();
        self.emit(Observation::TaskStateChanged { at, service, task: task_id, from: Some(from), to, stop_reason });
    }

    fn launch(&mut self, service: ServiceId) {
        let now = self.now();
        let id = TaskId(self.tasks.len() as u32);
        let ordinal = task_ordinal(service, self.services[service.index()].launched_count);
        self.services[service.index()].launched_count += 1;
        let definition = &self.config.services[service.index()].task;
        // Drawn by the service's launch ordinal, so policies that launch at other
        // times, or other services' launches, never move these draws.
        let startup = definition.startup_time.sample(&mut self.streams.substream("startup", ordinal));
        let provisioning = definition.provisioning_time.min(startup);
        let processor = Processor::new(
            definition.concurrency,
            definition.queue_limit,
            definition.cpu_units,
            definition.cpu_contention,
            now,
        );
        let mut task = Task::new(service, ordinal, processor, now + startup);
        task.lifecycle_timer = Some(self.queue.schedule(now + provisioning, Event::TaskProvisioned(id)));
        self.tasks.push(task);
        self.services[service.index()].tasks.push(id);
        self.emit(Observation::TaskStateChanged {
            at: now,
            service,
            task: id,
            from: None,
            to: TaskState::Provisioning,
            stop_reason: None,
        });
    }

    /// PROVISIONING → PENDING → ACTIVATING (aws-semantics §2.5; Fargate has no agent wait).
    fn task_provisioned(&mut self, task_id: TaskId) {
        self.set_state(task_id, TaskState::Pending);
        self.set_state(task_id, TaskState::Activating);
        let due = self.tasks[task_id.index()].running_due;
        self.tasks[task_id.index()].lifecycle_timer = Some(self.queue.schedule(due, Event::TaskRunning(task_id)));
    }

    /// ACTIVATING → RUNNING: the target is registered (`initial`) and health checks begin.
    fn task_running(&mut self, task_id: TaskId) {
        let now = self.now();
        self.set_state(task_id, TaskState::Running);
        let service = self.tasks[task_id.index()].service;
        let service_config = &self.config.services[service.index()];
        let group_id = service_config.target_group;
        let (app_ready_time, crash_mean) =
            (service_config.task.app_ready_time, service_config.task.mean_time_between_crashes);
        let interval = self.config.load_balancer.target_groups[group_id.index()].health_check.interval;
        let task = &mut self.tasks[task_id.index()];
        task.lifecycle_timer = None;
        task.running_at = Some(now);
        task.up_since = Some(now);
        self.target_groups[group_id.index()].register(task_id);
        self.emit_health(task_id, group_id, TargetHealth::Initial);
        // Model choice: the first check comes one interval after registration.
        self.tasks[task_id.index()].health_check =
            Some(self.queue.schedule(now + interval, Event::HealthCheck(task_id)));
        if app_ready_time.is_zero() {
            self.tasks[task_id.index()].listening = true;
        } else {
            self.queue.schedule(now + app_ready_time, Event::AppReady(task_id));
        }
        if let Some(mean) = crash_mean {
            let ordinal = self.tasks[task_id.index()].ordinal;
            let mut stream = self.streams.substream("task_crashes", ordinal);
            let after = SimDuration::from_secs_f64(exponential(&mut stream, mean.as_secs_f64()));
            self.tasks[task_id.index()].crash = Some(self.queue.schedule(now + after, Event::TaskCrashes(task_id)));
        }
    }

    fn app_ready(&mut self, task_id: TaskId) {
        let task = &mut self.tasks[task_id.index()];
        if task.state == TaskState::Running && task.stopping_for.is_none() {
            task.listening = true;
        }
    }

    fn emit_health(&mut self, task_id: TaskId, group_id: TargetGroupId, health: TargetHealth) {
        let at = self.now();
        let service = self.tasks[task_id.index()].service;
        let healthy_count = self.target_groups[group_id.index()].healthy_count();
        self.emit(Observation::TargetHealthChanged { at, service, task: task_id, health, healthy_count });
    }

    /// One health check of a registered, non-draining target: it passes when the
    /// application accepts connections (model choice).
    fn health_check(&mut self, task_id: TaskId) {
        let now = self.now();
        let task = &mut self.tasks[task_id.index()];
        task.health_check = None;
        if task.state != TaskState::Running || task.stopping_for.is_some() {
            return;
        }
        let (passed, service) = (task.listening, task.service);
        let running_at = task.running_at.unwrap_or(now);
        let service_config = &self.config.services[service.index()];
        let group_id = service_config.target_group;
        let grace = service_config.health_check_grace_period;
        let group_config = &self.config.load_balancer.target_groups[group_id.index()];
        let interval = group_config.health_check.interval;
        let transition = self.target_groups[group_id.index()].record_check(task_id, passed, &group_config.health_check);
        match transition {
            HealthTransition::None => {}
            HealthTransition::BecameHealthy => self.emit_health(task_id, group_id, TargetHealth::Healthy),
            HealthTransition::BecameUnhealthy => self.emit_health(task_id, group_id, TargetHealth::Unhealthy),
        }
        let unhealthy = self.target_groups[group_id.index()].health(task_id) == Some(TargetHealth::Unhealthy);
        // ECS replaces a task its target group finds unhealthy, once past the grace
        // period (§2.3). AWS starts the replacement first, within maximumPercent, and
        // stops the unhealthy task when it is healthy; until maximumPercent exists
        // (deployments), model choice: drain the unhealthy task now, launch at once.
        if unhealthy && now - running_at >= grace {
            self.stop_task(task_id, StopReason::FailedElbHealthCheck);
            self.reconcile(service);
        } else {
            self.tasks[task_id.index()].health_check =
                Some(self.queue.schedule(now + interval, Event::HealthCheck(task_id)));
        }
    }

    /// The service stops a task: a registered one is deregistered and drains for
    /// the deregistration delay first (aws-semantics §2.5, §3.4; model choice:
    /// the full delay, no early completion).
    fn stop_task(&mut self, task_id: TaskId, reason: StopReason) {
        let now = self.now();
        let task = &mut self.tasks[task_id.index()];
        if task.stopping_for.is_some() || task.state > TaskState::Running {
            return;
        }
        task.stopping_for = Some(reason);
        for id in [task.crash.take(), task.health_check.take()].into_iter().flatten() {
            self.queue.cancel(id);
        }
        let task = &mut self.tasks[task_id.index()];
        if task.state < TaskState::Running {
            if let Some(id) = task.lifecycle_timer.take() {
                self.queue.cancel(id);
            }
            self.sigterm(task_id);
            return;
        }
        let group_id = self.config.services[task.service.index()].target_group;
        let delay = self.config.load_balancer.target_groups[group_id.index()].deregistration_delay;
        self.target_groups[group_id.index()].start_draining(task_id);
        self.emit_health(task_id, group_id, TargetHealth::Draining);
        self.set_state(task_id, TaskState::Deactivating);
        self.tasks[task_id.index()].lifecycle_timer =
            Some(self.queue.schedule(now + delay, Event::DeregistrationDelayEnds(task_id)));
    }

    /// The delay is over: the ALB cuts what is still in flight (502) and the
    /// target is gone; ECS sends SIGTERM.
    fn deregistration_delay_ends(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].lifecycle_timer = None;
        self.cut_requests(task_id, FailureCause::DeregistrationCutOff);
        self.tasks[task_id.index()].connections_cut = true;
        let group_id = self.config.services[self.tasks[task_id.index()].service.index()].target_group;
        self.target_groups[group_id.index()].remove(task_id);
        self.emit_health(task_id, group_id, TargetHealth::Unused);
        self.sigterm(task_id);
    }

    /// STOPPING: SIGTERM, then SIGKILL after stopTimeout (aws-semantics §2.5).
    /// Model choice: the application stops accepting, finishes the work it holds
    /// (nobody reads it once the ALB has cut it) and exits when it is done.
    fn sigterm(&mut self, task_id: TaskId) {
        let now = self.now();
        self.set_state(task_id, TaskState::Stopping);
        let task = &mut self.tasks[task_id.index()];
        task.listening = false;
        if task.processor.is_empty() {
            self.process_exited(task_id);
        } else {
            let stop_timeout = self.config.services[task.service.index()].task.stop_timeout;
            task.lifecycle_timer = Some(self.queue.schedule(now + stop_timeout, Event::StopTimeoutEnds(task_id)));
        }
    }

    fn stop_timeout_ends(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].lifecycle_timer = None;
        self.cut_requests(task_id, FailureCause::TaskStopped);
        self.process_exited(task_id);
    }

    /// The containers are gone: DEPROVISIONING until the ENI is released.
    fn process_exited(&mut self, task_id: TaskId) {
        let now = self.now();
        let task = &mut self.tasks[task_id.index()];
        for id in [task.completion.take().map(|(_, id)| id), task.lifecycle_timer.take()].into_iter().flatten() {
            self.queue.cancel(id);
        }
        task.listening = false;
        task.connections_cut = true;
        let (cpu_used, requests_in_task) = task.processor.take_integrals(now);
        let up_nanos = task.take_up_nanos(now);
        task.up_since = None;
        task.processor.clear(now);
        let service = task.service;
        let deprovisioning = self.config.services[service.index()].task.deprovisioning_time;
        let state = &mut self.services[service.index()];
        state.minute_cpu_used += cpu_used;
        state.minute_requests_in_tasks += requests_in_task;
        state.minute_up_nanos += u128::from(up_nanos);
        self.set_state(task_id, TaskState::Deprovisioning);
        self.tasks[task_id.index()].lifecycle_timer =
            Some(self.queue.schedule(now + deprovisioning, Event::TaskDeprovisioned(task_id)));
    }

    fn task_deprovisioned(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].lifecycle_timer = None;
        self.set_state(task_id, TaskState::Stopped);
        let service = self.tasks[task_id.index()].service;
        self.services[service.index()].tasks.retain(|&t| t != task_id);
    }

    /// An essential container exits: in-flight requests fail (502), ECS
    /// deregisters the target at once and replaces the task (model choice: no
    /// window in which the ALB still sends to the dead target).
    fn task_crashes(&mut self, task_id: TaskId) {
        let task = &mut self.tasks[task_id.index()];
        task.crash = None;
        if task.state != TaskState::Running || task.stopping_for.is_some() {
            return;
        }
        task.stopping_for = Some(StopReason::EssentialContainerExited);
        task.listening = false;
        if let Some(id) = task.health_check.take() {
            self.queue.cancel(id);
        }
        let service = task.service;
        self.cut_requests(task_id, FailureCause::TaskStopped);
        self.tasks[task_id.index()].connections_cut = true;
        let group_id = self.config.services[service.index()].target_group;
        self.target_groups[group_id.index()].remove(task_id);
        self.emit_health(task_id, group_id, TargetHealth::Unused);
        self.set_state(task_id, TaskState::Stopping);
        self.process_exited(task_id);
        self.reconcile(service);
    }

    // ---- CloudWatch's minute ----------------------------------------------

    fn schedule_minute_tick(&mut self) {
        let now = self.now();
        let next = SimTime::from_secs((now.minute_index() + 1) * 60).min(self.metrics_end);
        if next > now {
            // First at its instant: a change at exactly k·60 s belongs to the next minute.
            self.queue.schedule_first(next, Event::MinuteTick);
        }
    }

    /// Closes the minute: each service's running and healthy counts and its
    /// `CPUUtilization` = 100 × CPU used / (task CPU × task time up) (aws-semantics §6).
    /// Model choice: a task counts while its containers are up (RUNNING through
    /// STOPPING), weighted by the time it was up in the minute; with CPU
    /// contention off the figure can pass 100 %, which Fargate cannot.
    fn minute_tick(&mut self) {
        let now = self.now();
        let start = SimTime::from_secs(SimTime::from_nanos(now.as_nanos() - 1).minute_index() * 60);
        for s in 0..self.services.len() {
            let service = ServiceId(s as u32);
            let (mut cpu_used, mut up_nanos, mut in_tasks) = {
                let state = &mut self.services[s];
                let taken = (state.minute_cpu_used, state.minute_up_nanos, state.minute_requests_in_tasks);
                (state.minute_cpu_used, state.minute_up_nanos, state.minute_requests_in_tasks) = (0, 0, 0);
                taken
            };
            let mut running_count = 0;
            // From the task definition: the minute's tasks may all be gone by now.
            let capacity_millis = u64::from(self.config.services[s].task.cpu_units) * 1000 / 1024;
            for &task_id in &self.services[s].tasks {
                let task = &mut self.tasks[task_id.index()];
                running_count += u32::from(task.state == TaskState::Running);
                let (cpu, requests) = task.processor.take_integrals(now);
                cpu_used += cpu;
                in_tasks += requests;
                up_nanos += u128::from(task.take_up_nanos(now));
            }
            let cpu_utilization = (up_nanos > 0 && capacity_millis > 0)
                .then(|| 100.0 * cpu_used as f64 / (capacity_millis as f64 * up_nanos as f64));
            let group_id = self.config.services[s].target_group;
            let observation = Observation::MinuteClosed {
                start,
                service,
                running_count,
                healthy_count: self.target_groups[group_id.index()].healthy_count(),
                desired_count: self.services[s].desired_count,
                cpu_utilization,
                requests_in_tasks_integral: in_tasks,
            };
            self.emit(observation);
        }
        self.schedule_minute_tick();
    }
}
