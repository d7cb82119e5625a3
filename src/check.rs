//! Policy regression checks: a scenario's `[expect]` bounds, measured on runs
//! over several seeds and summarised across them (mean, a quantile, the
//! worst). Pure: runs come in, verdicts go out; `cli::check` runs the seeds
//! and `report` writes JUnit XML.

use crate::run::RunOutput;
use crate::scenario::Scenario;

/// What an expectation bounds, measured on one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Requests that reached the ALB.
    Requests,
    /// Succeeded requests over all, 0–1.
    Availability,
    LatencyP50Ms,
    LatencyP99Ms,
    /// Mean time succeeded requests waited in a task's queue (Wq), ms.
    MeanQueueTimeMs,
    CostUsd,
    CostPerMillionRequestsUsd,
    FailedRequests,
    /// Scaling activities that raised desiredCount, per simulated hour.
    ScaleOutsPerHour,
    TaskHours,
    /// Minutes with tasks unplaced (a Spot drought, EC2 waiting for instances).
    CapacityShortMinutes,
    TasksInterrupted,
    /// The longest deployment; infinite when one did not complete.
    DeploymentDurationS,
    /// SPEC's elasticity figures (`crate::elasticity`), the worst service's:
    /// minutes with too few healthy tasks for the load, with too many (%),
    /// and steps where supply and demand moved apart (%).
    UnderProvisioningTimesharePercent,
    OverProvisioningTimesharePercent,
    InstabilityPercent,
}

impl Metric {
    pub const ALL: [Metric; 16] = [
        Metric::Requests,
        Metric::Availability,
        Metric::LatencyP50Ms,
        Metric::LatencyP99Ms,
        Metric::MeanQueueTimeMs,
        Metric::CostUsd,
        Metric::CostPerMillionRequestsUsd,
        Metric::FailedRequests,
        Metric::ScaleOutsPerHour,
        Metric::TaskHours,
        Metric::CapacityShortMinutes,
        Metric::TasksInterrupted,
        Metric::DeploymentDurationS,
        Metric::UnderProvisioningTimesharePercent,
        Metric::OverProvisioningTimesharePercent,
        Metric::InstabilityPercent,
    ];

    /// Its place in [`Metric::ALL`]: the column of a run's figures.
    pub fn index(self) -> usize {
        Metric::ALL.iter().position(|&m| m == self).unwrap_or(0)
    }

