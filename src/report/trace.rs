//! What `fleetsim trace` writes: access logs converted to the CSV traces the
//! `request_trace` and `count_trace` kinds read (streamed through
//! `AtomicFile`), and the text of `trace summary`. No parsing here.

use super::{AtomicFile, Error};
use crate::traffic::access_log::format_iso8601_micros;
use crate::traffic::log_summary::{LogSummary, Timing};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `t_seconds` with µs, the logs' own precision (§11.2): exact, no float.
fn seconds_micros(nanos: u64) -> String {
    format!("{}.{:06}", nanos / 1_000_000_000, nanos % 1_000_000_000 / 1000)
}

/// A per-request trace: `t_seconds,method,host,path,response_bytes`, one row
/// per logged request in arrival order; `t_seconds` from the logs' origin.
pub struct RequestCsv {
    path: PathBuf,
    writer: csv::Writer<AtomicFile>,
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    Error::Write { path: path.display().to_string(), source: std::io::Error::other(e) }
}

impl RequestCsv {
    pub const HEADER: [&'static str; 5] = ["t_seconds", "method", "host", "path", "response_bytes"];

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
    ) -> Result<(), Error> {
        let (t, bytes) = (seconds_micros(since_origin_nanos), response_bytes.to_string());
        self.writer
            .write_record([t.as_str(), method, host, target, bytes.as_str()])
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
