//! CloudWatch's periods: every 20 seconds each service's CPU and memory
//! datapoints (for high-resolution policies), and every minute its one-minute
//! datapoints, running and healthy counts and the ALB's request counts
//! (aws-semantics §6, §3.5). Part of [`World`]; it reads tasks and target
//! groups and hands the datapoints to the scaling policies.

use super::{scaling, World};
use crate::engine::SimTime;
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
    /// `CPUUtilization` = 100 × CPU used / (task CPU × task time up) (aws-semantics §6).
    /// Model choice: a task counts while its containers are up (RUNNING through
    /// STOPPING), weighted by the time it was up in the period; with CPU
    /// contention off the figure can pass 100 %, which Fargate cannot.
    pub(super) fn metrics_tick(&mut self) {
        let now = self.now();
        let closes_minute = now.as_nanos() % MINUTE_NANOS == 0 || now == self.metrics_end;
        let period = (now.as_nanos() - 1) / PERIOD_NANOS;
        for s in 0..self.services.len() {
            let service = ServiceId(s as u32);
            let (mut cpu_used, mut up_nanos, mut in_tasks) = {
                let state = &mut self.services[s];
                let taken = (state.period_cpu_used, state.period_up_nanos, state.period_requests_in_tasks);
                (state.period_cpu_used, state.period_up_nanos, state.period_requests_in_tasks) = (0, 0, 0);
                taken
            };
            let mut running_count = 0;
            for &task_id in &self.services[s].tasks {
                let task = &mut self.tasks[task_id.index()];
                running_count += u32::from(task.state == TaskState::Running);
                let (cpu, requests) = task.processor.take_integrals(now);
                cpu_used += cpu;
                in_tasks += requests;
                up_nanos += u128::from(task.take_up_nanos(now));
            }
            let state = &mut self.services[s];
            state.minute_cpu_used += cpu_used;
            state.minute_up_nanos += up_nanos;
            state.minute_requests_in_tasks += in_tasks;
            // From the task definition: the period's tasks may all be gone by now.
            let definition = &self.config.services[s].task;
            let capacity_millis = f64::from(definition.cpu_units) * 1000.0 / 1024.0;
            // MemoryUtilization likewise (§6); model choice: a task uses a baseline
            // plus a fixed amount per request inside it.
            let memory_used =
                definition.memory_baseline_mib * up_nanos as f64 + definition.memory_per_request_mib * in_tasks as f64;
            let high_resolution = scaling::Datapoints {
                period,
                cpu_utilization: utilization(cpu_used as f64, capacity_millis, up_nanos),
                memory_utilization: utilization(memory_used, f64::from(definition.memory_mib), up_nanos),
                request_count: None,
                request_count_per_target: None,
            };
            self.record_high_resolution_datapoints(service, high_resolution, running_count, closes_minute);
            if closes_minute {
                self.close_minute(service, running_count);
            }
        }
        self.schedule_metrics_tick();
    }

    /// The minute's datapoints from its accumulated periods, published and
    /// handed to the one-minute policies.
    fn close_minute(&mut self, service: ServiceId, running_count: u32) {
        let now = self.now();
        let start = SimTime::from_nanos((now.as_nanos() - 1) / MINUTE_NANOS * MINUTE_NANOS);
        let s = service.index();
        let state = &mut self.services[s];
        let (cpu_used, up_nanos, in_tasks, request_count) =
            (state.minute_cpu_used, state.minute_up_nanos, state.minute_requests_in_tasks, state.minute_request_count);
        (state.minute_cpu_used, state.minute_up_nanos, state.minute_requests_in_tasks) = (0, 0, 0);
        state.minute_request_count = 0;
        let definition = &self.config.services[s].task;
        let capacity_millis = f64::from(definition.cpu_units) * 1000.0 / 1024.0;
        let cpu_utilization = utilization(cpu_used as f64, capacity_millis, up_nanos);
        let memory_used =
            definition.memory_baseline_mib * up_nanos as f64 + definition.memory_per_request_mib * in_tasks as f64;
        let memory_utilization = utilization(memory_used, f64::from(definition.memory_mib), up_nanos);
        let group = &self.target_groups[self.config.services[s].target_group.index()];
        let healthy_count = group.healthy_count();
        // RequestCountPerTarget: per healthy target, per registered one when
        // none is healthy (§3.5 model choice); no datapoint without requests.
        let targets = if healthy_count > 0 { healthy_count } else { group.registered_count() };
        let request_count_per_target = (request_count > 0).then(|| request_count as f64 / f64::from(targets.max(1)));
        let observation = Observation::MinuteClosed {
            start,
            service,
            running_count,
            healthy_count,
            desired_count: self.services[s].desired_count,
            cpu_utilization,
            requests_in_tasks_integral: in_tasks,
            memory_utilization,
            request_count,
            request_count_per_target,
        };
        self.emit(observation);
        self.record_datapoints(
            service,
            scaling::Datapoints {
                period: start.minute_index(),
                cpu_utilization,
                memory_utilization,
                request_count: (request_count > 0).then_some(request_count as f64),
                request_count_per_target,
            },
            running_count,
        );
    }
}
