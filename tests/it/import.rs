//! `fleetsim import` (issue 10, scope 1): the JSON the AWS CLI prints, fields
//! fleetsim ignores included, becomes a scenario that runs exactly as the same
//! scenario written by hand; bad JSON exits 2 naming the file and the field path;
//! what fleetsim cannot honour is reported, never dropped.
//!
//! Fixtures in `tests/scenarios/import/` are shaped as the AWS CLI prints
//! them (aws-semantics §15): `ecs describe-task-definition` (and a
//! `register-task-definition --cli-input-json` object), `describe-services`,
//! `describe-capacity-providers`, `application-autoscaling describe-scaling-policies`,
//! `describe-scalable-targets` and `describe-scheduled-actions`, `cloudwatch
//! describe-alarms`, `elbv2 describe-target-groups`, `describe-target-group-attributes`
//! and `describe-rules`, and `autoscaling describe-auto-scaling-groups`.

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
    assert_one_line_error(
        &import_texts(&td, &two),
        &["svc.json: services[1].serviceName: \"web\" is also", "services[0]'s name", "--service-name"],
    );
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

/// The scenario of `BY_HAND` with the step policies of `policies-step.json`
/// and their alarms in `alarms.json` instead of target tracking.
fn by_hand_step() -> String {
    let head = BY_HAND.split("[service.auto_scaling]").next().expect("BY_HAND has auto scaling");
    format!(
        r#"{head}
[service.auto_scaling]
min_capacity = 2
max_capacity = 20
step_scaling = [
  {{ name = "web-cpu-high", adjustment_type = "ChangeInCapacity", cooldown = "120s", metric_aggregation_type = "Average",
    step_adjustments = [{{ metric_interval_lower_bound = 0.0, metric_interval_upper_bound = 20.0, scaling_adjustment = 1 }},
                        {{ metric_interval_lower_bound = 20.0, scaling_adjustment = 3 }}],
    alarm = {{ metric_name = "CPUUtilization", period = "60s", evaluation_periods = 3, datapoints_to_alarm = 2,
              threshold = 70.0, comparison_operator = "GreaterThanOrEqualToThreshold" }} }},
  {{ name = "web-cpu-low", adjustment_type = "PercentChangeInCapacity", min_adjustment_magnitude = 1, cooldown = "300s",
    metric_aggregation_type = "Average", step_adjustments = [{{ metric_interval_upper_bound = 0.0, scaling_adjustment = -25 }}],
    alarm = {{ metric_name = "CPUUtilization", period = "60s", evaluation_periods = 10, datapoints_to_alarm = 10,
              threshold = 30.0, comparison_operator = "LessThanThreshold" }} }},
]
"#
    )
}

fn args(pairs: &[(&str, &str)]) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    for (flag, file) in pairs {
        out.push(format!("--{flag}").into());
        out.push(fixture(file).into_os_string());
    }
    out
}

