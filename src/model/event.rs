//! The closed set of things that can happen at a scheduled time.

use super::ids::{CapacityProviderId, InstanceId, QueueId, ServiceId, TaskId};
use crate::engine::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// PROVISIONING is over: the ENI is attached; PENDING, then ACTIVATING.
    TaskProvisioned(TaskId),
    /// ACTIVATING is over: the task is RUNNING and registered with its target group.
    TaskRunning(TaskId),
    /// The application accepts connections.
    AppReady(TaskId),
    /// The application stops answering (a revision's `unhealthy_after`).
    AppHangs(TaskId),
    /// Requests waiting on the task's hung application reach the ALB idle
    /// timeout: the ALB answers 504 (aws-semantics §3.3).
    HungRequestsTimeOut(TaskId),
    /// `UpdateService` with the service's deployments[i] revision (§2.8).
    StartDeployment { service: ServiceId, deployment: u32 },
    /// A blue/green deployment's next traffic-shift step (§2.7); `ordinal`
    /// names the deployment, so a step of one rolled back is ignored.
    TrafficShiftStep { service: ServiceId, ordinal: u32, step: u32 },
    /// The service throttle's wait is over: the scheduler may launch again (§2.3).
    ThrottleEnds(ServiceId),
    /// Blue/green: all traffic is on green and the bake time is over: blue goes.
    BakeTimeEnds { service: ServiceId, ordinal: u32 },
    /// The next request in service in the task finishes.
    RequestsComplete(TaskId),
    /// Calls between services with this timeout line's duration have waited
    /// it out: their callers give up.
    CallTimeoutsDue(u32),
    /// The target group health-checks the task's target.
    HealthCheck(TaskId),
    /// The essential container's own health check ends (§2.6).
    ContainerHealthCheck(TaskId),
    /// A service without load balancer and container health check: its task
    /// has been RUNNING 40 s and counts as healthy (§2.2).
    HealthyWithoutChecks(TaskId),
    /// The deregistration delay of a draining target ran out.
    DeregistrationDelayEnds(TaskId),
    /// stopTimeout after SIGTERM ran out: SIGKILL.
    StopTimeoutEnds(TaskId),
    /// DEPROVISIONING is over: STOPPED.
    TaskDeprovisioned(TaskId),
    /// An essential container exits (fault injection).
    TaskCrashes(TaskId),
    /// A leaking task's memory may reach its hard limit now (§14.2).
    MemoryCheck(TaskId),
    /// A schedule's run fires: RunTask with its task count (§13.1); `run`
    /// numbers the service's runs.
    RunTask { service: ServiceId, run: u32, scheduled_at: SimTime },
    /// A standalone task's job is done: its essential container exits 0.
    JobEnds(TaskId),
    /// A manual UpdateService call sets desiredCount.
    SetDesiredCount { service: ServiceId, desired_count: u32 },
    /// The end of a 20-second CloudWatch period (every third ends a minute).
    MetricsTick,
    /// In-flight messages of the queue reach their visibility timeout (§12.2).
    QueueVisibilityDue(QueueId),
    /// Messages of the queue reach the retention period (§12.1).
    QueueRetentionDue(QueueId),
    /// Long polls on the queue wait out `WaitTimeSeconds` (§12.2).
    LongPollsDue(QueueId),
    /// A short-polling worker's pause after an empty receive ends; `poll`
    /// names the poll, so a stale pause is ignored.
    ShortPollPauseEnds { task: TaskId, poll: u32 },
    /// This Spot task's own interruption notice (§4.3).
    SpotInterruption(TaskId),
    /// A reclaim wave: the scenario's `waves[i]`, or (None) a random one.
    SpotWave(Option<u32>),
    /// The scenario's replayed interruption row `i`.
    SpotReplay(u32),
    /// A provider's drought is over: unplaced tasks can be placed.
    CapacityReturns(CapacityProviderId),
    /// A launched instance has booted and its ECS agent registered it (§5.1).
    InstanceRegistered(InstanceId),
    /// EC2's two-minute Spot interruption notice for this instance (§5.5).
    InstanceSpotNotice(InstanceId),
    /// The notice ran out: EC2 takes the Spot instance back.
    InstanceReclaimed(InstanceId),
}
