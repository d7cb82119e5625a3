//! `fleetsim run SCENARIO`: simulate, write the report, print a short summary.

use crate::{report, run, scenario};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Where to write the report (default: results/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run with this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    let scenario = scenario::load(&args.scenario).map_err(|e| vec![e.to_string()])?;
    #[allow(clippy::disallowed_methods)] // wall time of the run, for the terminal only
    let started = std::time::Instant::now();
    let output = run::simulate_scenario(&scenario, args.seed).map_err(|e| vec![e.to_string()])?;
    let wall = started.elapsed().as_secs_f64();
    let dir = args.out.unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    let written = report::write_run_report(&dir, &scenario, &output).map_err(|e| vec![e.to_string()])?;
    let f = &output.figures;
    let r = &f.requests;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "fleetsim: {} (seed {}): {} simulated in {wall:.2} s",
        scenario.name,
        output.seed,
        report::human_duration(scenario.duration)
    );
    let _ = writeln!(
        text,
        "  requests  {} total, {:.4} % succeeded; failed {}502: {}, 503: {}, 504: {}",
        r.total,
        100.0 * r.availability(),
        match r.failed_with_status(500) {
            0 => String::new(),
            n => format!("500: {n}, "),
        },
        r.failed_with_status(502),
        r.failed_with_status(503),
        r.failed_with_status(504)
    );
    let _ = writeln!(
        text,
        "  latency   p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (succeeded requests)",
        f.latency.p50_ms, f.latency.p99_ms, f.latency.max_ms
    );
    if f.routes.len() > 1 {
        for route in &f.routes {
            let answered = if route.fixed_responses > 0 {
                format!(", {} fixed responses ({})", route.fixed_responses, route.fixed_status.unwrap_or_default())
            } else {
                String::new()
            };
            let _ = writeln!(
                text,
                "  route     {}: {} requests, {:.4} % succeeded, p99 {:.1} ms{answered}",
                route.name,
                route.requests.total,
                100.0 * route.requests.availability(),
                route.latency.p99_ms
            );
        }
    }
    if f.services.len() > 1 {
        for s in &f.services {
            let _ = writeln!(
                text,
                "  service   {}: {} requests, {:.4} % succeeded (500: {}, 502: {}, 503: {}, 504: {}), p99 {:.1} ms; \
                 caused {} failures of clients' requests",
                s.name,
                s.requests.total,
                100.0 * s.requests.availability(),
                s.requests.failed_with_status(500),
                s.requests.failed_with_status(502),
                s.requests.failed_with_status(503),
                s.requests.failed_with_status(504),
                s.latency.p99_ms,
                s.end_to_end_failures_caused
            );
        }
    }
    for s in &f.services {
        let _ = writeln!(
            text,
            "  tasks     {}: {:.2} running on average (min {}, max {}), {} launched, {:.2} task-hours",
            s.name, s.running_tasks_mean, s.running_tasks_min, s.running_tasks_max, s.tasks_launched, s.task_hours
        );
    }
    for q in &f.queues {
        let t = &q.totals;
        let _ = writeln!(
            text,
            "  queue     {}: {} sent, {} deleted, {} to DLQ, {} expired, {} visible + {} in flight at the end; \
             {} redelivered; job latency p50 {:.1} ms, p99 {:.1} ms; oldest message at most {:.0} s",
            q.name,
            t.sent,
            t.deleted,
            t.moved_to_dlq,
            t.expired,
            q.visible_at_end,
            q.in_flight_at_end,
            t.redelivered,
            q.job_latency.p50_ms,
            q.job_latency.p99_ms,
            q.max_age_of_oldest_secs
        );
    }
    let per_million = if r.total > 0 { output.bill.total_usd / r.total as f64 * 1e6 } else { 0.0 };
    let _ = writeln!(
        text,
        "  cost      {:.2} USD ({}), {:.4} USD per million requests",
        output.bill.total_usd,
        output.bill.lines.iter().map(|l| format!("{} {:.2}", l.key, l.usd)).collect::<Vec<_>>().join(", "),
        per_million
    );
    let allocation = &output.bill.allocation;
    if f.services.len() > 1 {
        let usd = |cents: i64| cents as f64 / 100.0;
        for (s, c) in f.services.iter().zip(&allocation.services) {
            let _ = writeln!(
                text,
                "  cost      {}: {:.2} USD (Fargate {:.2}, EC2 allocated {:.2}, ALB share {:.2})",
                s.name,
                usd(c.total_cents()),
                usd(c.fargate_cents),
                usd(c.ec2_allocated_cents),
                usd(c.shared_cents)
            );
        }
        if allocation.unallocated_cents != 0 {
            let _ = writeln!(
                text,
                "  cost      unallocated: {:.2} USD (instance-hours with nothing reserved, or an ALB no service answered)",
                usd(allocation.unallocated_cents)
            );
        }
    }
    for s in f.services.iter().filter(|s| s.tasks_interrupted > 0 || s.capacity_short_minutes > 0.0) {
        let _ = writeln!(
            text,
            "  capacity  {}: {} tasks interrupted, {} requests failed by interruptions, {:.1} min with tasks unplaced",
            s.name,
            s.tasks_interrupted,
            s.requests.failed_by_cause[crate::model::FailureCause::SpotInterruption as usize],
            s.capacity_short_minutes
        );
    }
    for (config, p) in scenario.cluster.capacity_providers.iter().zip(&f.providers) {
        let Some(asg) = config.auto_scaling_group() else { continue };
        let _ = writeln!(
            text,
            "  ec2       {} ({}{}): {} instances launched, at most {} at once, {:.2} instance-hours{}",
            p.name,
            asg.instance_type.name,
            if asg.spot.is_some() { " Spot" } else { "" },
            p.instances_launched,
            p.instances_max,
            p.instance_hours,
            if p.spot_reclaims > 0 { format!(", {} reclaimed", p.spot_reclaims) } else { String::new() }
        );
    }
    for note in crate::report::what_if_notes(&scenario) {
        let _ = writeln!(text, "  WHAT-IF   {note}");
    }
    // The charts as one entry: listing each PNG and SVG would bury the rest.
    let chart_files = written.iter().filter(|p| p.parent() != Some(dir.as_path())).count();
    let mut names: Vec<String> = Vec::new();
    for path in written {
        if path.parent() == Some(dir.as_path()) {
            names.extend(path.file_name().map(|n| n.to_string_lossy().into_owned()));
        } else if !names.iter().any(|n| n.starts_with(crate::report::CHARTS_DIR)) {
            names.push(format!("{}/ ({} charts, PNG and SVG)", crate::report::CHARTS_DIR, chart_files / 2));
        }
    }
    let _ = writeln!(text, "  wrote     {}/{{{}}}", dir.display(), names.join(", "));
    // A closed pipe (`| head -1`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}