/// The text with runs of spaces made one: checks need not count the padding
/// before each value's comment.
fn squash(text: &str) -> String {
    let text = text.replace(&format!("{}/", fixture("x").parent().expect("fixture folder").display()), "");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

fn run_text(text: &str, path: &Path) -> fleetsim::observe::RunFigures {
    let scenario = fleetsim::scenario::parse(text, path)
        .unwrap_or_else(|e| panic!("imported scenario invalid: {}\n{text}", e.lines().join("\n")));
    fleetsim::run::simulate_scenario(&scenario, None).expect("run succeeds").figures
}

/// Goal: a StepScaling policy and the CloudWatch alarm that invokes it (found
/// by the policy's ARN in the alarm's AlarmActions, aws-semantics §1.8) run
/// exactly as the same policy and alarm written by hand: the same alarm
/// timeline, the same scale-ins. Method: import td/svc/targets with
/// `policies-step.json` and `alarms.json`, run both for 1 h on one seed,
/// compare every figure; the placeholder load (CPU far under 30 %) must make
/// the low alarm scale the service in from 4.
#[test]
fn step_scaling_runs_as_written_by_hand() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("step.toml");
    let mut a = args(&[
        ("task-definition", "td.json"),
        ("service", "svc.json"),
        ("scaling-policies", "policies-step.json"),
        ("scalable-targets", "targets.json"),
        ("alarms", "alarms.json"),
    ]);
    a.extend(["-o".into(), out.clone().into_os_string()]);
    let output = import(a);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = read(&out);
    for expected in [
        "[service.auto_scaling.step_scaling.alarm]   # alarms.json MetricAlarms[0]",
        "threshold = 70.0                        # alarms.json MetricAlarms[0].Threshold",
        "comparison_operator = \"LessThanThreshold\" # alarms.json MetricAlarms[1].ComparisonOperator",
    ] {
        assert!(squash(&text).contains(&squash(expected)), "expected {expected:?}:\n{text}");
    }
    assert!(!text.contains("NOT MODELLED"), "{text}");
    let shorten = |t: &str| t.replace("duration = \"6h\"", "duration = \"1h\"");
    let imported = run_text(&shorten(&text), &out);
    let by_hand = fleetsim::run::simulate_scenario(&support::scenario(&shorten(&by_hand_step())), None)
        .expect("run succeeds")
        .figures;
    assert!(imported.services[0].running_tasks_min < 4, "the low alarm scaled in: {:?}", imported.services[0]);
    assert_eq!(format!("{imported:?}"), format!("{by_hand:?}"), "every figure of the two runs");
}

/// Every fixture of the cluster: two services in one describe-services
/// file, their task definitions (one a register-task-definition object),
/// policies, targets, scheduled actions, alarms, target groups, attributes,
/// listener rules, the capacity provider and its Auto Scaling group.
fn cluster_args() -> Vec<std::ffi::OsString> {
    cluster_args_with(&[])
}

/// `cluster_args` with some files replaced: `("rules", path)`, or
/// `("api", path)` for api's target group attributes.
fn cluster_args_with(replaced: &[(&str, PathBuf)]) -> Vec<std::ffi::OsString> {
    let list = [
        ("task-definition", "td.json"),
        ("task-definition", "td-api-input.json"),
        ("service", "svc-cluster.json"),
        ("scaling-policies", "policies-cluster.json"),
        ("scalable-targets", "targets.json"),
        ("scheduled-actions", "scheduled.json"),
        ("alarms", "alarms.json"),
        ("target-groups", "target-groups.json"),
        ("rules", "rules.json"),
        ("capacity-providers", "capacity-providers.json"),
        ("auto-scaling-groups", "auto-scaling-groups.json"),
        ("target-group-attributes", "web=tg-attributes-web.json"),
        ("target-group-attributes", "api=tg-attributes-api.json"),
    ];
    let mut a: Vec<std::ffi::OsString> = Vec::new();
    for (flag, file) in list {
        // A file is replaced by its flag's name, or an attributes file by its key.
        let (key, name) = match file.split_once('=') {
            Some((k, n)) => (Some(k), n),
            None => (None, file),
        };
        let path =
            replaced.iter().find(|(f, _)| *f == key.unwrap_or(flag)).map_or_else(|| fixture(name), |(_, p)| p.clone());
        let value = match key {
            Some(k) => format!("{k}={}", path.display()),
            None => path.display().to_string(),
        };
        a.push(format!("--{flag}").into());
        a.push(value.into());
    }
    a
}

