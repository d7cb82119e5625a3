//! Arrivals as a stream: synthetic generators and CSV traces, read row by row
//! and never loaded whole. Knows routes by id, nothing of the ECS model.
//!
//! Time mapping, for every source: simulated time = (source time − `start_offset`)
//! × `time_scale`; `rate_scale` multiplies how many requests arrive.

mod count_trace;
mod decimal;
mod request_trace;
mod synthetic;

use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::{Arrival, RouteId};
use std::path::PathBuf;

pub use count_trace::CountTrace;
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
    pub route: RouteId,
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

/// A stream of arrivals in non-decreasing time order. An enum rather than a
/// trait object: the hot path calls it once per request.
pub enum Arrivals {
    Synthetic(Synthetic),
    CountTrace(CountTrace),
    RequestTrace(RequestTrace),
}

impl Arrivals {
    /// Opens the source; arrivals stop before `end` (simulated time).
    pub fn open(spec: &TrafficSpec, streams: &RngStreams, end: SimTime) -> Result<Arrivals, Error> {
        let stream = streams.stream("arrivals");
        Ok(match &spec.source {
            SourceSpec::Synthetic(profile) => Arrivals::Synthetic(Synthetic::new(profile.clone(), spec, stream, end)),
            SourceSpec::CountTrace { path } => Arrivals::CountTrace(CountTrace::open(path, spec, stream, end)?),
            SourceSpec::RequestTrace { path, service_time_column, response_bytes_column } => {
                Arrivals::RequestTrace(RequestTrace::open(
                    path,
                    service_time_column.as_deref(),
                    response_bytes_column.as_deref(),
                    spec,
                    stream,
                    end,
                )?)
            }
        })
    }

    #[inline]
    pub fn next_arrival(&mut self) -> Result<Option<Arrival>, Error> {
        match self {
            Arrivals::Synthetic(s) => Ok(s.next_arrival()),
            Arrivals::CountTrace(s) => s.next_arrival(),
            Arrivals::RequestTrace(s) => s.next_arrival(),
        }
    }
}

/// Source time (ns) → simulated time, or None if before the offset.
fn to_sim_time(source_nanos: u64, spec: &TrafficSpec) -> Option<SimTime> {
    let since = source_nanos.checked_sub(spec.start_offset.as_nanos())?;
    if spec.time_scale == 1.0 {
        Some(SimTime::from_nanos(since))
    } else {
        Some(SimTime::from_nanos((since as f64 * spec.time_scale).round() as u64))
    }
}

/// How many copies of a trace request (or requests of a bin) `rate_scale` makes
/// of `count`: the integer part, plus one more with the fractional part's probability.
fn scaled_count(count: f64, rate_scale: f64, stream: &mut crate::engine::Stream) -> u64 {
    let scaled = count * rate_scale;
    let whole = scaled.floor();
    whole as u64 + u64::from(stream.uniform() < scaled - whole)
}
