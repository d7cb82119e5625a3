//! Bad input through the real binary (design.md §7, §9): every mistake in a
//! scenario file or a trace exits 2 with one `error: …` line on stderr that names
//! the file and the field path (scenarios) or `line N` (traces), and nothing panics.
//!
//! Scenario mistakes are checked through both `validate` and `run`; trace mistakes
//! surface only while running, so those go through `run --out <tempdir>`.

use crate::support;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

/// The smallest valid scenario; each case breaks one thing in it.
const VALID: &str = r#"duration = "10m"

[traffic]
kind = "constant"
rate_per_second = 5.0

[service]
desired_count = 1
service_time = { distribution = "constant", value = "10ms" }
"#;

/// `VALID` with `line` added at the top of its `[service]` table.
fn with_service_line(line: &str) -> String {
    VALID.replace("[service]\n", &format!("[service]\n{line}\n"))
}

/// `VALID` with `text` (a table) appended.
fn with_tail(text: &str) -> String {
    format!("{VALID}\n{text}\n")
}

/// A scenario reading its traffic from `trace.csv` beside it.
fn trace_scenario(kind: &str) -> String {
    VALID.replace("kind = \"constant\"\nrate_per_second = 5.0\n", &format!("kind = \"{kind}\"\nfile = \"trace.csv\"\n"))
}

/// A fresh folder holding a scenario and its traces.
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        Workspace { dir: tempfile::tempdir().expect("create a temporary folder") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        #[allow(clippy::disallowed_methods)] // a test fixture in a temporary folder: atomicity does not matter
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    fn scenario(&self, text: &str) -> PathBuf {
        self.write("scenario.toml", text)
    }

    /// Writes a trace and a scenario of `kind` reading it; returns (scenario, trace) paths.
    fn trace(&self, kind: &str, csv: &str) -> (PathBuf, PathBuf) {
        let trace = self.write("trace.csv", csv);
        (self.scenario(&trace_scenario(kind)), trace)
    }

    /// The output folder a run is pointed at (not created beforehand).
    fn out(&self) -> PathBuf {
        self.path("out")
    }
}

fn fleetsim<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Output {
    support::fleetsim().args(args).output().expect("start the fleetsim binary")
}

fn validate(scenario: &Path) -> Output {
    fleetsim([OsStr::new("validate"), scenario.as_os_str()])
}

fn run(scenario: &Path, out: &Path) -> Output {
    fleetsim([OsStr::new("run"), scenario.as_os_str(), OsStr::new("--out"), out.as_os_str()])
}