/// Goal: a cluster imports as `[[services]]` and runs: task definitions
/// matched by ARN and by family, target groups by ARN, the listener's rules
/// routing requests by path, method and query string, the EC2 service on its
/// capacity provider with the Auto Scaling group's instance type and sizes.
/// Method: import every cluster fixture, check the values and their sources,
/// run 1 h and check each route and service served requests.
#[test]
fn several_services_import_and_run() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("prod.toml");
    let mut a = cluster_args();
    a.extend(["-o".into(), out.clone().into_os_string()]);
    let output = import(a);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = read(&out);
    for expected in [
        "name = \"prod\"                           # svc-cluster.json services[0].clusterArn (the cluster's name)",
        "[[services]]                            # svc-cluster.json services[1]",
        "cpu = 512                               # td-api-input.json cpu",
        "memory = 1024                           # td-api-input.json memory",
        "placement_strategy = [{ type = \"spread\", field = \"attribute:ecs.availability-zone\" }, { type = \"binpack\", field = \"memory\" }]",
        "capacity_provider = \"prod-m6i\"",
        "instance_type = \"m6i.large\"             # auto-scaling-groups.json AutoScalingGroups[0].Instances[0].InstanceType",
        "target_capacity = 90",
        "deregistration_delay = \"60s\"            # tg-attributes-web.json Attributes[3].Value",
        "algorithm = \"least_outstanding_requests\"",
        "interval = \"15s\"                        # target-groups.json TargetGroups[1].HealthCheckIntervalSeconds",
        "forward = \"web\"                         # rules.json Rules[3].Actions[0]",
        "action = { forward = [{ target_group = \"web\", weight = 80 }, { target_group = \"api\", weight = 20 }] }",
        "action = { fixed_response = { status_code = 403 } }",
        "[[services.auto_scaling.step_scaling]]  # policies-cluster.json ScalingPolicies[1]",
        // Each service's own assumption says whose it is.
        "#   - vcpu_per_request = 0.1 for service web (",
        "#   - vcpu_per_request = 0.05 for service api (",
    ] {
        assert!(squash(&text).contains(&squash(expected)), "expected {expected:?}:\n{text}");
    }
    assert!(!text.contains("NOT MODELLED"), "{text}");
    let figures = run_text(&text.replace("duration = \"24h\"", "duration = \"1h\""), &out);
    let names: Vec<&str> = figures.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["web", "api"]);
    for s in &figures.services {
        assert!(s.requests.total > 10_000, "{} served requests: {:?}", s.name, s.requests);
    }
    for route in &figures.routes {
        if route.name != "priority 20" {
            assert!(route.requests.total > 10_000, "{} routed requests: {:?}", route.name, route.requests);
        }
    }
    assert_eq!(figures.provider_names.iter().filter(|n| *n == "prod-m6i").count(), 1, "{:?}", figures.provider_names);
}

