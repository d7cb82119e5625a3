//! Lowers a validated scenario file into the model's config, applying
//! defaults: AWS's where AWS has one (cited), fleetsim's otherwise (named).

use super::instance_types;
use super::schema::QueueFile;
use super::schema::{
    ActionFile, ConditionFieldFile, ConditionFile, ForwardFile, ListenerRuleFile, LoadBalancerFile, TrafficFile,
};
use super::schema::{
    AdjustmentTypeFile, ComparisonOperatorFile, MetricAggregationTypeFile, ServiceMetricFile, StepScalingFile,
};
use super::schema::{AlarmShapeFile, AutoScalingFile, CooldownBaseFile, MissingDataFile, PredefinedMetricFile};
use super::schema::{
    AlgorithmFile, DistributionFile, DistributionKind, NewTargetHealthyAfter, ScenarioFile, ServiceFile, TrafficKind,
};
use super::schema::{CapacityProviderFile, LaunchTypeFile, PlacementConstraintKind, PlacementStrategyKind, SchemeFile};
use super::schema::{ContainerHealthCheckFile, ExpectFile, StatisticFile};
use super::schema::{CpuArchitectureFile, ReplaceAtFile, SplitShortfallFile};
use super::schema::{DeploymentConfigurationFile, StrategyFile, ThresholdKind};
use super::schema::{OnCallFailureFile, TrafficRoutingConfigFile, TrafficRoutingKind};
use super::{Problem, Scenario};
use crate::check::{Expectation, Expectations, Metric, ServiceScope, Statistic};
use crate::cost::{PriceFiles, PriceSheet};
use crate::engine::sample::DurationDistribution;
use crate::engine::{SimDuration, SimTime};
use crate::model::capacity::{SplitShortfall, StrategyItem};
use crate::model::config::{
    only_on, CapacityProviderConfig, CpuArchitecture, SchedulingStrategy, SpotMarket, FARGATE, FARGATE_SPOT,
};
use crate::model::config::{
    AdjustmentType, AlarmConfig, ComparisonOperator, MetricAggregationType, ServiceMetric, StepAdjustment,
    StepScalingPolicy,
};
use crate::model::config::{AlarmEvaluation, MetricPeriods, MissingDataRule, TargetTrackingAlarms};
use crate::model::config::{
    Algorithm, ClusterConfig, HealthCheckConfig, LoadBalancerConfig, ServiceConfig, TargetGroupConfig, TaskDefinition,
};
use crate::model::config::{AutoScalingConfig, CooldownBase, PredefinedMetric, TargetTrackingPolicy};
use crate::model::config::{
    AutoScalingGroupProvider, CapacityProviderKind, Ec2Spot, InstanceType, ManagedScaling, Placement,
    PlacementResource, PlacementStrategy,
};
use crate::model::config::{CallConfig, ContainerHealthCheck, RollbackAlarm, TrafficShifting};
use crate::model::config::{CircuitBreaker, DeploymentConfig, DeploymentConfiguration, FailureThreshold};
use crate::model::config::{QueueConfig, RunTaskConfig, WorkerConfig};
use crate::model::listener::{
    Action, Condition, Listener, Pattern, QueryStringPair, RequestLine, Rule, WeightedTargetGroup,
};
use crate::model::schedule::ScheduledAction;
use crate::model::CapacityProviderId;
use crate::model::TimeZone;
use crate::model::{QueueId, RouteId, ServiceId, TargetGroupId};
use crate::traffic::{RateProfile, Routing, SourceSpec, TrafficSpec};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// fleetsim's default task size: 1 vCPU, 2 GiB (a valid Fargate size, §4.1).
pub const DEFAULT_CPU_UNITS: u32 = 1024;
pub const DEFAULT_MEMORY_MIB: u32 = 2048;
const DEFAULT_CONCURRENCY: u32 = 10;
const DEFAULT_QUEUE_LIMIT: u32 = 100;

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

/// The unit of an empirical column, from its name's suffix: seconds per value.
pub fn unit_of_column(column: &str) -> Option<f64> {
    if column.ends_with("_ms") {
        Some(1e-3)
    } else if column.ends_with("_s") || column.ends_with("_seconds") {
        Some(1.0)
    } else {
        None
    }
}

pub fn lower(file: &ScenarioFile, name: String, path: &Path, base: &Path, file_hash: u64) -> Result<Scenario, Problem> {
    let services_in_file: Vec<(String, &ServiceFile)> = match &file.service {
        Some(service) => vec![("service".into(), service)],
        None => file.services.iter().enumerate().map(|(i, s)| (format!("services[{i}]"), s)).collect(),
    };
    let mut services = Vec::new();
    for (i, (prefix, service)) in services_in_file.iter().enumerate() {
        services.push(lower_service(file, prefix, service, i, base, start_epoch_secs(file))?);
    }
    // Calls name their callees; validated, so every name resolves.
    for (i, (_, service_file)) in services_in_file.iter().enumerate() {
        let calls = service_file
            .calls
            .iter()
            .map(|c| CallConfig {
                service: ServiceId(services.iter().position(|s| s.name == c.service).unwrap_or(0) as u32),
                probability: c.probability.unwrap_or(1.0),
                count: c.count.unwrap_or(1),
                timeout: c.timeout.map(|t| t.0),
                fails_request: c.on_failure != Some(OnCallFailureFile::Continue),
            })
            .collect();
        services[i].calls = calls;
    }
    let count = services.len() as u32;
    for service in &mut services {
        service.alternate_target_group = TargetGroupId(service.target_group.0 + count);
    }
    let lb = &file.load_balancer;
    let (listener, route_names) = lower_listener(lb, &services);
    let listener = Arc::new(listener);
    let hc = &lb.health_check;
    // ALB target-group defaults: aws-semantics §3.2 (health check), §3.4 (deregistration delay).
    let health_check = HealthCheckConfig {
        interval: hc.interval.map_or(secs(30), |d| d.0),
        timeout: hc.timeout.map_or(secs(5), |d| d.0),
        healthy_threshold_count: hc.healthy_threshold_count.unwrap_or(5),
        unhealthy_threshold_count: hc.unhealthy_threshold_count.unwrap_or(2),
        new_target_needs_threshold: hc.new_target_healthy_after == Some(NewTargetHealthyAfter::HealthyThreshold),
    };
    // Each service's target group, then each one's alternate for blue/green (§2.7).
    let target_groups = (0..2 * services.len())
        .map(|i| TargetGroupConfig {
            service: ServiceId((i % services.len()) as u32),
            health_check: health_check.clone(),
            deregistration_delay: lb.deregistration_delay.map_or(secs(300), |d| d.0),
            // slow_start.duration_seconds: 0, off (§3.4).
            slow_start: lb.slow_start_duration.map_or(SimDuration::ZERO, |d| d.0),
        })
        .collect();
    let load_balancer = LoadBalancerConfig {
        algorithm: match lb.algorithm.unwrap_or(AlgorithmFile::RoundRobin) {
            AlgorithmFile::RoundRobin => Algorithm::RoundRobin,
            AlgorithmFile::LeastOutstandingRequests => Algorithm::LeastOutstandingRequests,
            AlgorithmFile::Random | AlgorithmFile::WeightedRandom => Algorithm::Random,
        },
        idle_timeout: lb.idle_timeout.map_or(secs(60), |d| d.0),
        target_groups,
        listener: Arc::clone(&listener),
        route_names,
        // Model choice (§3.6): 1 KiB per request, one request per connection
        // (no keep-alive: the most connections a load can open).
        request_bytes: lb.request_bytes.unwrap_or(1024),
        requests_per_connection: lb.requests_per_connection.unwrap_or(1.0),
        // Model choice §3.6: an internet-facing ALB (AWS's default scheme) holds
        // one public IPv4 per enabled AZ, two by default (the least it takes).
        public_ipv4_addresses: match lb.scheme {
            Some(SchemeFile::Internal) => 0,
            _ => lb.availability_zones.unwrap_or(2),
        },
    };
    let queues = lower_queues(file, &services);
    let cluster = ClusterConfig {
        queues,
        services,
        load_balancer,
        capacity_providers: {
            let mut providers = CapacityProviderConfig::fargate_pair(lower_spot_market(file, base)?);
            for (i, provider) in file.capacity_providers.iter().enumerate() {
                providers.push(lower_asg_provider(file, i, provider, base)?);
            }
            providers
        },
    };
    let region = file.region.clone().unwrap_or_else(|| "us-east-1".into());
    let prices = load_prices(file, &region, base, &cluster)?;
    let expect = file.expect.as_ref().map(|e| lower_expect(e, &cluster.services));
    Ok(Scenario {
        name,
        path: path.to_path_buf(),
        seed: file.seed.unwrap_or(1),
        duration: file.duration.0,
        region,
        cluster,
        prices,
        traffic: lower_traffic(file, base, &listener),
        file_hash,
        expect,
    })
}

