//! One scenario × one seed: builds the world, merges the arrival stream with
//! the event queue, steps to the end and drains. No files (it receives an
//! opened stream), no threads.

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
}

/// Opens the scenario's traffic and runs it with the full collector.
pub fn simulate_scenario(scenario: &Scenario, seed: Option<u64>) -> Result<RunOutput, traffic::Error> {
    let seed = seed.unwrap_or(scenario.seed);
    let end = SimTime::ZERO + scenario.duration;
    let mut arrivals = Arrivals::open(&scenario.traffic, &RngStreams::new(seed), end)?;
    let collector = Collector::for_cluster(&scenario.cluster, end);
    let collector = simulate(&scenario.cluster, seed, scenario.duration, &mut arrivals, collector)?;
    Ok(RunOutput { seed, figures: collector.finish() })
}
