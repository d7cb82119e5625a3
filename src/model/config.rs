//! Plain, validated configuration of a cluster: what the model runs on.
//! No serde and no file names: the scenario module lowers files into these.

use super::capacity::{SplitShortfall, StrategyItem};
use super::ids::{CapacityProviderId, ServiceId, TargetGroupId};
use super::listener::Listener;
use crate::engine::sample::DurationDistribution;
use crate::engine::{SimDuration, SimTime};

/// A cluster: services behind one ALB, on shared capacity providers.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    pub services: Vec<ServiceConfig>,
    /// Standard SQS queues that worker services consume (§12).
    pub queues: Vec<QueueConfig>,
    pub load_balancer: LoadBalancerConfig,
    /// `FARGATE` and `FARGATE_SPOT` first (ids 0 and 1), always present.
    pub capacity_providers: Vec<CapacityProviderConfig>,
}

/// A capacity provider the cluster's services can place tasks on (§4, §5).
#[derive(Clone, Debug)]
pub struct CapacityProviderConfig {
    pub name: String,
    pub kind: CapacityProviderKind,
}

#[derive(Clone, Debug)]
pub enum CapacityProviderKind {
    Fargate,
    FargateSpot(SpotMarket),
    /// An Auto Scaling group of EC2 instances (§5).
    AutoScalingGroup(Box<AutoScalingGroupProvider>),
}

impl CapacityProviderConfig {
    /// Bought at Spot prices: Fargate Spot, or an ASG of Spot instances.
    pub fn is_spot(&self) -> bool {
        match &self.kind {
            CapacityProviderKind::FargateSpot(_) => true,
            CapacityProviderKind::AutoScalingGroup(asg) => asg.spot.is_some(),
            CapacityProviderKind::Fargate => false,
        }
    }

    pub fn auto_scaling_group(&self) -> Option<&AutoScalingGroupProvider> {
        match &self.kind {
            CapacityProviderKind::AutoScalingGroup(asg) => Some(asg),
            _ => None,
        }
    }
}

/// An ASG capacity provider (aws-semantics §5.1): one instance type, its
/// bounds, how long an instance takes to join the cluster, managed scaling.
#[derive(Clone, Debug)]
pub struct AutoScalingGroupProvider {
    pub instance_type: InstanceType,
    pub min_size: u32,
    pub max_size: u32,
    /// Instances launched at time zero.
    pub desired_capacity: u32,
    /// The group's AZs; it launches into the one with the fewest instances.
    pub availability_zones: Vec<String>,
    /// Launch until the container instance is registered with ECS (boot and
    /// agent start; not documented, §7 #12, a model choice).
    pub registration_time: DurationDistribution,
    /// None: the group stays at its desired capacity.
    pub managed_scaling: Option<ManagedScaling>,
    /// ECS lets the ASG end only instances with no tasks (§5.1).
    pub managed_termination_protection: bool,
    /// An instance the ASG ends is drained first: its tasks are replaced
    /// elsewhere before it goes (§5.1 `managedDraining`).
    pub managed_draining: bool,
    /// Spot instances, and how EC2 takes them back (§5.5).
    pub spot: Option<Ec2Spot>,
}

/// What an instance type offers ECS (§5.2, §5.3, §5.6).
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceType {
    pub name: String,
    pub vcpu: u32,
    /// CPU units registered: vCPU × 1024.
    pub cpu_units: u32,
    /// MiB registered: less than the nominal size (§5.6 model choice).
    pub memory_mib: u32,
    pub architecture: CpuArchitecture,
    /// awsvpc tasks an instance holds (ENIs, with or without trunking, §5.3).
    pub awsvpc_tasks: u32,
}

/// ECS managed scaling of the group on CapacityProviderReservation (§5.1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ManagedScaling {
    /// The CPR ECS keeps the group at, percent (1–100).
    pub target_capacity: u32,
    pub minimum_scaling_step_size: u32,
    pub maximum_scaling_step_size: u32,
    /// A further scale-out waits until every instance is this old.
    pub instance_warmup_period: SimDuration,
    /// Model choice §5.1: the first step from zero instances is 2 (default),
    /// or `max(2, demand)` with this on (containers-roadmap#1716).
    pub from_zero_uses_demand: bool,
}

