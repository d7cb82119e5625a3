//! One ECS task: its lifecycle state, the events pending on it, and the
//! [`Processor`] that serves its requests.

use super::ids::{CapacityProviderId, InstanceId, ServiceId, TargetGroupId};
use super::observation::{ContainerHealth, StopReason, TaskState};
use super::processor::{Processor, Request};
use crate::engine::{EventId, SimDuration, SimTime};
use std::collections::VecDeque;

pub struct Task {
    pub service: ServiceId,
    pub capacity_provider: CapacityProviderId,
    /// Keys the task's own random draws (start-up delay, crashes).
    pub ordinal: u64,
    pub state: TaskState,
    pub processor: Processor,
    /// The application accepts connections (from app-ready until it exits,
    /// hung or not); a queue worker polls for messages while it listens and
    /// is not hung.
    pub listening: bool,
    /// A queue worker's poll in progress (a long poll waiting, or the pause
    /// after an empty short poll), by number.
    pub poll: Option<u32>,
    /// The service has decided to stop this task, and why.
    pub stopping_for: Option<StopReason>,
    /// The ALB has cut the task's connections: what it still serves, nobody reads.
    pub connections_cut: bool,
    /// When the containers came up (RUNNING) and are still up, for CPUUtilization.
    pub up_since: Option<SimTime>,
    /// Nanoseconds the containers were up in the current minute, before `up_since`.
    pub up_nanos_this_minute: u64,
    /// The scheduled completion of the next request in service.
    pub completion: Option<(SimTime, EventId)>,
    /// The lifecycle timer: next start-up phase, deregistration end, SIGKILL or deprovisioning.
    pub lifecycle_timer: Option<EventId>,
    pub health_check: Option<EventId>,
    /// A target-group check that hangs, and when it started: it fails at its timeout.
    pub health_check_hanging: Option<SimTime>,
    /// The essential container's health check (§2.6): its next result, the
    /// container's health and the failures in a row that count.
    pub container_check: Option<EventId>,
    pub container_health: ContainerHealth,
    pub container_failures: u32,
    /// A check that hangs, and when it started: it fails at its timeout.
    pub container_check_hanging: Option<SimTime>,
    /// No load balancer and no container check: RUNNING for 40 s (§2.2).
    pub settled_without_checks: bool,
    /// Counted in its service's healthy tasks.
    pub counted_healthy: bool,
    pub crash: Option<EventId>,
    /// This task's own Fargate Spot interruption, when its provider is Spot.
    pub spot_interruption: Option<EventId>,
    /// An interrupted Spot task keeps its place in the desired count until
    /// it has STOPPED, so its replacement waits (model choice §4.3).
    pub holds_slot: bool,
    /// When the task reached RUNNING, for the health-check grace period.
    pub running_at: Option<SimTime>,
    /// Start-up (PROVISIONING to RUNNING), drawn at launch; on EC2 it begins
    /// when the task is placed on an instance.
    pub startup: SimDuration,
    /// When start-up ends.
    pub running_due: SimTime,
    /// On an ASG provider: the instance it is placed on (None while it waits).
    pub instance: Option<InstanceId>,
    /// Its task-definition revision (0: the service's first), and what the
    /// revision does to requests: their service time scale and vCPU share.
    pub revision: u32,
    pub service_time_scale: f64,
    pub cpu_millis: u32,
    /// Fault injection, drawn at launch: it fails before RUNNING; its
    /// application never answers a health check.
    pub fails_to_start: bool,
    pub fails_health_checks: bool,
    /// Its application has stopped answering (`unhealthy_after`) for good;
    /// its process, and its socket if it had opened one, stay up.
    pub hung: bool,
    /// Hung: the requests whose clients still wait on it, oldest first, until
    /// the ALB's idle timeout; an event is due at the first one's timeout.
    pub hung_requests: VecDeque<Request>,
    pub hung_timeout_armed: bool,
    /// Its target group or its container check found it unhealthy (the stop
    /// reason it will get): it runs on until a replacement is healthy, or is
    /// stopped to make room (§2.3).
    pub awaiting_replacement: Option<StopReason>,
    /// Requests done with their own work that wait on their calls to other
    /// services (their call plans), holding a slot each.
    pub held_calls: Vec<u32>,
    /// EC2 Spot took it and it was counted as interrupted.
    pub spot_counted: bool,
    /// The target group it registers with: its service's, or during a
    /// blue/green deployment the green one (§2.7).
    pub target_group: TargetGroupId,
    /// Its memory can pass its hard limit (issue 9, §14.2): it leaks, or its
    /// requests can take it over; only such tasks are watched.
    pub memory_watched: bool,
    /// MiB leaked by the requests it served, and ∫ of it dt (MiB·ns) since
    /// the last take, brought up to `leak_updated`.
    pub leaked_mib: f64,
    pub leaked_integral: f64,
    pub leak_updated: SimTime,
    /// The check at the time an hourly leak would take it over its limit.
    pub memory_check: Option<EventId>,
    pub memory_check_at: SimTime,
}

