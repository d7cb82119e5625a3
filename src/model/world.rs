//! The world: owns the services, tasks and target groups, dispatches engine
//! events to them, and reports what happens to an [`Observer`].
//!
//! The caller drives it: [`World::handle_arrival`] for each request (arrivals
//! come from a stream merged with the event queue, never pushed into it) and
//! [`World::step`] for scheduled events. At equal times scheduled events run
//! before arrivals.
//!
//! This file holds the requests' path; `scheduler` (desiredCount, unhealthy
//! replacement), `lifecycle` (a task from PROVISIONING to STOPPED), `hung`
//! (a hung application's requests) and `cloudwatch` (the minute's
//! datapoints) add their methods to [`World`].

mod blue_green;
mod calls;
mod capacity;
mod cloudwatch;
mod daemons;
mod deployments;
mod hung;
mod instances;
mod lifecycle;
mod memory;
mod queues;
mod run_tasks;

pub use queues::QueueAudit;
mod scaling;
mod scheduler;

use super::alb::TargetGroup;
use super::config::{ClusterConfig, TaskDefinition};
use super::event::Event;
use super::ids::{QueueId, RouteId, ServiceId, TargetGroupId, TaskId};
use super::listener::{pick_weighted, Action};
use super::observation::{FailureCause, Observation, Observer, Outcome, TaskState};
use super::processor::{Admission, Departure, Request, NOT_A_CALL};
use super::task::Task;
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
    /// Response size carried by the trace; None takes the service's `response_bytes`.
    pub response_bytes: Option<u32>,
    /// Not a request but an SQS `SendMessage` to this queue (issue 9); `demand`
    /// is then the job's work.
    pub queue: Option<QueueId>,
}

#[derive(Default)]
struct ServiceState {
    desired_count: u32,
    /// Tasks launched so far: the ordinal that keys a task's random draws.
    launched_count: u64,
    /// Tasks not yet STOPPED, in launch order.
    tasks: Vec<TaskId>,
    /// CloudWatch's integrals of the current minute, from ended 20-second periods.
    minute: cloudwatch::PeriodIntegrals,
    /// The current 20-second period's integrals from tasks that exited in it,
    /// and the ALB's `RequestCount` so far.
    period_cpu_used: u128,
    period_up_nanos: u128,
    period_requests_in_tasks: u128,
    period_memory_used: f64,
    period_request_count: u64,
    /// Ended 20-second periods, oldest first (enough for the longest alarm).
    history: std::collections::VecDeque<cloudwatch::PeriodIntegrals>,
    /// One per scaling policy: target tracking first, then step.
    policies: Vec<super::autoscaling::PolicyState>,
    /// Per strategy item: tasks wanted there but not placed (no capacity).
    unplaced: Vec<u32>,
    /// The scalable target's bounds now (scheduled actions move them, §1.9).
    min_capacity: u32,
    max_capacity: u32,
    /// The revision new tasks launch with; the deployment in progress; the
    /// last COMPLETED revision (a rollback's target); deployments opened so far;
    /// a FAILED deployment without rollback launches nothing more (§2.4).
    revision: u32,
    rollout: Option<deployments::Rollout>,
    completed_revision: u32,
    deployments_opened: u32,
    halted: bool,
    /// The target group new tasks register with, the one production traffic
    /// goes to, and during a blue/green shift the weighted pair (§2.7).
    launch_group: TargetGroupId,
    production_group: TargetGroupId,
    traffic_split: Option<blue_green::TrafficSplit>,
    /// The service throttle (§2.3): tasks that failed to start in a row, and
    /// no launch before this time.
    start_failures: u32,
    throttled_until: Option<SimTime>,
    /// Tasks that count as healthy now (§2.2).
    healthy_tasks: u32,
    /// A schedule's runs so far (standalone tasks, §13.1).
    runs: u32,
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
    /// Weighted forward actions' per-request draws (§10.3).
    forward_weights: Stream,
    /// Fargate Spot: when random reclaim waves come, and which tasks a wave or
    /// a replayed row takes.
    spot_wave_times: Stream,
    spot_picks: Stream,
    /// Which of a blue/green pair's target groups a request goes to.
    traffic_shift: Stream,
    /// EC2 (§5): every instance launched, per provider its group (empty for
    /// Fargate), the `random` placement strategy's and the ASG's draws.
    instances: Vec<instances::Instance>,
    groups: Vec<instances::GroupState>,
    placement_random: Stream,
    asg_termination: Stream,
    /// Requests admitted to a task whose client has no answer yet.
    unanswered: u64,
    /// Calls between services (issue 8): requests waiting on their calls,
    /// the calls in flight, free slots of each, and each service's draws of
    /// which calls a request makes.
    call_plans: Vec<calls::CallPlan>,
    calls: Vec<calls::Call>,
    free_call_plans: Vec<u32>,
    free_calls: Vec<u32>,
    call_draws: Vec<Stream>,
    call_service_time: Vec<Stream>,
    /// Per distinct call timeout, its FIFO of deadlines; per service and
    /// call, the line its timeout uses.
    call_timeouts: Vec<calls::TimeoutLine>,
    call_timeout_lines: Vec<Vec<u32>>,
    /// SQS queues (§12), the jobs in worker tasks (reusable slots), and the
    /// number of the latest poll (a task's poll names it).
    queues: Vec<queues::QueueState>,
    jobs: Vec<queues::Job>,
    free_jobs: Vec<u32>,
    poll_number: u32,
    /// `finish` is answering the clients still waiting.
    finishing: bool,
    /// Scratch space of `complete_requests`, kept to avoid allocating.
    held_buffer: Vec<Departure>,
    finished_calls_buffer: Vec<u32>,
    /// Minute ticks run until here (the end of the simulated duration).
    metrics_end: SimTime,
    observer: O,
}