/// EC2 Spot instances (§5.5): a seeded interruption process per instance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ec2Spot {
    pub interruptions_per_instance_hour: f64,
    /// The interruption notice comes this long before the instance ends (120 s).
    pub warning: SimDuration,
    /// `ECS_ENABLE_SPOT_INSTANCE_DRAINING` (off by default): the notice drains the instance.
    pub spot_instance_draining: bool,
}

/// Where on an ASG provider's instances a service's tasks go (§5.2).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    /// Applied in order, each breaking the ties of the one before.
    pub strategy: Vec<PlacementStrategy>,
    /// `distinctInstance`: at most one task of the service per instance.
    pub distinct_instance: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlacementStrategy {
    /// Leave the least of this resource unused.
    Binpack(PlacementResource),
    /// Even out the service's tasks over instances.
    SpreadInstances,
    /// Even out the service's tasks over availability zones.
    SpreadAvailabilityZones,
    Random,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlacementResource {
    Cpu,
    Memory,
}

impl CapacityProviderConfig {
    /// The providers every cluster has (§4.4): `FARGATE`, then `FARGATE_SPOT`.
    pub fn fargate_pair(spot_market: SpotMarket) -> Vec<CapacityProviderConfig> {
        vec![
            CapacityProviderConfig { name: "FARGATE".into(), kind: CapacityProviderKind::Fargate },
            CapacityProviderConfig {
                name: "FARGATE_SPOT".into(),
                kind: CapacityProviderKind::FargateSpot(spot_market),
            },
        ]
    }
}

/// A strategy of one item: everything on `provider` (a `launchType`).
pub fn only_on(provider: CapacityProviderId) -> Vec<StrategyItem> {
    vec![StrategyItem { provider, base: 0, weight: 1 }]
}

/// The built-in providers' ids (§4.4).
pub const FARGATE: CapacityProviderId = CapacityProviderId(0);
pub const FARGATE_SPOT: CapacityProviderId = CapacityProviderId(1);

/// How Fargate Spot takes its capacity back (§4.3): a seeded process per
/// task, correlated reclaim waves, replayed interruptions and droughts.
#[derive(Clone, Debug, Default)]
pub struct SpotMarket {
    /// Interruptions per RUNNING task-hour, each task on its own (Poisson).
    pub interruptions_per_task_hour: f64,
    /// Random reclaim waves: how many per hour (Poisson), and the share of the
    /// running Spot tasks each one interrupts.
    pub waves_per_hour: f64,
    pub wave_share: f64,
    /// Waves at given times, with their share.
    pub scheduled_waves: Vec<(SimTime, f64)>,
    /// Observed interruptions replayed: at each time, this many running Spot tasks.
    pub replayed: Vec<(SimTime, u32)>,
    /// Windows [start, end) in which no Spot task can be placed.
    pub droughts: Vec<(SimTime, SimTime)>,
    /// The interruption notice comes this long before the task is reclaimed (120 s).
    pub warning: SimDuration,
    /// Model choice §4.3: the replacement launches when the task has STOPPED
    /// (default), or at the notice.
    pub replace_at_notice: bool,
}

/// One ECS service and its task definition.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub name: String,
    /// REPLICA keeps `desired_count` tasks; DAEMON one task on each ACTIVE
    /// instance of its ASG providers (aws-semantics §13.3).
    pub scheduling_strategy: SchedulingStrategy,
    pub desired_count: u32,
    /// Manual `UpdateService` calls: at each time, desiredCount becomes the value.
    pub desired_count_changes: Vec<(SimTime, u32)>,
    pub task: TaskDefinition,
    pub target_group: TargetGroupId,
    /// `loadBalancers` is set: tasks register with `target_group` and the ALB
    /// health-checks them. Without, nothing routes to the service, and a task
    /// is healthy by its container check, or 40 s after RUNNING (§2.2).
    pub load_balanced: bool,
    /// The second target group blue/green deploys into (§2.7); production
    /// traffic moves between the two.
    pub alternate_target_group: TargetGroupId,
    pub auto_scaling: Option<AutoScalingConfig>,
    /// ECS ignores failing ELB health checks this long after a task starts
    /// (`healthCheckGracePeriodSeconds`, default 0, aws-semantics §2.3).
    pub health_check_grace_period: SimDuration,
    /// Where its tasks run (§4.4); a `launch_type` is a one-item strategy.
    pub capacity_provider_strategy: Vec<StrategyItem>,
    pub split_shortfall: SplitShortfall,
    /// On ASG providers: how tasks are placed on instances (§5.2).
    pub placement: Placement,
    /// The service was running before the run began: its first tasks are
    /// RUNNING, listening and healthy at time zero.
    pub warm_start: bool,
    /// Scheduled deployments of new revisions, in time order (§2.2).
    pub deployments: Vec<DeploymentConfig>,
    /// `deploymentConfiguration` (§2.2, §2.4).
    pub deployment_configuration: DeploymentConfiguration,
    /// Calls each request makes to other services once its own work is done.
    pub calls: Vec<CallConfig>,
    /// The calls go out all at once (else one after another).
    pub calls_in_parallel: bool,
    /// A queue worker: its tasks receive jobs from an SQS queue instead of
    /// requests from the ALB (§12).
    pub worker: Option<WorkerConfig>,
    /// Not a service but a schedule that runs this task definition (RunTask,
    /// §13.1): each task does one job of a `service_time` draw and exits.
    pub run_task: Option<RunTaskConfig>,
}