/// Goal: scheduled actions (cron, at, rate) with a Timezone fire when AWS
/// fires them (aws-semantics §1.9). Method: import web's two weekday crons in
/// America/New_York: each keeps its `timezone`; the run starts at midnight
/// New York (05:00Z on Monday 2 November 2026, EST), so the 08:00 action
/// (13:00Z) raises web to its new minimum of 6 at 8 h into the run. Then the
/// first action in Europe/Paris and the second in New York: each fires in its
/// own zone (nothing is reported), and the run starts at midnight Paris
/// (23:00Z on 1 November, CET): Paris's 08:00 is 07:00Z, 8 h in again.
/// An unknown zone name exits 2 naming the field.
#[test]
fn scheduled_actions_fire_in_their_time_zone() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("scheduled.toml");
    let mut a = args(&[
        ("task-definition", "td.json"),
        ("service", "svc.json"),
        ("scalable-targets", "targets.json"),
        ("scheduled-actions", "scheduled.json"),
    ]);
    a.extend(["-o".into(), out.clone().into_os_string()]);
    let output = import(a);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = read(&out);
    for expected in [
        "start_time = \"2026-11-02T05:00:00Z\"     # ASSUMED — review: midnight, America/New_York wall time",
        "schedule = \"cron(0 8 ? * MON-FRI *)\"    # scheduled.json ScheduledActions[0].Schedule",
        "timezone = \"America/New_York\"           # scheduled.json ScheduledActions[0].Timezone",
        "timezone = \"America/New_York\"           # scheduled.json ScheduledActions[1].Timezone",
        "midnight in America/New_York, the scheduled actions' Timezone",
    ] {
        assert!(squash(&text).contains(&squash(expected)), "expected {expected:?}:\n{text}");
    }
    assert!(!text.contains("daylight"), "daylight saving is followed now:\n{text}");
    assert!(!text.contains("api-launch"), "only web's actions:\n{text}");
    let figures = run_text(&text.replace("duration = \"24h\"", "duration = \"8h30m\""), &out);
    let web = &figures.services[0];
    assert_eq!(web.running_tasks_max, 6, "the 08:00 action raised the minimum to 6: {web:?}");
    let early = run_text(&text.replace("duration = \"24h\"", "duration = \"7h58m\""), &out);
    assert_eq!(early.services[0].running_tasks_max, 4, "not before 13:00Z: {:?}", early.services[0]);

    let paris = read(&fixture("scheduled.json")).replacen("\"America/New_York\"", "\"Europe/Paris\"", 1);
    let scheduled = write(dir.path(), "scheduled.json", &paris);
    let paris_out = dir.path().join("paris.toml");
    let mut a = args(&[("task-definition", "td.json"), ("service", "svc.json"), ("scalable-targets", "targets.json")]);
    a.extend(["--scheduled-actions".into(), scheduled.clone().into_os_string(), "-o".into(), paris_out.clone().into()]);
    let output = import(a);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("Timezone"), "{}", show(&output));
    let text = read(&paris_out);
    for expected in [
        "start_time = \"2026-11-01T23:00:00Z\"     # ASSUMED — review: midnight, Europe/Paris wall time",
        "timezone = \"Europe/Paris\"",
        "timezone = \"America/New_York\"",
    ] {
        assert!(squash(&text).contains(&squash(expected)), "expected {expected:?}:\n{text}");
    }
    let figures = run_text(&text.replace("duration = \"24h\"", "duration = \"8h30m\""), &paris_out);
    assert_eq!(figures.services[0].running_tasks_max, 6, "Paris's 08:00 is 07:00Z: {:?}", figures.services[0]);

    let mars = read(&fixture("scheduled.json")).replacen("\"America/New_York\"", "\"Mars/Olympus_Mons\"", 1);
    let scheduled = write(dir.path(), "scheduled.json", &mars);
    let mut a = args(&[("task-definition", "td.json"), ("service", "svc.json"), ("scalable-targets", "targets.json")]);
    a.extend(["--scheduled-actions".into(), scheduled.into_os_string()]);
    assert_one_line_error(
        &import(a),
        &["scheduled.json: ScheduledActions[0].Timezone: expected an IANA time zone name", "Mars/Olympus_Mons"],
    );
}

/// Imports web's scheduled actions with the first one's schedule and zone
/// replaced (the second stays a weekday cron in New York).
fn import_first_action(dir: &Path, schedule: &str, zone: &str) -> Output {
    let text = read(&fixture("scheduled.json")).replacen("cron(0 8 ? * MON-FRI *)", schedule, 1).replacen(
        "\"America/New_York\"",
        &format!("{zone:?}"),
        1,
    );
    let mut a = args(&[("task-definition", "td.json"), ("service", "svc.json"), ("scalable-targets", "targets.json")]);
    a.extend(["--scheduled-actions".into(), write(dir, "scheduled.json", &text).into_os_string()]);
    import(a)
}

/// Goal: an `at(…)` whose day the scenario cannot hold is refused by the
/// importer itself, naming the input's field, not the scenario it would
/// have written. Method: on 0000-01-01, midnight in Asia/Tokyo (UTC+9:18:59,
/// its local mean time then) is in year −1 UTC, before any `start_time`;
/// midnight in New York that day is 04:56:02Z, which imports. With a
/// Timezone the run must end by 2099 (chrono-tz's tables): a day in 2150
/// does not, nor does 2099-12-31 in New York (its 24 h end at 05:00Z on
/// 2100-01-01).
#[test]
fn an_at_whose_day_the_scenario_cannot_hold_names_the_field() {
    let dir = tempfile::tempdir().expect("temporary folder");
    assert_one_line_error(
        &import_first_action(dir.path(), "at(0000-01-01T05:00:00)", "Asia/Tokyo"),
        &[
            "scheduled.json: ScheduledActions[0].Schedule: expected",
            "0000–9999",
            "Asia/Tokyo",
            "at(0000-01-01T05:00:00)",
        ],
    );
    let output = import_first_action(dir.path(), "at(0000-01-01T05:00:00)", "America/New_York");
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    assert_one_line_error(
        &import_first_action(dir.path(), "at(2150-06-01T05:00:00)", "Asia/Tokyo"),
        &["scheduled.json: ScheduledActions[0].Schedule: expected", "by 2099", "ends in 2150"],
    );
    assert_one_line_error(
        &import_first_action(dir.path(), "at(2099-12-31T22:00:00)", "America/New_York"),
        &["scheduled.json: ScheduledActions[0].Schedule: expected", "by 2099", "ends in 2100"],
    );
    let output = import_first_action(dir.path(), "at(2099-12-30T22:00:00)", "America/New_York");
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
}

