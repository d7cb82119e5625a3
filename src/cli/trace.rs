//! `fleetsim trace convert|summary LOGS…`: ALB access logs (files or
//! folders, gzip or plain) turned into the CSV traces the other traffic
//! kinds read, summarised, or fitted as service times. Glue only: parsing is `traffic`, writing `report`.

use crate::report::{self, CountCsv, RequestCsv};
use crate::traffic::access_log::LogEntry;
use crate::traffic::{self, LogMerge};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: TraceCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TraceCommand {
    /// Write the logs as a per-request CSV (t_seconds,method,host,path,response_bytes,user_agent)
    /// for kind = "request_trace", or with --per-second as t_seconds,requests for kind = "count_trace".
    Convert(ConvertArgs),
    /// Print the logs' request rate, top routes, status codes and timing percentiles.
    Summary(SummaryArgs),
    /// Fit each target group's service time from target_processing_time: a
    /// scenario snippet (log-normal and empirical) and its quantile table.
    Fit(FitArgs),
}

#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// ALB access-log files (.log.gz or .log) or folders of them, in any order.
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// The scenario snippet to write (like fit.toml); the quantile table goes
    /// beside it with the extension .csv.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Fit only target groups with at least this many target times.
    #[arg(long, default_value_t = 100)]
    pub min_samples: u64,
    /// How far out of arrival order an entry may be within its file (like "2m").
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub reorder_window: Option<std::time::Duration>,
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// ALB access-log files (.log.gz or .log) or folders of them, in any order.
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// The CSV to write.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Requests per second instead of one row per request.
    #[arg(long)]
    pub per_second: bool,
    /// How far out of arrival order an entry may be within its file (like "2m").
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub reorder_window: Option<std::time::Duration>,
}

#[derive(Debug, clap::Args)]
pub struct SummaryArgs {
    /// ALB access-log files (.log.gz or .log) or folders of them, in any order.
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// How far out of arrival order an entry may be within its file (like "2m").
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub reorder_window: Option<std::time::Duration>,
}

fn window_nanos(window: Option<std::time::Duration>) -> u64 {
    window.map_or(traffic::DEFAULT_REORDER_WINDOW_NANOS, |w| u64::try_from(w.as_nanos()).unwrap_or(u64::MAX))
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    match args.command {
        TraceCommand::Convert(args) => convert(args).map_err(|e| vec![e]),
        TraceCommand::Fit(args) => fit(args).map_err(|e| vec![e]),
        TraceCommand::Summary(args) => {
            let summary = traffic::log_summary::summarize(&args.logs, window_nanos(args.reorder_window))
                .map_err(|e| vec![e.to_string()])?;
            // A closed pipe is not worth a panic.
            let _ = std::io::stdout().write_all(report::trace_summary_text(&summary).as_bytes());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What a converted row keeps of an entry while the window holds it back.
struct Row {
    method: String,
    host: String,
    target: String,
    response_bytes: u32,
    user_agent: String,
}

fn row(entry: &LogEntry) -> Result<Row, String> {
    let r = &entry.request;
    Ok(Row {
        method: r.method.to_string(),
        host: r.host.to_string(),
        target: r.target.to_string(),
        response_bytes: traffic::response_bytes_of(entry),
        user_agent: entry.user_agent.to_string(),
    })
}

fn convert(args: ConvertArgs) -> Result<ExitCode, String> {
    let files = traffic::log_files(&args.logs).map_err(|e| e.to_string())?;
    let mut merge = LogMerge::new(files, window_nanos(args.reorder_window));
    let mut map = row;
    let first = merge.peek_at_nanos(&mut map).map_err(|e| e.to_string())?;
    let Some(first) = first else {
        let shown = merge.paths().iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err(format!("{shown}: the access logs hold no requests"));
    };
    // The origin a replay of the logs uses, so both replay the same times.
    let origin = traffic::origin_nanos(first);
    if args.per_second {
        let mut csv = CountCsv::create(&args.out).map_err(|e| e.to_string())?;
        while let Some(logged) = merge.next(&mut map).map_err(|e| e.to_string())? {
            csv.request(logged.at_nanos - origin).map_err(|e| e.to_string())?;
        }
        csv.commit().map_err(|e| e.to_string())?;
    } else {
        let mut csv = RequestCsv::create(&args.out).map_err(|e| e.to_string())?;
        while let Some(logged) = merge.next(&mut map).map_err(|e| e.to_string())? {
            let r = &logged.item;
            csv.row(logged.at_nanos - origin, &r.method, &r.host, &r.target, r.response_bytes, &r.user_agent)
                .map_err(|e| e.to_string())?;
        }
        csv.commit().map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn fit(args: FitArgs) -> Result<ExitCode, String> {
    let fit = traffic::log_fit::fit(&args.logs, window_nanos(args.reorder_window), args.min_samples)
        .map_err(|e| e.to_string())?;
    let csv_path = args.out.with_extension("csv");
    let csv_name = csv_path.file_name().map_or_else(|| "fit.csv".into(), |n| n.to_string_lossy().into_owned());
    if args.out.extension().is_some_and(|e| e == "csv") {
        return Err(format!(
            "{}: expected the snippet's name (like fit.toml); the table goes beside it as .csv",
            args.out.display()
        ));
    }
    // The table first: the snippet names it, so it exists when the snippet does.
    report::atomic_write(&csv_path, &report::trace_fit_csv(&fit)).map_err(|e| e.to_string())?;
    report::atomic_write(&args.out, report::trace_fit_toml(&fit, &csv_name).as_bytes()).map_err(|e| e.to_string())?;
    let fitted = fit.groups.iter().filter(|g| g.fitted.is_some()).count();
    let mut text = format!(
        "fleetsim: {} entries, {} target group(s), {fitted} fitted; wrote {} and {}\n",
        fit.entry_count,
        fit.groups.len(),
        args.out.display(),
        csv_path.display()
    );
    for g in fit.groups.iter().filter(|g| g.fitted.is_none()) {
        text.push_str(&format!(
            "  not fitted: {}: {} target times, fewer than --min-samples {}\n",
            g.name, g.timing.count, args.min_samples
        ));
    }
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}