fn lower_traffic(file: &ScenarioFile, base: &Path, listener: &Arc<Listener>) -> TrafficSpec {
    let nothing = TrafficSpec {
        source: SourceSpec::Synthetic(RateProfile::Constant { rate_per_second: 0.0 }),
        rate_scale: 1.0,
        time_scale: 1.0,
        start_offset: SimDuration::ZERO,
        routing: Routing::Fixed(RouteId(0)),
    };
    match file.traffic.as_ref().map(|t| t.sources.as_slice()) {
        // No [traffic]: nothing arrives.
        None | Some([]) => nothing,
        Some([one]) => lower_traffic_source(one, base, listener, &file.queues),
        // Several sources, merged in time order.
        Some(sources) => TrafficSpec {
            source: SourceSpec::Merged(
                sources.iter().map(|t| lower_traffic_source(t, base, listener, &file.queues)).collect(),
            ),
            ..nothing
        },
    }
}

fn lower_traffic_source(t: &TrafficFile, base: &Path, listener: &Arc<Listener>, queues: &[QueueFile]) -> TrafficSpec {
    let d = |v: Option<super::DurationField>| v.map_or(SimDuration::ZERO, |d| d.0);
    let rate = |v: Option<f64>| v.unwrap_or(0.0);
    let source = match t.kind {
        TrafficKind::Constant => {
            SourceSpec::Synthetic(RateProfile::Constant { rate_per_second: rate(t.rate_per_second) })
        }
        TrafficKind::Diurnal => SourceSpec::Synthetic(RateProfile::Diurnal {
            peak_per_second: rate(t.peak_per_second),
            trough_per_second: rate(t.trough_per_second),
            period: t.period.map_or(secs(86_400), |p| p.0),
            // fleetsim's default: peak at 14:00 (as in the NASA trace's daily profile).
            peak_at: t.peak_at.map_or(secs(14 * 3600), |p| p.0),
        }),
        TrafficKind::Step => SourceSpec::Synthetic(RateProfile::Step {
            before_per_second: rate(t.before_per_second),
            after_per_second: rate(t.after_per_second),
            at: d(t.at),
        }),
        TrafficKind::Spike => SourceSpec::Synthetic(RateProfile::Spike {
            base_per_second: rate(t.base_per_second),
            spike_per_second: rate(t.spike_per_second),
            start: d(t.start),
            duration: d(t.duration),
        }),
        TrafficKind::CountTrace => SourceSpec::CountTrace { path: base.join(t.file.clone().unwrap_or_default()) },
        TrafficKind::RequestTrace => SourceSpec::RequestTrace {
            path: base.join(t.file.clone().unwrap_or_default()),
            service_time_column: t.service_time_column.clone(),
            response_bytes_column: t.response_bytes_column.clone(),
        },
        TrafficKind::AlbAccessLogs => SourceSpec::AlbAccessLogs {
            paths: t.files.as_ref().map_or(&[][..], |f| f.paths()).iter().map(|p| base.join(p)).collect(),
            reorder_window: t
                .reorder_window
                .map_or(SimDuration::from_nanos(crate::traffic::DEFAULT_REORDER_WINDOW_NANOS), |w| w.0),
        },
        TrafficKind::Cloudwatch => {
            SourceSpec::CloudWatch { path: base.join(t.file.clone().unwrap_or_default()), metric: t.metric.clone() }
        }
    };
    TrafficSpec {
        source,
        rate_scale: t.rate_scale.unwrap_or(1.0),
        time_scale: t.time_scale.unwrap_or(1.0),
        start_offset: d(t.start_offset),
        routing: match &t.queue {
            // Names were checked by validation.
            Some(queue) => Routing::Queue(QueueId(queues.iter().position(|q| q.name == *queue).unwrap_or(0) as u32)),
            None => lower_routing(t, listener),
        },
    }
}

/// Which route each request takes (§10): a request trace's own columns, or
/// the declared shares, the rest `GET /` (model choice), each request line
/// matched against the rules once, here.
fn lower_routing(t: &TrafficFile, listener: &Arc<Listener>) -> Routing {
    if t.kind == TrafficKind::AlbAccessLogs {
        return Routing::LoggedRequest(Arc::clone(listener));
    }
    if let Some(path_column) = &t.path_column {
        return Routing::RequestLine {
            path_column: path_column.clone(),
            method_column: t.method_column.clone(),
            host_column: t.host_column.clone(),
            header_columns: t.header_columns.iter().flatten().map(|(h, c)| (h.clone(), c.clone())).collect(),
            listener: Arc::clone(listener),
        };
    }
    let root = listener.route(&RequestLine::from_target("GET", "", "/"));
    if t.routes.is_empty() {
        return Routing::Fixed(root);
    }
    let mut cumulative = 0.0;
    let mut shares: Vec<(f64, RouteId)> = t
        .routes
        .iter()
        .map(|r| {
            cumulative += r.share;
            let method = r.method.as_deref().unwrap_or("GET");
            (cumulative, listener.route(&RequestLine::from_target(method, r.host.as_deref().unwrap_or(""), &r.path)))
        })
        .collect();
    shares.push((1.0, root));
    Routing::Shares(shares)
}

/// The listener (§10): the rules by priority, each condition's patterns, the
/// actions' target groups resolved from service names (validated), and the
/// default action (default: forward to the first load-balanced service).
/// Also each route's name for reports.
fn lower_listener(lb: &LoadBalancerFile, services: &[ServiceConfig]) -> (Listener, Vec<String>) {
    let group_of = |name: &str| services.iter().find(|s| s.name == name).map_or(TargetGroupId(0), |s| s.target_group);
    let lower_action = |action: &ActionFile| match (&action.forward, &action.fixed_response) {
        (Some(ForwardFile::One(name)), _) => Action::forward(group_of(name)),
        (Some(ForwardFile::Weighted(groups)), _) => Action::Forward(
            groups
                .iter()
                .map(|g| WeightedTargetGroup { target_group: group_of(&g.target_group), weight: g.weight })
                .collect(),
        ),
        (None, Some(fixed)) => Action::FixedResponse { status: fixed.status_code },
        (None, None) => Action::forward(TargetGroupId(0)),
    };
    let mut rules: Vec<&ListenerRuleFile> = lb.rules.iter().collect();
    rules.sort_by_key(|r| r.priority);
    let mut names: Vec<String> =
        rules.iter().map(|r| r.name.clone().unwrap_or_else(|| format!("priority {}", r.priority))).collect();
    names.push("default".into());
    let rules = rules
        .iter()
        .map(|r| Rule {
            priority: r.priority,
            conditions: r.conditions.iter().map(lower_condition).collect(),
            action: lower_action(&r.action),
        })
        .collect();
    let default_action = match &lb.default_action {
        Some(action) => lower_action(action),
        None => {
            let first = services.iter().find(|s| s.load_balanced).map_or(TargetGroupId(0), |s| s.target_group);
            Action::forward(first)
        }
    };
    (Listener::new(rules, default_action), names)
}