fn show(output: &Output) -> String {
    format!(
        "exit status: {:?}\n--- stdout\n{}--- stderr\n{}---",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The contract for bad input: exit code 2, exactly one stderr line starting with
/// `error: `, containing every one of `names`, and no panic. Returns that line.
#[track_caller]
fn assert_one_line_error(output: &Output, names: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "fleetsim panicked:\n{}", show(output));
    assert_eq!(output.status.code(), Some(2), "expected exit code 2 (bad input):\n{}", show(output));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected exactly one line on stderr:\n{}", show(output));
    assert!(lines[0].starts_with("error: "), "expected the line to start with `error: `:\n{}", show(output));
    for name in names {
        assert!(lines[0].contains(name), "expected the error to name `{name}`:\n{}", show(output));
    }
    lines[0].to_string()
}

/// A scenario mistake: `validate` and `run` each exit 2 with one line naming the
/// scenario file and every one of `names`; `run` writes no output folder.
#[track_caller]
fn assert_scenario_error(text: &str, names: &[&str]) {
    let ws = Workspace::new();
    let scenario = ws.scenario(text);
    let shown = scenario.display().to_string();
    let names: Vec<&str> = std::iter::once(shown.as_str()).chain(names.iter().copied()).collect();
    assert_one_line_error(&validate(&scenario), &names);
    assert_one_line_error(&run(&scenario, &ws.out()), &names);
    assert!(!ws.out().exists(), "a run of an invalid scenario created {}", ws.out().display());
}

/// A trace mistake found while running: one line naming the trace file and `line N`
/// (when `line` is given), and no `summary.json`.
#[track_caller]
fn assert_trace_error(kind: &str, csv: &str, line: Option<u64>) -> String {
    let ws = Workspace::new();
    let (scenario, trace) = ws.trace(kind, csv);
    let shown = trace.display().to_string();
    let line_text = line.map(|n| format!("line {n}:"));
    let mut names = vec![shown.as_str()];
    names.extend(line_text.as_deref());
    let output = run(&scenario, &ws.out());
    let message = assert_one_line_error(&output, &names);
    assert!(!ws.out().join("summary.json").exists(), "a failed run left a summary.json:\n{}", show(&output));
    message
}

// ---------------------------------------------------------------------------
// Scenario files

// The minimal scenario the cases break is itself valid, so each case fails for its one reason.
#[test]
fn base_scenario_is_valid() {
    let ws = Workspace::new();
    let output = validate(&ws.scenario(VALID));
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
}

// An unknown top-level key is named, with its line.
#[test]
fn unknown_top_level_key() {
    assert_scenario_error(&format!("seeds = 1\n{VALID}"), &["seeds", "line 1"]);
}

// A misspelt key inside a table is named by its full field path.
#[test]
fn unknown_nested_key() {
    assert_scenario_error(&with_service_line("concurency = 4"), &["service.concurency"]);
}

// A string where a number belongs names the field and what was found.
#[test]
fn string_where_a_number_is_expected() {
    assert_scenario_error(&with_service_line("concurrency = \"ten\""), &["service.concurrency", "ten"]);
}

// A negative duration is refused, naming the field and the value.
#[test]
fn negative_duration() {
    assert_scenario_error(&with_service_line("stop_timeout = \"-5s\""), &["service.stop_timeout", "-5s"]);
}

// A month or a year has no fixed length, and "5M" is one key from "5m".
#[test]
fn months_and_years_are_refused_as_units() {
    for (text, unit) in [("5M", "\"M\""), ("1 year", "\"year\""), ("2y", "\"y\"")] {
        assert_scenario_error(
            &with_service_line(&format!("stop_timeout = \"{text}\"")),
            &["service.stop_timeout", unit],
        );
    }
}

// An absurd rate used to hang the run (arrivals never left time zero) while
// `validate` said ok; each bound names the field that breaks it.
#[test]
fn rates_beyond_the_clock_or_a_days_work_are_refused() {
    let constant = |rate: &str| VALID.replace("rate_per_second = 5.0", &format!("rate_per_second = {rate}"));
    assert_scenario_error(&constant("1e300"), &["traffic.rate_per_second", "1e9"]);
    // rate_scale takes a rate past one a nanosecond: 1e9 × 2.
    assert_scenario_error(
        &constant("1e9").replace("rate_per_second = 1e9", "rate_per_second = 1e9\nrate_scale = 2.0"),
        &["traffic.rate_scale", "1e9 requests per second"],
    );
    // Or past a run's work: 1e8 × 5 = 5e8 a second is fine, for ten minutes
    // (3e11 requests) too, but not for an hour (1.8e12).
    let scaled = constant("1e8").replace("rate_per_second = 1e8", "rate_per_second = 1e8\nrate_scale = 5.0");
    assert_scenario_error(&scaled.replace("duration = \"10m\"", "duration = \"1h\""), &["traffic.rate_scale", "1e12"]);
    let ws = Workspace::new();
    assert_eq!(validate(&ws.scenario(&scaled)).status.code(), Some(0), "3e11 requests are allowed");
    // A short spike counts for its own minutes, not the whole run: a week
    // at 100 a second with a minute at 2e6 is about 1.8e8 requests.
    let spike = VALID.replace("duration = \"10m\"", "duration = \"7d\"").replace(
        "kind = \"constant\"\nrate_per_second = 5.0",
        "kind = \"spike\"\nbase_per_second = 100.0\nspike_per_second = 2e6\nstart = \"1h\"\nduration = \"1m\"",
    );
    assert_eq!(validate(&ws.scenario(&spike)).status.code(), Some(0), "a one-minute spike is allowed");
    let long = constant("1e8").replace("duration = \"10m\"", "duration = \"4h\"");
    assert_scenario_error(&long, &["traffic.rate_per_second", "1e12"]);
    let diurnal = VALID.replace(
        "kind = \"constant\"\nrate_per_second = 5.0",
        "kind = \"diurnal\"\npeak_per_second = 1e300\ntrough_per_second = 1.0",
    );
    assert_scenario_error(&diurnal, &["traffic.peak_per_second"]);
    let ws = Workspace::new();
    ws.write("trace.csv", "t_seconds\n0\n1\n");
    let scaled =
        trace_scenario("request_trace").replace("file = \"trace.csv\"", "file = \"trace.csv\"\nrate_scale = 1e300");
    let scenario = ws.scenario(&scaled);
    assert_one_line_error(&validate(&scenario), &["traffic.rate_scale", "1e8"]);
}

// A trace that ends before its start_offset would replay nothing: a typo in
// the offset, refused rather than reported as a quiet, perfect run.
#[test]
fn a_start_offset_past_the_end_of_a_trace_is_an_error() {
    for (kind, csv, last_row) in [
        ("count_trace", "t_seconds,requests\n0,10\n60,10\n", "line 3"),
        ("request_trace", "t_seconds\n0\n1.5\n", "line 3"),
    ] {
        let ws = Workspace::new();
        let trace = ws.write("trace.csv", csv);
        let offset =
            trace_scenario(kind).replace("file = \"trace.csv\"", "file = \"trace.csv\"\nstart_offset = \"2h\"");
        let output = run(&ws.scenario(&offset), &ws.out());
        let shown = trace.display().to_string();
        assert_one_line_error(&output, &[&shown, "start_offset", last_row]);
        assert!(!ws.out().join("summary.json").exists());
        // Inside the trace's span it runs: the count trace's last bin runs to 120 s.
        let inside =
            trace_scenario(kind).replace("file = \"trace.csv\"", "file = \"trace.csv\"\nstart_offset = \"1s\"");
        let output = run(&ws.scenario(&inside), &ws.out());
        assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    }
}

// A duration with an unknown unit is refused, naming the field and the value.
#[test]
fn malformed_duration() {
    assert_scenario_error(&with_service_line("stop_timeout = \"5 parsecs\""), &["service.stop_timeout", "5 parsecs"]);
}

// A bare number where a duration string belongs is refused (its unit would be a guess).
#[test]
fn number_where_a_duration_is_expected() {
    assert_scenario_error(&with_service_line("stop_timeout = 30"), &["service.stop_timeout", "30"]);
}

// A task that serves no request at once is refused.
#[test]
fn zero_concurrency() {
    assert_scenario_error(&with_service_line("concurrency = 0"), &["service.concurrency"]);
}

// A scenario without a [service] table names the missing table.
#[test]
fn missing_service_table() {
    let text = VALID.split("[service]").next().expect("VALID has a [service] table");
    assert_scenario_error(text, &["service"]);
}

// A scenario without a [traffic] table names the missing table.
#[test]
fn missing_traffic_table() {
    let text =
        format!("duration = \"10m\"\n\n[service]{}", VALID.split("[service]").nth(1).expect("a [service] table"));
    assert_scenario_error(&text, &["traffic"]);
}

// A required field missing from a table is named by its full path, not just its table.
#[test]
fn missing_required_field() {
    let text = VALID.replace("service_time = { distribution = \"constant\", value = \"10ms\" }\n", "");
    assert_scenario_error(&text, &["service.service_time"]);
}

// A TOML syntax error names the line it is on.
#[test]
fn toml_syntax_error() {
    let text = VALID.replace("rate_per_second = 5.0", "rate_per_second = = 5.0");
    let line = text.lines().position(|l| l.contains("= =")).expect("the broken line") + 1;
    assert_scenario_error(&text, &[&format!("line {line}:")]);
}

// A health-check timeout not below its interval is refused (AWS requires timeout < interval).
#[test]
fn health_check_timeout_not_below_interval() {
    let text = with_tail("[load_balancer]\nhealth_check = { interval = \"10s\", timeout = \"10s\" }");
    assert_scenario_error(&text, &["load_balancer.health_check.timeout"]);
}

// A deregistration delay outside AWS's 0–3600 s is refused, showing the value.
#[test]
fn deregistration_delay_out_of_range() {
    let text = with_tail("[load_balancer]\nderegistration_delay = \"4000s\"");
    assert_scenario_error(&text, &["load_balancer.deregistration_delay", "4000"]);
}

// A log-normal whose p99 does not exceed its median is refused.
#[test]
fn lognormal_p99_not_above_median() {
    let text = VALID.replace(
        "{ distribution = \"constant\", value = \"10ms\" }",
        "{ distribution = \"lognormal\", median = \"40ms\", p99 = \"40ms\" }",
    );
    assert_scenario_error(&text, &["service.service_time.p99"]);
}

// A traffic field the chosen kind does not use is refused rather than silently ignored.
#[test]
fn traffic_field_unused_by_kind() {
    let text = VALID.replace("rate_per_second = 5.0\n", "rate_per_second = 5.0\npeak_per_second = 9.0\n");
    assert_scenario_error(&text, &["traffic.peak_per_second"]);
}

// A scenario file that does not exist is named, by `validate` and by `run`.
#[test]
fn missing_scenario_file() {
    let ws = Workspace::new();
    let missing = ws.path("no-such-scenario.toml");
    let shown = missing.display().to_string();
    assert_one_line_error(&validate(&missing), &[&shown]);
    assert_one_line_error(&run(&missing, &ws.out()), &[&shown]);
    assert!(!ws.out().exists(), "a run of a missing scenario created {}", ws.out().display());
}

// A trace file that does not exist is caught before running, naming traffic.file and the path.
#[test]
fn missing_trace_file() {
    let ws = Workspace::new();
    let scenario = ws.scenario(&trace_scenario("count_trace"));
    let trace = ws.path("trace.csv").display().to_string();
    let shown = scenario.display().to_string();
    assert_one_line_error(&validate(&scenario), &[&shown, "traffic.file", &trace]);
    assert_one_line_error(&run(&scenario, &ws.out()), &[&shown, "traffic.file", &trace]);
}

// ---------------------------------------------------------------------------
// Traces (found while running)

// A count trace whose times go backwards names the offending line.
#[test]
fn count_trace_unsorted() {
    assert_trace_error("count_trace", "t_seconds,requests\n0,10\n60,10\n30,10\n", Some(4));
}

// A count trace with a non-number names the line and what it found.
#[test]
fn count_trace_not_a_number() {
    let message = assert_trace_error("count_trace", "t_seconds,requests\n0,10\n60,ten\n", Some(3));
    assert!(message.contains("ten"), "expected the error to show the value found: {message}");
}

// A count trace with a negative count names the line.
#[test]
fn count_trace_negative_count() {
    assert_trace_error("count_trace", "t_seconds,requests\n0,10\n60,-3\n", Some(3));
}

// A count trace row with too many columns names the line.
#[test]
fn count_trace_wrong_column_count() {
    assert_trace_error("count_trace", "t_seconds,requests\n0,10\n60,10,5\n", Some(3));
}

// A count trace without the expected header names line 1.
#[test]
fn count_trace_bad_header() {
    assert_trace_error("count_trace", "time,count\n0,10\n", Some(1));
}

// A count trace with a header and no rows is refused, naming the file.
#[test]
fn count_trace_empty() {
    assert_trace_error("count_trace", "t_seconds,requests\n", None);
}

// A zero-byte trace is refused, naming the file.
#[test]
fn trace_zero_bytes() {
    assert_trace_error("count_trace", "", None);
    assert_trace_error("request_trace", "", None);
}

// A request trace whose times go backwards names the offending line.
#[test]
fn request_trace_unsorted() {
    assert_trace_error("request_trace", "t_seconds\n0.5\n1.0\n0.7\n", Some(4));
}

// A request trace with a non-number names the line and what it found.
#[test]
fn request_trace_not_a_number() {
    let message = assert_trace_error("request_trace", "t_seconds\n0.5\nsoon\n", Some(3));
    assert!(message.contains("soon"), "expected the error to show the value found: {message}");
}

// A request trace row with an extra column names the line.
#[test]
fn request_trace_wrong_column_count() {
    assert_trace_error("request_trace", "t_seconds\n0.5\n1.0,2\n", Some(3));
}

// A request trace without a t_seconds column names line 1.
#[test]
fn request_trace_bad_header() {
    assert_trace_error("request_trace", "when\n0.5\n", Some(1));
}

// A request trace lacking the declared service-time column names line 1 and the column.
#[test]
fn request_trace_missing_service_time_column() {
    let ws = Workspace::new();
    let trace = ws.write("trace.csv", "t_seconds,latency_s\n0.5,0.01\n");
    let text = trace_scenario("request_trace")
        .replace("file = \"trace.csv\"\n", "file = \"trace.csv\"\nservice_time_column = \"service_s\"\n")
        .replace("{ distribution = \"constant\", value = \"10ms\" }", "{ distribution = \"trace\" }");
    let scenario = ws.scenario(&text);
    let shown = trace.display().to_string();
    assert_one_line_error(&run(&scenario, &ws.out()), &[&shown, "line 1:", "service_s"]);
}

// A request trace with a bad service time names the line and the column.
#[test]
fn request_trace_bad_service_time() {
    let ws = Workspace::new();
    let trace = ws.write("trace.csv", "t_seconds,service_s\n0.5,0.01\n0.6,fast\n");
    let text = trace_scenario("request_trace")
        .replace("file = \"trace.csv\"\n", "file = \"trace.csv\"\nservice_time_column = \"service_s\"\n")
        .replace("{ distribution = \"constant\", value = \"10ms\" }", "{ distribution = \"trace\" }");
    let scenario = ws.scenario(&text);
    let shown = trace.display().to_string();
    let output = run(&scenario, &ws.out());
    assert_one_line_error(&output, &[&shown, "line 3:", "service_s", "fast"]);
    assert!(!ws.out().join("summary.json").exists(), "a failed run left a summary.json");
}

// A request trace with a header and no rows is refused, as an empty count trace is.
#[test]
fn request_trace_empty() {
    assert_trace_error("request_trace", "t_seconds\n", None);
}

// A trace with Windows line endings (CRLF) still names the right line.
#[test]
fn crlf_trace_names_the_right_line() {
    assert_trace_error("count_trace", "t_seconds,requests\r\n0,10\r\n60,x\r\n", Some(3));
    assert_trace_error("request_trace", "t_seconds\r\n0.5\r\n1.0\r\n0.7\r\n", Some(4));
}

// A run that fails on a bad trace line mid-run leaves no summary.json (nor any report file).
#[test]
fn failed_run_leaves_no_summary() {
    let ws = Workspace::new();
    // Five good minutes, then a bad row: the error surfaces minutes into the simulation.
    let csv = "t_seconds,requests\n0,100\n60,100\n120,100\n180,100\n240,100\n300,many\n360,100\n";
    let (scenario, trace) = ws.trace("count_trace", csv);
    let output = run(&scenario, &ws.out());
    assert_one_line_error(&output, &[&trace.display().to_string(), "line 7:"]);
    assert!(!ws.out().join("summary.json").exists(), "a failed run left a summary.json:\n{}", show(&output));
    let left: Vec<String> = std::fs::read_dir(ws.out())
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a failed run left files in its output folder: {left:?}");
}

// ---------------------------------------------------------------------------
// validate and usage

// `validate` lists every problem of every file, one line each naming the file and field.
#[test]
fn validate_lists_every_problem() {
    let many = support::scenarios_dir().join("bad/many_problems.toml");
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let ws = Workspace::new();
    let syntax = ws.scenario(&VALID.replace("rate_per_second = 5.0", "rate_per_second = = 5.0"));
    let output = fleetsim([OsStr::new("validate"), many.as_os_str(), quickstart.as_os_str(), syntax.as_os_str()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "fleetsim panicked:\n{}", show(&output));
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let many_shown = many.display().to_string();
    let expected_fields = [
        "traffic.peak_per_second",
        "service.concurrency",
        "service.stop_timeout",
        "service.service_time.p99",
        "load_balancer.deregistration_delay",
        "load_balancer.health_check.timeout",
    ];
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), expected_fields.len() + 1, "one line per problem expected:\n{}", show(&output));
    for line in &lines {
        assert!(line.starts_with("error: "), "every line starts with `error: `:\n{}", show(&output));
    }
    for field in expected_fields {
        let prefix = format!("error: {many_shown}: {field}: ");
        assert!(
            lines.iter().any(|l| l.starts_with(&prefix)),
            "expected a line starting `{prefix}`:\n{}",
            show(&output)
        );
    }
    let syntax_shown = syntax.display().to_string();
    assert!(
        lines.iter().any(|l| l.contains(&syntax_shown) && l.contains("line 5:")),
        "expected the syntax error of the second bad file, at line 5:\n{}",
        show(&output)
    );
    assert!(!stderr.contains("quickstart"), "the valid file has no problems:\n{}", show(&output));
}

