//! Figures of ALB access logs themselves (aws-semantics §11.2): request rate,
//! routes, status codes and the three timings' percentiles, gathered while
//! the merged logs stream past. Pure figures; `report::trace` prints them.

use super::access_log::LogEntry;
use super::log_merge::{log_files, LogMerge};
use super::Error;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Exact values of one timing field, in µs (the logs print ms, §11.2),
/// kept as value → count so memory grows with distinct values, not requests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    pub counts_by_micros: BTreeMap<u64, u64>,
    pub count: u64,
    /// Entries with `-1` (not dispatched, or no answer in time, §11.2).
    pub unavailable_count: u64,
}

impl Timing {
    /// Counts one entry's timing; `None` is `-1` (§11.2).
    pub fn record(&mut self, nanos: Option<u64>) {
        match nanos {
            Some(nanos) => {
                *self.counts_by_micros.entry(nanos / 1000).or_insert(0) += 1;
                self.count += 1;
            }
            None => self.unavailable_count += 1,
        }
    }

    /// Nearest rank: the smallest value with at least ⌈q × n⌉ values at or below it.
    pub fn quantile_micros(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (&value, &n) in &self.counts_by_micros {
            seen += n;
            if seen >= rank {
                return Some(value);
            }
        }
        self.counts_by_micros.keys().next_back().copied()
    }
}

/// What `fleetsim trace summary` reports.
#[derive(Clone, Debug, PartialEq)]
pub struct LogSummary {
    pub files: Vec<PathBuf>,
    pub request_count: u64,
    /// `request_creation_time` of the first and last request (ns since the epoch).
    pub first_nanos: u64,
    pub last_nanos: u64,
    /// The busiest minute and second: (start, requests).
    pub busiest_minute: (u64, u64),
    pub busiest_second: (u64, u64),
    /// Requests by `elb_status_code` and `target_status_code` (`None`: `-`).
    pub elb_status_counts: BTreeMap<Option<u16>, u64>,
    pub target_status_counts: BTreeMap<Option<u16>, u64>,
    /// Requests by `METHOD host/path` (the query left out).
    pub route_counts: BTreeMap<String, u64>,
    /// request_processing_time, target_processing_time, response_processing_time.
    pub timings: [Timing; 3],
}

/// What the summary keeps of an entry while the window holds it back.
struct Summarized {
    elb_status: Option<u16>,
    target_status: Option<u16>,
    route: String,
    timings: [Option<u64>; 3],
}

fn summarized(entry: &LogEntry) -> Result<Summarized, String> {
    let r = &entry.request;
    let path = r.target.split_once('?').map_or(r.target, |(path, _)| path);
    Ok(Summarized {
        elb_status: entry.elb_status_code,
        target_status: entry.target_status_code,
        route: format!("{} {}{}", r.method, r.host, path),
        timings: [entry.request_processing_nanos, entry.target_processing_nanos, entry.response_processing_nanos],
    })
}

/// Counts requests per bucket of `width` ns as they stream past in order; keeps the busiest.
struct Busiest {
    width: u64,
    current: Option<(u64, u64)>,
    best: (u64, u64),
}

impl Busiest {
    fn new(width: u64) -> Busiest {
        Busiest { width, current: None, best: (0, 0) }
    }

    fn record(&mut self, at: u64) {
        let bucket = at - at % self.width;
        match &mut self.current {
            Some((start, n)) if *start == bucket => *n += 1,
            _ => self.current = Some((bucket, 1)),
        }
        let current = self.current.unwrap_or_default();
        // Ties: the earlier bucket.
        if current.1 > self.best.1 {
            self.best = current;
        }
    }
}

/// Reads every file under `paths` once, merged in arrival order.
pub fn summarize(paths: &[PathBuf], reorder_window_nanos: u64) -> Result<LogSummary, Error> {
    let files = log_files(paths)?;
    let mut merge = LogMerge::new(files.clone(), reorder_window_nanos);
    let mut summary = LogSummary {
        files,
        request_count: 0,
        first_nanos: 0,
        last_nanos: 0,
        busiest_minute: (0, 0),
        busiest_second: (0, 0),
        elb_status_counts: BTreeMap::new(),
        target_status_counts: BTreeMap::new(),
        route_counts: BTreeMap::new(),
        timings: Default::default(),
    };
    let (mut minutes, mut seconds) = (Busiest::new(60_000_000_000), Busiest::new(1_000_000_000));
    while let Some(logged) = merge.next(&mut summarized)? {
        if summary.request_count == 0 {
            summary.first_nanos = logged.at_nanos;
        }
        summary.request_count += 1;
        summary.last_nanos = logged.at_nanos;
        minutes.record(logged.at_nanos);
        seconds.record(logged.at_nanos);
        let item = logged.item;
        *summary.elb_status_counts.entry(item.elb_status).or_insert(0) += 1;
        *summary.target_status_counts.entry(item.target_status).or_insert(0) += 1;
        *summary.route_counts.entry(item.route).or_insert(0) += 1;
        for (timing, value) in summary.timings.iter_mut().zip(item.timings) {
            timing.record(value);
        }
    }
    if summary.request_count == 0 {
        let shown = summary.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err(Error::File { path: shown, message: "the access logs hold no requests".into() });
    }
    summary.busiest_minute = minutes.best;
    summary.busiest_second = seconds.best;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut t = Timing::default();
        for ms in [1, 2, 3, 4] {
            t.record(Some(ms * 1_000_000));
        }
        t.record(None);
        assert_eq!(t.quantile_micros(0.5), Some(2000));
        assert_eq!(t.quantile_micros(0.51), Some(3000));
        assert_eq!(t.quantile_micros(1.0), Some(4000));
        assert_eq!(t.unavailable_count, 1);
    }
}
