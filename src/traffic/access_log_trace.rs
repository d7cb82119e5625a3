//! ALB access logs replayed as arrivals (aws-semantics §11): each logged
//! request arrives at its `request_creation_time` on the route its request
//! line matches, weighing its `sent_bytes`. Streams the merged files; never
//! loads a file whole.
//!
//! Source time zero is the first arrival's minute (UTC): simulated minutes
//! line up with the log's clock minutes, and `start_offset = "2h"` skips to
//! two hours after it. `fleetsim trace convert` writes `t_seconds` from the
//! same origin, so a run on its CSV equals a run on the logs.

use super::access_log::LogEntry;
use super::log_merge::{log_files, LogMerge};
use super::{scaled_count, to_sim_time, Error, Routing, TrafficSpec};
use crate::engine::{SimTime, Stream};
use crate::model::listener::{Listener, RequestLine};
use crate::model::{Arrival, RouteId};
use std::path::PathBuf;
use std::sync::Arc;

/// What the simulation keeps of an entry while the window holds it back.
#[derive(Clone, Copy, Debug)]
struct LoggedRequest {
    route: RouteId,
    response_bytes: u32,
}

/// The source time origin of logs whose first arrival is `first_nanos`: its minute.
pub fn origin_nanos(first_nanos: u64) -> u64 {
    first_nanos - first_nanos % 60_000_000_000
}

/// The route of a logged request (§10): its method, and the URL's host and
/// path and query, as the listener's rules see them, and its `User-Agent`,
/// the one other header ELB logs (§11.2), for `http-header` rules ("-": none sent).
pub fn route_of(listener: &Listener, entry: &LogEntry) -> RouteId {
    let request = &entry.request;
    let line = RequestLine::from_target(request.method, request.host, request.target);
    // Trimmed, as HTTP trims a header's value (and a converted trace's field is).
    match entry.user_agent.trim() {
        "" | "-" => listener.route(&line),
        user_agent => listener.route(&line.with_headers(&[("User-Agent", user_agent)])),
    }
}

/// A response size for the ALB's processed bytes (§3.6): `sent_bytes`, headers
/// included (§11.2). Model choice: a response over 4 GiB counts as 4 GiB.
pub fn response_bytes_of(entry: &LogEntry) -> u32 {
    u32::try_from(entry.sent_bytes).unwrap_or(u32::MAX)
}

pub struct AccessLogTrace {
    merge: LogMerge<LoggedRequest>,
    listener: Option<Arc<Listener>>,
    origin_nanos: u64,
    spec: TrafficSpec,
    stream: Stream,
    end: SimTime,
    /// Copies of the current entry still to emit.
    pending: Option<(Arrival, u64)>,
    /// The latest entry's time (ns from the logs' origin).
    last_nanos: u64,
    done: bool,
}

fn mapper(listener: &Option<Arc<Listener>>) -> impl FnMut(&LogEntry) -> Result<LoggedRequest, String> + '_ {
    move |entry| {
        let route = listener.as_deref().map_or(RouteId(0), |l| route_of(l, entry));
        Ok(LoggedRequest { route, response_bytes: response_bytes_of(entry) })
    }
}

impl AccessLogTrace {
    pub fn open(
        paths: &[PathBuf],
        reorder_window_nanos: u64,
        spec: &TrafficSpec,
        stream: Stream,
        end: SimTime,
    ) -> Result<AccessLogTrace, Error> {
        let files = log_files(paths)?;
        let listener = match &spec.routing {
            Routing::LoggedRequest(listener) => Some(Arc::clone(listener)),
            _ => None,
        };
        let mut merge = LogMerge::new(files, reorder_window_nanos);
        let Some(first) = merge.peek_at_nanos(&mut mapper(&listener))? else {
            let shown = merge.paths().iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
            return Err(Error::File { path: shown, message: "the access logs hold no requests".into() });
        };
        Ok(AccessLogTrace {
            merge,
            listener,
            origin_nanos: origin_nanos(first),
            spec: spec.clone(),
            stream,
            end,
            pending: None,
            last_nanos: 0,
            done: false,
        })
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
            let Some(logged) = self.merge.next(&mut mapper(&self.listener))? else {
                self.done = true;
                if self.last_nanos < self.spec.start_offset.as_nanos() {
                    let shown =
                        self.merge.paths().iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
                    return Err(super::offset_past_end(&shown, &self.spec, self.last_nanos, None));
                }
                continue;
            };
            self.last_nanos = logged.at_nanos - self.origin_nanos;
            // The same steps, in the same order, as a request trace's row: a
            // converted log replays identically, random draws included.
            let Some(at) = to_sim_time(logged.at_nanos - self.origin_nanos, &self.spec) else { continue };
            if at >= self.end {
                self.done = true;
                continue;
            }
            let copies =
                if self.spec.rate_scale == 1.0 { 1 } else { scaled_count(1.0, self.spec.rate_scale, &mut self.stream) };
            let LoggedRequest { route, response_bytes } = logged.item;
            self.pending =
                Some((Arrival { at, route, demand: None, response_bytes: Some(response_bytes), queue: None }, copies));
        }
    }
}
