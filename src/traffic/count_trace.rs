//! A trace of request counts per interval (`t_seconds,requests`), streamed.
//! Each bin's requests are spread over [t, next t) as a Poisson process
//! conditioned on that count: that many uniform points, in order. A bin of up
//! to `HELD_BIN_REQUESTS` is drawn whole and sorted; a larger one is drawn as
//! a stream of sorted points (`SortedUniforms`), so memory is flat in a bin's
//! size. The counts come from a CSV or, for a CloudWatch export, from
//! datapoints read beforehand (`from_points`).

use super::decimal::{parse_non_negative, parse_seconds};
use super::{scaled_count, to_sim_time, Error, TrafficSpec};
use crate::engine::sample::SortedUniforms;
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
    /// The current bin's start and length (ns), and its row's line.
    bin_start: u64,
    bin_nanos: u64,
    bin_line: u64,
    /// A held bin's arrivals' offsets (ns) from its start, sorted, consumed
    /// from `next_offset`.
    offsets: Vec<u64>,
    next_offset: usize,
    /// A bin over `HELD_BIN_REQUESTS`: its points still to draw, in order.
    streamed: Option<SortedUniforms>,
    done: bool,
}

/// fleetsim's bound on one bin's requests (100 M: a minute at 1.7 M req/s).
/// Memory no longer depends on it (large bins are streamed), but time does:
/// a typo of 1e12 must be refused, not drawn for hours.
pub const MAX_REQUESTS_PER_BIN: f64 = 1e8;