fn lower_condition(c: &ConditionFile) -> Condition {
    let patterns = || c.values.iter().map(Pattern::new).collect();
    match c.field {
        ConditionFieldFile::PathPattern => Condition::PathPattern(patterns()),
        ConditionFieldFile::HostHeader => Condition::HostHeader(patterns()),
        ConditionFieldFile::HttpHeader => {
            Condition::HttpHeader { name: c.http_header_name.clone().unwrap_or_default(), values: patterns() }
        }
        ConditionFieldFile::HttpRequestMethod => Condition::HttpRequestMethod(c.values.clone()),
        ConditionFieldFile::QueryString => Condition::QueryString(
            c.query_string
                .iter()
                .map(|q| QueryStringPair { key: q.key.as_ref().map(Pattern::new), value: Pattern::new(&q.value) })
                .collect(),
        ),
    }
}

/// AWS's defaults: 30 s interval, 5 s timeout, 3 retries, no start period (§2.6).
fn lower_container_health_check(c: &ContainerHealthCheckFile) -> ContainerHealthCheck {
    let default = ContainerHealthCheck::default();
    ContainerHealthCheck {
        interval: c.interval.map_or(default.interval, |d| d.0),
        timeout: c.timeout.map_or(default.timeout, |d| d.0),
        retries: c.retries.unwrap_or(default.retries),
        start_period: c.start_period.map_or(default.start_period, |d| d.0),
    }
}

/// A service's name: its own, or `web` for the first and `service-<i>` after.
pub fn service_name(s: &ServiceFile, index: usize) -> String {
    s.name.clone().unwrap_or_else(|| if index == 0 { "web".into() } else { format!("service-{index}") })
}

/// The UTC time of simulated time zero (validated already); 0 when not given.
fn start_epoch_secs(file: &ScenarioFile) -> i64 {
    file.start_time.as_deref().and_then(crate::engine::calendar::parse_utc).unwrap_or(0)
}

