//! One scenario × one seed: builds the world, merges the arrival stream with
//! the event queue, steps to the end and drains. No files (it receives an
//! opened stream), no threads.

use crate::cost::{self, Bill, MissingPrice};
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::config::ClusterConfig;
use crate::model::{Observer, World};
use crate::observe::{Collector, RunFigures};
use crate::scenario::Scenario;
use crate::traffic::{self, Arrivals};

/// Runs the cluster for `duration` on `arrivals`, then lets requests in flight
/// finish (at most one ALB idle timeout more: after that the ALB has answered
/// 504). At equal times, scheduled events run before arrivals.
pub fn simulate<O: Observer>(
    cluster: &ClusterConfig,
    seed: u64,
    duration: SimDuration,
    arrivals: &mut Arrivals,
    observer: O,
) -> Result<O, traffic::Error> {
    let end = SimTime::ZERO + duration;
    let mut world = World::new(cluster.clone(), seed, duration, observer);
    let mut next_arrival = arrivals.next_arrival()?;
    loop {
        let next_event = world.next_event_time();
        match next_arrival {
            Some(arrival) if next_event.is_none_or(|at| arrival.at < at) => {
                world.handle_arrival(arrival);
                next_arrival = arrivals.next_arrival()?;
            }
            _ => match next_event {
                Some(at) if at <= end => {
                    world.step();
                }
                _ => break,
            },
        }
    }
    let drain_end = end + cluster.load_balancer.idle_timeout;
    while world.unanswered() > 0 {
        match world.next_event_time() {
            Some(at) if at <= drain_end => world.step(),
            _ => break,
        };
    }
    world.finish(drain_end);
    Ok(world.into_observer())
}

/// What one run of a scenario produced.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub seed: u64,
    pub figures: RunFigures,
    pub bill: Bill,
    /// The cluster's bill so far at the end of each simulated minute, USD.
    pub cumulative_cost_usd: Vec<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Traffic(#[from] traffic::Error),
    #[error(transparent)]
    Price(#[from] MissingPrice),
}

/// Opens the scenario's traffic, runs it with the full collector and bills it.
pub fn simulate_scenario(scenario: &Scenario, seed: Option<u64>) -> Result<RunOutput, Error> {
    simulate_scenario_with(scenario, seed, NoExtra).map(|(output, NoExtra)| output)
}

/// No observer beside the collector.
struct NoExtra;

impl Observer for NoExtra {
    #[inline]
    fn observe(&mut self, _: &crate::model::Observation) {}
}

/// [`simulate_scenario`], with `extra` observing the run beside the collector
/// (`validate-model`'s per-minute figures).
pub fn simulate_scenario_with<O: Observer>(
    scenario: &Scenario,
    seed: Option<u64>,
    extra: O,
) -> Result<(RunOutput, O), Error> {
    let seed = seed.unwrap_or(scenario.seed);
    let end = SimTime::ZERO + scenario.duration;
    let mut arrivals = Arrivals::open(&scenario.traffic, &RngStreams::new(seed), end)?;
    let collector = Collector::for_cluster(&scenario.cluster, end);
    let (collector, extra) = simulate(&scenario.cluster, seed, scenario.duration, &mut arrivals, (collector, extra))?;
    let figures = collector.finish();
    let bill = cost::bill(&scenario.cluster, &figures.usage, &scenario.prices)?;
    let cumulative_cost_usd = cumulative_cost(scenario, &figures)?;
    Ok((RunOutput { seed, figures, bill, cumulative_cost_usd }, extra))
}

/// The bill as it grows, minute by minute: task and instance time as it is
/// billed (each one's rounding and minimum in the minute it stops), each ALB-hour at its
/// start and its LCUs at its end (or the run's). The last minute's figure is
/// the bill's total, up to floating-point rounding.
fn cumulative_cost(scenario: &Scenario, figures: &RunFigures) -> Result<Vec<f64>, MissingPrice> {
    let rates = cost::task_usd_per_second(&scenario.cluster, &scenario.prices)?;
    let instance_rates = cost::instance_usd_per_second(&scenario.cluster, &scenario.prices)?;
    let minutes = scenario.duration.as_nanos().div_ceil(60_000_000_000) as usize;
    let alb = scenario.prices.alb_usd_per_hour.as_ref().map_or(0.0, |p| p.usd * discount(scenario, "alb_hours"));
    let lcu = scenario.prices.lcu_usd_per_hour.as_ref().map_or(0.0, |p| p.usd * discount(scenario, "alb_lcu_hours"));
    let alb_ipv4 = f64::from(scenario.cluster.load_balancer.public_ipv4_addresses)
        * scenario
            .prices
            .public_ipv4_usd_per_hour
            .as_ref()
            .map_or(0.0, |p| p.usd * discount(scenario, "alb_public_ipv4_hours"));
    // No ALB at all when no service is behind it (queue workers only).
    let alb = if figures.usage.alb_hours.is_empty() { 0.0 } else { alb + alb_ipv4 };
    let mut total = 0.0;
    let mut out = Vec::with_capacity(minutes);
    for minute in 0..minutes {
        if minute % 60 == 0 {
            total += alb;
        }
        for (rows, service_rates) in figures.minutes.iter().zip(&rates) {
            if let Some(row) = rows.get(minute) {
                for (&nanos, rate) in row.billed_task_nanos_by_provider.iter().zip(service_rates) {
                    total += nanos as f64 / 1e9 * rate;
                }
            }
        }
        for (provider, rate) in figures.providers.iter().zip(&instance_rates) {
            if let Some(row) = provider.minutes.get(minute) {
                total += row.billed_instance_nanos as f64 / 1e9 * rate;
            }
        }
        if minute % 60 == 59 || minute + 1 == minutes {
            total += figures.usage.alb_hours.get(minute / 60).map_or(0.0, |h| h.lcus() * lcu);
        }
        out.push(total);
    }
    Ok(out)
}

fn discount(scenario: &Scenario, key: &str) -> f64 {
    1.0 - scenario.prices.discount_percent.get(key).copied().unwrap_or(0.0) / 100.0
}
