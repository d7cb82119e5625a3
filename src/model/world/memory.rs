//! A task's memory in use, and the OOM kill when it passes the essential
//! container's hard limit (issue 9, aws-semantics §14). Part of [`World`].
//!
//! Memory in use = the revision's baseline + a fixed amount per request (or
//! job) inside the task + what its served requests leaked + an hourly leak
//! since RUNNING. It changes when a request enters or is served (checked
//! then) and, with an hourly leak, continuously: one event at the instant it
//! would pass the limit when only time moves it, else a check at every
//! 20-second CloudWatch tick. Only tasks that can pass their limit are
//! watched, so others pay nothing.
//!
//! Model choices (§14.2): the essential container is the task's one
//! container, so passing its limit (the container's `memory`, else the
//! task's) kills the task; a task already stopping is not checked.

use super::World;
use crate::engine::SimTime;
use crate::model::event::Event;
use crate::model::ids::TaskId;
use crate::model::observation::{Observer, StopReason, TaskState};

const HOUR_NANOS: f64 = 3.6e12;

impl<O: Observer> World<O> {
    /// Memory in use by the task now, MiB.
    pub(super) fn memory_in_use(&self, task_id: TaskId) -> f64 {
        let now = self.now();
        let task = &self.tasks[task_id.index()];
        let d = self.definition(task_id);
        let hours_running = task.running_at.map_or(0.0, |at| (now - at).as_nanos() as f64 / HOUR_NANOS);
        d.memory_baseline_mib
            + d.memory_per_request_mib * task.processor.len() as f64
            + task.leaked_mib
            + d.memory_leak_per_hour_mib * hours_running
    }

    /// At RUNNING: whether the task can ever pass its limit, and if so its
    /// first check.
    pub(super) fn start_memory_watch(&mut self, task_id: TaskId) {
        let now = self.now();
        let d = self.definition(task_id);
        let Some(limit) = d.memory_limit_mib else { return };
        let most_inside = f64::from(d.concurrency) + f64::from(d.queue_limit);
        let watched = d.memory_leak_per_request_mib > 0.0
            || d.memory_leak_per_hour_mib > 0.0
            || d.memory_baseline_mib + d.memory_per_request_mib * most_inside > f64::from(limit);
        let task = &mut self.tasks[task_id.index()];
        task.memory_watched = watched;
        task.leak_updated = now;
        if watched {
            self.check_memory(task_id);
        }
    }

    /// After the task's memory changed: an OOM kill if it is over its limit;
    /// else, with an hourly leak, the check moves to when it will be.
    pub(super) fn check_memory(&mut self, task_id: TaskId) {
        let now = self.now();
        let task = &self.tasks[task_id.index()];
        if !task.memory_watched || task.state != TaskState::Running || task.stopping_for.is_some() {
            return;
        }
        let d = self.definition(task_id);
        let (Some(limit), rate) = (d.memory_limit_mib, d.memory_leak_per_hour_mib) else { return };
        let used = self.memory_in_use(task_id);
        if used > f64::from(limit) {
            return self.oom_kill(task_id);
        }
        // An exact event only when nothing but time moves the crossing; with
        // memory per request the figure moves at every admission, so the
        // admissions and each 20-second tick check instead (a far-off event
        // moved per request would pile up cancelled entries in the queue).
        if rate > 0.0 && d.memory_per_request_mib == 0.0 && d.memory_leak_per_request_mib == 0.0 {
            // The crossing, rounded up to the millisecond, plus one: past the
            // limit then, and the same instant however often it is recomputed.
            let crossing = now.as_nanos() as f64 + (f64::from(limit) - used) / rate * HOUR_NANOS;
            let due = SimTime::from_nanos(((crossing / 1e6).ceil() as u64 + 1) * 1_000_000);
            let task = &mut self.tasks[task_id.index()];
            if task.memory_check.is_some() && task.memory_check_at == due {
                return;
            }
            if let Some(id) = task.memory_check.take() {
                self.queue.cancel(id);
            }
            let task = &mut self.tasks[task_id.index()];
            task.memory_check_at = due;
            task.memory_check = Some(self.queue.schedule(due, Event::MemoryCheck(task_id)));
        }
    }

    pub(super) fn memory_check_due(&mut self, task_id: TaskId) {
        self.tasks[task_id.index()].memory_check = None;
        self.check_memory(task_id);
    }

    /// `served` requests (or jobs) of a watched task are done: what each
    /// leaks stays behind.
    pub(super) fn requests_served_memory(&mut self, task_id: TaskId, served: u32) {
        let now = self.now();
        let leak = self.definition(task_id).memory_leak_per_request_mib;
        let task = &mut self.tasks[task_id.index()];
        if leak > 0.0 && served > 0 {
            task.leaked_integral += task.leaked_mib * (now - task.leak_updated).as_nanos() as f64;
            task.leak_updated = now;
            task.leaked_mib += leak * f64::from(served);
        }
        self.check_memory(task_id);
    }

    /// MiB·ns of leaked memory over the `up_nanos` that end now, for
    /// `MemoryUtilization`: the requests' leaks as they grew, and the hourly
    /// leak (linear, so its mean over the stretch is its value at the middle).
    pub(super) fn take_leaked_memory(&mut self, task_id: TaskId, up_nanos: u64) -> f64 {
        let now = self.now();
        let rate = self.definition(task_id).memory_leak_per_hour_mib;
        let task = &mut self.tasks[task_id.index()];
        if !task.memory_watched {
            return 0.0;
        }
        let mut integral = std::mem::take(&mut task.leaked_integral);
        integral += task.leaked_mib * (now - task.leak_updated).as_nanos() as f64;
        task.leak_updated = now;
        if let (Some(running_at), true) = (task.running_at, rate > 0.0) {
            let middle = now.as_nanos() as f64 - up_nanos as f64 / 2.0;
            let age = (middle - running_at.as_nanos() as f64).max(0.0);
            integral += rate * age / HOUR_NANOS * up_nanos as f64;
        }
        integral
    }

    /// The essential container passed its hard limit: killed with exit code
    /// 137 (`OutOfMemoryError: Container killed due to memory usage`, §14.2);
    /// the task stops and the service replaces it.
    fn oom_kill(&mut self, task_id: TaskId) {
        self.essential_container_exits(task_id, StopReason::OutOfMemory);
    }
}