// The shipped quickstart scenario validates cleanly.
#[test]
fn validate_quickstart_is_ok() {
    let output = support::fleetsim()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["validate", "scenarios/quickstart.toml"])
        .output()
        .expect("start the fleetsim binary");
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(output.stderr.is_empty(), "{}", show(&output));
}

// Usage mistakes (no command, no scenario, an unknown flag) exit 2 without panicking.
#[test]
fn usage_errors_exit_2() {
    let cases: [&[&str]; 4] = [&[], &["run"], &["validate"], &["run", "x.toml", "--sede", "3"]];
    for args in cases {
        let output = fleetsim(args);
        assert_eq!(output.status.code(), Some(2), "fleetsim {args:?}:\n{}", show(&output));
        assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"), "{}", show(&output));
    }
}

// ---- capacity providers, Fargate Spot and prices (aws-semantics §4) --------

// A strategy naming a provider the cluster does not have.
#[test]
fn unknown_capacity_provider() {
    assert_scenario_error(
        &with_service_line("capacity_provider_strategy = [{ capacity_provider = \"FARGATE_SPOTT\", weight = 1 }]"),
        &["service.capacity_provider_strategy[0].capacity_provider", "FARGATE_SPOTT"],
    );
}

// Only one item may set a base, and some weight must be above 0 (§4.4).
#[test]
fn strategy_with_two_bases_and_no_weight() {
    let line = "capacity_provider_strategy = [{ capacity_provider = \"FARGATE\", base = 1, weight = 1 }, \
                { capacity_provider = \"FARGATE_SPOT\", base = 2 }]";
    assert_scenario_error(
        &with_service_line(line),
        &["service.capacity_provider_strategy", "only one item may set a base"],
    );
    let zero = "capacity_provider_strategy = [{ capacity_provider = \"FARGATE\" }]";
    assert_scenario_error(
        &with_service_line(zero),
        &["service.capacity_provider_strategy", "at least one weight above 0"],
    );
}

