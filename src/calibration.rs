//! How far to trust a model: a run replaying ALB access logs set against the
//! logs themselves, minute by minute — latency percentiles and status-code
//! rates, observed and simulated — and a verdict. Reads the logs through
//! `traffic` (streamed, one open minute at a time); writes nothing.
//!
//! What is compared. The simulator's latency of a request runs from its
//! arrival at the load balancer to its task's response: the wait in the
//! task's queue and its service time (and calls to other services). The ALB's
//! own work is not modelled, so the observed figure it answers to is
//! `target_processing_time` (§11.2 field 7: the ALB sent the request → the
//! target began its response), not the sum with `request_processing_time` and
//! `response_processing_time`, which `trace summary` shows apart. Latencies
//! are those of requests a target answered: entries with a target time
//! (not `-1`), and simulated requests that succeeded. Status rates count every
//! request: `elb_status_code` below 500 as answered, and 500, 502, 503, 504
//! and other 5xx apart; the simulator's successes stand for whatever the
//! application answered (it does not model 3xx or 4xx), its failures for
//! their status (§3.3) and fixed responses for theirs. Both sides put a
//! request in the minute it arrived (`request_creation_time`, and the
//! replay's arrival: the same simulated time).

use crate::engine::{SimDuration, SimTime};
use crate::model::{Observation, Observer, Outcome};
use crate::traffic::access_log::LogEntry;
use crate::traffic::{self, log_files, LogMerge, SourceSpec, TrafficSpec};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;

/// Status classes, in column order.
pub const STATUS_CLASSES: [&str; 6] = ["ok", "500", "502", "503", "504", "other_5xx"];

const MINUTE_NANOS: u64 = 60_000_000_000;
/// The largest latency tracked, µs: a day (the ALB's idle timeout is at most 4000 s).
const LATENCY_MAX_MICROS: u64 = 86_400_000_000;

/// Which of [`STATUS_CLASSES`] a status code counts in. `-` (no status) counts as answered.
pub fn status_class(status: Option<u16>) -> usize {
    match status {
        Some(500) => 1,
        Some(502) => 2,
        Some(503) => 3,
        Some(504) => 4,
        Some(s) if s >= 500 => 5,
        _ => 0,
    }
}

/// One minute's (or the whole period's) figures on one side.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub requests: u64,
    /// Requests with a latency (see the module docs).
    pub latency_count: u64,
    /// p50, p90, p99 in ms; `None` without latencies.
    pub latency_ms: Option<[f64; 3]>,
    /// Requests by [`STATUS_CLASSES`].
    pub statuses: [u64; 6],
}

impl Figures {
    /// The share of requests in a status class; `None` without requests.
    pub fn rate(&self, class: usize) -> Option<f64> {
        (self.requests > 0).then(|| self.statuses[class] as f64 / self.requests as f64)
    }
    /// The share of requests answered with a 5xx.
    pub fn server_error_rate(&self) -> Option<f64> {
        self.rate(0).map(|ok| 1.0 - ok)
    }
}

fn new_histogram() -> Histogram<u64> {
    match Histogram::new_with_bounds(1, LATENCY_MAX_MICROS, 3) {
        Ok(h) => h,
        Err(e) => panic!("invariant: a 3-digit histogram to a day is valid: {e:?}"),
    }
}

/// A minute still open: its histogram and counts.
struct OpenMinute {
    latency: Histogram<u64>,
    requests: u64,
    statuses: [u64; 6],
}

/// Per-minute figures gathered as requests stream in; only minutes that can
/// still receive requests are held (each an hdrhistogram: 3 significant
/// digits, percentiles within 0.1 %), closed ones kept as their figures.
pub struct MinuteFigures {
    open: BTreeMap<u64, OpenMinute>,
    /// Histograms of closed minutes, reused.
    spare: Vec<Histogram<u64>>,
    closed: Vec<Figures>,
    overall: Histogram<u64>,
    overall_requests: u64,
    overall_statuses: [u64; 6],
}

/// p50, p90, p99 in ms: each the lowest value its bucket holds, so a logged
/// 20.000 ms reads 20.000 (the histogram's 0.1 % either way).
fn percentiles(h: &Histogram<u64>) -> Option<[f64; 3]> {
    (!h.is_empty()).then(|| [0.5, 0.9, 0.99].map(|q| h.lowest_equivalent(h.value_at_quantile(q)) as f64 / 1000.0))
}

impl MinuteFigures {
    pub fn new(minute_count: usize) -> MinuteFigures {
        MinuteFigures {
            open: BTreeMap::new(),
            spare: Vec::new(),
            closed: vec![Figures::default(); minute_count],
            overall: new_histogram(),
            overall_requests: 0,
            overall_statuses: [0; 6],
        }
    }

