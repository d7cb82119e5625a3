//! CloudWatch's periods: every 20 seconds each service's CPU and memory
//! datapoints (for high-resolution policies), and every minute its one-minute
//! datapoints, running and healthy counts and the ALB's request counts
//! (aws-semantics §6, §3.5). Part of [`World`]; it reads tasks and target
//! groups and hands the datapoints to the scaling policies.

use super::{scaling, World};
use crate::engine::SimTime;
use crate::model::config::TaskDefinition;
use crate::model::event::Event;
use crate::model::ids::ServiceId;
use crate::model::observation::{Observation, Observer, TaskState};

/// The high-resolution period (§1.2): every third one ends a minute.
const PERIOD_NANOS: u64 = 20_000_000_000;
const MINUTE_NANOS: u64 = 60_000_000_000;

/// `100 × used / (capacity × time up)`, None when no task was up (§6).
fn utilization(used: f64, capacity: f64, up_nanos: u128) -> Option<f64> {
    (up_nanos > 0 && capacity > 0.0).then(|| 100.0 * used / (capacity * up_nanos as f64))
}

impl<O: Observer> World<O> {
    pub(super) fn schedule_metrics_tick(&mut self) {
        let now = self.now();
        let next = SimTime::from_nanos((now.as_nanos() / PERIOD_NANOS + 1) * PERIOD_NANOS).min(self.metrics_end);
        if next > now {
            // First at its instant: a change at exactly a boundary belongs to the next period.
            self.queue.schedule_first(next, Event::MetricsTick);
        }
    }

    /// Closes a 20-second period, and a minute every third one (or at the end).
    /// Each period's raw integrals go to the service's history, from which a
    /// datapoint of any multiple of 20 s is built exactly (what-if periods).
    /// Model choice: a task counts while its containers are up (RUNNING through
    /// STOPPING), weighted by the time it was up in the period; with CPU
    /// contention off the figure can pass 100 %, which Fargate cannot.
    pub(super) fn metrics_tick(&mut self) {
        let now = self.now();
        let closes_minute = now.as_nanos() % MINUTE_NANOS == 0 || now == self.metrics_end;
        let slot = (now.as_nanos() - 1) / PERIOD_NANOS;
        for s in 0..self.services.len() {
            let service = ServiceId(s as u32);
            let mut integrals = {
                let state = &mut self.services[s];
                let taken = PeriodIntegrals {
                    slot,
                    cpu_used: state.period_cpu_used,
                    up_nanos: state.period_up_nanos,
                    requests_in_tasks: state.period_requests_in_tasks,
                    memory_used: state.period_memory_used,
                    request_count: state.period_request_count,
                    targets: 0,
                    queue_visible: None,
                    queue_age_of_oldest_secs: None,
                    running_at_end: 0,
                };
                (state.period_cpu_used, state.period_up_nanos, state.period_requests_in_tasks) = (0, 0, 0);
                state.period_memory_used = 0.0;
                state.period_request_count = 0;
                taken
            };
            let mut running_count = 0;
            // A worker's queue, sampled at the period's end (§12.3 model choice).
            if let Some(queue) = self.config.services[s].worker.as_ref().map(|w| w.queue) {
                let sample = self.queue_sample(queue);
                integrals.queue_visible = sample.map(|q| q.visible);
                integrals.queue_age_of_oldest_secs = sample.and_then(|q| q.age_of_oldest_secs);
            }
            let config = &self.config.services[s];
            let mut leaking = Vec::new();
            for &task_id in &self.services[s].tasks {
                let task = &mut self.tasks[task_id.index()];
                running_count += u32::from(task.state == TaskState::Running);
                let (cpu, requests) = task.processor.take_integrals(now);
                let up = task.take_up_nanos(now);
                integrals.cpu_used += cpu;
                integrals.requests_in_tasks += requests;
                integrals.up_nanos += u128::from(up);
                integrals.memory_used += memory_used(config.revision(task.revision), up, requests);
                if task.memory_watched {
                    leaking.push((task_id, up));
                }
            }
            for &(task_id, up) in &leaking {
                integrals.memory_used += self.take_leaked_memory(task_id, up);
            }
            // RequestCountPerTarget: per healthy target, per registered one when
            // none is healthy (§3.5 model choice); both of a blue/green pair's groups.
            let healthy = self.healthy_targets(service);
            integrals.targets = if healthy > 0 { healthy } else { self.registered_targets(service) };
            integrals.running_at_end = running_count;
            // An hourly leak under load is checked here (see `memory`).
            for &(task_id, _) in &leaking {
                self.check_memory(task_id);
            }
            let state = &mut self.services[s];
            state.minute.add(&integrals);
            self.record_period(service, integrals);
            if closes_minute {
                self.close_minute(service, running_count);
            } else {
                self.evaluate_high_resolution(service, running_count);
            }
        }
        if closes_minute {
            let start = SimTime::from_nanos((now.as_nanos() - 1) / MINUTE_NANOS * MINUTE_NANOS);
            self.queues_minute(start);
            if now < self.metrics_end {
                self.schedules_due();
            }
            self.managed_scaling_minute();
            self.blue_green_minute();
        }
        self.schedule_metrics_tick();
    }

