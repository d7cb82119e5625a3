//! The model's only output: past-tense facts, pushed into an [`Observer`].
//! Observers count, integrate and record; they never change the model.

use super::autoscaling::{AlarmKind, AlarmState};
use super::ids::{CapacityProviderId, InstanceId, QueueId, RouteId, ServiceId, TaskId};
use crate::engine::{SimDuration, SimTime};

/// A task's `lastStatus`, as ECS names it (aws-semantics §2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskState {
    Provisioning,
    Pending,
    Activating,
    Running,
    Deactivating,
    Stopping,
    Deprovisioning,
    Stopped,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Provisioning => "PROVISIONING",
            TaskState::Pending => "PENDING",
            TaskState::Activating => "ACTIVATING",
            TaskState::Running => "RUNNING",
            TaskState::Deactivating => "DEACTIVATING",
            TaskState::Stopping => "STOPPING",
            TaskState::Deprovisioning => "DEPROVISIONING",
            TaskState::Stopped => "STOPPED",
        }
    }
}

/// Why a task was stopped (ECS `stopCode` plus a plain reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The service had more tasks than desired (scale-in, UpdateService).
    ServiceScaledIn,
    /// An essential container exited: the task failed.
    EssentialContainerExited,
    /// The target group found the task unhealthy; the service replaced it.
    FailedElbHealthCheck,
    /// Its essential container's health check found it UNHEALTHY (§2.6).
    FailedContainerHealthCheck,
    /// Fargate Spot took its capacity back (aws-semantics §4.3).
    SpotInterruption,
    /// Its container instance is draining (§2.3): the service replaces it elsewhere.
    ContainerInstanceDraining,
    /// Its EC2 instance ended under it (ASG scale-in without draining, Spot reclaim).
    InstanceTerminated,
    /// The deployment replaced it with the new revision (§2.2).
    Deployment,
    /// An essential container exited before RUNNING (fault injection).
    TaskFailedToStart,
    /// Its essential container passed its hard memory limit and was killed (§14.2).
    OutOfMemory,
    /// A standalone task's job is done: its essential container exited 0.
    JobCompleted,
}

impl StopReason {
    /// The scheduler replaces a task it found unhealthy (§2.3).
    pub fn is_unhealthy_replacement(self) -> bool {
        matches!(self, StopReason::FailedElbHealthCheck | StopReason::FailedContainerHealthCheck)
    }

    pub fn stop_code(self) -> &'static str {
        match self {
            StopReason::ServiceScaledIn | StopReason::FailedElbHealthCheck | StopReason::FailedContainerHealthCheck => {
                "ServiceSchedulerInitiated"
            }
            StopReason::EssentialContainerExited => "EssentialContainerExited",
            // The API's current enum; 2023 events showed TerminationNotice (§4.3).
            StopReason::SpotInterruption => "SpotInterruption",
            StopReason::ContainerInstanceDraining => "ServiceSchedulerInitiated",
            StopReason::InstanceTerminated => "TerminationNotice",
            StopReason::Deployment => "ServiceSchedulerInitiated",
            StopReason::TaskFailedToStart => "TaskFailedToStart",
            StopReason::OutOfMemory => "EssentialContainerExited",
            StopReason::JobCompleted => "EssentialContainerExited",
        }
    }
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::ServiceScaledIn => "Scaling activity initiated by the service: desired count lowered",
            StopReason::EssentialContainerExited => "Essential container in task exited",
            StopReason::FailedElbHealthCheck => "Task failed ELB health checks",
            StopReason::FailedContainerHealthCheck => "Task failed container health checks",
            StopReason::SpotInterruption => "Your Spot Task was interrupted.",
            StopReason::ContainerInstanceDraining => "Container instance is draining",
            StopReason::InstanceTerminated => "Host EC2 instance terminated",
            StopReason::Deployment => "Deployment: replaced by the new revision",
            StopReason::TaskFailedToStart => "Essential container in task exited before RUNNING",
            StopReason::JobCompleted => "Essential container in task exited (exit code 0)",
            StopReason::OutOfMemory => {
                "Essential container in task exited: OutOfMemoryError: Container killed due to memory usage (exit code 137)"
            }
        }
    }
}

/// A deployment's `rolloutState` (§2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutState {
    InProgress,
    Completed,
    Failed,
}

impl RolloutState {
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
        }
    }
}

/// An EC2 instance of an ASG capacity provider (§5.1): launched and
/// booting, registered with ECS, draining, gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum InstanceState {
    Launching,
    Active,
    Draining,
    Terminated,
}

impl InstanceState {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceState::Launching => "LAUNCHING",
            InstanceState::Active => "ACTIVE",
            InstanceState::Draining => "DRAINING",
            InstanceState::Terminated => "TERMINATED",
        }
    }
}

