//! CloudWatch's minute: at each period boundary, each service's running and
//! healthy counts and its `CPUUtilization` (aws-semantics §6).
//! Part of [`World`]; it reads tasks and target groups and changes nothing else.

use super::{scaling, World};
use crate::engine::SimTime;
use crate::model::event::Event;
use crate::model::ids::ServiceId;
use crate::model::observation::{Observation, Observer, TaskState};

impl<O: Observer> World<O> {
    pub(super) fn schedule_minute_tick(&mut self) {
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
    pub(super) fn minute_tick(&mut self) {
        let now = self.now();
        let start = SimTime::from_secs(SimTime::from_nanos(now.as_nanos() - 1).minute_index() * 60);
        for s in 0..self.services.len() {
            let service = ServiceId(s as u32);
            let (mut cpu_used, mut up_nanos, mut in_tasks, request_count) = {
                let state = &mut self.services[s];
                let taken = (
                    state.minute_cpu_used,
                    state.minute_up_nanos,
                    state.minute_requests_in_tasks,
                    state.minute_request_count,
                );
                (state.minute_cpu_used, state.minute_up_nanos, state.minute_requests_in_tasks) = (0, 0, 0);
                state.minute_request_count = 0;
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
            // MemoryUtilization the same way (§6): model choice, a task uses a
            // baseline plus a fixed amount per request inside it.
            let definition = &self.config.services[s].task;
            let memory_utilization = (up_nanos > 0).then(|| {
                let used = definition.memory_baseline_mib * up_nanos as f64
                    + definition.memory_per_request_mib * in_tasks as f64;
                100.0 * used / (f64::from(definition.memory_mib) * up_nanos as f64)
            });
            let group = &self.target_groups[self.config.services[s].target_group.index()];
            let healthy_count = group.healthy_count();
            // RequestCountPerTarget: per healthy target, per registered one when
            // none is healthy (§3.5 model choice); no datapoint without requests.
            let targets = if healthy_count > 0 { healthy_count } else { group.registered_count() };
            let request_count_per_target =
                (request_count > 0).then(|| request_count as f64 / f64::from(targets.max(1)));
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
                    minute: start.minute_index(),
                    cpu_utilization,
                    memory_utilization,
                    request_count: (request_count > 0).then_some(request_count as f64),
                    request_count_per_target,
                },
                running_count,
            );
        }
        self.schedule_minute_tick();
    }
}
