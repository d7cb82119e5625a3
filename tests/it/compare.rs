//! `fleetsim compare`: what a capacity planner puts in front of a manager. One
//! row per scenario in the order given, costs that agree with each scenario's
//! own report, the same bytes whatever the thread count, and bad input refused
//! with exit 2 and the file named. Runs are 10 simulated minutes, well under a
//! second each.

use crate::support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

/// All on FARGATE.
const ON_DEMAND: &str = r#"name = "on-demand"
duration = "10m"
seed = 7
[traffic]
kind = "constant"
rate_per_second = 40.0
[service]
desired_count = 3
service_time = { distribution = "constant", value = "20ms" }
"#;

/// One task on FARGATE, the rest on FARGATE_SPOT, interrupted often enough
/// that a 10-minute run sees some.
const SPOT: &str = r#"name = "spot"
duration = "10m"
seed = 7
[traffic]
kind = "constant"
rate_per_second = 40.0
[service]
desired_count = 3
service_time = { distribution = "constant", value = "20ms" }
capacity_provider_strategy = [
  { capacity_provider = "FARGATE", base = 1, weight = 1 },
  { capacity_provider = "FARGATE_SPOT", weight = 3 },
]
[fargate_spot]
interruptions_per_task_hour = 6.0
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    #[allow(clippy::disallowed_methods)] // a test fixture in a temporary folder: atomicity does not matter
    fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// The two scenario files, in a fresh folder that also takes the output.
fn workspace() -> (TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    let on_demand = write(dir.path(), "on-demand.toml", ON_DEMAND);
    let spot = write(dir.path(), "spot.toml", SPOT);
    (dir, on_demand, spot)
}

fn compare(scenarios: &[&Path], out: &Path, threads: Option<&str>) -> Output {
    compare_with(scenarios, out, &[], threads)
}

fn compare_with(scenarios: &[&Path], out: &Path, extra: &[&str], threads: Option<&str>) -> Output {
    let mut command = support::fleetsim();
    command.arg("compare").args(scenarios).arg("--out").arg(out).args(extra);
    if let Some(n) = threads {
        command.env("RAYON_NUM_THREADS", n);
    }
    command.output().expect("fleetsim runs")
}

fn assert_ok(output: &Output) {
    assert!(output.status.success(), "compare failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// (header, rows) of a comparison.csv.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().expect("header").iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.expect("row").iter().map(String::from).collect()).collect();
    (header, rows)
}

fn column<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    &row[i]
}

/// Goal: one row per scenario in argument order (not alphabetical, not by
/// finishing time), the documented columns, and `--seed` applied to every run.
/// Method: give the Spot scenario first; read comparison.csv.
#[test]
fn comparison_csv_has_one_row_per_scenario_in_argument_order() {
    let (dir, on_demand, spot) = workspace();
    let out = dir.path().join("out");
    let output = compare_with(&[&spot, &on_demand], &out, &["--seed", "11"], None);
    assert_ok(&output);
    let (header, rows) = read_csv(&out.join("comparison.csv"));
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["spot", "on-demand"]);
    assert_eq!(
        header[..5],
        ["scenario", "seed", "cost_usd", "cost_usd_per_million_requests", "cost_vs_first_percent"].map(String::from)
    );
    // Line items: the union of both bills, in the bill's own order.
    let requests_at = header.iter().position(|h| h == "requests_total").expect("requests_total");
    assert_eq!(
        header[5..requests_at],
        [
            "fargate_vcpu_hours_x86_64_usd",
            "fargate_gb_hours_x86_64_usd",
            "fargate_spot_vcpu_hours_x86_64_usd",
            "fargate_spot_gb_hours_x86_64_usd",
            "alb_hours_usd",
            "alb_lcu_hours_usd",
            "alb_public_ipv4_hours_usd",
        ]
        .map(String::from)
    );
    for name in [
        "availability_percent",
        "latency_ms_p50",
        "latency_ms_p99",
        "failed_spot_interruption",
        "failed_while_capacity_short",
        "tasks_interrupted",
        "capacity_short_minutes",
        "task_hours",
    ] {
        assert!(header.iter().any(|h| h == name), "no column {name} in {header:?}");
    }
    for row in &rows {
        assert_eq!(column(&header, row, "seed"), "11");
    }
    // On-demand has no Spot line: its cell is 0, not empty.
    assert_eq!(column(&header, &rows[1], "fargate_spot_vcpu_hours_x86_64_usd"), "0");
    assert_eq!(column(&header, &rows[0], "cost_vs_first_percent"), "0");
    let spot_cost: f64 = column(&header, &rows[0], "cost_usd").parse().expect("number");
    let on_demand_cost: f64 = column(&header, &rows[1], "cost_usd").parse().expect("number");
    let vs_first: f64 = column(&header, &rows[1], "cost_vs_first_percent").parse().expect("number");
    assert!(on_demand_cost > spot_cost, "Spot should be cheaper: {spot_cost} vs {on_demand_cost}");
    assert!((vs_first - (on_demand_cost - spot_cost) / spot_cost * 100.0).abs() < 0.01, "{vs_first}");
    let terminal = String::from_utf8_lossy(&output.stdout);
    assert!(terminal.contains("spot") && terminal.contains("availability %"), "{terminal}");
    assert!(out.join("comparison.png").is_file());
}