impl<O: Observer> World<O> {
    /// A cluster at time zero: every service launches its desired count.
    pub fn new(config: ClusterConfig, seed: u64, duration: SimDuration, observer: O) -> Self {
        let streams = RngStreams::new(seed);
        let service_time = (0..config.services.len() as u64).map(|i| streams.substream("service_time", i)).collect();
        let call_draws = (0..config.services.len() as u64).map(|i| streams.substream("calls", i)).collect();
        // A call's service time: its callee's own stream, apart from the
        // callee's clients' draws (common random numbers across policies).
        let call_service_time =
            (0..config.services.len() as u64).map(|i| streams.substream("call_service_time", i)).collect();
        let mut call_timeouts: Vec<calls::TimeoutLine> = Vec::new();
        let call_timeout_lines = config
            .services
            .iter()
            .map(|s| {
                s.calls
                    .iter()
                    .map(|c| {
                        // A call also goes through a load balancer (an internal
                        // ALB, model choice: the scenario's idle timeout), which
                        // answers 504 once the callee has been silent for longer
                        // than the idle timeout (§3.3). Its line is 1 ns later
                        // than the idle timeout itself: an answer at exactly
                        // the idle timeout is in time, as for a client.
                        let idle_cut = config.load_balancer.idle_timeout + SimDuration::from_nanos(1);
                        let duration = c.timeout.filter(|&t| t < idle_cut).unwrap_or(idle_cut);
                        let line = match call_timeouts.iter().position(|l| l.duration == duration) {
                            Some(line) => line,
                            None => {
                                call_timeouts.push(calls::TimeoutLine::new(duration));
                                call_timeouts.len() - 1
                            }
                        };
                        line as u32
                    })
                    .collect()
            })
            .collect();
        let mut world = World {
            services: config
                .services
                .iter()
                .map(|s| ServiceState {
                    // Target tracking policies first, then step policies.
                    policies: vec![
                        Default::default();
                        s.auto_scaling.as_ref().map_or(0, |a| a.target_tracking.len() + a.step_scaling.len())
                    ],
                    min_capacity: s.auto_scaling.as_ref().map_or(0, |a| a.min_capacity),
                    max_capacity: s.auto_scaling.as_ref().map_or(u32::MAX, |a| a.max_capacity),
                    unplaced: vec![0; s.capacity_provider_strategy.len()],
                    launch_group: s.target_group,
                    production_group: s.target_group,
                    ..ServiceState::default()
                })
                .collect(),
            target_groups: config.load_balancer.target_groups.iter().map(|_| TargetGroup::default()).collect(),
            queue: EventQueue::new(),
            tasks: Vec::new(),
            routing: streams.stream("routing"),
            forward_weights: streams.stream("listener_forward"),
            spot_wave_times: streams.stream("spot_wave_times"),
            spot_picks: streams.stream("spot_picks"),
            traffic_shift: streams.stream("traffic_shift"),
            instances: Vec::new(),
            groups: config.capacity_providers.iter().map(|_| Default::default()).collect(),
            placement_random: streams.stream("placement_random"),
            asg_termination: streams.stream("asg_termination"),
            service_time,
            streams,
            unanswered: 0,
            call_plans: Vec::new(),
            calls: Vec::new(),
            free_call_plans: Vec::new(),
            free_calls: Vec::new(),
            call_draws,
            call_service_time,
            call_timeouts,
            call_timeout_lines,
            queues: (0..config.queues.len() as u64)
                .map(|i| queues::QueueState::new(streams.substream("job_demand", i)))
                .collect(),
            jobs: Vec::new(),
            free_jobs: Vec::new(),
            poll_number: 0,
            finishing: false,
            held_buffer: Vec::new(),
            finished_calls_buffer: Vec::new(),
            metrics_end: SimTime::ZERO + duration,
            observer,
            config,
        };
        world.start_groups();
        for s in 0..world.services.len() {
            let service = ServiceId(s as u32);
            for &(at, desired_count) in &world.config.services[s].desired_count_changes {
                world.queue.schedule(at, Event::SetDesiredCount { service, desired_count });
            }
            for (i, deployment) in world.config.services[s].deployments.iter().enumerate() {
                world.queue.schedule(deployment.at, Event::StartDeployment { service, deployment: i as u32 });
            }
            world.set_desired_count(service, world.config.services[s].desired_count);
            if world.config.services[s].warm_start {
                world.warm_start(service);
            }
            // Scheduled actions due at time zero run then, not at the first tick.
            world.run_scheduled_actions(service);
        }
        // Schedules due in the first minute run in it.
        world.schedules_due();
        world.schedule_metrics_tick();
        world.schedule_spot_market();
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

    pub fn observer_mut(&mut self) -> &mut O {
        &mut self.observer
    }

    pub fn into_observer(self) -> O {
        self.observer
    }

    /// Healthy targets of the service, in both of its target groups (§2.7).
    fn healthy_targets(&self, service: ServiceId) -> u32 {
        let config = &self.config.services[service.index()];
        self.target_groups[config.target_group.index()].healthy_count()
            + self.target_groups[config.alternate_target_group.index()].healthy_count()
    }

    fn registered_targets(&self, service: ServiceId) -> u32 {
        let config = &self.config.services[service.index()];
        self.target_groups[config.target_group.index()].registered_count()
            + self.target_groups[config.alternate_target_group.index()].registered_count()
    }

    /// The task definition a task runs: its revision's.
    fn definition(&self, task_id: TaskId) -> &TaskDefinition {
        let task = &self.tasks[task_id.index()];
        self.config.services[task.service.index()].revision(task.revision)
    }

    fn emit(&mut self, observation: Observation) {
        self.observer.observe(&observation);
    }

    // ---- requests ---------------------------------------------------------

    /// A request reaches the ALB at `arrival.at` (not before the present).
    pub fn handle_arrival(&mut self, arrival: Arrival) {
        self.queue.advance_to(arrival.at);
        if let Some(queue) = arrival.queue {
            return self.send_message(queue, arrival.demand);
        }
        let now = arrival.at;
        let route = arrival.route;
        let listener_group = match self.config.load_balancer.listener.action(route) {
            Action::FixedResponse { status } => {
                let status = *status;
                return self.observer.observe(&Observation::FixedResponse { at: now, route, status });
            }
            Action::Forward(groups) if groups.len() == 1 => groups[0].target_group,
            // Weighted: a seeded draw per request (model choice §10.3);
            // validation keeps at least one weight above 0.
            Action::Forward(groups) => pick_weighted(groups, self.forward_weights.uniform())
                .expect("invariant: a weighted forward has a weight above 0"),
        };
        let service = self.config.load_balancer.target_groups[listener_group.index()].service;
        let definition = &self.config.services[service.index()].task;
        // Drawn before routing, so every policy sees the same demands (common random numbers).
        let demand = match arrival.demand {
            Some(demand) => demand,
            None => definition.service_time.sample(&mut self.service_time[service.index()]),
        };
        let response_bytes = arrival.response_bytes.unwrap_or(definition.response_bytes);
        let request = Request { arrived: now, route, call: NOT_A_CALL, demand, cpu_millis: 0, response_bytes };
        self.deliver(service, request);
    }

    /// A request for `service` (from the ALB, or a call from another
    /// service) goes to one of its targets: it starts, queues or fails.
    fn deliver(&mut self, service: ServiceId, mut request: Request) {
        let now = request.arrived;
        // The listener forwards to the service's production group, or during a
        // blue/green shift to the pair by weight (§2.7).
        let group_id = match self.services[service.index()].traffic_split {
            None => self.services[service.index()].production_group,
            Some(split) => self.shift_route(service, split),
        };
        let tasks = &self.tasks;
        let picked = self.target_groups[group_id.index()].pick(
            self.config.load_balancer.algorithm,
            |task| tasks[task.index()].outstanding(),
            &mut self.routing,
            now,
        );
        let Some(task_id) = picked else {
            self.count_new_group_failure(service, group_id);
            return self.answer_failure(service, &request, FailureCause::NoRegisteredTargets, service);
        };
        self.services[service.index()].period_request_count += 1;
        let task = &mut self.tasks[task_id.index()];
        // Nothing accepts the connection (not yet up, stopping, gone): 502 at once (§3.3).
        if !task.listening {
            self.count_new_group_failure(service, group_id);
            return self.answer_failure(service, &request, FailureCause::TargetNotListening, service);
        }
        // Accepted but never answered: 504 at the idle timeout (§3.3).
        if task.hung {
            return self.deliver_to_hung_app(task_id, request);
        }
        // The task's revision decides how long the request takes and how much CPU it wants.
        if task.service_time_scale != 1.0 {
            request.demand = SimDuration::from_secs_f64(request.demand.as_secs_f64() * task.service_time_scale);
        }
        request.cpu_millis = task.cpu_millis;
        let memory_watched = task.memory_watched;
        match task.processor.admit(request, now) {
            Admission::Started => {
                self.unanswered += 1;
                self.reschedule_completion(task_id);
                if memory_watched {
                    self.check_memory(task_id);
                }
            }
            Admission::Queued => {
                self.unanswered += 1;
                if memory_watched {
                    self.check_memory(task_id);
                }
            }
            Admission::Refused => {
                self.count_new_group_failure(service, group_id);
                let caused_by = self.refusal_cause(task_id);
                self.answer_failure(service, &request, FailureCause::Refused, caused_by)
            }
        }
    }

    /// A request that never entered a task fails at once.
    fn answer_failure(&mut self, service: ServiceId, request: &Request, cause: FailureCause, caused_by: ServiceId) {
        self.observer.observe(&Observation::RequestFinished {
            at: request.arrived,
            service,
            route: request.route,
            call: request.call != NOT_A_CALL,
            caused_by,
            arrived: request.arrived,
            outcome: Outcome::Failed(cause),
            queue_time: SimDuration::ZERO,
            response_bytes: 0,
        });
        if request.call != NOT_A_CALL {
            self.call_finished(request.call, false, caused_by);
        }
    }

    /// The client of a request inside a task loses it at `now` for `cause`,
    /// unless the ALB's idle timeout had already answered 504 (aws-semantics §3.3).
    fn answer_cut(&mut self, service: ServiceId, request: &Request, cause: FailureCause) {
        let now = self.now();
        let idle_timeout = self.config.load_balancer.idle_timeout;
        let is_call = request.call != NOT_A_CALL;
        // A call too had its 504 at the idle timeout (see `World::new`).
        let (at, cause) = if now - request.arrived > idle_timeout {
            (request.arrived + idle_timeout, FailureCause::IdleTimeout)
        } else {
            (now, cause)
        };
        self.unanswered -= 1;
        self.observer.observe(&Observation::RequestFinished {
            at,
            service,
            route: request.route,
            call: is_call,
            caused_by: service,
            arrived: request.arrived,
            outcome: Outcome::Failed(cause),
            queue_time: SimDuration::ZERO,
            response_bytes: 0,
        });
        if is_call {
            self.call_finished(request.call, false, service);
        }
    }

    /// Fails every request still inside the task, as its clients see it:
    /// in service, queued, and those waiting on their calls; of a hung
    /// task, those whose 504 has not come yet (the others were answered).
    fn cut_requests(&mut self, task_id: TaskId, cause: FailureCause) {
        let task = &mut self.tasks[task_id.index()];
        if task.connections_cut || (task.processor.is_empty() && task.hung_requests.is_empty()) {
            return;
        }
        if self.config.services[task.service.index()].worker.is_some() {
            return self.abandon_jobs(task_id);
        }
        let (service, group) = (task.service, task.target_group);
        let requests = if task.hung {
            Vec::from(std::mem::take(&mut task.hung_requests))
        } else {
            let mut requests = Vec::with_capacity(task.processor.len());
            task.processor.for_each_request(|r| requests.push(*r));
            requests.extend(self.abandon_held_calls(task_id));
            requests
        };
        for _ in 0..requests.len() {
            self.count_new_group_failure(service, group);
        }
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
        if self.config.services[service.index()].worker.is_some() {
            return self.complete_jobs(task_id);
        }
        let makes_calls = !self.config.services[service.index()].calls.is_empty();
        let observer = &mut self.observer;
        let unanswered = &mut self.unanswered;
        let held = &mut self.held_buffer;
        let finished_calls = &mut self.finished_calls_buffer;
        let mut served = 0;
        let mut late = 0;
        task.processor.complete_due(now, |departure| {
            served += 1;
            if !answered {
                return false; // the ALB already answered this client (cut-off)
            }
            if makes_calls {
                // Its own work is done; it keeps its slot while it calls others.
                held.push(departure);
                return true;
            }
            *unanswered -= 1;
            let request = departure.request;
            let is_call = request.call != NOT_A_CALL;
            // A call too meets its load balancer's idle timeout (see `World::new`).
            let (at, outcome) = if now - request.arrived > idle_timeout {
                late += 1;
                (request.arrived + idle_timeout, Outcome::Failed(FailureCause::IdleTimeout))
            } else {
                (now, Outcome::Succeeded)
            };
            observer.observe(&Observation::RequestFinished {
                at,
                service,
                route: request.route,
                call: is_call,
                caused_by: service,
                arrived: request.arrived,
                outcome,
                queue_time: departure.started - request.arrived,
                response_bytes: if outcome == Outcome::Succeeded { request.response_bytes } else { 0 },
            });
            if is_call {
                finished_calls.push(request.call);
            }
            false
        });
        // The ALB's 504s count towards a blue/green rollback alarm on ELB 5XX
        // like its other errors (counted now, in the minute the task answered).
        for _ in 0..late {
            let group = self.tasks[task_id.index()].target_group;
            self.count_new_group_failure(service, group);
        }
        // Only services in calls get here with work: nothing to move otherwise.
        if !self.held_buffer.is_empty() {
            let mut held = std::mem::take(&mut self.held_buffer);
            for departure in held.drain(..) {
                self.begin_calls(task_id, departure);
            }
            self.held_buffer = held;
        }
        if !self.finished_calls_buffer.is_empty() {
            let mut finished_calls = std::mem::take(&mut self.finished_calls_buffer);
            for call in finished_calls.drain(..) {
                self.call_finished(call, true, service);
            }
            self.finished_calls_buffer = finished_calls;
        }
        self.reschedule_completion(task_id);
        if self.tasks[task_id.index()].memory_watched {
            self.requests_served_memory(task_id, served);
        }
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
            Event::AppHangs(task) => self.app_hangs(task),
            Event::HungRequestsTimeOut(task) => self.hung_requests_time_out(task),
            Event::StartDeployment { service, deployment } => self.start_deployment(service, deployment),
            Event::TrafficShiftStep { service, ordinal, step } => self.traffic_shift_step(service, ordinal, step),
            Event::BakeTimeEnds { service, ordinal } => self.bake_time_ends(service, ordinal),
            Event::ThrottleEnds(service) => self.reconcile(service),
            Event::HealthCheck(task) => self.health_check(task),
            Event::CallTimeoutsDue(line) => self.call_timeouts_due(line),
            Event::ContainerHealthCheck(task) => self.container_health_check(task),
            Event::HealthyWithoutChecks(task) => self.healthy_without_checks(task),
            Event::DeregistrationDelayEnds(task) => self.deregistration_delay_ends(task),
            Event::StopTimeoutEnds(task) => self.stop_timeout_ends(task),
            Event::TaskDeprovisioned(task) => self.task_deprovisioned(task),
            Event::TaskCrashes(task) => self.task_crashes(task),
            Event::MemoryCheck(task) => self.memory_check_due(task),
            Event::RunTask { service, run, scheduled_at } => self.run_task(service, run, scheduled_at),
            Event::JobEnds(task) => self.job_ends(task),
            Event::SetDesiredCount { service, desired_count } => self.set_desired_count(service, desired_count),
            Event::MetricsTick => self.metrics_tick(),
            Event::QueueVisibilityDue(queue) => self.queue_visibility_due(queue),
            Event::QueueRetentionDue(queue) => self.queue_retention_due(queue),
            Event::LongPollsDue(queue) => self.long_polls_due(queue),
            Event::ShortPollPauseEnds { task, poll } => self.short_poll_pause_ends(task, poll),
            Event::SpotInterruption(task) => {
                // This event is the one the task holds: fired, not to be cancelled.
                self.tasks[task.index()].spot_interruption = None;
                self.spot_interruption(task, "interruption");
            }
            Event::SpotWave(wave) => self.spot_wave(wave),
            Event::SpotReplay(row) => self.spot_replay(row),
            Event::CapacityReturns(_) => self.capacity_returns(),
            Event::InstanceRegistered(instance) => self.instance_registered(instance),
            Event::InstanceSpotNotice(instance) => self.instance_spot_notice(instance),
            Event::InstanceReclaimed(instance) => self.instance_reclaimed(instance),
        }
        true
    }

    /// The end of the run at `at`, one idle timeout after the last arrival:
    /// clients still waiting got the ALB's 504.
    pub fn finish(&mut self, at: SimTime) {
        self.queue.advance_to(at.max(self.now()));
        // No new call from here: a caller's plan ends when its task is cut.
        self.finishing = true;
        for t in 0..self.tasks.len() {
            // Jobs still at work stay in flight: no client waits on them.
            if self.config.services[self.tasks[t].service.index()].worker.is_some() {
                continue;
            }
            self.cut_requests(TaskId(t as u32), FailureCause::IdleTimeout);
            self.tasks[t].connections_cut = true;
        }
    }
}
