//! Collectors: turn the model's observations into the figures a report shows —
//! counts, latency histograms, per-minute rows and the service event log.
//! Formats nothing and writes nothing.

use crate::cost::{AlbHour, Reserved, Usage};
use crate::engine::{SimDuration, SimTime};
use crate::model::autoscaling::AlarmState;
use crate::model::config::{ClusterConfig, ComparisonOperator, ServiceMetric};
use crate::model::observation::RolloutState;
use crate::model::CapacityProviderId;
use crate::model::{
    FailureCause, InstanceId, InstanceState, Observation, Observer, Outcome, ServiceId, StopReason, TargetHealth,
    TaskId, TaskState,
};
use hdrhistogram::Histogram;

mod queues;
mod scheduled_runs;
pub use queues::{QueueMinuteRow, QueueSummary};
pub use scheduled_runs::ScheduledRunSummary;

/// Latencies are recorded in microseconds to 3 significant digits: every
/// percentile is within 0.1 % of the exact value.
pub const LATENCY_SIGNIFICANT_DIGITS: u8 = 3;
/// The largest latency tracked exactly, µs (a day; the ALB's idle timeout is at most 4000 s).
const LATENCY_MAX_MICROS: u64 = 86_400_000_000;

fn new_histogram() -> Histogram<u64> {
    match Histogram::new_with_bounds(1, LATENCY_MAX_MICROS, LATENCY_SIGNIFICANT_DIGITS) {
        Ok(h) => h,
        Err(e) => panic!("invariant: a 3-digit auto-resizing histogram is valid: {e:?}"),
    }
}

/// A latency in whole microseconds, at least 1 (a response takes time).
fn micros(d: SimDuration) -> u64 {
    (d.as_nanos() / 1000).max(1)
}

/// Request counts by outcome.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestCounts {
    pub total: u64,
    pub succeeded: u64,
    /// Indexed like [`FailureCause::ALL`].
    pub failed_by_cause: [u64; FailureCause::ALL.len()],
}

impl RequestCounts {
    pub fn failed(&self) -> u64 {
        self.failed_by_cause.iter().sum()
    }
    pub fn failed_with_status(&self, status: u16) -> u64 {
        FailureCause::ALL.iter().zip(self.failed_by_cause).filter(|(c, _)| c.status() == status).map(|(_, n)| n).sum()
    }
    /// succeeded / total; 1 when nothing was asked.
    pub fn availability(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.succeeded as f64 / self.total as f64
        }
    }
    fn record(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Succeeded => self.succeeded += 1,
            Outcome::Failed(cause) => self.failed_by_cause[cause as usize] += 1,
        }
    }
}

/// Percentiles of a latency histogram, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatencySummary {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p99_9_ms: f64,
    pub max_ms: f64,
}

fn summarize(h: &Histogram<u64>, exact_sum_nanos: u128) -> LatencySummary {
    if h.is_empty() {
        return LatencySummary::default();
    }
    let q = |quantile: f64| h.value_at_quantile(quantile) as f64 / 1000.0;
    LatencySummary {
        count: h.len(),
        mean_ms: exact_sum_nanos as f64 / h.len() as f64 / 1e6,
        p50_ms: q(0.5),
        p90_ms: q(0.9),
        p99_ms: q(0.99),
        p99_9_ms: q(0.999),
        max_ms: h.max() as f64 / 1000.0,
    }
}

/// One service's view of one simulated minute.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MinuteRow {
    pub arrivals: u64,
    pub requests: RequestCounts,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    pub desired_count: u32,
    pub running_count: u32,
    pub healthy_count: u32,
    pub cpu_utilization: Option<f64>,
    pub mean_requests_in_tasks: f64,
    pub memory_utilization: Option<f64>,
    pub request_count: u64,
    pub request_count_per_target: Option<f64>,
    /// A worker's queue metrics at the minute's end (§12.3, §12.4); None otherwise.
    pub backlog_per_task: Option<f64>,
    pub messages_visible: Option<f64>,
    pub age_of_oldest_message: Option<f64>,
    /// Per scaling policy: its evaluation at the start of this minute.
    pub policies: Vec<PolicyMinute>,
    /// RUNNING tasks at the minute's end, per capacity provider (cluster order).
    pub running_by_provider: Vec<u32>,
    /// RUNNING tasks at the minute's end, per task-definition revision.
    pub running_by_revision: Vec<u32>,
    /// Billed task-nanoseconds in the minute, per capacity provider; a task's
    /// rounding up and one-minute minimum land in the minute it stops.
    pub billed_task_nanos_by_provider: Vec<u128>,
}

/// A target tracking policy as evaluated at the start of a minute.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyMinute {
    /// The newest datapoint CloudWatch had published.
    pub metric: Option<f64>,
    pub alarm_high: AlarmState,
    pub alarm_low: Option<AlarmState>,
}

/// A line of the service event log, in ECS's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub at: SimTime,
    /// None for the cluster's own events (its EC2 instances).
    pub service: Option<ServiceId>,
    pub task: Option<TaskId>,
    pub event: &'static str,
    pub detail: String,
}

/// Time-weighted statistics of a piecewise-constant count over [0, end].
#[derive(Clone, Debug)]
struct LevelIntegral {
    value: u32,
    since: SimTime,
    area: u128,
    min: u32,
    max: u32,
}

impl LevelIntegral {
    fn new() -> Self {
        LevelIntegral { value: 0, since: SimTime::ZERO, area: 0, min: u32::MAX, max: 0 }
    }
    /// The count becomes `value` at `at`; the old value held over [since, at).
    /// Only values held for some time count toward min and max.
    fn set(&mut self, at: SimTime, value: u32, end: SimTime) {
        let at = at.min(end);
        if at > self.since {
            self.area += u128::from(self.value) * u128::from((at - self.since).as_nanos());
            self.min = self.min.min(self.value);
            self.max = self.max.max(self.value);
            self.since = at;
        }
        self.value = value;
    }
    fn min(&self) -> u32 {
        if self.min == u32::MAX {
            self.value
        } else {
            self.min
        }
    }
}

/// Per-service figures for the whole run.
#[derive(Clone, Debug)]
pub struct ServiceSummary {
    pub name: String,
    pub requests: RequestCounts,
    pub latency: LatencySummary,
    pub queue_time: LatencySummary,
    /// Share of requests served that waited in the task's queue.
    pub queued_share: f64,
    pub running_tasks_mean: f64,
    pub running_tasks_min: u32,
    pub running_tasks_max: u32,
    /// Launch to STOPPED (or the end), summed over tasks: what Fargate would bill.
    pub task_hours: f64,
    pub tasks_launched: u64,
    pub healthy_target_minutes_below_desired: f64,
    /// Time-average of requests inside the service's tasks (L of Little's law).
    pub mean_requests_in_tasks: f64,
    pub scale_out_activities: u64,
    pub scale_in_activities: u64,
    pub policies: Vec<PolicySummary>,
    /// Fargate Spot tasks that got the interruption notice.
    pub tasks_interrupted: u64,
    /// Minutes with tasks the scheduler could not place (no capacity).
    pub capacity_short_minutes: f64,
    /// Requests that failed while tasks could not be placed.
    pub failed_while_capacity_short: u64,
    /// Task-hours per capacity provider, from PROVISIONING to STOPPED.
    pub task_hours_by_provider: Vec<f64>,
    /// Tasks launched per task-definition revision (0: the first), before the end.
    pub tasks_launched_by_revision: Vec<u64>,
    /// Tasks killed for passing their memory limit (§14.2), per revision.
    pub oom_kills_by_revision: Vec<u64>,
    /// Failed requests of the ALB's clients this service answered, and
    /// those whose failure it caused (itself, or as a service called, issue 8).
    pub end_to_end_failures_answered: u64,
    pub end_to_end_failures_caused: u64,
}

/// What reports need of a scaling policy.
#[derive(Clone, Debug)]
struct PolicyInfo {
    name: String,
    metric: ServiceMetric,
    metric_name: &'static str,
    /// The target value, or a step policy's alarm threshold.
    threshold: f64,
    /// When a datapoint counts as over target: above it, or a step alarm's breach.
    comparison: ComparisonOperator,
}