// A launch type and a strategy together (§4.4).
#[test]
fn launch_type_and_strategy_together() {
    let line =
        "launch_type = \"FARGATE\"\ncapacity_provider_strategy = [{ capacity_provider = \"FARGATE\", weight = 1 }]";
    assert_scenario_error(&with_service_line(line), &["service.launch_type", "not both"]);
}

// Ephemeral storage outside Fargate's 20–200 GiB (§4.1).
#[test]
fn ephemeral_storage_out_of_range() {
    assert_scenario_error(
        &with_service_line("ephemeral_storage_gib = 10"),
        &["service.ephemeral_storage_gib", "20–200"],
    );
}

// A reclaim wave's share must be a share; a drought must end after it starts.
#[test]
fn bad_spot_market() {
    assert_scenario_error(
        &with_tail("[fargate_spot]\nreclaim_waves = { per_hour = 1.0, share = 1.5 }"),
        &["fargate_spot.reclaim_waves.share", "1.5"],
    );
    assert_scenario_error(
        &with_tail("[fargate_spot]\ndroughts = [{ start = \"2h\", end = \"1h\" }]"),
        &["fargate_spot.droughts[0].end"],
    );
    // A rate that would interrupt faster than tasks can start never ends a run.
    assert_scenario_error(
        &with_tail("[fargate_spot]\ninterruptions_per_task_hour = 1e15"),
        &["fargate_spot.interruptions_per_task_hour", "0–60"],
    );
}

/// A scenario with a file beside it: `validate` and `run` each fail with one
/// line naming the scenario and every one of `names`.
#[track_caller]
fn assert_error_with_file(text: &str, file: (&str, &str), names: &[&str]) {
    let ws = Workspace::new();
    ws.write(file.0, file.1);
    let scenario = ws.scenario(text);
    assert_one_line_error(&validate(&scenario), names);
    assert_one_line_error(&run(&scenario, &ws.out()), names);
    assert!(!ws.out().exists(), "a run of an invalid scenario created {}", ws.out().display());
}

// A replayed interruption file with a bad row names the file's line.
#[test]
fn bad_interruptions_file() {
    assert_error_with_file(
        &with_tail("[fargate_spot]\ninterruptions_file = \"spot.csv\""),
        ("spot.csv", "t_seconds,tasks\n60,2\n120,none\n"),
        &["fargate_spot.interruptions_file", "spot.csv", "line 3", "tasks"],
    );
}

// The scenario's own price file, malformed: its field, file and line.
#[test]
fn bad_price_file() {
    assert_error_with_file(
        &with_tail("[pricing]\nfargate_file = \"fargate.csv\""),
        (
            "fargate.csv",
            "region,os,arch,purchase_option,usd_per_vcpu_hour,usd_per_gb_hour,as_of\n\
             us-east-1,linux,x86_64,on_demand,cheap,0.004,2026\n",
        ),
        &["pricing.fargate_file", "fargate.csv", "line 2"],
    );
}

