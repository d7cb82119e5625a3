//! A per-request trace (`t_seconds` per row, sorted; optionally a service-time
//! column in seconds), streamed. `rate_scale` below 1 thins it at random;
//! above 1 it repeats requests at the same instant.

use super::decimal::{parse_non_negative, parse_seconds};
use super::{scaled_count, to_sim_time, Error, Routing, TrafficSpec};
use crate::engine::{SimDuration, SimTime, Stream};
use crate::model::listener::{Listener, RequestLine};
use crate::model::{Arrival, RouteId};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// The columns that give each request its request line, and the listener
/// whose rules turn that line into a route (§10).
struct RequestLineColumns {
    path: (usize, String),
    method: Option<(usize, String)>,
    host: Option<(usize, String)>,
    /// (header name, its column, the column's name), for `http-header` rules.
    headers: Vec<(String, usize, String)>,
    listener: Arc<Listener>,
}

pub struct RequestTrace {
    reader: csv::Reader<File>,
    record: csv::ByteRecord,
    path: String,
    t_column: usize,
    service_time_column: Option<(usize, String)>,
    response_bytes_column: Option<(usize, String)>,
    spec: TrafficSpec,
    request_line: Option<RequestLineColumns>,
    stream: Stream,
    end: SimTime,
    previous: Option<(u64, u64)>,
    /// Copies of the current row still to emit.
    pending: Option<(Arrival, u64)>,
    done: bool,
}

