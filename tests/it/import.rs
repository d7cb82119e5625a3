//! `fleetsim import` (issue 10, scope 1): the JSON the AWS CLI prints, fields
//! fleetsim ignores included, becomes a scenario that runs exactly as the same
//! scenario written by hand; bad JSON exits 2 naming the file and the field path;
//! what fleetsim cannot honour is reported, never dropped.
//!
//! Fixtures in `tests/scenarios/import/` are shaped as `aws ecs describe-task-definition`,
//! `aws ecs describe-services`, `aws application-autoscaling describe-scaling-policies`
//! and `describe-scalable-targets` print them.

use crate::support;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

fn fixture(name: &str) -> PathBuf {
    support::scenarios_dir().join("import").join(name)
}

fn import<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(args: I) -> Output {
    support::fleetsim().arg("import").args(args).output().expect("start the fleetsim binary")
}

fn show(output: &Output) -> String {
    format!(
        "exit status: {:?}\n--- stdout\n{}--- stderr\n{}---",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[allow(clippy::disallowed_methods)] // a test fixture in a temporary folder: atomicity does not matter
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The scenario the fixtures describe, written by hand: every value the JSON
/// holds, and the importer's assumptions.
const BY_HAND: &str = r#"
name = "web"
seed = 1
duration = "6h"
region = "us-east-1"

[traffic]
kind = "constant"
rate_per_second = 40.0

[service]
name = "web"
desired_count = 4
health_check_grace_period = "90s"
assign_public_ip = false
load_balanced = true
cpu = 1024
memory = 2048
cpu_architecture = "ARM64"
ephemeral_storage_gib = 30
stop_timeout = "45s"
concurrency = 10
queue_limit = 100
service_time = { distribution = "lognormal", median = "50ms", p99 = "500ms" }
vcpu_per_request = 0.1
startup_time = { distribution = "uniform", min = "30s", max = "60s" }
warm_start = true
capacity_provider_strategy = [
  { capacity_provider = "FARGATE", base = 2, weight = 1 },
  { capacity_provider = "FARGATE_SPOT", base = 0, weight = 3 },
]
container_health_check = { interval = "15s", timeout = "5s", retries = 3, start_period = "60s" }
deployment_configuration = { minimum_healthy_percent = 50, maximum_percent = 200, strategy = "ROLLING", deployment_circuit_breaker = { enable = true, rollback = true } }

[service.auto_scaling]
min_capacity = 2
max_capacity = 20
target_tracking = [
  { name = "web-cpu60", predefined_metric_type = "ECSServiceAverageCPUUtilization", target_value = 60.0,
    scale_out_cooldown = "120s", scale_in_cooldown = "300s", disable_scale_in = false },
  { name = "web-requests", predefined_metric_type = "ALBRequestCountPerTarget", target_value = 1000.0,
    scale_out_cooldown = "60s", scale_in_cooldown = "600s", disable_scale_in = true },
]
"#;

fn full_import_args(out: &Path) -> Vec<PathBuf> {
    vec![
        "--task-definition".into(),
        fixture("td.json"),
        "--service".into(),
        fixture("svc.json"),
        "--scaling-policies".into(),
        fixture("policies.json"),
        "--scalable-targets".into(),
        fixture("targets.json"),
        "-o".into(),
        out.to_path_buf(),
    ]
}

/// Goal: an imported scenario runs exactly as the same scenario written by hand.
/// Method: import the four fixtures to a file, parse it and `BY_HAND`, shorten
/// both to the same 1 h (the run's length is an assumption either way), run
/// both on the scenario's seed and compare every figure of the run (requests,
/// availability, latency, task-hours, per-minute rows, events).
#[test]
fn imported_scenario_runs_as_the_hand_written_one() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("prod-web.toml");
    let output = import(full_import_args(&out));
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(output.stdout.is_empty(), "with -o nothing goes to stdout:\n{}", show(&output));
    let text = read(&out);
    for expected in [
        "desired_count = 4",
        "svc.json services[0].desiredCount",
        "td.json taskDefinition.cpu",
        "# ASSUMED — review:",
        "concurrency = 10 ",
    ] {
        assert!(text.contains(expected), "expected {expected:?} in the imported scenario:\n{text}");
    }
    assert!(!text.contains("NOT MODELLED"), "nothing in the fixtures is out of reach:\n{text}");
    let shorten = |t: &str| t.replace("duration = \"6h\"", "duration = \"1h\"");
    let imported = fleetsim::scenario::parse(&shorten(&text), &out)
        .unwrap_or_else(|e| panic!("imported scenario invalid: {}\n{text}", e.lines().join("\n")));
    let by_hand = support::scenario(&shorten(BY_HAND));
    let run =
        |s: &fleetsim::scenario::Scenario| fleetsim::run::simulate_scenario(s, None).expect("run succeeds").figures;
    let (a, b) = (run(&imported), run(&by_hand));
    assert!(a.requests.total > 100_000, "the run serves traffic: {:?}", a.requests);
    assert_eq!(a.requests, b.requests);
    assert_eq!(a.latency, b.latency);
    assert_eq!(a.services[0].task_hours, b.services[0].task_hours);
    assert_eq!(format!("{a:?}"), format!("{b:?}"), "every figure of the two runs");
}

/// Goal: `register-task-definition --cli-input-json` files (the bare object, as
/// kept in repositories) with "1 vCPU" / "2 GB" sizes import as the
/// describe-task-definition output does. Method: compare the printed TOML's
/// service lines.
#[test]
fn cli_input_json_task_definition_and_unit_strings() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let td = read(&fixture("td.json"));
    let value: serde_json::Value = serde_json::from_str(&td).expect("fixture is JSON");
    let mut bare = value["taskDefinition"].clone();
    bare["cpu"] = "1 vCPU".into();
    bare["memory"] = "2 GB".into();
    let bare_path = write(dir.path(), "td-input.json", &bare.to_string());
    let svc = fixture("svc.json");
    let output =
        import([OsStr::new("--task-definition"), bare_path.as_os_str(), OsStr::new("--service"), svc.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("cpu = 1024 "), "{text}");
    assert!(text.contains("memory = 2048 "), "{text}");
    assert!(text.contains("td-input.json cpu"), "the bare shape's field path is `cpu`:\n{text}");
    fleetsim::scenario::parse(&text, Path::new("printed.toml"))
        .unwrap_or_else(|e| panic!("printed scenario invalid: {}", e.lines().join("\n")));
}

/// Runs the importer on `td` and `svc` texts in a fresh folder.
fn import_texts(td: &str, svc: &str) -> Output {
    let dir = tempfile::tempdir().expect("temporary folder");
    let td = write(dir.path(), "td.json", td);
    let svc = write(dir.path(), "svc.json", svc);
    import([OsStr::new("--task-definition"), td.as_os_str(), OsStr::new("--service"), svc.as_os_str()])
}

#[track_caller]
fn assert_one_line_error(output: &Output, names: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "fleetsim panicked:\n{}", show(output));
    assert_eq!(output.status.code(), Some(2), "expected exit code 2:\n{}", show(output));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr:\n{}", show(output));
    assert!(lines[0].starts_with("error: "), "{}", show(output));
    for name in names {
        assert!(lines[0].contains(name), "expected the error to name `{name}`:\n{}", show(output));
    }
    assert!(output.stdout.is_empty(), "no scenario on bad input:\n{}", show(output));
}

