//! Arrivals as a stream: synthetic generators, CSV traces, ALB access logs and
//! CloudWatch exports (aws-semantics §11), read row by row and never loaded whole. Knows routes by id, nothing of the ECS model.
//!
//! Time mapping, for every source: simulated time = (source time − `start_offset`)
//! × `time_scale`; `rate_scale` multiplies how many requests arrive.

pub mod access_log;
mod access_log_trace;
pub mod cloudwatch;
mod count_trace;
pub use count_trace::MAX_REQUESTS_PER_BIN;
mod decimal;
pub mod log_fit;
pub mod log_merge;
pub mod log_summary;
mod request_trace;
mod synthetic;

use crate::engine::{RngStreams, SimDuration, SimTime, Stream};
use crate::model::listener::Listener;
use crate::model::{Arrival, QueueId, RouteId};
use std::path::PathBuf;
use std::sync::Arc;

pub use access_log_trace::{origin_nanos, response_bytes_of, route_of, AccessLogTrace};
pub use count_trace::CountTrace;
pub use log_merge::{log_files, LogMerge, DEFAULT_REORDER_WINDOW_NANOS};
pub use request_trace::RequestTrace;
pub use synthetic::{RateProfile, Synthetic};

/// Where requests come from, and how to scale them.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficSpec {
    pub source: SourceSpec,
    pub rate_scale: f64,
    pub time_scale: f64,
    /// Source time that maps to simulated time zero.
    pub start_offset: SimDuration,
    /// Which listener route each request takes, when the source does not say.
    pub routing: Routing,
}

/// How requests are given their listener route.
#[derive(Clone, Debug, PartialEq)]
pub enum Routing {
    /// Every request takes this route.
    Fixed(RouteId),
    /// A seeded draw per request: the first entry whose cumulative share
    /// exceeds it (the last is 1).
    Shares(Vec<(f64, RouteId)>),
    /// Not requests: SQS messages sent to this queue (issue 9).
    Queue(QueueId),
    /// A request trace's own columns, matched against the listener's rules.
    RequestLine {
        path_column: String,
        method_column: Option<String>,
        host_column: Option<String>,
        /// (header name, its column), headers other than `Host`.
        header_columns: Vec<(String, String)>,
        listener: Arc<Listener>,
    },
    /// An ALB access log's own request lines (§11.2), matched against the listener's rules.
    LoggedRequest(Arc<Listener>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    Synthetic(RateProfile),
    /// CSV `t_seconds,requests`: requests per interval.
    CountTrace {
        path: PathBuf,
    },
    /// CSV `t_seconds[,<service time column>][,<response bytes column>]`: one row per request, sorted.
    RequestTrace {
        path: PathBuf,
        service_time_column: Option<String>,
        response_bytes_column: Option<String>,
    },
    /// ALB access logs (§11): files and folders of `*.log.gz`/`*.log`, one
    /// arrival per entry at its `request_creation_time`.
    AlbAccessLogs {
        paths: Vec<PathBuf>,
        /// How far out of arrival order an entry may be within its file.
        reorder_window: SimDuration,
    },
    /// A CloudWatch export of a count metric (§11.3), replayed as a count trace.
    CloudWatch {
        path: PathBuf,
        /// The result's Id or Label, when the export holds several.
        metric: Option<String>,
    },
    /// Several sources, each with its own scales and routing, merged in
    /// time order (ties: the earlier source first).
    Merged(Vec<TrafficSpec>),
}

/// What went wrong reading traffic.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read trace: {source}")]
    Open { path: String, source: std::io::Error },
    #[error("{path}: line {line}: {message}")]
    Line { path: String, line: u64, message: String },
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

/// A stream of arrivals in non-decreasing time order, each on its route.
pub struct Arrivals {
    source: Source,
    routing: Routing,
    /// The per-request route draws of `Routing::Shares`, apart from the
    /// source's own stream so that routes never move arrival times.
    route_draws: Stream,
}

/// An enum rather than a trait object: the hot path calls it once per request.
enum Source {
    Synthetic(Synthetic),
    CountTrace(CountTrace),
    RequestTrace(RequestTrace),
    AccessLogs(AccessLogTrace),
    /// Each source and its next arrival.
    Merged(Vec<(Arrivals, Option<Arrival>)>),
}

impl Arrivals {
    /// Opens the source; arrivals stop before `end` (simulated time).
    pub fn open(spec: &TrafficSpec, streams: &RngStreams, end: SimTime) -> Result<Arrivals, Error> {
        Self::open_source(spec, streams, end, 0)
    }