// A discount on a line item that does not exist, and a region without prices.
#[test]
fn unknown_discount_and_unpriced_region() {
    assert_scenario_error(
        &with_tail("[pricing]\ndiscount_percent = { fargate_hours = 20.0 }"),
        &["pricing.discount_percent.fargate_hours", "line item key"],
    );
    assert_scenario_error(
        &format!("region = \"eu-central-1\"\n{VALID}"),
        &["region", "no ALB-hour price", "eu-central-1"],
    );
}

/// `VALID` on one m6i.large ASG provider, with `service` lines and `provider` lines.
fn on_ec2(service: &str, provider: &str) -> String {
    let text = with_service_line(&format!("launch_type = \"EC2\"\n{service}"));
    format!("{text}\n[[capacity_providers]]\nname = \"m6i\"\ninstance_type = \"m6i.large\"\nmax_size = 4\n{provider}\n")
}

#[test]
fn ec2_base_scenario_is_valid() {
    let ws = Workspace::new();
    let output = validate(&ws.scenario(&on_ec2("", "")));
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
}

// A task sized at the instance's nominal memory never places (§5.6): refused, with the sizes.
#[test]
fn task_that_fits_no_instance() {
    assert_scenario_error(&on_ec2("cpu = 2048\nmemory = 8192", ""), &["service.memory", "8192", "7987", "m6i.large"]);
    assert_scenario_error(&on_ec2("cpu = 4096\nmemory = 4096", ""), &["service.cpu", "4096", "2048"]);
    assert_scenario_error(&on_ec2("cpu_architecture = \"ARM64\"", ""), &["service.cpu_architecture", "ARM64"]);
    // Off Fargate's size table, but not below ECS's floor (a 0-CPU task would divide by zero).
    assert_scenario_error(&on_ec2("cpu = 1", ""), &["service.cpu", "128"]);
    assert_scenario_error(
        &on_ec2("", "registered_memory_mib = 9000"),
        &["capacity_providers[0].registered_memory_mib", "8192"],
    );
}

// Fargate and ASG providers in one strategy (§4.4); an unknown provider name.
#[test]
fn strategy_mixing_fargate_and_ec2() {
    let text = on_ec2("", "").replace(
        "launch_type = \"EC2\"",
        "capacity_provider_strategy = [{ capacity_provider = \"FARGATE\", weight = 1 }, { capacity_provider = \"m6i\", weight = 1 }]",
    );
    assert_scenario_error(&text, &["service.capacity_provider_strategy", "not both"]);
    let text = on_ec2("", "")
        .replace("launch_type = \"EC2\"", "capacity_provider_strategy = [{ capacity_provider = \"m7i\", weight = 1 }]");
    assert_scenario_error(&text, &["service.capacity_provider_strategy[0].capacity_provider", "\"m7i\"", "\"m6i\""]);
}

// The EC2 launch type needs exactly one ASG provider to mean something.
#[test]
fn ec2_launch_type_without_a_provider() {
    assert_scenario_error(&with_service_line("launch_type = \"EC2\""), &["service.launch_type", "found 0"]);
}

// Instance types: unknown; not in the ENI table without a limit given (§5.3).
#[test]
fn unknown_or_unlisted_instance_type() {
    let text = on_ec2("", "").replace("m6i.large", "m6i.huge");
    assert_scenario_error(&text, &["capacity_providers[0].instance_type", "m6i.huge"]);
    let text = on_ec2("", "").replace("m6i.large", "m7i.large");
    assert_scenario_error(&text, &["capacity_providers[0].awsvpc_tasks_per_instance", "m7i.large", "§5.3"]);
}

// Managed scaling's ranges, and protection without managed scaling (§5.1).
#[test]
fn bad_managed_scaling() {
    assert_scenario_error(
        &on_ec2("", "managed_scaling = { target_capacity = 0 }"),
        &["capacity_providers[0].managed_scaling.target_capacity", "1–100"],
    );
    assert_scenario_error(
        &on_ec2("", "managed_termination_protection = true"),
        &["capacity_providers[0].managed_termination_protection", "managed_scaling"],
    );
    assert_scenario_error(&on_ec2("", "desired_capacity = 9"), &["capacity_providers[0].desired_capacity", "0–4"]);
}

// Placement: a strategy on Fargate; binpack on a field it does not take; memberOf.
#[test]
fn bad_placement() {
    assert_scenario_error(
        &with_service_line("placement_strategy = [{ type = \"binpack\", field = \"cpu\" }]"),
        &["service.placement_strategy", "EC2 only"],
    );
    assert_scenario_error(
        &on_ec2("placement_strategy = [{ type = \"binpack\", field = \"disk\" }]", ""),
        &["service.placement_strategy[0].field", "disk"],
    );
    assert_scenario_error(
        &on_ec2(
            "placement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.instance-type =~ t2.*\" }]",
            "",
        ),
        &["service.placement_constraints[0].type", "memberOf"],
    );
}

// A request trace's response size that is not a whole number of bytes names the line and the column.
#[test]
fn request_trace_bad_response_bytes() {
    let ws = Workspace::new();
    let trace = ws.write("trace.csv", "t_seconds,bytes\n0.5,2048\n0.6,-1\n");
    let text = trace_scenario("request_trace")
        .replace("file = \"trace.csv\"\n", "file = \"trace.csv\"\nresponse_bytes_column = \"bytes\"\n");
    let scenario = ws.scenario(&text);
    let shown = trace.display().to_string();
    assert_one_line_error(&run(&scenario, &ws.out()), &[&shown, "line 3:", "bytes", "-1"]);
    let missing = ws.scenario(&text.replace("\"bytes\"", "\"size\""));
    assert_one_line_error(&run(&missing, &ws.out()), &[&shown, "line 1:", "size"]);
}

// Deployments: out of order or past the end; a probability above 1; a maximum below 100 %.
#[test]
fn bad_deployments() {
    let text = |service: &str, tail: &str| format!("{}\n{tail}\n", with_service_line(service));
    assert_scenario_error(
        &text("", "[[service.deployments]]\nat = \"20m\""),
        &["service.deployments[0].at", "before the end"],
    );
    assert_scenario_error(
        &text("", "[[service.deployments]]\nat = \"5m\"\nhealth_check_failure_probability = 1.5"),
        &["service.deployments[0].health_check_failure_probability", "1.5"],
    );
    assert_scenario_error(
        &text("deployment_configuration = { maximum_percent = 90 }", ""),
        &["service.deployment_configuration.maximum_percent", "100–2000"],
    );
    assert_scenario_error(
        &text("", "[[service.deployments]]\nat = \"6m\"\n[[service.deployments]]\nat = \"5m\""),
        &["service.deployments[1].at", "time order"],
    );
}

