//! `fleetsim validate-model SCENARIO [--logs LOGS…]`: replay the access logs
//! through the scenario and set the run against the logs minute by minute.
//! Glue only: the figures are `calibration`'s, the files `report`'s.

use crate::calibration::{self, SimulatedMinutes};
use crate::engine::SimTime;
use crate::traffic::SourceSpec;
use crate::{report, run, scenario};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (TOML); its traffic must be kind = "alb_access_logs".
    pub scenario: PathBuf,
    /// Access-log files or folders to replay instead of the scenario's `files`.
    #[arg(long, num_args = 1..)]
    pub logs: Vec<PathBuf>,
    /// Change a setting before running, as `sweep` does (like
    /// 'services[0].service_time={ distribution = "lognormal", median = "40ms", p99 = "300ms" }').
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Run with this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where to write the run's report and validation.csv (default: results/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 1 when the overall p50, p90 or p99 is further than this many percent from the logs'.
    #[arg(long, value_name = "PERCENT")]
    pub max_error: Option<f64>,
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    let overrides = args
        .set
        .iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| vec![format!("--set {s}: expected KEY=VALUE")])
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut scenario = scenario::load_with_overrides(&args.scenario, &overrides).map_err(|e| vec![e.to_string()])?;
    let shown = args.scenario.display();
    if !args.logs.is_empty() {
        match &mut scenario.traffic.source {
            SourceSpec::AlbAccessLogs { paths, .. } => paths.clone_from(&args.logs),
            _ => {
                return Err(vec![format!(
                    "{shown}: traffic: --logs replaces the scenario's access logs: expected [traffic] kind = \"alb_access_logs\""
                )])
            }
        }
    }
    let end = SimTime::ZERO + scenario.duration;
    let (observed_minutes, observed, origin) =
        calibration::observed_minutes(&scenario.traffic, end).map_err(|e| match e {
            calibration::Error::Scenario(message) => vec![format!("{shown}: {message}")],
            e => vec![e.to_string()],
        })?;
    let minutes = SimulatedMinutes::new(calibration::minute_count(end), scenario.cluster.load_balancer.idle_timeout);
    let (output, minutes) =
        run::simulate_scenario_with(&scenario, args.seed, minutes).map_err(|e| vec![e.to_string()])?;
    let validation = calibration::compare(origin, (observed_minutes, observed), minutes.finish());
    let dir = args.out.unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    // validation.csv before the run's report: summary.json, written last, marks the folder whole.
    let csv = report::write_validation(&dir, &validation).map_err(|e| vec![e.to_string()])?;
    report::write_run_report(&dir, &scenario, &output).map_err(|e| vec![e.to_string()])?;
    let mut text = format!(
        "fleetsim validate-model: {} (seed {}) against its access logs from {}\n\
         latency: simulated arrival → response against the logs' target_processing_time (requests a target answered)\n",
        scenario.name,
        output.seed,
        crate::traffic::access_log::format_iso8601_micros(origin)
    );
    text.push_str(&report::validation_text(&validation));
    text.push_str(&format!("wrote {} and the run's report in {}/\n", csv.display(), dir.display()));
    let _ = std::io::stdout().write_all(text.as_bytes());
    match (args.max_error, validation.worst_latency_error) {
        (Some(limit), Some(worst)) if 100.0 * worst > limit => {
            eprintln!("validate-model: overall latency error {:.1} % is over --max-error {limit} %", 100.0 * worst);
            Ok(ExitCode::from(1))
        }
        (Some(_), None) => {
            eprintln!("validate-model: no latencies to compare, so --max-error cannot be met");
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