/// Goal: bad JSON exits 2 with one line naming the file and the JSON path.
/// Method: break one thing of the fixtures at a time.
#[test]
fn bad_json_names_the_file_and_the_field() {
    let td = read(&fixture("td.json"));
    let svc = read(&fixture("svc.json"));
    let cpu_true = td.replace("\"cpu\": \"1024\"", "\"cpu\": true");
    assert_one_line_error(
        &import_texts(&cpu_true, &svc),
        &["td.json: taskDefinition.cpu: expected a string or number of CPU units", "found true"],
    );
    let no_cpu = td.replace("\"cpu\": \"1024\",", "");
    assert_one_line_error(&import_texts(&no_cpu, &svc), &["td.json: taskDefinition.cpu: missing", "Fargate"]);
    assert_one_line_error(&import_texts("taskDefinition: web", &svc), &["td.json: not JSON", "line 1"]);
    let count_string = svc.replace("\"desiredCount\": 4", "\"desiredCount\": \"four\"");
    assert_one_line_error(
        &import_texts(&td, &count_string),
        &["svc.json: services[0].desiredCount: expected a whole number", "four"],
    );
    let grace_array = svc.replace("\"healthCheckGracePeriodSeconds\": 90", "\"healthCheckGracePeriodSeconds\": [90]");
    assert_one_line_error(&import_texts(&td, &grace_array), &["svc.json: services[0].healthCheckGracePeriodSeconds"]);
    let two = format!(
        "{{\"services\": [{0}, {0}]}}",
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&svc).unwrap()["services"][0]).unwrap()
    );
    assert_one_line_error(&import_texts(&td, &two), &["svc.json: services: 2 services", "--service-name"]);
}

