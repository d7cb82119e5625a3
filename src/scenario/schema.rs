//! The scenario file as written: serde types with `deny_unknown_fields`, in
//! AWS's words snake_cased. Optional fields stay `Option` here; validation
//! checks them per kind and lowering applies the defaults (AWS's where AWS has one).

use super::{DurationField, Problem};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Names the results folder; default: the file's stem.
    pub name: Option<String>,
    pub seed: Option<u64>,
    pub duration: DurationField,
    pub region: Option<String>,
    /// The UTC time of simulated time zero, `2026-11-02T00:00:00Z`; needed by
    /// `at(…)` and `cron(…)` schedules.
    pub start_time: Option<String>,
    /// What reaches the ALB: one `[traffic]` table, or `[[traffic]]` tables
    /// (several sources, merged in time order); none: no requests (only for
    /// services without load balancer).
    pub traffic: Option<TrafficSources>,
    /// One service, the short form.
    pub service: Option<ServiceFile>,
    /// Several services (`[[services]]`).
    #[serde(default)]
    pub services: Vec<ServiceFile>,
    /// Standard SQS queues (`[[queues]]`) that worker services consume (§12).
    #[serde(default)]
    pub queues: Vec<QueueFile>,
    #[serde(default)]
    pub load_balancer: LoadBalancerFile,
    /// How Fargate Spot interrupts tasks and runs dry (aws-semantics §4.3).
    pub fargate_spot: Option<FargateSpotFile>,
    /// The cluster's Auto Scaling group capacity providers (§5).
    #[serde(default)]
    pub capacity_providers: Vec<CapacityProviderFile>,
    #[serde(default)]
    pub pricing: PricingFile,
    /// Bounds for `fleetsim check` (policy regression tests).
    pub expect: Option<ExpectFile>,
}

/// A standard SQS queue's attributes (`CreateQueue`, aws-semantics §12.1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueFile {
    pub name: String,
    /// `VisibilityTimeout` (default 30 s; 0–12 h).
    pub visibility_timeout: Option<DurationField>,
    /// `MessageRetentionPeriod` (default 4 days; 60 s–14 days).
    pub message_retention_period: Option<DurationField>,
    /// `ReceiveMessageWaitTimeSeconds` (default 0: short polling; 0–20).
    pub receive_message_wait_time_seconds: Option<u32>,
    /// `RedrivePolicy.maxReceiveCount` (1–1,000); none: no dead-letter queue.
    pub max_receive_count: Option<u32>,
    /// Model choice §12.3: metrics stop this long after the queue was last
    /// active (default 6 h).
    pub inactive_after: Option<DurationField>,
}

/// A queue worker: `{ queue = "jobs", max_number_of_messages = 10, wait_time_seconds = 20 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerFile {
    pub queue: String,
    /// `MaxNumberOfMessages` (default 1; 1–10).
    pub max_number_of_messages: Option<u32>,
    /// `WaitTimeSeconds` (default: the queue's `receive_message_wait_time_seconds`; 0–20).
    pub wait_time_seconds: Option<u32>,
    /// Short polling: the pause after an empty receive (default 1 s; model choice).
    pub empty_receive_pause: Option<DurationField>,
}

/// `[expect]`: bounds on a run's figures, each `{ min = …, max = …, over = … }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    /// Seeds to run: the scenario's seed, then seed + 1, … (default 1).
    pub seeds: Option<u32>,
    /// How the seeds' figures are summarised (default mean).
    pub over: Option<StatisticFile>,
    pub requests: Option<BoundFile>,
    pub availability: Option<BoundFile>,
    pub latency_p50_ms: Option<BoundFile>,
    pub latency_p99_ms: Option<BoundFile>,
    pub mean_queue_time_ms: Option<BoundFile>,
    pub cost_usd: Option<BoundFile>,
    pub cost_per_million_requests_usd: Option<BoundFile>,
    pub failed_requests: Option<BoundFile>,
    pub scale_outs_per_hour: Option<BoundFile>,
    pub task_hours: Option<BoundFile>,
    pub capacity_short_minutes: Option<BoundFile>,
    pub tasks_interrupted: Option<BoundFile>,
    pub deployment_duration_s: Option<BoundFile>,
    pub under_provisioning_timeshare_percent: Option<BoundFile>,
    pub over_provisioning_timeshare_percent: Option<BoundFile>,
    pub instability_percent: Option<BoundFile>,
    /// `[expect.services.<name>]`: the same bounds on one service's own
    /// figures (its `over` default is the table's).
    pub services: Option<std::collections::BTreeMap<String, ExpectFile>>,
}

