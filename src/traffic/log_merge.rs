//! ALB access-log files as ELB delivers them (aws-semantics §11.1): found in
//! folders, gunzipped, each read line by line, and merged into one stream in
//! `request_creation_time` order. Never holds more than a reorder window of
//! entries per open file; never writes.
//!
//! Order. A node writes an entry when the response is sent (`time`), so a
//! file is roughly in `time` order, and `request_creation_time` (the
//! arrival) lags `time` by each request's duration: within a file arrivals
//! are out of order by up to the longest request. Model choice: each file
//! holds back its entries until one `reorder_window` newer has been read,
//! then releases them in arrival order; an entry older than one already
//! released is further out of order than the window, and is an error that
//! names the file, the line and how far to raise the window.
//!
//! Opening. A day is 288 files per node (one per 5 minutes, §11.1). A file
//! named as ELB names it (`…_{end-time}_…`, end-time `YYYYMMDDTHHMMZ`) holds
//! arrivals no earlier than its end − 5 minutes − the window, so it is
//! opened only when the merge reaches that time; other files open at once.

use super::access_log::{parse_entry, LogEntry};
use super::Error;
use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Each ALB node delivers one file every 5 minutes (§11.1).
const FILE_INTERVAL_NANOS: u64 = 300_000_000_000;

/// The default reorder window. Model choice: twice the ALB's default idle
/// timeout of 60 s (§3), which bounds most requests' durations; a log with
/// longer requests (WebSockets are logged at close, §11.1) needs a larger one.
pub const DEFAULT_REORDER_WINDOW_NANOS: u64 = 120_000_000_000;