// Blue/green: an unknown CodeDeploy configuration; BLUE_GREEN without its bake time.
#[test]
fn bad_traffic_shifting() {
    assert_scenario_error(
        &with_service_line("deployment_configuration = { code_deploy = { deployment_config = \"CodeDeployDefault.ECSCanary5Percent\" } }"),
        &["service.deployment_configuration.code_deploy.deployment_config", "ECSCanary5Percent"],
    );
    assert_scenario_error(
        &with_service_line("deployment_configuration = { strategy = \"BLUE_GREEN\" }"),
        &["service.deployment_configuration.bake_time_in_minutes", "BLUE_GREEN"],
    );
    assert_scenario_error(
        &with_service_line(
            "deployment_configuration = { strategy = \"LINEAR\", linear_configuration = { step_percent = 1.0 } }",
        ),
        &["service.deployment_configuration.linear_configuration.step_percent", "3.0–100.0"],
    );
}

// A container health check outside §2.6's ranges names the field.
#[test]
fn container_health_check_out_of_range() {
    for (setting, field) in [
        ("interval = \"2s\"", "interval"),
        ("timeout = \"90s\"", "timeout"),
        ("retries = 0", "retries"),
        ("start_period = \"301s\"", "start_period"),
    ] {
        let text = with_service_line(&format!("container_health_check = {{ {setting} }}"));
        assert_scenario_error(&text, &[&format!("service.container_health_check.{field}"), "§2.6"]);
    }
}

// Requests sent to a service that has no load balancer would go nowhere.
#[test]
fn traffic_to_a_service_without_load_balancer() {
    assert_scenario_error(&with_service_line("load_balanced = false"), &["traffic", "load_balanced = false"]);
}

// Traffic shifting needs a load balancer (§2.7).
#[test]
fn blue_green_without_load_balancer() {
    let text = with_service_line(
        "load_balanced = false\ndeployment_configuration = { strategy = \"BLUE_GREEN\", bake_time_in_minutes = 5 }",
    )
    .replace("[traffic]\nkind = \"constant\"\nrate_per_second = 5.0\n", "");
    assert_scenario_error(&text, &["service.deployment_configuration", "load_balanced = false"]);
}

// A custom CodeDeploy configuration needs the block its type names, in range.
#[test]
fn custom_code_deploy_configuration_mistakes() {
    let blue_green =
        |code_deploy: &str| with_service_line(&format!("deployment_configuration = {{ code_deploy = {code_deploy} }}"));
    assert_scenario_error(
        &blue_green("{ deployment_config = \"Mine\" }"),
        &["service.deployment_configuration.code_deploy.deployment_config", "traffic_routing_config"],
    );
    assert_scenario_error(
        &blue_green("{ deployment_config = \"Mine\", traffic_routing_config = { type = \"TimeBasedCanary\" } }"),
        &["service.deployment_configuration.code_deploy.traffic_routing_config.time_based_canary", "missing"],
    );
    assert_scenario_error(
        &blue_green(
            "{ deployment_config = \"Mine\", traffic_routing_config = { type = \"TimeBasedLinear\", \
             time_based_linear = { linear_percentage = 0, linear_interval = 1 } } }",
        ),
        &["service.deployment_configuration.code_deploy.traffic_routing_config.time_based_linear.linear_percentage"],
    );
}

/// Two services behind the ALB, with `tail` appended (rules, traffic routes).
fn two_services(tail: &str) -> String {
    format!(
        r#"duration = "10m"
[traffic]
kind = "constant"
rate_per_second = 5.0
[[services]]
name = "web"
service_time = {{ distribution = "constant", value = "10ms" }}
[[services]]
name = "api"
service_time = {{ distribution = "constant", value = "10ms" }}
{tail}"#
    )
}

// A rule that forwards to a target group no service has.
#[test]
fn rule_to_an_unknown_target_group() {
    let text = two_services(
        "[[load_balancer.rules]]\npriority = 1\nconditions = [{ field = \"path-pattern\", values = [\"/api/*\"] }]\naction = { forward = \"apii\" }\n",
    );
    assert_scenario_error(&text, &["load_balancer.rules[0].action.forward", "\"apii\"", "\"api\""]);
}

// Two services with one name.
#[test]
fn two_services_with_one_name() {
    let text = two_services("").replace("name = \"api\"", "name = \"web\"");
    assert_scenario_error(&text, &["services[1].name", "\"web\""]);
}

// Route shares that add up to more than all the traffic.
#[test]
fn route_shares_above_one() {
    let text = two_services("").replace(
        "rate_per_second = 5.0\n",
        "rate_per_second = 5.0\nroutes = [{ path = \"/a\", share = 0.7 }, { path = \"/b\", share = 0.4 }]\n",
    );
    assert_scenario_error(&text, &["traffic.routes", "above 1"]);
}

// Two rules of one priority, and a header condition without its header name.
#[test]
fn listener_rule_mistakes() {
    let rule = |priority: u32, condition: &str| {
        format!("[[load_balancer.rules]]\npriority = {priority}\nconditions = [{condition}]\naction = {{ forward = \"api\" }}\n")
    };
    let path = "{ field = \"path-pattern\", values = [\"/api/*\"] }";
    let text = two_services(&format!("{}{}", rule(7, path), rule(7, path)));
    assert_scenario_error(&text, &["load_balancer.rules[1].priority", "unique"]);
    let text = two_services(&rule(7, "{ field = \"http-header\", values = [\"on\"] }"));
    assert_scenario_error(&text, &["load_balancer.rules[0].conditions[0].http_header_name"]);
}

// Calls that form a cycle: a request would wait on itself.
#[test]
fn a_call_cycle() {
    let text = two_services("")
        .replace("name = \"web\"\n", "name = \"web\"\ncalls = [{ service = \"api\" }]\n")
        .replace("name = \"api\"\n", "name = \"api\"\ncalls = [{ service = \"web\" }]\n");
    assert_scenario_error(&text, &["services[0].calls", "cycle", "web → api → web"]);
}