impl ExpectFile {
    pub fn bound(&self, metric: crate::check::Metric) -> Option<&BoundFile> {
        use crate::check::Metric;
        match metric {
            Metric::Requests => self.requests.as_ref(),
            Metric::Availability => self.availability.as_ref(),
            Metric::LatencyP50Ms => self.latency_p50_ms.as_ref(),
            Metric::LatencyP99Ms => self.latency_p99_ms.as_ref(),
            Metric::MeanQueueTimeMs => self.mean_queue_time_ms.as_ref(),
            Metric::CostUsd => self.cost_usd.as_ref(),
            Metric::CostPerMillionRequestsUsd => self.cost_per_million_requests_usd.as_ref(),
            Metric::FailedRequests => self.failed_requests.as_ref(),
            Metric::ScaleOutsPerHour => self.scale_outs_per_hour.as_ref(),
            Metric::TaskHours => self.task_hours.as_ref(),
            Metric::CapacityShortMinutes => self.capacity_short_minutes.as_ref(),
            Metric::TasksInterrupted => self.tasks_interrupted.as_ref(),
            Metric::DeploymentDurationS => self.deployment_duration_s.as_ref(),
            Metric::UnderProvisioningTimesharePercent => self.under_provisioning_timeshare_percent.as_ref(),
            Metric::OverProvisioningTimesharePercent => self.over_provisioning_timeshare_percent.as_ref(),
            Metric::InstabilityPercent => self.instability_percent.as_ref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundFile {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub over: Option<StatisticFile>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatisticFile {
    Mean,
    Min,
    Max,
    Median,
    P90,
    P95,
    P99,
}

/// `[[capacity_providers]]`: an ASG of one instance type (aws-semantics §5).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityProviderFile {
    pub name: String,
    /// An EC2 instance type of `prices/ec2_instance_types.csv`, such as `m6i.large`.
    pub instance_type: String,
    pub min_size: Option<u32>,
    pub max_size: u32,
    /// Instances at time zero (default `min_size`).
    pub desired_capacity: Option<u32>,
    /// Default: the region's a, b and c.
    pub availability_zones: Option<Vec<String>>,
    /// Launch until the instance is registered with ECS (model choice).
    pub registration_time: Option<DistributionFile>,
    /// MiB the agent registers; default ⌊nominal × 0.975⌋ (§5.6 model choice).
    pub registered_memory_mib: Option<u32>,
    /// `ECS_RESERVED_MEMORY`, subtracted from the registered memory (default 0).
    pub reserved_memory_mib: Option<u32>,
    /// `awsvpcTrunking` opted in (§5.3, default false).
    pub awsvpc_trunking: Option<bool>,
    /// awsvpc tasks per instance, for a type the ENI table of §5.3 lacks.
    pub awsvpc_tasks_per_instance: Option<u32>,
    pub managed_scaling: Option<ManagedScalingFile>,
    pub managed_termination_protection: Option<bool>,
    pub managed_draining: Option<bool>,
    /// Spot instances (§5.5).
    pub spot: Option<Ec2SpotFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedScalingFile {
    pub target_capacity: Option<u32>,
    pub minimum_scaling_step_size: Option<u32>,
    pub maximum_scaling_step_size: Option<u32>,
    pub instance_warmup_period: Option<DurationField>,
    /// Model choice §5.1: the first step from zero is max(2, demand), not 2.
    pub from_zero_uses_demand: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2SpotFile {
    pub interruptions_per_instance_hour: Option<f64>,
    /// `ECS_ENABLE_SPOT_INSTANCE_DRAINING` (default false, §5.5).
    pub spot_instance_draining: Option<bool>,
}

/// One `placementStrategy` item: `{ type = "binpack", field = "memory" }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementStrategyFile {
    #[serde(rename = "type")]
    pub kind: PlacementStrategyKind,
    pub field: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementStrategyKind {
    Binpack,
    Spread,
    Random,
}

/// One `placementConstraints` item: `{ type = "distinctInstance" }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementConstraintFile {
    #[serde(rename = "type")]
    pub kind: PlacementConstraintKind,
    pub expression: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum PlacementConstraintKind {
    #[serde(rename = "distinctInstance")]
    DistinctInstance,
    #[serde(rename = "memberOf")]
    MemberOf,
}

/// `[pricing]`: the scenario's own price files and discounts.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricingFile {
    /// CSVs shaped like fleetsim's `prices/*.csv`, instead of them.
    pub fargate_file: Option<PathBuf>,
    pub alb_file: Option<PathBuf>,
    pub other_file: Option<PathBuf>,
    /// EC2 Linux On-Demand per instance type: `region,instance_type,currency,price_per_hour,generated_at`.
    pub ec2_file: Option<PathBuf>,
    /// Fargate Spot (and EC2 Spot) as a share of On-Demand, instead of the table's Spot rows.
    pub spot_price_share: Option<f64>,
    /// Savings Plans / Reserved discounts: line item key → percent.
    #[serde(default)]
    pub discount_percent: std::collections::BTreeMap<String, f64>,
}

/// `[fargate_spot]`: the cluster's Spot market.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FargateSpotFile {
    /// Interruptions per RUNNING Spot task-hour, each task on its own.
    pub interruptions_per_task_hour: Option<f64>,
    /// Random reclaim waves: `{ per_hour = 0.1, share = 0.5 }`.
    pub reclaim_waves: Option<ReclaimWavesFile>,
    /// Waves at given times: `[{ at = "3h", share = 0.5 }]`.
    #[serde(default)]
    pub waves: Vec<WaveFile>,
    /// A CSV of observed interruptions: `t_seconds` and optionally `tasks`.
    pub interruptions_file: Option<PathBuf>,
    /// Windows in which no Spot task can be placed: `[{ start = "2h", end = "3h" }]`.
    #[serde(default)]
    pub droughts: Vec<WindowFile>,
    /// Model choice §4.3: launch the replacement when the task has `stopped` (default) or at the `notice`.
    pub replace_at: Option<ReplaceAtFile>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReclaimWavesFile {
    pub per_hour: f64,
    pub share: f64,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaveFile {
    pub at: DurationField,
    pub share: f64,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowFile {
    pub start: DurationField,
    pub end: DurationField,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplaceAtFile {
    Stopped,
    Notice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum LaunchTypeFile {
    #[serde(rename = "FARGATE")]
    Fargate,
    /// The cluster's one ASG capacity provider.
    #[serde(rename = "EC2")]
    Ec2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum CpuArchitectureFile {
    #[serde(rename = "X86_64")]
    X86_64,
    #[serde(rename = "ARM64")]
    Arm64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitShortfallFile {
    After,
    Before,
}

/// One `capacityProviderStrategy` item.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyItemFile {
    pub capacity_provider: String,
    pub base: Option<u32>,
    /// The API's default is 0 (§4.4).
    pub weight: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrafficKind {
    Constant,
    Diurnal,
    Step,
    Spike,
    CountTrace,
    RequestTrace,
    /// ALB access logs as ELB delivers them (aws-semantics §11.1, §11.2).
    AlbAccessLogs,
    /// A CloudWatch `get-metric-data`/`get-metric-statistics` export of a count (§11.3).
    Cloudwatch,
}

/// `[traffic]`: one flat table; which fields apply depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficFile {
    pub kind: TrafficKind,
    pub rate_per_second: Option<f64>,
    pub peak_per_second: Option<f64>,
    pub trough_per_second: Option<f64>,
    pub period: Option<DurationField>,
    pub peak_at: Option<DurationField>,
    pub before_per_second: Option<f64>,
    pub after_per_second: Option<f64>,
    pub at: Option<DurationField>,
    pub base_per_second: Option<f64>,
    pub spike_per_second: Option<f64>,
    pub start: Option<DurationField>,
    pub duration: Option<DurationField>,
    pub file: Option<PathBuf>,
    pub service_time_column: Option<String>,
    /// A request trace's column of response sizes in bytes (the ALB's processed bytes, §3.6).
    pub response_bytes_column: Option<String>,
    pub rate_scale: Option<f64>,
    pub time_scale: Option<f64>,
    pub start_offset: Option<DurationField>,
    /// How requests split across request lines (method, host, path) when the
    /// source does not say; the rest of the share goes to `GET /`.
    #[serde(default)]
    pub routes: Vec<TrafficRouteFile>,
    /// A request trace's columns with each request's path (may carry a
    /// `?query`), method and host.
    pub path_column: Option<String>,
    pub method_column: Option<String>,
    pub host_column: Option<String>,
    /// A request trace's columns with request headers other than `Host`,
    /// for `http-header` rules: `{ "User-Agent" = "user_agent" }` (header
    /// name → column); an empty field means the request had no such header.
    pub header_columns: Option<std::collections::BTreeMap<String, String>>,
    /// Not requests to the ALB: messages sent to this SQS queue (`[[queues]]`).
    pub queue: Option<String>,
    /// ALB access logs: a file or folder, or a list of them.
    pub files: Option<PathList>,
    /// How far out of arrival order an access-log entry may be within its file.
    pub reorder_window: Option<DurationField>,
    /// A CloudWatch export's result, by Id or Label, when it holds several.
    pub metric: Option<String>,
}

/// One path or a list of them.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum PathList {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl PathList {
    pub fn paths(&self) -> &[PathBuf] {
        match self {
            PathList::One(path) => std::slice::from_ref(path),
            PathList::Many(paths) => paths,
        }
    }
}

/// One `[traffic]` table or several `[[traffic]]` tables.
#[derive(Debug)]
pub struct TrafficSources {
    pub sources: Vec<TrafficFile>,
    /// Written as `[[traffic]]`: field paths say `traffic[i]`.
    pub array: bool,
}

impl TrafficSources {
    /// Each source with its field path (`traffic` or `traffic[i]`).
    pub fn with_prefixes(&self) -> impl Iterator<Item = (String, &TrafficFile)> {
        let array = self.array;
        self.sources
            .iter()
            .enumerate()
            .map(move |(i, t)| (if array { format!("traffic[{i}]") } else { "traffic".into() }, t))
    }
}

impl<'de> Deserialize<'de> for TrafficSources {
    /// A table or an array of tables; a table's own errors keep their field
    /// paths (an untagged enum would lose them).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Sources;
        impl<'de> serde::de::Visitor<'de> for Sources {
            type Value = TrafficSources;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a [traffic] table or [[traffic]] tables")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<TrafficSources, A::Error> {
                let one = TrafficFile::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(TrafficSources { sources: vec![one], array: false })
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<TrafficSources, A::Error> {
                let mut sources = Vec::new();
                while let Some(source) = seq.next_element()? {
                    sources.push(source);
                }
                Ok(TrafficSources { sources, array: true })
            }
        }
        deserializer.deserialize_any(Sources)
    }
}

/// A share of the traffic and the request line it carries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficRouteFile {
    /// The path, and optionally `?query`.
    pub path: String,
    pub share: f64,
    /// Default `GET`.
    pub method: Option<String>,
    /// Default: none (matches no host-header condition).
    pub host: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistributionKind {
    Constant,
    Exponential,
    Lognormal,
    Gamma,
    Uniform,
    Empirical,
    /// The service time column of a request trace.
    Trace,
}

/// A distribution of durations: `{ distribution = "lognormal", median = "40ms", p99 = "400ms" }`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionFile {
    pub distribution: DistributionKind,
    pub value: Option<DurationField>,
    pub mean: Option<DurationField>,
    pub median: Option<DurationField>,
    pub p99: Option<DurationField>,
    pub cv: Option<f64>,
    pub min: Option<DurationField>,
    pub max: Option<DurationField>,
    /// Empirical: a CSV of observed durations.
    pub file: Option<PathBuf>,
    /// Empirical: the column holding them (default `latency_ms`); its suffix
    /// `_ms` or `_s`/`_seconds` gives the unit.
    pub column: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesiredCountChange {
    pub at: DurationField,
    pub desired_count: u32,
}

/// A service and its task definition.
/// `[service.deployment_configuration]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfigurationFile {
    pub minimum_healthy_percent: Option<u32>,
    pub maximum_percent: Option<u32>,
    pub deployment_circuit_breaker: Option<CircuitBreakerFile>,
    /// ECS-native strategies (§2.7): ROLLING (default), BLUE_GREEN, LINEAR, CANARY.
    pub strategy: Option<StrategyFile>,
    pub bake_time_in_minutes: Option<u32>,
    pub linear_configuration: Option<LinearFile>,
    pub canary_configuration: Option<CanaryFile>,
    /// The CODE_DEPLOY controller with a predefined configuration (§2.7).
    pub code_deploy: Option<CodeDeployFile>,
    /// Roll a traffic-shifting deployment back when the new target group's
    /// ELB 5XX count reaches `threshold` in `evaluation_periods` minutes in a row.
    pub rollback_alarm: Option<RollbackAlarmFile>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum StrategyFile {
    #[serde(rename = "ROLLING")]
    Rolling,
    #[serde(rename = "BLUE_GREEN")]
    BlueGreen,
    #[serde(rename = "LINEAR")]
    Linear,
    #[serde(rename = "CANARY")]
    Canary,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearFile {
    pub step_percent: Option<f64>,
    pub step_bake_time_in_minutes: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryFile {
    pub canary_percent: Option<f64>,
    pub canary_bake_time_in_minutes: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeDeployFile {
    /// `CodeDeployDefault.ECSAllAtOnce`, `…ECSCanary10Percent5Minutes`, …, or
    /// the name of a custom configuration given in `traffic_routing_config`.
    pub deployment_config: String,
    /// A custom deployment configuration's `trafficRoutingConfig`.
    pub traffic_routing_config: Option<TrafficRoutingConfigFile>,
    pub termination_wait_time_in_minutes: Option<u32>,
}

/// CodeDeploy's `TrafficRoutingConfig` (`create-deployment-config
/// --compute-platform ECS`): percentages are whole numbers, intervals minutes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficRoutingConfigFile {
    #[serde(rename = "type")]
    pub kind: TrafficRoutingKind,
    pub time_based_canary: Option<TimeBasedCanaryFile>,
    pub time_based_linear: Option<TimeBasedLinearFile>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum TrafficRoutingKind {
    AllAtOnce,
    TimeBasedCanary,
    TimeBasedLinear,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeBasedCanaryFile {
    pub canary_percentage: u32,
    pub canary_interval: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeBasedLinearFile {
    pub linear_percentage: u32,
    pub linear_interval: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackAlarmFile {
    pub threshold: u64,
    pub evaluation_periods: Option<u32>,
}

/// `deploymentCircuitBreaker` with the 2026 `thresholdConfiguration`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreakerFile {
    pub enable: bool,
    pub rollback: bool,
    pub threshold: Option<ThresholdFile>,
    /// Default true (§2.4).
    pub reset_on_healthy_task: Option<bool>,
    /// The 2023 guide's floor of 10 instead of 3 (§2.4).
    pub minimum_threshold_2023: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdFile {
    #[serde(rename = "type")]
    pub kind: ThresholdKind,
    pub value: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum ThresholdKind {
    #[serde(rename = "COUNT")]
    Count,
    #[serde(rename = "BOUNDED_PERCENT")]
    BoundedPercent,
    #[serde(rename = "UNBOUNDED_PERCENT")]
    UnboundedPercent,
}

/// `[[service.deployments]]`: at `at`, a new revision of the task definition;
/// each field it sets differs from the service's own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentFile {
    pub at: DurationField,
    /// Default `<service>:<revision number>`.
    pub name: Option<String>,
    pub startup_time: Option<DistributionFile>,
    pub app_ready_time: Option<DurationField>,
    pub stop_timeout: Option<DurationField>,
    /// Requests take this many times their drawn service time (default 1).
    pub service_time_scale: Option<f64>,
    pub vcpu_per_request: Option<f64>,
    /// The memory model behind `MemoryUtilization` (a leak: a higher baseline,
    /// or the leaks proper, which can end in OOM kills, §14.2).
    pub memory_baseline_mib: Option<f64>,
    pub memory_per_request_mib: Option<f64>,
    pub memory_leak_per_request_mib: Option<f64>,
    pub memory_leak_per_hour_mib: Option<f64>,
    pub mean_time_between_crashes: Option<DurationField>,
    pub start_failure_probability: Option<f64>,
    pub health_check_failure_probability: Option<f64>,
    pub unhealthy_after: Option<DurationField>,
    /// The revision's container `healthCheck` (replaces the service's).
    pub container_health_check: Option<ContainerHealthCheckFile>,
}

/// A container definition's `healthCheck` (aws-semantics §2.6).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerHealthCheckFile {
    pub interval: Option<DurationField>,
    pub timeout: Option<DurationField>,
    pub retries: Option<u32>,
    pub start_period: Option<DurationField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    pub name: Option<String>,
    /// `schedulingStrategy`: REPLICA (default) or DAEMON (§13.3).
    pub scheduling_strategy: Option<SchedulingStrategyFile>,
    pub desired_count: Option<u32>,
    #[serde(default)]
    pub desired_count_changes: Vec<DesiredCountChange>,
    /// Task CPU units (1024 = 1 vCPU).
    pub cpu: Option<u32>,
    /// Task memory, MiB.
    pub memory: Option<u32>,
    pub concurrency: Option<u32>,
    pub queue_limit: Option<u32>,
    pub service_time: DistributionFile,
    /// vCPU a request uses while in service.
    pub vcpu_per_request: Option<f64>,
    /// Memory a task uses at rest, MiB (default: a quarter of `memory`).
    pub memory_baseline_mib: Option<f64>,
    /// Memory each request inside a task adds, MiB (default 0).
    pub memory_per_request_mib: Option<f64>,
    /// The essential container's `memoryReservation`, MiB (soft limit, §14.1):
    /// what EC2 placement subtracts and `MemoryUtilization` divides by when the
    /// task sets no `memory` of its own (§14.3).
    pub memory_reservation: Option<u32>,
    /// The essential container's `memory`, MiB: its hard limit (§14.1); above
    /// it the container is killed (§14.2). Default: the task's `memory`.
    pub container_memory: Option<u32>,
    /// A leak: MiB kept for good per request served, and MiB per hour RUNNING (default 0).
    pub memory_leak_per_request_mib: Option<f64>,
    pub memory_leak_per_hour_mib: Option<f64>,
    pub cpu_contention: Option<bool>,
    pub startup_time: Option<DistributionFile>,
    pub provisioning_time: Option<DurationField>,
    pub app_ready_time: Option<DurationField>,
    pub stop_timeout: Option<DurationField>,
    pub deprovisioning_time: Option<DurationField>,
    pub health_check_grace_period: Option<DurationField>,
    pub mean_time_between_crashes: Option<DurationField>,
    /// Application Auto Scaling of desiredCount.
    pub auto_scaling: Option<AutoScalingFile>,
    /// `launchType`: the simple case of a strategy (default FARGATE).
    pub launch_type: Option<LaunchTypeFile>,
    pub capacity_provider_strategy: Option<Vec<StrategyItemFile>>,
    /// Model choice §4.4: where a provider's shortfall is measured.
    pub capacity_split_shortfall: Option<SplitShortfallFile>,
    /// On EC2: how tasks are placed on instances (§5.2).
    pub placement_strategy: Option<Vec<PlacementStrategyFile>>,
    #[serde(default)]
    pub placement_constraints: Vec<PlacementConstraintFile>,
    /// `runtimePlatform.cpuArchitecture` (default X86_64).
    pub cpu_architecture: Option<CpuArchitectureFile>,
    /// `ephemeralStorage.sizeInGiB` (default 20, included).
    pub ephemeral_storage_gib: Option<u32>,
    /// `awsvpcConfiguration.assignPublicIp` (default false).
    pub assign_public_ip: Option<bool>,
    /// Bytes of a response, for the ALB's processed bytes (default 4 KiB).
    pub response_bytes: Option<u32>,
    /// The service was running before the run began (default false: cold).
    pub warm_start: Option<bool>,
    /// Fault injection: a task fails before RUNNING with this probability.
    pub start_failure_probability: Option<f64>,
    /// Fault injection: a task never passes a health check with this probability.
    pub health_check_failure_probability: Option<f64>,
    /// Fault injection: a task stops answering this long after RUNNING.
    pub unhealthy_after: Option<DurationField>,
    /// The essential container's `healthCheck` (§2.6; default: none).
    pub container_health_check: Option<ContainerHealthCheckFile>,
    /// `loadBalancers` is set (default true): tasks register with the ALB.
    pub load_balanced: Option<bool>,
    /// `deploymentConfiguration` (§2.2, §2.4).
    pub deployment_configuration: Option<DeploymentConfigurationFile>,
    /// Scheduled deployments of new revisions (`[[service.deployments]]`).
    #[serde(default)]
    pub deployments: Vec<DeploymentFile>,
    /// Calls each request makes to other services once its own work is done.
    #[serde(default)]
    pub calls: Vec<CallFile>,
    /// The calls go out all at once (default false: one after another).
    pub calls_in_parallel: Option<bool>,
    /// A queue worker (no load balancer): its tasks receive jobs from an SQS queue.
    pub worker: Option<WorkerFile>,
    /// Not a service: an EventBridge schedule that runs this task definition
    /// (RunTask); each task does one job of a `service_time` draw and exits.
    pub schedule: Option<RunTaskScheduleFile>,
}

/// `{ expression = "cron(0 2 * * ? *)", task_count = 4, flexible_time_window = "15m" }` (§13.1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunTaskScheduleFile {
    /// `cron(…)`, `rate(…)` or (Scheduler only) `at(…)`, in `timezone`'s wall time.
    pub expression: String,
    /// Scheduler's `ScheduleExpressionTimezone`: an IANA name (default UTC;
    /// EventBridge rules know only UTC). Not applied to `rate(…)` (§13.1).
    pub timezone: Option<String>,
    /// `EcsParameters.TaskCount` (default 1; 1–10).
    pub task_count: Option<u32>,
    /// EventBridge Scheduler's `FlexibleTimeWindow` (default off; up to 1,440 min).
    pub flexible_time_window: Option<DurationField>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum SchedulingStrategyFile {
    #[serde(rename = "REPLICA")]
    Replica,
    #[serde(rename = "DAEMON")]
    Daemon,
}

impl ServiceFile {
    pub fn is_daemon(&self) -> bool {
        self.scheduling_strategy == Some(SchedulingStrategyFile::Daemon)
    }

    /// `loadBalancers` set: by default yes, but not for a queue worker or a
    /// DAEMON (model choice: a daemon is an agent beside the application).
    pub fn is_load_balanced(&self) -> bool {
        self.load_balanced.unwrap_or(self.worker.is_none() && self.schedule.is_none() && !self.is_daemon())
    }
}

/// `{ service = "backend", probability = 0.5, count = 2, timeout = "2s", on_failure = "continue" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallFile {
    pub service: String,
    /// Default 1: every request makes the call.
    pub probability: Option<f64>,
    /// Default 1.
    pub count: Option<u32>,
    /// Default: wait for the answer however long it takes.
    pub timeout: Option<DurationField>,
    /// Default "fail": a failed or timed-out call fails the request.
    pub on_failure: Option<OnCallFailureFile>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnCallFailureFile {
    Fail,
    Continue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CooldownBaseFile {
    Initiating,
    Running,
}

/// `register-scalable-target` and the service's scaling policies.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoScalingFile {
    pub min_capacity: u32,
    pub max_capacity: u32,
    pub metric_publication_delay: Option<DurationField>,
    pub high_resolution_publication_delay: Option<DurationField>,
    pub cooldown_base: Option<CooldownBaseFile>,
    #[serde(default)]
    pub target_tracking: Vec<TargetTrackingFile>,
    #[serde(default)]
    pub step_scaling: Vec<StepScalingFile>,
    #[serde(default)]
    pub scheduled_actions: Vec<ScheduledActionFile>,
    /// Model choice (§6): periods an alarm reads (R ≥ N); default N.
    pub alarm_evaluation_range: Option<usize>,
    /// Model choice (§6): `exact` (CloudWatch's documented rule) or `latest_n`.
    pub alarm_missing_data: Option<MissingDataFile>,
    /// Knobs AWS does not offer, to see what they would buy.
    pub what_if: Option<WhatIfFile>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingDataFile {
    Exact,
    LatestN,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmShapeFile {
    pub datapoints_to_alarm: usize,
    pub evaluation_periods: usize,
}

/// What-ifs: target tracking alarms shaped otherwise than AWS creates them,
/// datapoints of other periods than CloudWatch's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatIfFile {
    pub alarm_high: Option<AlarmShapeFile>,
    pub alarm_low: Option<AlarmShapeFile>,
    pub scale_in_threshold_share: Option<f64>,
    /// The period of one-minute policies' datapoints (a multiple of 20 s).
    pub metric_period: Option<DurationField>,
    /// The period of high-resolution policies' datapoints (a multiple of 20 s).
    pub high_resolution_metric_period: Option<DurationField>,
}

/// `put-scheduled-action` (aws-semantics §1.9).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledActionFile {
    pub name: Option<String>,
    pub schedule: String,
    /// `Timezone`: an IANA name whose wall time `at(…)` and `cron(…)` read
    /// (default UTC); not applied to `rate(…)` (§1.9).
    pub timezone: Option<String>,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum ServiceMetricFile {
    CPUUtilization,
    MemoryUtilization,
    RequestCount,
    RequestCountPerTarget,
    /// A worker's queue (`AWS/SQS`, §12.3).
    ApproximateNumberOfMessagesVisible,
    ApproximateAgeOfOldestMessage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum ComparisonOperatorFile {
    GreaterThanThreshold,
    GreaterThanOrEqualToThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum AdjustmentTypeFile {
    ChangeInCapacity,
    PercentChangeInCapacity,
    ExactCapacity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum MetricAggregationTypeFile {
    Average,
    Minimum,
    Maximum,
}

/// The CloudWatch alarm of a step policy (`put-metric-alarm`, one-minute periods).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmFile {
    pub metric_name: ServiceMetricFile,
    /// Only "60s" for now: fleetsim publishes one-minute datapoints.
    pub period: Option<DurationField>,
    pub evaluation_periods: usize,
    pub datapoints_to_alarm: Option<usize>,
    pub threshold: f64,
    pub comparison_operator: ComparisonOperatorFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepAdjustmentFile {
    pub metric_interval_lower_bound: Option<f64>,
    pub metric_interval_upper_bound: Option<f64>,
    pub scaling_adjustment: i64,
}

/// `put-scaling-policy --policy-type StepScaling` with its alarm (aws-semantics §1.8).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepScalingFile {
    pub name: Option<String>,
    pub alarm: AlarmFile,
    pub adjustment_type: AdjustmentTypeFile,
    pub step_adjustments: Vec<StepAdjustmentFile>,
    pub min_adjustment_magnitude: Option<u32>,
    pub cooldown: Option<DurationField>,
    pub metric_aggregation_type: Option<MetricAggregationTypeFile>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum PredefinedMetricFile {
    #[serde(rename = "ECSServiceAverageCPUUtilization")]
    Cpu,
    #[serde(rename = "ECSServiceAverageMemoryUtilization")]
    Memory,
    #[serde(rename = "ALBRequestCountPerTarget")]
    RequestCountPerTarget,
    #[serde(rename = "ECSServiceAverageCPUUtilizationHighResolution")]
    CpuHighResolution,
    #[serde(rename = "ECSServiceAverageMemoryUtilizationHighResolution")]
    MemoryHighResolution,
}

/// A customized metric specification fleetsim knows by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomizedMetricFile {
    /// AWS's queue-worker pattern: metric math
    /// `ApproximateNumberOfMessagesVisible / RunningTaskCount` (§12.4).
    SqsBacklogPerTask,
}

/// `put-scaling-policy --policy-type TargetTrackingScaling` (aws-semantics §1.2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetTrackingFile {
    pub name: Option<String>,
    /// One of this and `customized_metric`.
    pub predefined_metric_type: Option<PredefinedMetricFile>,
    pub customized_metric: Option<CustomizedMetricFile>,
    pub target_value: f64,
    pub scale_out_cooldown: Option<DurationField>,
    pub scale_in_cooldown: Option<DurationField>,
    pub disable_scale_in: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlgorithmFile {
    RoundRobin,
    LeastOutstandingRequests,
    Random,
    /// ELB's name for random routing.
    WeightedRandom,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewTargetHealthyAfter {
    OneCheck,
    HealthyThreshold,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckFile {
    pub interval: Option<DurationField>,
    pub timeout: Option<DurationField>,
    pub healthy_threshold_count: Option<u32>,
    pub unhealthy_threshold_count: Option<u32>,
    pub new_target_healthy_after: Option<NewTargetHealthyAfter>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerFile {
    pub algorithm: Option<AlgorithmFile>,
    pub idle_timeout: Option<DurationField>,
    pub deregistration_delay: Option<DurationField>,
    /// `slow_start.duration_seconds`: 30–900 s, or 0 (off, the default).
    pub slow_start_duration: Option<DurationField>,
    #[serde(default)]
    pub health_check: HealthCheckFile,
    /// Bytes of a request as the ALB processes it (LCU, §3.6; default 1 KiB).
    pub request_bytes: Option<u64>,
    /// Requests a client connection carries (keep-alive; default 1).
    pub requests_per_connection: Option<f64>,
    /// `internet-facing` (AWS's default) or `internal`: only the first pays for public IPv4s.
    pub scheme: Option<SchemeFile>,
    /// AZs the ALB is enabled in (at least 2): a public IPv4 each (§3.6 model choice).
    pub availability_zones: Option<u32>,
    /// The listener's rules (`[[load_balancer.rules]]`, §10), evaluated by priority.
    #[serde(default)]
    pub rules: Vec<ListenerRuleFile>,
    /// What the default rule does (default: forward to the first service).
    pub default_action: Option<ActionFile>,
}

/// A listener rule: conditions ANDed, then one action (§10.1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerRuleFile {
    pub priority: u32,
    /// Its name in reports (default: `priority <n>`).
    pub name: Option<String>,
    pub conditions: Vec<ConditionFile>,
    pub action: ActionFile,
}

/// One rule condition, in ELB's words (§10.2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionFile {
    pub field: ConditionFieldFile,
    /// Patterns (or methods) of which one must match.
    #[serde(default)]
    pub values: Vec<String>,
    /// `http-header`: the header's name.
    pub http_header_name: Option<String>,
    /// `query-string`: key/value pairs, the key optional.
    #[serde(default)]
    pub query_string: Vec<QueryStringFile>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConditionFieldFile {
    PathPattern,
    HostHeader,
    HttpHeader,
    HttpRequestMethod,
    QueryString,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryStringFile {
    pub key: Option<String>,
    pub value: String,
}

/// A rule's action: `{ forward = "api" }` (a service's target group),
/// `{ forward = [{ target_group = "web", weight = 80 }, …] }`, or
/// `{ fixed_response = { status_code = 404 } }` (§10.3).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionFile {
    pub forward: Option<ForwardFile>,
    pub fixed_response: Option<FixedResponseFile>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ForwardFile {
    One(String),
    Weighted(Vec<WeightedTargetGroupFile>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedTargetGroupFile {
    /// A service's name: its target group.
    pub target_group: String,
    pub weight: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedResponseFile {
    pub status_code: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum SchemeFile {
    #[serde(rename = "internet-facing")]
    InternetFacing,
    #[serde(rename = "internal")]
    Internal,
}

/// Parses TOML into the schema; the problem names the field path and line.
pub fn from_toml(text: &str) -> Result<ScenarioFile, Problem> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let deserializer = toml::de::Deserializer::parse(text).map_err(|e| Problem {
        field: String::new(),
        line: e.span().map(|s| line_of(s.start)),
        message: format!("TOML syntax: {}", e.message().trim()),
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.message().trim().replace('\n', " ");
        let mut field = if path == "." { String::new() } else { path };
        // serde names a missing field in its message, at its table's path: append it.
        if let Some(missing) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
            field = if field.is_empty() { missing.to_string() } else { format!("{field}.{missing}") };
        }
        Problem { field, line: inner.span().map(|s| line_of(s.start)), message }
    })
}