/// Goal: the table's cost is the cost of the scenario's own report, so a
/// reader who digs in finds the same figure. Method: compare each row's
/// cost_usd and requests_total with <out>/<name>/summary.json.
#[test]
fn comparison_cost_equals_each_reports_summary() {
    let (dir, on_demand, spot) = workspace();
    let out = dir.path().join("out");
    assert_ok(&compare(&[&on_demand, &spot], &out, None));
    let (header, rows) = read_csv(&out.join("comparison.csv"));
    for row in &rows {
        let name = &row[0];
        let summary_path = out.join(name).join("summary.json");
        let text = fs::read_to_string(&summary_path).unwrap_or_else(|e| panic!("{}: {e}", summary_path.display()));
        let summary: serde_json::Value = serde_json::from_str(&text).expect("summary.json parses");
        let total = summary["cost_usd"]["total"].as_f64().expect("cost_usd.total");
        let csv_total: f64 = column(&header, row, "cost_usd").parse().expect("number");
        assert_eq!(csv_total, total, "{name}: comparison.csv against summary.json");
        assert!(total > 0.0);
        assert_eq!(column(&header, row, "requests_total"), summary["requests"]["total"].to_string());
    }
}

/// Goal: parallel runs give the same bytes as serial ones (results are
/// collected in argument order). Method: one thread, then two.
#[test]
fn comparison_is_the_same_bytes_on_one_thread_and_two() {
    let (dir, on_demand, spot) = workspace();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    assert_ok(&compare(&[&on_demand, &spot], &one, Some("1")));
    assert_ok(&compare(&[&on_demand, &spot], &two, Some("2")));
    for file in ["comparison.csv", "comparison.png", "spot/summary.json", "on-demand/timeseries.csv"] {
        let (a, b) = (fs::read(one.join(file)).expect("one"), fs::read(two.join(file)).expect("two"));
        assert!(!a.is_empty(), "{file} is empty");
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
}

/// Goal: a scenario file that cannot be read stops the comparison before any
/// run, exit 2, naming the file. Method: pass a path that does not exist.
#[test]
fn a_missing_scenario_exits_2_naming_the_file() {
    let (dir, on_demand, _) = workspace();
    let missing = dir.path().join("no-such-scenario.toml");
    let out = dir.path().join("out");
    let output = compare(&[&on_demand, &missing], &out, None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: ") && stderr.contains("no-such-scenario.toml"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "nothing is written when an input is bad");
}

/// Goal: two scenarios of one name would write one report folder; refused with
/// both files named. Method: the same scenario text under two file names.
#[test]
fn duplicate_scenario_names_are_rejected() {
    let (dir, on_demand, _) = workspace();
    let twin = write(dir.path(), "twin.toml", ON_DEMAND);
    let output = compare(&[&on_demand, &twin], &dir.path().join("out"), None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("on-demand.toml") && stderr.contains("twin.toml"), "{stderr}");
    assert!(stderr.contains("\"on-demand\""), "{stderr}");
}

/// Goal: a comparison needs two scenarios; one is a usage error (exit 2).
#[test]
fn one_scenario_is_a_usage_error() {
    let (dir, on_demand, _) = workspace();
    let output = compare(&[&on_demand], &dir.path().join("out"), None);
    assert_eq!(output.status.code(), Some(2));
}
