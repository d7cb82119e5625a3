//! Calibration against ALB access logs (issue 10, scope 4; aws-semantics
//! §11.2): `trace fit` recovers a known log-normal from
//! `target_processing_time`, its snippet makes a scenario that validates and
//! runs, and `validate-model` finds a small error for the true service time
//! and a large one for a wrong one; bad input exits 2 naming file, line, field.
//!
//! The logs are synthetic, written by each test into a temporary folder: one
//! request every 1/`rate` s from 2026-11-02T14:00:00Z to the target group
//! `web`, its target time drawn from a log-normal (median 40 ms, p99 400 ms)
//! on a seeded stream and printed, as AWS prints it, to the ms. Every 500th
//! request is a fixed response (no target group, target time -1) and every
//! 700th a 504 (target time -1), so the counts of what is left out are known.

use crate::support;
use fleetsim::engine::sample::{standard_normal, Z_99};
use fleetsim::engine::RngStreams;
use fleetsim::traffic::access_log::{format_iso8601_micros, parse_iso8601_nanos};
use fleetsim::traffic::log_fit::{self, Fitted};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

const MEDIAN_SECS: f64 = 0.040;
const P99_SECS: f64 = 0.400;
const TARGET_GROUP: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067";

#[allow(clippy::disallowed_methods)] // test fixtures in a temporary folder: atomicity does not matter
fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Writes `dir/logs/synthetic.log`: `minutes` minutes at `rate` requests per second.
fn synthetic_logs(dir: &Path, minutes: u64, rate: u64) -> PathBuf {
    let t0 = parse_iso8601_nanos("2026-11-02T14:00:00Z").expect("a time");
    let (mu, sigma) = (libm::log(MEDIAN_SECS), libm::log(P99_SECS / MEDIAN_SECS) / Z_99);
    let mut stream = RngStreams::new(42).stream("synthetic access log");
    let mut text = String::new();
    for i in 0..minutes * 60 * rate {
        let created = t0 + i * 1_000_000_000 / rate;
        let (target, elb_status, target_status, group) = if i % 500 == 499 {
            ("-1".to_string(), "404", "-", "-")
        } else if i % 700 == 699 {
            ("-1".to_string(), "504", "-", TARGET_GROUP)
        } else {
            // To the ms, as AWS prints it (§11.2).
            let secs = libm::exp(mu + sigma * standard_normal(&mut stream));
            (format!("{:.3}", secs), "200", "200", TARGET_GROUP)
        };
        let done = created + (target.parse::<f64>().unwrap_or(0.0).max(0.0) * 1e9) as u64;
        let _ = writeln!(
            text,
            "https {} app/shop/50dc6c495c0c9188 203.0.113.1:40001 10.0.3.11:8080 0.000 {target} 0.000 {elb_status} \
             {target_status} 120 1024 \"GET https://shop.example.com:443/ HTTP/1.1\" \"curl/8.5\" \
             ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 {group} \"Root=1-6ae89761-{i:024}\" \"shop.example.com\" \"-\" 0 {} \
             \"forward\" \"-\" \"-\" \"10.0.3.11:8080\" \"{target_status}\" \"-\" \"-\"",
            format_iso8601_micros(done),
            format_iso8601_micros(created)
        );
    }
    let logs = dir.join("logs");
    write(&logs.join("synthetic.log"), text.as_bytes());
    logs
}

