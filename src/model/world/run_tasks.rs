//! Standalone tasks started by a schedule (issue 9, aws-semantics §13.1,
//! §13.2): an EventBridge rule or Scheduler schedule calls RunTask with its
//! task count; each task does one job of a drawn duration and exits. Part of
//! [`World`]. No service keeps them: nothing replaces a task that stops, and
//! a task that cannot be placed is reported as RunTask reports it and is not
//! retried (model choice §13.2: placement failures are final).

use super::World;
use crate::engine::{SimDuration, SimTime};
use crate::model::capacity::split;
use crate::model::event::Event;
use crate::model::ids::{ServiceId, TaskId};
use crate::model::observation::{Observation, Observer, StopReason};

impl<O: Observer> World<O> {
    /// At a minute boundary (and time zero): each schedule that fires in the
    /// minute starting now runs at a seeded moment within its window (§13.1).
    pub(super) fn schedules_due(&mut self) {
        let now = self.now();
        for s in 0..self.config.services.len() {
            let Some(run_task) = &self.config.services[s].run_task else { continue };
            if !run_task.schedule.fires(now, run_task.start_epoch_secs) {
                continue;
            }
            let within = run_task.fire_within.as_nanos();
            let service = ServiceId(s as u32);
            let run = self.services[s].runs;
            self.services[s].runs += 1;
            // One draw per run, keyed by service and run: other draws never move it.
            let mut stream = self.streams.substream("schedule_jitter", (u64::from(service.0) << 32) | u64::from(run));
            let offset = SimDuration::from_nanos((stream.uniform() * within as f64) as u64);
            self.queue.schedule(now + offset, Event::RunTask { service, run, scheduled_at: now });
        }
    }

    /// RunTask: the tasks its strategy splits across providers start, or
    /// fail to be placed (§13.2).
    pub(super) fn run_task(&mut self, service: ServiceId, run: u32, scheduled_at: SimTime) {
        let now = self.now();
        let config = &self.config.services[service.index()];
        let count = config.run_task.as_ref().map_or(0, |r| r.task_count);
        let counts = split(&config.capacity_provider_strategy, count, config.split_shortfall);
        let providers: Vec<_> = config.capacity_provider_strategy.iter().map(|i| i.provider).collect();
        let mut tasks: Vec<TaskId> = Vec::new();
        let mut failures: Vec<(&'static str, u32)> = Vec::new();
        for (provider, n) in providers.into_iter().zip(counts) {
            for _ in 0..n {
                let failure = if self.can_place(provider) {
                    self.run_task_placement_failure(service, provider)
                } else {
                    // Fargate Spot without capacity (§4.3, §13.2).
                    Some("Capacity is unavailable at this time")
                };
                match failure {
                    Some(reason) => match failures.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, n)) => *n += 1,
                        None => failures.push((reason, 1)),
                    },
                    None => {
                        tasks.push(TaskId(self.tasks.len() as u32));
                        self.launch(service, provider);
                    }
                }
            }
        }
        self.emit(Observation::ScheduledRun { at: now, service, run, scheduled_at, tasks, failures });
    }

    /// A standalone task is RUNNING: its job's duration is drawn (by its
    /// launch ordinal) and its end scheduled.
    pub(super) fn start_job(&mut self, task_id: TaskId) {
        let now = self.now();
        let task = &self.tasks[task_id.index()];
        let mut stream = self.streams.substream("job_duration", task.ordinal);
        let duration = self.definition(task_id).service_time.sample(&mut stream);
        let scaled = if task.service_time_scale != 1.0 {
            SimDuration::from_secs_f64(duration.as_secs_f64() * task.service_time_scale)
        } else {
            duration
        };
        self.tasks[task_id.index()].crash = Some(self.queue.schedule(now + scaled, Event::JobEnds(task_id)));
    }

    /// The job is done: the essential container exits 0 and the task stops.
    pub(super) fn job_ends(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].crash = None;
        self.essential_container_exits(task_id, StopReason::JobCompleted);
    }
}