/// A scaling policy over the whole run.
#[derive(Clone, Debug)]
pub struct PolicySummary {
    pub name: String,
    pub metric: &'static str,
    pub target_value: f64,
    /// Minutes whose datapoint was above the target (a step policy: breached its alarm threshold).
    pub minutes_over_target: u64,
}

struct ServiceCollector {
    requests: RequestCounts,
    /// Requests of the ALB's clients it answered (not calls from other services).
    client_requests: u64,
    end_to_end_failures_answered: u64,
    end_to_end_failures_caused: u64,
    latency: Histogram<u64>,
    latency_sum_nanos: u128,
    queue_time: Histogram<u64>,
    queue_time_sum_nanos: u128,
    queued: u64,
    minute_latency: Histogram<u64>,
    minute_latency_index: u64,
    rows: Vec<MinuteRow>,
    running: LevelIntegral,
    desired: u32,
    healthy: u32,
    below_desired_since: Option<SimTime>,
    below_desired_nanos: u128,
    requests_in_tasks_integral: u128,
    minutes_over_target: Vec<u64>,
    scale_out_activities: u64,
    scale_in_activities: u64,
    running_by_provider: Vec<u32>,
    running_by_revision: Vec<u32>,
    billing: Vec<BillingMeter>,
    tasks_interrupted: u64,
    unplaced: Vec<u32>,
    capacity_short_since: Option<SimTime>,
    capacity_short_nanos: u128,
    failed_while_capacity_short: u64,
    task_nanos_by_provider: Vec<u128>,
}

/// Billable task time of one service on one provider (aws-semantics §4.2:
/// from the start of the image pull until the task stops, per second, at
/// least a minute): spread over minutes as it accrues, and in all.
#[derive(Clone, Debug, Default)]
struct BillingMeter {
    /// Tasks billing now.
    billing: u32,
    since: SimTime,
    /// Per minute, billed task-nanoseconds.
    minute_nanos: Vec<u128>,
    billed_seconds: u64,
}

impl BillingMeter {
    /// Accrues `billing` tasks over [since, to) into the minutes they cover.
    fn advance(&mut self, to: SimTime) {
        let mut t = self.since.as_nanos();
        let to = to.as_nanos().max(t);
        while self.billing > 0 && t < to {
            let minute = t / MINUTE_NANOS;
            let until = ((minute + 1) * MINUTE_NANOS).min(to);
            Self::add(&mut self.minute_nanos, minute, u128::from(self.billing) * u128::from(until - t));
            t = until;
        }
        self.since = SimTime::from_nanos(to);
    }

    fn add(minutes: &mut Vec<u128>, minute: u64, nanos: u128) {
        let index = minute as usize;
        if minutes.len() <= index {
            minutes.resize(index + 1, 0);
        }
        minutes[index] += nanos;
    }

    /// A task billed from `start` stops billing at `at`: its time rounds up
    /// to the second, at least 60 s; the difference lands in `at`'s minute.
    fn stop(&mut self, start: SimTime, at: SimTime, end: SimTime) {
        self.advance(at);
        self.billing -= 1;
        let nanos = (at - start).as_nanos();
        let billed = crate::cost::billed_seconds(nanos);
        self.billed_seconds += billed;
        // The minimum of a task stopped at the very end lands in the last minute.
        let minute = (at.as_nanos().min(end.as_nanos().saturating_sub(1))) / MINUTE_NANOS;
        Self::add(&mut self.minute_nanos, minute, u128::from(billed * 1_000_000_000 - nanos));
    }
}

/// What one service's tasks reserve on one ASG provider's instances (§5.2:
/// CPU units and MiB), from placement until STOPPED or the instance's end,
/// integrated per hour of the run: the weights of the instance bill's split
/// over services (`cost::allocate`).
#[derive(Clone, Debug, Default)]
struct ReservationMeter {
    cpu_units: u64,
    memory_mib: u64,
    since: SimTime,
    hours: Vec<Reserved>,
}

impl ReservationMeter {
    /// Accrues what is reserved over [since, to) into the hours it covers.
    fn advance(&mut self, to: SimTime) {
        let mut t = self.since.as_nanos();
        let to = to.as_nanos().max(t);
        while (self.cpu_units > 0 || self.memory_mib > 0) && t < to {
            let hour = t / HOUR_NANOS;
            let until = ((hour + 1) * HOUR_NANOS).min(to);
            let index = hour as usize;
            if self.hours.len() <= index {
                self.hours.resize(index + 1, Reserved::default());
            }
            let nanos = u128::from(until - t);
            self.hours[index].cpu_unit_nanos += u128::from(self.cpu_units) * nanos;
            self.hours[index].memory_mib_nanos += u128::from(self.memory_mib) * nanos;
            t = until;
        }
        self.since = SimTime::from_nanos(to);
    }

    /// A task reserving `size` (CPU units, MiB) is placed (`placed`) or leaves at `at`.
    fn change(&mut self, at: SimTime, size: (u32, u32), placed: bool) {
        self.advance(at);
        let (cpu, memory) = (u64::from(size.0), u64::from(size.1));
        if placed {
            self.cpu_units += cpu;
            self.memory_mib += memory;
        } else {
            self.cpu_units -= cpu;
            self.memory_mib -= memory;
        }
    }
}

/// One deployment of a service, as the report shows it (§2.2, §2.4).
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentSummary {
    pub service: ServiceId,
    /// The service's deployments counted from 1, rollbacks included.
    pub ordinal: u32,
    pub revision: String,
    pub started: SimTime,
    /// When it COMPLETED or FAILED; None while still in progress at the end.
    pub ended: Option<SimTime>,
    /// `rolloutState` at its end or the run's.
    pub outcome: &'static str,
    pub why: String,
    /// Tasks the circuit breaker counted (resets aside), and whether ECS reported it stuck.
    pub failed_tasks: u32,
    pub stuck: bool,
    /// RUNNING tasks at most, and healthy targets at least, while it ran.
    pub peak_running: u32,
    pub min_healthy: u32,
    /// Requests answered while it ran, and those that failed.
    pub requests: u64,
    pub requests_failed: u64,
}

/// One ASG provider's instances: counts, billing, managed scaling's minutes.
#[derive(Clone, Debug, Default)]
struct ProviderCollector {
    /// Instances launched and not terminated, now.
    instances: u32,
    instances_max: u32,
    instances_launched: u64,
    spot_reclaims: u64,
    billing: BillingMeter,
    rows: Vec<ProviderMinute>,
}

/// One ASG provider's view of one simulated minute.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderMinute {
    /// Instances launched and not yet terminated at the minute's end.
    pub instances: u32,
    /// ECS managed scaling's CapacityProviderReservation at the minute's end, percent.
    pub reservation_percent: Option<f64>,
    /// Billed instance-nanoseconds in the minute (rounding and minimum where the instance ends).
    pub billed_instance_nanos: u128,
}

impl ProviderMinute {
    /// A minute no instance changed in: `finish` carries the count before it.
    fn no_instance_event() -> Self {
        ProviderMinute { instances: u32::MAX, ..Default::default() }
    }
}

/// What one ASG provider did over the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderSummary {
    pub name: String,
    pub instances_launched: u64,
    pub instances_max: u32,
    pub instance_hours: f64,
    pub spot_reclaims: u64,
    /// One per simulated minute.
    pub minutes: Vec<ProviderMinute>,
}

/// Requests and processed bytes of one hour at the ALB.
#[derive(Clone, Debug, Default)]
struct AlbCounts {
    requests: u64,
    processed_bytes: u128,
    /// Listener rule evaluations beyond the 10 free per request (§10.5).
    billable_rule_evaluations: u64,
}

/// One listener route's requests as their clients saw them.
struct RouteCollector {
    requests: RequestCounts,
    latency: Histogram<u64>,
    latency_sum_nanos: u128,
    fixed_responses: u64,
    fixed_status: Option<u16>,
}

/// One listener route (a rule, or the default action): what its clients saw.
#[derive(Clone, Debug)]
pub struct RouteSummary {
    pub name: String,
    /// Requests forwarded to a service, with their outcomes.
    pub requests: RequestCounts,
    pub latency: LatencySummary,
    /// Requests the rule answered itself (`fixed-response`), and its status.
    pub fixed_responses: u64,
    pub fixed_status: Option<u16>,
}