    /// The `[expect]` key.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Requests => "requests",
            Metric::Availability => "availability",
            Metric::LatencyP50Ms => "latency_p50_ms",
            Metric::LatencyP99Ms => "latency_p99_ms",
            Metric::MeanQueueTimeMs => "mean_queue_time_ms",
            Metric::CostUsd => "cost_usd",
            Metric::CostPerMillionRequestsUsd => "cost_per_million_requests_usd",
            Metric::FailedRequests => "failed_requests",
            Metric::ScaleOutsPerHour => "scale_outs_per_hour",
            Metric::TaskHours => "task_hours",
            Metric::CapacityShortMinutes => "capacity_short_minutes",
            Metric::TasksInterrupted => "tasks_interrupted",
            Metric::DeploymentDurationS => "deployment_duration_s",
            Metric::UnderProvisioningTimesharePercent => "under_provisioning_timeshare_percent",
            Metric::OverProvisioningTimesharePercent => "over_provisioning_timeshare_percent",
            Metric::InstabilityPercent => "instability_percent",
        }
    }

    /// The values the metric can take: a share 0–1, a percentage 0–100, else
    /// any figure ≥ 0. A bound outside it could never hold.
    pub fn possible_range(self) -> (f64, f64) {
        match self {
            Metric::Availability => (0.0, 1.0),
            Metric::UnderProvisioningTimesharePercent
            | Metric::OverProvisioningTimesharePercent
            | Metric::InstabilityPercent => (0.0, 100.0),
            _ => (0.0, f64::INFINITY),
        }
    }

    /// The metric's value on one run of `scenario`, for the whole cluster
    /// or for one service (by its index in the scenario).
    pub fn measure_for(self, output: &RunOutput, scenario: &Scenario, service: Option<usize>) -> f64 {
        match service {
            None => self.measure(output, scenario),
            Some(index) => self.measure_service(output, scenario, index),
        }
    }

    /// The metric's value for one service: its own requests (calls from
    /// other services included), latency, tasks and scaling, its share of
    /// the bill (`summary.json`'s allocation), its deployments, its
    /// elasticity figures.
    fn measure_service(self, output: &RunOutput, scenario: &Scenario, index: usize) -> f64 {
        let simulated_hours = scenario.duration.as_secs_f64() / 3600.0;
        let f = &output.figures;
        let Some(s) = f.services.get(index) else { return f64::NAN };
        let cost = || {
            output
                .bill
                .allocation
                .services
                .get(index)
                .map_or(f64::NAN, |c| c.fargate_usd + c.ec2_allocated_usd + c.shared_usd)
        };
        let elasticity = |pick: fn(&crate::elasticity::Elasticity) -> f64| {
            crate::elasticity::of_services(scenario, &f.minutes).get(index).and_then(|e| e.as_ref()).map_or(0.0, pick)
        };
        match self {
            Metric::Requests => s.requests.total as f64,
            Metric::Availability => s.requests.availability(),
            Metric::LatencyP50Ms => s.latency.p50_ms,
            Metric::LatencyP99Ms => s.latency.p99_ms,
            Metric::MeanQueueTimeMs => s.queue_time.mean_ms,
            Metric::CostUsd => cost(),
            Metric::CostPerMillionRequestsUsd => {
                if s.requests.total == 0 {
                    0.0
                } else {
                    cost() / s.requests.total as f64 * 1e6
                }
            }
            Metric::FailedRequests => s.requests.failed() as f64,
            Metric::ScaleOutsPerHour => s.scale_out_activities as f64 / simulated_hours.max(1e-9),
            Metric::TaskHours => s.task_hours,
            Metric::CapacityShortMinutes => s.capacity_short_minutes,
            Metric::TasksInterrupted => s.tasks_interrupted as f64,
            Metric::DeploymentDurationS => {
                longest_deployment(f.deployments.iter().filter(|d| d.service.index() == index))
            }
            Metric::UnderProvisioningTimesharePercent => elasticity(|e| e.under_provisioning_timeshare),
            Metric::OverProvisioningTimesharePercent => elasticity(|e| e.over_provisioning_timeshare),
            Metric::InstabilityPercent => elasticity(|e| e.instability),
        }
    }

    /// The metric's value on one run of `scenario`, for the whole cluster.
    pub fn measure(self, output: &RunOutput, scenario: &Scenario) -> f64 {
        let simulated_hours = scenario.duration.as_secs_f64() / 3600.0;
        let f = &output.figures;
        // The worst service's elasticity figure; 0 when none can be computed.
        let elasticity = |pick: fn(&crate::elasticity::Elasticity) -> f64| {
            crate::elasticity::of_services(scenario, &f.minutes).iter().flatten().map(pick).fold(0.0, f64::max)
        };
        let services = || f.services.iter();
        match self {
            Metric::Requests => f.requests.total as f64,
            Metric::Availability => f.requests.availability(),
            Metric::LatencyP50Ms => f.latency.p50_ms,
            Metric::LatencyP99Ms => f.latency.p99_ms,
            Metric::MeanQueueTimeMs => {
                // Exact means, weighted by each service's succeeded requests.
                let count: u64 = services().map(|s| s.queue_time.count).sum();
                let total: f64 = services().map(|s| s.queue_time.mean_ms * s.queue_time.count as f64).sum();
                if count == 0 {
                    0.0
                } else {
                    total / count as f64
                }
            }
            Metric::CostUsd => output.bill.total_usd,
            Metric::CostPerMillionRequestsUsd => {
                if f.requests.total == 0 {
                    0.0
                } else {
                    output.bill.total_usd / f.requests.total as f64 * 1e6
                }
            }
            Metric::FailedRequests => f.requests.failed() as f64,
            Metric::ScaleOutsPerHour => {
                services().map(|s| s.scale_out_activities).sum::<u64>() as f64 / simulated_hours.max(1e-9)
            }
            Metric::TaskHours => services().map(|s| s.task_hours).sum(),
            Metric::CapacityShortMinutes => services().map(|s| s.capacity_short_minutes).sum(),
            Metric::TasksInterrupted => services().map(|s| s.tasks_interrupted).sum::<u64>() as f64,
            Metric::DeploymentDurationS => longest_deployment(f.deployments.iter()),
            Metric::UnderProvisioningTimesharePercent => elasticity(|e| e.under_provisioning_timeshare),
            Metric::OverProvisioningTimesharePercent => elasticity(|e| e.over_provisioning_timeshare),
            Metric::InstabilityPercent => elasticity(|e| e.instability),
        }
    }
}

/// The longest of these deployments, in seconds; infinite when one did not
/// complete; 0 when there were none.
fn longest_deployment<'a>(deployments: impl Iterator<Item = &'a crate::observe::DeploymentSummary>) -> f64 {
    deployments
        .map(|d| match (d.outcome, d.ended) {
            ("COMPLETED", Some(end)) => (end - d.started).as_secs_f64(),
            _ => f64::INFINITY,
        })
        .fold(0.0, f64::max)
}

/// How the runs over seeds are summarised into the figure checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Statistic {
    Mean,
    Min,
    Max,
    /// A quantile, 0–1, by the nearest-rank rule (0.5: the median).
    Quantile(f64),
}