/// Bins of at most this many requests are drawn whole and sorted (512 KiB of
/// offsets); larger ones are streamed. Not every bin streamed: the held
/// draws are what every existing result rests on (the largest bin of the
/// shipped scenarios is 45,885: wc98's peak minute at rate_scale 0.2), and
/// they stay bit for bit as they were.
pub const HELD_BIN_REQUESTS: u64 = 65_536;

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
        let rows = Rows::Csv { reader, record: csv::ByteRecord::new(), t_column, requests_column };
        CountTrace::start(rows, shown, 60_000_000_000, spec, stream, end, "the trace has no rows")
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
        let rows = Rows::Points(points.into_iter().enumerate());
        CountTrace::start(rows, shown, interval_nanos, spec, stream, end, "the export has no datapoints")
    }

    /// A trace over `rows`, its first row read; an error saying `empty` when there is none.
    fn start(
        rows: Rows,
        path: String,
        first_interval_nanos: u64,
        spec: &TrafficSpec,
        stream: Stream,
        end: SimTime,
        empty: &str,
    ) -> Result<CountTrace, Error> {
        let mut trace = CountTrace {
            rows,
            path,
            spec: spec.clone(),
            stream,
            end,
            lookahead: None,
            last_interval_nanos: first_interval_nanos,
            bin_start: 0,
            bin_line: 0,
            bin_nanos: 1,
            offsets: Vec::new(),
            next_offset: 0,
            streamed: None,
            done: false,
        };
        trace.lookahead = trace.read_row(None)?;
        if trace.lookahead.is_none() {
            return Err(Error::File { path: trace.path, message: empty.into() });
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
            // The last bin is as long as the one before, but ends within the
            // clock: a last row near u64::MAX ns would wrap (found in review).
            None => self.last_interval_nanos.min(u64::MAX - row.t_nanos),
        };
        self.last_interval_nanos = interval;
        self.bin_start = row.t_nanos;
        self.bin_line = row.line;
        self.bin_nanos = interval.max(1);
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
        self.next_offset = 0;
        self.streamed = None;
        if count > HELD_BIN_REQUESTS {
            self.streamed = Some(SortedUniforms::new(count));
        } else {
            self.offsets.extend((0..count).map(|_| self.stream.below(self.bin_nanos)));
            self.offsets.sort_unstable();
        }
        Ok(true)
    }

    /// The current bin's next arrival offset (ns from its start), in order.
    fn next_offset(&mut self) -> Option<u64> {
        if let Some(sorted) = &mut self.streamed {
            let point = sorted.next(&mut self.stream)?;
            // Scaled onto whole nanoseconds, the top clamped into the bin (see `SortedUniforms::next`).
            return Some(((point * self.bin_nanos as f64) as u64).min(self.bin_nanos - 1));
        }
        let offset = *self.offsets.get(self.next_offset)?;
        self.next_offset += 1;
        Some(offset)
    }

    pub fn next_arrival(&mut self) -> Result<Option<Arrival>, Error> {
        while !self.done {
            let Some(offset) = self.next_offset() else {
                if !self.next_bin()? {
                    self.done = true;
                    // The last bin ended at or before the offset: all was skipped.
                    if self.bin_start.saturating_add(self.bin_nanos) <= self.spec.start_offset.as_nanos() {
                        return Err(super::offset_past_end(
                            &self.path,
                            &self.spec,
                            self.bin_start,
                            matches!(self.rows, Rows::Csv { .. }).then_some(self.bin_line),
                        ));
                    }
                }
                continue;
            };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, SimDuration};
    use crate::traffic::{Routing, SourceSpec};

    fn spec() -> TrafficSpec {
        TrafficSpec {
            source: SourceSpec::CountTrace { path: "huge.csv".into() },
            rate_scale: 1.0,
            time_scale: 1.0,
            start_offset: SimDuration::ZERO,
            routing: Routing::Fixed(RouteId(0)),
        }
    }

    /// Goal: a huge bin is read with flat memory, its requests all inside
    /// it, in order, spread as uniform order statistics. Method: bins of 10,
    /// 20 M and 5 requests, 60 s each; count each bin's arrivals, check the
    /// order and that no offset is held (`offsets` never grows); the 20 M
    /// offsets, as fractions of the minute, have mean 1/2 and variance 1/12
    /// within 5 standard errors (sd of the mean sqrt(1/12 n) ≈ 6.5e-5, of
    /// the variance sqrt(1/180 n) ≈ 1.7e-5), and the points at each tenth
    /// of the bin's requests are at that tenth of the minute within 5 sd
    /// (sd ≤ 1/(2 sqrt n) ≈ 1.1e-4).
    #[test]
    fn a_huge_bin_is_streamed_in_order_with_flat_memory() {
        const MINUTE: u64 = 60_000_000_000;
        const HUGE: u64 = 20_000_000;
        let points = vec![(0, 10.0), (MINUTE, HUGE as f64), (2 * MINUTE, 5.0)];
        let end = SimTime::from_nanos(10 * MINUTE);
        let stream = RngStreams::new(3).stream("arrivals");
        let mut trace =
            CountTrace::from_points("huge.csv".into(), points, MINUTE, &spec(), stream, end).expect("three bins");
        let (mut counts, mut last, mut held) = ([0u64; 3], 0, 0);
        let (mut sum, mut sum_squares, mut tenths) = (0.0, 0.0, Vec::new());
        while let Some(arrival) = trace.next_arrival().expect("points are valid") {
            let at = arrival.at.as_nanos();
            assert!(at >= last, "{at} after {last}");
            last = at;
            let bin = (at / MINUTE) as usize;
            assert!(bin < 3, "an arrival at {at} ns, past the last bin");
            counts[bin] += 1;
            held = held.max(trace.offsets.capacity());
            if bin == 1 {
                let fraction = (at - MINUTE) as f64 / MINUTE as f64;
                sum += fraction;
                sum_squares += fraction * fraction;
                if counts[1] % (HUGE / 10) == 0 && counts[1] < HUGE {
                    tenths.push(fraction);
                }
            }
        }
        assert_eq!(counts, [10, HUGE, 5]);
        assert!(held <= 16, "the huge bin held {held} offsets");
        let n = HUGE as f64;
        let mean = sum / n;
        let variance = sum_squares / n - mean * mean;
        assert!((mean - 0.5).abs() < 5.0 * 6.5e-5, "mean {mean}");
        assert!((variance - 1.0 / 12.0).abs() < 5.0 * 1.7e-5, "variance {variance}");
        for (i, fraction) in tenths.iter().enumerate() {
            let expected = (i + 1) as f64 / 10.0;
            assert!((fraction - expected).abs() < 5.0 * 1.1e-4, "tenth {}: {fraction}", i + 1);
        }
        assert_eq!(tenths.len(), 9);
    }

    /// Goal: a bin at the threshold is still drawn whole, as before (the
    /// shipped results rest on it); one over it is streamed.
    #[test]
    fn bins_up_to_the_threshold_are_held() {
        for (count, streamed) in [(HELD_BIN_REQUESTS, false), (HELD_BIN_REQUESTS + 1, true)] {
            let stream = RngStreams::new(1).stream("arrivals");
            let points = vec![(0, count as f64)];
            let mut trace =
                CountTrace::from_points("bin.csv".into(), points, 60_000_000_000, &spec(), stream, SimTime::MAX)
                    .expect("one bin");
            assert!(trace.next_arrival().expect("valid").is_some());
            assert_eq!(trace.streamed.is_some(), streamed, "{count}");
            assert_eq!(trace.offsets.len(), if streamed { 0 } else { count as usize });
        }
    }
}
