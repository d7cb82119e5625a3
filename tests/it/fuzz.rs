//! Hardened parsers (issue 10, scope 5): every reader — scenario TOML, CSV
//! traces, ALB access logs (entry, merge, summary, replay), CloudWatch exports
//! and the `describe-*` JSON of `import` — fed arbitrary bytes and mutations of
//! valid files (truncated and cut lines, deleted, duplicated and swapped lines
//! (times going backwards), tokens replaced by wrong types and huge numbers,
//! inserted and flipped bytes, JSON nodes replaced or deleted, bad gzip, empty
//! files). Each must return, without a panic and within a time bound, either
//! its value or an error that names the file and the line or field.
//!
//! Method: proptest through the library entry points the CLI uses. `cargo
//! test` runs a few hundred cases per reader; `PROPTEST_CASES` sets the count
//! for the long run recorded in `benches/README.md`, one reader at a time:
//!
//! ```sh
//! PROPTEST_CASES=1000000 cargo test --release --test it fuzz::fuzz_import -- --nocapture --test-threads 1
//! ```
//!
//! Each run prints its seed first, its figures (cases, those that panicked,
//! time, rate, slowest case) every minute and at the end, pass or fail. A
//! failing case is shrunk and printed; nothing is persisted. The seed is
//! random per run, so the long run explores beyond the short one;
//! `FUZZ_SEED=<seed>` replays a run case for case (a hung case is named by
//! its number, then the run aborts).

use crate::support;
use fleetsim::engine::{RngStreams, SimTime};
use fleetsim::scenario::{self, import, Scenario};
use fleetsim::traffic::{self, access_log, cloudwatch, log_summary, Arrivals, LogMerge};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

// ---------------------------------------------------------------------------
// The harness

/// Cases per reader: `PROPTEST_CASES`, else `default` (the short run of `cargo test`).
fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Config { cases, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() }
}

/// No single case may take this long: a reader that loops without progress
/// (or expands a huge number into a huge loop) fails here instead of hanging.
/// The slowest valid work a case can ask for is a CloudWatch export of close
/// to `MAX_PERIODS` periods (about 2 s on a loaded machine); count-trace bins
/// of up to 1e8 requests no longer count, as a huge bin is streamed and a
/// case draws at most `ARRIVALS_PER_CASE` of it.
const CASE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// A case still running after this long never returns to be failed by the
/// limit above: the watchdog then names it and aborts the run.
const HANG_LIMIT: Duration = Duration::from_secs(60);

/// The long run prints its figures this often, so a run stopped early
/// still says how far it got.
const PROGRESS_EVERY: Duration = Duration::from_secs(60);

/// At most this many arrivals are drawn per case: valid traffic may be
/// endless within a run's duration, and the readers are what is under test.
const ARRIVALS_PER_CASE: usize = 3_000;

/// The run's seed: `FUZZ_SEED` to replay a run case for case, else random.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    match std::env::var("FUZZ_SEED") {
        // A typo must not replay some other run.
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("FUZZ_SEED={v}: expected a decimal u64 seed")),
        Err(_) => std::hash::RandomState::new().build_hasher().finish(),
    }
}

/// The process's CPU time (user + system) in seconds, where Linux's
/// `/proc/self/stat` says (fields 14 and 15, in 1/100 s): the rate per
/// CPU-second is the figure a loaded, shared machine does not distort.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command, which is in parentheses and may hold spaces.
    let mut fields = stat.get(stat.rfind(')')? + 2..)?.split(' ');
    let user: u64 = fields.nth(11)?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / 100.0)
}

/// What a run has done so far, shared with its watchdog.
struct Progress {
    name: String,
    seed: u64,
    started: std::time::Instant,
    cpu_at_start: Option<f64>,
    /// Cases run (shrinking included), those of them that panicked, and
    /// the start of the running one in ms since `started` (0: none running).
    cases: AtomicU64,
    panicked: AtomicU64,
    running_since_ms: AtomicU64,
    slowest: Mutex<Duration>,
    last_print: Mutex<Duration>,
    finished: AtomicBool,
}

impl Progress {
    fn figures(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let cases = self.cases.load(Ordering::Relaxed);
        let panicked = match self.panicked.load(Ordering::Relaxed) {
            0 => String::new(),
            n => format!(" ({n} panicked)"),
        };
        let slowest = *self.slowest.lock().expect("not poisoned");
        let cpu = match (cpu_secs(), self.cpu_at_start) {
            (Some(now), Some(start)) if now > start => {
                format!("; {:.1} s CPU, {:.0} cases per CPU-second", now - start, cases as f64 / (now - start))
            }
            _ => String::new(),
        };
        format!(
            "{cases} cases{panicked} in {elapsed:.1} s, {:.0} cases/s{cpu}; slowest case {:.1} ms; FUZZ_SEED={}",
            cases as f64 / elapsed.max(1e-9),
            slowest.as_secs_f64() * 1e3,
            self.seed
        )
    }