fn lower_service(
    file: &ScenarioFile,
    prefix: &str,
    s: &ServiceFile,
    index: usize,
    base: &Path,
    start_epoch_secs: i64,
) -> Result<ServiceConfig, Problem> {
    let d = |v: Option<super::DurationField>, default: SimDuration| v.map_or(default, |d| d.0);
    // Model choice (aws-semantics §4.5): start-up 30–60 s until RUNNING.
    let startup_time = match &s.startup_time {
        Some(dist) => lower_distribution(&format!("{prefix}.startup_time"), dist, base)?,
        None => DurationDistribution::Uniform { min: secs(30), max: secs(60) },
    };
    let task_vcpu = f64::from(s.cpu.unwrap_or(DEFAULT_CPU_UNITS)) / 1024.0;
    let mut desired_count_changes: Vec<_> =
        s.desired_count_changes.iter().map(|c| (crate::engine::SimTime::ZERO + c.at.0, c.desired_count)).collect();
    desired_count_changes.sort_by_key(|&(at, _)| at);
    let task = TaskDefinition {
        cpu_units: s.cpu.unwrap_or(DEFAULT_CPU_UNITS),
        memory_mib: s.memory.unwrap_or(DEFAULT_MEMORY_MIB),
        concurrency: s.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        queue_limit: s.queue_limit.unwrap_or(DEFAULT_QUEUE_LIMIT),
        service_time: lower_distribution(&format!("{prefix}.service_time"), &s.service_time, base)?,
        // fleetsim's default: a request keeps one vCPU busy, or the whole task if smaller.
        // fleetsim's defaults: a quarter of the task's memory at rest, nothing per request.
        memory_baseline_mib: s.memory_baseline_mib.unwrap_or(f64::from(s.memory.unwrap_or(DEFAULT_MEMORY_MIB)) / 4.0),
        memory_per_request_mib: s.memory_per_request_mib.unwrap_or(0.0),
        memory_leak_per_request_mib: s.memory_leak_per_request_mib.unwrap_or(0.0),
        memory_leak_per_hour_mib: s.memory_leak_per_hour_mib.unwrap_or(0.0),
        memory_reserved_mib: reserved_memory_mib(s),
        memory_limit_mib: match (s.container_memory, s.memory, s.memory_reservation) {
            (Some(container), _, _) => Some(container),
            (None, Some(task), _) => Some(task),
            // A soft limit only: the instance is the limit (§14.1).
            (None, None, Some(_)) => None,
            (None, None, None) => Some(DEFAULT_MEMORY_MIB),
        },
        vcpu_per_request_millis: (s.vcpu_per_request.unwrap_or(task_vcpu.min(1.0)) * 1000.0).round().max(1.0) as u32,
        cpu_contention: s.cpu_contention.unwrap_or(true),
        startup_time,
        // Model choice: ENI attachment takes "several seconds" (aws-semantics §4.5).
        provisioning_time: d(s.provisioning_time, secs(5)),
        app_ready_time: d(s.app_ready_time, SimDuration::ZERO),
        // Fargate stopTimeout default (aws-semantics §2.5).
        stop_timeout: d(s.stop_timeout, secs(30)),
        // Model choice: ENI detachment (DEPROVISIONING, §2.5) as long as attachment.
        deprovisioning_time: d(s.deprovisioning_time, secs(5)),
        mean_time_between_crashes: s.mean_time_between_crashes.map(|d| d.0),
        architecture: match s.cpu_architecture {
            Some(CpuArchitectureFile::Arm64) => CpuArchitecture::Arm64,
            _ => CpuArchitecture::X86_64,
        },
        // 20 GiB included (aws-semantics §4.1).
        ephemeral_storage_gib: s.ephemeral_storage_gib.unwrap_or(20),
        assign_public_ip: s.assign_public_ip.unwrap_or(false),
        // Model choice: a 4 KiB response.
        response_bytes: s.response_bytes.unwrap_or(4096),
        service_time_scale: 1.0,
        start_failure_probability: s.start_failure_probability.unwrap_or(0.0),
        health_check_failure_probability: s.health_check_failure_probability.unwrap_or(0.0),
        unhealthy_after: s.unhealthy_after.map(|d| d.0),
        container_health_check: s.container_health_check.as_ref().map(lower_container_health_check),
    };
    let name = service_name(s, index);
    let mut deployments = Vec::new();
    for (k, d) in s.deployments.iter().enumerate() {
        let at = |f: &str| format!("{prefix}.deployments[{k}].{f}");
        // Each revision is the service's definition with the deployment's changes (model choice).
        let mut revision = task.clone();
        if let Some(dist) = &d.startup_time {
            revision.startup_time = lower_distribution(&at("startup_time"), dist, base)?;
        }
        if let Some(v) = d.app_ready_time {
            revision.app_ready_time = v.0;
        }
        if let Some(v) = d.stop_timeout {
            revision.stop_timeout = v.0;
        }
        if let Some(v) = d.service_time_scale {
            revision.service_time_scale = v;
        }
        if let Some(v) = d.vcpu_per_request {
            revision.vcpu_per_request_millis = (v * 1000.0).round().max(1.0) as u32;
        }
        if let Some(v) = d.memory_baseline_mib {
            revision.memory_baseline_mib = v;
        }
        if let Some(v) = d.memory_per_request_mib {
            revision.memory_per_request_mib = v;
        }
        if let Some(v) = d.memory_leak_per_request_mib {
            revision.memory_leak_per_request_mib = v;
        }
        if let Some(v) = d.memory_leak_per_hour_mib {
            revision.memory_leak_per_hour_mib = v;
        }
        if let Some(v) = d.mean_time_between_crashes {
            revision.mean_time_between_crashes = Some(v.0);
        }
        if let Some(v) = d.start_failure_probability {
            revision.start_failure_probability = v;
        }
        if let Some(v) = d.health_check_failure_probability {
            revision.health_check_failure_probability = v;
        }
        if let Some(v) = d.unhealthy_after {
            revision.unhealthy_after = Some(v.0);
        }
        if let Some(check) = &d.container_health_check {
            revision.container_health_check = Some(lower_container_health_check(check));
        }
        deployments.push(DeploymentConfig {
            at: SimTime::ZERO + d.at.0,
            name: d.name.clone().unwrap_or_else(|| format!("{name}:{}", k + 2)),
            task: revision,
        });
    }
    deployments.sort_by_key(|d| d.at);
    let mut deployment_configuration = lower_deployment_configuration(s.deployment_configuration.as_ref());
    let daemon = s.is_daemon();
    if daemon {
        // A DAEMON deployment: maximumPercent is 100 and minimumHealthyPercent
        // defaults to 0 (aws-semantics §13.3); validation refuses any other maximum.
        let d = s.deployment_configuration.as_ref();
        deployment_configuration.maximum_percent = 100;
        deployment_configuration.minimum_healthy_percent = d.and_then(|d| d.minimum_healthy_percent).unwrap_or(0);
    }
    Ok(ServiceConfig {
        name,
        scheduling_strategy: if daemon { SchedulingStrategy::Daemon } else { SchedulingStrategy::Replica },
        // A daemon has no desired count of its own: the model counts its instances (§13.3).
        desired_count: if daemon || s.schedule.is_some() { 0 } else { s.desired_count.unwrap_or(1) },
        desired_count_changes,
        task,
        target_group: TargetGroupId(index as u32),
        load_balanced: s.is_load_balanced(),
        // Set once every service is lowered (the alternates follow the primaries).
        alternate_target_group: TargetGroupId(index as u32),
        auto_scaling: match &s.auto_scaling {
            Some(a) => Some(lower_auto_scaling(&format!("{prefix}.auto_scaling"), a, start_epoch_secs)?),
            None => None,
        },
        // healthCheckGracePeriodSeconds default 0 (aws-semantics §2.3).
        health_check_grace_period: d(s.health_check_grace_period, SimDuration::ZERO),
        capacity_provider_strategy: match &s.capacity_provider_strategy {
            // Names were checked by validation.
            Some(items) => items
                .iter()
                .map(|item| StrategyItem {
                    provider: provider_id(file, &item.capacity_provider).unwrap_or(FARGATE),
                    base: item.base.unwrap_or(0),
                    weight: item.weight.unwrap_or(0),
                })
                .collect(),
            // `launch_type = "EC2"`: the cluster's one ASG provider (checked by validation).
            None if s.launch_type == Some(LaunchTypeFile::Ec2) => only_on(CapacityProviderId(2)),
            None => only_on(FARGATE),
        },
        split_shortfall: match s.capacity_split_shortfall {
            Some(SplitShortfallFile::Before) => SplitShortfall::Before,
            _ => SplitShortfall::After,
        },
        // A daemon has no placement strategy; one task per instance is its nature (§13.3).
        placement: if daemon {
            Placement { strategy: Vec::new(), distinct_instance: true }
        } else {
            lower_placement(s)
        },
        warm_start: s.warm_start.unwrap_or(false),
        deployments,
        deployment_configuration,
        // Resolved once every service has its id.
        calls: Vec::new(),
        calls_in_parallel: s.calls_in_parallel.unwrap_or(false),
        run_task: match &s.schedule {
            Some(r) => Some(RunTaskConfig {
                schedule: super::schedule_expr::parse_schedule(
                    &r.expression,
                    lower_time_zone(&format!("{prefix}.schedule.timezone"), r.timezone.as_deref())?,
                )
                .map_err(|message| Problem {
                    field: format!("{prefix}.schedule.expression"),
                    line: None,
                    message,
                })?,
                task_count: r.task_count.unwrap_or(1),
                // Model choice §13.1: within the minute, or the flexible window.
                fire_within: r.flexible_time_window.map_or(secs(60), |d| d.0),
                start_epoch_secs,
            }),
            None => None,
        },
        worker: s.worker.as_ref().map(|w| {
            // Names were checked by validation.
            let index = file.queues.iter().position(|q| q.name == w.queue).unwrap_or(0);
            let queue_wait = file.queues.get(index).and_then(|q| q.receive_message_wait_time_seconds);
            WorkerConfig {
                queue: QueueId(index as u32),
                // `MaxNumberOfMessages` default 1; `WaitTimeSeconds` the queue's (default 0, §12.1).
                max_number_of_messages: w.max_number_of_messages.unwrap_or(1),
                wait_time: secs(u64::from(w.wait_time_seconds.or(queue_wait).unwrap_or(0))),
                empty_receive_pause: w.empty_receive_pause.map_or(secs(1), |d| d.0),
            }
        }),
    })
}

/// What placement subtracts and `MemoryUtilization` divides by (§14.1,
/// §14.3 model choice): the task's `memory`, else the container's
/// `memoryReservation`, else its `memory`.
pub fn reserved_memory_mib(s: &ServiceFile) -> u32 {
    s.memory.or(s.memory_reservation).or(s.container_memory).unwrap_or(DEFAULT_MEMORY_MIB)
}

/// `[[queues]]` with AWS's defaults (§12.1), each with its consumer service.
fn lower_queues(file: &ScenarioFile, services: &[ServiceConfig]) -> Vec<QueueConfig> {
    file.queues
        .iter()
        .enumerate()
        .map(|(i, q)| QueueConfig {
            name: q.name.clone(),
            visibility_timeout: q.visibility_timeout.map_or(secs(30), |d| d.0),
            retention: q.message_retention_period.map_or(secs(4 * 86_400), |d| d.0),
            max_receive_count: q.max_receive_count,
            consumer: services
                .iter()
                .position(|s| s.worker.as_ref().is_some_and(|w| w.queue.index() == i))
                .map(|s| ServiceId(s as u32)),
            // Model choice §12.3: AWS's "up to 6 hours".
            inactive_after: q.inactive_after.map_or(secs(6 * 3600), |d| d.0),
        })
        .collect()
}

