//! ALB access logs and CloudWatch exports as traffic (issue 10, scope 2 and 3;
//! aws-semantics §11): every field of an entry parsed, files merged in arrival
//! order, a replay's requests and routes, `trace convert` and `trace summary`,
//! both CloudWatch shapes, and bad input naming the file, line and field.
//!
//! The fixture `tests/scenarios/access-logs/logs/` is 17 requests on
//! 2026-11-02 between 14:00:01 and 14:09:59.75 UTC, in three files as ELB
//! names them: node 10.0.1.17 and node 10.0.2.23 for 14:00–14:05 (plain
//! `.log`), node 10.0.1.17 for 14:05–14:10 (`.log.gz`). Node 10.0.1.17's
//! first file is in `time` order, so its 504 (created 14:00:30, answered 60 s
//! later) follows a request created at 14:01:00, and its WebSocket (opened
//! 14:03:00, logged at close 90 s later) follows one created at 14:03:15.

use crate::support;
use fleetsim::engine::{RngStreams, SimTime};
use fleetsim::traffic::access_log::{parse_entry, parse_iso8601_nanos};
use fleetsim::traffic::{log_files, Arrivals, LogMerge};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

fn fixture(name: &str) -> PathBuf {
    support::scenarios_dir().join("access-logs").join(name)
}

fn logs_dir() -> PathBuf {
    fixture("logs")
}

/// The fixture's files, sorted: node 10.0.1.17 14:05, node 10.0.2.23 14:05, node 10.0.1.17 14:10.
fn log_paths() -> Vec<PathBuf> {
    log_files(&[logs_dir()]).expect("the fixture's logs are listed")
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .map(String::from)
        .collect()
}

/// Seconds after 14:00:00 UTC, as ns.
fn after_two_pm(seconds: &str) -> u64 {
    let base = parse_iso8601_nanos("2026-11-02T14:00:00Z").expect("a valid time");
    base + fleetsim_seconds(seconds)
}

fn fleetsim_seconds(text: &str) -> u64 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let fraction = format!("{fraction:0<9}");
    whole.parse::<u64>().expect("seconds") * 1_000_000_000 + fraction.parse::<u64>().expect("fraction")
}

/// Every request's `request_creation_time`, seconds after 14:00:00, sorted by hand.
const CREATION_SECONDS: [&str; 17] = [
    "1",
    "1",
    "2.5",
    "3.25",
    "4",
    "30",
    "45.5",
    "60",
    "119.999",
    "130.123456",
    "150",
    "180",
    "195",
    "299",
    "300.5",
    "420",
    "599.75",
];

// ---------------------------------------------------------------------------
// Parsing