impl Task {
    pub fn new(
        service: ServiceId,
        capacity_provider: CapacityProviderId,
        ordinal: u64,
        processor: Processor,
        startup: SimDuration,
    ) -> Self {
        Task {
            service,
            capacity_provider,
            ordinal,
            state: TaskState::Provisioning,
            processor,
            listening: false,
            poll: None,
            stopping_for: None,
            connections_cut: false,
            up_since: None,
            up_nanos_this_minute: 0,
            completion: None,
            lifecycle_timer: None,
            health_check: None,
            health_check_hanging: None,
            container_check: None,
            container_health: ContainerHealth::Unknown,
            container_failures: 0,
            container_check_hanging: None,
            settled_without_checks: false,
            counted_healthy: false,
            crash: None,
            spot_interruption: None,
            holds_slot: false,
            running_at: None,
            startup,
            running_due: SimTime::ZERO,
            instance: None,
            revision: 0,
            service_time_scale: 1.0,
            cpu_millis: 0,
            fails_to_start: false,
            fails_health_checks: false,
            hung: false,
            hung_requests: VecDeque::new(),
            hung_timeout_armed: false,
            awaiting_replacement: None,
            held_calls: Vec::new(),
            spot_counted: false,
            memory_watched: false,
            leaked_mib: 0.0,
            leaked_integral: 0.0,
            leak_updated: SimTime::ZERO,
            memory_check: None,
            memory_check_at: SimTime::ZERO,
            target_group: TargetGroupId(0),
        }
    }

    /// The application takes work and answers: it listens and is not hung.
    pub fn answers(&self) -> bool {
        self.listening && !self.hung
    }

    /// Requests the ALB has open to it, for least outstanding requests: those
    /// in the task, or once hung those it has not yet given up on (504).
    pub fn outstanding(&self) -> usize {
        if self.hung {
            self.hung_requests.len()
        } else {
            self.processor.len()
        }
    }

    /// Counts toward the service's desired count: launched and not being
    /// stopped, or an interrupted Spot task still holding its place.
    pub fn is_active(&self) -> bool {
        (self.stopping_for.is_none() && self.state <= TaskState::Running) || self.holds_slot
    }

    /// The scheduler may choose it to stop: active and not already stopping.
    pub fn is_stoppable(&self) -> bool {
        self.stopping_for.is_none() && self.state <= TaskState::Running
    }

    /// The timers a stop or a death ends: crash, both health checks, Spot notice.
    pub fn take_stop_cancelled_timers(&mut self) -> impl Iterator<Item = EventId> {
        [
            self.crash.take(),
            self.health_check.take(),
            self.container_check.take(),
            self.spot_interruption.take(),
            self.memory_check.take(),
        ]
        .into_iter()
        .flatten()
    }

    /// Nanoseconds up in the current minute so far, without taking them.
    pub fn up_nanos_so_far(&self, now: SimTime) -> u64 {
        self.up_nanos_this_minute + self.up_since.map_or(0, |since| (now - since).as_nanos())
    }

    /// Containers up now: from RUNNING until the process exits.
    pub fn take_up_nanos(&mut self, now: SimTime) -> u64 {
        let mut total = self.up_nanos_this_minute;
        if let Some(since) = self.up_since {
            total += (now - since).as_nanos();
            self.up_since = Some(now);
        }
        self.up_nanos_this_minute = 0;
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::RouteId;
    use crate::model::processor::NOT_A_CALL;

    /// Goal: least outstanding requests counts what the ALB still waits on.
    /// Method: two requests in a task (concurrency 1: one in service, one
    /// queued), then a hang: both stay in the task, but once the ALB has
    /// answered the first 504 only the second is outstanding.
    #[test]
    fn a_hung_task_counts_the_requests_the_alb_still_waits_on() {
        let request = Request {
            arrived: SimTime::ZERO,
            route: RouteId(0),
            call: NOT_A_CALL,
            demand: SimDuration::from_secs(1),
            cpu_millis: 0,
            response_bytes: 0,
        };
        let processor = Processor::new(1, 10, 1024, false, SimTime::ZERO);
        let mut task = Task::new(ServiceId(0), CapacityProviderId(0), 0, processor, SimDuration::ZERO);
        task.processor.admit(request, SimTime::ZERO);
        task.processor.admit(request, SimTime::ZERO);
        assert_eq!(task.outstanding(), 2);
        task.hung = true;
        task.processor.hang(SimTime::ZERO);
        task.hung_requests.push_back(request); // the first was answered 504
        assert_eq!((task.outstanding(), task.processor.len()), (1, 2));
    }
}