const MINUTE_NANOS: u64 = 60_000_000_000;
const HOUR_NANOS: u64 = 3_600_000_000_000;

/// Collects everything a report needs from a run.
pub struct Collector {
    end: SimTime,
    /// Runs of schedules, and per task the run that started it.
    scheduled_runs: Vec<ScheduledRunSummary>,
    task_run: Vec<Option<usize>>,
    /// Per run: its tasks not yet out of PROVISIONING, whose wait lasts to
    /// the end of the run if they never leave it.
    run_tasks_provisioning: Vec<u32>,
    /// Per SQS queue (issue 9).
    queues: Vec<queues::QueueCollector>,
    services: Vec<ServiceCollector>,
    names: Vec<String>,
    launched_at: Vec<Option<SimTime>>,
    task_service: Vec<ServiceId>,
    task_nanos: Vec<u128>,
    tasks_launched: Vec<u64>,
    launched_by_revision: Vec<Vec<u64>>,
    oom_kills_by_revision: Vec<Vec<u64>>,
    /// Per service, its scaling policies (target tracking, then step), for reports.
    policies: Vec<Vec<PolicyInfo>>,
    pub events: Vec<EventRow>,
    provider_names: Vec<String>,
    /// Per task: its provider, and when it began billing (its image pull).
    task_provider: Vec<CapacityProviderId>,
    billing_since: Vec<Option<SimTime>>,
    /// The ALB's load per hour, and what a request weighs (responses carry their own size).
    alb_hours: Vec<AlbCounts>,
    request_bytes: u64,
    requests_per_connection: f64,
    /// Per capacity provider (empty for Fargate): its instances.
    providers: Vec<ProviderCollector>,
    /// Per instance: when it launched, while it bills.
    instance_billing_since: Vec<Option<SimTime>>,
    instance_provider: Vec<CapacityProviderId>,
    /// Every deployment so far, and per service the one in progress.
    deployments: Vec<DeploymentSummary>,
    open_deployment: Vec<Option<usize>>,
    revision_names: Vec<Vec<String>>,
    /// Per listener route; kept only when there are several (else the
    /// cluster's figures are the one route's).
    routes: Vec<RouteCollector>,
    route_names: Vec<String>,
    /// With calls between services, what the ALB's clients saw (a service's
    /// figures include the calls it answered).
    end_to_end: Option<RouteCollector>,
    billable_rule_evaluations_per_request: u64,
    /// Per service, per task-definition revision: what a task reserves on an
    /// instance (CPU units, MiB; §5.2).
    reservation_sizes: Vec<Vec<(u32, u32)>>,
    /// Per task: its revision, and the instance it is placed on while it reserves there.
    task_revision: Vec<u32>,
    task_instance: Vec<Option<InstanceId>>,
    /// Per instance: the tasks placed on it that still reserve there.
    instance_tasks: Vec<Vec<TaskId>>,
    /// Per capacity provider, per service: reservations on its instances.
    reservations: Vec<Vec<ReservationMeter>>,
}

impl Collector {
    /// A collector for services with these names, over [0, end).
    pub fn new(service_names: Vec<String>, end: SimTime) -> Self {
        let services_count = service_names.len();
        let services = service_names
            .iter()
            .map(|_| ServiceCollector {
                requests: RequestCounts::default(),
                client_requests: 0,
                end_to_end_failures_answered: 0,
                end_to_end_failures_caused: 0,
                latency: new_histogram(),
                latency_sum_nanos: 0,
                queue_time: new_histogram(),
                queue_time_sum_nanos: 0,
                queued: 0,
                minute_latency: new_histogram(),
                minute_latency_index: 0,
                rows: Vec::new(),
                running: LevelIntegral::new(),
                desired: 0,
                healthy: 0,
                below_desired_since: None,
                below_desired_nanos: 0,
                requests_in_tasks_integral: 0,
                minutes_over_target: Vec::new(),
                scale_out_activities: 0,
                scale_in_activities: 0,
                running_by_provider: vec![0; 2],
                running_by_revision: Vec::new(),
                billing: vec![BillingMeter::default(); 2],
                tasks_interrupted: 0,
                unplaced: vec![0; 2],
                capacity_short_since: None,
                capacity_short_nanos: 0,
                failed_while_capacity_short: 0,
                task_nanos_by_provider: vec![0; 2],
            })
            .collect();
        Collector {
            scheduled_runs: Vec::new(),
            task_run: Vec::new(),
            run_tasks_provisioning: Vec::new(),
            queues: Vec::new(),
            end,
            task_nanos: vec![0; service_names.len()],
            tasks_launched: vec![0; service_names.len()],
            launched_by_revision: vec![Vec::new(); service_names.len()],
            oom_kills_by_revision: vec![Vec::new(); service_names.len()],
            services,
            names: service_names,
            launched_at: Vec::new(),
            task_service: Vec::new(),
            policies: vec![Vec::new(); services_count],
            events: Vec::new(),
            provider_names: vec!["FARGATE".into(), "FARGATE_SPOT".into()],
            task_provider: Vec::new(),
            billing_since: Vec::new(),
            // The ALB bills every started hour of the run (§3.6).
            alb_hours: vec![AlbCounts::default(); end.as_nanos().div_ceil(HOUR_NANOS) as usize],
            request_bytes: 0,
            requests_per_connection: 1.0,
            providers: vec![ProviderCollector::default(); 2],
            instance_billing_since: Vec::new(),
            instance_provider: Vec::new(),
            deployments: Vec::new(),
            open_deployment: vec![None; services_count],
            revision_names: vec![Vec::new(); services_count],
            routes: Vec::new(),
            route_names: vec!["default".into()],
            end_to_end: None,
            billable_rule_evaluations_per_request: 0,
            reservation_sizes: vec![Vec::new(); services_count],
            task_revision: Vec::new(),
            task_instance: Vec::new(),
            instance_tasks: Vec::new(),
            reservations: vec![vec![ReservationMeter::default(); services_count]; 2],
        }
    }