/// The access-log files under `paths`: a file is taken as given; a folder is
/// searched (with its subfolders, as `aws s3 sync` lays them out) for
/// `*.log.gz` and `*.log` files, so ELB's `ELBAccessLogTestFile` is skipped.
/// Sorted by path, so the order the paths were given in never matters.
pub fn log_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), Error> {
        let open_error = |source| Error::Open { path: dir.display().to_string(), source };
        for entry in std::fs::read_dir(dir).map_err(open_error)? {
            let path = entry.map_err(open_error)?.path();
            if path.is_dir() {
                walk(&path, found)?;
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".log.gz") || n.ends_with(".log"))
            {
                found.push(path);
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = found.len();
            walk(path, &mut found)?;
            if found.len() == before {
                return Err(Error::File {
                    path: path.display().to_string(),
                    message: "expected ALB access logs (*.log.gz or *.log files) in this folder, found none".into(),
                });
            }
        } else {
            // Opened now so that a missing file is named before anything runs.
            File::open(path).map_err(|source| Error::Open { path: path.display().to_string(), source })?;
            found.push(path.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// The end of the interval ELB's file name states (§11.1):
/// `{account}_elasticloadbalancing_{region}_{lb-id}_{YYYYMMDDTHHMMZ}_{ip}_{random}.log.gz`.
pub fn interval_end_nanos(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let mut parts = name.split('_');
    if parts.nth(1)? != "elasticloadbalancing" {
        return None;
    }
    let stamp = parts.nth(2)?.as_bytes();
    // Digits checked before slicing: a non-ASCII name must not split a character.
    let digits = |range: std::ops::Range<usize>| stamp[range].iter().all(u8::is_ascii_digit);
    if stamp.len() != 14 || stamp[8] != b'T' || stamp[13] != b'Z' || !digits(0..8) || !digits(9..13) {
        return None;
    }
    let text = std::str::from_utf8(stamp).ok()?;
    let iso = format!("{}-{}-{}T{}:{}:00Z", &text[0..4], &text[4..6], &text[6..8], &text[9..11], &text[11..13]);
    super::access_log::parse_iso8601_nanos(&iso)
}

/// An entry held back or released, with where it came from.
pub struct Logged<T> {
    /// `request_creation_time`, ns since the epoch.
    pub at_nanos: u64,
    /// Index of its file in the sorted list.
    pub file: usize,
    pub line: u64,
    pub item: T,
}

impl<T> Logged<T> {
    fn key(&self) -> (u64, usize, u64) {
        (self.at_nanos, self.file, self.line)
    }
}

impl<T> PartialEq for Logged<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<T> Eq for Logged<T> {}
impl<T> PartialOrd for Logged<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Logged<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// One open file: its lines, and the entries held back by the window.
struct LogFile<T> {
    index: usize,
    shown: String,
    reader: Box<dyn BufRead + Send>,
    line: u64,
    buffer: Vec<u8>,
    held: BinaryHeap<Reverse<Logged<T>>>,
    newest_read_nanos: u64,
    /// The last entry released: (arrival, line).
    released: Option<(u64, u64)>,
    at_end: bool,
}

impl<T> LogFile<T> {
    fn open(index: usize, path: &Path) -> Result<LogFile<T>, Error> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|source| Error::Open { path: shown.clone(), source })?;
        let mut buffered = BufReader::with_capacity(1 << 16, file);
        // Gzip by its magic bytes, not its name: a gunzipped copy reads too.
        let head = buffered.fill_buf().map_err(|source| Error::Open { path: shown.clone(), source })?;
        let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(buffered)))
        } else {
            Box::new(buffered)
        };
        Ok(LogFile {
            index,
            shown,
            reader,
            line: 0,
            buffer: Vec::with_capacity(1024),
            held: BinaryHeap::new(),
            newest_read_nanos: 0,
            released: None,
            at_end: false,
        })
    }

    fn error(&self, line: u64, message: String) -> Error {
        Error::Line { path: self.shown.clone(), line, message }
    }

    /// The next entry in arrival order, once `window_nanos` newer has been read.
    fn next(
        &mut self,
        window_nanos: u64,
        map: &mut impl FnMut(&LogEntry) -> Result<T, String>,
    ) -> Result<Option<Logged<T>>, Error> {
        loop {
            if let Some(Reverse(oldest)) = self.held.peek() {
                if self.at_end || self.newest_read_nanos - oldest.at_nanos >= window_nanos {
                    let Some(Reverse(oldest)) = self.held.pop() else { unreachable!("peeked") };
                    self.released = Some((oldest.at_nanos, oldest.line));
                    return Ok(Some(oldest));
                }
            } else if self.at_end {
                return Ok(None);
            }
            self.read_line(window_nanos, map)?;
        }
    }

    fn read_line(
        &mut self,
        window_nanos: u64,
        map: &mut impl FnMut(&LogEntry) -> Result<T, String>,
    ) -> Result<(), Error> {
        self.buffer.clear();
        let line = self.line + 1;
        let result = (&mut self.reader).take(1 << 20).read_until(b'\n', &mut self.buffer);
        let read = result.map_err(|e| self.error(line, format!("cannot read (a damaged gzip file?): {e}")))?;
        if read == 0 {
            self.at_end = true;
            return Ok(());
        }
        self.line = line;
        if self.buffer.len() >= 1 << 20 && self.buffer.last() != Some(&b'\n') {
            return Err(self.error(line, "expected an access-log entry, found a line over 1 MiB long".into()));
        }
        while matches!(self.buffer.last(), Some(b'\n' | b'\r')) {
            self.buffer.pop();
        }
        if self.buffer.is_empty() {
            return Ok(());
        }
        // AWS does not document the encoding; a stray byte in a user agent must not stop a replay.
        let text = match std::str::from_utf8(&self.buffer) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&self.buffer),
        };
        let entry = parse_entry(&text).map_err(|e| self.error(line, e.to_string()))?;
        let at_nanos = entry.request_creation_nanos;
        if let Some((released_nanos, released_line)) = self.released {
            if at_nanos < released_nanos {
                return Err(self.error(
                    line,
                    format!(
                        "field 22 `request_creation_time`: {} is {} s before line {released_line}'s {}, further out of \
                         order than the reorder window ({} s); raise traffic.reorder_window (--reorder-window) above {} s",
                        super::access_log::format_iso8601_micros(at_nanos),
                        seconds(released_nanos - at_nanos),
                        super::access_log::format_iso8601_micros(released_nanos),
                        seconds(window_nanos),
                        seconds(self.newest_read_nanos.saturating_sub(at_nanos)),
                    ),
                ));
            }
        }
        let item = map(&entry).map_err(|message| self.error(line, message))?;
        self.newest_read_nanos = self.newest_read_nanos.max(at_nanos);
        self.held.push(Reverse(Logged { at_nanos, file: self.index, line, item }));
        Ok(())
    }
}

