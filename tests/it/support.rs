//! Helpers every test goes through, so that API churn touches one file.

use fleetsim::engine::{RngStreams, SimTime};
use fleetsim::model::{Observation, TaskId, TaskState};
use fleetsim::observe::{Collector, RunFigures};
use fleetsim::scenario::{self, Scenario};
use fleetsim::traffic::Arrivals;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Parses scenario text as if it were a file in `tests/scenarios/`.
pub fn scenario(text: &str) -> Scenario {
    match scenario::parse(text, &scenarios_dir().join("inline.toml")) {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid: {}", e.lines().join("\n")),
    }
}

pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

/// Runs scenario text; returns the figures and every observation in order.
pub fn run_observed(text: &str) -> (RunFigures, Vec<Observation>) {
    run_scenario_observed(&scenario(text), None)
}

pub fn run_scenario_observed(s: &Scenario, seed: Option<u64>) -> (RunFigures, Vec<Observation>) {
    let seed = seed.unwrap_or(s.seed);
    let end = SimTime::ZERO + s.duration;
    let mut arrivals = Arrivals::open(&s.traffic, &RngStreams::new(seed), end).expect("traffic opens");
    let collector = Collector::for_cluster(&s.cluster, end);
    let (collector, observations) =
        fleetsim::run::simulate(&s.cluster, seed, s.duration, &mut arrivals, (collector, Vec::new()))
            .expect("run succeeds");
    (collector.finish(), observations)
}

/// Runs scenario text through the collector only (fast path for long runs).
pub fn run(text: &str) -> RunFigures {
    fleetsim::run::simulate_scenario(&scenario(text), None).expect("run succeeds").figures
}

/// The real binary, for tests of what a user types.
pub fn fleetsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fleetsim"))
}

/// (time, task) of every task launch.
pub fn launches(observations: &[Observation]) -> Vec<(SimTime, TaskId)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, task, from: None, .. } => Some((at, task)),
            _ => None,
        })
        .collect()
}

/// (time, new state) of every task state change.
pub fn state_changes(observations: &[Observation]) -> Vec<(SimTime, TaskState)> {
    observations
        .iter()
        .filter_map(|o| match *o {
            Observation::TaskStateChanged { at, to, .. } => Some((at, to)),
            _ => None,
        })
        .collect()
}