/// Goal: every documented field of the h2 entry, which also carries fields
/// 30–33 (2024–2025) and one more that AWS might append later (tolerated);
/// quoted fields keep their spaces.
#[test]
fn an_entry_with_later_and_appended_fields_parses_every_field() {
    let lines = read_lines(&log_paths()[0]);
    let entry = parse_entry(&lines[4]).expect("the h2 entry parses");
    assert_eq!(entry.kind, "h2");
    assert_eq!(entry.time_nanos, after_two_pm("60.03"));
    assert_eq!(entry.elb, "app/shop/50dc6c495c0c9188");
    assert_eq!(entry.client, "203.0.113.6:40006");
    assert_eq!(entry.target, Some("10.0.3.22:8080"));
    assert_eq!(
        (entry.request_processing_nanos, entry.target_processing_nanos, entry.response_processing_nanos),
        (Some(0), Some(30_000_000), Some(0))
    );
    assert_eq!((entry.elb_status_code, entry.target_status_code), (Some(200), Some(200)));
    assert_eq!((entry.received_bytes, entry.sent_bytes), (60, 700));
    assert_eq!(entry.request.method, "GET");
    assert_eq!(entry.request.url, "https://shop.example.com:443/api/cart");
    assert_eq!(entry.request.protocol, "HTTP/2.0");
    assert_eq!((entry.request.host, entry.request.target), ("shop.example.com", "/api/cart"));
    assert_eq!(entry.user_agent, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36");
    assert_eq!(entry.ssl_cipher, Some("ECDHE-RSA-AES128-GCM-SHA256"));
    assert_eq!(entry.ssl_protocol, Some("TLSv1.2"));
    assert_eq!(
        entry.target_group_arn,
        Some("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/73e2d6bc24d8a067")
    );
    assert_eq!(entry.trace_id, "Root=1-6ae8979c-000000000000000000000006");
    assert_eq!(entry.domain_name, Some("shop.example.com"));
    assert!(entry.chosen_cert_arn.is_some_and(|arn| arn.starts_with("arn:aws:acm:")));
    assert_eq!(entry.matched_rule_priority, Some(10));
    assert_eq!(entry.request_creation_nanos, after_two_pm("60"));
    assert_eq!(entry.later_field(23), Some("forward"));
    assert_eq!(entry.later_field(26), Some("10.0.3.22:8080"));
    assert_eq!(entry.later_field(27), Some("200"));
    assert_eq!(entry.later_field(30), Some("TID_1234abcd5678ef90"));
    assert_eq!(entry.later_field(33), Some("-"));
    assert_eq!(entry.extra_field_count, 1);
}

/// Goal: `-1` timings and `-` fields (§11.2). The 504 (idle timeout) has
/// target_processing and response_processing −1 and no target status; the
/// 503 no target at all; the malformed request (400) logs `- http://host:80- -`,
/// every timing −1 and no rule.
#[test]
fn minus_one_timings_and_absent_fields() {
    let lines = read_lines(&log_paths()[0]);
    let timeout = parse_entry(&lines[5]).expect("the 504 parses");
    assert_eq!(timeout.elb_status_code, Some(504));
    assert_eq!(timeout.target_status_code, None);
    assert_eq!(timeout.request_processing_nanos, Some(1_000_000));
    assert_eq!((timeout.target_processing_nanos, timeout.response_processing_nanos), (None, None));
    assert_eq!(timeout.later_field(25), Some("TargetResponseTimeout"));
    let no_target = parse_entry(&lines[6]).expect("the 503 parses");
    assert_eq!((no_target.elb_status_code, no_target.target), (Some(503), None));
    assert_eq!(no_target.request_creation_nanos, after_two_pm("130.123456"));

    let lines = read_lines(&log_paths()[1]);
    let malformed = parse_entry(&lines[3]).expect("the malformed request parses");
    assert_eq!(malformed.elb_status_code, Some(400));
    assert_eq!(
        (malformed.request_processing_nanos, malformed.target_processing_nanos, malformed.response_processing_nanos),
        (None, None, None)
    );
    assert_eq!((malformed.request.method, malformed.request.protocol), ("-", "-"));
    assert_eq!((malformed.request.host, malformed.request.target), ("shop.example.com", "/"));
    assert_eq!((malformed.matched_rule_priority, malformed.target_group_arn), (None, None));
    assert_eq!(malformed.user_agent, "-");
}

/// Goal: entries written before AWS added fields 23–29 still read; an entry
/// cut before `request_creation_time` (field 22) does not.
#[test]
fn older_layouts_read_and_truncated_entries_do_not() {
    let lines = read_lines(&log_paths()[0]);
    let fields_up_to_22: String = {
        // The first 22 fields end just after request_creation_time.
        let cut = lines[0].find(" \"forward\"").expect("field 23 follows field 22");
        lines[0][..cut].to_string()
    };
    let entry = parse_entry(&fields_up_to_22).expect("22 fields are enough");
    assert_eq!(entry.later_field(23), None);
    let cut = fields_up_to_22.rfind(' ').expect("several fields");
    let error = parse_entry(&fields_up_to_22[..cut]).expect_err("21 fields are not");
    assert_eq!(error.number, 22);
    assert!(error.to_string().contains("request_creation_time"), "{error}");
}

// ---------------------------------------------------------------------------
// Merging

fn merged_times(paths: Vec<PathBuf>, window_nanos: u64) -> Vec<u64> {
    let mut merge = LogMerge::new(paths, window_nanos);
    let mut times = Vec::new();
    let mut keep = |_: &fleetsim::traffic::access_log::LogEntry| Ok(());
    while let Some(logged) = merge.next(&mut keep).expect("the fixture merges") {
        times.push(logged.at_nanos);
    }
    times
}

/// Goal: three files, two of them overlapping and one out of order within
/// itself, give every request once in `request_creation_time` order, to the
/// microsecond, whatever order the files are named in. Method: the merged
/// times against the hand-sorted list; the files given one by one in reverse
/// order, and the folder, give the same.
#[test]
fn files_merge_in_arrival_order() {
    let expected: Vec<u64> = CREATION_SECONDS.iter().map(|s| after_two_pm(s)).collect();
    assert_eq!(merged_times(log_paths(), fleetsim::traffic::DEFAULT_REORDER_WINDOW_NANOS), expected);
    let mut reversed = log_paths();
    reversed.reverse();
    let listed = log_files(&reversed).expect("files given one by one");
    assert_eq!(merged_times(listed, fleetsim::traffic::DEFAULT_REORDER_WINDOW_NANOS), expected);
}

/// Goal: the replay's arrivals are the logged creation times less the
/// origin (14:00:00, the first arrival's minute), to the nanosecond.
#[test]
fn arrivals_are_the_logged_request_times() {
    let scenario = support::scenario(&shop_scenario(""));
    let end = SimTime::ZERO + scenario.duration;
    let mut arrivals = Arrivals::open(&scenario.traffic, &RngStreams::new(1), end).expect("the logs open");
    let mut times = Vec::new();
    while let Some(arrival) = arrivals.next_arrival().expect("the logs read") {
        times.push(arrival.at.as_nanos());
    }
    let expected: Vec<u64> = CREATION_SECONDS.iter().map(|s| fleetsim_seconds(s)).collect();
    assert_eq!(times, expected);
}

// ---------------------------------------------------------------------------
// Replaying

fn shop_scenario(extra_traffic: &str) -> String {
    let text = std::fs::read_to_string(fixture("shop.toml")).expect("read shop.toml");
    text.replace("files = \"logs\"", &format!("files = \"access-logs/logs\"\n{extra_traffic}"))
}

/// Goal: a run on the logs sends each logged request down its route: the 8
/// `/api/…` requests to api (rule 10), the other 9 (`/`, `/about`, gRPC's
/// `/shop.Orders/Get`, `/API/orders` — paths are case-sensitive — and the
/// malformed request's `/`) to web.
#[test]
fn a_run_on_logs_counts_requests_by_route() {
    let figures = support::run(&shop_scenario(""));
    assert_eq!(figures.requests.total, 17);
    let routes: Vec<(String, u64)> = figures.routes.iter().map(|r| (r.name.clone(), r.requests.total)).collect();
    assert_eq!(routes, [("api".to_string(), 8), ("default".to_string(), 9)]);
}

/// Goal: `http-header` rules see the one header ELB logs, `User-Agent`: a
/// rule (priority 5) sending `grpc-*` clients to api takes the one gRPC
/// request (`/shop.Orders/Get`, which the default action would send to web)
/// and a second rule answers 403 to every other agent; the entry logged with
/// `"-"` (no User-Agent) matches no header rule.
#[test]
fn a_user_agent_rule_routes_logged_requests() {
    let rule = r#"
[[load_balancer.rules]]
priority = 5
name = "grpc"
conditions = [{ field = "http-header", http_header_name = "user-agent", values = ["grpc-*"] }]
action = { forward = "api" }
[[load_balancer.rules]]
priority = 6
name = "no-agent"
conditions = [{ field = "http-header", http_header_name = "User-Agent", values = ["-", "*"] }]
action = { fixed_response = { status_code = 403 } }
"#;
    let figures = support::run(&(shop_scenario("") + rule));
    let routes: Vec<(String, u64, u64)> =
        figures.routes.iter().map(|r| (r.name.clone(), r.requests.total, r.fixed_responses)).collect();
    // Every other entry with a User-Agent matches `*`: 403; the one logged
    // with "-" (the malformed request) sent none and takes the default action.
    let expected = [("grpc", 1, 0), ("no-agent", 0, 15), ("api", 0, 0), ("default", 1, 0)];
    assert_eq!(routes, expected.map(|(name, requests, fixed)| (name.to_string(), requests, fixed)));
}

fn fleetsim<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Output {
    support::fleetsim().args(args).output().expect("start the fleetsim binary")
}

fn show(output: &Output) -> String {
    format!(
        "exit status: {:?}\n--- stdout\n{}--- stderr\n{}---",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[allow(clippy::disallowed_methods)] // test fixtures in a temporary folder: atomicity does not matter
fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// summary.json without the lines that name the scenario file.
fn summary_without_scenario(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("a summary.json");
    text.lines().filter(|l| !l.contains("\"scenario")).collect::<Vec<_>>().join("\n")
}

/// Goal: `trace convert` loses nothing a replay uses. Method: convert the
/// logs to a request trace; run the logs and the CSV (same services, same
/// seed) at rate_scale 1 and 1.5 (so the per-request draws line up too);
/// summary.json must be the same bytes but for the scenario's name and hash.
#[test]
fn convert_round_trips() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let csv = dir.path().join("requests.csv");
    let output = fleetsim([
        OsStr::new("trace"),
        OsStr::new("convert"),
        logs_dir().as_os_str(),
        OsStr::new("-o"),
        csv.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = std::fs::read_to_string(&csv).expect("the converted CSV");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 18);
    assert_eq!(lines[0], "t_seconds,method,host,path,response_bytes,user_agent");
    assert_eq!(lines[1], "1.000000,GET,shop.example.com,/,1024,Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36");
    assert!(lines[3].starts_with("2.500000,GET,shop.example.com,/api/orders?id=7,512,"), "{}", lines[3]);
    assert_eq!(lines[9], "119.999000,POST,shop.example.com,/shop.Orders/Get,90,grpc-go/1.60.1");
    assert!(lines[17].starts_with("599.750000,DELETE,shop.example.com,/api/orders/7,150,"), "{}", lines[17]);
    // The entry logged with "-" sent no User-Agent: an empty field.
    assert_eq!(lines.iter().filter(|l| l.ends_with(',')).count(), 1);

    // A User-Agent rule, so that the round trip carries the header too.
    let shop = std::fs::read_to_string(fixture("shop.toml")).expect("read shop.toml")
        + "[[load_balancer.rules]]\npriority = 5\nname = \"grpc\"\n\
           conditions = [{ field = \"http-header\", http_header_name = \"User-Agent\", values = [\"grpc-*\"] }]\n\
           action = { forward = \"api\" }\n";
    for rate_scale in ["1.0", "1.5"] {
        let logs = shop
            .replace("files = \"logs\"", &format!("files = \"{}\"\nrate_scale = {rate_scale}", logs_dir().display()));
        let from_csv = shop.replace(
            "kind = \"alb_access_logs\"\nfiles = \"logs\"",
            &format!(
                "kind = \"request_trace\"\nfile = \"requests.csv\"\npath_column = \"path\"\nmethod_column = \"method\"\n\
                 host_column = \"host\"\nresponse_bytes_column = \"response_bytes\"\nrate_scale = {rate_scale}\n\
                 header_columns = {{ \"User-Agent\" = \"user_agent\" }}"
            ),
        );
        let mut summaries = Vec::new();
        for (name, text) in [("logs", &logs), ("csv", &from_csv)] {
            let scenario = dir.path().join(format!("{name}.toml"));
            write(&scenario, text.as_bytes());
            let out = dir.path().join(format!("out-{name}-{rate_scale}"));
            let output = fleetsim([OsStr::new("run"), scenario.as_os_str(), OsStr::new("--out"), out.as_os_str()]);
            assert_eq!(output.status.code(), Some(0), "{}", show(&output));
            summaries.push(summary_without_scenario(&out));
        }
        assert_eq!(summaries[0], summaries[1], "rate_scale {rate_scale}");
    }
}

/// Goal: `--per-second` counts each second from the origin, empty seconds
/// as 0. By hand: 14:00:01 has two requests, 14:00:02, :03 and :04 one each.
#[test]
fn convert_per_second_counts_every_second() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let csv = dir.path().join("counts.csv");
    let output = fleetsim([
        OsStr::new("trace"),
        OsStr::new("convert"),
        logs_dir().as_os_str(),
        OsStr::new("-o"),
        csv.as_os_str(),
        OsStr::new("--per-second"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = std::fs::read_to_string(&csv).expect("the converted CSV");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..7], ["t_seconds,requests", "0,0", "1,2", "2,1", "3,1", "4,1", "5,0"]);
    // Seconds 0 to 599, one row each.
    assert_eq!(lines.len(), 1 + 600);
    assert_eq!(lines[600], "599,1");
    let total: u64 =
        lines[1..].iter().map(|l| l.split(',').nth(1).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0)).sum();
    assert_eq!(total, 17);
}

/// Goal: `trace summary`'s figures, checked by hand from the fixture.
/// target_processing_time of the 13 answered requests, ms, sorted:
/// 2 8 10 12 15 18 20 30 40 45 50 60 120; nearest rank: p50 = 7th = 20,
/// p90 = 12th = 60, p99 = 13th = 120; 4 are −1 (504, 503, 460, 400).
/// request_processing_time: 16 values, three of them 1 ms: p90 = 15th = 1.
/// Busiest minute 14:00 (1, 1, 2.5, 3.25, 4, 30, 45.5 s: 7 requests).
#[test]
fn summary_figures_by_hand() {
    let output = fleetsim([OsStr::new("trace"), OsStr::new("summary"), logs_dir().as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let expected_lines = [
        "files: 3",
        "requests: 17",
        "arrivals (request_creation_time): 2026-11-02T14:00:01.000000Z to 2026-11-02T14:09:59.750000Z",
        "source time 0 (a replay's simulated time 0): 2026-11-02T14:00Z",
        "rate: 0.028 requests/s over 10 minute(s); busiest minute 2026-11-02T14:00Z with 7 (0.117/s); busiest second 2026-11-02T14:00:01Z with 2",
        "elb_status_code: 101 1, 200 10, 201 1, 204 1, 400 1, 460 1, 503 1, 504 1",
        "target_status_code: - 4, 101 1, 200 10, 201 1, 204 1",
        "routes: 12 distinct; top 10 by requests:",
        "  4   23.5 %  GET shop.example.com/api/orders",
        "  3   17.6 %  GET shop.example.com/",
        "  1    5.9 %  - shop.example.com/",
    ];
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..expected_lines.len()], expected_lines, "\n{text}");
    let timing = |name: &str| -> Vec<String> {
        let line = lines.iter().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} line:\n{text}"));
        line.split_whitespace().skip(1).map(String::from).collect()
    };
    assert_eq!(timing("target_processing_time"), ["13", "4", "20.000", "60.000", "120.000", "120.000"]);
    assert_eq!(timing("request_processing_time"), ["16", "1", "0.000", "1.000", "1.000", "1.000"]);
    // Same logs, same bytes.
    let again = fleetsim([OsStr::new("trace"), OsStr::new("summary"), logs_dir().as_os_str()]);
    assert_eq!(again.stdout, output.stdout);
}

// ---------------------------------------------------------------------------
// CloudWatch

fn minute_arrivals(text: &str) -> Vec<u64> {
    let figures = support::run(text);
    figures.minutes[0].iter().take(5).map(|row| row.arrivals).collect()
}

fn cloudwatch_scenario(file: &str, metric: Option<&str>) -> String {
    let text = std::fs::read_to_string(fixture("cloudwatch.toml")).expect("read cloudwatch.toml");
    let metric = metric.map_or(String::new(), |m| format!("metric = \"{m}\""));
    text.replace(
        "file = \"get-metric-data.json\"\nmetric = \"alb\"",
        &format!("file = \"access-logs/{file}\"\n{metric}"),
    )
}

/// Goal: both CloudWatch shapes replay as the same count trace. The
/// get-metric-data export lists newest first and the statistics export in
/// no order; sorted, 14:02 (no datapoint) counts 0 (§11.3), and each minute's
/// Sum arrives within its minute: 120, 180, 0, 60, 240.
#[test]
fn cloudwatch_exports_replay_their_counts() {
    let from_data = minute_arrivals(&cloudwatch_scenario("get-metric-data.json", Some("alb")));
    assert_eq!(from_data, [120, 180, 0, 60, 240]);
    let from_statistics = minute_arrivals(&cloudwatch_scenario("get-metric-statistics.json", None));
    assert_eq!(from_statistics, from_data);
    // The target group's count, chosen by its Label.
    let api = minute_arrivals(&cloudwatch_scenario("get-metric-data.json", Some("api RequestCount")));
    assert_eq!(api, [30, 60, 0, 30, 90]);
}

/// Goal: the two shapes give the same arrivals, time for time (same counts,
/// same periods, same seed).
#[test]
fn cloudwatch_shapes_give_identical_arrivals() {
    let times = |text: &str| {
        let s = support::scenario(text);
        let mut arrivals =
            Arrivals::open(&s.traffic, &RngStreams::new(s.seed), SimTime::ZERO + s.duration).expect("the export opens");
        let mut times = Vec::new();
        while let Some(a) = arrivals.next_arrival().expect("the export reads") {
            times.push(a.at);
        }
        times
    };
    let from_data = times(&cloudwatch_scenario("get-metric-data.json", Some("alb")));
    assert_eq!(from_data.len(), 600);
    assert_eq!(from_data, times(&cloudwatch_scenario("get-metric-statistics.json", None)));
}

// ---------------------------------------------------------------------------
// Bad input: exit 2, one `error:` line naming the file, the line and the field

#[track_caller]
fn assert_one_line_error(output: &Output, names: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "fleetsim panicked:\n{}", show(output));
    assert_eq!(output.status.code(), Some(2), "expected exit code 2 (bad input):\n{}", show(output));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected exactly one line on stderr:\n{}", show(output));
    assert!(lines[0].starts_with("error: "), "{}", show(output));
    for name in names {
        assert!(lines[0].contains(name), "expected the error to name `{name}`:\n{}", show(output));
    }
    lines[0].to_string()
}

