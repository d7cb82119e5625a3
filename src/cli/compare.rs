//! `fleetsim compare A.toml B.toml …`: run several scenarios (in parallel),
//! write each one's report and a side-by-side table of cost and availability.

use crate::{report, run, scenario};
use rayon::prelude::*;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files (TOML), at least two; the first is the baseline of "vs first".
    #[arg(num_args = 2.., required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Where to write (default: results/compare-<name1>-vs-<name2>…/, or
    /// results/compare/ when that name would be longer than 100 characters).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run every scenario with this seed instead of its own.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Longest default folder name; past it the names would make an unwieldy
/// (or, near 255 bytes, impossible) file name.
const MAX_FOLDER_NAME: usize = 100;

fn default_out(names: &[&str]) -> PathBuf {
    let joined = format!("compare-{}", names.join("-vs-"));
    let folder = if joined.len() <= MAX_FOLDER_NAME { joined } else { "compare".to_string() };
    Path::new("results").join(folder)
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    // Every file is loaded before anything runs, and every bad file is named.
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for path in &args.scenarios {
        match scenario::load(path) {
            Ok(s) => scenarios.push(s),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Each report goes to <out>/<name>/: two scenarios of one name would overwrite each other.
    for (i, later) in scenarios.iter().enumerate() {
        if let Some(earlier) = scenarios[..i].iter().find(|s| s.name == later.name) {
            problems.push(format!(
                "{} and {} are both named \"{}\": expected distinct scenario names (set `name` in one of them)",
                earlier.path.display(),
                later.path.display(),
                later.name
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let dir = args.out.unwrap_or_else(|| default_out(&names));
    #[allow(clippy::disallowed_methods)] // wall time of the runs, for the terminal only
    let started = std::time::Instant::now();
    // `collect` keeps input order whatever thread ran which scenario, so the
    // output does not depend on the thread count.
    let outcomes: Vec<Result<run::RunOutput, String>> = scenarios
        .par_iter()
        .map(|s| {
            let output = run::simulate_scenario(s, args.seed).map_err(|e| e.to_string())?;
            report::write_run_report(&dir.join(&s.name), s, &output).map_err(|e| e.to_string())?;
            Ok(output)
        })
        .collect();
    let wall = started.elapsed().as_secs_f64();
    let mut outputs = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(output) => outputs.push(output),
            Err(line) => problems.push(line),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let runs: Vec<(&scenario::Scenario, &run::RunOutput)> = scenarios.iter().zip(&outputs).collect();
    let comparison = report::comparison(&runs);
    let written = report::write_comparison(&dir, &comparison).map_err(|e| vec![e.to_string()])?;
    let mut text = format!("fleetsim compare: {} scenarios simulated in {wall:.2} s\n", scenarios.len());
    text.push_str(&report::comparison_text(&comparison));
    let files: Vec<String> =
        written.iter().filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect();
    text.push_str(&format!(
        "wrote {}/{{{}}} and each scenario's report in {}/<name>/\n",
        dir.display(),
        files.join(", "),
        dir.display()
    ));
    // A closed pipe (`| head -1`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: the default folder names the scenarios while that stays short.
    #[test]
    fn default_folder_names_the_scenarios_unless_too_long() {
        assert_eq!(default_out(&["a", "b"]), Path::new("results").join("compare-a-vs-b"));
        let long = "x".repeat(60);
        assert_eq!(default_out(&[&long, &long]), Path::new("results").join("compare"));
    }
}