/// ns as seconds for messages: `1.5`, `120`.
fn seconds(nanos: u64) -> String {
    let text = format!("{}.{:09}", nanos / 1_000_000_000, nanos % 1_000_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Several files' entries merged in arrival order (ties: the file first in
/// path order, then the earlier line), each file read in order.
pub struct LogMerge<T> {
    paths: Vec<PathBuf>,
    /// Files not yet opened, as (earliest possible arrival, index), latest first.
    unopened: Vec<(u64, usize)>,
    open: Vec<Option<LogFile<T>>>,
    /// Each open file's next entry.
    heads: BinaryHeap<Reverse<Logged<T>>>,
    window_nanos: u64,
    last: Option<(u64, usize, u64)>,
    peeked: Option<Logged<T>>,
}

impl<T> LogMerge<T> {
    /// `files` as `log_files` lists them.
    pub fn new(files: Vec<PathBuf>, window_nanos: u64) -> LogMerge<T> {
        let mut unopened: Vec<(u64, usize)> = files
            .iter()
            .enumerate()
            .map(|(i, path)| {
                let earliest = interval_end_nanos(path)
                    .map_or(0, |end| end.saturating_sub(FILE_INTERVAL_NANOS).saturating_sub(window_nanos));
                (earliest, i)
            })
            .collect();
        unopened.sort_by(|a, b| b.cmp(a));
        let open = files.iter().map(|_| None).collect();
        LogMerge { paths: files, unopened, open, heads: BinaryHeap::new(), window_nanos, last: None, peeked: None }
    }

    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// The next entry's arrival time without taking it.
    pub fn peek_at_nanos(
        &mut self,
        map: &mut impl FnMut(&LogEntry) -> Result<T, String>,
    ) -> Result<Option<u64>, Error> {
        if self.peeked.is_none() {
            self.peeked = self.next(map)?;
        }
        Ok(self.peeked.as_ref().map(|l| l.at_nanos))
    }

    pub fn next(&mut self, map: &mut impl FnMut(&LogEntry) -> Result<T, String>) -> Result<Option<Logged<T>>, Error> {
        if let Some(peeked) = self.peeked.take() {
            return Ok(Some(peeked));
        }
        loop {
            let earliest_head = self.heads.peek().map(|Reverse(h)| h.at_nanos);
            // Open every file that may hold an arrival before the earliest head.
            if let Some(&(earliest, index)) = self.unopened.last() {
                if earliest_head.is_none_or(|head| earliest <= head) {
                    self.unopened.pop();
                    let mut file = LogFile::open(index, &self.paths[index])?;
                    if let Some(head) = file.next(self.window_nanos, map)? {
                        self.heads.push(Reverse(head));
                        self.open[index] = Some(file);
                    }
                    continue;
                }
            }
            let Some(Reverse(logged)) = self.heads.pop() else { return Ok(None) };
            let Some(file) = self.open[logged.file].as_mut() else { unreachable!("a head's file is open") };
            match file.next(self.window_nanos, map)? {
                Some(head) => self.heads.push(Reverse(head)),
                None => self.open[logged.file] = None,
            }
            if let Some((at, other, line)) = self.last {
                // Only a file opened late (its name promised later arrivals) can break the order.
                if logged.at_nanos < at {
                    return Err(Error::Line {
                        path: self.paths[logged.file].display().to_string(),
                        line: logged.line,
                        message: format!(
                            "field 22 `request_creation_time`: {} is before {} (line {line}), already replayed; \
                             this file's name says its interval ends at {}, and it holds an arrival more than 5 \
                             minutes and the reorder window ({} s) earlier: raise traffic.reorder_window \
                             (--reorder-window)",
                            super::access_log::format_iso8601_micros(logged.at_nanos),
                            self.paths[other].display(),
                            interval_end_nanos(&self.paths[logged.file])
                                .map_or_else(|| "?".into(), super::access_log::format_iso8601_micros),
                            seconds(self.window_nanos),
                        ),
                    });
                }
            }
            self.last = Some((logged.at_nanos, logged.file, logged.line));
            return Ok(Some(logged));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elb_file_names_give_their_interval_end() {
        let name = "123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz";
        assert_eq!(
            interval_end_nanos(Path::new(name)),
            super::super::access_log::parse_iso8601_nanos("2014-02-15T23:40:00Z")
        );
        assert_eq!(interval_end_nanos(Path::new("access.log")), None);
        // Not ELB's names: no end, and no panic on a character of several bytes.
        for name in [
            "1_elasticloadbalancing_r_app.lb.1_202é102T1405Z_10.0.0.1_x.log",
            "1_elasticloadbalancing_r_app.lb.1_2026110xT1405Z_10.0.0.1_x.log",
            "1_elasticloadbalancing_r_app.lb.1_20261102T14é5Z_10.0.0.1_x.log",
        ] {
            assert_eq!(interval_end_nanos(Path::new(name)), None, "{name}");
        }
    }

    #[test]
    fn seconds_read_plainly() {
        assert_eq!(seconds(120_000_000_000), "120");
        assert_eq!(seconds(1_500_000_000), "1.5");
    }
}