/// A folder with one log file holding `text`, and a scenario replaying it.
struct BadLogs {
    dir: tempfile::TempDir,
}

impl BadLogs {
    fn new(name: &str, bytes: &[u8]) -> BadLogs {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir(dir.path().join("logs")).expect("create logs/");
        write(&dir.path().join("logs").join(name), bytes);
        let shop = std::fs::read_to_string(fixture("shop.toml")).expect("read shop.toml");
        write(&dir.path().join("scenario.toml"), shop.as_bytes());
        BadLogs { dir }
    }

    fn log(&self, name: &str) -> String {
        self.dir.path().join("logs").join(name).display().to_string()
    }

    /// `run`, `trace summary` and `trace convert` each fail with one line naming `names`; convert writes nothing.
    #[track_caller]
    fn assert_every_command_fails(&self, names: &[&str]) {
        let scenario = self.dir.path().join("scenario.toml");
        let out = self.dir.path().join("out");
        let logs = self.dir.path().join("logs");
        let csv = self.dir.path().join("converted.csv");
        assert_one_line_error(
            &fleetsim([OsStr::new("run"), scenario.as_os_str(), OsStr::new("--out"), out.as_os_str()]),
            names,
        );
        assert!(!out.join("summary.json").exists(), "a failed run left a summary.json");
        assert_one_line_error(&fleetsim([OsStr::new("trace"), OsStr::new("summary"), logs.as_os_str()]), names);
        assert_one_line_error(
            &fleetsim([
                OsStr::new("trace"),
                OsStr::new("convert"),
                logs.as_os_str(),
                OsStr::new("-o"),
                csv.as_os_str(),
            ]),
            names,
        );
        assert!(!csv.exists(), "a failed convert left {}", csv.display());
        let leftovers: Vec<_> = std::fs::read_dir(self.dir.path())
            .expect("list the folder")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }
}