    /// Aborts the run when a case has been running for `HANG_LIMIT`: it
    /// would never come back to fail. The seed and case number replay it.
    fn watch(&self) {
        while !self.finished.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            let since = self.running_since_ms.load(Ordering::Relaxed);
            let now = self.started.elapsed().as_millis() as u64;
            if since > 0 && now.saturating_sub(since) > HANG_LIMIT.as_millis() as u64 {
                eprintln!(
                    "fuzz {}: case {} has run for {} s: a reader hangs; {}",
                    self.name,
                    self.cases.load(Ordering::Relaxed) + 1,
                    (now - since) / 1000,
                    self.figures()
                );
                std::process::abort();
            }
        }
    }
}

/// Runs `check` on `cases` inputs from `strategy` (seeded, see `seed`),
/// printing the figures on stderr every `PROGRESS_EVERY` and at the end,
/// pass or fail; fails with the shrunk input.
fn fuzz<S: Strategy>(name: &str, default_cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), String>)
where
    S::Value: std::fmt::Debug,
{
    let (result, _) = run_cases(name, default_cases, strategy, check);
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, input)) => panic!("fuzz {name}: {reason}\nminimal input: {input:#?}"),
        Err(TestError::Abort(reason)) => panic!("fuzz {name}: aborted: {reason}"),
    }
}

/// `fuzz` up to its verdict: the runner's result and the run's figures.
fn run_cases<S: Strategy>(
    name: &str,
    default_cases: u32,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), String>,
) -> (Result<(), TestError<S::Value>>, Progress)
where
    S::Value: std::fmt::Debug,
{
    let config = config(default_cases);
    let seed = seed();
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(config.clone(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let progress = Progress {
        name: name.to_string(),
        seed,
        #[allow(clippy::disallowed_methods)] // timing a test harness, not the simulation
        started: std::time::Instant::now(),
        cpu_at_start: cpu_secs(),
        cases: AtomicU64::new(0),
        panicked: AtomicU64::new(0),
        running_since_ms: AtomicU64::new(0),
        slowest: Mutex::new(Duration::ZERO),
        last_print: Mutex::new(Duration::ZERO),
        finished: AtomicBool::new(false),
    };
    eprintln!("fuzz {name}: {} cases, FUZZ_SEED={seed}", config.cases);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| progress.watch());
        let result = runner.run(&strategy, |input| {
            let at = progress.started.elapsed();
            progress.running_since_ms.store((at.as_millis() as u64).max(1), Ordering::Relaxed);
            // Caught here only to be counted: the panic goes on to the runner,
            // which fails the run with it as before.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(input)));
            let done = progress.started.elapsed();
            progress.running_since_ms.store(0, Ordering::Relaxed);
            let took = done - at;
            progress.cases.fetch_add(1, Ordering::Relaxed);
            progress.panicked.fetch_add(u64::from(outcome.is_err()), Ordering::Relaxed);
            {
                let mut slowest = progress.slowest.lock().expect("not poisoned");
                *slowest = (*slowest).max(took);
            }
            {
                let mut last_print = progress.last_print.lock().expect("not poisoned");
                if done - *last_print >= PROGRESS_EVERY {
                    *last_print = done;
                    eprintln!("fuzz {name}: so far {}", progress.figures());
                }
            }
            let outcome = outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            outcome.map_err(TestCaseError::fail)?;
            if took > CASE_TIME_LIMIT {
                return Err(TestCaseError::fail(format!("took {took:?}: a reader loops")));
            }
            Ok(())
        });
        progress.finished.store(true, Ordering::Relaxed);
        result
    });
    let verdict = if result.is_ok() { "pass" } else { "FAILED" };
    eprintln!("fuzz {name}: {verdict}: {}", progress.figures());
    (result, progress)
}

/// Goal: a case that panics counts in the figures the run prints before it
/// fails, and still fails the run with its message. Method: one case, which
/// panics (`Just` has nothing to shrink).
#[test]
fn a_panicking_case_counts_in_the_printed_figures() {
    let (result, progress) = run_cases("harness", 1, Just(()), |()| panic!("a reader panicked"));
    match result {
        Err(TestError::Fail(reason, ())) => assert!(reason.message().contains("a reader panicked"), "{reason}"),
        other => panic!("expected the run to fail: {other:?}"),
    }
    let figures = progress.figures();
    assert!(figures.starts_with("1 cases (1 panicked) in "), "{figures}");
}

#[allow(clippy::disallowed_methods)] // a fuzz input in a temporary folder: atomicity does not matter
fn write(path: &Path, bytes: &[u8]) {
    // A new file each case, never the old one truncated: ext4 (auto_da_alloc)
    // starts writing a truncated-and-rewritten file to disk when it is
    // closed, and waiting on that made the file readers' cases 10× slower.
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("remove {}: {e}", path.display()),
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out).expect("a fixture gunzips");
    out
}

// ---------------------------------------------------------------------------
// Mutations of valid files