/// `[expect]`: each metric's bounds, over the table's statistic unless it
/// names its own; 1 seed by default.
fn lower_expect(e: &ExpectFile, services: &[ServiceConfig]) -> Expectations {
    let statistic = |s: Option<&StatisticFile>| match s {
        None | Some(StatisticFile::Mean) => Statistic::Mean,
        Some(StatisticFile::Min) => Statistic::Min,
        Some(StatisticFile::Max) => Statistic::Max,
        Some(StatisticFile::Median) => Statistic::Quantile(0.5),
        Some(StatisticFile::P90) => Statistic::Quantile(0.9),
        Some(StatisticFile::P95) => Statistic::Quantile(0.95),
        Some(StatisticFile::P99) => Statistic::Quantile(0.99),
    };
    let bounds = |table: &ExpectFile, service: Option<ServiceScope>| {
        Metric::ALL
            .iter()
            .filter_map(|&metric| {
                let bound = table.bound(metric)?;
                Some(Expectation {
                    metric,
                    service: service.clone(),
                    min: bound.min,
                    max: bound.max,
                    over: statistic(bound.over.as_ref().or(table.over.as_ref()).or(e.over.as_ref())),
                })
            })
            .collect::<Vec<_>>()
    };
    // The cluster's bounds, then each service's in the order the file declares
    // the services (validated: every name resolves).
    let mut checks = bounds(e, None);
    for (index, service) in services.iter().enumerate() {
        if let Some(table) = e.services.as_ref().and_then(|t| t.get(&service.name)) {
            checks.extend(bounds(table, Some(ServiceScope { index, name: service.name.clone() })));
        }
    }
    Expectations { seeds: e.seeds.unwrap_or(1), checks }
}

/// `deploymentConfiguration` with AWS's defaults: 100 / 200 % (§2.2); the
/// breaker's threshold BOUNDED_PERCENT 50, floor 3 (§2.4 model choice).
fn lower_deployment_configuration(d: Option<&DeploymentConfigurationFile>) -> DeploymentConfiguration {
    let Some(d) = d else { return DeploymentConfiguration::default() };
    let circuit_breaker = d.deployment_circuit_breaker.as_ref().filter(|b| b.enable).map(|b| {
        let rules_2023 = b.minimum_threshold_2023 == Some(true);
        let minimum = if rules_2023 { 10 } else { 3 };
        CircuitBreaker {
            rollback: b.rollback,
            threshold: match &b.threshold {
                None => FailureThreshold::BoundedPercent { value: 50.0, minimum },
                Some(t) => match t.kind {
                    ThresholdKind::BoundedPercent => FailureThreshold::BoundedPercent { value: t.value, minimum },
                    ThresholdKind::UnboundedPercent => FailureThreshold::UnboundedPercent(t.value),
                    ThresholdKind::Count => FailureThreshold::Count(t.value as u32),
                },
            },
            reset_on_healthy_task: b.reset_on_healthy_task.unwrap_or(true),
            never_trips_after_healthy_task: rules_2023,
        }
    });
    DeploymentConfiguration {
        minimum_healthy_percent: d.minimum_healthy_percent.unwrap_or(100),
        maximum_percent: d.maximum_percent.unwrap_or(200),
        circuit_breaker,
        traffic_shifting: lower_traffic_shifting(d),
    }
}

/// CodeDeploy's predefined configurations (§2.7): name → (percent, hold) steps.
pub fn code_deploy_steps(name: &str) -> Option<Vec<(f64, SimDuration)>> {
    let minutes = |m: u64| SimDuration::from_secs(60 * m);
    let linear = |every: u64| {
        (1..=10).map(|k| (10.0 * k as f64, if k < 10 { minutes(every) } else { SimDuration::ZERO })).collect()
    };
    Some(match name {
        "CodeDeployDefault.ECSAllAtOnce" => vec![(100.0, SimDuration::ZERO)],
        "CodeDeployDefault.ECSCanary10Percent5Minutes" => vec![(10.0, minutes(5)), (100.0, SimDuration::ZERO)],
        "CodeDeployDefault.ECSCanary10Percent15Minutes" => vec![(10.0, minutes(15)), (100.0, SimDuration::ZERO)],
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" => linear(1),
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes" => linear(3),
        _ => return None,
    })
}

/// A custom CodeDeploy configuration's steps: a canary shifts its share,
/// holds `canary_interval` minutes, then shifts the rest; linear adds its
/// share every `linear_interval` minutes until all traffic has moved (the
/// last step takes what is left).
fn custom_code_deploy_steps(config: &TrafficRoutingConfigFile) -> Vec<(f64, SimDuration)> {
    let minutes = |m: u32| SimDuration::from_secs(60 * u64::from(m));
    match config.kind {
        TrafficRoutingKind::AllAtOnce => vec![(100.0, SimDuration::ZERO)],
        TrafficRoutingKind::TimeBasedCanary => {
            let canary =
                config.time_based_canary.as_ref().map_or((10, 5), |c| (c.canary_percentage, c.canary_interval));
            vec![(f64::from(canary.0), minutes(canary.1)), (100.0, SimDuration::ZERO)]
        }
        TrafficRoutingKind::TimeBasedLinear => {
            let (step, every) =
                config.time_based_linear.as_ref().map_or((10, 1), |l| (l.linear_percentage.max(1), l.linear_interval));
            let mut steps: Vec<(f64, SimDuration)> =
                (1..).map(|k| k * step).take_while(|&p| p < 100).map(|p| (f64::from(p), minutes(every))).collect();
            steps.push((100.0, SimDuration::ZERO));
            steps
        }
    }
}

/// A traffic-shifting strategy's steps (§2.7): CODE_DEPLOY's configuration,
/// or ECS's BLUE_GREEN (all at once), LINEAR (stepPercent 10, 6 min a step;
/// no bake after the step reaching 100 %), CANARY (5 %, 10 min). Model
/// choice: bakeTimeInMinutes 0 for LINEAR and CANARY, terminationWaitTime 0.
fn lower_traffic_shifting(d: &DeploymentConfigurationFile) -> Option<TrafficShifting> {
    let minutes = |m: u32| SimDuration::from_secs(60 * u64::from(m));
    let bake = minutes(d.bake_time_in_minutes.unwrap_or(0));
    let rollback_alarm = d
        .rollback_alarm
        .as_ref()
        .map(|a| RollbackAlarm { threshold: a.threshold, evaluation_periods: a.evaluation_periods.unwrap_or(1) });
    let (name, steps, bake_time) = if let Some(cd) = &d.code_deploy {
        // Validated: a predefined name, or a custom configuration.
        let steps = match &cd.traffic_routing_config {
            Some(custom) => custom_code_deploy_steps(custom),
            None => code_deploy_steps(&cd.deployment_config).unwrap_or_default(),
        };
        (cd.deployment_config.clone(), steps, minutes(cd.termination_wait_time_in_minutes.unwrap_or(0)))
    } else {
        match d.strategy.unwrap_or(StrategyFile::Rolling) {
            StrategyFile::Rolling => return None,
            StrategyFile::BlueGreen => ("BLUE_GREEN".to_string(), vec![(100.0, SimDuration::ZERO)], bake),
            StrategyFile::Linear => {
                let l = d.linear_configuration.as_ref();
                let step = l.and_then(|l| l.step_percent).unwrap_or(10.0);
                let hold = minutes(l.and_then(|l| l.step_bake_time_in_minutes).unwrap_or(6));
                let mut steps = Vec::new();
                let mut k = 1.0;
                while step * k < 100.0 - 1e-9 {
                    steps.push((step * k, hold));
                    k += 1.0;
                }
                steps.push((100.0, SimDuration::ZERO));
                ("LINEAR".to_string(), steps, bake)
            }
            StrategyFile::Canary => {
                let c = d.canary_configuration.as_ref();
                let share = c.and_then(|c| c.canary_percent).unwrap_or(5.0);
                let hold = minutes(c.and_then(|c| c.canary_bake_time_in_minutes).unwrap_or(10));
                ("CANARY".to_string(), vec![(share, hold), (100.0, SimDuration::ZERO)], bake)
            }
        }
    };
    Some(TrafficShifting { name, steps, bake_time, rollback_alarm })
}