/// The fixture's first entry, with `field` (1-based) replaced by `value`.
fn first_entry_with(field: usize, value: &str) -> String {
    let line = &read_lines(&log_paths()[0])[0];
    // Fields 1–12 hold no spaces.
    let mut parts: Vec<&str> = line.splitn(13, ' ').collect();
    parts[field - 1] = value;
    parts.join(" ")
}

fn two_lines(second: &str) -> Vec<u8> {
    let first = &read_lines(&log_paths()[0])[0];
    format!("{first}\n{second}\n").into_bytes()
}

#[test]
fn bad_timing_names_file_line_and_field() {
    let bad = BadLogs::new("a.log", &two_lines(&first_entry_with(7, "soon")));
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 2:", "field 7 `target_processing_time`", "-1", "`soon`"]);
}

#[test]
fn bad_status_code_names_the_field() {
    let bad = BadLogs::new("a.log", &two_lines(&first_entry_with(9, "OK")));
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 2:", "field 9 `elb_status_code`"]);
}

#[test]
fn unknown_type_names_the_field() {
    let bad = BadLogs::new("a.log", &two_lines(&first_entry_with(1, "ftp")));
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 2:", "field 1 `type`"]);
}

#[test]
fn bad_time_names_the_field() {
    let bad = BadLogs::new("a.log", &two_lines(&first_entry_with(2, "2026-11-02T14:00:01")));
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 2:", "field 2 `time`", "ISO 8601"]);
}

