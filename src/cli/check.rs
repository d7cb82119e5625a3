//! `fleetsim check FILE… [--junit FILE]`: runs each scenario over the seeds
//! its `[expect]` table asks for (all runs in parallel), prints a PASS or
//! FAIL line per expectation with the measured figure, writes JUnit XML, and
//! exits 1 when any expectation fails.

use crate::{check, report, run, scenario};
use rayon::prelude::*;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files with an [expect] table.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Also write the verdicts as JUnit XML here, for CI systems.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Run this many seeds instead of each [expect] table's `seeds`.
    #[arg(long)]
    pub seeds: Option<u32>,
}

/// Exit code when an expectation fails (2 is bad input).
const EXIT_CHECK_FAILED: u8 = 1;

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    let mut problems = Vec::new();
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        match scenario::load(path) {
            Ok(s) if s.expect.is_none() => problems.push(format!(
                "{}: no [expect] table: give at least one bound, such as availability = {{ min = 0.999 }}",
                path.display()
            )),
            Ok(s) => scenarios.push(s),
            Err(e) => problems.extend(e.lines()),
        }
    }
    if let Some(n) = args.seeds.filter(|&n| n == 0 || n > 1000) {
        problems.push(format!("--seeds: expected 1–1000, found {n}"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Every (scenario, seed) run, in a fixed order; rayon's `collect` keeps it,
    // so the verdicts are the same bytes on any number of threads.
    let jobs: Vec<(usize, u64)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let seeds = args.seeds.unwrap_or_else(|| s.expect.as_ref().map_or(1, |e| e.seeds));
            (0..u64::from(seeds)).map(move |k| (i, s.seed.wrapping_add(k)))
        })
        .collect();
    #[allow(clippy::disallowed_methods)] // wall time of the runs, for the terminal only
    let started = std::time::Instant::now();
    let outputs: Vec<Result<run::RunOutput, String>> = jobs
        .par_iter()
        .map(|&(i, seed)| run::simulate_scenario(&scenarios[i], Some(seed)).map_err(|e| e.to_string()))
        .collect();
    let wall = started.elapsed().as_secs_f64();
    let mut runs: Vec<Vec<run::RunOutput>> = scenarios.iter().map(|_| Vec::new()).collect();
    for (&(i, _), output) in jobs.iter().zip(outputs) {
        runs[i].push(output.map_err(|e| vec![e])?);
    }
    let suites: Vec<(String, Vec<check::Verdict>)> = scenarios
        .iter()
        .zip(&runs)
        .map(|(s, outputs)| {
            let expectations = s.expect.as_ref().expect("checked above");
            (s.name.clone(), check::evaluate(expectations, outputs, s))
        })
        .collect();
    let total: usize = suites.iter().map(|s| s.1.len()).sum();
    let failed: usize = suites.iter().map(|s| s.1.iter().filter(|v| !v.passed).count()).sum();
    let mut text = format!(
        "fleetsim check: {} scenarios, {total} expectations, {} runs in {wall:.2} s\n",
        scenarios.len(),
        jobs.len()
    );
    for (name, verdicts) in &suites {
        for v in verdicts {
            let mark = if v.passed { "PASS" } else { "FAIL" };
            text.push_str(&format!("{mark}  {name}: {}: {}\n", v.name(), v.measured_text()));
        }
    }
    text.push_str(&if failed == 0 {
        format!("all {total} expectations hold\n")
    } else {
        format!("{failed} of {total} expectations failed\n")
    });
    if let Some(path) = &args.junit {
        report::atomic_write(path, &report::junit_xml(&suites)).map_err(|e| vec![e.to_string()])?;
        text.push_str(&format!("wrote {}\n", path.display()));
    }
    // A closed pipe (`| head -1`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_CHECK_FAILED) })
}