impl RequestTrace {
    pub fn open(
        path: &Path,
        service_time_column: Option<&str>,
        response_bytes_column: Option<&str>,
        spec: &TrafficSpec,
        stream: Stream,
        end: SimTime,
    ) -> Result<RequestTrace, Error> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|source| Error::Open { path: shown.clone(), source })?;
        let mut reader =
            csv::ReaderBuilder::new().has_headers(true).terminator(csv::Terminator::Any(b'\n')).from_reader(file);
        let headers = reader
            .byte_headers()
            .map_err(|e| Error::File { path: shown.clone(), message: format!("cannot read the header: {e}") })?
            .clone();
        let find = |name: &str| headers.iter().position(|h| h.trim_ascii() == name.as_bytes());
        let header_text = headers.iter().map(|h| String::from_utf8_lossy(h.trim_ascii())).collect::<Vec<_>>().join(",");
        let Some(t_column) = find("t_seconds") else {
            return Err(Error::Line {
                path: shown,
                line: 1,
                message: "expected a `t_seconds` column in the header".into(),
            });
        };
        let column = |name: Option<&str>, field: &str| match name {
            None => Ok(None),
            Some(name) => match find(name) {
                Some(i) => Ok(Some((i, name.to_string()))),
                None => Err(Error::Line {
                    path: shown.clone(),
                    line: 1,
                    message: format!("expected a `{name}` column (traffic.{field}), found columns `{header_text}`"),
                }),
            },
        };
        let service_time_column = column(service_time_column, "service_time_column")?;
        let response_bytes_column = column(response_bytes_column, "response_bytes_column")?;
        let request_line = match &spec.routing {
            Routing::RequestLine { path_column, method_column, host_column, header_columns, listener } => {
                let mut headers = Vec::with_capacity(header_columns.len());
                for (header, name) in header_columns {
                    let field = format!("header_columns.{header}");
                    let (index, name) = column(Some(name), &field)?.expect("a named column");
                    headers.push((header.clone(), index, name));
                }
                Some(RequestLineColumns {
                    path: column(Some(path_column), "path_column")?.expect("a named column"),
                    method: column(method_column.as_deref(), "method_column")?,
                    host: column(host_column.as_deref(), "host_column")?,
                    headers,
                    listener: Arc::clone(listener),
                })
            }
            _ => None,
        };
        Ok(RequestTrace {
            reader,
            record: csv::ByteRecord::new(),
            path: shown,
            t_column,
            service_time_column,
            response_bytes_column,
            spec: spec.clone(),
            request_line,
            stream,
            end,
            previous: None,
            pending: None,
            done: false,
        })
    }

    fn line_error(&self, line: u64, message: String) -> Error {
        Error::Line { path: self.path.clone(), line, message }
    }

    pub fn next_arrival(&mut self) -> Result<Option<Arrival>, Error> {
        loop {
            if let Some((arrival, copies)) = &mut self.pending {
                if *copies > 0 {
                    *copies -= 1;
                    return Ok(Some(*arrival));
                }
                self.pending = None;
            }
            if self.done {
                return Ok(None);
            }
            let more = self.reader.read_byte_record(&mut self.record).map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                self.line_error(line, format!("malformed CSV: {e}"))
            })?;
            if !more {
                let Some((last, last_line)) = self.previous else {
                    return Err(Error::File { path: self.path.clone(), message: "the trace has no rows".into() });
                };
                self.done = true;
                if last < self.spec.start_offset.as_nanos() {
                    return Err(super::offset_past_end(&self.path, &self.spec, last, Some(last_line)));
                }
                continue;
            }
            let line = self.record.position().map_or(0, |p| p.line());
            let field = self.record.get(self.t_column).unwrap_or_default();
            let Some(t_nanos) = parse_seconds(field) else {
                let found = String::from_utf8_lossy(field.trim_ascii()).into_owned();
                return Err(self.line_error(
                    line,
                    format!("t_seconds: expected a non-negative number of seconds, found `{found}`"),
                ));
            };
            if let Some((previous, previous_line)) = self.previous {
                if t_nanos < previous {
                    return Err(self.line_error(
                        line,
                        format!(
                            "t_seconds: rows must be sorted by time, but {} comes after {} (line {previous_line})",
                            String::from_utf8_lossy(field).trim(),
                            previous as f64 / 1e9
                        ),
                    ));
                }
            }
            self.previous = Some((t_nanos, line));
            let demand = match &self.service_time_column {
                None => None,
                Some((column, name)) => {
                    let field = self.record.get(*column).unwrap_or_default();
                    match parse_non_negative(field) {
                        Some(seconds) => Some(SimDuration::from_secs_f64(seconds)),
                        None => {
                            let found = String::from_utf8_lossy(field.trim_ascii()).into_owned();
                            return Err(self.line_error(
                                line,
                                format!("{name}: expected a non-negative number of seconds, found `{found}`"),
                            ));
                        }
                    }
                }
            };
            let Some(at) = to_sim_time(t_nanos, &self.spec) else { continue };
            if at >= self.end {
                self.done = true;
                continue;
            }
            let copies =
                if self.spec.rate_scale == 1.0 { 1 } else { scaled_count(1.0, self.spec.rate_scale, &mut self.stream) };
            let response_bytes = match &self.response_bytes_column {
                None => None,
                Some((column, name)) => {
                    let field = self.record.get(*column).unwrap_or_default();
                    match std::str::from_utf8(field.trim_ascii()).ok().and_then(|t| t.parse::<u32>().ok()) {
                        Some(bytes) => Some(bytes),
                        None => {
                            let found = String::from_utf8_lossy(field.trim_ascii()).into_owned();
                            return Err(self.line_error(
                                line,
                                format!("{name}: expected a whole number of bytes below 4 GiB, found `{found}`"),
                            ));
                        }
                    }
                }
            };
            let route = match &self.request_line {
                None => RouteId(0),
                Some(columns) => {
                    let text = |column: &Option<(usize, String)>, default: &'static str| -> Result<&str, String> {
                        let Some((index, name)) = column else { return Ok(default) };
                        let field = self.record.get(*index).unwrap_or_default();
                        std::str::from_utf8(field.trim_ascii()).map_err(|_| format!("{name}: expected UTF-8 text"))
                    };
                    let line_error = |message: String| Error::Line { path: self.path.clone(), line, message };
                    let target = text(&Some(columns.path.clone()), "").map_err(line_error)?;
                    if !target.starts_with('/') {
                        return Err(line_error(format!(
                            "{}: expected a path starting with /, found `{target}`",
                            columns.path.1
                        )));
                    }
                    // Model choice: a request without a method is a GET; without a host it matches no host-header rule.
                    let method = text(&columns.method, "GET").map_err(line_error)?;
                    let host = text(&columns.host, "").map_err(line_error)?;
                    let request = RequestLine::from_target(method, host, target);
                    if columns.headers.is_empty() {
                        columns.listener.route(&request)
                    } else {
                        // An empty field: the request did not send that header.
                        let mut headers = Vec::with_capacity(columns.headers.len());
                        for (header, index, name) in &columns.headers {
                            let field = self.record.get(*index).unwrap_or_default();
                            let value = std::str::from_utf8(field.trim_ascii())
                                .map_err(|_| line_error(format!("{name}: expected UTF-8 text")))?;
                            if !value.is_empty() {
                                headers.push((header.as_str(), value));
                            }
                        }
                        columns.listener.route(&request.with_headers(&headers))
                    }
                }
            };
            self.pending = Some((Arrival { at, route, demand, response_bytes, queue: None }, copies));
        }
    }
}