/// Values that break parsers: wrong types, signs, huge and tiny numbers,
/// times far off, quotes and separators.
const NASTY: &[&str] = &[
    "",
    "-",
    "-1",
    "0",
    "-0",
    "0.0",
    "1e308",
    "-1e308",
    "1e-320",
    "NaN",
    "inf",
    "-inf",
    "4294967296",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "99999999999999999999999999999999.999999999",
    "0.0000000001",
    "1.",
    ".5",
    "1_000",
    "0x10",
    "true",
    "null",
    "[]",
    "{}",
    "\"",
    "\"\"",
    "ten",
    "é",
    "\u{0}",
    "\t",
    " ",
    "\n",
    "\r\n",
    ",",
    "=",
    "#",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "2026-11-02T13:59:59.999999Z",
    "2026-11-02T14:00:00.000001+00:00",
    "9999-12-31T23:59:59.999999Z",
    "2026-02-30T25:61:61Z",
    "2026-11-02T14:00:00.1234567890123Z",
    "99999999999",
    "1h",
    "-5m",
    "999999999999h",
    "cron(0 0 * * ? *)",
    "rate(0 minutes)",
];

/// One edit of a file's bytes. Indices are taken modulo what they index.
#[derive(Clone, Debug)]
enum Edit {
    /// Cut the file at a byte (a truncated last line).
    Truncate(Index),
    /// Cut one line short, keeping the lines after it.
    CutLine(Index, Index),
    DeleteLine(Index),
    DuplicateLine(Index),
    /// Two lines exchanged: times going backwards.
    SwapLines(Index, Index),
    /// A token (a run between separators) replaced by a nasty value.
    ReplaceToken(Index, Index),
    InsertBytes(Index, Vec<u8>),
    SetByte(Index, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<Index>().prop_map(Edit::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(l, c)| Edit::CutLine(l, c)),
        any::<Index>().prop_map(Edit::DeleteLine),
        any::<Index>().prop_map(Edit::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(t, n)| Edit::ReplaceToken(t, n)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(i, b)| Edit::InsertBytes(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::SetByte(i, b)),
    ]
}

/// Byte ranges of the lines (without their `\n`).
fn line_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            spans.push((start, i));
            start = i + 1;
        }
    }
    if start < bytes.len() {
        spans.push((start, bytes.len()));
    }
    spans
}

fn is_separator(b: u8) -> bool {
    b.is_ascii_whitespace() || b",\"=:[]{}()".contains(&b)
}

fn token_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (start, is_separator(b)) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, bytes.len()));
    }
    spans
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let lines = line_spans(bytes);
    match edit {
        Edit::Truncate(at) => bytes.truncate(at.index(bytes.len() + 1)),
        Edit::CutLine(line, at) if !lines.is_empty() => {
            let (s, e) = lines[line.index(lines.len())];
            bytes.drain(s + at.index(e - s + 1)..e);
        }
        Edit::DeleteLine(line) if !lines.is_empty() => {
            let (s, e) = lines[line.index(lines.len())];
            bytes.drain(s..(e + 1).min(bytes.len()));
        }
        Edit::DuplicateLine(line) if !lines.is_empty() => {
            let (s, e) = lines[line.index(lines.len())];
            let mut copy = bytes[s..e].to_vec();
            copy.push(b'\n');
            bytes.splice(s..s, copy);
        }
        Edit::SwapLines(a, b) if !lines.is_empty() => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            let (first, second) = (lines[a.min(b)], lines[a.max(b)]);
            if first != second {
                let mut out = bytes[..first.0].to_vec();
                out.extend_from_slice(&bytes[second.0..second.1]);
                out.extend_from_slice(&bytes[first.1..second.0]);
                out.extend_from_slice(&bytes[first.0..first.1]);
                out.extend_from_slice(&bytes[second.1..]);
                *bytes = out;
            }
        }
        Edit::ReplaceToken(token, nasty) => {
            let tokens = token_spans(bytes);
            if !tokens.is_empty() {
                let (s, e) = tokens[token.index(tokens.len())];
                bytes.splice(s..e, NASTY[nasty.index(NASTY.len())].bytes());
            }
        }
        Edit::InsertBytes(at, inserted) => {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, inserted.iter().copied());
        }
        Edit::SetByte(at, b) if !bytes.is_empty() => {
            let at = at.index(bytes.len());
            bytes[at] = *b;
        }
        _ => {}
    }
}

/// One edit of a JSON document, by the preorder index of the node it touches.
#[derive(Clone, Debug)]
enum JsonEdit {
    /// The node replaced by a value of another type, a huge number, a bad time…
    Replace(Index, Index),
    /// The node removed from its object or array.
    Remove(Index),
    /// An array's elements reversed (times going backwards) or its first repeated.
    Reverse(Index),
    RepeatFirst(Index),
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        3 => (any::<Index>(), any::<Index>()).prop_map(|(n, v)| JsonEdit::Replace(n, v)),
        2 => any::<Index>().prop_map(JsonEdit::Remove),
        1 => any::<Index>().prop_map(JsonEdit::Reverse),
        1 => any::<Index>().prop_map(JsonEdit::RepeatFirst),
    ]
}