/// A target's health in its target group (aws-semantics §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetHealth {
    Initial,
    Healthy,
    Unhealthy,
    Draining,
    /// Deregistered: no longer in the group.
    Unused,
}

impl TargetHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetHealth::Initial => "initial",
            TargetHealth::Healthy => "healthy",
            TargetHealth::Unhealthy => "unhealthy",
            TargetHealth::Draining => "draining",
            TargetHealth::Unused => "unused",
        }
    }
}

/// A container's health from its own health check (aws-semantics §2.6):
/// UNKNOWN until the first result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerHealth {
    Unknown,
    Healthy,
    Unhealthy,
}

impl ContainerHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerHealth::Unknown => "UNKNOWN",
            ContainerHealth::Healthy => "HEALTHY",
            ContainerHealth::Unhealthy => "UNHEALTHY",
        }
    }
}

/// Why a request failed, and the status the client saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailureCause {
    /// 503: the target group had no registered target (aws-semantics §3.3).
    NoRegisteredTargets,
    /// 502: routed (fail-open) to a target whose application was not listening.
    TargetNotListening,
    /// 502: the task's queue was full and it refused the connection.
    Refused,
    /// 502: the deregistration delay ended with the request in flight (§3.4).
    DeregistrationCutOff,
    /// 502: the task exited (crash or SIGKILL) with the request in flight.
    TaskStopped,
    /// 504: no response within the ALB idle timeout (§3.3).
    IdleTimeout,
    /// 502: a Fargate Spot task was reclaimed with the request in flight (§4.3).
    SpotInterruption,
    /// 500: the service's call to another service failed or timed out, and
    /// the scenario says such a request fails (model choice: the application
    /// answers 500, which the ALB passes on).
    DependencyFailed,
}

impl FailureCause {
    pub fn status(self) -> u16 {
        match self {
            FailureCause::NoRegisteredTargets => 503,
            FailureCause::IdleTimeout => 504,
            FailureCause::DependencyFailed => 500,
            _ => 502,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCause::NoRegisteredTargets => "no_registered_targets",
            FailureCause::TargetNotListening => "target_not_listening",
            FailureCause::Refused => "refused",
            FailureCause::DeregistrationCutOff => "deregistration_cut_off",
            FailureCause::TaskStopped => "task_stopped",
            FailureCause::IdleTimeout => "idle_timeout",
            FailureCause::SpotInterruption => "spot_interruption",
            FailureCause::DependencyFailed => "dependency_failed",
        }
    }
    pub const ALL: [FailureCause; 8] = [
        FailureCause::NoRegisteredTargets,
        FailureCause::TargetNotListening,
        FailureCause::Refused,
        FailureCause::DeregistrationCutOff,
        FailureCause::TaskStopped,
        FailureCause::IdleTimeout,
        FailureCause::SpotInterruption,
        FailureCause::DependencyFailed,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed(FailureCause),
}

/// How a job (one receive of an SQS message) ended (§12.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobEnd {
    /// Done, and its message deleted.
    Deleted,
    /// Done, but the message had been received again since (and may have
    /// been deleted by that receive's job): the delete with this receipt
    /// removed nothing.
    ReceiptStale,
    /// Done, but the message had expired or gone to the DLQ since: the
    /// delete removed nothing.
    MessageGone,
    /// Its task was killed before it was done.
    Abandoned,
}

/// A queue's message counts over a stretch of time (§12.3's metrics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueCounts {
    /// `NumberOfMessagesSent`.
    pub sent: u64,
    /// `NumberOfMessagesReceived`: every receive, redeliveries included.
    pub received: u64,
    /// Receives of a message received before.
    pub redelivered: u64,
    /// `NumberOfMessagesDeleted`.
    pub deleted: u64,
    /// Deletes with a receipt a later receive replaced: nothing deleted.
    pub stale_deletes: u64,
    /// Deletes of a message that expired or went to the DLQ while the job
    /// ran: nothing deleted.
    pub gone_deletes: u64,
    /// Moved to the dead-letter queue (`maxReceiveCount`).
    pub moved_to_dlq: u64,
    /// Dropped at the end of the retention period.
    pub expired: u64,
    /// `NumberOfEmptyReceives`.
    pub empty_receives: u64,
}