    /// A request of the ALB's clients is answered: the ALB's load, its
    /// route's figures, the end-to-end figures and who answered or caused a
    /// failure.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn client_request_finished(
        &mut self,
        at: SimTime,
        service: ServiceId,
        route: crate::model::RouteId,
        caused_by: ServiceId,
        arrived: SimTime,
        outcome: Outcome,
        response_bytes: u32,
    ) {
        // The ALB's processed bytes: the request, and the response when there was one.
        let hour = ((arrived.as_nanos() / HOUR_NANOS) as usize).min(self.alb_hours.len().saturating_sub(1));
        if let Some(h) = self.alb_hours.get_mut(hour) {
            h.requests += 1;
            h.processed_bytes += u128::from(self.request_bytes) + u128::from(response_bytes);
            h.billable_rule_evaluations += self.billable_rule_evaluations_per_request;
        }
        // One route and no calls (the common case): the services' figures are all.
        if !self.routes.is_empty() || self.end_to_end.is_some() {
            let route = self.routes.get_mut(route.index());
            for r in route.into_iter().chain(self.end_to_end.as_mut()) {
                r.requests.record(outcome);
                if outcome == Outcome::Succeeded {
                    let latency = at - arrived;
                    r.latency_sum_nanos += u128::from(latency.as_nanos());
                    r.latency.saturating_record(micros(latency));
                }
            }
        }
        self.services[service.index()].client_requests += 1;
        if outcome != Outcome::Succeeded {
            self.services[service.index()].end_to_end_failures_answered += 1;
            self.services[caused_by.index()].end_to_end_failures_caused += 1;
        }
    }

    /// A collector for a cluster's services and their scaling policies.
    pub fn for_cluster(cluster: &ClusterConfig, end: SimTime) -> Self {
        let mut collector = Collector::new(cluster.services.iter().map(|s| s.name.clone()).collect(), end);
        for (i, service) in cluster.services.iter().enumerate() {
            let mut policies = Vec::new();
            if let Some(scaling) = &service.auto_scaling {
                policies.extend(scaling.target_tracking.iter().map(|p| PolicyInfo {
                    name: p.name.clone(),
                    metric: p.metric.service_metric(),
                    metric_name: p.metric.aws_name(),
                    threshold: p.target_value,
                    comparison: ComparisonOperator::GreaterThanThreshold,
                }));
                policies.extend(scaling.step_scaling.iter().map(|p| PolicyInfo {
                    name: p.name.clone(),
                    metric: p.alarm.metric,
                    metric_name: p.alarm.metric.aws_name(),
                    threshold: p.alarm.threshold,
                    comparison: p.alarm.comparison_operator,
                }));
            }
            collector.services[i].minutes_over_target = vec![0; policies.len()];
            collector.policies[i] = policies;
            let providers = cluster.capacity_providers.len();
            let s = &mut collector.services[i];
            s.running_by_provider = vec![0; providers];
            s.billing = vec![BillingMeter::default(); providers];
            s.unplaced = vec![0; providers];
            s.task_nanos_by_provider = vec![0; providers];
        }
        // A cluster of queue workers only has no load balancer to bill.
        if !cluster.services.iter().any(|s| s.load_balanced) {
            collector.alb_hours.clear();
        }
        collector.queues = cluster.queues.iter().map(|q| queues::QueueCollector::new(q.name.clone())).collect();
        collector.provider_names = cluster.capacity_providers.iter().map(|p| p.name.clone()).collect();
        collector.revision_names = cluster
            .services
            .iter()
            .map(|s| {
                std::iter::once(format!("{}:1", s.name)).chain(s.deployments.iter().map(|d| d.name.clone())).collect()
            })
            .collect();
        collector.providers = vec![ProviderCollector::default(); cluster.capacity_providers.len()];
        collector.reservation_sizes = cluster
            .services
            .iter()
            .map(|s| {
                (0..=s.deployments.len() as u32)
                    .map(|r| (s.revision(r).cpu_units, s.revision(r).memory_reserved_mib))
                    .collect()
            })
            .collect();
        collector.reservations =
            vec![vec![ReservationMeter::default(); cluster.services.len()]; cluster.capacity_providers.len()];
        collector.request_bytes = cluster.load_balancer.request_bytes;
        collector.route_names = cluster.load_balancer.route_names.clone();
        if collector.route_names.len() > 1 {
            collector.routes = collector
                .route_names
                .iter()
                .map(|_| RouteCollector {
                    requests: RequestCounts::default(),
                    latency: new_histogram(),
                    latency_sum_nanos: 0,
                    fixed_responses: 0,
                    fixed_status: None,
                })
                .collect();
        }
        if cluster.services.iter().any(|s| !s.calls.is_empty()) {
            collector.end_to_end = Some(RouteCollector {
                requests: RequestCounts::default(),
                latency: new_histogram(),
                latency_sum_nanos: 0,
                fixed_responses: 0,
                fixed_status: None,
            });
        }
        // Model choice §10.5: every request is billed for all non-default rules, less 10 free.
        collector.billable_rule_evaluations_per_request =
            u64::from(cluster.load_balancer.listener.rule_count().saturating_sub(10));
        collector.requests_per_connection = cluster.load_balancer.requests_per_connection;
        collector
    }

    fn policy_name(&self, service: ServiceId, policy: u32) -> String {
        self.policies[service.index()]
            .get(policy as usize)
            .map_or_else(|| format!("policy {policy}"), |p| p.name.clone())
    }

    fn row(rows: &mut Vec<MinuteRow>, minute: u64) -> &mut MinuteRow {
        let index = minute as usize;
        if rows.len() <= index {
            rows.resize(index + 1, MinuteRow::default());
        }
        &mut rows[index]
    }

    /// Closes the minute's latency histogram into its row and into the whole
    /// run's (recording each latency once, then merging: counts add exactly).
    fn close_minute_latency(s: &mut ServiceCollector) {
        if s.minute_latency.is_empty() {
            return;
        }
        let (p50, p99) = (s.minute_latency.value_at_quantile(0.5), s.minute_latency.value_at_quantile(0.99));
        let row = Self::row(&mut s.rows, s.minute_latency_index);
        row.latency_ms_p50 = Some(p50 as f64 / 1000.0);
        row.latency_ms_p99 = Some(p99 as f64 / 1000.0);
        if let Err(e) = s.latency.add(&s.minute_latency) {
            panic!("invariant: histograms of equal bounds merge: {e:?}");
        }
        s.minute_latency.reset();
    }

    fn update_below_desired(&mut self, service: ServiceId, at: SimTime) {
        let end = self.end;
        let s = &mut self.services[service.index()];
        let below = s.healthy < s.desired;
        let at = at.min(end);
        match (below, s.below_desired_since) {
            (true, None) => s.below_desired_since = Some(at),
            (false, Some(since)) => {
                s.below_desired_nanos += u128::from((at - since).as_nanos());
                s.below_desired_since = None;
            }
            _ => {}
        }
    }

    fn event(&mut self, at: SimTime, service: ServiceId, task: Option<TaskId>, event: &'static str, detail: String) {
        self.events.push(EventRow { at, service: Some(service), task, event, detail });
    }

    fn cluster_event(&mut self, at: SimTime, event: &'static str, detail: String) {
        self.events.push(EventRow { at, service: None, task: None, event, detail });
    }

    fn provider_row(&mut self, provider: CapacityProviderId, minute: u64) -> &mut ProviderMinute {
        let rows = &mut self.providers[provider.index()].rows;
        let index = minute as usize;
        if rows.len() <= index {
            rows.resize(index + 1, ProviderMinute::no_instance_event());
        }
        &mut rows[index]
    }

    /// What the task reserves on an instance: its revision's CPU units and MiB.
    fn reservation_size(&self, task: TaskId) -> (u32, u32) {
        let service = self.task_service[task.index()].index();
        let revision = self.task_revision[task.index()] as usize;
        self.reservation_sizes.get(service).and_then(|r| r.get(revision)).copied().unwrap_or((0, 0))
    }

    /// The task stops reserving room on its instance, if it was placed on one.
    fn leave_instance(&mut self, task: TaskId, at: SimTime) {
        let Some(instance) = self.task_instance.get_mut(task.index()).and_then(Option::take) else { return };
        let size = self.reservation_size(task);
        let (service, provider) = (self.task_service[task.index()].index(), self.task_provider[task.index()].index());
        if let Some(meter) = self.reservations.get_mut(provider).and_then(|m| m.get_mut(service)) {
            meter.change(at.min(self.end), size, false);
        }
        self.instance_tasks[instance.index()].retain(|&t| t != task);
    }

    /// Closes the books at the end of the run.
    pub fn finish(mut self) -> RunFigures {
        let end = self.end;
        // Tasks still waiting for an instance waited at least until the end.
        for (row, &waiting) in self.scheduled_runs.iter_mut().zip(&self.run_tasks_provisioning) {
            if waiting > 0 {
                row.longest_provisioning_wait_s =
                    row.longest_provisioning_wait_s.max(end.as_secs_f64() - row.fired_at_s);
            }
        }
        let mut services = Vec::new();
        for i in 0..self.services.len() {
            let service = ServiceId(i as u32);
            self.update_below_desired(service, end);
            let s = &mut self.services[i];
            if let Some(since) = s.below_desired_since.take() {
                s.below_desired_nanos += u128::from((end - since).as_nanos());
            }
            Self::close_minute_latency(s);
            let value = s.running.value;
            s.running.set(end, value, end);
            if let Some(since) = s.capacity_short_since.take() {
                s.capacity_short_nanos += u128::from((end - since).as_nanos());
            }
            let served = s.latency.len() as f64;
            let end_nanos = end.as_nanos().max(1) as f64;
            services.push(ServiceSummary {
                name: self.names[i].clone(),
                requests: s.requests.clone(),
                latency: summarize(&s.latency, s.latency_sum_nanos),
                queue_time: summarize(&s.queue_time, s.queue_time_sum_nanos),
                queued_share: if served > 0.0 { s.queued as f64 / served } else { 0.0 },
                running_tasks_mean: s.running.area as f64 / end_nanos,
                running_tasks_min: s.running.min(),
                running_tasks_max: s.running.max,
                task_hours: 0.0,
                tasks_launched: self.tasks_launched[i],
                healthy_target_minutes_below_desired: s.below_desired_nanos as f64 / 60e9,
                mean_requests_in_tasks: s.requests_in_tasks_integral as f64 / end_nanos,
                scale_out_activities: s.scale_out_activities,
                scale_in_activities: s.scale_in_activities,
                tasks_interrupted: 0,
                capacity_short_minutes: 0.0,
                failed_while_capacity_short: 0,
                task_hours_by_provider: Vec::new(),
                tasks_launched_by_revision: self.launched_by_revision[i].clone(),
                oom_kills_by_revision: {
                    let mut kills = self.oom_kills_by_revision[i].clone();
                    kills.resize(self.launched_by_revision[i].len(), 0);
                    kills
                },
                end_to_end_failures_answered: s.end_to_end_failures_answered,
                end_to_end_failures_caused: s.end_to_end_failures_caused,
                policies: self.policies[i]
                    .iter()
                    .zip(&s.minutes_over_target)
                    .map(|(p, &minutes)| PolicySummary {
                        name: p.name.clone(),
                        metric: p.metric_name,
                        target_value: p.threshold,
                        minutes_over_target: minutes,
                    })
                    .collect(),
            });
        }
        // Tasks still alive at the end count until the end, and bill until then.
        let mut task_nanos = self.task_nanos.clone();
        for (task, launched) in self.launched_at.iter().enumerate() {
            if let Some((service, at)) = launched.map(|at| (self.task_service[task], at)) {
                let nanos = u128::from((end - at.min(end)).as_nanos());
                task_nanos[service.index()] += nanos;
                self.services[service.index()].task_nanos_by_provider[self.task_provider[task].index()] += nanos;
            }
            if let Some(start) = self.billing_since[task] {
                let service = self.task_service[task].index();
                self.services[service].billing[self.task_provider[task].index()].stop(start, end, end);
            }
        }
        for (summary, nanos) in services.iter_mut().zip(task_nanos) {
            summary.task_hours = nanos as f64 / 3600e9;
        }
        let mut task_seconds = Vec::new();
        for (summary, s) in services.iter_mut().zip(&mut self.services) {
            summary.tasks_interrupted = s.tasks_interrupted;
            summary.capacity_short_minutes = s.capacity_short_nanos as f64 / 60e9;
            summary.failed_while_capacity_short = s.failed_while_capacity_short;
            summary.task_hours_by_provider = s.task_nanos_by_provider.iter().map(|&n| n as f64 / 3600e9).collect();
            task_seconds.push(s.billing.iter().map(|m| m.billed_seconds).collect());
            for (p, meter) in s.billing.iter().enumerate() {
                for (minute, &nanos) in meter.minute_nanos.iter().enumerate() {
                    let row = Self::row(&mut s.rows, minute as u64);
                    if row.billed_task_nanos_by_provider.len() < s.billing.len() {
                        row.billed_task_nanos_by_provider.resize(s.billing.len(), 0);
                    }
                    row.billed_task_nanos_by_provider[p] += nanos;
                }
            }
        }
        let requests_per_connection = self.requests_per_connection;
        let alb_hours = self
            .alb_hours
            .iter()
            .map(|h| {
                // Model choice (§3.6): a connection carries `requests_per_connection`
                // requests and is open in one minute only.
                let connections = h.requests as f64 / requests_per_connection;
                AlbHour {
                    new_connections: connections,
                    active_connection_minutes: connections,
                    processed_bytes: h.processed_bytes,
                    billable_rule_evaluations: h.billable_rule_evaluations,
                }
            })
            .collect();
        let minutes_count = end.as_nanos().div_ceil(MINUTE_NANOS) as usize;
        let hours_count = end.as_nanos().div_ceil(HOUR_NANOS) as usize;
        let reserved_by_hour = self
            .reservations
            .iter_mut()
            .map(|per_service| {
                per_service
                    .iter_mut()
                    .map(|meter| {
                        meter.advance(end);
                        let mut hours = std::mem::take(&mut meter.hours);
                        hours.resize(hours_count.max(hours.len()), Reserved::default());
                        hours
                    })
                    .collect()
            })
            .collect();
        for (instance, since) in self.instance_billing_since.iter().enumerate() {
            if let Some(start) = *since {
                self.providers[self.instance_provider[instance].index()].billing.stop(start, end, end);
            }
        }
        let mut instance_seconds = Vec::new();
        let mut instance_nanos_by_hour = Vec::new();
        let mut providers = Vec::new();
        for (p, collector) in self.providers.iter_mut().enumerate() {
            instance_seconds.push(collector.billing.billed_seconds);
            let mut by_hour = vec![0u128; hours_count];
            for (minute, &nanos) in collector.billing.minute_nanos.iter().enumerate() {
                let hour = minute / 60;
                if by_hour.len() <= hour {
                    by_hour.resize(hour + 1, 0);
                }
                by_hour[hour] += nanos;
            }
            instance_nanos_by_hour.push(by_hour);
            if collector.instances_launched == 0 {
                providers.push(ProviderSummary { name: self.provider_names[p].clone(), ..Default::default() });
                continue;
            }
            // Minutes with no event carry the count of the minute before.
            let mut rows = std::mem::take(&mut collector.rows);
            rows.resize(minutes_count.max(rows.len()), ProviderMinute::no_instance_event());
            rows.truncate(minutes_count);
            let mut last = 0;
            for row in &mut rows {
                if row.instances == u32::MAX {
                    row.instances = last;
                }
                last = row.instances;
            }
            for (minute, &nanos) in collector.billing.minute_nanos.iter().enumerate() {
                if let Some(row) = rows.get_mut(minute) {
                    row.billed_instance_nanos += nanos;
                }
            }
            providers.push(ProviderSummary {
                name: self.provider_names[p].clone(),
                instances_launched: collector.instances_launched,
                instances_max: collector.instances_max,
                instance_hours: collector.billing.minute_nanos.iter().sum::<u128>() as f64 / 3600e9,
                spot_reclaims: collector.spot_reclaims,
                minutes: rows,
            });
        }
        let usage = Usage {
            task_seconds,
            instance_seconds,
            alb_hours,
            instance_nanos_by_hour,
            reserved_by_hour,
            // The ALB carries its clients' requests; calls between services go around it.
            requests_by_service: self.services.iter().map(|s| s.client_requests).collect(),
        };
        let mut total = RequestCounts::default();
        for s in &services {
            total.total += s.requests.total;
            total.succeeded += s.requests.succeeded;
            for (t, n) in total.failed_by_cause.iter_mut().zip(s.requests.failed_by_cause) {
                *t += n;
            }
        }
        let mut all_latency = new_histogram();
        let mut all_sum = 0u128;
        for s in &self.services {
            all_latency.add(&s.latency).ok();
            all_sum += s.latency_sum_nanos;
        }
        let mut latency = summarize(&all_latency, all_sum);
        if let Some(e) = &self.end_to_end {
            // With calls, the ALB's clients: each answered request once.
            total = e.requests.clone();
            latency = summarize(&e.latency, e.latency_sum_nanos);
        }
        let routes = if self.routes.is_empty() {
            // One route: everything came by it.
            vec![RouteSummary {
                name: self.route_names[0].clone(),
                requests: total.clone(),
                latency: latency.clone(),
                fixed_responses: 0,
                fixed_status: None,
            }]
        } else {
            self.routes
                .iter()
                .zip(&self.route_names)
                .map(|(r, name)| RouteSummary {
                    name: name.clone(),
                    requests: r.requests.clone(),
                    latency: summarize(&r.latency, r.latency_sum_nanos),
                    fixed_responses: r.fixed_responses,
                    fixed_status: r.fixed_status,
                })
                .collect()
        };
        let minutes = self.services.into_iter().map(|s| s.rows).collect();
        let (queues, queue_minutes) = self.queues.into_iter().map(queues::QueueCollector::finish).unzip();
        RunFigures {
            scheduled_runs: self.scheduled_runs,
            queues,
            queue_minutes,
            requests: total,
            latency,
            routes,
            services,
            minutes,
            events: self.events,
            usage,
            provider_names: self.provider_names,
            providers,
            deployments: self.deployments,
        }
    }
}