fn nasty_json(index: &Index) -> serde_json::Value {
    use serde_json::json;
    let values = [
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(1e308),
        json!(-1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(4294967296u64),
        json!(0.5),
        json!([]),
        json!({}),
        json!([null]),
        json!(""),
        json!("ten"),
        json!("-1"),
        json!("99999999999999999999"),
        json!("1e308"),
        json!("NaN"),
        json!("1970-01-01T00:00:00Z"),
        json!("9999-12-31T23:59:59Z"),
        json!("2026-11-02T13:59:00+00:00"),
        json!("arn:aws:x"),
        json!("DAEMON"),
        json!("EC2"),
        json!(9999999999u64),
    ];
    values[index.index(values.len())].clone()
}

fn count_nodes(value: &serde_json::Value) -> usize {
    1 + match value {
        serde_json::Value::Array(items) => items.iter().map(count_nodes).sum(),
        serde_json::Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Applies `edit` to node `target` (preorder); `seen` counts nodes passed.
fn apply_json(value: &mut serde_json::Value, edit: &JsonEdit, target: usize, seen: &mut usize) -> bool {
    use serde_json::Value;
    if *seen == target {
        match edit {
            JsonEdit::Replace(_, v) => *value = nasty_json(v),
            JsonEdit::Reverse(_) => {
                if let Value::Array(items) = value {
                    items.reverse();
                }
            }
            JsonEdit::RepeatFirst(_) => {
                if let Value::Array(items) = value {
                    if let Some(first) = items.first().cloned() {
                        items.push(first);
                    }
                }
            }
            JsonEdit::Remove(_) => {} // done by the parent
        }
        return true;
    }
    *seen += 1;
    match value {
        Value::Array(items) => {
            for i in 0..items.len() {
                if matches!(edit, JsonEdit::Remove(_)) && *seen == target {
                    items.remove(i);
                    return true;
                }
                if apply_json(&mut items[i], edit, target, seen) {
                    return true;
                }
            }
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if matches!(edit, JsonEdit::Remove(_)) && *seen == target {
                    map.shift_remove(&key);
                    return true;
                }
                if apply_json(map.get_mut(&key).expect("a key just listed"), edit, target, seen) {
                    return true;
                }
            }
        }
        _ => {}
    }
    false
}

fn mutate_json(text: &[u8], edits: &[JsonEdit]) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(text) else { return text.to_vec() };
    for edit in edits {
        let index = match edit {
            JsonEdit::Replace(n, _) | JsonEdit::Remove(n) | JsonEdit::Reverse(n) | JsonEdit::RepeatFirst(n) => n,
        };
        let target = index.index(count_nodes(&value));
        apply_json(&mut value, edit, target, &mut 0);
    }
    serde_json::to_vec_pretty(&value).expect("a JSON value serialises")
}

/// A fuzz input: arbitrary bytes, or one of the valid files with edits.
#[derive(Clone, Debug)]
enum Input {
    Bytes(Vec<u8>),
    Edited {
        seed: Index,
        edits: Vec<Edit>,
    },
    /// JSON only: node-level edits, then byte-level ones.
    JsonEdited {
        seed: Index,
        json: Vec<JsonEdit>,
        edits: Vec<Edit>,
    },
}

fn input(json: bool) -> BoxedStrategy<Input> {
    let bytes = prop::collection::vec(any::<u8>(), 0..600).prop_map(Input::Bytes);
    let edited =
        (any::<Index>(), prop::collection::vec(edit(), 0..5)).prop_map(|(seed, edits)| Input::Edited { seed, edits });
    if json {
        let json_edited =
            (any::<Index>(), prop::collection::vec(json_edit(), 1..5), prop::collection::vec(edit(), 0..2))
                .prop_map(|(seed, json, edits)| Input::JsonEdited { seed, json, edits });
        prop_oneof![1 => bytes, 2 => edited, 3 => json_edited].boxed()
    } else {
        prop_oneof![1 => bytes, 3 => edited].boxed()
    }
}

impl Input {
    fn bytes(&self, seeds: &[Vec<u8>]) -> Vec<u8> {
        match self {
            Input::Bytes(bytes) => bytes.clone(),
            Input::Edited { seed, edits } => {
                let mut bytes = seeds[seed.index(seeds.len())].clone();
                for edit in edits {
                    apply(&mut bytes, edit);
                }
                bytes
            }
            Input::JsonEdited { seed, json, edits } => {
                let mut bytes = mutate_json(&seeds[seed.index(seeds.len())], json);
                for edit in edits {
                    apply(&mut bytes, edit);
                }
                bytes
            }
        }
    }
}

// ---------------------------------------------------------------------------
// What every error must say

/// A traffic error names the file it was given, then the line (or, for a
/// whole-file problem, says what; for a JSON export, the field).
fn check_traffic_error(error: &traffic::Error, files: &[&Path]) -> Result<(), String> {
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let (path, what) = match error {
        traffic::Error::Line { path, line, message } => {
            if *line == 0 {
                return Err(format!("line 0 in {error}"));
            }
            (path, message)
        }
        traffic::Error::File { path, message } => (path, message),
        traffic::Error::Open { path, source } => {
            return Err(format!("{path}: an existing file reported as unreadable: {source}"));
        }
    };
    if !shown.contains(path) {
        return Err(format!("error names {path}, not one of {shown:?}: {error}"));
    }
    if what.trim().is_empty() {
        return Err(format!("error says nothing: {error:?}"));
    }
    Ok(())
}

/// Arrivals from an opened source, at most `ARRIVALS_PER_CASE`, in order.
fn drain(arrivals: &mut Arrivals, files: &[&Path]) -> Result<(), String> {
    let mut last = SimTime::ZERO;
    for _ in 0..ARRIVALS_PER_CASE {
        match arrivals.next_arrival() {
            Ok(Some(arrival)) => {
                if arrival.at < last {
                    return Err(format!("arrival at {:?} after {last:?}", arrival.at));
                }
                last = arrival.at;
            }
            Ok(None) => return Ok(()),
            Err(e) => return check_traffic_error(&e, files),
        }
    }
    Ok(())
}

fn open_and_drain(scenario: &Scenario, files: &[&Path]) -> Result<(), String> {
    let end = SimTime::ZERO + scenario.duration;
    match Arrivals::open(&scenario.traffic, &RngStreams::new(scenario.seed), end) {
        Ok(mut arrivals) => drain(&mut arrivals, files),
        Err(e) => check_traffic_error(&e, files),
    }
}

// ---------------------------------------------------------------------------
// Scenario TOML

fn scenario_seeds() -> Vec<Vec<u8>> {
    let dir = support::scenarios_dir();
    let mut seeds: Vec<Vec<u8>> = [
        "determinism.toml",
        "determinism-cluster.toml",
        "determinism-daemon.toml",
        "determinism-ec2.toml",
        "determinism-queues.toml",
        "access-logs/shop.toml",
        "access-logs/cloudwatch.toml",
    ]
    .iter()
    .map(|name| {
        let text = String::from_utf8(read(&dir.join(name))).expect("fixtures are UTF-8");
        // Trace paths relative to the scenarios folder, where the fuzzed file "is".
        text.replace("files = \"logs\"", "files = \"access-logs/logs\"")
            .replace("file = \"get-metric-data.json\"", "file = \"access-logs/get-metric-data.json\"")
            .into_bytes()
    })
    .collect();
    seeds.push(
        br#"duration = "10m"
[traffic]
kind = "count_trace"
file = "counts_10min.csv"
[service]
desired_count = 1
service_time = { distribution = "constant", value = "10ms" }
"#
        .to_vec(),
    );
    seeds
}

/// Goal: scenario text never panics `scenario::parse`, and every problem it
/// reports names the file and a line or a field path.
#[test]
fn fuzz_scenario_toml() {
    let seeds = scenario_seeds();
    let path = support::scenarios_dir().join("fuzzed.toml");
    let shown = path.display().to_string();
    fuzz("scenario_toml", 256, input(false), |input| {
        let text = String::from_utf8_lossy(&input.bytes(&seeds)).into_owned();
        match scenario::parse(&text, &path) {
            Ok(_) => Ok(()),
            Err(scenario::Error::Invalid { path, problems }) => {
                if path != shown {
                    return Err(format!("names {path}, not {shown}"));
                }
                match problems.iter().find(|p| p.line.is_none() && p.field.is_empty()) {
                    Some(p) => Err(format!("a problem with neither line nor field: {p}")),
                    None if problems.is_empty() => Err("an error without problems".into()),
                    None => Ok(()),
                }
            }
            Err(e) => Err(format!("unexpected error: {e}")),
        }
    });
}

// ---------------------------------------------------------------------------
// CSV traces

/// A scenario in `dir` reading `trace.csv` as `traffic`; the trace must exist.
fn trace_scenario(dir: &Path, traffic: &str, extra: &str) -> Scenario {
    let text = format!(
        "duration = \"10m\"\n\n[traffic]\n{traffic}\nfile = \"trace.csv\"\n\n[[services]]\nname = \"web\"\n\
         desired_count = 2\nservice_time = {{ distribution = \"constant\", value = \"10ms\" }}\n{extra}"
    );
    let path = dir.join("scenario.toml");
    scenario::parse(&text, &path).unwrap_or_else(|e| panic!("the fuzz scenario is valid: {e}\n{text}"))
}

fn fuzz_trace(name: &str, traffic: &str, extra: &str, seeds: &[&str]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let trace = dir.path().join("trace.csv");
    let seeds: Vec<Vec<u8>> = seeds.iter().map(|s| read(&support::scenarios_dir().join(s))).collect();
    write(&trace, &seeds[0]);
    let scenario = trace_scenario(dir.path(), traffic, extra);
    fuzz(name, 256, input(false), |input| {
        write(&trace, &input.bytes(&seeds));
        open_and_drain(&scenario, &[&trace])
    });
}

/// Goal: count traces (`t_seconds,requests`) never panic or hang, and name file and line.
#[test]
fn fuzz_count_trace() {
    fuzz_trace("count_trace", "kind = \"count_trace\"", "", &["counts_10min.csv", "burst_at_20s.csv"]);
}

/// Goal: request traces with service-time and response-bytes columns, and
/// with request-line columns matched against listener rules, never panic
/// or hang, and name file and line.
#[test]
fn fuzz_request_trace() {
    fuzz_trace(
        "request_trace",
        "kind = \"request_trace\"\nservice_time_column = \"latency_s\"\nresponse_bytes_column = \"bytes\"",
        "",
        &["responses.csv", "drain_requests.csv"],
    );
    fuzz_trace(
        "request_trace_routes",
        "kind = \"request_trace\"\npath_column = \"path\"\nmethod_column = \"method\"\nhost_column = \"host\"",
        "\n[[services]]\nname = \"api\"\nservice_time = { distribution = \"constant\", value = \"10ms\" }\n\n\
         [[load_balancer.rules]]\npriority = 10\nname = \"api\"\n\
         conditions = [{ field = \"path-pattern\", values = [\"/api/*\"] }, { field = \"host-header\", values = [\"shop.*\"] }]\n\
         action = { forward = \"api\" }\n",
        &["routes.csv"],
    );
}

// ---------------------------------------------------------------------------
// ALB access logs

/// The fixture's three files as plain text, and a few generated entries.
fn access_log_seeds() -> Vec<Vec<u8>> {
    let files = traffic::log_files(&[support::scenarios_dir().join("access-logs").join("logs")])
        .expect("the fixture's logs are listed");
    files
        .iter()
        .map(|f| {
            let bytes = read(f);
            if f.extension().is_some_and(|e| e == "gz") {
                gunzip(&bytes)
            } else {
                bytes
            }
        })
        .collect()
}

/// How a fuzzed log file is stored.
#[derive(Clone, Debug)]
enum Packing {
    Plain,
    Gzip,
    /// Gzipped, then a byte of the gzip stream changed.
    GzipSetByte(Index, u8),
    /// Gzipped, then cut short.
    GzipTruncated(Index),
}

fn packing() -> impl Strategy<Value = Packing> {
    prop_oneof![
        2 => Just(Packing::Plain),
        2 => Just(Packing::Gzip),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Packing::GzipSetByte(i, b)),
        1 => any::<Index>().prop_map(Packing::GzipTruncated),
    ]
}