/// An EventBridge rule or Scheduler schedule that starts standalone tasks
/// (aws-semantics §13.1, §13.2).
#[derive(Clone, Debug, PartialEq)]
pub struct RunTaskConfig {
    pub schedule: super::schedule::Schedule,
    /// `EcsParameters.TaskCount` (1–10: one RunTask call).
    pub task_count: u32,
    /// Model choice §13.1: a run fires at its time + U[0, this): 60 s (the
    /// schedule's one-minute precision), or a Scheduler's flexible window.
    pub fire_within: SimDuration,
    /// The UTC time of simulated time zero, for `at` and `cron`.
    pub start_epoch_secs: i64,
}

/// `schedulingStrategy` (aws-semantics §13.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SchedulingStrategy {
    #[default]
    Replica,
    /// One task per ACTIVE instance of the service's ASG providers: no
    /// desired count of its own, no placement strategy, no Service Auto
    /// Scaling, EC2 only. Its reservation is taken before any replica is
    /// placed on a new instance, and it stops after them (§13.3).
    Daemon,
}

/// A standard SQS queue's attributes (§12.1).
#[derive(Clone, Debug, PartialEq)]
pub struct QueueConfig {
    pub name: String,
    /// `VisibilityTimeout` (default 30 s).
    pub visibility_timeout: SimDuration,
    /// `MessageRetentionPeriod` (default 4 days).
    pub retention: SimDuration,
    /// `RedrivePolicy.maxReceiveCount`; None: no dead-letter queue.
    pub max_receive_count: Option<u32>,
    /// The service whose tasks receive from it (at most one, validated).
    pub consumer: Option<ServiceId>,
    /// Model choice §12.3: no datapoints once the queue has been inactive
    /// (no message held, no call) this long; AWS: up to 6 hours.
    pub inactive_after: SimDuration,
}

/// How a worker's tasks call `ReceiveMessage` (§12.2).
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerConfig {
    pub queue: super::ids::QueueId,
    /// `MaxNumberOfMessages` (1–10); a task asks for no more than its free slots.
    pub max_number_of_messages: u32,
    /// `WaitTimeSeconds`: long polling above zero.
    pub wait_time: SimDuration,
    /// Short polling only: how long the worker pauses after an empty receive
    /// before it asks again (model choice; the application's own loop).
    pub empty_receive_pause: SimDuration,
}

/// A request's call to another service (issue 8): made with `probability`,
/// `count` times, through the callee's target group.
#[derive(Clone, Debug, PartialEq)]
pub struct CallConfig {
    pub service: ServiceId,
    pub probability: f64,
    pub count: u32,
    /// The caller gives up after this; None waits for the answer.
    pub timeout: Option<SimDuration>,
    /// A failed or timed-out call fails the caller's request (else it carries on).
    pub fails_request: bool,
}

impl ServiceConfig {
    /// Standalone tasks started by a schedule, not a service's.
    pub fn is_run_task(&self) -> bool {
        self.run_task.is_some()
    }

    pub fn is_daemon(&self) -> bool {
        self.scheduling_strategy == SchedulingStrategy::Daemon
    }

