//! What `fleetsim trace` writes: access logs converted to the CSV traces the
//! `request_trace` and `count_trace` kinds read (streamed through
//! `AtomicFile`), the text of `trace summary`, and `trace fit`'s scenario
//! snippet and quantile table. No parsing here.

use super::{AtomicFile, Error};
use crate::traffic::access_log::format_iso8601_micros;
use crate::traffic::log_fit::{Fitted, GroupFit, LogFit, QUANTILE_TABLE_LEN};
use crate::traffic::log_summary::{LogSummary, Timing};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `t_seconds` with µs, the logs' own precision (§11.2): exact, no float.
fn seconds_micros(nanos: u64) -> String {
    format!("{}.{:06}", nanos / 1_000_000_000, nanos % 1_000_000_000 / 1000)
}

/// A per-request trace: `t_seconds,method,host,path,response_bytes,user_agent`,
/// one row per logged request in arrival order; `t_seconds` from the logs'
/// origin; `user_agent` empty where the log says `-` (none sent), so that
/// `header_columns = { "User-Agent" = "user_agent" }` routes as the logs do.
pub struct RequestCsv {
    path: PathBuf,
    writer: csv::Writer<AtomicFile>,
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    Error::Write { path: path.display().to_string(), source: std::io::Error::other(e) }
}

impl RequestCsv {
    pub const HEADER: [&'static str; 6] = ["t_seconds", "method", "host", "path", "response_bytes", "user_agent"];

    pub fn create(path: &Path) -> Result<RequestCsv, Error> {
        let mut writer =
            csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(AtomicFile::create(path)?);
        writer.write_record(Self::HEADER).map_err(|e| csv_error(path, e))?;
        Ok(RequestCsv { path: path.to_path_buf(), writer })
    }

    pub fn row(
        &mut self,
        since_origin_nanos: u64,
        method: &str,
        host: &str,
        target: &str,
        response_bytes: u32,
        user_agent: &str,
    ) -> Result<(), Error> {
        let (t, bytes) = (seconds_micros(since_origin_nanos), response_bytes.to_string());
        let user_agent = match user_agent.trim() {
            "-" => "",
            trimmed => trimmed,
        };
        self.writer
            .write_record([t.as_str(), method, host, target, bytes.as_str(), user_agent])
            .map_err(|e| csv_error(&self.path, e))
    }

    pub fn commit(self) -> Result<(), Error> {
        let path = self.path;
        self.writer.into_inner().map_err(|e| csv_error(&path, csv::Error::from(e.into_error())))?.commit()
    }
}

/// A count trace: `t_seconds,requests`, one row per second from the origin
/// to the last request's second, seconds without requests included (a
/// count trace spreads a row over the gap to the next, so gaps must be rows).
pub struct CountCsv {
    path: PathBuf,
    writer: csv::Writer<AtomicFile>,
    /// The second being counted and its requests.
    current: Option<(u64, u64)>,
}

impl CountCsv {
    pub fn create(path: &Path) -> Result<CountCsv, Error> {
        let mut writer =
            csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(AtomicFile::create(path)?);
        writer.write_record(["t_seconds", "requests"]).map_err(|e| csv_error(path, e))?;
        Ok(CountCsv { path: path.to_path_buf(), writer, current: None })
    }

    /// One request, `since_origin_nanos` after the origin, in non-decreasing order.
    pub fn request(&mut self, since_origin_nanos: u64) -> Result<(), Error> {
        let second = since_origin_nanos / 1_000_000_000;
        let (mut at, count) = self.current.unwrap_or((0, 0));
        if second == at {
            self.current = Some((at, count + 1));
            return Ok(());
        }
        self.write(at, count)?;
        at += 1;
        while at < second {
            self.write(at, 0)?;
            at += 1;
        }
        self.current = Some((second, 1));
        Ok(())
    }

    fn write(&mut self, second: u64, count: u64) -> Result<(), Error> {
        self.writer.write_record([second.to_string(), count.to_string()]).map_err(|e| csv_error(&self.path, e))
    }