#[test]
fn unquoted_request_names_the_field() {
    let line = read_lines(&log_paths()[0])[0].replacen("\"GET https://shop.example.com:443/ HTTP/1.1\"", "GET", 1);
    let bad = BadLogs::new("a.log", &two_lines(&line));
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 2:", "field 13 `request`", "\"…\""]);
}

#[test]
fn unterminated_quote_names_the_field() {
    let line = read_lines(&log_paths()[0])[0].clone();
    let cut = line.find(" HTTP/1.1\"").expect("the request field");
    let bad = BadLogs::new("a.log", &two_lines(&line[..cut]));
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 2:", "field 13 `request`", "closing"]);
}

#[test]
fn truncated_entry_names_the_missing_field() {
    let line = read_lines(&log_paths()[0])[0].clone();
    let cut = line.find(" 0 2026-11-02T14:00:01.000000Z").expect("fields 21 and 22");
    let bad = BadLogs::new("a.log", &two_lines(&line[..cut]));
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 2:", "field 21 `matched_rule_priority`", "missing"]);
}

#[test]
fn bad_request_creation_time_names_the_field() {
    let line = read_lines(&log_paths()[0])[0].replacen(" 0 2026-11-02T14:00:01.000000Z ", " 0 yesterday ", 1);
    let bad = BadLogs::new("a.log", &two_lines(&line));
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 2:", "field 22 `request_creation_time`"]);
}

