//! The command line: clap derive, one file per subcommand. Turns arguments
//! into library calls and errors into one line and an exit code; no domain logic.

mod check;
mod compare;
mod import;
mod mmc;
mod run;
mod sweep;
mod trace;
mod validate;
mod validate_model;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "fleetsim", version, about = "Deterministic simulator of an ECS fleet behind an ALB")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write its report under results/<name>/.
    Run(run::Args),
    /// Check scenario files and list every problem with its field path.
    Validate(validate::Args),
    /// Run scenarios over their [expect] seeds; fail (exit 1) when a bound is broken.
    Check(check::Args),
    /// Run a grid of variants (--set key=v1,v2) × seeds; write runs.csv and variants.csv.
    Sweep(sweep::Args),
    /// Combine the runs.journal of a sharded sweep's shards into the tables and
    /// report a one-machine sweep writes (give the sweep's scenario and settings).
    Merge(sweep::MergeArgs),
    /// Run several scenarios and write a side-by-side table of cost and availability.
    Compare(compare::Args),
    /// Turn the AWS CLI's JSON (describe-task-definition, describe-services, scaling) into a scenario.
    // Boxed: its many file options make it the largest variant by far.
    Import(Box<import::Args>),
    /// Convert ALB access logs to CSV traces, summarise them, or fit service times from them.
    Trace(trace::Args),
    /// Replay a scenario's access logs and compare simulated with observed
    /// latency percentiles and status rates, per minute and overall.
    ValidateModel(validate_model::Args),
    /// M/M/c adapter for ../shared/peers-bench (prints one JSON object).
    #[command(hide = true)]
    Mmc(mmc::Args),
}

/// Exit codes: 0 ok, 1 a check failed, 2 bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

pub fn main_with(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Check(args) => check::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Import(args) => import::run(*args),
        Command::Trace(args) => trace::run(args),
        Command::ValidateModel(args) => validate_model::run(args),
        Command::Mmc(args) => mmc::run(args),
    };
    match result {
        Ok(code) => code,
        Err(lines) => {
            for line in lines {
                eprintln!("error: {line}");
            }
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