/// Everything a run produced, ready for the report.
#[derive(Clone, Debug)]
pub struct RunFigures {
    pub requests: RequestCounts,
    pub latency: LatencySummary,
    /// Per listener route, in route order (the default action last).
    pub routes: Vec<RouteSummary>,
    pub services: Vec<ServiceSummary>,
    /// Per service, one row per simulated minute.
    pub minutes: Vec<Vec<MinuteRow>>,
    pub events: Vec<EventRow>,
    /// What the run used, for the bill.
    pub usage: Usage,
    /// The cluster's capacity providers, in id order.
    pub provider_names: Vec<String>,
    /// Per capacity provider, in id order: its EC2 instances (empty for Fargate).
    pub providers: Vec<ProviderSummary>,
    /// Every deployment, in the order they opened.
    pub deployments: Vec<DeploymentSummary>,
    /// Per SQS queue (issue 9), in scenario order: the run, and one row per minute.
    pub queues: Vec<QueueSummary>,
    pub queue_minutes: Vec<Vec<QueueMinuteRow>>,
    /// Every run of a schedule (standalone tasks), in the order they fired.
    pub scheduled_runs: Vec<ScheduledRunSummary>,
}

impl Observer for Collector {
    #[inline]
    fn observe(&mut self, observation: &Observation) {
        match *observation {
            Observation::ScheduledRun { at, service, run, scheduled_at, ref tasks, ref failures } => {
                let index = self.scheduled_runs.len();
                for &task in tasks {
                    if self.task_run.len() <= task.index() {
                        self.task_run.resize(task.index() + 1, None);
                    }
                    self.task_run[task.index()] = Some(index);
                }
                let shown: Vec<String> = failures.iter().map(|(reason, n)| format!("{n} × {reason}")).collect();
                let detail = format!(
                    "RunTask (schedule of {}, run {run}): started {} tasks{}",
                    self.names[service.index()],
                    tasks.len(),
                    if shown.is_empty() { String::new() } else { format!("; not placed: {}", shown.join(", ")) }
                );
                self.event(at, service, None, "scheduled_run", detail);
                // RunTask's tasks start in PROVISIONING, at this instant (§2.5).
                self.run_tasks_provisioning.push(tasks.len() as u32);
                self.scheduled_runs.push(ScheduledRunSummary {
                    service: self.names[service.index()].clone(),
                    run,
                    scheduled_at_s: scheduled_at.as_secs_f64(),
                    fired_at_s: at.as_secs_f64(),
                    tasks_started: tasks.len() as u32,
                    failures: failures.iter().map(|&(r, n)| (r.to_string(), n)).collect(),
                    ..Default::default()
                });
            }
            Observation::JobFinished { at, queue, sent_at, received_at, end, .. } => {
                self.queues[queue.index()].job_finished(at, sent_at, received_at, end);
            }
            Observation::QueueMinuteClosed { start, queue, visible, in_flight, age_of_oldest_secs, counts } => {
                let row = QueueMinuteRow { visible, in_flight, age_of_oldest_secs, counts };
                self.queues[queue.index()].minute_closed(start, row);
            }
            Observation::RequestFinished {
                at,
                service,
                route,
                call,
                caused_by,
                arrived,
                outcome,
                queue_time,
                response_bytes,
            } => {
                if !call {
                    self.client_request_finished(at, service, route, caused_by, arrived, outcome, response_bytes);
                }
                if let Some(d) = self.open_deployment[service.index()] {
                    let d = &mut self.deployments[d];
                    d.requests += 1;
                    d.requests_failed += u64::from(outcome != Outcome::Succeeded);
                }
                let s = &mut self.services[service.index()];
                s.requests.record(outcome);
                if outcome != Outcome::Succeeded && s.capacity_short_since.is_some() {
                    s.failed_while_capacity_short += 1;
                }
                Self::row(&mut s.rows, arrived.minute_index()).arrivals += 1;
                Self::row(&mut s.rows, at.minute_index()).requests.record(outcome);
                if outcome == Outcome::Succeeded {
                    let latency = at - arrived;
                    s.latency_sum_nanos += u128::from(latency.as_nanos());
                    // A request that never queued records 0, not the 1 µs floor of latencies.
                    s.queue_time.saturating_record(queue_time.as_nanos() / 1000);
                    s.queue_time_sum_nanos += u128::from(queue_time.as_nanos());
                    s.queued += u64::from(!queue_time.is_zero());
                    let minute = at.minute_index();
                    if minute != s.minute_latency_index {
                        Self::close_minute_latency(s);
                        s.minute_latency_index = minute;
                    }
                    s.minute_latency.saturating_record(micros(latency));
                }
            }
            Observation::FixedResponse { at, route, status } => {
                let hour = ((at.as_nanos() / HOUR_NANOS) as usize).min(self.alb_hours.len().saturating_sub(1));
                if let Some(h) = self.alb_hours.get_mut(hour) {
                    h.requests += 1;
                    h.processed_bytes += u128::from(self.request_bytes);
                    h.billable_rule_evaluations += self.billable_rule_evaluations_per_request;
                }
                if let Some(r) = self.routes.get_mut(route.index()) {
                    r.fixed_responses += 1;
                    r.fixed_status = Some(status);
                }
            }
            Observation::TaskStateChanged { at, service, task, capacity_provider, from, to, stop_reason, revision } => {
                if let Some(&Some(r)) = self.task_run.get(task.index()) {
                    let row = &mut self.scheduled_runs[r];
                    if from == Some(TaskState::Provisioning) {
                        row.longest_provisioning_wait_s =
                            row.longest_provisioning_wait_s.max(at.as_secs_f64() - row.fired_at_s);
                        self.run_tasks_provisioning[r] = self.run_tasks_provisioning[r].saturating_sub(1);
                    }
                    if to == TaskState::Stopped {
                        row.last_stopped_at_s = Some(at.as_secs_f64());
                    }
                    if to == TaskState::Stopping && stop_reason == Some(StopReason::JobCompleted) {
                        row.jobs_completed += 1;
                    }
                    // The first step towards STOPPED says why; only a job done is a success.
                    let stops_now = from.is_some_and(|f| f < TaskState::Deactivating) && to >= TaskState::Deactivating;
                    match stop_reason {
                        Some(reason) if stops_now && reason != StopReason::JobCompleted => {
                            row.job_stopped_early(reason);
                        }
                        _ => {}
                    }
                }
                let end = self.end;
                if from.is_none() {
                    if self.launched_at.len() <= task.index() {
                        self.launched_at.resize(task.index() + 1, None);
                        self.task_service.resize(task.index() + 1, ServiceId(0));
                        self.task_provider.resize(task.index() + 1, CapacityProviderId(0));
                        self.billing_since.resize(task.index() + 1, None);
                        self.task_revision.resize(task.index() + 1, 0);
                        self.task_instance.resize(task.index() + 1, None);
                    }
                    self.task_revision[task.index()] = revision;
                    self.launched_at[task.index()] = Some(at);
                    self.task_service[task.index()] = service;
                    self.task_provider[task.index()] = capacity_provider;
                    self.tasks_launched[service.index()] += u64::from(at < end);
                    let by_revision = &mut self.launched_by_revision[service.index()];
                    if by_revision.len() <= revision as usize {
                        by_revision.resize(revision as usize + 1, 0);
                    }
                    by_revision[revision as usize] += u64::from(at < end);
                }
                let provider = capacity_provider.index();
                let s = &mut self.services[service.index()];
                if s.running_by_revision.len() <= revision as usize {
                    s.running_by_revision.resize(revision as usize + 1, 0);
                }
                if to == TaskState::Running {
                    let v = s.running.value + 1;
                    s.running.set(at, v, end);
                    s.running_by_provider[provider] += 1;
                    s.running_by_revision[revision as usize] += 1;
                    if let Some(d) = self.open_deployment[service.index()] {
                        let d = &mut self.deployments[d];
                        d.peak_running = d.peak_running.max(v);
                    }
                } else if from == Some(TaskState::Running) {
                    let v = s.running.value - 1;
                    s.running.set(at, v, end);
                    s.running_by_provider[provider] -= 1;
                    s.running_by_revision[revision as usize] -= 1;
                }
                // Fargate bills from the image pull (PENDING) until the containers
                // are gone (DEPROVISIONING; model choice: ENI release unbilled), §4.2.
                if to == TaskState::Pending && at < end {
                    let meter = &mut s.billing[provider];
                    meter.advance(at);
                    meter.billing += 1;
                    self.billing_since[task.index()] = Some(at);
                }
                if to == TaskState::Deprovisioning {
                    if let Some(start) = self.billing_since[task.index()].take() {
                        s.billing[provider].stop(start, at.min(end), end);
                    }
                }
                if to == TaskState::Stopped {
                    if let Some(launched) = self.launched_at[task.index()].take() {
                        let nanos = u128::from((at.min(end) - launched.min(end)).as_nanos());
                        self.task_nanos[service.index()] += nanos;
                        s.task_nanos_by_provider[provider] += nanos;
                    }
                    // A STOPPED task gives its instance's room back (§5.2).
                    self.leave_instance(task, at);
                }
                if to == TaskState::Stopping && stop_reason == Some(StopReason::OutOfMemory) {
                    let kills = &mut self.oom_kills_by_revision[service.index()];
                    if kills.len() <= revision as usize {
                        kills.resize(revision as usize + 1, 0);
                    }
                    kills[revision as usize] += 1;
                }
                // The stop reason shows where the stop begins and where it ends.
                let stop_begins_or_ends = to == TaskState::Stopped
                    || to == TaskState::Deactivating
                    || (to == TaskState::Stopping && from != Some(TaskState::Deactivating));
                let detail = match (from, stop_reason) {
                    (None, _) => format!(
                        "(service {}) has started 1 tasks: (task {}) on {}.",
                        self.names[service.index()],
                        task.0,
                        self.provider_names[provider]
                    ),
                    (Some(from), Some(reason)) if stop_begins_or_ends => {
                        format!(
                            "{} → {} (stopCode {}: {})",
                            from.as_str(),
                            to.as_str(),
                            reason.stop_code(),
                            reason.describe()
                        )
                    }
                    (Some(from), _) => format!("{} → {}", from.as_str(), to.as_str()),
                };
                self.event(at, service, Some(task), to.as_str(), detail);
            }
            Observation::HealthyTasksChanged { at, service, healthy_tasks } => {
                self.services[service.index()].healthy = healthy_tasks;
                if let Some(d) = self.open_deployment[service.index()] {
                    let d = &mut self.deployments[d];
                    d.min_healthy = d.min_healthy.min(healthy_tasks);
                }
                self.update_below_desired(service, at);
            }
            Observation::ContainerHealthChanged { at, service, task, health } => {
                let detail = format!("(task {}) essential container health is {}.", task.0, health.as_str());
                self.event(at, service, Some(task), "container_health", detail);
            }
            Observation::TargetHealthChanged { at, service, task, health, healthy_count } => {
                let detail = match health {
                    TargetHealth::Initial => {
                        format!("(service {}) registered 1 targets: (task {}).", self.names[service.index()], task.0)
                    }
                    TargetHealth::Draining => format!(
                        "(service {}) deregistering 1 targets: (task {}); draining.",
                        self.names[service.index()],
                        task.0
                    ),
                    TargetHealth::Unused => format!("target (task {}) deregistered.", task.0),
                    _ => format!("target (task {}) is {}; {} healthy targets.", task.0, health.as_str(), healthy_count),
                };
                self.event(at, service, Some(task), health_event(health), detail);
            }
            Observation::DesiredCountChanged { at, service, desired_count } => {
                self.services[service.index()].desired = desired_count;
                self.update_below_desired(service, at);
                let detail = format!("(service {}) desiredCount set to {desired_count}.", self.names[service.index()]);
                self.event(at, service, None, "desired_count", detail);
            }
            Observation::MinuteClosed {
                start,
                service,
                running_count,
                healthy_count,
                desired_count,
                cpu_utilization,
                requests_in_tasks_integral,
                memory_utilization,
                request_count,
                request_count_per_target,
                backlog_per_task,
                messages_visible,
                age_of_oldest_message,
            } => {
                let s = &mut self.services[service.index()];
                s.requests_in_tasks_integral += requests_in_tasks_integral;
                let row = Self::row(&mut s.rows, start.minute_index());
                row.running_count = running_count;
                row.healthy_count = healthy_count;
                row.desired_count = desired_count;
                row.cpu_utilization = cpu_utilization;
                row.memory_utilization = memory_utilization;
                row.request_count = request_count;
                row.request_count_per_target = request_count_per_target;
                row.backlog_per_task = backlog_per_task;
                row.messages_visible = messages_visible;
                row.age_of_oldest_message = age_of_oldest_message;
                for (p, policy) in self.policies[service.index()].iter().enumerate() {
                    let value = match policy.metric {
                        ServiceMetric::CpuUtilization => cpu_utilization,
                        ServiceMetric::MemoryUtilization => memory_utilization,
                        ServiceMetric::RequestCount => Some(request_count as f64).filter(|&n| n > 0.0),
                        ServiceMetric::RequestCountPerTarget => request_count_per_target,
                        ServiceMetric::ApproximateNumberOfMessagesVisible => messages_visible,
                        ServiceMetric::ApproximateAgeOfOldestMessage => age_of_oldest_message,
                        ServiceMetric::BacklogPerTask => backlog_per_task,
                    };
                    if value.is_some_and(|v| policy.comparison.breaches(v, policy.threshold)) {
                        s.minutes_over_target[p] += 1;
                    }
                }
                row.mean_requests_in_tasks = requests_in_tasks_integral as f64 / 60e9;
                row.running_by_provider.clone_from(&s.running_by_provider);
                row.running_by_revision.clone_from(&s.running_by_revision);
            }
            Observation::SpotInterruptionNotice { at, service, task, source } => {
                self.services[service.index()].tasks_interrupted += 1;
                let detail = if source.starts_with("EC2") {
                    format!("(task {}) interrupted by EC2 Spot ({source}).", task.0)
                } else {
                    format!(
                        "(task {}) Fargate Spot interruption notice ({source}): deregistering and SIGTERM; SIGKILL within 2 minutes.",
                        task.0
                    )
                };
                self.event(at, service, Some(task), "spot_interruption", detail);
            }
            Observation::UnplacedTasksChanged { at, service, capacity_provider, unplaced } => {
                let end = self.end;
                let s = &mut self.services[service.index()];
                s.unplaced[capacity_provider.index()] = unplaced;
                let short = s.unplaced.iter().any(|&n| n > 0);
                match (short, s.capacity_short_since) {
                    (true, None) => s.capacity_short_since = Some(at.min(end)),
                    (false, Some(since)) => {
                        s.capacity_short_nanos += u128::from((at.min(end) - since).as_nanos());
                        s.capacity_short_since = None;
                    }
                    _ => {}
                }
                let name = &self.provider_names[capacity_provider.index()];
                let detail = if unplaced > 0 {
                    format!(
                        "(service {}) was unable to place {unplaced} tasks on {name}: capacity is unavailable at this time.",
                        self.names[service.index()]
                    )
                } else {
                    format!("(service {}) can place tasks on {name} again.", self.names[service.index()])
                };
                self.event(at, service, None, "capacity_unavailable", detail);
            }
            Observation::InstanceStateChanged {
                at,
                capacity_provider,
                instance,
                availability_zone,
                from,
                to,
                reason,
            } => {
                let end = self.end;
                let i = instance.index();
                if self.instance_billing_since.len() <= i {
                    self.instance_billing_since.resize(i + 1, None);
                    self.instance_provider.resize(i + 1, CapacityProviderId(0));
                    self.instance_tasks.resize(i + 1, Vec::new());
                }
                self.instance_provider[i] = capacity_provider;
                if to == InstanceState::Terminated {
                    // Tasks still on it reserve nothing any more.
                    for task in std::mem::take(&mut self.instance_tasks[i]) {
                        self.leave_instance(task, at);
                    }
                }
                let p = &mut self.providers[capacity_provider.index()];
                // EC2 bills from launch to termination (model choice §5.4).
                if from.is_none() {
                    p.instances += 1;
                    p.instances_max = p.instances_max.max(p.instances);
                    p.instances_launched += u64::from(at < end);
                    if at < end {
                        p.billing.advance(at);
                        p.billing.billing += 1;
                        self.instance_billing_since[i] = Some(at);
                    }
                }
                if to == InstanceState::Terminated {
                    p.instances -= 1;
                    p.spot_reclaims += u64::from(reason == "Spot instance reclaimed");
                    if let Some(start) = self.instance_billing_since[i].take() {
                        p.billing.stop(start, at.min(end), end);
                    }
                }
                let instances = p.instances;
                if at < end {
                    let minute = at.minute_index();
                    let row = self.provider_row(capacity_provider, minute);
                    row.instances = instances;
                }
                let detail = format!(
                    "(capacity provider {}) instance {} in AZ {}: {} ({reason}).",
                    self.provider_names[capacity_provider.index()],
                    instance.0,
                    availability_zone,
                    to.as_str()
                );
                self.cluster_event(at, instance_event(to), detail);
            }
            Observation::CapacityProviderReservation {
                at,
                capacity_provider,
                reservation_percent,
                instances_needed,
                instances_in_service,
                desired_capacity,
            } => {
                if at <= self.end && at > SimTime::ZERO {
                    // The datapoint closes the minute before `at`.
                    let minute = at.minute_index() - 1;
                    self.provider_row(capacity_provider, minute).reservation_percent = Some(reservation_percent);
                }
                let _ = (instances_needed, instances_in_service, desired_capacity);
            }
            Observation::DeploymentStateChanged { at, service, ordinal, revision, state, ref reason } => {
                let name = self.names[service.index()].clone();
                let revision_name =
                    self.revision_names[service.index()].get(revision as usize).cloned().unwrap_or_default();
                if state == RolloutState::InProgress {
                    // A new deployment ends the one it replaces.
                    if let Some(d) = self.open_deployment[service.index()].take() {
                        let d = &mut self.deployments[d];
                        if d.ended.is_none() {
                            d.ended = Some(at);
                            d.outcome = "STOPPED";
                        }
                    }
                    let s = &self.services[service.index()];
                    self.open_deployment[service.index()] = Some(self.deployments.len());
                    self.deployments.push(DeploymentSummary {
                        service,
                        ordinal,
                        revision: revision_name.clone(),
                        started: at,
                        ended: None,
                        outcome: state.as_str(),
                        why: reason.clone(),
                        failed_tasks: 0,
                        stuck: false,
                        peak_running: s.running.value,
                        min_healthy: s.healthy,
                        requests: 0,
                        requests_failed: 0,
                    });
                } else if let Some(d) = self.open_deployment[service.index()].take() {
                    let d = &mut self.deployments[d];
                    d.ended = Some(at);
                    d.outcome = state.as_str();
                    d.why = reason.clone();
                }
                let detail =
                    format!("(service {name}) (deployment {ordinal}) {revision_name}: {}: {reason}.", state.as_str());
                self.event(at, service, None, "deployment", detail);
            }
            Observation::TrafficShifted { at, service, ordinal, green_percent, requests_routed, requests_to_green } => {
                let detail = format!(
                    "(service {}) (deployment {ordinal}) production traffic: {green_percent} % to the new revision ({requests_to_green} of {requests_routed} requests so far).",
                    self.names[service.index()]
                );
                self.event(at, service, None, "traffic_shift", detail);
            }
            Observation::DeploymentStuck { at, service, ordinal } => {
                if let Some(d) = self.open_deployment[service.index()] {
                    self.deployments[d].stuck = true;
                }
                let detail = format!(
                    "(service {}) (deployment {ordinal}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.",
                    self.names[service.index()]
                );
                self.event(at, service, None, "deployment_stuck", detail);
            }
            Observation::DeploymentTaskFailed { at, service, ordinal, task, failures, threshold } => {
                if let Some(d) = self.open_deployment[service.index()] {
                    self.deployments[d].failed_tasks += 1;
                }
                let detail = format!(
                    "(service {}) (deployment {ordinal}) task {} failed: circuit breaker count {failures} of threshold {threshold}.",
                    self.names[service.index()],
                    task.0
                );
                self.event(at, service, Some(task), "deployment_task_failed", detail);
            }
            Observation::TaskPlaced { at, service, task, instance, availability_zone } => {
                let size = self.reservation_size(task);
                let provider = self.task_provider[task.index()].index();
                if let Some(meter) = self.reservations.get_mut(provider).and_then(|m| m.get_mut(service.index())) {
                    meter.change(at.min(self.end), size, true);
                }
                self.task_instance[task.index()] = Some(instance);
                self.instance_tasks[instance.index()].push(task);
                let detail = format!("(task {}) placed on instance {} in AZ {availability_zone}.", task.0, instance.0);
                self.event(at, service, Some(task), "task_placed", detail);
            }
            Observation::SpotReplayShort { at, row, asked, found } => {
                let detail = format!(
                    "replayed interruption row {}: {asked} Spot tasks named, {found} running to take.",
                    row + 1
                );
                self.cluster_event(at, "spot_replay_short", detail);
            }
            Observation::InstanceSpotNotice { at, capacity_provider, instance } => {
                let detail = format!(
                    "(capacity provider {}) instance {}: EC2 Spot interruption notice; reclaimed in 2 minutes.",
                    self.provider_names[capacity_provider.index()],
                    instance.0
                );
                self.cluster_event(at, "instance_spot_notice", detail);
            }
            Observation::AsgDesiredCapacityChanged { at, capacity_provider, from, to, ref cause } => {
                let detail = format!(
                    "(capacity provider {}) managed scaling: desired capacity {from} → {to}. {cause}",
                    self.provider_names[capacity_provider.index()]
                );
                self.cluster_event(at, "asg_desired_capacity", detail);
            }
            Observation::PolicyEvaluated { at, service, policy, metric, alarm_high, alarm_low } => {
                let row = Self::row(&mut self.services[service.index()].rows, at.minute_index());
                let p = policy as usize;
                if row.policies.len() <= p {
                    row.policies.resize(
                        p + 1,
                        PolicyMinute { metric: None, alarm_high: AlarmState::InsufficientData, alarm_low: None },
                    );
                }
                row.policies[p] = PolicyMinute { metric, alarm_high, alarm_low };
            }
            Observation::AlarmStateChanged { at, service, policy, alarm, ref reason, .. } => {
                let detail = format!("{} {}: {reason}", self.policy_name(service, policy), alarm.as_str());
                self.event(at, service, None, "alarm_state", detail);
            }
            Observation::ScalingActivity { at, service, policy, from, to, ref cause } => {
                let s = &mut self.services[service.index()];
                if to > from {
                    s.scale_out_activities += 1;
                } else {
                    s.scale_in_activities += 1;
                }
                let by = policy.map_or_else(|| "scheduled".to_string(), |p| self.policy_name(service, p));
                let detail = format!("{by}: desired {from} → {to}. {cause}");
                self.event(at, service, None, "scaling_activity", detail);
            }
            Observation::ScheduledActionFailed { at, service, ref name, ref reason } => {
                let detail = format!("scheduled action {name} failed: {reason}");
                self.event(at, service, None, "scheduled_action_failed", detail);
            }
            Observation::ScheduledActionRan { at, service, ref name, min_capacity, max_capacity } => {
                let detail = format!("scheduled action {name}: MinCapacity {min_capacity}, MaxCapacity {max_capacity}");
                self.event(at, service, None, "scheduled_action", detail);
            }
            Observation::ScalingSkipped { at, service, policy, ref reason } => {
                let detail = format!("{}: {reason}", self.policy_name(service, policy));
                self.event(at, service, None, "scaling_skipped", detail);
            }
        }
    }
}

fn instance_event(state: InstanceState) -> &'static str {
    match state {
        InstanceState::Launching => "instance_launched",
        InstanceState::Active => "instance_registered",
        InstanceState::Draining => "instance_draining",
        InstanceState::Terminated => "instance_terminated",
    }
}

fn health_event(health: TargetHealth) -> &'static str {
    match health {
        TargetHealth::Initial => "target_registered",
        TargetHealth::Healthy => "target_healthy",
        TargetHealth::Unhealthy => "target_unhealthy",
        TargetHealth::Draining => "target_draining",
        TargetHealth::Unused => "target_deregistered",
    }
}
