//! A trace of request counts per interval (`t_seconds,requests`), streamed.
//! Each bin's requests are spread over [t, next t) as a Poisson process
//! conditioned on that count: that many uniform points, sorted. Only one bin's
//! offsets are held at a time. The counts come from a CSV or, for a
//! CloudWatch export, from datapoints read beforehand (`from_points`).

use super::decimal::{parse_non_negative, parse_seconds};
use super::{scaled_count, to_sim_time, Error, TrafficSpec};
use crate::engine::{SimTime, Stream};
use crate::model::{Arrival, RouteId};
use std::fs::File;
use std::path::Path;

struct Row {
    t_nanos: u64,
    requests: f64,
    line: u64,
}

/// Where the rows come from.
enum Rows {
    Csv {
        reader: csv::Reader<File>,
        record: csv::ByteRecord,
        t_column: usize,
        requests_column: usize,
    },
    /// (source time ns, count), sorted, already checked; `line` is the index.
    Points(std::iter::Enumerate<std::vec::IntoIter<(u64, f64)>>),
}

pub struct CountTrace {
    rows: Rows,
    path: String,
    spec: TrafficSpec,
    stream: Stream,
    end: SimTime,
    /// The row after the current bin (its start ends the bin).
    lookahead: Option<Row>,
    last_interval_nanos: u64,
    /// The current bin's start, and its arrivals' offsets (ns) from it, sorted,
    /// consumed from `next_offset`.
    bin_start: u64,
    offsets: Vec<u64>,
    next_offset: usize,
    done: bool,
}

/// fleetsim's bound on one bin's requests (100 M: a minute at 1.7 M req/s).
pub const MAX_REQUESTS_PER_BIN: f64 = 1e8;

fn column(headers: &csv::ByteRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| h.trim_ascii() == name.as_bytes())
}

