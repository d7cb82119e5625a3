//! `fleetsim import`: read the AWS CLI's JSON files, write the scenario they
//! describe (or print it), and say on stderr what is not modelled. I/O only.

use crate::report;
use crate::scenario::{self, import};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `aws ecs describe-task-definition` output (or the `register-task-definition --cli-input-json` object); repeat for several services.
    #[arg(long, required = true)]
    pub task_definition: Vec<PathBuf>,
    /// `aws ecs describe-services` output; repeat for several files.
    #[arg(long, required = true)]
    pub service: Vec<PathBuf>,
    /// `aws application-autoscaling describe-scaling-policies --service-namespace ecs` output.
    #[arg(long)]
    pub scaling_policies: Option<PathBuf>,
    /// `aws application-autoscaling describe-scalable-targets --service-namespace ecs` output.
    #[arg(long)]
    pub scalable_targets: Option<PathBuf>,
    /// `aws application-autoscaling describe-scheduled-actions --service-namespace ecs` output.
    #[arg(long)]
    pub scheduled_actions: Option<PathBuf>,
    /// `aws cloudwatch describe-alarms` output: the alarms of step scaling policies and deployments.
    #[arg(long)]
    pub alarms: Option<PathBuf>,
    /// `aws elbv2 describe-target-groups` output.
    #[arg(long)]
    pub target_groups: Option<PathBuf>,
    /// `aws elbv2 describe-target-group-attributes` output, as `FILE` (the only
    /// target group) or `NAME=FILE` (a service, target group name or ARN); repeatable.
    #[arg(long)]
    pub target_group_attributes: Vec<String>,
    /// `aws elbv2 describe-rules --listener-arn …` output.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// `aws ecs describe-capacity-providers` output.
    #[arg(long)]
    pub capacity_providers: Option<PathBuf>,
    /// `aws autoscaling describe-auto-scaling-groups` output.
    #[arg(long)]
    pub auto_scaling_groups: Option<PathBuf>,
    /// ALB access logs (a folder, as `aws s3 sync` lays them out, or `.log.gz`
    /// files; repeatable): the scenario's traffic, replayed down the imported listener rules.
    #[arg(long, num_args = 1..)]
    pub access_logs: Vec<PathBuf>,
    /// Import only this service (repeatable; default: every service the files describe).
    #[arg(long)]
    pub service_name: Vec<String>,
    /// Write the scenario here (default: print it on stdout).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
}

/// A file's name as errors and comments give it, and its text.
struct Loaded {
    name: String,
    text: String,
}

fn read(path: &Path) -> Result<Loaded, Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| vec![format!("{}: cannot read: {e}", path.display())])?;
    Ok(Loaded { name: path.display().to_string(), text })
}

fn read_opt(path: &Option<PathBuf>) -> Result<Option<Loaded>, Vec<String>> {
    path.as_deref().map(read).transpose()
}

fn json(file: &Loaded) -> import::JsonFile<'_> {
    import::JsonFile { name: &file.name, text: &file.text }
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    let tds = args.task_definition.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
    let services = args.service.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
    let optional = [
        read_opt(&args.scaling_policies)?,
        read_opt(&args.scalable_targets)?,
        read_opt(&args.scheduled_actions)?,
        read_opt(&args.alarms)?,
        read_opt(&args.target_groups)?,
        read_opt(&args.rules)?,
        read_opt(&args.capacity_providers)?,
        read_opt(&args.auto_scaling_groups)?,
    ];
    let mut attributes = Vec::new();
    for spec in &args.target_group_attributes {
        // `NAME=FILE`, unless the whole of it is a file (a path may hold `=`).
        let (key, path) = match spec.split_once('=') {
            Some((key, path)) if !Path::new(spec).exists() => (Some(key.to_string()), PathBuf::from(path)),
            _ => (None, PathBuf::from(spec)),
        };
        attributes.push((key, read(&path)?));
    }
    let access_logs =
        args.access_logs.iter().map(|p| scenario_path(p, args.out.as_deref())).collect::<Result<Vec<_>, _>>()?;
    let opt = |i: usize| optional[i].as_ref().map(json);
    let request = import::Request {
        task_definitions: tds.iter().map(json).collect(),
        services: services.iter().map(json).collect(),
        scaling_policies: opt(0),
        scalable_targets: opt(1),
        scheduled_actions: opt(2),
        alarms: opt(3),
        target_groups: opt(4),
        rules: opt(5),
        capacity_providers: opt(6),
        auto_scaling_groups: opt(7),
        target_group_attributes: attributes.iter().map(|(k, f)| (k.as_deref(), json(f))).collect(),
        service_names: args.service_name.iter().map(String::as_str).collect(),
        access_logs: access_logs.iter().map(String::as_str).collect(),
    };
    let imported = import::import(&request).map_err(|e| vec![e.to_string()])?;

    // The scenario must be one fleetsim runs: check it before anyone sees it.
    // (The path places relative files, such as access logs, by the output's
    // folder.) A value it refuses came from a JSON field: name that, in one line.
    let shown = args.out.clone().unwrap_or_else(|| PathBuf::from("imported.toml"));
    if let Err(e) = scenario::parse(&imported.toml, &shown) {
        return Err(vec![imported.blame(&e).to_string()]);
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

/// A path as the scenario written to `out` should name it: scenario paths are
/// relative to the scenario's folder, so a path under it is made relative to
/// it, any other absolute. Printed on stdout, the path stays as given.
fn scenario_path(path: &Path, out: Option<&Path>) -> Result<String, Vec<String>> {
    let absolute =
        path.canonicalize().map_err(|e| vec![format!("{}: cannot read the access logs: {e}", path.display())])?;
    let Some(out) = out else { return Ok(path.display().to_string()) };
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let relative = folder.canonicalize().ok().and_then(|f| absolute.strip_prefix(f).ok().map(Path::to_path_buf));
    Ok(relative.filter(|r| !r.as_os_str().is_empty()).unwrap_or(absolute).display().to_string())
}