    /// Source `index` of a merge draws on its own streams; the first (and
    /// a lone source) on the streams every run had before merges existed.
    fn open_source(spec: &TrafficSpec, streams: &RngStreams, end: SimTime, index: u64) -> Result<Arrivals, Error> {
        let named =
            |purpose: &str| if index == 0 { streams.stream(purpose) } else { streams.substream(purpose, index) };
        let stream = named("arrivals");
        let source = match &spec.source {
            SourceSpec::Merged(specs) => {
                let mut sources = Vec::with_capacity(specs.len());
                for (i, spec) in specs.iter().enumerate() {
                    let mut arrivals = Self::open_source(spec, streams, end, i as u64)?;
                    let head = arrivals.next_arrival()?;
                    sources.push((arrivals, head));
                }
                Source::Merged(sources)
            }
            SourceSpec::Synthetic(profile) => Source::Synthetic(Synthetic::new(profile.clone(), spec, stream, end)),
            SourceSpec::CountTrace { path } => Source::CountTrace(CountTrace::open(path, spec, stream, end)?),
            SourceSpec::RequestTrace { path, service_time_column, response_bytes_column } => {
                Source::RequestTrace(RequestTrace::open(
                    path,
                    service_time_column.as_deref(),
                    response_bytes_column.as_deref(),
                    spec,
                    stream,
                    end,
                )?)
            }
            SourceSpec::AlbAccessLogs { paths, reorder_window } => {
                Source::AccessLogs(AccessLogTrace::open(paths, reorder_window.as_nanos(), spec, stream, end)?)
            }
            SourceSpec::CloudWatch { path, metric } => {
                Source::CountTrace(open_cloudwatch(path, metric, spec, stream, end)?)
            }
        };
        Ok(Arrivals { source, routing: spec.routing.clone(), route_draws: named("traffic_routes") })
    }

    #[inline]
    pub fn next_arrival(&mut self) -> Result<Option<Arrival>, Error> {
        let arrival = match &mut self.source {
            Source::Synthetic(s) => s.next_arrival(),
            Source::CountTrace(s) => s.next_arrival()?,
            Source::RequestTrace(s) => s.next_arrival()?,
            Source::AccessLogs(s) => s.next_arrival()?,
            Source::Merged(sources) => {
                // The earliest head; ties to the earlier source. Each source routed itself.
                let next = sources
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, head))| head.map(|a| (a.at, i)))
                    .min()
                    .map(|(_, i)| i);
                let Some(i) = next else { return Ok(None) };
                let (arrivals, head) = &mut sources[i];
                let arrival = *head;
                *head = arrivals.next_arrival()?;
                return Ok(arrival);
            }
        };
        let Some(mut arrival) = arrival else { return Ok(None) };
        Ok(Some({
            match &self.routing {
                Routing::Fixed(route) => arrival.route = *route,
                Routing::Shares(shares) => {
                    let draw = self.route_draws.uniform();
                    arrival.route =
                        shares.iter().find(|&&(bound, _)| draw < bound).unwrap_or(&shares[shares.len() - 1]).1;
                }
                Routing::Queue(queue) => arrival.queue = Some(*queue),
                Routing::RequestLine { .. } | Routing::LoggedRequest(_) => {} // the trace resolved it
            }
            arrival
        }))
    }
}

/// A CloudWatch export as a count trace: source time zero is its first
/// datapoint, each period's count spread over the period.
fn open_cloudwatch(
    path: &std::path::Path,
    metric: &Option<String>,
    spec: &TrafficSpec,
    stream: Stream,
    end: SimTime,
) -> Result<CountTrace, Error> {
    let export = cloudwatch::read_export(path, metric.as_deref())?;
    let first = export.points.first().map_or(0, |&(t, _)| t);
    let shown = path.display().to_string();
    if let Some(&(t, count)) =
        export.points.iter().find(|&&(_, c)| c * spec.rate_scale > count_trace::MAX_REQUESTS_PER_BIN)
    {
        return Err(Error::File {
            path: shown,
            message: format!(
                "{} at {}: {count} × rate_scale {} is over {} requests in one period",
                export.label,
                access_log::format_iso8601_micros(t),
                spec.rate_scale,
                count_trace::MAX_REQUESTS_PER_BIN
            ),
        });
    }
    let points = export.points.into_iter().map(|(t, c)| (t - first, c)).collect();
    CountTrace::from_points(shown, points, export.period_nanos, spec, stream, end)
}

/// Source time (ns) → simulated time, or None if before the offset.
pub(crate) fn to_sim_time(source_nanos: u64, spec: &TrafficSpec) -> Option<SimTime> {
    let since = source_nanos.checked_sub(spec.start_offset.as_nanos())?;
    if spec.time_scale == 1.0 {
        Some(SimTime::from_nanos(since))
    } else {
        Some(SimTime::from_nanos((since as f64 * spec.time_scale).round() as u64))
    }
}

/// A trace that ended before `start_offset`: nothing of it would be replayed,
/// which is almost surely a typo in the offset, not an empty run wanted.
/// `line`: the last row's line in a CSV (none for a CloudWatch export or access logs).
fn offset_past_end(path: &str, spec: &TrafficSpec, last_nanos: u64, line: Option<u64>) -> Error {
    let row = line.map_or("its last entry".to_string(), |line| format!("its last row, line {line},"));
    Error::File {
        path: path.to_string(),
        message: format!(
            "start_offset: {} s is past the trace's end ({row} is at {} s): nothing of it would arrive",
            spec.start_offset.as_nanos() as f64 / 1e9,
            last_nanos as f64 / 1e9
        ),
    }
}

/// How many copies of a trace request (or requests of a bin) `rate_scale` makes
/// of `count`: the integer part, plus one more with the fractional part's probability.
fn scaled_count(count: f64, rate_scale: f64, stream: &mut crate::engine::Stream) -> u64 {
    let scaled = count * rate_scale;
    let whole = scaled.floor();
    whole as u64 + u64::from(stream.uniform() < scaled - whole)
}