impl CountTrace {
    pub fn open(path: &Path, spec: &TrafficSpec, stream: Stream, end: SimTime) -> Result<CountTrace, Error> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|source| Error::Open { path: shown.clone(), source })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(file);
        let headers = reader
            .byte_headers()
            .map_err(|e| Error::File { path: shown.clone(), message: format!("cannot read the header: {e}") })?
            .clone();
        let (Some(t_column), Some(requests_column)) = (column(&headers, "t_seconds"), column(&headers, "requests"))
        else {
            return Err(Error::Line {
                path: shown,
                line: 1,
                message: format!(
                    "expected the header `t_seconds,requests`, found `{}`",
                    headers.iter().map(|h| String::from_utf8_lossy(h.trim_ascii())).collect::<Vec<_>>().join(",")
                ),
            });
        };
        let mut trace = CountTrace {
            rows: Rows::Csv { reader, record: csv::ByteRecord::new(), t_column, requests_column },
            path: shown,
            spec: spec.clone(),
            stream,
            end,
            lookahead: None,
            last_interval_nanos: 60_000_000_000,
            bin_start: 0,
            offsets: Vec::new(),
            next_offset: 0,
            done: false,
        };
        trace.lookahead = trace.read_row(None)?;
        if trace.lookahead.is_none() {
            return Err(Error::File { path: trace.path, message: "the trace has no rows".into() });
        }
        Ok(trace)
    }

    /// Counts already read and checked (a CloudWatch export): `points` as
    /// (source time ns, count), sorted with increasing times, each bin
    /// `interval_nanos` long unless the next point says otherwise.
    pub fn from_points(
        shown: String,
        points: Vec<(u64, f64)>,
        interval_nanos: u64,
        spec: &TrafficSpec,
        stream: Stream,
        end: SimTime,
    ) -> Result<CountTrace, Error> {
        let mut trace = CountTrace {
            rows: Rows::Points(points.into_iter().enumerate()),
            path: shown,
            spec: spec.clone(),
            stream,
            end,
            lookahead: None,
            last_interval_nanos: interval_nanos,
            bin_start: 0,
            offsets: Vec::new(),
            next_offset: 0,
            done: false,
        };
        trace.lookahead = trace.read_row(None)?;
        if trace.lookahead.is_none() {
            return Err(Error::File { path: trace.path, message: "the export has no datapoints".into() });
        }
        Ok(trace)
    }

    fn line_error(&self, line: u64, message: String) -> Error {
        Error::Line { path: self.path.clone(), line, message }
    }

    fn read_row(&mut self, previous: Option<&Row>) -> Result<Option<Row>, Error> {
        let (reader, record, t_column, requests_column) = match &mut self.rows {
            Rows::Points(points) => {
                return Ok(points.next().map(|(i, (t_nanos, requests))| Row { t_nanos, requests, line: i as u64 }))
            }
            Rows::Csv { reader, record, t_column, requests_column } => (reader, record, *t_column, *requests_column),
        };
        let more = reader.read_byte_record(record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::Line { path: self.path.clone(), line, message: format!("malformed CSV: {e}") }
        })?;
        if !more {
            return Ok(None);
        }
        let line = record.position().map_or(0, |p| p.line());
        let line_error = |line, message| Error::Line { path: self.path.clone(), line, message };
        let t_field = record.get(t_column).unwrap_or_default();
        let Some(t_nanos) = parse_seconds(t_field) else {
            return Err(line_error(
                line,
                format!(
                    "t_seconds: expected a non-negative number of seconds, found `{}`",
                    String::from_utf8_lossy(t_field.trim_ascii())
                ),
            ));
        };
        let r_field = record.get(requests_column).unwrap_or_default();
        let Some(requests) = parse_non_negative(r_field) else {
            return Err(line_error(
                line,
                format!(
                    "requests: expected a non-negative count, found `{}`",
                    String::from_utf8_lossy(r_field.trim_ascii())
                ),
            ));
        };
        if let Some(previous) = previous {
            if t_nanos <= previous.t_nanos {
                return Err(line_error(
                    line,
                    format!(
                        "t_seconds: rows must be sorted with increasing times, but {} follows {} (line {})",
                        String::from_utf8_lossy(t_field).trim(),
                        previous.t_nanos as f64 / 1e9,
                        previous.line
                    ),
                ));
            }
        }
        Ok(Some(Row { t_nanos, requests, line }))
    }

    /// Moves to the next bin; false at the end of the trace.
    fn next_bin(&mut self) -> Result<bool, Error> {
        let Some(row) = self.lookahead.take() else { return Ok(false) };
        self.lookahead = self.read_row(Some(&row))?;
        let interval = match &self.lookahead {
            Some(next) => next.t_nanos - row.t_nanos,
            None => self.last_interval_nanos, // the last bin is as long as the one before
        };
        self.last_interval_nanos = interval;
        self.bin_start = row.t_nanos;
        // One bin's offsets are held in memory: bound them (a typo of 1e12 must not abort).
        if row.requests * self.spec.rate_scale > MAX_REQUESTS_PER_BIN {
            return Err(self.line_error(
                row.line,
                format!(
                    "requests: {} × rate_scale {} is over {MAX_REQUESTS_PER_BIN} requests in one bin",
                    row.requests, self.spec.rate_scale
                ),
            ));
        }
        let count = scaled_count(row.requests, self.spec.rate_scale, &mut self.stream);
        self.offsets.clear();
        self.offsets.extend((0..count).map(|_| self.stream.below(interval.max(1))));
        self.offsets.sort_unstable();
        self.next_offset = 0;
        Ok(true)
    }

    pub fn next_arrival(&mut self) -> Result<Option<Arrival>, Error> {
        while !self.done {
            let Some(&offset) = self.offsets.get(self.next_offset) else {
                if !self.next_bin()? {
                    self.done = true;
                }
                continue;
            };
            self.next_offset += 1;
            let Some(at) = to_sim_time(self.bin_start + offset, &self.spec) else { continue };
            if at >= self.end {
                self.done = true;
                break;
            }
            return Ok(Some(Arrival { at, route: RouteId(0), demand: None, response_bytes: None, queue: None }));
        }
        Ok(None)
    }
}