/// Goal: what the ALB's and CloudWatch's JSON hold that fleetsim cannot
/// honour is reported, never dropped. Method: a source-ip rule, sticky
/// sessions, a target group whose deregistration delay differs from the
/// first's, an alarm that treats missing data as not breaching.
#[test]
fn unhonoured_elb_and_alarm_fields_are_reported() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let rules = read(&fixture("rules.json")).replacen(
        "\"Field\": \"host-header\",\n                    \"Values\": [\n                        \"admin.example.com\"\n                    ]",
        "\"Field\": \"source-ip\",\n                    \"SourceIpConfig\": {\"Values\": [\"10.0.0.0/8\"]}",
        1,
    );
    assert!(rules.contains("source-ip"), "the fixture changed shape");
    let api_attrs = read(&fixture("tg-attributes-api.json")).replace("\"Value\": \"60\"", "\"Value\": \"30\"").replace(
        "\"Key\": \"stickiness.enabled\",\n            \"Value\": \"false\"",
        "\"Key\": \"stickiness.enabled\",\n            \"Value\": \"true\"",
    );
    let alarms = read(&fixture("alarms.json")).replacen(
        "\"TreatMissingData\": \"missing\"",
        "\"TreatMissingData\": \"notBreaching\"",
        3,
    );
    let a = cluster_args_with(&[
        ("rules", write(dir.path(), "rules.json", &rules)),
        ("alarms", write(dir.path(), "alarms.json", &alarms)),
        ("api", write(dir.path(), "api-attrs.json", &api_attrs)),
    ]);
    let output = import(a);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "rules.json Rules[1].Conditions[0]: source-ip",
        "api-attrs.json Attributes[3].Value: deregistration_delay.timeout_seconds = 30 differs",
        "api-attrs.json Attributes[7].Value: sticky sessions",
        "alarms.json MetricAlarms[2].TreatMissingData: notBreaching",
    ] {
        assert!(stderr.lines().any(|l| l.starts_with("NOT MODELLED: ") && l.contains(needle)), "{needle}:\n{stderr}");
    }
}