    /// One request in `minute`: its latency if it has one (see the module docs), its status class.
    pub fn record(&mut self, minute: u64, latency: Option<SimDuration>, class: usize) {
        if minute as usize >= self.closed.len() {
            return;
        }
        let spare = &mut self.spare;
        let open = self.open.entry(minute).or_insert_with(|| OpenMinute {
            latency: spare.pop().unwrap_or_else(new_histogram),
            requests: 0,
            statuses: [0; 6],
        });
        open.requests += 1;
        open.statuses[class] += 1;
        self.overall_requests += 1;
        self.overall_statuses[class] += 1;
        if let Some(latency) = latency {
            // Whole µs, at least 1 (as the run's collector records them).
            let micros = (latency.as_nanos() / 1000).max(1);
            open.latency.saturating_record(micros);
            self.overall.saturating_record(micros);
        }
    }

    /// Closes every minute before `minute`: no more requests can fall in them.
    pub fn close_before(&mut self, minute: u64) {
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() >= minute {
                break;
            }
            let (index, mut open) = entry.remove_entry();
            let row = &mut self.closed[index as usize];
            // A minute reopened by a straggler adds to what it had.
            row.requests += open.requests;
            for (total, n) in row.statuses.iter_mut().zip(open.statuses) {
                *total += n;
            }
            row.latency_count += open.latency.len();
            row.latency_ms = percentiles(&open.latency).or(row.latency_ms);
            open.latency.reset();
            self.spare.push(open.latency);
        }
    }

    /// Every minute's figures and the whole period's.
    pub fn finish(mut self) -> (Vec<Figures>, Figures) {
        self.close_before(u64::MAX);
        let overall = Figures {
            requests: self.overall_requests,
            latency_count: self.overall.len(),
            latency_ms: percentiles(&self.overall),
            statuses: self.overall_statuses,
        };
        (self.closed, overall)
    }
}

/// The simulated side: an [`Observer`] of clients' requests (calls between
/// services are not the ALB's), by arrival minute. A minute closes once the
/// run is one ALB idle timeout past its end: by then the ALB has answered
/// every request that arrived in it (504 at the latest, §3.3).
pub struct SimulatedMinutes {
    figures: MinuteFigures,
    idle_timeout: SimDuration,
}

impl SimulatedMinutes {
    pub fn new(minute_count: usize, idle_timeout: SimDuration) -> SimulatedMinutes {
        SimulatedMinutes { figures: MinuteFigures::new(minute_count), idle_timeout }
    }

    fn advance(&mut self, at: SimTime) {
        let settled = at.as_nanos().saturating_sub(self.idle_timeout.as_nanos() + 1);
        // Minutes ending at or before `settled` are complete.
        self.figures.close_before(settled / MINUTE_NANOS);
    }

    pub fn finish(self) -> (Vec<Figures>, Figures) {
        self.figures.finish()
    }
}

impl Observer for SimulatedMinutes {
    fn observe(&mut self, observation: &Observation) {
        match *observation {
            Observation::RequestFinished { at, call: false, arrived, outcome, .. } => {
                self.advance(at);
                let (latency, class) = match outcome {
                    Outcome::Succeeded => (Some(at - arrived), 0),
                    Outcome::Failed(cause) => (None, status_class(Some(cause.status()))),
                };
                self.figures.record(arrived.minute_index(), latency, class);
            }
            Observation::FixedResponse { at, status, .. } => {
                self.advance(at);
                self.figures.record(at.minute_index(), None, status_class(Some(status)));
            }
            _ => {}
        }
    }
}

/// What went wrong setting up a validation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Traffic(#[from] traffic::Error),
    #[error("{0}")]
    Scenario(String),
}

/// The logs a validation replays: the scenario's traffic must be
/// `kind = "alb_access_logs"` at its own pace (the minutes compared must be
/// the logs' minutes).
pub fn logged_traffic(spec: &TrafficSpec) -> Result<(&[std::path::PathBuf], SimDuration), Error> {
    let SourceSpec::AlbAccessLogs { paths, reorder_window } = &spec.source else {
        return Err(Error::Scenario(
            "traffic: validate-model replays access logs: expected one [traffic] with kind = \"alb_access_logs\""
                .into(),
        ));
    };
    if spec.rate_scale != 1.0 || spec.time_scale != 1.0 {
        return Err(Error::Scenario(format!(
            "traffic: validate-model compares the logs' own minutes: expected rate_scale = 1 and time_scale = 1, found {} and {}",
            spec.rate_scale, spec.time_scale
        )));
    }
    Ok((paths, *reorder_window))
}

/// What the observed side keeps of an entry while the merge's window holds it back.
struct Seen {
    class: usize,
    target_nanos: Option<u64>,
}

fn seen(entry: &LogEntry) -> Result<Seen, String> {
    Ok(Seen { class: status_class(entry.elb_status_code), target_nanos: entry.target_processing_nanos })
}