/// Node 10.0.1.17's first file with an entry created at 13:50:01 appended
/// (line 10): by then the requests up to 14:01:00 have been replayed (two
/// minutes older than the newest read), so it is further out of order than
/// the 2-minute window.
#[test]
fn entry_beyond_the_reorder_window_names_line_and_window() {
    let lines = read_lines(&log_paths()[0]);
    let late = lines[0].replacen("T14:00:01.000000Z \"forward\"", "T13:50:01.000000Z \"forward\"", 1);
    let text = format!("{}\n{late}\n", lines.join("\n"));
    let bad = BadLogs::new("a.log", text.as_bytes());
    bad.assert_every_command_fails(&[&bad.log("a.log"), "line 10:", "request_creation_time", "reorder window (120 s)"]);
}

/// The fixture with no window (strict order): the 504 (created 14:00:30,
/// logged after a request created at 14:01:00, line 5) is 30 s out of
/// order. A 10 s window would accept it: nothing between the two had been
/// replayed yet.
#[test]
fn no_reorder_window_refuses_the_fixture() {
    let output = fleetsim([
        OsStr::new("trace"),
        OsStr::new("summary"),
        logs_dir().as_os_str(),
        OsStr::new("--reorder-window"),
        OsStr::new("0s"),
    ]);
    let path = log_paths()[0].display().to_string();
    assert_one_line_error(&output, &[&path, "line 6:", "request_creation_time", "30 s before line 5"]);
}

#[test]
fn damaged_gzip_names_the_file() {
    let mut bytes = std::fs::read(&log_paths()[2]).expect("read the .log.gz");
    let middle = bytes.len() / 2;
    bytes.truncate(middle);
    let bad = BadLogs::new("a.log.gz", &bytes);
    bad.assert_every_command_fails(&[&bad.log("a.log.gz"), "cannot read"]);
}

#[test]
fn a_folder_without_logs_is_named() {
    let bad = BadLogs::new("ELBAccessLogTestFile", b"Enable AccessLog for ELB: shop at 2026-11-02T13:00:00.000Z\n");
    let logs = bad.dir.path().join("logs").display().to_string();
    bad.assert_every_command_fails(&[&logs, "*.log.gz"]);
}

#[test]
fn empty_logs_are_named() {
    let bad = BadLogs::new("a.log", b"");
    bad.assert_every_command_fails(&[&bad.log("a.log"), "no requests"]);
}

/// A scenario mistake: `validate` exits 2 naming the file and the field path.
#[track_caller]
fn assert_scenario_error(traffic: &str, names: &[&str]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario = dir.path().join("scenario.toml");
    let shop = std::fs::read_to_string(fixture("shop.toml")).expect("read shop.toml");
    write(&scenario, shop.replace("kind = \"alb_access_logs\"\nfiles = \"logs\"", traffic).as_bytes());
    let shown = scenario.display().to_string();
    let names: Vec<&str> = std::iter::once(shown.as_str()).chain(names.iter().copied()).collect();
    assert_one_line_error(&fleetsim([OsStr::new("validate"), scenario.as_os_str()]), &names);
}

#[test]
fn scenario_mistakes_name_their_field() {
    assert_scenario_error("kind = \"alb_access_logs\"", &["traffic.files", "missing"]);
    assert_scenario_error(
        &format!("kind = \"alb_access_logs\"\nfiles = [\"{}\", \"nowhere\"]", logs_dir().display()),
        &["traffic.files[1]", "not found"],
    );
    assert_scenario_error(
        &format!(
            "kind = \"alb_access_logs\"\nfiles = \"{}\"\nroutes = [{{ path = \"/a\", share = 0.5 }}]",
            logs_dir().display()
        ),
        &["traffic.routes"],
    );
    assert_scenario_error(
        &format!("kind = \"alb_access_logs\"\nfiles = \"{}\"\nreorder_window = \"soon\"", logs_dir().display()),
        &["traffic.reorder_window"],
    );
    assert_scenario_error("kind = \"cloudwatch\"", &["traffic.file", "get-metric-data"]);
    assert_scenario_error(
        &format!("kind = \"cloudwatch\"\nfile = \"{}\"\nfiles = \"logs\"", fixture("get-metric-data.json").display()),
        &["traffic.files", "not used"],
    );
}

/// A CloudWatch export mistake found while running: one line naming the file and the JSON field.
#[track_caller]
fn assert_export_error(json: &str, metric: Option<&str>, names: &[&str]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    write(&dir.path().join("export.json"), json.as_bytes());
    let text = std::fs::read_to_string(fixture("cloudwatch.toml")).expect("read cloudwatch.toml");
    let metric = metric.map_or(String::new(), |m| format!("metric = \"{m}\""));
    let text =
        text.replace("file = \"get-metric-data.json\"\nmetric = \"alb\"", &format!("file = \"export.json\"\n{metric}"));
    let scenario = dir.path().join("scenario.toml");
    write(&scenario, text.as_bytes());
    let out = dir.path().join("out");
    let shown = dir.path().join("export.json").display().to_string();
    let names: Vec<&str> = std::iter::once(shown.as_str()).chain(names.iter().copied()).collect();
    assert_one_line_error(
        &fleetsim([OsStr::new("run"), scenario.as_os_str(), OsStr::new("--out"), out.as_os_str()]),
        &names,
    );
}