fn fleetsim(args: &[&str]) -> Output {
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

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// A scenario replaying `dir/logs` with one service `web` (warm, 4 tasks,
/// so at 25 requests/s of ~65 ms a task is rarely busy and nothing queues;
/// 0.1 vCPU a request, so its ten slots never share the vCPU and stretch the
/// service time) and the given `service_time` line.
fn scenario_text(minutes: u64, service_time: &str) -> String {
    format!(
        "name = \"calibrated\"\nduration = \"{minutes}m\"\n\n[traffic]\nkind = \"alb_access_logs\"\nfiles = \"logs\"\n\n\
         [[services]]\nname = \"web\"\nwarm_start = true\ndesired_count = 4\nvcpu_per_request = 0.1\n{service_time}\n"
    )
}

/// The `overall` row of validation.csv, by column name.
fn overall(dir: &Path) -> Vec<(String, String)> {
    let text = read(&dir.join("validation.csv"));
    let header: Vec<String> = text.lines().next().expect("a header").split(',').map(str::to_string).collect();
    let last = text.lines().last().expect("rows");
    assert!(last.starts_with("overall,"), "{last}");
    header.into_iter().zip(last.split(',').map(str::to_string)).collect()
}

fn column(row: &[(String, String)], name: &str) -> f64 {
    let value = &row.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no column {name}")).1;
    value.parse().unwrap_or_else(|_| panic!("{name}: not a number: {value}"))
}

/// Goal: the fit recovers the log-normal the logs were drawn from, and counts
/// what it leaves out. Method: 20 minutes at 20/s (24,000 entries, 23,924
/// with a target time); the median's standard error in log space is
/// 1.2533·σ/√n ≈ 0.8 % and the p99's ≈ 2.6 %, plus the logs' 1 ms rounding
/// (±1.25 % at 40 ms): tolerances 5 % and 10 % are over three errors wide.
#[test]
fn fit_recovers_a_known_log_normal() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let logs = synthetic_logs(dir.path(), 20, 20);
    let fit = log_fit::fit(std::slice::from_ref(&logs), 120_000_000_000, 100).expect("the logs fit");
    assert_eq!(fit.entry_count, 24_000);
    assert_eq!(fit.without_target_group_count, 48, "every 500th request is a fixed response");
    assert_eq!(fit.groups.len(), 1);
    let web = &fit.groups[0];
    assert_eq!(web.name, "web");
    // 504s: every 700th, less those that are also 500th (i + 1 a multiple of 3500).
    assert_eq!(web.timing.unavailable_count, 34 - 6);
    let Some(Fitted::LogNormal { median_micros, p99_micros, p90_micros, ks_distance, .. }) = web.fitted else {
        panic!("expected a log-normal fit, found {:?}", web.fitted)
    };
    let median = median_micros as f64 / 1e6;
    let p99 = p99_micros as f64 / 1e6;
    assert!((median / MEDIAN_SECS - 1.0).abs() < 0.05, "median {median}");
    assert!((p99 / P99_SECS - 1.0).abs() < 0.10, "p99 {p99}");
    // The goodness figures of a true fit: its p90 near the logs', a small KS distance.
    let observed_p90 = web.observed.expect("observed").p90_micros as f64;
    assert!((p90_micros / observed_p90 - 1.0).abs() < 0.05, "p90 {p90_micros} against {observed_p90}");
    assert!(ks_distance < 0.03, "KS {ks_distance}");
    assert_eq!(web.quantiles_micros.len(), log_fit::QUANTILE_TABLE_LEN);
    assert!(web.quantiles_micros.windows(2).all(|w| w[0] <= w[1]));

    // The binary writes the same fit as a snippet and a table.
    let out = dir.path().join("fit.toml");
    let output = fleetsim(&["trace", "fit", path_str(&logs), "-o", path_str(&out)]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let snippet = read(&out);
    let expected = format!(
        "service_time = {{ distribution = \"lognormal\", median = \"{}ms\", p99 = \"{}ms\" }}",
        median_micros / 1000,
        p99_micros / 1000
    );
    assert!(snippet.lines().any(|l| l == expected), "active line {expected} in\n{snippet}");
    assert!(snippet.contains("23924 target times; 28 with -1 left out"), "{snippet}");
    let table = read(&dir.path().join("fit.csv"));
    assert_eq!(table.lines().next(), Some("web_ms"));
    assert_eq!(table.lines().count(), 1 + log_fit::QUANTILE_TABLE_LEN);
}

/// Goal: the snippet is a working scenario fragment, both ways. Method: put
/// the `[[services]]` it writes under a `[traffic]` replaying the same logs,
/// once with its active (log-normal) line and once with its empirical line;
/// `validate` accepts both and `run` runs both.
#[test]
fn fitted_scenario_validates_and_runs() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let logs = synthetic_logs(dir.path(), 3, 10);
    let out = dir.path().join("fit.toml");
    let output = fleetsim(&["trace", "fit", path_str(&logs), "-o", path_str(&out)]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let snippet = read(&out);
    let empirical = snippet
        .lines()
        .find_map(|l| l.strip_prefix("# ").filter(|l| l.contains("\"empirical\"")))
        .expect("the empirical alternative")
        .to_string();
    let log_normal = snippet.lines().find(|l| l.starts_with("service_time =")).expect("the active line").to_string();
    for (name, line) in [("lognormal", log_normal), ("empirical", empirical)] {
        let path = dir.path().join(format!("{name}.toml"));
        // The snippet's own [[services]], made warm so the replay starts with tasks.
        let body = snippet.replace("name = \"web\"\n", "name = \"web\"\nwarm_start = true\n");
        let body = body.replace(snippet.lines().find(|l| l.starts_with("service_time =")).unwrap_or_default(), &line);
        let text = format!(
            "name = \"{name}\"\nduration = \"3m\"\n[traffic]\nkind = \"alb_access_logs\"\nfiles = \"logs\"\n\n{body}"
        );
        write(&path, text.as_bytes());
        let output = fleetsim(&["validate", path_str(&path)]);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", show(&output));
        let results = dir.path().join(format!("results-{name}"));
        let output = fleetsim(&["run", path_str(&path), "--out", path_str(&results)]);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", show(&output));
        assert!(String::from_utf8_lossy(&output.stdout).contains("1800 total"), "{name}: {}", show(&output));
    }
}

/// Goal: validate-model tells a true model from a wrong one. Method: 20
/// minutes at 25/s; the scenario whose service time is the logs' own
/// log-normal, at a load where nothing queues, gives overall p50/p90/p99
/// within 10 % (each side's p99 has a ≈ 2.4 % standard error over 29,900
/// latencies) and the same requests in every minute (the replay is the
/// logs); three times the median and p99 gives ≈ +200 %; `--max-error 15`
/// passes the first (exit 0) and fails the second (exit 1). Twice the same
/// command gives the same validation.csv bytes.
#[test]
fn validate_model_reports_small_error_for_the_true_model_and_large_for_a_wrong_one() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    synthetic_logs(dir.path(), 20, 25);
    let path = dir.path().join("calibrated.toml");
    let line = "service_time = { distribution = \"lognormal\", median = \"40ms\", p99 = \"400ms\" }";
    write(&path, scenario_text(20, line).as_bytes());

    let right = dir.path().join("right");
    let output = fleetsim(&["validate-model", path_str(&path), "--out", path_str(&right), "--max-error", "15"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(stdout.contains("verdict: close") || stdout.contains("verdict: rough"), "{stdout}");
    let row = overall(&right);
    for p in ["p50", "p90", "p99"] {
        let (o, s) =
            (column(&row, &format!("observed_latency_ms_{p}")), column(&row, &format!("simulated_latency_ms_{p}")));
        assert!((s / o - 1.0).abs() < 0.10, "{p}: simulated {s} against observed {o}");
    }
    assert_eq!(column(&row, "observed_requests"), 30_000.0);
    // Every minute: the same requests on both sides, and the 404s and 504s observed.
    let text = read(&right.join("validation.csv"));
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[2], cells[3], "{line}");
    }
    assert!(column(&row, "observed_504_rate") > 0.0);
    assert!(right.join("summary.json").exists(), "the run's report is written too");

    let again = dir.path().join("again");
    let output = fleetsim(&["validate-model", path_str(&path), "--out", path_str(&again)]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert_eq!(read(&again.join("validation.csv")), text, "same command, same bytes");

    let wrong = dir.path().join("wrong");
    let output = fleetsim(&[
        "validate-model",
        path_str(&path),
        "--out",
        path_str(&wrong),
        "--max-error",
        "15",
        "--set",
        "services[0].service_time={ distribution = \"lognormal\", median = \"120ms\", p99 = \"1200ms\" }",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("verdict: far"), "{}", show(&output));
    let error = column(&overall(&wrong), "latency_p99_error_percent");
    assert!(error > 100.0, "p99 error {error} %");
}

/// Goal: bad input exits 2 with one line naming the file and the line or
/// field. Method: a log entry whose target_processing_time is `soon`; a
/// scenario whose traffic is not access logs; `--logs` on such a scenario.
#[test]
fn bad_input_exits_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let logs = synthetic_logs(dir.path(), 1, 1);
    let bad = logs.join("synthetic.log");
    let text = read(&bad);
    let second = text.lines().nth(1).expect("a second line");
    // The same entry with `soon` for its target time (field 7).
    let mut fields: Vec<&str> = second.split(' ').collect();
    fields[6] = "soon";
    let broken = fields.join(" ");
    write(&bad, text.replacen(second, &broken, 1).as_bytes());
    let out = dir.path().join("fit.toml");
    let output = fleetsim(&["trace", "fit", path_str(&logs), "-o", path_str(&out)]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("synthetic.log: line 2: field 7 `target_processing_time`") && stderr.contains("`soon`"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");

    let synthetic = dir.path().join("synthetic.toml");
    write(
        &synthetic,
        b"name = \"s\"\nduration = \"1m\"\n[traffic]\nkind = \"constant\"\nrate_per_second = 1.0\n[[services]]\nname = \"web\"\nservice_time = { distribution = \"constant\", value = \"10ms\" }\n",
    );
    for extra in [&[][..], &["--logs", path_str(&logs)][..]] {
        let mut args = vec!["validate-model", path_str(&synthetic)];
        args.extend_from_slice(extra);
        let output = fleetsim(&args);
        assert_eq!(output.status.code(), Some(2), "{}", show(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("synthetic.toml: traffic:") && stderr.contains("alb_access_logs"), "{stderr}");
    }
}