/// Goal: bad JSON in the new inputs exits 2 with one line naming the file
/// and the JSON field. Method: break one file at a time.
#[test]
fn bad_elb_scaling_and_ec2_json_names_the_file_and_the_field() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let base =
        || args(&[("task-definition", "td.json"), ("service", "svc.json"), ("scalable-targets", "targets.json")]);
    let cases: [(&str, &str, String, &[&str]); 5] = [
        (
            "--alarms",
            "alarms.json",
            "{\"MetricAlarms\": {}}".into(),
            &["alarms.json: MetricAlarms: expected an array, found an object"],
        ),
        (
            "--rules",
            "rules.json",
            read(&fixture("rules.json")).replacen("\"Priority\": \"10\"", "\"Priority\": \"ten\"", 1),
            &["rules.json: Rules[0].Priority: expected a whole number", "ten"],
        ),
        (
            "--scheduled-actions",
            "scheduled.json",
            read(&fixture("scheduled.json")).replacen("cron(0 8 ? * MON-FRI *)", "cron(0 8 * *)", 1),
            &["scheduled.json: ScheduledActions[0].Schedule: expected 6 cron fields"],
        ),
        (
            "--target-groups",
            "target-groups.json",
            read(&fixture("target-groups.json")).replacen(
                "\"HealthCheckIntervalSeconds\": 15",
                "\"HealthCheckIntervalSeconds\": \"often\"",
                2,
            ),
            &["target-groups.json: TargetGroups[1].HealthCheckIntervalSeconds: expected a whole number"],
        ),
        (
            "--scaling-policies",
            "policies.json",
            "[1, 2]".into(),
            &["policies.json: the top level: expected an object, found an array"],
        ),
    ];
    for (flag, name, text, needles) in cases {
        let mut a = base();
        a.extend([flag.into(), write(dir.path(), name, &text).into_os_string()]);
        assert_one_line_error(&import(a), needles);
    }
    // Two services behind the ALB: an attributes file must say whose it is.
    let mut a = cluster_args();
    a.extend(["--target-group-attributes".into(), fixture("tg-attributes-web.json").into_os_string()]);
    assert_one_line_error(
        &import(a),
        &["tg-attributes-web.json", "--target-group-attributes <service or target group>="],
    );
    // An ASG provider's strategy cannot hold FARGATE too (§4.4).
    let svc = read(&fixture("svc.json")).replacen(
        "\"capacityProvider\": \"FARGATE_SPOT\"",
        "\"capacityProvider\": \"prod-m6i\"",
        1,
    );
    let svc = write(dir.path(), "svc-mixed.json", &svc);
    let mut a = args(&[("task-definition", "td.json")]);
    a.extend(["--service".into(), svc.into_os_string()]);
    assert_one_line_error(&import(a), &["svc-mixed.json: services[0].capacityProviderStrategy: mixes FARGATE"]);
}

/// Goal: a JSON value the scenario's validation refuses exits 2 with one
/// line naming the JSON file and field it came from (and the scenario field
/// it became), never the output file it did not write, and writes nothing.
/// Method: QA's cases, one fixture broken at a time, imported with `-o`.
#[test]
fn refused_values_name_the_json_file_and_field() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("imported.toml");
    let svc = read(&fixture("svc.json"));
    let cases: [(&str, &str, String, &str); 5] = [
        (
            "--scalable-targets",
            "bad-targets.json",
            read(&fixture("targets.json")).replacen("\"MinCapacity\": 2,", "\"MinCapacity\": 50,", 1),
            "bad-targets.json: ScalableTargets[1].MaxCapacity (imported as service.auto_scaling.max_capacity): \
             expected ≥ min_capacity (50), found 20 (and 1 more problem)",
        ),
        (
            "--service",
            "svc-weight.json",
            svc.replacen("\"weight\": 3", "\"weight\": 2000", 1),
            "svc-weight.json: services[0].capacityProviderStrategy[1].weight \
             (imported as service.capacity_provider_strategy[1].weight): expected an integer 0–1000",
        ),
        (
            "--service",
            "svc-base.json",
            svc.replacen("\"base\": 0", "\"base\": 1", 1),
            "svc-base.json: services[0].capacityProviderStrategy (imported as service.capacity_provider_strategy): \
             only one item may set a base",
        ),
        (
            "--service",
            "svc-maximum.json",
            svc.replacen("\"maximumPercent\": 200", "\"maximumPercent\": 50", 1),
            "svc-maximum.json: services[0].deploymentConfiguration.maximumPercent \
             (imported as service.deployment_configuration.maximum_percent): expected an integer 100–2000",
        ),
        (
            "--scaling-policies",
            "bad-policies.json",
            read(&fixture("policies.json")).replacen("\"TargetValue\": 60.0", "\"TargetValue\": -60.0", 1),
            "bad-policies.json: ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue \
             (imported as service.auto_scaling.target_tracking[0].target_value): expected a number > 0, found -60",
        ),
    ];
    for (flag, name, text, expected) in cases {
        let mut a: Vec<std::ffi::OsString> = vec!["--task-definition".into(), fixture("td.json").into_os_string()];
        if flag != "--service" {
            a.extend(["--service".into(), fixture("svc.json").into_os_string()]);
        }
        a.extend([flag.into(), write(dir.path(), name, &text).into_os_string(), "-o".into(), out.clone().into()]);
        let output = import(a);
        assert_one_line_error(&output, &[expected]);
        assert!(!String::from_utf8_lossy(&output.stderr).contains("imported.toml"), "{}", show(&output));
        assert!(!out.exists(), "nothing written on bad input:\n{}", show(&output));
    }
}