impl Packing {
    fn pack(&self, text: Vec<u8>) -> Vec<u8> {
        match self {
            Packing::Plain => text,
            Packing::Gzip => gzip(&text),
            Packing::GzipSetByte(at, b) => {
                let mut bytes = gzip(&text);
                let at = at.index(bytes.len());
                bytes[at] = *b;
                bytes
            }
            Packing::GzipTruncated(at) => {
                let mut bytes = gzip(&text);
                bytes.truncate(at.index(bytes.len()));
                bytes
            }
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Packing::Plain => "fuzzed.log",
            _ => "fuzzed.log.gz",
        }
    }
}

/// Goal: one access-log line, any bytes or an edited real entry, never
/// panics `parse_entry`; an error names its field by number and name.
#[test]
fn fuzz_access_log_entry() {
    let lines: Vec<Vec<u8>> = access_log_seeds()
        .iter()
        .flat_map(|file| file.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect::<Vec<_>>())
        .collect();
    fuzz("access_log_entry", 512, input(false), |input| {
        let bytes = input.bytes(&lines);
        let text = String::from_utf8_lossy(&bytes);
        for line in text.lines() {
            if let Err(e) = access_log::parse_entry(line) {
                let shown = e.to_string();
                if e.number == 0 || !shown.contains(&format!("field {}", e.number)) {
                    return Err(format!("an entry error without its field: {shown}"));
                }
            }
        }
        Ok(())
    });
}