/// The observed side: the logs streamed in arrival order, each entry in the
/// simulated minute the replay gives it (the same origin and `start_offset`),
/// entries at or after `end` left out as the replay leaves them out. Returns
/// also the logs' origin (ns since the epoch) for labelling minutes.
pub fn observed_minutes(spec: &TrafficSpec, end: SimTime) -> Result<(Vec<Figures>, Figures, u64), Error> {
    let (paths, reorder_window) = logged_traffic(spec)?;
    let files = log_files(paths)?;
    let mut merge = LogMerge::new(files, reorder_window.as_nanos());
    let Some(first) = merge.peek_at_nanos(&mut seen)? else {
        let shown = merge.paths().iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err(traffic::Error::File { path: shown, message: "the access logs hold no requests".into() }.into());
    };
    let origin = traffic::origin_nanos(first);
    let mut figures = MinuteFigures::new(minute_count(end));
    while let Some(logged) = merge.next(&mut seen)? {
        let Some(at) = traffic::to_sim_time(logged.at_nanos - origin, spec) else { continue };
        if at >= end {
            break;
        }
        // Arrivals come in order: earlier minutes are complete.
        figures.close_before(at.minute_index());
        let Seen { class, target_nanos } = logged.item;
        figures.record(at.minute_index(), target_nanos.map(SimDuration::from_nanos), class);
    }
    let (minutes, overall) = figures.finish();
    Ok((minutes, overall, origin + spec.start_offset.as_nanos()))
}

/// Simulated minutes in a run ending at `end`.
pub fn minute_count(end: SimTime) -> usize {
    end.as_nanos().div_ceil(MINUTE_NANOS) as usize
}

/// One minute (or the whole period) side by side.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub observed: Figures,
    pub simulated: Figures,
}

impl Row {
    /// simulated / observed − 1 of percentile `i` (0: p50, 1: p90, 2: p99).
    pub fn latency_error(&self, i: usize) -> Option<f64> {
        let (o, s) = (self.observed.latency_ms?[i], self.simulated.latency_ms?[i]);
        (o > 0.0).then(|| s / o - 1.0)
    }
}

/// How close the model came, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// p50, p90 and p99 within 10 % and the 5xx rate within 0.5 points.
    Close,
    /// Within 25 % and 2 points.
    Rough,
    Far,
    /// Nothing to compare (no latencies on a side).
    Undetermined,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Close => "close",
            Verdict::Rough => "rough",
            Verdict::Far => "far",
            Verdict::Undetermined => "undetermined",
        }
    }
}

/// A validation: the minutes, the whole period, and the verdict's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    /// Source time of simulated minute 0, ns since the epoch.
    pub origin_nanos: u64,
    pub minutes: Vec<Row>,
    pub overall: Row,
    /// The median over minutes with at least [`MIN_MINUTE_LATENCIES`]
    /// latencies on both sides of |p99 error|, and how many such minutes.
    pub minute_p99_error_median: Option<f64>,
    pub compared_minute_count: usize,
    /// The largest |error| of p50, p90 and p99 over the whole period.
    pub worst_latency_error: Option<f64>,
    /// Simulated − observed share of 5xx.
    pub server_error_rate_difference: Option<f64>,
    pub verdict: Verdict,
}

/// A minute's p99 says little with fewer latencies than this.
pub const MIN_MINUTE_LATENCIES: u64 = 100;

/// Sets the two sides against each other.
pub fn compare(origin_nanos: u64, observed: (Vec<Figures>, Figures), simulated: (Vec<Figures>, Figures)) -> Validation {
    let minutes: Vec<Row> =
        observed.0.into_iter().zip(simulated.0).map(|(observed, simulated)| Row { observed, simulated }).collect();
    let overall = Row { observed: observed.1, simulated: simulated.1 };
    let mut errors: Vec<f64> = minutes
        .iter()
        .filter(|r| {
            r.observed.latency_count >= MIN_MINUTE_LATENCIES && r.simulated.latency_count >= MIN_MINUTE_LATENCIES
        })
        .filter_map(|r| r.latency_error(2).map(f64::abs))
        .collect();
    errors.sort_by(f64::total_cmp);
    let minute_p99_error_median = (!errors.is_empty()).then(|| {
        let n = errors.len();
        if n % 2 == 1 {
            errors[n / 2]
        } else {
            (errors[n / 2 - 1] + errors[n / 2]) / 2.0
        }
    });
    let worst_latency_error = (0..3)
        .map(|i| overall.latency_error(i).map(f64::abs))
        .collect::<Option<Vec<f64>>>()
        .map(|e| e.into_iter().fold(0.0, f64::max));
    let server_error_rate_difference = overall
        .simulated
        .server_error_rate()
        .zip(overall.observed.server_error_rate())
        .map(|(simulated, observed)| simulated - observed);
    let verdict = match (worst_latency_error, server_error_rate_difference) {
        (Some(latency), Some(rate)) if latency <= 0.10 && rate.abs() <= 0.005 => Verdict::Close,
        (Some(latency), Some(rate)) if latency <= 0.25 && rate.abs() <= 0.02 => Verdict::Rough,
        (Some(_), Some(_)) => Verdict::Far,
        _ => Verdict::Undetermined,
    };
    Validation {
        origin_nanos,
        compared_minute_count: errors.len(),
        minutes,
        overall,
        minute_p99_error_median,
        worst_latency_error,
        server_error_rate_difference,
        verdict,
    }
}