    /// The minute's datapoints from its accumulated periods, published and
    /// handed to the one-minute policies.
    fn close_minute(&mut self, service: ServiceId, running_count: u32) {
        let now = self.now();
        let start = SimTime::from_nanos((now.as_nanos() - 1) / MINUTE_NANOS * MINUTE_NANOS);
        let s = service.index();
        let minute = std::mem::take(&mut self.services[s].minute);
        let datapoints = minute.datapoints(&self.config.services[s].task, true);
        // Tasks healthy by ECS's rule (§2.2): with a load balancer alone, the healthy targets.
        let healthy_count = self.services[s].healthy_tasks;
        let observation = Observation::MinuteClosed {
            start,
            service,
            running_count,
            healthy_count,
            desired_count: self.services[s].desired_count,
            cpu_utilization: datapoints.cpu_utilization,
            requests_in_tasks_integral: minute.requests_in_tasks,
            memory_utilization: datapoints.memory_utilization,
            request_count: minute.request_count,
            request_count_per_target: datapoints.request_count_per_target,
            backlog_per_task: datapoints.backlog_per_task,
            messages_visible: datapoints.messages_visible,
            age_of_oldest_message: datapoints.age_of_oldest_message,
        };
        self.emit(observation);
        self.evaluate_minute(service, running_count);
    }
}

/// A task's memory use over a stretch (MiB-nanoseconds): a baseline while its
/// containers are up, plus a fixed amount per request inside it.
pub(super) fn memory_used(definition: &TaskDefinition, up_nanos: u64, requests_in_task: u128) -> f64 {
    definition.memory_baseline_mib * up_nanos as f64 + definition.memory_per_request_mib * requests_in_task as f64
}

/// One service's raw CloudWatch integrals over one or more 20-second periods:
/// sums, so any multiple of 20 s adds up exactly.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct PeriodIntegrals {
    /// The (last) 20-second period's index: its start is `slot` × 20 s.
    pub slot: u64,
    /// Millicore-nanoseconds of CPU used.
    pub cpu_used: u128,
    /// Task-nanoseconds with containers up.
    pub up_nanos: u128,
    /// Request-nanoseconds inside tasks (the memory model's load).
    pub requests_in_tasks: u128,
    /// MiB-nanoseconds of memory used, each task by its revision's model.
    pub memory_used: f64,
    /// ALB `RequestCount`: requests that had a target chosen.
    pub request_count: u64,
    /// Targets `RequestCountPerTarget` divides by, at the (last) period's end.
    pub targets: u32,
    /// A worker's queue at the (last) period's end: `ApproximateNumberOfMessagesVisible`
    /// and `ApproximateAgeOfOldestMessage`; None while the queue is inactive (§12.3).
    pub queue_visible: Option<u64>,
    pub queue_age_of_oldest_secs: Option<f64>,
    /// RUNNING tasks at the (last) period's end (`RunningTaskCount`, §12.4 model choice).
    pub running_at_end: u32,
}

impl PeriodIntegrals {
    /// Adds a later period: sums add, the counts at the end are the later one's.
    pub fn add(&mut self, later: &PeriodIntegrals) {
        self.slot = later.slot;
        self.cpu_used += later.cpu_used;
        self.up_nanos += later.up_nanos;
        self.requests_in_tasks += later.requests_in_tasks;
        self.memory_used += later.memory_used;
        self.request_count += later.request_count;
        self.targets = later.targets;
        self.queue_visible = later.queue_visible;
        self.queue_age_of_oldest_secs = later.queue_age_of_oldest_secs;
        self.running_at_end = later.running_at_end;
    }

    /// The datapoints CloudWatch would publish for these periods (§6, §3.5):
    /// `CPUUtilization` = 100 × CPU used / (task CPU × task time up),
    /// `MemoryUtilization` likewise with the model's memory use (a baseline
    /// plus a fixed amount per request inside the task), the ALB's counts only
    /// when `with_requests` (the ALB publishes one-minute metrics) and only
    /// when a request had a target chosen. None where CloudWatch has nothing.
    pub fn datapoints(&self, definition: &TaskDefinition, with_requests: bool) -> scaling::Datapoints {
        let capacity_millis = f64::from(definition.cpu_units) * 1000.0 / 1024.0;
        let memory_used = self.memory_used;
        let requests = (with_requests && self.request_count > 0).then_some(self.request_count as f64);
        scaling::Datapoints {
            cpu_utilization: utilization(self.cpu_used as f64, capacity_millis, self.up_nanos),
            memory_utilization: utilization(memory_used, f64::from(definition.memory_reserved_mib), self.up_nanos),
            request_count: requests,
            request_count_per_target: requests.map(|count| count / f64::from(self.targets.max(1))),
            // SQS publishes one-minute datapoints only (§12.3); backlog per task
            // is metric math m1 / m2, with no datapoint when no task runs (§12.4).
            messages_visible: self.queue_visible.filter(|_| with_requests).map(|n| n as f64),
            age_of_oldest_message: self.queue_age_of_oldest_secs.filter(|_| with_requests),
            backlog_per_task: self
                .queue_visible
                .filter(|_| with_requests && self.running_at_end > 0)
                .map(|n| n as f64 / f64::from(self.running_at_end)),
        }
    }
}