    /// Revision 0 is the service's first task definition; revision k is
    /// deployments[k − 1]'s.
    pub fn revision(&self, revision: u32) -> &TaskDefinition {
        match revision {
            0 => &self.task,
            k => &self.deployments[k as usize - 1].task,
        }
    }
}

/// An `UpdateService` with a new task definition at `at` (§2.8).
#[derive(Clone, Debug)]
pub struct DeploymentConfig {
    pub at: SimTime,
    /// The revision's name in reports (`web:2`).
    pub name: String,
    pub task: TaskDefinition,
}

/// `deploymentConfiguration` of a service with the ECS (rolling) controller.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentConfiguration {
    /// Healthy tasks kept during a deployment, percent of desiredCount, rounded up (§2.2; default 100).
    pub minimum_healthy_percent: u32,
    /// RUNNING + PENDING tasks allowed, percent of desiredCount, rounded down (§2.2; default 200).
    pub maximum_percent: u32,
    pub circuit_breaker: Option<CircuitBreaker>,
    /// None: a rolling update; else blue/green with traffic shifting (§2.7).
    pub traffic_shifting: Option<TrafficShifting>,
}

impl Default for DeploymentConfiguration {
    fn default() -> Self {
        DeploymentConfiguration {
            minimum_healthy_percent: 100,
            maximum_percent: 200,
            circuit_breaker: None,
            traffic_shifting: None,
        }
    }
}

/// Blue/green (§2.7): the green task set scales to 100 % of desired, then
/// production traffic moves to it step by step; after the last step both
/// run for `bake_time`, then blue goes. CodeDeploy's configurations and ECS's
/// BLUE_GREEN, LINEAR and CANARY strategies all lower to this.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficShifting {
    /// `CodeDeployDefault.ECSCanary10Percent5Minutes`, `CANARY`, …
    pub name: String,
    /// Each step: green's share of requests (percent), then how long it holds.
    pub steps: Vec<(f64, SimDuration)>,
    /// After 100 %: how long blue stays (bakeTimeInMinutes, terminationWaitTimeInMinutes).
    pub bake_time: SimDuration,
    /// Roll back when the green target group's ELB 5XX count reaches this in
    /// `evaluation_periods` consecutive minutes (an alarm the scenario names).
    pub rollback_alarm: Option<RollbackAlarm>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RollbackAlarm {
    pub threshold: u64,
    pub evaluation_periods: u32,
}

/// `deploymentCircuitBreaker` (§2.4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CircuitBreaker {
    /// Redeploy the last COMPLETED revision when the deployment fails.
    pub rollback: bool,
    pub threshold: FailureThreshold,
    /// A task of the deployment that becomes healthy resets the count (default true).
    pub reset_on_healthy_task: bool,
    /// The 2023 rule (§2.4): once a task of the revision has been healthy the
    /// breaker never trips for it.
    pub never_trips_after_healthy_task: bool,
}

/// How many failed tasks fail a deployment (§2.4 model choice).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FailureThreshold {
    /// clamp(⌈value / 100 × desired⌉, minimum, 200): minimum 3 now, 10 in 2023.
    BoundedPercent {
        value: f64,
        minimum: u32,
    },
    /// max(1, ⌈value / 100 × desired⌉).
    UnboundedPercent(f64),
    Count(u32),
}

impl FailureThreshold {
    pub fn for_desired(self, desired: u32) -> u32 {
        let share = |v: f64| (v / 100.0 * f64::from(desired) - 1e-9).ceil().max(0.0) as u32;
        match self {
            FailureThreshold::BoundedPercent { value, minimum } => share(value).clamp(minimum, 200),
            FailureThreshold::UnboundedPercent(value) => share(value).max(1),
            FailureThreshold::Count(n) => n,
        }
    }
}