/// Something that happened in the simulated cluster.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    /// A schedule's run called RunTask (§13.1, §13.2): the tasks it started,
    /// and per reason the tasks that could not be placed (not retried).
    ScheduledRun {
        at: SimTime,
        service: ServiceId,
        run: u32,
        scheduled_at: SimTime,
        tasks: Vec<TaskId>,
        failures: Vec<(&'static str, u32)>,
    },
    /// A worker's job ended (issue 9): its message was sent at `sent_at` and
    /// received (for the `receive_count`-th time) at `received_at`.
    JobFinished {
        at: SimTime,
        queue: QueueId,
        service: ServiceId,
        sent_at: SimTime,
        received_at: SimTime,
        receive_count: u32,
        end: JobEnd,
    },
    /// A queue's minute (§12.3): depth at its end (`ApproximateNumberOfMessagesVisible`,
    /// `…NotVisible`), the age of the oldest message (None while the queue is
    /// inactive), and the minute's counts.
    QueueMinuteClosed {
        start: SimTime,
        queue: QueueId,
        visible: u64,
        in_flight: u64,
        age_of_oldest_secs: Option<f64>,
        counts: QueueCounts,
    },
    /// The client got its answer at `at` (for a 504: arrival + idle timeout,
    /// reported when the model learns of it, which may be later).
    RequestFinished {
        at: SimTime,
        service: ServiceId,
        route: RouteId,
        /// A call from another service (not a client of the ALB).
        call: bool,
        /// For a failure: the service whose trouble caused it (this one, or a
        /// service it called, §issue 8's attribution).
        caused_by: ServiceId,
        arrived: SimTime,
        outcome: Outcome,
        /// Time spent waiting in the task's queue before service began.
        queue_time: SimDuration,
        /// Bytes of the response the client got (0 for a failure), for the LCU bill.
        response_bytes: u32,
    },
    /// A listener rule answered itself (`fixed-response`, §10.3): no target,
    /// no service.
    FixedResponse {
        at: SimTime,
        route: RouteId,
        status: u16,
    },
    TaskStateChanged {
        at: SimTime,
        service: ServiceId,
        task: TaskId,
        capacity_provider: CapacityProviderId,
        from: Option<TaskState>,
        to: TaskState,
        stop_reason: Option<StopReason>,
        /// Its task-definition revision (0: the service's first).
        revision: u32,
    },
    TargetHealthChanged {
        at: SimTime,
        service: ServiceId,
        task: TaskId,
        health: TargetHealth,
        /// Healthy targets in the group after the change.
        healthy_count: u32,
    },
    /// The essential container's health changed (§2.6).
    ContainerHealthChanged {
        at: SimTime,
        service: ServiceId,
        task: TaskId,
        health: ContainerHealth,
    },
    /// The service's tasks that count as healthy (§2.2: by target group,
    /// container check, both, or 40 s of RUNNING) changed.
    HealthyTasksChanged {
        at: SimTime,
        service: ServiceId,
        healthy_tasks: u32,
    },
    DesiredCountChanged {
        at: SimTime,
        service: ServiceId,
        desired_count: u32,
    },
    /// A deployment began, completed or failed (§2.2, §2.4); `ordinal` counts
    /// the service's deployments from 1, rollbacks included.
    DeploymentStateChanged {
        at: SimTime,
        service: ServiceId,
        ordinal: u32,
        revision: u32,
        state: RolloutState,
        reason: String,
    },
    /// Blue/green: production traffic now goes `green_percent` to the new
    /// revision's target group; requests routed so far in the deployment, and
    /// those that went to the new revision.
    TrafficShifted {
        at: SimTime,
        service: ServiceId,
        ordinal: u32,
        green_percent: f64,
        requests_routed: u64,
        requests_to_green: u64,
    },
    /// The scheduler can neither start nor stop a task in the deployment (§2.2).
    DeploymentStuck {
        at: SimTime,
        service: ServiceId,
        ordinal: u32,
    },
    /// A task of the deployment failed: the circuit breaker's count (§2.4).
    DeploymentTaskFailed {
        at: SimTime,
        service: ServiceId,
        ordinal: u32,
        task: TaskId,
        failures: u32,
        threshold: u32,
    },
    /// An ASG provider's instance changed state; `reason` says why.
    InstanceStateChanged {
        at: SimTime,
        capacity_provider: CapacityProviderId,
        instance: InstanceId,
        availability_zone: u32,
        from: Option<InstanceState>,
        to: InstanceState,
        reason: &'static str,
    },
    /// ECS placed a waiting task on an instance (§5.2); its start-up begins.
    TaskPlaced {
        at: SimTime,
        service: ServiceId,
        task: TaskId,
        instance: InstanceId,
        availability_zone: u32,
    },
    /// A replayed Spot row named more interruptions than RUNNING Spot tasks.
    SpotReplayShort {
        at: SimTime,
        /// The row of the interruptions file (0 = the first data row).
        row: u32,
        asked: u32,
        found: u32,
    },
    /// EC2's two-minute notice for a Spot instance (§5.5).
    InstanceSpotNotice {
        at: SimTime,
        capacity_provider: CapacityProviderId,
        instance: InstanceId,
    },
    /// ECS managed scaling's minute (§5.1): the CapacityProviderReservation it
    /// published and the group's desired capacity after acting on it.
    CapacityProviderReservation {
        at: SimTime,
        capacity_provider: CapacityProviderId,
        /// Percent: instances needed (M) over instances in service (N).
        reservation_percent: f64,
        instances_needed: u32,
        instances_in_service: u32,
        desired_capacity: u32,
    },
    /// An ASG's desired capacity changed (managed scaling, Spot replacement excluded).
    AsgDesiredCapacityChanged {
        at: SimTime,
        capacity_provider: CapacityProviderId,
        from: u32,
        to: u32,
        cause: String,
    },
    /// The minute [start, start + 60 s) is over: the service's CloudWatch view of it.
    MinuteClosed {
        start: SimTime,
        service: ServiceId,
        running_count: u32,
        healthy_count: u32,
        desired_count: u32,
        /// ECS `CPUUtilization` Average, percent (aws-semantics §6); None when no task ran.
        cpu_utilization: Option<f64>,
        /// ∫ requests in the service's tasks dt over the minute, request-nanoseconds.
        requests_in_tasks_integral: u128,
        /// ECS `MemoryUtilization` Average, percent (§6); None when no task ran.
        memory_utilization: Option<f64>,
        /// ALB `RequestCount`: requests for which a target was chosen (§3.5).
        request_count: u64,
        /// ALB `RequestCountPerTarget` (§3.5 model choice); None without requests.
        request_count_per_target: Option<f64>,
        /// A worker's backlog per task (§12.4); None for other services, while
        /// its queue is inactive, or when no task runs.
        backlog_per_task: Option<f64>,
        /// A worker's queue at the minute's end: `ApproximateNumberOfMessagesVisible`
        /// and `ApproximateAgeOfOldestMessage` (§12.3); None otherwise.
        messages_visible: Option<f64>,
        age_of_oldest_message: Option<f64>,
    },
    /// A target tracking policy's alarm changed state (aws-semantics §1.3).
    AlarmStateChanged {
        at: SimTime,
        service: ServiceId,
        policy: u32,
        alarm: AlarmKind,
        state: AlarmState,
        reason: String,
    },
    /// A policy evaluated at a minute boundary: its newest visible datapoint and alarms.
    PolicyEvaluated {
        at: SimTime,
        service: ServiceId,
        policy: u32,
        metric: Option<f64>,
        /// AlarmHigh of a target tracking policy; the alarm of a step policy.
        alarm_high: AlarmState,
        /// AlarmLow of a target tracking policy; None for a step policy.
        alarm_low: Option<AlarmState>,
    },
    /// Application Auto Scaling changed desiredCount (like describe-scaling-activities).
    ScalingActivity {
        at: SimTime,
        service: ServiceId,
        /// The policy that scaled; None for a scheduled action's new bounds.
        policy: Option<u32>,
        from: u32,
        to: u32,
        cause: String,
    },
    /// A scheduled action set the scalable target's bounds (§1.9).
    ScheduledActionRan {
        at: SimTime,
        service: ServiceId,
        name: String,
        min_capacity: u32,
        max_capacity: u32,
    },
    /// A scheduled action could not run: its bounds would cross (§1.9).
    ScheduledActionFailed {
        at: SimTime,
        service: ServiceId,
        name: String,
        reason: String,
    },
    /// Fargate Spot's two-minute notice reached a task (aws-semantics §4.3).
    SpotInterruptionNotice {
        at: SimTime,
        service: ServiceId,
        task: TaskId,
        /// What chose it: its own interruption process, a reclaim wave, a replayed row.
        source: &'static str,
    },
    /// Tasks the scheduler wants on a provider but cannot place (no capacity):
    /// the count now, 0 once they are placed.
    UnplacedTasksChanged {
        at: SimTime,
        service: ServiceId,
        capacity_provider: CapacityProviderId,
        unplaced: u32,
    },
    /// An alarm was in ALARM but nothing scaled, and why.
    ScalingSkipped {
        at: SimTime,
        service: ServiceId,
        policy: u32,
        reason: String,
    },
}

/// Receives every observation, in the order they happen.
pub trait Observer {
    fn observe(&mut self, observation: &Observation);
}

impl<O: Observer + ?Sized> Observer for &mut O {
    fn observe(&mut self, observation: &Observation) {
        (**self).observe(observation)
    }
}

/// Observes several ways at once.
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn observe(&mut self, observation: &Observation) {
        self.0.observe(observation);
        self.1.observe(observation);
    }
}

impl Observer for Vec<Observation> {
    fn observe(&mut self, observation: &Observation) {
        self.push(observation.clone());
    }
}