#[test]
fn cloudwatch_mistakes_name_their_field() {
    let data = std::fs::read_to_string(fixture("get-metric-data.json")).expect("read the export");
    let statistics = std::fs::read_to_string(fixture("get-metric-statistics.json")).expect("read the export");
    assert_export_error("{ \"Datapoints\": [", None, &["line", "JSON"]);
    assert_export_error("{}", None, &["MetricDataResults", "Datapoints"]);
    assert_export_error(&data, None, &["MetricDataResults", "several metrics", "traffic.metric"]);
    assert_export_error(&data, Some("web"), &["MetricDataResults", "\"web\""]);
    assert_export_error(
        &data.replacen("\"2026-11-02T14:03:00+00:00\"", "\"14:03\"", 1),
        Some("alb"),
        &["MetricDataResults[0].Timestamps[1]", "14:03"],
    );
    assert_export_error(&data.replacen("60.0", "-60.0", 1), Some("alb"), &["MetricDataResults[0].Values[1]"]);
    assert_export_error(
        &data.replacen("\"Complete\"", "\"InternalError\"", 1),
        Some("alb"),
        &["MetricDataResults[0].StatusCode", "InternalError"],
    );
    assert_export_error(
        &data.replacen("\"Messages\"", "\"NextToken\": \"abc\", \"Messages\"", 1),
        Some("alb"),
        &["NextToken"],
    );
    assert_export_error(
        &statistics.replacen("\"Sum\": 60.0", "\"Average\": 5.0", 1),
        None,
        &["Datapoints[0].Sum", "--statistics Sum"],
    );
    assert_export_error(
        &statistics.replacen("14:03:00+00:00", "14:00:00+00:00", 1),
        None,
        &["Datapoints[", "appears twice"],
    );
    assert_export_error(
        &statistics.replacen("14:03:00+00:00", "14:03:20+00:00", 1),
        None,
        &["whole number of periods"],
    );
}

// ---------------------------------------------------------------------------
// Merging: a property test

/// splitmix64: a reproducible stream for the property test below.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One entry whose response left at `time_nanos` for a request created at `created_nanos`.
fn entry_line(time_nanos: u64, created_nanos: u64) -> String {
    use fleetsim::traffic::access_log::format_iso8601_micros;
    format!(
        "http {} app/shop/50dc6c495c0c9188 203.0.113.1:1 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 \
         \"GET http://shop.example.com:80/ HTTP/1.1\" \"curl/8\" - - - \"Root=1-0\" \"-\" \"-\" 0 {} \"forward\"",
        format_iso8601_micros(time_nanos),
        format_iso8601_micros(created_nanos)
    )
}

/// Goal: the k-way merge with its per-file reorder window is exact. Method:
/// 60 random cases of 1–6 files (named as ELB names them, so opened late, or
/// not, so opened at once; gzip or plain; some empty), each written in
/// `time` order with every arrival (`request_creation_time`) 0 to `window`
/// before its `time`, times on a coarse grid so that ties across and within
/// files are common; the merge must give every entry exactly once, in
/// (arrival, file, line) order, without an error.
#[test]
fn random_disorder_within_the_window_merges_sorted_and_complete() {
    use std::io::Write as _;
    let base = parse_iso8601_nanos("2026-11-02T14:00:00Z").expect("a valid time");
    const MINUTE: u64 = 60_000_000_000;
    for case in 0..60u64 {
        let mut draws = Draws(case);
        let dir = tempfile::tempdir().expect("a temporary folder");
        let window = [0, 1_000_000, 2_000_000_000, MINUTE, 2 * MINUTE, 15 * MINUTE][draws.below(6) as usize];
        let grid = [1_000, 1_000_000, 250_000_000, 1_000_000_000][draws.below(4) as usize];
        let mut expected: Vec<(u64, PathBuf, u64)> = Vec::new();
        for f in 0..1 + draws.below(6) {
            // An interval of 5 minutes ending 5 to 30 minutes after the base.
            let end = base + (1 + draws.below(6)) * 5 * MINUTE;
            let elb_named = draws.below(3) != 0;
            let gzip = draws.below(2) == 0;
            let name = if elb_named {
                format!(
                    "123456789012_elasticloadbalancing_us-east-1_app.shop.50dc6c495c0c9188_{}_10.0.{f}.1_r{case}x{f}.log{}",
                    &fleetsim::traffic::access_log::format_iso8601_micros(end)
                        .replace(['-', ':'], "")
                        .get(..13)
                        .map(|s| format!("{s}Z"))
                        .expect("a time"),
                    if gzip { ".gz" } else { "" }
                )
            } else {
                format!("node{f}.log{}", if gzip { ".gz" } else { "" })
            };
            let count = [0, 1, 5, 50, 400][draws.below(5) as usize];
            let mut times: Vec<u64> =
                (0..count).map(|_| end - 5 * MINUTE + draws.below(5 * MINUTE / grid) * grid).collect();
            times.sort_unstable();
            let mut text = String::new();
            for (line, &time) in times.iter().enumerate() {
                let back = if draws.below(4) == 0 { window } else { draws.below(window / grid + 1) * grid };
                let created = time - back.min(window);
                text.push_str(&entry_line(time, created));
                text.push('\n');
                expected.push((created, dir.path().join(&name), line as u64 + 1));
            }
            let bytes = if gzip {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                encoder.write_all(text.as_bytes()).expect("gzip in memory");
                encoder.finish().expect("gzip in memory")
            } else {
                text.into_bytes()
            };
            write(&dir.path().join(&name), &bytes);
        }
        let files = log_files(&[dir.path().to_path_buf()]).expect("the files are listed");
        let index = |path: &PathBuf| files.iter().position(|p| p == path).expect("a listed file");
        expected.sort_by_key(|(at, path, line)| (*at, index(path), *line));
        let mut merge = LogMerge::new(files.clone(), window);
        let mut merged = Vec::new();
        let mut keep = |_: &fleetsim::traffic::access_log::LogEntry| Ok(());
        while let Some(logged) =
            merge.next(&mut keep).unwrap_or_else(|e| panic!("case {case} (window {window} ns, grid {grid} ns): {e}"))
        {
            merged.push((logged.at_nanos, files[logged.file].clone(), logged.line));
        }
        assert_eq!(merged, expected, "case {case} (window {window} ns, grid {grid} ns)");
    }
}