/// The service's placement (§5.2). Without a strategy, the API's default
/// spread over AZs; model choice: its ties go to the instance with the
/// fewest of the service's tasks.
fn lower_placement(s: &ServiceFile) -> Placement {
    let strategy = match &s.placement_strategy {
        None => vec![PlacementStrategy::SpreadAvailabilityZones, PlacementStrategy::SpreadInstances],
        Some(items) => items
            .iter()
            .map(|item| match (item.kind, item.field.as_deref()) {
                (PlacementStrategyKind::Binpack, Some("memory")) => {
                    PlacementStrategy::Binpack(PlacementResource::Memory)
                }
                (PlacementStrategyKind::Binpack, _) => PlacementStrategy::Binpack(PlacementResource::Cpu),
                (PlacementStrategyKind::Spread, Some("attribute:ecs.availability-zone")) => {
                    PlacementStrategy::SpreadAvailabilityZones
                }
                (PlacementStrategyKind::Spread, _) => PlacementStrategy::SpreadInstances,
                (PlacementStrategyKind::Random, _) => PlacementStrategy::Random,
            })
            .collect(),
    };
    let distinct_instance = s.placement_constraints.iter().any(|c| c.kind == PlacementConstraintKind::DistinctInstance);
    Placement { strategy, distinct_instance }
}

/// A schedule's `timezone`, UTC when absent (AWS's default, §1.9, §13.1).
fn lower_time_zone(field: &str, name: Option<&str>) -> Result<TimeZone, Problem> {
    name.map_or(Ok(TimeZone::UTC), |name| {
        super::schedule_expr::parse_time_zone(name).map_err(|message| Problem {
            field: field.into(),
            line: None,
            message,
        })
    })
}

fn lower_auto_scaling(prefix: &str, a: &AutoScalingFile, start_epoch_secs: i64) -> Result<AutoScalingConfig, Problem> {
    let mut scheduled_actions = Vec::new();
    for (i, action) in a.scheduled_actions.iter().enumerate() {
        let zone = lower_time_zone(&format!("{prefix}.scheduled_actions[{i}].timezone"), action.timezone.as_deref())?;
        let schedule = super::schedule_expr::parse_schedule(&action.schedule, zone).map_err(|message| Problem {
            field: format!("{prefix}.scheduled_actions[{i}].schedule"),
            line: None,
            message,
        })?;
        scheduled_actions.push(ScheduledAction {
            name: action.name.clone().unwrap_or_else(|| format!("scheduled-{i}")),
            schedule,
            min_capacity: action.min_capacity,
            max_capacity: action.max_capacity,
        });
    }
    let aws = TargetTrackingAlarms::default();
    let what_if = a.what_if.as_ref();
    let shape = |s: Option<AlarmShapeFile>, default: (usize, usize)| {
        s.map_or(default, |s| (s.datapoints_to_alarm, s.evaluation_periods))
    };
    Ok(AutoScalingConfig {
        target_tracking_alarms: TargetTrackingAlarms {
            high: shape(what_if.and_then(|w| w.alarm_high), aws.high),
            low: shape(what_if.and_then(|w| w.alarm_low), aws.low),
            scale_in_threshold_share: what_if
                .and_then(|w| w.scale_in_threshold_share)
                .unwrap_or(aws.scale_in_threshold_share),
        },
        metric_periods: MetricPeriods {
            standard: what_if.and_then(|w| w.metric_period).map_or(MetricPeriods::default().standard, |d| d.0),
            high_resolution: what_if
                .and_then(|w| w.high_resolution_metric_period)
                .map_or(MetricPeriods::default().high_resolution, |d| d.0),
        },
        alarm_evaluation: AlarmEvaluation {
            evaluation_range: a.alarm_evaluation_range,
            missing_data: match a.alarm_missing_data {
                Some(MissingDataFile::LatestN) => MissingDataRule::LatestN,
                _ => MissingDataRule::Exact,
            },
        },
        scheduled_actions,
        start_epoch_secs,
        min_capacity: a.min_capacity,
        max_capacity: a.max_capacity,
        // Model choice (§6): AWS documents no lag; 120 s puts a step's first
        // scale-out 300–360 s after it, as AWS's own benchmark saw (363 s, §1.3).
        metric_publication_delay: a.metric_publication_delay.map_or(secs(120), |d| d.0),
        // Model choice (§1.3 calibration): 60 s of three periods + 20 s ≈ AWS's 86 s.
        high_resolution_publication_delay: a.high_resolution_publication_delay.map_or(secs(20), |d| d.0),
        cooldown_base: match a.cooldown_base {
            Some(CooldownBaseFile::Running) => CooldownBase::Running,
            _ => CooldownBase::Initiating,
        },
        target_tracking: a
            .target_tracking
            .iter()
            .map(|t| {
                let metric = match t.predefined_metric_type {
                    Some(PredefinedMetricFile::Cpu) => PredefinedMetric::EcsServiceAverageCpuUtilization,
                    Some(PredefinedMetricFile::Memory) => PredefinedMetric::EcsServiceAverageMemoryUtilization,
                    Some(PredefinedMetricFile::RequestCountPerTarget) => PredefinedMetric::AlbRequestCountPerTarget,
                    Some(PredefinedMetricFile::CpuHighResolution) => {
                        PredefinedMetric::EcsServiceAverageCpuUtilizationHighResolution
                    }
                    Some(PredefinedMetricFile::MemoryHighResolution) => {
                        PredefinedMetric::EcsServiceAverageMemoryUtilizationHighResolution
                    }
                    // Validated: the customized metric, sqs_backlog_per_task.
                    None => PredefinedMetric::SqsBacklogPerTask,
                };
                TargetTrackingPolicy {
                    name: t.name.clone().unwrap_or_else(|| format!("{}-{}", metric.aws_name(), t.target_value)),
                    metric,
                    target_value: t.target_value,
                    // Both cooldowns default to 300 s for ECS services (§1.2).
                    scale_out_cooldown: t.scale_out_cooldown.map_or(secs(300), |d| d.0),
                    scale_in_cooldown: t.scale_in_cooldown.map_or(secs(300), |d| d.0),
                    disable_scale_in: t.disable_scale_in.unwrap_or(false),
                }
            })
            .collect(),
        step_scaling: a.step_scaling.iter().enumerate().map(|(i, p)| lower_step(i, p)).collect(),
    })
}