impl Statistic {
    pub fn describe(self, seeds: usize) -> String {
        let of = if seeds == 1 { "1 seed".to_string() } else { format!("{seeds} seeds") };
        match self {
            Statistic::Mean => format!("mean of {of}"),
            Statistic::Min => format!("min of {of}"),
            Statistic::Max => format!("max of {of}"),
            Statistic::Quantile(q) => format!("p{} of {of}", (q * 100.0).round()),
        }
    }

    pub fn apply(self, values: &[f64]) -> f64 {
        if values.is_empty() {
            return f64::NAN;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        match self {
            // An infinite value (a deployment that never completed) stays infinite.
            Statistic::Mean => sorted.iter().sum::<f64>() / sorted.len() as f64,
            Statistic::Min => sorted[0],
            Statistic::Max => sorted[sorted.len() - 1],
            Statistic::Quantile(q) => {
                let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
                sorted[rank.min(sorted.len()) - 1]
            }
        }
    }
}

/// One `[expect]` bound.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    pub metric: Metric,
    /// The service it bounds (`[expect.services.<name>]`); None: the cluster.
    pub service: Option<ServiceScope>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub over: Statistic,
}

/// A service an expectation bounds: its index in the scenario, and its name.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceScope {
    pub index: usize,
    pub name: String,
}

impl Expectation {
    /// Its figure on one run.
    pub fn measure(&self, output: &RunOutput, scenario: &Scenario) -> f64 {
        self.metric.measure_for(output, scenario, self.service.as_ref().map(|s| s.index))
    }

    /// Whether `measured` (over the seeds) is within the bounds.
    pub fn holds(&self, measured: f64) -> bool {
        !measured.is_nan() && self.min.is_none_or(|lo| measured >= lo) && self.max.is_none_or(|hi| measured <= hi)
    }

    /// `latency_p99_ms`, or `api.latency_p99_ms` for a service's bound.
    pub fn key(&self) -> String {
        match &self.service {
            None => self.metric.key().to_string(),
            Some(s) => format!("{}.{}", s.name, self.metric.key()),
        }
    }
}

/// A scenario's `[expect]` table: its bounds and how many seeds to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectations {
    pub seeds: u32,
    pub checks: Vec<Expectation>,
}

/// An expectation's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub expectation: Expectation,
    pub seeds: usize,
    /// The figure across seeds, and each seed's.
    pub measured: f64,
    pub per_seed: Vec<f64>,
    pub passed: bool,
}

impl Verdict {
    /// `latency_p99_ms ≤ 300 (mean of 5 seeds)`.
    pub fn name(&self) -> String {
        let e = &self.expectation;
        let bound = match (e.min, e.max) {
            (Some(lo), Some(hi)) => format!("in [{lo}, {hi}]"),
            (Some(lo), None) => format!("≥ {lo}"),
            (None, Some(hi)) => format!("≤ {hi}"),
            (None, None) => "measured".to_string(),
        };
        format!("{} {bound} ({})", e.key(), e.over.describe(self.seeds))
    }

    /// `measured 410.2`, with each seed's figure when there are several.
    pub fn measured_text(&self) -> String {
        let shown = |v: f64| if v.is_infinite() { "not completed".to_string() } else { format!("{v:.6}") };
        let mut text = format!("measured {}", shown(self.measured));
        if self.per_seed.len() > 1 {
            let each: Vec<String> = self.per_seed.iter().map(|&v| shown(v)).collect();
            text.push_str(&format!(" (seeds: {})", each.join(", ")));
        }
        text
    }
}

/// Each expectation measured on `runs` (one per seed, in seed order).
pub fn evaluate(expectations: &Expectations, runs: &[RunOutput], scenario: &Scenario) -> Vec<Verdict> {
    expectations
        .checks
        .iter()
        .map(|e| {
            let per_seed: Vec<f64> = runs.iter().map(|r| e.measure(r, scenario)).collect();
            let measured = e.over.apply(&per_seed);
            let passed = e.holds(measured);
            Verdict { expectation: e.clone(), seeds: runs.len(), measured, per_seed, passed }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_across_seeds() {
        let v = [3.0, 1.0, 4.0, 1.0, 5.0];
        assert_eq!(Statistic::Mean.apply(&v), 2.8);
        assert_eq!(Statistic::Min.apply(&v), 1.0);
        assert_eq!(Statistic::Max.apply(&v), 5.0);
        // Nearest rank: p50 of 5 → the 3rd smallest; p90 → the 5th.
        assert_eq!(Statistic::Quantile(0.5).apply(&v), 3.0);
        assert_eq!(Statistic::Quantile(0.9).apply(&v), 5.0);
        assert_eq!(Statistic::Quantile(0.2).apply(&v), 1.0);
        assert!(Statistic::Mean.apply(&[1.0, f64::INFINITY]).is_infinite());
    }
}
