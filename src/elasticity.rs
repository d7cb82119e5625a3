//! Elasticity figures as the SPEC Research Group defines them (Herbst et al.,
//! "Ready for Rain? A View from SPEC Research on the Future of Cloud
//! Metrics", 2016): how closely supply followed demand. Demand is the tasks
//! each minute's arriving load needs at the scaling policy's target; supply
//! is the healthy tasks at the minute's end. Pure.

use crate::model::config::{PredefinedMetric, ServiceConfig};

/// Percentages over the run's minutes, and adaptations per hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elasticity {
    /// Mean shortfall of supply below demand, relative to demand (θ_U, %).
    pub under_provisioning_accuracy: f64,
    /// Mean excess of supply over demand, relative to demand (θ_O, %).
    pub over_provisioning_accuracy: f64,
    /// Share of minutes with supply below demand (τ_U, %).
    pub under_provisioning_timeshare: f64,
    /// Share of minutes with supply above demand (τ_O, %).
    pub over_provisioning_timeshare: f64,
    /// Share of minute-to-minute steps where supply and demand move in
    /// different directions (υ, %).
    pub instability: f64,
    /// Supply changes minus demand changes, per hour (j): positive when
    /// supply adapts more often than demand asks.
    pub jitter_per_hour: f64,
}

/// The tasks a minute's load needs: vCPU of work at the CPU target, requests
/// at the RequestCountPerTarget target, else (memory, none) at 100 % CPU.
/// None when requests carry their own service time (no mean to work from).
pub fn demand_per_minute(service: &ServiceConfig, arrivals: &[u64]) -> Option<Vec<u32>> {
    let task = &service.task;
    let mean_demand_s = task.service_time.mean_secs();
    let task_vcpu = f64::from(task.cpu_units) / 1024.0;
    let vcpu_per_request = f64::from(task.vcpu_per_request_millis) / 1000.0;
    let policy = service.auto_scaling.as_ref().and_then(|a| a.target_tracking.first());
    let per_request_target = policy.filter(|p| p.metric == PredefinedMetric::AlbRequestCountPerTarget);
    if per_request_target.is_none() && mean_demand_s <= 0.0 {
        return None;
    }
    let cpu_share = match policy.map(|p| p.metric) {
        Some(PredefinedMetric::EcsServiceAverageCpuUtilization)
        | Some(PredefinedMetric::EcsServiceAverageCpuUtilizationHighResolution) => {
            policy.map_or(1.0, |p| p.target_value / 100.0)
        }
        _ => 1.0,
    };
    Some(
        arrivals
            .iter()
            .map(|&n| {
                let needed = match per_request_target {
                    Some(p) => n as f64 / p.target_value,
                    None => n as f64 / 60.0 * mean_demand_s * vcpu_per_request / (task_vcpu * cpu_share),
                };
                // A hair below an integer is that integer (floating-point noise).
                (needed - 1e-9).ceil().max(0.0) as u32
            })
            .collect(),
    )
}

/// The figures for minute-by-minute demand and supply (equal lengths).
pub fn elasticity(demand: &[u32], supply: &[u32]) -> Option<Elasticity> {
    let t = demand.len().min(supply.len());
    if t == 0 {
        return None;
    }
    let (mut under, mut over, mut under_minutes, mut over_minutes) = (0.0, 0.0, 0, 0);
    for (&d, &s) in demand.iter().zip(supply).take(t) {
        let base = f64::from(d.max(1));
        under += f64::from(d.saturating_sub(s)) / base;
        over += f64::from(s.saturating_sub(d)) / base;
        under_minutes += usize::from(s < d);
        over_minutes += usize::from(s > d);
    }
    let sign = |a: u32, b: u32| (i64::from(b) - i64::from(a)).signum();
    let (mut unstable, mut supply_changes, mut demand_changes) = (0usize, 0i64, 0i64);
    for i in 1..t {
        let (ds, dd) = (sign(supply[i - 1], supply[i]), sign(demand[i - 1], demand[i]));
        unstable += usize::from(ds != dd);
        supply_changes += i64::from(ds != 0);
        demand_changes += i64::from(dd != 0);
    }
    let minutes = t as f64;
    Some(Elasticity {
        under_provisioning_accuracy: 100.0 * under / minutes,
        over_provisioning_accuracy: 100.0 * over / minutes,
        under_provisioning_timeshare: 100.0 * under_minutes as f64 / minutes,
        over_provisioning_timeshare: 100.0 * over_minutes as f64 / minutes,
        instability: if t > 1 { 100.0 * unstable as f64 / (t - 1) as f64 } else { 0.0 },
        jitter_per_hour: (supply_changes - demand_changes) as f64 / (minutes / 60.0),
    })
}

/// Each service's figures over a run's whole minutes (`minutes[s]` its
/// rows): arrivals give demand, healthy tasks at each minute's end supply.
/// None for a service whose requests carry their own service times.
pub fn of_services(
    scenario: &crate::scenario::Scenario,
    minutes: &[Vec<crate::observe::MinuteRow>],
) -> Vec<Option<Elasticity>> {
    let whole = (scenario.duration.as_nanos() / 60_000_000_000) as usize;
    scenario
        .cluster
        .services
        .iter()
        .zip(minutes)
        .map(|(config, rows)| {
            let rows = &rows[..whole.min(rows.len())];
            let arrivals: Vec<u64> = rows.iter().map(|r| r.arrivals).collect();
            let supply: Vec<u32> = rows.iter().map(|r| r.healthy_count).collect();
            elasticity(&demand_per_minute(config, &arrivals)?, &supply)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand over 4 minutes: demand 2, 4, 4, 2; supply 2, 2, 5, 3.
    /// Under: (0 + 2/4 + 0 + 0) / 4 = 12.5 %; over: (0 + 0 + 1/4 + 1/2) / 4 =
    /// 18.75 %; timeshares 25 % and 50 %. Steps: demand +, 0, −; supply 0, +, −:
    /// directions differ in 2 of 3 (66.7 %). Changes: supply 2, demand 2 →
    /// jitter 0.
    #[test]
    fn spec_metrics_by_hand() {
        let e = elasticity(&[2, 4, 4, 2], &[2, 2, 5, 3]).expect("figures");
        assert!((e.under_provisioning_accuracy - 12.5).abs() < 1e-12);
        assert!((e.over_provisioning_accuracy - 18.75).abs() < 1e-12);
        assert_eq!((e.under_provisioning_timeshare, e.over_provisioning_timeshare), (25.0, 50.0));
        assert!((e.instability - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(e.jitter_per_hour, 0.0);
        assert_eq!(elasticity(&[], &[]), None);
    }
}