/// Goal: a `schedulingStrategy: DAEMON` service on EC2 imports as
/// `scheduling_strategy = "DAEMON"` (aws-semantics §13.3): no desired count,
/// scaling or placement strategy of its own (a placement strategy, a
/// maximumPercent other than 100, and its scalable target, scaling policies
/// and scheduled actions are reported, at the top of the scenario and on
/// stderr, each by file and field), and the scenario runs with the daemon
/// beside the replicas. Method: the cluster fixtures with api made a daemon
/// (the fixtures give api a scalable target, two step policies and two
/// scheduled actions); import, check its table and the reports, run 1 h.
#[test]
fn daemon_services_import_as_daemons() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let svc = read(&fixture("svc-cluster.json"));
    let (web, api) = svc.split_at(svc.find("\"serviceName\": \"api\"").expect("api in the fixture"));
    let api = api.replacen("\"schedulingStrategy\": \"REPLICA\"", "\"schedulingStrategy\": \"DAEMON\"", 1);
    let svc = write(dir.path(), "svc-daemon.json", &format!("{web}{api}"));
    let out = dir.path().join("prod.toml");
    let mut a = cluster_args_with(&[("service", svc)]);
    a.extend(["-o".into(), out.clone().into_os_string()]);
    let output = import(a);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = read(&out);
    let api_table = &text[text.rfind("[[services]]").expect("two services")..];
    let api_table = &api_table[..api_table.find("\n[").unwrap_or(api_table.len())];
    assert!(api_table.contains("name = \"api\""), "{api_table}");
    let line = api_table.lines().find(|l| l.starts_with("scheduling_strategy = \"DAEMON\"")).unwrap_or_default();
    assert!(line.ends_with("svc-daemon.json services[1].schedulingStrategy"), "{api_table}");
    for absent in ["desired_count", "placement_strategy"] {
        assert!(!api_table.contains(absent), "{absent} in the daemon's table:\n{api_table}");
    }
    assert!(
        !text.contains("[services.auto_scaling]\n") || text.matches("[services.auto_scaling]").count() == 1,
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in ["services[1].placementStrategy[0]", "maximumPercent 200 of a DAEMON service"] {
        assert!(stderr.contains(needle), "{needle} on stderr:\n{stderr}");
    }
    for needle in [
        "targets.json ScalableTargets[0]: the scalable target of a DAEMON service",
        "policies-cluster.json ScalingPolicies[1]: the scaling policy \"api-cpu-high\" of a DAEMON service",
        "policies-cluster.json ScalingPolicies[2]: the scaling policy \"api-cpu-low\" of a DAEMON service",
        "scheduled.json ScheduledActions[2]: the scheduled action \"api-launch\" of a DAEMON service",
        "scheduled.json ScheduledActions[3]: the scheduled action \"api-hourly-check\" of a DAEMON service",
    ] {
        let warned = stderr.lines().any(|l| l.starts_with("NOT MODELLED: ") && l.contains(needle));
        assert!(warned, "{needle} on stderr:\n{stderr}");
        assert!(
            text.lines().any(|l| l.starts_with("#   - ") && l.contains(needle)),
            "{needle} in the scenario:\n{text}"
        );
    }
    // Nothing of api's scaling reached the scenario: web's policy and actions only.
    for absent in ["api-cpu-high", "api-launch", "api-hourly-check"] {
        let imported = text.lines().filter(|l| !l.starts_with('#')).any(|l| l.contains(absent));
        assert!(!imported, "{absent} imported for the daemon:\n{text}");
    }
    let figures = run_text(&text.replace("duration = \"24h\"", "duration = \"1h\""), &out);
    let api = figures.services.iter().find(|s| s.name == "api").expect("api ran");
    assert!(api.requests.total > 1_000, "the daemon served requests: {:?}", api.requests);

    // The daemon's actions are not imported, so their Timezone does not set
    // the run's clock: with web's actions in UTC and the daemon's in Tokyo,
    // the run starts at UTC midnight.
    let scheduled = read(&fixture("scheduled.json"))
        .replacen("\"Timezone\": \"America/New_York\"", "\"Timezone\": null", 2)
        .replace("\"Timezone\": \"America/New_York\"", "\"Timezone\": \"Asia/Tokyo\"");
    let scheduled = write(dir.path(), "scheduled-tokyo.json", &scheduled);
    let out = dir.path().join("tokyo.toml");
    let mut a = cluster_args_with(&[("service", dir.path().join("svc-daemon.json")), ("scheduled-actions", scheduled)]);
    a.extend(["-o".into(), out.clone().into_os_string()]);
    let output = import(a);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = read(&out);
    let start = text.lines().find(|l| l.starts_with("start_time = ")).expect("a start_time");
    assert!(start.starts_with("start_time = \"2026-11-02T00:00:00Z\"") && !start.contains("Tokyo"), "{start}");

    // A DAEMON on Fargate runs as a replica with its actions imported: their
    // Tokyo wall time does set the clock (midnight in Tokyo of the at(…)'s day).
    let fargate = read(&dir.path().join("svc-daemon.json")).replace("\"prod-m6i\"", "\"FARGATE\"");
    let fargate = write(dir.path(), "svc-daemon-fargate.json", &fargate);
    let scheduled = dir.path().join("scheduled-tokyo.json");
    let out = dir.path().join("tokyo-fargate.toml");
    let mut a = cluster_args_with(&[("service", fargate), ("scheduled-actions", scheduled)]);
    a.extend(["-o".into(), out.clone().into_os_string()]);
    let output = import(a);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let text = read(&out);
    let start = text.lines().find(|l| l.starts_with("start_time = ")).expect("a start_time");
    assert!(start.starts_with("start_time = \"2026-11-04T15:00:00Z\"") && start.contains("Asia/Tokyo"), "{start}");
}