// A call to a service that does not exist.
#[test]
fn a_call_to_an_unknown_service() {
    let text = two_services("").replace("name = \"web\"\n", "name = \"web\"\ncalls = [{ service = \"backend\" }]\n");
    assert_scenario_error(&text, &["services[0].calls[0].service", "\"backend\""]);
}

// A mistake in the second of several traffic sources names it by index.
#[test]
fn a_mistake_in_the_second_traffic_source() {
    let text = VALID.replace(
        "[traffic]\nkind = \"constant\"\nrate_per_second = 5.0\n",
        "[[traffic]]\nkind = \"constant\"\nrate_per_second = 5.0\n[[traffic]]\nkind = \"constant\"\nrate_per_second = -1.0\n",
    );
    assert_scenario_error(&text, &["traffic[1].rate_per_second"]);
}

// `distribution = "trace"` with a second traffic source that carries no
// service times: that source's requests would take no time at all.
#[test]
fn trace_service_times_with_a_source_that_has_none() {
    let ws = Workspace::new();
    ws.write("trace.csv", "t_seconds,svc_s\n0.0,0.5\n1.0,0.5\n");
    let text = r#"duration = "1m"
[[traffic]]
kind = "request_trace"
file = "trace.csv"
service_time_column = "svc_s"
[[traffic]]
kind = "constant"
rate_per_second = 5.0
[service]
service_time = { distribution = "trace" }
"#;
    let scenario = ws.scenario(text);
    let shown = scenario.display().to_string();
    assert_one_line_error(
        &validate(&scenario),
        &[&shown, "service.service_time.distribution", "every [[traffic]] source"],
    );
}

/// `VALID` plus a queue `jobs` and a worker service consuming it (issue 9).
fn with_worker(queue: &str, worker: &str) -> String {
    format!(
        "{VALID}\n[[queues]]\nname = \"jobs\"\n{queue}\n\n[[services]]\nname = \"worker\"\nservice_time = {{ distribution = \"constant\", value = \"1s\" }}\nworker = {worker}\n"
    )
    .replace("[service]\n", "[[services]]\nname = \"web\"\n")
}

// A worker naming a queue that does not exist.
#[test]
fn a_worker_on_an_unknown_queue() {
    assert_scenario_error(
        &with_worker("", "{ queue = \"job\" }"),
        &["services[1].worker.queue", "\"jobs\"", "\"job\""],
    );
}

// Traffic sent to a queue that does not exist.
#[test]
fn traffic_to_an_unknown_queue() {
    // web behind no ALB, so the only mistake is the queue's name.
    let text = with_worker("", "{ queue = \"jobs\" }")
        .replace("rate_per_second = 5.0\n", "rate_per_second = 5.0\nqueue = \"nope\"\n")
        .replace("name = \"web\"\n", "name = \"web\"\nload_balanced = false\n");
    assert_scenario_error(&text, &["traffic.queue", "\"nope\""]);
}

// SQS's own ranges (§12.1, §12.2).
#[test]
fn queue_and_worker_settings_out_of_aws_ranges() {
    assert_scenario_error(
        &with_worker("visibility_timeout = \"13h\"", "{ queue = \"jobs\" }"),
        &["queues[0].visibility_timeout", "0–43200"],
    );
    assert_scenario_error(
        &with_worker("max_receive_count = 0", "{ queue = \"jobs\" }"),
        &["queues[0].max_receive_count", "1–1000"],
    );
    assert_scenario_error(
        &with_worker("", "{ queue = \"jobs\", max_number_of_messages = 11 }"),
        &["services[1].worker.max_number_of_messages", "1–10"],
    );
    assert_scenario_error(
        &with_worker("", "{ queue = \"jobs\", wait_time_seconds = 21 }"),
        &["services[1].worker.wait_time_seconds", "0–20"],
    );
    assert_scenario_error(
        &with_worker("message_retention_period = \"30s\"", "{ queue = \"jobs\" }"),
        &["queues[0].message_retention_period", "60 s to 14 days"],
    );
}

// Two queues with one name, and two services consuming one queue.
#[test]
fn duplicate_queues_and_consumers() {
    assert_scenario_error(
        &with_worker("[[queues]]\nname = \"jobs\"", "{ queue = \"jobs\" }"),
        &["queues[1].name", "unique"],
    );
    let text = format!(
        "{}\n[[services]]\nname = \"worker2\"\nservice_time = {{ distribution = \"constant\", value = \"1s\" }}\nworker = {{ queue = \"jobs\" }}\n",
        with_worker("", "{ queue = \"jobs\" }")
    );
    assert_scenario_error(&text, &["services[2].worker.queue", "one worker service per queue"]);
}

// Backlog per task on a service that reads no queue.
#[test]
fn backlog_scaling_without_a_queue() {
    let text = with_service_line(
        "auto_scaling = { min_capacity = 1, max_capacity = 4, target_tracking = [{ customized_metric = \"sqs_backlog_per_task\", target_value = 100.0 }] }",
    );
    assert_scenario_error(&text, &["service.auto_scaling.target_tracking[0].customized_metric", "queue worker"]);
}

// Memory limits that contradict each other (§14.1).
#[test]
fn memory_limits_out_of_order() {
    assert_scenario_error(
        &with_service_line("memory_reservation = 2048\ncontainer_memory = 1024"),
        &["service.memory_reservation", "container_memory"],
    );
    assert_scenario_error(
        &with_service_line("container_memory = 4096"),
        &["service.container_memory", "task's memory"],
    );
    assert_scenario_error(
        &with_service_line("memory_leak_per_hour_mib = -1.0"),
        &["service.memory_leak_per_hour_mib", "≥ 0"],
    );
}

/// A DAEMON service (aws-semantics §13.3) on EC2, with `extra` in its table.
fn daemon(extra: &str) -> String {
    format!(
        r#"duration = "10m"
[traffic]
kind = "constant"
rate_per_second = 1.0
[[services]]
name = "web"
service_time = {{ distribution = "constant", value = "10ms" }}
launch_type = "EC2"
[[services]]
name = "agent"
scheduling_strategy = "DAEMON"
service_time = {{ distribution = "constant", value = "10ms" }}
{extra}
[[capacity_providers]]
name = "m6i"
instance_type = "m6i.large"
max_size = 2
"#
    )
}