/// Goal: a 60 s export with minutes missing at uneven gaps (no requests,
/// §11.3) replays minute by minute. Method: datapoints at 14:00, 14:02 and
/// 14:05 (steps of 120 s and 180 s), in no order; the five minutes replay
/// 60, 0, 120, 0, 0 and 14:05 is past the run. Before, the smallest step
/// (120 s) was taken as the period and 180 s was refused as not a multiple.
#[test]
fn cloudwatch_minutes_missing_at_uneven_gaps_keep_the_60s_period() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let export = dir.path().join("export.json");
    write(
        &export,
        br#"{ "Label": "RequestCount", "Datapoints": [
            { "Timestamp": "2026-11-02T14:05:00+00:00", "Sum": 30.0, "Unit": "Count" },
            { "Timestamp": "2026-11-02T14:00:00+00:00", "Sum": 60.0, "Unit": "Count" },
            { "Timestamp": "2026-11-02T14:02:00+00:00", "Sum": 120.0, "Unit": "Count" }
        ] }"#,
    );
    let text = std::fs::read_to_string(fixture("cloudwatch.toml")).expect("read cloudwatch.toml");
    let text = text.replace(
        "file = \"get-metric-data.json\"\nmetric = \"alb\"",
        &format!("file = \"{}\"", export.display().to_string().replace('\\', "\\\\")),
    );
    assert_eq!(minute_arrivals(&text), [60, 0, 120, 0, 0]);
}

/// Goal: an export printed by the AWS CLI v1 (default `cli_timestamp_format =
/// none`: a JSON-protocol service's times as epoch seconds) reads as the same
/// counts as the ISO 8601 one. Method: the fixture's get-metric-statistics
/// export with every Timestamp replaced by its epoch seconds.
#[test]
fn cloudwatch_epoch_second_timestamps_read() {
    let statistics = std::fs::read_to_string(fixture("get-metric-statistics.json")).expect("read the export");
    let mut epoch = statistics.clone();
    for minute in 0..5 {
        let iso = format!("\"2026-11-02T14:0{minute}:00+00:00\"");
        let seconds = parse_iso8601_nanos(&iso[1..iso.len() - 1]).expect("a valid time") / 1_000_000_000;
        epoch = epoch.replace(&iso, &format!("{seconds}.0"));
    }
    assert_ne!(epoch, statistics);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let export = dir.path().join("export.json");
    write(&export, epoch.as_bytes());
    let text = std::fs::read_to_string(fixture("cloudwatch.toml")).expect("read cloudwatch.toml");
    let text = text.replace(
        "file = \"get-metric-data.json\"\nmetric = \"alb\"",
        &format!("file = \"{}\"", export.display().to_string().replace('\\', "\\\\")),
    );
    assert_eq!(minute_arrivals(&text), [120, 180, 0, 60, 240]);
}

/// Goal: a CSV export `timestamp,value` (§11.3 model choice; a header, ISO 8601
/// or epoch seconds, any order) replays as the JSON shapes do, arrival for
/// arrival; a bad row names the file and its line.
#[test]
fn cloudwatch_csv_exports_replay_as_the_json_ones() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let csv = "timestamp,RequestCount\n2026-11-02T14:03:00Z,60\n2026-11-02T14:00:00+00:00,120\n\n\
               # 14:02 had no requests\n1793628240,240\n2026-11-02T14:01:00Z,180.0\n";
    write(&dir.path().join("export.csv"), csv.as_bytes());
    let times = |text: &str, path: &Path| {
        let s = fleetsim::scenario::parse(text, path).expect("the scenario is valid");
        let mut arrivals =
            Arrivals::open(&s.traffic, &RngStreams::new(s.seed), SimTime::ZERO + s.duration).expect("the export opens");
        let mut times = Vec::new();
        while let Some(a) = arrivals.next_arrival().expect("the export reads") {
            times.push(a.at);
        }
        times
    };
    let json =
        times(&cloudwatch_scenario("get-metric-statistics.json", None), &support::scenarios_dir().join("x.toml"));
    let from_csv = cloudwatch_scenario("get-metric-statistics.json", None)
        .replace("access-logs/get-metric-statistics.json", "export.csv");
    assert_eq!(times(&from_csv, &dir.path().join("x.toml")), json);
    assert_eq!(json.len(), 600);

    write(&dir.path().join("export.csv"), b"timestamp,value\n2026-11-02T14:00:00Z,120\n2026-11-02T14:01:00Z,lots\n");
    let s = fleetsim::scenario::parse(&from_csv, &dir.path().join("x.toml")).expect("the scenario is valid");
    let error = Arrivals::open(&s.traffic, &RngStreams::new(1), SimTime::ZERO + s.duration)
        .err()
        .expect("a bad value is refused")
        .to_string();
    assert!(error.contains("export.csv: line 3: value") && error.contains("lots"), "{error}");
}