/// Goal: access-log files — any bytes, edited real files, bad gzip, empty
/// files, times going backwards — never panic or hang the merge (one file
/// alone and beside a valid one), `trace summary` or a replay, and every
/// error names the file and the line. Method: each case written as
/// `fuzzed.log` or `fuzzed.log.gz`; a replay through a scenario of each.
#[test]
fn fuzz_access_logs() {
    let seeds = access_log_seeds();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let valid = dir.path().join("valid.log");
    write(&valid, &seeds[1]);
    let mut scenarios = Vec::new();
    for name in ["fuzzed.log", "fuzzed.log.gz"] {
        let path = dir.path().join(name);
        write(&path, &gzip(&seeds[0]));
        let text = format!(
            "duration = \"20m\"\n\n[traffic]\nkind = \"alb_access_logs\"\nfiles = \"{name}\"\n\n\
             [[services]]\nname = \"web\"\nservice_time = {{ distribution = \"constant\", value = \"20ms\" }}\n\n\
             [[services]]\nname = \"api\"\nservice_time = {{ distribution = \"constant\", value = \"40ms\" }}\n\n\
             [[load_balancer.rules]]\npriority = 10\nname = \"api\"\n\
             conditions = [{{ field = \"path-pattern\", values = [\"/api/*\"] }}]\naction = {{ forward = \"api\" }}\n"
        );
        let scenario = scenario::parse(&text, &dir.path().join("scenario.toml"))
            .unwrap_or_else(|e| panic!("the fuzz scenario is valid: {e}"));
        scenarios.push((path, scenario));
    }
    let strategy = (input(false), packing(), any::<Index>());
    fuzz("access_logs", 256, strategy, |(input, packing, window)| {
        let (path, scenario) = &scenarios[usize::from(packing.name().ends_with(".gz"))];
        write(path, &packing.pack(input.bytes(&seeds)));
        let window_nanos = [0, 1_000_000_000, traffic::DEFAULT_REORDER_WINDOW_NANOS, u64::MAX / 2][window.index(4)];
        for files in [vec![path.clone()], vec![valid.clone(), path.clone()]] {
            let shown: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
            let mut merge = LogMerge::new(files.clone(), window_nanos);
            let mut keep = |_: &access_log::LogEntry| Ok(());
            let mut last = 0;
            for _ in 0..ARRIVALS_PER_CASE {
                match merge.next(&mut keep) {
                    Ok(Some(logged)) => {
                        if logged.at_nanos < last {
                            return Err(format!("merged out of order: {} after {last}", logged.at_nanos));
                        }
                        last = logged.at_nanos;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        check_traffic_error(&e, &shown)?;
                        break;
                    }
                }
            }
            if let Err(e) = log_summary::summarize(&files, window_nanos) {
                check_traffic_error(&e, &shown)?;
            }
        }
        open_and_drain(scenario, &[path])
    });
}

