//! The `fleetsim` binary: parse arguments, hand them to the library's CLI,
//! exit 0 (ok), 1 (a check failed) or 2 (bad input or usage).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    fleetsim::cli::main_with(fleetsim::cli::Cli::parse())
}