/// Goal: what fleetsim cannot honour is reported at the top of the scenario and
/// on stderr, never dropped. Method: a DAEMON service, an EXTERNAL controller, a
/// custom-metric policy and a step policy.
#[test]
fn unmodelled_fields_are_reported() {
    let td = read(&fixture("td.json"));
    let svc = read(&fixture("svc.json"))
        .replace("\"schedulingStrategy\": \"REPLICA\"", "\"schedulingStrategy\": \"DAEMON\"")
        .replace("\"type\": \"ECS\"", "\"type\": \"EXTERNAL\"");
    let output = import_texts(&td, &svc);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in ["services[0].schedulingStrategy: DAEMON", "services[0].deploymentController.type: EXTERNAL"] {
        let noted = text.lines().any(|l| l.starts_with("#   - ") && l.contains(needle));
        assert!(noted, "{needle} at the top of the scenario:\n{text}");
        let warned = stderr.lines().any(|l| l.starts_with("NOT MODELLED: ") && l.contains(needle));
        assert!(warned, "{needle} on stderr:\n{stderr}");
    }
    assert!(text.starts_with("# Imported") && text.contains("# NOT MODELLED:"), "{text}");

    let dir = tempfile::tempdir().expect("temporary folder");
    let policies = read(&fixture("policies.json"))
        .replace(
            "\"PredefinedMetricSpecification\": {\n                    \"PredefinedMetricType\": \"ALBRequestCountPerTarget\",\n                    \"ResourceLabel\": \"app/prod-alb/0123456789abcdef/targetgroup/web/0123456789abcdef\"\n                }",
            "\"CustomizedMetricSpecification\": {\"MetricName\": \"QueueDepth\", \"Namespace\": \"Shop\", \"Dimensions\": [], \"Statistic\": \"Average\"}",
        );
    assert!(policies.contains("QueueDepth"), "the fixture changed shape");
    let policies = write(dir.path(), "policies.json", &policies);
    let output = import([
        OsStr::new("--task-definition"),
        fixture("td.json").as_os_str(),
        OsStr::new("--service"),
        fixture("svc.json").as_os_str(),
        OsStr::new("--scaling-policies"),
        policies.as_os_str(),
        OsStr::new("--scalable-targets"),
        fixture("targets.json").as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("policies.json ScalingPolicies[1].TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification: a target tracking policy on a custom metric"),
        "{text}"
    );
    assert!(text.contains("name = \"web-cpu60\"") && !text.contains("name = \"web-requests\""), "{text}");
}