// ---------------------------------------------------------------------------
// CloudWatch exports

/// Goal: CloudWatch exports (both JSON shapes and CSV), any bytes or edited real
/// exports — wrong types, huge counts, times backwards or repeated, missing
/// fields — never panic or hang the reader or its replay as a count trace,
/// and every error names the file and the line or JSON field.
#[test]
fn fuzz_cloudwatch() {
    let fixtures = support::scenarios_dir().join("access-logs");
    let seeds = vec![
        read(&fixtures.join("get-metric-data.json")),
        read(&fixtures.join("get-metric-statistics.json")),
        b"timestamp,RequestCount\n2026-11-02T14:03:00Z,60\n2026-11-02T14:00:00+00:00,120\n# none at 14:02\n\
          1793628240,240\n2026-11-02T14:01:00Z,180.0\n"
            .to_vec(),
    ];
    let dir = tempfile::tempdir().expect("a temporary folder");
    let export = dir.path().join("export.json");
    write(&export, &seeds[1]);
    let text = "duration = \"10m\"\n\n[traffic]\nkind = \"cloudwatch\"\nfile = \"export.json\"\n\n[service]\n\
                service_time = { distribution = \"constant\", value = \"20ms\" }\n";
    let scenario = scenario::parse(text, &dir.path().join("scenario.toml"))
        .unwrap_or_else(|e| panic!("the fuzz scenario is valid: {e}"));
    let strategy = (input(true), prop::option::of(prop::sample::select(vec!["alb", "web", "RequestCount"])));
    fuzz("cloudwatch", 256, strategy, |(input, metric)| {
        write(&export, &input.bytes(&seeds));
        if let Err(e) = cloudwatch::read_export(&export, metric) {
            check_traffic_error(&e, &[&export])?;
        }
        open_and_drain(&scenario, &[&export])
    });
}

// ---------------------------------------------------------------------------
// describe-* JSON (import)

/// The README's two-service cluster: (role, file) for every input of `import`.
const IMPORT_FILES: &[(&str, &str)] = &[
    ("td", "td.json"),
    ("td", "td-api-input.json"),
    ("svc", "svc-cluster.json"),
    ("targets", "targets.json"),
    ("policies", "policies-cluster.json"),
    ("scheduled", "scheduled.json"),
    ("alarms", "alarms.json"),
    ("tgs", "target-groups.json"),
    ("attrs:web", "tg-attributes-web.json"),
    ("attrs:api", "tg-attributes-api.json"),
    ("rules", "rules.json"),
    ("cps", "capacity-providers.json"),
    ("asgs", "auto-scaling-groups.json"),
];

fn import_request<'a>(texts: &'a [String]) -> import::Request<'a> {
    let mut request = import::Request::default();
    for (i, &(role, name)) in IMPORT_FILES.iter().enumerate() {
        let file = import::JsonFile { name, text: &texts[i] };
        match role {
            "td" => request.task_definitions.push(file),
            "svc" => request.services.push(file),
            "targets" => request.scalable_targets = Some(file),
            "policies" => request.scaling_policies = Some(file),
            "scheduled" => request.scheduled_actions = Some(file),
            "alarms" => request.alarms = Some(file),
            "tgs" => request.target_groups = Some(file),
            "rules" => request.rules = Some(file),
            "cps" => request.capacity_providers = Some(file),
            "asgs" => request.auto_scaling_groups = Some(file),
            attrs => request.target_group_attributes.push((attrs.strip_prefix("attrs:"), file)),
        }
    }
    request
}

/// Goal: every `describe-*` input of `import`, any bytes or an edited real
/// file, never panics the importer or the check of the scenario it writes;
/// an error names the file and its JSON field path (or, for text that is
/// not JSON, the line). Method: one of the 13 files of the README's cluster
/// fuzzed per case, the others valid.
#[test]
fn fuzz_import() {
    let dir = support::scenarios_dir().join("import");
    let valid: Vec<String> = IMPORT_FILES
        .iter()
        .map(|(_, name)| String::from_utf8(read(&dir.join(name))).expect("fixtures are UTF-8"))
        .collect();
    import::import(&import_request(&valid)).unwrap_or_else(|e| panic!("the fixtures import: {e}"));
    let path = support::scenarios_dir().join("imported.toml");
    fuzz("import", 256, (any::<Index>(), input(true)), |(which, input)| {
        let which = which.index(IMPORT_FILES.len());
        let mut texts = valid.clone();
        let seeds = [valid[which].clone().into_bytes()];
        texts[which] = String::from_utf8_lossy(&input.bytes(&seeds)).into_owned();
        match import::import(&import_request(&texts)) {
            Ok(imported) => {
                // As `fleetsim import` does: the scenario is checked before anyone sees it.
                if let Err(scenario::Error::Invalid { problems, .. }) = scenario::parse(&imported.toml, &path) {
                    if let Some(p) = problems.iter().find(|p| p.line.is_none() && p.field.is_empty()) {
                        return Err(format!("the imported scenario's problem has neither line nor field: {p}"));
                    }
                }
                Ok(())
            }
            Err(e) => {
                let named = IMPORT_FILES[which].1;
                if e.file != named && !IMPORT_FILES.iter().any(|(_, n)| *n == e.file) {
                    return Err(format!("error names no input file: {e}"));
                }
                if e.path.is_empty() && !e.message.contains("line ") {
                    return Err(format!("error names neither field nor line: {e}"));
                }
                Ok(())
            }
        }
    });
}

