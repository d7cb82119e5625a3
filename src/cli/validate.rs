//! `fleetsim validate FILE…`: every problem of every file, one line each.

use crate::scenario;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files to check.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    let mut problems = Vec::new();
    for path in &args.scenarios {
        match scenario::load(path) {
            Ok(_) => {
                // A closed pipe is not worth a panic.
                let _ = writeln!(std::io::stdout(), "{}: ok", path.display());
            }
            Err(e) => problems.extend(e.lines()),
        }
    }
    if problems.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(problems)
    }
}