/// What a task of the service is and how it behaves.
#[derive(Clone, Debug)]
pub struct TaskDefinition {
    /// Task-level CPU units (1024 = 1 vCPU).
    pub cpu_units: u32,
    pub memory_mib: u32,
    /// Requests served at once; more wait in the task's queue.
    pub concurrency: u32,
    /// Requests that may wait; beyond it the task refuses (502 at the ALB).
    pub queue_limit: u32,
    /// Service demand of a request that carries none of its own.
    pub service_time: DurationDistribution,
    /// Memory a task uses with no request in it (for `MemoryUtilization`).
    pub memory_baseline_mib: f64,
    /// Memory each request inside the task adds while it is there.
    pub memory_per_request_mib: f64,
    /// A leak (issue 9): MiB each served request leaves behind for good, and
    /// MiB per hour since RUNNING.
    pub memory_leak_per_request_mib: f64,
    pub memory_leak_per_hour_mib: f64,
    /// What EC2 placement subtracts and `MemoryUtilization` divides by: the
    /// task's `memory` if set, else the container's `memoryReservation`, else
    /// its `memory` (§14.1, §14.3 model choice).
    pub memory_reserved_mib: u32,
    /// The hard limit above which the essential container is killed (§14.2):
    /// the container's `memory`, else the task's; None with a soft limit only
    /// (on EC2 it dies only when the instance runs out: not modelled).
    pub memory_limit_mib: Option<u32>,
    /// vCPU a request uses while in service, in thousandths (500 = half a vCPU).
    pub vcpu_per_request_millis: u32,
    /// When false, requests never slow down for CPU (a pure M/M/c station).
    pub cpu_contention: bool,
    /// Launch to RUNNING (aws-semantics §4.5, model choice: a distribution).
    pub startup_time: DurationDistribution,
    /// PROVISIONING (ENI attachment) at the start of start-up; the rest is ACTIVATING.
    pub provisioning_time: SimDuration,
    /// RUNNING until the application accepts connections.
    pub app_ready_time: SimDuration,
    /// SIGTERM to SIGKILL (aws-semantics §2.5; Fargate default 30 s).
    pub stop_timeout: SimDuration,
    /// DEPROVISIONING (ENI detachment) before STOPPED.
    pub deprovisioning_time: SimDuration,
    /// Mean time between crashes of a RUNNING task (essential container exits); None = never.
    pub mean_time_between_crashes: Option<SimDuration>,
    /// `runtimePlatform.cpuArchitecture` (priced differently, §4.2).
    pub architecture: CpuArchitecture,
    /// `ephemeralStorage.sizeInGiB`: 20 GiB are included, up to 200 (§4.1).
    pub ephemeral_storage_gib: u32,
    /// `assignPublicIp`: each task pays for a public IPv4 address (§4.2).
    pub assign_public_ip: bool,
    /// Bytes of a successful response (the ALB's processed bytes, §3.6).
    pub response_bytes: u32,
    /// Requests take this many times the drawn service time (a revision's
    /// speed against the first; the draws stay common, §6 of issue 6).
    pub service_time_scale: f64,
    /// Fault injection per task, drawn at launch: its essential container exits
    /// before RUNNING; it never passes a health check; it stops answering this
    /// long after RUNNING.
    pub start_failure_probability: f64,
    pub health_check_failure_probability: f64,
    pub unhealthy_after: Option<SimDuration>,
    /// The essential container's `healthCheck` (§2.6); None: it has none.
    pub container_health_check: Option<ContainerHealthCheck>,
}

/// A task definition's container `healthCheck` (aws-semantics §2.6): a
/// command run inside the container on Docker's HEALTHCHECK timing. It passes
/// while the application answers (model choice, as for target-group checks).
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerHealthCheck {
    /// From start to the first check, then from each check's end to the next (default 30 s).
    pub interval: SimDuration,
    /// A check that hangs fails after this (default 5 s).
    pub timeout: SimDuration,
    /// Consecutive failures that make the container UNHEALTHY (default 3).
    pub retries: u32,
    /// Failures in this window after start do not count (`startPeriod`, default 0).
    pub start_period: SimDuration,
}