// ---------------------------------------------------------------------------
// Regressions the fuzzing found

/// A CloudWatch export that is not UTF-8 was reported as "cannot read
/// trace", as if the file were missing; now its line and the byte.
#[test]
fn cloudwatch_export_not_utf8_names_the_line() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let export = dir.path().join("export.json");
    write(&export, b"{\n\"Label\": \"x\xff\"}");
    let error = cloudwatch::read_export(&export, None).expect_err("not UTF-8").to_string();
    assert!(error.contains("export.json: line 2: expected UTF-8 text, found byte 0xff"), "{error}");
}

/// An import file whose document is not an object (`null`, a list) was
/// reported as `file: expected an object`, naming no field; now it names
/// the top level.
#[test]
fn import_document_of_the_wrong_type_names_the_top_level() {
    let dir = support::scenarios_dir().join("import");
    let mut texts: Vec<String> = IMPORT_FILES
        .iter()
        .map(|(_, name)| String::from_utf8(read(&dir.join(name))).expect("fixtures are UTF-8"))
        .collect();
    let which = IMPORT_FILES.iter().position(|(_, n)| *n == "capacity-providers.json").expect("listed");
    texts[which] = "null".into();
    let error = import::import(&import_request(&texts)).expect_err("null is not describe-capacity-providers output");
    assert_eq!(error.to_string(), "capacity-providers.json: the top level: expected an object, found null");
}

/// A scheduled action's `StartTime` whose offset minutes were a huge number
/// overflowed the offset arithmetic (a panic with overflow checks, a wrong
/// time without); now an error naming the field. The same for a date with a
/// year of many digits, in import and in a scenario's `start_time`.
#[test]
fn a_time_with_a_huge_offset_or_year_names_its_field() {
    let dir = support::scenarios_dir().join("import");
    let valid: Vec<String> = IMPORT_FILES
        .iter()
        .map(|(_, name)| String::from_utf8(read(&dir.join(name))).expect("fixtures are UTF-8"))
        .collect();
    let which = IMPORT_FILES.iter().position(|(_, n)| *n == "scheduled.json").expect("listed");
    for (bad, shown) in [
        ("2026-11-01T00:00:00-04:9223372036854775807", "-04:9223372036854775807"),
        ("2026-11-01T00:00:00+99999999999999999", "+99999999999999999"),
        ("99999999999999999-11-01T00:00:00-04:00", "99999999999999999-11-01"),
    ] {
        let mut texts = valid.clone();
        texts[which] = texts[which].replace("2026-11-01T00:00:00-04:00", bad);
        let error = import::import(&import_request(&texts)).expect_err("not a time").to_string();
        assert!(error.starts_with("scheduled.json: ScheduledActions[2].StartTime: expected a time"), "{error}");
        assert!(error.contains(shown), "{error}");
    }
    let text =
        "start_time = \"99999999999999999-01-01T00:00:00Z\"\nduration = \"1h\"\n[traffic]\nkind = \"constant\"\n\
                rate_per_second = 1.0\n[service]\nservice_time = { distribution = \"constant\", value = \"10ms\" }\n";
    let error = scenario::parse(text, Path::new("year.toml")).expect_err("year 99999999999999999").to_string();
    assert!(error.contains("start_time"), "{error}");
}

/// A schedule's `rate(N unit)` with N in the billions overflowed the
/// period's nanoseconds (a panic with overflow checks, a wrong period
/// without); now a problem naming the field and the clock's limit.
#[test]
fn a_rate_too_long_for_the_clock_names_its_field() {
    let dir = support::scenarios_dir();
    let text = String::from_utf8(read(&dir.join("determinism-queues.toml"))).expect("fixtures are UTF-8");
    assert!(text.contains("rate(5 minutes)"), "the fixture's schedule");
    for (rate, valid) in
        [("rate(99999999999 days)", false), ("rate(18446744073709551615 minutes)", false), ("rate(200000 days)", true)]
    {
        let result = scenario::parse(&text.replace("rate(5 minutes)", rate), &dir.join("rate.toml"));
        match (result, valid) {
            (Ok(_), true) => {}
            (Err(e), false) => {
                let error = e.to_string();
                assert!(error.contains(".schedule.expression") && error.contains("at most 584 years"), "{error}");
            }
            (result, _) => panic!("{rate}: {:?}", result.map(|_| "valid")),
        }
    }
}