/// Goal: `--access-logs` makes the logs the scenario's traffic (`kind =
/// "alb_access_logs"`), replayed down the imported listener rules; a folder
/// beside the output is named relative to it, any other absolute. Method:
/// import the cluster with the access-log fixture copied beside the output,
/// and with it in place; both run the 17 logged requests.
#[test]
fn access_logs_become_the_traffic() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).expect("a logs folder");
    let fixture_logs = support::scenarios_dir().join("access-logs").join("logs");
    for entry in std::fs::read_dir(&fixture_logs).expect("the fixture's logs") {
        let path = entry.expect("a log").path();
        std::fs::copy(&path, logs.join(path.file_name().expect("a name"))).expect("copy a log");
    }
    for (given, written) in [
        (logs.clone(), "files = \"logs\"".to_string()),
        (fixture_logs.clone(), format!("files = \"{}\"", fixture_logs.canonicalize().expect("exists").display())),
    ] {
        let out = dir.path().join("prod.toml");
        let mut a = cluster_args();
        a.extend(["--access-logs".into(), given.into_os_string(), "-o".into(), out.clone().into_os_string()]);
        let output = import(a);
        assert_eq!(output.status.code(), Some(0), "{}", show(&output));
        let text = read(&out);
        assert!(text.contains("kind = \"alb_access_logs\""), "{text}");
        assert!(text.contains(&written), "{written}:\n{text}");
        assert!(!text.contains("rate_per_second"), "{text}");
        let figures = run_text(&text.replace("duration = \"24h\"", "duration = \"1h\""), &out);
        assert_eq!(figures.requests.total, 17);
    }
}