impl Default for ContainerHealthCheck {
    fn default() -> Self {
        ContainerHealthCheck {
            interval: SimDuration::from_secs(30),
            timeout: SimDuration::from_secs(5),
            retries: 3,
            start_period: SimDuration::ZERO,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CpuArchitecture {
    #[default]
    X86_64,
    Arm64,
}

impl CpuArchitecture {
    pub fn as_str(self) -> &'static str {
        match self {
            CpuArchitecture::X86_64 => "X86_64",
            CpuArchitecture::Arm64 => "ARM64",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    RoundRobin,
    LeastOutstandingRequests,
    Random,
}

/// The ALB, its target groups and what each route forwards to.
#[derive(Clone, Debug)]
pub struct LoadBalancerConfig {
    pub algorithm: Algorithm,
    /// A request open longer than this gets 504 (aws-semantics §3.3; default 60 s).
    pub idle_timeout: SimDuration,
    pub target_groups: Vec<TargetGroupConfig>,
    /// The listener's rules (§10); a route is the rule a request matched, or
    /// the default action, and traffic resolves each request to its route.
    pub listener: std::sync::Arc<Listener>,
    /// Each route's name in reports, in route order ("default" last).
    pub route_names: Vec<String>,
    /// Bytes of each request (LCU processed bytes, §3.6).
    pub request_bytes: u64,
    /// Requests per client connection (LCU new and active connections, §3.6).
    pub requests_per_connection: f64,
    /// Public IPv4 addresses the ALB holds: one per AZ when internet-facing (§3.6 model choice).
    pub public_ipv4_addresses: u32,
}

#[derive(Clone, Debug)]
pub struct TargetGroupConfig {
    pub service: ServiceId,
    pub health_check: HealthCheckConfig,
    /// Draining time before a deregistered target is cut (aws-semantics §3.4; default 300 s).
    pub deregistration_delay: SimDuration,
    /// `slow_start.duration_seconds`: a newly healthy target's share ramps up
    /// linearly over this (aws-semantics §3.4); zero is off, the default.
    pub slow_start: SimDuration,
}

/// Target group health checks (aws-semantics §3.2).
#[derive(Clone, Debug)]
pub struct HealthCheckConfig {
    pub interval: SimDuration,
    pub timeout: SimDuration,
    pub healthy_threshold_count: u32,
    pub unhealthy_threshold_count: u32,
    /// Model choice (§3.2): a new target is healthy after one passed check, or
    /// after `healthy_threshold_count` of them when this is true.
    pub new_target_needs_threshold: bool,
}

impl Default for HealthCheckConfig {
    fn default() -> Self {
        HealthCheckConfig {
            interval: SimDuration::from_secs(30),
            timeout: SimDuration::from_secs(5),
            healthy_threshold_count: 5,
            unhealthy_threshold_count: 2,
            new_target_needs_threshold: false,
        }
    }
}

/// Application Auto Scaling for a service's desiredCount (aws-semantics §1).
#[derive(Clone, Debug)]
pub struct AutoScalingConfig {
    /// `MinCapacity` / `MaxCapacity` of the scalable target (§1.1).
    pub min_capacity: u32,
    pub max_capacity: u32,
    /// A minute's datapoint becomes visible this long after the minute ends
    /// (model choice §6; AWS documents no figure).
    pub metric_publication_delay: SimDuration,
    /// The same for 20-second datapoints (model choice: AWS's benchmark, 86 s
    /// from a spike to scale-out, leaves about 20 s after three periods, §1.3).
    pub high_resolution_publication_delay: SimDuration,
    /// Model choice §1.5: the base of a scale-out inside a scale-out cooldown.
    pub cooldown_base: CooldownBase,
    pub target_tracking: Vec<TargetTrackingPolicy>,
    /// Step policies; in reports they are numbered after the target tracking ones.
    pub step_scaling: Vec<StepScalingPolicy>,
    pub scheduled_actions: Vec<super::schedule::ScheduledAction>,
    /// How CloudWatch evaluates alarms where AWS is silent (§6 model choices).
    pub alarm_evaluation: AlarmEvaluation,
    /// Target tracking's alarm shape: AWS's by default; anything else is a
    /// what-if AWS does not offer, flagged in every report.
    pub target_tracking_alarms: TargetTrackingAlarms,
    /// CloudWatch periods of the policies' datapoints: AWS's 60 s and 20 s
    /// by default; anything else is a what-if, flagged in every report.
    pub metric_periods: MetricPeriods,
    /// The UTC time of simulated time zero (seconds since the epoch), for `at` and `cron`.
    pub start_epoch_secs: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CooldownBase {
    /// The running count of the scale-out that started the cooldown (default).
    Initiating,
    /// The running count now (§1.4 read literally).
    Running,
}

/// A predefined metric of a target tracking policy (§1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PredefinedMetric {
    EcsServiceAverageCpuUtilization,
    EcsServiceAverageMemoryUtilization,
    AlbRequestCountPerTarget,
    /// 20-second datapoints, evaluated every 20 s (§1.2, §1.3).
    EcsServiceAverageCpuUtilizationHighResolution,
    EcsServiceAverageMemoryUtilizationHighResolution,
    /// Not predefined in AWS: the customized metric-math specification of
    /// AWS's queue-worker pattern, backlog per task (§12.4).
    SqsBacklogPerTask,
}

impl PredefinedMetric {
    pub fn aws_name(self) -> &'static str {
        match self {
            PredefinedMetric::EcsServiceAverageCpuUtilization => "ECSServiceAverageCPUUtilization",
            PredefinedMetric::EcsServiceAverageMemoryUtilization => "ECSServiceAverageMemoryUtilization",
            PredefinedMetric::AlbRequestCountPerTarget => "ALBRequestCountPerTarget",
            PredefinedMetric::EcsServiceAverageCpuUtilizationHighResolution => {
                "ECSServiceAverageCPUUtilizationHighResolution"
            }
            PredefinedMetric::EcsServiceAverageMemoryUtilizationHighResolution => {
                "ECSServiceAverageMemoryUtilizationHighResolution"
            }
            PredefinedMetric::SqsBacklogPerTask => {
                "backlog per task (ApproximateNumberOfMessagesVisible / RunningTaskCount)"
            }
        }
    }

    pub fn is_high_resolution(self) -> bool {
        matches!(
            self,
            PredefinedMetric::EcsServiceAverageCpuUtilizationHighResolution
                | PredefinedMetric::EcsServiceAverageMemoryUtilizationHighResolution
        )
    }
}

/// `TargetTrackingScalingPolicyConfiguration` (§1.2).
#[derive(Clone, Debug)]
pub struct TargetTrackingPolicy {
    pub name: String,
    pub metric: PredefinedMetric,
    pub target_value: f64,
    pub scale_out_cooldown: SimDuration,
    pub scale_in_cooldown: SimDuration,
    pub disable_scale_in: bool,
}

/// A service metric as CloudWatch publishes it each minute (§3.5, §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceMetric {
    CpuUtilization,
    MemoryUtilization,
    RequestCount,
    RequestCountPerTarget,
    /// A worker's queue (`AWS/SQS`, §12.3).
    ApproximateNumberOfMessagesVisible,
    ApproximateAgeOfOldestMessage,
    /// Metric math `ApproximateNumberOfMessagesVisible / RunningTaskCount` (§12.4).
    BacklogPerTask,
}

impl ServiceMetric {
    pub fn aws_name(self) -> &'static str {
        match self {
            ServiceMetric::CpuUtilization => "CPUUtilization",
            ServiceMetric::MemoryUtilization => "MemoryUtilization",
            ServiceMetric::RequestCount => "RequestCount",
            ServiceMetric::RequestCountPerTarget => "RequestCountPerTarget",
            ServiceMetric::ApproximateNumberOfMessagesVisible => "ApproximateNumberOfMessagesVisible",
            ServiceMetric::ApproximateAgeOfOldestMessage => "ApproximateAgeOfOldestMessage",
            ServiceMetric::BacklogPerTask => "ApproximateNumberOfMessagesVisible / RunningTaskCount",
        }
    }
}

impl PredefinedMetric {
    /// The CloudWatch metric behind a predefined metric (§1.2, §1.3).
    pub fn service_metric(self) -> ServiceMetric {
        match self {
            PredefinedMetric::EcsServiceAverageCpuUtilization
            | PredefinedMetric::EcsServiceAverageCpuUtilizationHighResolution => ServiceMetric::CpuUtilization,
            PredefinedMetric::EcsServiceAverageMemoryUtilization
            | PredefinedMetric::EcsServiceAverageMemoryUtilizationHighResolution => ServiceMetric::MemoryUtilization,
            PredefinedMetric::AlbRequestCountPerTarget => ServiceMetric::RequestCountPerTarget,
            PredefinedMetric::SqsBacklogPerTask => ServiceMetric::BacklogPerTask,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComparisonOperator {
    GreaterThanThreshold,
    GreaterThanOrEqualToThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

impl ComparisonOperator {
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            ComparisonOperator::GreaterThanThreshold => value > threshold,
            ComparisonOperator::GreaterThanOrEqualToThreshold => value >= threshold,
            ComparisonOperator::LessThanThreshold => value < threshold,
            ComparisonOperator::LessThanOrEqualToThreshold => value <= threshold,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            ComparisonOperator::GreaterThanThreshold => ">",
            ComparisonOperator::GreaterThanOrEqualToThreshold => "≥",
            ComparisonOperator::LessThanThreshold => "<",
            ComparisonOperator::LessThanOrEqualToThreshold => "≤",
        }
    }
}

/// The CloudWatch alarm a user creates for a step scaling policy (§1.8).
#[derive(Clone, Debug)]
pub struct AlarmConfig {
    pub metric: ServiceMetric,
    /// The alarm's period: a multiple of 60 s (one-minute metrics, §1.8).
    pub period: SimDuration,
    pub evaluation_periods: usize,
    pub datapoints_to_alarm: usize,
    pub threshold: f64,
    pub comparison_operator: ComparisonOperator,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustmentType {
    ChangeInCapacity,
    PercentChangeInCapacity,
    ExactCapacity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricAggregationType {
    Average,
    Minimum,
    Maximum,
}

/// One step: bounds are offsets from the alarm threshold; None is ∓∞ (§1.8).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepAdjustment {
    pub lower_bound: Option<f64>,
    pub upper_bound: Option<f64>,
    pub scaling_adjustment: i64,
}

/// `StepScalingPolicyConfiguration` with its alarm (§1.8).
#[derive(Clone, Debug)]
pub struct StepScalingPolicy {
    pub name: String,
    pub alarm: AlarmConfig,
    pub adjustment_type: AdjustmentType,
    pub step_adjustments: Vec<StepAdjustment>,
    pub min_adjustment_magnitude: Option<u32>,
    pub cooldown: SimDuration,
    pub metric_aggregation_type: MetricAggregationType,
}

/// Model choices of aws-semantics §6 for alarm evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlarmEvaluation {
    /// Periods an M-of-N alarm reads (R ≥ N; default N, undocumented for 60 s periods).
    pub evaluation_range: Option<usize>,
    pub missing_data: MissingDataRule,
}

impl Default for AlarmEvaluation {
    fn default() -> Self {
        AlarmEvaluation { evaluation_range: None, missing_data: MissingDataRule::Exact }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissingDataRule {
    /// CloudWatch's documented rule for `treatMissingData = missing`, premature ALARM included (§1.3).
    Exact,
    /// The latest N periods, a missing one never breaching, no premature ALARM (§6 option).
    LatestN,
}

/// Target tracking's two alarms (§1.3): AWS's shape is 3 of 3 above target,
/// 15 of 15 below 0.9 × target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetTrackingAlarms {
    /// (datapoints to alarm, evaluation periods) of AlarmHigh.
    pub high: (usize, usize),
    pub low: (usize, usize),
    /// AlarmLow's threshold as a share of the target.
    pub scale_in_threshold_share: f64,
}

impl Default for TargetTrackingAlarms {
    fn default() -> Self {
        TargetTrackingAlarms { high: (3, 3), low: (15, 15), scale_in_threshold_share: 0.9 }
    }
}

/// The period of the datapoints the policies' alarms read (§1.2, §6): 60 s
/// for one-minute metrics, 20 s for high-resolution ones. Any multiple of
/// 20 s is a what-if AWS does not offer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricPeriods {
    /// Target tracking on one-minute metrics and step scaling alarms.
    pub standard: SimDuration,
    /// High-resolution target tracking.
    pub high_resolution: SimDuration,
}

impl Default for MetricPeriods {
    fn default() -> Self {
        MetricPeriods { standard: SimDuration::from_secs(60), high_resolution: SimDuration::from_secs(20) }
    }
}

impl MetricPeriods {
    /// True when these are not CloudWatch's: a what-if.
    pub fn is_what_if(&self) -> bool {
        *self != MetricPeriods::default()
    }
}

impl TargetTrackingAlarms {
    /// True when these are not what AWS creates: a what-if.
    pub fn is_what_if(&self) -> bool {
        *self != TargetTrackingAlarms::default()
    }
}
