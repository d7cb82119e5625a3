//! `fleetsim import`: read the AWS CLI's JSON files, write the scenario they
//! describe (or print it), and say on stderr what is not modelled. I/O only.

use crate::report;
use crate::scenario::{self, import};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `aws ecs describe-task-definition` output (or the `register-task-definition --cli-input-json` object).
    #[arg(long)]
    pub task_definition: PathBuf,
    /// `aws ecs describe-services` output.
    #[arg(long)]
    pub service: PathBuf,
    /// `aws application-autoscaling describe-scaling-policies --service-namespace ecs` output.
    #[arg(long)]
    pub scaling_policies: Option<PathBuf>,
    /// `aws application-autoscaling describe-scalable-targets --service-namespace ecs` output.
    #[arg(long)]
    pub scalable_targets: Option<PathBuf>,
    /// The service to import when describe-services printed several.
    #[arg(long)]
    pub service_name: Option<String>,
    /// Write the scenario here (default: print it on stdout).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
}

fn read(path: &Path) -> Result<String, Vec<String>> {
    std::fs::read_to_string(path).map_err(|e| vec![format!("{}: cannot read: {e}", path.display())])
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    let shown = |p: &Path| p.display().to_string();
    let (td_name, svc_name) = (shown(&args.task_definition), shown(&args.service));
    let policies_name = args.scaling_policies.as_deref().map(shown);
    let targets_name = args.scalable_targets.as_deref().map(shown);
    let td_text = read(&args.task_definition)?;
    let svc_text = read(&args.service)?;
    let policies_text = args.scaling_policies.as_deref().map(read).transpose()?;
    let targets_text = args.scalable_targets.as_deref().map(read).transpose()?;
    let file = |name: &Option<String>, text: &Option<String>| match (name, text) {
        (Some(name), Some(text)) => Some((name.clone(), text.clone())),
        _ => None,
    };
    let policies = file(&policies_name, &policies_text);
    let targets = file(&targets_name, &targets_text);
    let request = import::Request {
        task_definition: import::JsonFile { name: &td_name, text: &td_text },
        service: import::JsonFile { name: &svc_name, text: &svc_text },
        scaling_policies: policies.as_ref().map(|(name, text)| import::JsonFile { name, text }),
        scalable_targets: targets.as_ref().map(|(name, text)| import::JsonFile { name, text }),
        service_name: args.service_name.as_deref(),
    };
    let imported = import::import(&request).map_err(|e| vec![e.to_string()])?;

    // The scenario must be one fleetsim runs: check it before anyone sees it.
    let shown = args.out.clone().unwrap_or_else(|| PathBuf::from("imported.toml"));
    if let Err(e) = scenario::parse(&imported.toml, &shown) {
        return Err(e.lines().into_iter().map(|l| format!("the imported scenario is not valid: {l}")).collect());
    }
    let mut stderr = std::io::stderr();
    for note in &imported.not_modelled {
        let _ = writeln!(stderr, "NOT MODELLED: {note}");
    }
    match &args.out {
        Some(path) => {
            report::atomic_write(path, imported.toml.as_bytes()).map_err(|e| vec![e.to_string()])?;
            let _ = writeln!(
                stderr,
                "wrote {} ({} assumed values to review, {} fields not modelled)",
                path.display(),
                imported.assumed.len(),
                imported.not_modelled.len()
            );
        }
        None => {
            // A closed pipe is not worth a panic.
            let _ = std::io::stdout().write_all(imported.toml.as_bytes());
        }
    }
    Ok(ExitCode::SUCCESS)
}