    pub fn commit(mut self) -> Result<(), Error> {
        if let Some((second, count)) = self.current.take() {
            self.write(second, count)?;
        }
        let path = self.path;
        self.writer.into_inner().map_err(|e| csv_error(&path, csv::Error::from(e.into_error())))?.commit()
    }
}

/// The whole minute or second of an instant, `2026-11-02T14:05Z`-style.
fn instant(nanos: u64, width: &str) -> String {
    let full = format_iso8601_micros(nanos);
    match width {
        "minute" => format!("{}Z", &full[..16]),
        _ => format!("{}Z", &full[..19]),
    }
}

fn status(code: Option<u16>) -> String {
    code.map_or_else(|| "-".into(), |c| c.to_string())
}

fn millis(micros: Option<u64>) -> String {
    micros.map_or_else(|| "-".into(), |m| format!("{}.{:03}", m / 1000, m % 1000))
}

/// How many routes the summary lists.
const TOP_ROUTES: usize = 10;

/// `fleetsim trace summary`'s text. Same figures, same bytes.
pub fn trace_summary_text(s: &LogSummary) -> String {
    let mut text = String::new();
    let origin = crate::traffic::origin_nanos(s.first_nanos);
    let minutes = (s.last_nanos - s.last_nanos % 60_000_000_000 - origin) / 60_000_000_000 + 1;
    let _ = writeln!(text, "files: {}", s.files.len());
    let _ = writeln!(text, "requests: {}", s.request_count);
    let _ = writeln!(
        text,
        "arrivals (request_creation_time): {} to {}",
        format_iso8601_micros(s.first_nanos),
        format_iso8601_micros(s.last_nanos)
    );
    let _ = writeln!(text, "source time 0 (a replay's simulated time 0): {}", instant(origin, "minute"));
    let _ = writeln!(
        text,
        "rate: {:.3} requests/s over {minutes} minute(s); busiest minute {} with {} ({:.3}/s); busiest second {} with {}",
        s.request_count as f64 / (minutes * 60) as f64,
        instant(s.busiest_minute.0, "minute"),
        s.busiest_minute.1,
        s.busiest_minute.1 as f64 / 60.0,
        instant(s.busiest_second.0, "second"),
        s.busiest_second.1
    );
    for (name, counts) in [("elb_status_code", &s.elb_status_counts), ("target_status_code", &s.target_status_counts)] {
        let cells: Vec<String> = counts.iter().map(|(code, n)| format!("{} {n}", status(*code))).collect();
        let _ = writeln!(text, "{name}: {}", cells.join(", "));
    }
    let mut routes: Vec<(&String, &u64)> = s.route_counts.iter().collect();
    routes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(text, "routes: {} distinct; top {} by requests:", routes.len(), TOP_ROUTES.min(routes.len()));
    let width = routes.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(1);
    for (route, n) in routes.iter().take(TOP_ROUTES) {
        let share = **n as f64 * 100.0 / s.request_count as f64;
        let _ = writeln!(text, "  {n:>width$}  {share:5.1} %  {route}");
    }
    let _ = writeln!(
        text,
        "{:<26}{:>9}{:>9}{:>11}{:>11}{:>11}{:>11}",
        "timing (ms)", "count", "-1", "p50", "p90", "p99", "max"
    );
    let names = ["request_processing_time", "target_processing_time", "response_processing_time"];
    for (name, timing) in names.iter().zip(&s.timings) {
        let q = |q: f64| millis(Timing::quantile_micros(timing, q));
        let _ = writeln!(
            text,
            "{name:<26}{:>9}{:>9}{:>11}{:>11}{:>11}{:>11}",
            timing.count,
            timing.unavailable_count,
            q(0.5),
            q(0.9),
            q(0.99),
            q(1.0)
        );
    }
    text
}

/// A duration for a scenario file, exact to the µs: `20ms`, `20500us`.
fn duration_field(micros: u64) -> String {
    if micros % 1000 == 0 {
        format!("{}ms", micros / 1000)
    } else {
        format!("{micros}us")
    }
}

/// The quantile table's column for each fitted group (`<name>_ms`, the
/// suffix giving the unit to `distribution = "empirical"`), made unique.
pub fn fit_columns(fit: &LogFit) -> Vec<Option<String>> {
    let mut taken: Vec<String> = Vec::new();
    fit.groups
        .iter()
        .map(|g| {
            g.fitted?;
            let base: String =
                g.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
            let mut column = format!("{base}_ms");
            let mut n = 2;
            while taken.contains(&column) {
                column = format!("{base}_{n}_ms");
                n += 1;
            }
            taken.push(column.clone());
            Some(column)
        })
        .collect()
}

/// The model's choice between the two fits (see `trace_fit_toml`): the
/// log-normal when its p90 is within this of the logs' p90, else the table.
const LOG_NORMAL_P90_TOLERANCE: f64 = 0.10;

/// `fleetsim trace fit`'s scenario snippet: per target group a `[[services]]`
/// with the fitted `service_time`, and comments giving the samples, the
/// fit's median and p99 and how well it follows the logs. `csv_name` is the
/// quantile table's file, beside the snippet.
pub fn trace_fit_toml(fit: &LogFit, csv_name: &str) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# fleetsim trace fit: service times fitted from ALB access logs (aws-semantics §11.2).");
    let _ = writeln!(
        t,
        "# Logs: {} file(s), {} entries; {} with no target group (fixed responses, redirects: never in a task) left out.",
        fit.files.len(),
        fit.entry_count,
        fit.without_target_group_count
    );
    let _ = writeln!(t, "# Fitted: target_processing_time (field 7), the target's own time, from the ALB sending the");
    let _ = writeln!(t, "# request to the target starting its response. request_processing_time and");
    let _ = writeln!(t, "# response_processing_time (fields 6, 8) are the load balancer's work, which fleetsim does");
    let _ = writeln!(t, "# not model. Field 7 includes waits in the task's queue: fit from logs of unsaturated tasks.");
    let _ = writeln!(t, "# Each [[services]] is named after its target group: paste `service_time` into the service");
    let _ = writeln!(t, "# behind that target group. The log-normal goes through the logs' p50 and p99; it is the");
    let _ = writeln!(
        t,
        "# active line when its p90 is within {:.0} % of the logs', else the empirical table is.",
        LOG_NORMAL_P90_TOLERANCE * 100.0
    );
    let _ = writeln!(t, "# {csv_name} (beside this file; `file` is relative to the scenario) holds each group's");
    let _ = writeln!(t, "# {} quantiles, at (i + 0.5)/{}.", QUANTILE_TABLE_LEN, QUANTILE_TABLE_LEN);
    for (g, column) in fit.groups.iter().zip(fit_columns(fit)) {
        let _ = writeln!(t);
        let _ = writeln!(t, "# Target group {} ({})", g.name, g.target_group_arn);
        let _ = writeln!(
            t,
            "#   {} target times; {} with -1 left out (not dispatched, or no answer in time, §11.2)",
            g.timing.count, g.timing.unavailable_count
        );
        if let Some(o) = g.observed {
            let _ = writeln!(
                t,
                "#   logs: p50 {} ms, p90 {} ms, p99 {} ms, max {} ms",
                millis(Some(o.p50_micros)),
                millis(Some(o.p90_micros)),
                millis(Some(o.p99_micros)),
                millis(Some(o.max_micros))
            );
        }
        let (Some(fitted), Some(column), Some(o)) = (g.fitted, column, g.observed) else {
            let _ = writeln!(t, "#   not fitted: fewer than --min-samples {} target times", fit.min_samples);
            continue;
        };
        let empirical =
            format!("service_time = {{ distribution = \"empirical\", file = \"{csv_name}\", column = \"{column}\" }}");
        let (active, alternative) = match fitted {
            Fitted::LogNormal { median_micros, p99_micros, mu, sigma, p90_micros, ks_distance } => {
                let p90_error = p90_micros / o.p90_micros.max(1) as f64 - 1.0;
                let _ = writeln!(
                    t,
                    "#   log-normal: median {} ms, p99 {} ms (mu {mu:.4}, sigma {sigma:.4}); its p90 {:.3} ms against the logs' {} ms ({:+.1} %); Kolmogorov–Smirnov distance {ks_distance:.4}",
                    millis(Some(median_micros)),
                    millis(Some(p99_micros)),
                    p90_micros / 1000.0,
                    millis(Some(o.p90_micros)),
                    100.0 * p90_error
                );
                let log_normal = format!(
                    "service_time = {{ distribution = \"lognormal\", median = \"{}\", p99 = \"{}\" }}",
                    duration_field(median_micros),
                    duration_field(p99_micros)
                );
                if p90_error.abs() <= LOG_NORMAL_P90_TOLERANCE {
                    (log_normal, Some(empirical))
                } else {
                    (empirical, Some(log_normal))
                }
            }
            Fitted::Constant { micros } => {
                let _ = writeln!(t, "#   p50 = p99: no spread for a log-normal; a constant");
                (
                    format!("service_time = {{ distribution = \"constant\", value = \"{}\" }}", duration_field(micros)),
                    Some(empirical),
                )
            }
            Fitted::Unfittable => {
                let _ = writeln!(t, "#   p50 is 0 ms (the logs print whole ms): no log-normal; the quantile table");
                (empirical, None)
            }
        };
        let _ = writeln!(t, "[[services]]");
        let _ = writeln!(t, "name = \"{}\"", g.name.replace('\\', "\\\\").replace('"', "\\\""));
        let _ = writeln!(t, "{active}");
        if let Some(alternative) = alternative {
            let _ = writeln!(t, "# {alternative}");
        }
    }
    t
}

/// The quantile table: one `<name>_ms` column per fitted group, one row per
/// quantile, ms to the µs.
pub fn trace_fit_csv(fit: &LogFit) -> Vec<u8> {
    let columns = fit_columns(fit);
    let fitted: Vec<(&GroupFit, String)> = fit.groups.iter().zip(columns).filter_map(|(g, c)| Some((g, c?))).collect();
    let mut t = String::new();
    let _ = writeln!(t, "{}", fitted.iter().map(|(_, c)| c.as_str()).collect::<Vec<_>>().join(","));
    for i in 0..QUANTILE_TABLE_LEN {
        let cells: Vec<String> = fitted.iter().map(|(g, _)| millis(g.quantiles_micros.get(i).copied())).collect();
        let _ = writeln!(t, "{}", cells.join(","));
    }
    t.into_bytes()
}