fn lower_step(index: usize, p: &StepScalingFile) -> StepScalingPolicy {
    let a = &p.alarm;
    StepScalingPolicy {
        name: p.name.clone().unwrap_or_else(|| format!("step-{index}")),
        alarm: AlarmConfig {
            metric: match a.metric_name {
                ServiceMetricFile::CPUUtilization => ServiceMetric::CpuUtilization,
                ServiceMetricFile::MemoryUtilization => ServiceMetric::MemoryUtilization,
                ServiceMetricFile::RequestCount => ServiceMetric::RequestCount,
                ServiceMetricFile::RequestCountPerTarget => ServiceMetric::RequestCountPerTarget,
                ServiceMetricFile::ApproximateNumberOfMessagesVisible => {
                    ServiceMetric::ApproximateNumberOfMessagesVisible
                }
                ServiceMetricFile::ApproximateAgeOfOldestMessage => ServiceMetric::ApproximateAgeOfOldestMessage,
            },
            period: a.period.map_or(SimDuration::from_secs(60), |d| d.0),
            evaluation_periods: a.evaluation_periods,
            datapoints_to_alarm: a.datapoints_to_alarm.unwrap_or(a.evaluation_periods),
            threshold: a.threshold,
            comparison_operator: match a.comparison_operator {
                ComparisonOperatorFile::GreaterThanThreshold => ComparisonOperator::GreaterThanThreshold,
                ComparisonOperatorFile::GreaterThanOrEqualToThreshold => {
                    ComparisonOperator::GreaterThanOrEqualToThreshold
                }
                ComparisonOperatorFile::LessThanThreshold => ComparisonOperator::LessThanThreshold,
                ComparisonOperatorFile::LessThanOrEqualToThreshold => ComparisonOperator::LessThanOrEqualToThreshold,
            },
        },
        adjustment_type: match p.adjustment_type {
            AdjustmentTypeFile::ChangeInCapacity => AdjustmentType::ChangeInCapacity,
            AdjustmentTypeFile::PercentChangeInCapacity => AdjustmentType::PercentChangeInCapacity,
            AdjustmentTypeFile::ExactCapacity => AdjustmentType::ExactCapacity,
        },
        step_adjustments: p
            .step_adjustments
            .iter()
            .map(|s| StepAdjustment {
                lower_bound: s.metric_interval_lower_bound,
                upper_bound: s.metric_interval_upper_bound,
                scaling_adjustment: s.scaling_adjustment,
            })
            .collect(),
        min_adjustment_magnitude: p.min_adjustment_magnitude,
        // Cooldown defaults to 300 s; Average when the aggregation is null (§1.8).
        cooldown: p.cooldown.map_or(secs(300), |d| d.0),
        metric_aggregation_type: match p.metric_aggregation_type {
            Some(MetricAggregationTypeFile::Minimum) => MetricAggregationType::Minimum,
            Some(MetricAggregationTypeFile::Maximum) => MetricAggregationType::Maximum,
            _ => MetricAggregationType::Average,
        },
    }
}

fn lower_distribution(field: &str, d: &DistributionFile, base: &Path) -> Result<DurationDistribution, Problem> {
    let get = |v: Option<super::DurationField>| v.map_or(0.0, |d| d.0.as_secs_f64());
    Ok(match d.distribution {
        DistributionKind::Constant => DurationDistribution::Constant(d.value.map_or(SimDuration::ZERO, |v| v.0)),
        DistributionKind::Exponential => DurationDistribution::Exponential { mean_secs: get(d.mean) },
        DistributionKind::Lognormal => DurationDistribution::log_normal_from_median_p99(get(d.median), get(d.p99)),
        DistributionKind::Gamma => DurationDistribution::gamma_from_mean_cv(get(d.mean), d.cv.unwrap_or(1.0)),
        DistributionKind::Uniform => DurationDistribution::Uniform {
            min: d.min.map_or(SimDuration::ZERO, |v| v.0),
            max: d.max.map_or(SimDuration::ZERO, |v| v.0),
        },
        DistributionKind::Empirical => {
            let column = d.column.clone().unwrap_or_else(|| "latency_ms".into());
            let path = base.join(d.file.clone().unwrap_or_default());
            DurationDistribution::Empirical(read_empirical(field, &path, &column)?)
        }
        // Never drawn: every request of the trace carries its own service time.
        DistributionKind::Trace => DurationDistribution::Constant(SimDuration::ZERO),
    })
}

/// The region's prices from fleetsim's snapshots, or the scenario's files,
/// checked to hold every price the cluster will be billed at.
fn load_prices(file: &ScenarioFile, region: &str, base: &Path, cluster: &ClusterConfig) -> Result<PriceSheet, Problem> {
    let p = &file.pricing;
    let mut texts = Vec::new();
    for (field, path, builtin) in [
        ("pricing.fargate_file", &p.fargate_file, ("prices/fargate_hourly.csv", crate::cost::BUILTIN_FARGATE)),
        ("pricing.alb_file", &p.alb_file, ("prices/alb_hourly.csv", crate::cost::BUILTIN_ALB)),
        ("pricing.other_file", &p.other_file, ("prices/other_hourly.csv", crate::cost::BUILTIN_OTHER)),
        ("pricing.ec2_file", &p.ec2_file, ("prices/ec2_ondemand_linux_hourly.csv", crate::cost::BUILTIN_EC2)),
    ] {
        // The shipped text itself, not a copy: `PriceSheet::load` knows it by its address.
        texts.push(match path {
            None => (field, Cow::Borrowed(builtin.0), Cow::Borrowed(builtin.1)),
            Some(path) => {
                let resolved = base.join(path);
                let text = std::fs::read_to_string(&resolved).map_err(|e| Problem {
                    field: field.into(),
                    line: None,
                    message: format!("{}: cannot read: {e}", resolved.display()),
                })?;
                (field, Cow::Owned(resolved.display().to_string()), Cow::Owned(text))
            }
        });
    }
    let files = PriceFiles {
        fargate: (&*texts[0].1, &*texts[0].2),
        alb: (&*texts[1].1, &*texts[1].2),
        other: (&*texts[2].1, &*texts[2].2),
        ec2: (&*texts[3].1, &*texts[3].2),
        spot_share: p.spot_price_share,
        discount_percent: p.discount_percent.clone(),
    };
    let sheet = PriceSheet::load(region, &files).map_err(|e| {
        let field = texts.iter().find(|t| t.1 == e.file).map_or("pricing", |t| t.0);
        Problem { field: field.into(), line: None, message: e.to_string() }
    })?;
    let missing = |e: crate::cost::MissingPrice| Problem { field: "region".into(), line: None, message: e.to_string() };
    crate::cost::task_usd_per_second(cluster, &sheet).map_err(missing)?;
    crate::cost::bill(
        cluster,
        &crate::cost::Usage {
            task_seconds: vec![],
            instance_seconds: vec![1; cluster.capacity_providers.len()],
            alb_hours: vec![Default::default()],
            ..Default::default()
        },
        &sheet,
    )
    .map_err(missing)?;
    Ok(sheet)
}

/// A capacity provider by its name: the built-in `FARGATE` and
/// `FARGATE_SPOT` (§4.4), then the file's ASG providers in order.
pub fn provider_id(file: &ScenarioFile, name: &str) -> Option<CapacityProviderId> {
    match name {
        "FARGATE" => Some(FARGATE),
        "FARGATE_SPOT" => Some(FARGATE_SPOT),
        _ => file.capacity_providers.iter().position(|p| p.name == name).map(|i| CapacityProviderId(i as u32 + 2)),
    }
}

/// The Spot instance notice: two minutes (§5.5).
const EC2_SPOT_WARNING: SimDuration = SimDuration::from_secs(120);