// What CreateService refuses for a DAEMON (§13.3): Fargate, a desired count,
// Service Auto Scaling, the CODE_DEPLOY controller, maximumPercent ≠ 100, a
// placement strategy. Each names its field.
#[test]
fn daemon_mistakes() {
    let ec2 = "launch_type = \"EC2\"\n";
    assert_scenario_error(&daemon("launch_type = \"FARGATE\""), &["services[1].launch_type", "DAEMON", "FARGATE"]);
    assert_scenario_error(&daemon(""), &["services[1].launch_type", "DAEMON"]);
    assert_scenario_error(
        &daemon("capacity_provider_strategy = [{ capacity_provider = \"FARGATE\", weight = 1 }]"),
        &["services[1].capacity_provider_strategy", "DAEMON"],
    );
    assert_scenario_error(&daemon(&format!("{ec2}desired_count = 2")), &["services[1].desired_count", "DAEMON"]);
    assert_scenario_error(
        &daemon(&format!("{ec2}auto_scaling = {{ min_capacity = 1, max_capacity = 4, target_tracking = [{{ predefined_metric_type = \"ECSServiceAverageCPUUtilization\", target_value = 50.0 }}] }}")),
        &["services[1].auto_scaling", "DAEMON"],
    );
    assert_scenario_error(
        &daemon(&format!("{ec2}deployment_configuration = {{ maximum_percent = 200 }}")),
        &["services[1].deployment_configuration.maximum_percent", "100", "200"],
    );
    assert_scenario_error(
        &daemon(&format!("{ec2}placement_strategy = [{{ type = \"binpack\", field = \"cpu\" }}]")),
        &["services[1].placement_strategy", "DAEMON"],
    );
    assert_scenario_error(
        &daemon(&format!(
            "{ec2}load_balanced = true\ndeployment_configuration = {{ code_deploy = {{ deployment_config = \"CodeDeployDefault.ECSAllAtOnce\" }} }}"
        )),
        &["services[1].deployment_configuration.code_deploy", "CODE_DEPLOY"],
    );
}

// A scheduled task (§13.1) with what only a service has, or out of range.
#[test]
fn scheduled_task_mistakes() {
    let job = |extra: &str| {
        format!(
            "{VALID}\n[[services]]\nname = \"batch\"\nservice_time = {{ distribution = \"constant\", value = \"1m\" }}\n{extra}\n"
        )
        .replace("[service]\n", "[[services]]\nname = \"web\"\n")
    };
    assert_scenario_error(
        &job("schedule = { expression = \"rate(5 minutes)\", task_count = 11 }"),
        &["services[1].schedule.task_count", "1–10"],
    );
    assert_scenario_error(
        &job("schedule = { expression = \"cron(0 2 * * ? *)\" }"),
        &["services[1].schedule.expression", "start_time"],
    );
    assert_scenario_error(
        &job("schedule = { expression = \"rate(5 minutes)\" }\ndesired_count = 2"),
        &["services[1].desired_count", "not a service"],
    );
    assert_scenario_error(&job("schedule = { expression = \"every day\" }"), &["services[1].schedule.expression"]);
}

/// Goal: header columns of a request trace: only with `path_column`; not the
/// Host header (host_column's); a header name must be one; a named column
/// missing from the trace names it and line 1.
#[test]
fn bad_header_columns_name_the_field() {
    let routes = support::scenarios_dir().join("routes.csv").display().to_string();
    let trace = |extra: &str| {
        trace_scenario("request_trace").replace("file = \"trace.csv\"\n", &format!("file = {routes:?}\n{extra}\n"))
    };
    assert_scenario_error(
        &trace("header_columns = { \"User-Agent\" = \"ua\" }"),
        &["traffic.header_columns", "only with path_column"],
    );
    assert_scenario_error(
        &trace("path_column = \"path\"\nheader_columns = { Host = \"h\" }"),
        &["traffic.header_columns.Host", "host_column"],
    );
    assert_scenario_error(
        &trace("path_column = \"path\"\nheader_columns = { \"User Agent\" = \"ua\" }"),
        &["traffic.header_columns.User Agent", "header name"],
    );
    let ws = Workspace::new();
    let scenario = ws.scenario(&trace("path_column = \"path\"\nheader_columns = { \"User-Agent\" = \"ua\" }"));
    let line = assert_one_line_error(&run(&scenario, &ws.out()), &["routes.csv", "line 1", "`ua` column"]);
    assert!(line.contains("traffic.header_columns"), "{line}");
}

// A schedule's time zone that is no IANA name (§1.9 `Timezone`, §13.1
// `ScheduleExpressionTimezone`) names the field and what was expected; a name
// wrong only in case gets the right one as a hint.
#[test]
fn unknown_schedule_time_zone() {
    let job = format!(
        "{VALID}\n[[services]]\nname = \"batch\"\nservice_time = {{ distribution = \"constant\", value = \"1m\" }}\n\
         schedule = {{ expression = \"rate(5 minutes)\", timezone = \"Mars/Olympus_Mons\" }}\n"
    )
    .replace("[service]\n", "[[services]]\nname = \"web\"\n");
    assert_scenario_error(
        &job,
        &["services[1].schedule.timezone", "expected an IANA time zone name", "\"Mars/Olympus_Mons\""],
    );
    assert_scenario_error(
        &with_tail(
            "[service.auto_scaling]\nmin_capacity = 1\nmax_capacity = 2\n\
             scheduled_actions = [{ schedule = \"rate(1 hour)\", timezone = \"america/new_york\", min_capacity = 1 }]",
        ),
        &["service.auto_scaling.scheduled_actions[0].timezone", "did you mean \"America/New_York\""],
    );
}

/// Goal: zoned schedules that cannot do what they say exit 2 naming the
/// field: an `at(…)` in the hour New York's clocks skip (AWS never runs it,
/// §13.1), and a zoned schedule in a run past the last year whose
/// daylight-saving rules fleetsim holds.
#[test]
fn zoned_schedules_that_never_fire_as_written() {
    let job = |expression: &str, start: &str| {
        format!(
            "start_time = \"{start}\"\n{VALID}\n[[services]]\nname = \"batch\"\n\
             service_time = {{ distribution = \"constant\", value = \"1m\" }}\n\
             schedule = {{ expression = \"{expression}\", timezone = \"America/New_York\" }}\n"
        )
        .replace("[service]\n", "[[services]]\nname = \"web\"\n")
    };
    assert_scenario_error(
        &job("at(2026-03-08T02:30:00)", "2026-03-08T00:00:00Z"),
        &["services[1].schedule.expression", "does not exist in America/New_York"],
    );
    assert_scenario_error(
        &job("cron(0 2 * * ? *)", "2100-01-01T00:00:00Z"),
        &["services[1].schedule.timezone", "end in 2099"],
    );
}