/// An ASG provider, with AWS's managed-scaling defaults (§5.1) and the
/// instance type's registered resources (§5.3, §5.6).
fn lower_asg_provider(
    file: &ScenarioFile,
    index: usize,
    p: &CapacityProviderFile,
    base: &Path,
) -> Result<CapacityProviderConfig, Problem> {
    let prefix = format!("capacity_providers[{index}]");
    let problem = |field: &str, message: String| Problem { field: format!("{prefix}.{field}"), line: None, message };
    let entry = instance_types::lookup(&p.instance_type).ok_or_else(|| {
        problem("instance_type", format!("\"{}\" is not in prices/ec2_instance_types.csv", p.instance_type))
    })?;
    let trunking = p.awsvpc_trunking.unwrap_or(false);
    let awsvpc_tasks = match (p.awsvpc_tasks_per_instance, instance_types::awsvpc_tasks(&p.instance_type)) {
        (Some(n), _) => n,
        (None, Some((plain, trunked))) => {
            if trunking {
                trunked
            } else {
                plain
            }
        }
        (None, None) => {
            return Err(problem(
                "awsvpc_tasks_per_instance",
                format!(
                    "{} is not in the ENI table of aws-semantics §5.3: give its awsvpc task limit",
                    p.instance_type
                ),
            ))
        }
    };
    // Model choice §5.6: the agent registers 97.5 % of the nominal memory.
    let registered = p.registered_memory_mib.unwrap_or(entry.memory_mib * 39 / 40);
    let region = file.region.clone().unwrap_or_else(|| "us-east-1".into());
    let min_size = p.min_size.unwrap_or(0);
    Ok(CapacityProviderConfig {
        name: p.name.clone(),
        kind: CapacityProviderKind::AutoScalingGroup(Box::new(AutoScalingGroupProvider {
            instance_type: InstanceType {
                name: p.instance_type.clone(),
                vcpu: entry.vcpu,
                cpu_units: entry.vcpu * 1024,
                memory_mib: registered.saturating_sub(p.reserved_memory_mib.unwrap_or(0)),
                architecture: entry.architecture,
                awsvpc_tasks,
            },
            min_size,
            max_size: p.max_size,
            desired_capacity: p.desired_capacity.unwrap_or(min_size),
            availability_zones: p
                .availability_zones
                .clone()
                .unwrap_or_else(|| ["a", "b", "c"].iter().map(|z| format!("{region}{z}")).collect()),
            // Model choice (§7 #12, "typically minutes"): 90–180 s from launch to registered.
            registration_time: match &p.registration_time {
                Some(d) => lower_distribution(&format!("{prefix}.registration_time"), d, base)?,
                None => DurationDistribution::Uniform { min: secs(90), max: secs(180) },
            },
            managed_scaling: p.managed_scaling.as_ref().map(|m| ManagedScaling {
                // §5.1 defaults: 100, 1, 10,000, 300 s.
                target_capacity: m.target_capacity.unwrap_or(100),
                minimum_scaling_step_size: m.minimum_scaling_step_size.unwrap_or(1),
                maximum_scaling_step_size: m.maximum_scaling_step_size.unwrap_or(10_000),
                instance_warmup_period: m.instance_warmup_period.map_or(secs(300), |d| d.0),
                from_zero_uses_demand: m.from_zero_uses_demand.unwrap_or(false),
            }),
            managed_termination_protection: p.managed_termination_protection.unwrap_or(false),
            // Model choice: managed draining on, as ECS creates new providers.
            managed_draining: p.managed_draining.unwrap_or(true),
            spot: p.spot.as_ref().map(|spot| Ec2Spot {
                interruptions_per_instance_hour: spot.interruptions_per_instance_hour.unwrap_or(0.0),
                warning: EC2_SPOT_WARNING,
                spot_instance_draining: spot.spot_instance_draining.unwrap_or(false),
            }),
        })),
    })
}

/// The Spot interruption notice: two minutes (aws-semantics §4.3).
const SPOT_WARNING: SimDuration = SimDuration::from_secs(120);

fn lower_spot_market(file: &ScenarioFile, base: &Path) -> Result<SpotMarket, Problem> {
    let Some(spot) = &file.fargate_spot else { return Ok(SpotMarket { warning: SPOT_WARNING, ..Default::default() }) };
    let at = |d: super::DurationField| SimTime::ZERO + d.0;
    let replayed = match &spot.interruptions_file {
        Some(path) => read_interruptions(&base.join(path))?,
        None => vec![],
    };
    let mut scheduled_waves: Vec<(SimTime, f64)> = spot.waves.iter().map(|w| (at(w.at), w.share)).collect();
    scheduled_waves.sort_by_key(|w| w.0);
    Ok(SpotMarket {
        interruptions_per_task_hour: spot.interruptions_per_task_hour.unwrap_or(0.0),
        waves_per_hour: spot.reclaim_waves.map_or(0.0, |w| w.per_hour),
        wave_share: spot.reclaim_waves.map_or(0.0, |w| w.share),
        scheduled_waves,
        replayed,
        droughts: spot.droughts.iter().map(|w| (at(w.start), at(w.end))).collect(),
        warning: SPOT_WARNING,
        replace_at_notice: spot.replace_at == Some(ReplaceAtFile::Notice),
    })
}

/// Observed Spot interruptions: `t_seconds` and an optional `tasks` (default
/// 1) per row, sorted by time on reading.
fn read_interruptions(path: &Path) -> Result<Vec<(SimTime, u32)>, Problem> {
    let shown = path.display();
    let problem = |message: String| Problem { field: "fargate_spot.interruptions_file".into(), line: None, message };
    let mut reader = csv::Reader::from_path(path).map_err(|e| problem(format!("{shown}: cannot read: {e}")))?;
    let headers = reader.headers().map_err(|e| problem(format!("{shown}: cannot read the header: {e}")))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let Some(t_column) = find("t_seconds") else {
        return Err(problem(format!(
            "{shown}: expected a `t_seconds` column (and optionally `tasks`), found `{}`",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    };
    let tasks_column = find("tasks");
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| problem(format!("{shown}: malformed CSV: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        let text = record.get(t_column).unwrap_or("").trim();
        let t = match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => SimTime::ZERO + SimDuration::from_secs_f64(v),
            _ => return Err(problem(format!("{shown}: line {line}: t_seconds: expected seconds ≥ 0, found `{text}`"))),
        };
        let tasks = match tasks_column.map(|c| record.get(c).unwrap_or("").trim()) {
            None => 1,
            Some(text) => match text.parse::<u32>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(problem(format!(
                        "{shown}: line {line}: tasks: expected a whole number ≥ 1, found `{text}`"
                    )))
                }
            },
        };
        rows.push((t, tasks));
    }
    rows.sort_by_key(|r| r.0);
    Ok(rows)
}

/// Reads a small CSV of observed durations (a sample, not a trace) into memory.
fn read_empirical(field: &str, path: &Path, column: &str) -> Result<Arc<[f64]>, Problem> {
    let shown = path.display();
    let problem = |message: String| Problem { field: format!("{field}.file"), line: None, message };
    let unit = unit_of_column(column).unwrap_or(1e-3);
    let mut reader = csv::Reader::from_path(path).map_err(|e| problem(format!("{shown}: cannot read: {e}")))?;
    let headers = reader.headers().map_err(|e| problem(format!("{shown}: cannot read the header: {e}")))?.clone();
    let Some(index) = headers.iter().position(|h| h.trim() == column) else {
        return Err(problem(format!(
            "{shown}: expected a `{column}` column, found `{}`",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    };
    let mut values = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| problem(format!("{shown}: malformed CSV: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        let text = record.get(index).unwrap_or("").trim();
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => values.push(v * unit),
            _ => {
                return Err(problem(format!(
                    "{shown}: line {line}: {column}: expected a non-negative number, found `{text}`"
                )))
            }
        }
    }
    if values.is_empty() {
        return Err(problem(format!("{shown}: no values")));
    }
    Ok(Arc::from(values))
}
