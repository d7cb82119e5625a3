//! Checks a parsed scenario and collects every problem with its field path.
//! Ranges and defaults come from aws-semantics.md, section by section.

use super::schema::{ActionFile, ConditionFieldFile, ConditionFile, ForwardFile};
use super::schema::{ContainerHealthCheckFile, DeploymentConfigurationFile, StrategyFile};
use super::schema::{
    CpuArchitectureFile, LaunchTypeFile, PlacementConstraintKind, PlacementStrategyKind, ThresholdKind,
};
use super::schema::{DistributionFile, DistributionKind, ScenarioFile, ServiceFile, TrafficFile, TrafficKind};
use super::schema::{TrafficRoutingConfigFile, TrafficRoutingKind};
use super::{DurationField, Problem};
use crate::engine::SimDuration;
use crate::model::config::CpuArchitecture;
use crate::model::config::TargetTrackingAlarms;
use crate::traffic::MAX_REQUESTS_PER_BIN;
use std::path::Path;

struct Checker {
    problems: Vec<Problem>,
    /// The calendar year the run ends in, when it has a start_time.
    run_end_year: Option<i64>,
}

impl Checker {
    fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { field: field.into(), line: None, message: message.into() });
    }

    fn rate(&mut self, field: &str, value: Option<f64>) {
        match value {
            None => self.problem(field, "missing: expected a rate in requests per second"),
            Some(v) if !v.is_finite() || v < 0.0 => {
                self.problem(field, format!("expected a rate ≥ 0 requests per second, found {v}"))
            }
            Some(v) if v > MAX_RATE_PER_SECOND => self.problem(field, format!("{}, found {v:e}", rate_limit_text())),
            Some(_) => {}
        }
    }

    fn positive_factor(&mut self, field: &str, value: Option<f64>) {
        if let Some(v) = value {
            if !v.is_finite() || v <= 0.0 {
                self.problem(field, format!("expected a number > 0, found {v}"));
            }
        }
    }

    fn required_duration(&mut self, field: &str, value: Option<DurationField>, positive: bool) {
        match value {
            None => self.problem(field, "missing: expected a duration such as \"30s\""),
            Some(d) if positive && d.0.is_zero() => self.problem(field, "expected a duration > 0"),
            Some(_) => {}
        }
    }

    fn duration_range(&mut self, field: &str, value: Option<DurationField>, min_secs: u64, max_secs: u64, rule: &str) {
        if let Some(DurationField(d)) = value {
            if d < SimDuration::from_secs(min_secs) || d > SimDuration::from_secs(max_secs) {
                self.problem(field, format!("expected {min_secs}–{max_secs} s ({rule}), found {} s", d.as_secs_f64()));
            }
        }
    }

    /// A schedule's expression and its `timezone`, each (field path, value)
    /// (§1.9, §13.1): both parse, and `at(…)`/`cron(…)`, which name wall
    /// times, have a `start_time` to place simulated time zero on the calendar.
    fn schedule(
        &mut self,
        (expression_field, expression): (&str, &str),
        (timezone_field, timezone): (&str, Option<&str>),
        has_start_time: bool,
    ) {
        let zone = match timezone.map(super::schedule_expr::parse_time_zone) {
            Some(Err(message)) => {
                self.problem(timezone_field, message);
                None
            }
            Some(Ok(zone)) => Some(zone),
            None => Some(crate::model::TimeZone::UTC),
        };
        match super::schedule_expr::parse_schedule(expression, zone.unwrap_or_default()) {
            Err(message) => self.problem(expression_field, message),
            Ok(crate::model::schedule::Schedule::Rate { .. }) => {}
            // §13.1: a wall time the clocks skip never runs; surely not what was meant.
            Ok(crate::model::schedule::Schedule::At { epoch_secs: None }) => self.problem(
                expression_field,
                format!(
                    "\"{expression}\" names a wall time that does not exist in {} (the clocks skip it when \
                     daylight saving starts, so AWS never runs it)",
                    zone.map_or("the timezone", |z| z.name())
                ),
            ),
            Ok(_) if !has_start_time => self.problem(
                expression_field,
                format!(
                    "at(…) and cron(…) name {} wall times: give the scenario a start_time = \"2026-11-02T00:00:00Z\" \
                     (UTC) to say when the run starts",
                    zone.map_or("the timezone's", |z| z.name())
                ),
            ),
            Ok(_) => {
                let zoned = zone.is_some_and(|z| z != crate::model::TimeZone::UTC);
                let last = crate::model::time_zone::LAST_RULES_YEAR;
                if let Some(year) = self.run_end_year.filter(|&y| zoned && y > last) {
                    self.problem(
                        timezone_field,
                        format!(
                            "the run ends in {year}, but the time zones' daylight-saving rules fleetsim has \
                             (chrono-tz's IANA tables) end in {last}: end the run by then or use UTC"
                        ),
                    );
                }
            }
        }
    }

    fn count_range(&mut self, field: &str, value: Option<u32>, min: u32, max: u32, rule: &str) {
        if let Some(v) = value {
            if v < min || v > max {
                self.problem(field, format!("expected an integer {min}–{max} ({rule}), found {v}"));
            }
        }
    }

    fn file_exists(&mut self, field: &str, file: &Path, base: &Path) {
        let resolved = base.join(file);
        if !resolved.is_file() {
            self.problem(field, format!("file not found: {}", resolved.display()));
        }
    }

    fn unused<T>(&mut self, field: &str, value: &Option<T>, context: &str) {
        if value.is_some() {
            self.problem(field, format!("not used by {context}; remove it"));
        }
    }
}

pub fn validate(file: &ScenarioFile, base: &Path) -> Vec<Problem> {
    let run_end_year = file.start_time.as_deref().and_then(crate::engine::calendar::parse_utc).map(|start| {
        let end = start.saturating_add(i64::try_from(file.duration.0.as_nanos() / 1_000_000_000).unwrap_or(i64::MAX));
        crate::engine::calendar::civil_from_epoch(end).year
    });
    let mut c = Checker { problems: Vec::new(), run_end_year };
    if file.duration.0.is_zero() {
        c.problem("duration", "expected a duration > 0");
    }
    if let Some(start) = &file.start_time {
        if crate::engine::calendar::parse_utc(start).is_none() {
            c.problem("start_time", format!("expected a UTC time such as \"2026-11-02T00:00:00Z\", found \"{start}\""));
        }
    }
    if let Some(name) = &file.name {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            c.problem("name", format!("expected a plain name for the results folder, found \"{name}\""));
        }
    }
    if let Some(traffic) = &file.traffic {
        if traffic.sources.is_empty() {
            c.problem("traffic", "expected at least one [[traffic]] table");
        }
        for (prefix, source) in traffic.with_prefixes() {
            check_traffic(&mut c, &prefix, source, base, file.duration.0);
        }
    }
    let services: Vec<(String, &ServiceFile)> = match (&file.service, file.services.is_empty()) {
        (Some(service), true) => vec![("service".to_string(), service)],
        (None, false) => file.services.iter().enumerate().map(|(i, s)| (format!("services[{i}]"), s)).collect(),
        (Some(_), false) => {
            c.problem("services", "give either one [service] table or [[services]] tables, not both");
            vec![]
        }
        (None, true) => {
            c.problem("service", "missing: expected a [service] table");
            vec![]
        }
    };
    for (i, (prefix, service)) in services.iter().enumerate() {
        let name = super::lower::service_name(service, i);
        if let Some(j) = (0..i).find(|&j| super::lower::service_name(services[j].1, j) == name) {
            c.problem(format!("{prefix}.name"), format!("\"{name}\" is also services[{j}]'s name; names are unique"));
        }
    }
    check_listener(&mut c, file, &services);
    check_calls(&mut c, &services);
    check_queues(&mut c, file, &services);
    for (prefix, service) in &services {
        check_run_task(&mut c, file, prefix, service);
    }
    let any_load_balanced = services.iter().any(|(_, s)| s.is_load_balanced());
    let to_alb = file.traffic.as_ref().is_some_and(|t| t.sources.iter().any(|t| t.queue.is_none()));
    if !to_alb && any_load_balanced {
        c.problem(
            "traffic",
            "missing: expected a [traffic] table (the requests reaching the ALB); only services with \
             load_balanced = false run without one",
        );
    }
    if to_alb && !any_load_balanced && !services.is_empty() {
        c.problem(
            "traffic",
            "requests reach the ALB, but every service has load_balanced = false and nothing answers them; \
             drop [traffic] or put a service behind the load balancer",
        );
    }
    // Every source must carry the times: the others' requests would have none.
    let request_trace_times = file.traffic.as_ref().is_some_and(|t| {
        !t.sources.is_empty()
            && t.sources.iter().all(|t| t.kind == TrafficKind::RequestTrace && t.service_time_column.is_some())
    });
    for (prefix, service) in &services {
        check_service(&mut c, file, prefix, service, base, request_trace_times);
    }
    check_load_balancer(&mut c, file);
    check_fargate_spot(&mut c, file, base);
    check_capacity_providers(&mut c, file, base);
    check_pricing(&mut c, file, base);
    check_expect(&mut c, file, &services);
    c.problems
}

fn check_traffic(c: &mut Checker, prefix: &str, t: &TrafficFile, base: &Path, run_duration: SimDuration) {
    let kind = t.kind;
    let context = format!("traffic kind = \"{}\"", kind_name(kind));
    let uses = |field: &str| -> bool {
        match kind {
            TrafficKind::Constant => field == "rate_per_second",
            TrafficKind::Diurnal => ["peak_per_second", "trough_per_second", "period", "peak_at"].contains(&field),
            TrafficKind::Step => ["before_per_second", "after_per_second", "at"].contains(&field),
            TrafficKind::Spike => ["base_per_second", "spike_per_second", "start", "duration"].contains(&field),
            TrafficKind::CountTrace => field == "file",
            TrafficKind::RequestTrace => [
                "file",
                "service_time_column",
                "response_bytes_column",
                "path_column",
                "method_column",
                "host_column",
                "header_columns",
            ]
            .contains(&field),
            TrafficKind::AlbAccessLogs => ["files", "reorder_window"].contains(&field),
            TrafficKind::Cloudwatch => ["file", "metric"].contains(&field),
        }
    };
    macro_rules! field_check {
        ($($name:ident),*) => {$(
            if !uses(stringify!($name)) {
                c.unused(&format!("{prefix}.{}", stringify!($name)), &t.$name, &context);
            }
        )*};
    }
    field_check!(
        rate_per_second,
        peak_per_second,
        trough_per_second,
        period,
        peak_at,
        before_per_second,
        after_per_second,
        at,
        base_per_second,
        spike_per_second,
        start,
        duration,
        file,
        service_time_column,
        response_bytes_column,
        path_column,
        method_column,
        host_column,
        header_columns,
        files,
        reorder_window,
        metric
    );
    check_traffic_routes(c, prefix, t);
    match kind {
        TrafficKind::Constant => c.rate(&format!("{prefix}.rate_per_second"), t.rate_per_second),
        TrafficKind::Diurnal => {
            c.rate(&format!("{prefix}.peak_per_second"), t.peak_per_second);
            c.rate(&format!("{prefix}.trough_per_second"), t.trough_per_second);
            if let (Some(peak), Some(trough)) = (t.peak_per_second, t.trough_per_second) {
                if trough > peak {
                    c.problem(
                        format!("{prefix}.trough_per_second"),
                        format!("expected ≤ peak_per_second ({peak}), found {trough}"),
                    );
                }
            }
            if let Some(DurationField(p)) = t.period {
                if p.is_zero() {
                    c.problem(format!("{prefix}.period"), "expected a duration > 0");
                }
            }
        }
        TrafficKind::Step => {
            c.rate(&format!("{prefix}.before_per_second"), t.before_per_second);
            c.rate(&format!("{prefix}.after_per_second"), t.after_per_second);
            c.required_duration(&format!("{prefix}.at"), t.at, false);
        }
        TrafficKind::Spike => {
            c.rate(&format!("{prefix}.base_per_second"), t.base_per_second);
            c.rate(&format!("{prefix}.spike_per_second"), t.spike_per_second);
            c.required_duration(&format!("{prefix}.start"), t.start, false);
            c.required_duration(&format!("{prefix}.duration"), t.duration, true);
        }
        TrafficKind::CountTrace | TrafficKind::RequestTrace => match &t.file {
            None => c.problem(format!("{prefix}.file"), "missing: expected the path of a CSV trace"),
            Some(file) => c.file_exists(&format!("{prefix}.file"), file, base),
        },
        TrafficKind::Cloudwatch => match &t.file {
            None => c.problem(
                format!("{prefix}.file"),
                "missing: expected the path of the JSON that `aws cloudwatch get-metric-data` or \
                 `get-metric-statistics` printed",
            ),
            Some(file) => c.file_exists(&format!("{prefix}.file"), file, base),
        },
        TrafficKind::AlbAccessLogs => check_access_log_files(c, prefix, t, base),
    }
    c.positive_factor(&format!("{prefix}.rate_scale"), t.rate_scale);
    c.positive_factor(&format!("{prefix}.time_scale"), t.time_scale);
    check_traffic_volume(c, prefix, t, run_duration);
}

/// Arrivals are drawn on a nanosecond clock: at more than one a nanosecond
/// they would pile onto one instant (and an absurd rate never got past it).
const MAX_RATE_PER_SECOND: f64 = 1e9;
/// fleetsim simulates a few million requests a second: a run of more than
/// 10¹² would take days, so it is a typo (a rate or a unit), refused at once.
const MAX_REQUESTS_PER_RUN: f64 = 1e12;

fn rate_limit_text() -> String {
    format!("expected at most {MAX_RATE_PER_SECOND:e} requests per second (one a nanosecond, the clock's resolution)")
}

/// A source's highest rate times `rate_scale`, against the clock and the run's
/// length. Traces are bounded as they are read (a bin's count, a row's copies).
fn check_traffic_volume(c: &mut Checker, prefix: &str, t: &TrafficFile, run_duration: SimDuration) {
    let rate_scale = t.rate_scale.unwrap_or(1.0);
    if let Some(scale) = t.rate_scale.filter(|s| s.is_finite() && *s > MAX_REQUESTS_PER_BIN) {
        c.problem(
            format!("{prefix}.rate_scale"),
            format!("expected at most {:e} (copies of one request), found {scale}", MAX_REQUESTS_PER_BIN),
        );
        return;
    }
    let rates = [
        ("rate_per_second", t.rate_per_second),
        ("peak_per_second", t.peak_per_second),
        ("trough_per_second", t.trough_per_second),
        ("before_per_second", t.before_per_second),
        ("after_per_second", t.after_per_second),
        ("base_per_second", t.base_per_second),
        ("spike_per_second", t.spike_per_second),
    ];
    let valid = rates
        .into_iter()
        .filter_map(|(name, r)| Some((name, r?)))
        .filter(|(_, r)| r.is_finite() && *r <= MAX_RATE_PER_SECOND);
    let Some((name, highest)) = valid.fold(None, |best: Option<(&str, f64)>, (name, r)| match best {
        Some((_, b)) if b >= r => best,
        _ => Some((name, r)),
    }) else {
        return;
    };
    if !rate_scale.is_finite() || rate_scale <= 0.0 || highest == 0.0 {
        return; // refused above, or nothing to bound
    }
    // Blame rate_scale when the scenario gives one, else the rate itself.
    let field = if t.rate_scale.is_some() { format!("{prefix}.rate_scale") } else { format!("{prefix}.{name}") };
    let scaled = highest * rate_scale;
    let total = expected_requests(t, run_duration) * rate_scale;
    if scaled > MAX_RATE_PER_SECOND {
        let found = format!("{name} {highest:e} × rate_scale {rate_scale} = {scaled:e}");
        c.problem(field, format!("{}, found {found}", rate_limit_text()));
    } else if total > MAX_REQUESTS_PER_RUN {
        c.problem(
            field,
            format!(
                "expected at most {MAX_REQUESTS_PER_RUN:e} requests in the run (fleetsim simulates a few million \
                 a second), found {total:.3e} (up to {scaled:e} per second over {} s)",
                run_duration.as_secs_f64()
            ),
        );
    }
}

/// About how many requests a Poisson source brings in the run (before
/// `rate_scale`): its profile's integral over the run, a diurnal one
/// bounded above by its mean plus half its swing over one period.
fn expected_requests(t: &TrafficFile, run_duration: SimDuration) -> f64 {
    // A rate refused on its own (negative, not finite, past the clock) counts as none here.
    let rate = |r: Option<f64>| r.filter(|r| r.is_finite() && (0.0..=MAX_RATE_PER_SECOND).contains(r)).unwrap_or(0.0);
    let secs = |d: Option<DurationField>| d.map_or(0.0, |d| d.0.as_secs_f64());
    let run = run_duration.as_secs_f64();
    match t.kind {
        TrafficKind::Constant => rate(t.rate_per_second) * run,
        TrafficKind::Step => {
            let at = secs(t.at).min(run);
            rate(t.before_per_second) * at + rate(t.after_per_second) * (run - at)
        }
        TrafficKind::Spike => {
            let start = secs(t.start).min(run);
            let overlap = secs(t.duration).min(run - start);
            rate(t.base_per_second) * run + (rate(t.spike_per_second) - rate(t.base_per_second)).max(0.0) * overlap
        }
        TrafficKind::Diurnal => {
            let (peak, trough) = (rate(t.peak_per_second), rate(t.trough_per_second));
            let period = t.period.map_or(86_400.0, |p| p.0.as_secs_f64());
            (peak + trough) / 2.0 * run + (peak - trough).abs() / 2.0 * period.min(run)
        }
        _ => 0.0,
    }
}

/// `files`: at least one, each an existing file or folder; the routes come
/// from each entry's request line, so no `routes`.
fn check_access_log_files(c: &mut Checker, prefix: &str, t: &TrafficFile, base: &Path) {
    match t.files.as_ref().map(|f| f.paths()) {
        None | Some([]) => c.problem(
            format!("{prefix}.files"),
            "missing: expected ALB access logs: a folder, a .log.gz file, or a list of them",
        ),
        Some(paths) => {
            for (i, path) in paths.iter().enumerate() {
                let resolved = base.join(path);
                if !resolved.exists() {
                    let field =
                        if paths.len() == 1 { format!("{prefix}.files") } else { format!("{prefix}.files[{i}]") };
                    c.problem(field, format!("not found: {}", resolved.display()));
                }
            }
        }
    }
    if !t.routes.is_empty() {
        c.problem(
            format!("{prefix}.routes"),
            "access logs route each request by its own request line (§11.2); drop routes",
        );
    }
}

pub fn kind_name(kind: TrafficKind) -> &'static str {
    match kind {
        TrafficKind::Constant => "constant",
        TrafficKind::Diurnal => "diurnal",
        TrafficKind::Step => "step",
        TrafficKind::Spike => "spike",
        TrafficKind::CountTrace => "count_trace",
        TrafficKind::RequestTrace => "request_trace",
        TrafficKind::AlbAccessLogs => "alb_access_logs",
        TrafficKind::Cloudwatch => "cloudwatch",
    }
}

fn check_service(c: &mut Checker, file: &ScenarioFile, prefix: &str, s: &ServiceFile, base: &Path, trace_times: bool) {
    let (duration, has_start_time) = (file.duration.0, file.start_time.is_some());
    let field = |name: &str| format!("{prefix}.{name}");
    if let Some(name) = &s.name {
        if name.is_empty() || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
            c.problem(field("name"), format!("expected letters, digits, '-' or '_' (as ECS allows), found \"{name}\""));
        }
    }
    c.count_range(&field("desired_count"), s.desired_count, 0, 5000, "fleetsim's limit per service");
    for (i, change) in s.desired_count_changes.iter().enumerate() {
        c.count_range(
            &format!("{prefix}.desired_count_changes[{i}].desired_count"),
            Some(change.desired_count),
            0,
            5000,
            "fleetsim's limit per service",
        );
        if change.at.0 >= duration {
            c.problem(
                format!("{prefix}.desired_count_changes[{i}].at"),
                "expected a time before the end of the simulation",
            );
        }
    }
    let cpu = s.cpu.unwrap_or(super::lower::DEFAULT_CPU_UNITS);
    let memory = s.memory.unwrap_or(super::lower::DEFAULT_MEMORY_MIB);
    let asg_providers = check_capacity(c, file, prefix, s);
    if s.is_daemon() {
        check_daemon(c, prefix, s, asg_providers.is_some());
    }
    let index = prefix.strip_prefix("services[").and_then(|p| p.strip_suffix(']')).and_then(|i| i.parse().ok());
    check_deployments(c, prefix, s, &super::lower::service_name(s, index.unwrap_or(0)), duration, base);
    match fargate_memory_range(cpu) {
        _ if asg_providers.is_some() => {}
        None => c.problem(
            field("cpu"),
            format!(
                "expected a Fargate task size: 256, 512, 1024, 2048, 4096, 8192 or 16384 CPU units \
                 (aws-semantics §4.1), found {cpu}"
            ),
        ),
        Some((min, max, step)) => {
            // 0.25 vCPU takes 512, 1024 or 2048 MiB: not 1536.
            let invalid_quarter_vcpu = cpu == 256 && memory == 1536;
            if memory < min || memory > max || (memory - min) % step != 0 || invalid_quarter_vcpu {
                c.problem(
                    field("memory"),
                    format!(
                        "expected {min}–{max} MiB in steps of {step} for cpu = {cpu} (Fargate, aws-semantics §4.1), \
                         found {memory}"
                    ),
                );
            }
        }
    }
    check_memory(c, prefix, s, asg_providers.is_some());
    if let Some(concurrency) = s.concurrency {
        if concurrency == 0 || concurrency > MAX_CONCURRENCY {
            c.problem(
                field("concurrency"),
                format!(
                    "expected an integer 1–{MAX_CONCURRENCY} (requests a task serves at once), found {concurrency}"
                ),
            );
        }
    }
    if let Some(vvcpu_per_request) = s.vcpu_per_request {
        let vcpu = f64::from(cpu) / 1024.0;
        if !vvcpu_per_request.is_finite() || vvcpu_per_request <= 0.0 || vvcpu_per_request > vcpu {
            c.problem(
                field("vcpu_per_request"),
                format!("expected vCPU per request in (0, {vcpu}] (the task's vCPU), found {vvcpu_per_request}"),
            );
        }
    }
    check_distribution(c, &field("service_time"), &s.service_time, base, trace_times);
    if let Some(startup) = &s.startup_time {
        check_distribution(c, &field("startup_time"), startup, base, false);
    }
    if let Some(a) = &s.auto_scaling {
        let prefix = field("auto_scaling");
        if a.min_capacity > a.max_capacity {
            c.problem(
                format!("{prefix}.max_capacity"),
                format!("expected ≥ min_capacity ({}), found {}", a.min_capacity, a.max_capacity),
            );
        }
        let desired = s.desired_count.unwrap_or(1);
        if desired < a.min_capacity || desired > a.max_capacity {
            c.problem(
                field("desired_count"),
                format!(
                    "expected within [min_capacity, max_capacity] = [{}, {}], found {desired}",
                    a.min_capacity, a.max_capacity
                ),
            );
        }
        let mut metrics = Vec::new();
        for (i, t) in a.target_tracking.iter().enumerate() {
            let at = format!("{prefix}.target_tracking[{i}]");
            if !t.target_value.is_finite() || t.target_value <= 0.0 {
                c.problem(format!("{at}.target_value"), format!("expected a number > 0, found {}", t.target_value));
            }
            if t.predefined_metric_type.is_some() == t.customized_metric.is_some() {
                c.problem(
                    format!("{at}.predefined_metric_type"),
                    "expected exactly one of predefined_metric_type and customized_metric",
                );
            }
            if t.customized_metric.is_some() && s.worker.is_none() {
                c.problem(
                    format!("{at}.customized_metric"),
                    "sqs_backlog_per_task needs a queue worker (worker = { queue = … })",
                );
            }
            if !s.is_load_balanced()
                && t.predefined_metric_type == Some(super::schema::PredefinedMetricFile::RequestCountPerTarget)
            {
                c.problem(
                    format!("{at}.predefined_metric_type"),
                    "ALBRequestCountPerTarget needs the service's target group; this service has load_balanced = false",
                );
            }
            // Each target tracking policy must use a different metric (§1.6).
            let metric = (t.predefined_metric_type, t.customized_metric);
            if metrics.contains(&metric) {
                c.problem(
                    format!("{at}.predefined_metric_type"),
                    "another policy already tracks this metric (aws-semantics §1.6)",
                );
            }
            metrics.push(metric);
        }
        for (i, step) in a.step_scaling.iter().enumerate() {
            check_step_policy(c, &format!("{prefix}.step_scaling[{i}]"), step);
            use super::schema::ServiceMetricFile::{RequestCount, RequestCountPerTarget};
            if !s.is_load_balanced() && matches!(step.alarm.metric_name, RequestCount | RequestCountPerTarget) {
                c.problem(
                    format!("{prefix}.step_scaling[{i}].alarm.metric_name"),
                    "the ALB's request metrics need the service's target group; this service has load_balanced = false",
                );
            }
            use super::schema::ServiceMetricFile::{ApproximateAgeOfOldestMessage, ApproximateNumberOfMessagesVisible};
            if s.worker.is_none()
                && matches!(step.alarm.metric_name, ApproximateNumberOfMessagesVisible | ApproximateAgeOfOldestMessage)
            {
                c.problem(
                    format!("{prefix}.step_scaling[{i}].alarm.metric_name"),
                    "a queue's metrics need a queue worker (worker = { queue = … }) to say which queue",
                );
            }
        }
        // History kept: 120 periods (2 h of minutes, 40 min of 20-second periods).
        c.duration_range(
            &format!("{prefix}.metric_publication_delay"),
            a.metric_publication_delay,
            0,
            1800,
            "fleetsim keeps two hours of datapoints",
        );
        c.duration_range(
            &format!("{prefix}.high_resolution_publication_delay"),
            a.high_resolution_publication_delay,
            0,
            600,
            "fleetsim keeps 40 minutes of 20-second datapoints",
        );
        if let Some(range) = a.alarm_evaluation_range {
            if range == 0 || range > 60 {
                c.problem(format!("{prefix}.alarm_evaluation_range"), format!("expected 1–60 periods, found {range}"));
            }
        }
        if let Some(w) = &a.what_if {
            for (name, shape) in [("alarm_high", w.alarm_high), ("alarm_low", w.alarm_low)] {
                if let Some(s) = shape {
                    if s.evaluation_periods == 0
                        || s.evaluation_periods > 60
                        || s.datapoints_to_alarm == 0
                        || s.datapoints_to_alarm > s.evaluation_periods
                    {
                        c.problem(
                            format!("{prefix}.what_if.{name}"),
                            format!(
                                "expected 1 ≤ datapoints_to_alarm ≤ evaluation_periods ≤ 60, found {} of {}",
                                s.datapoints_to_alarm, s.evaluation_periods
                            ),
                        );
                    }
                }
            }
            // What-if periods: any multiple of the 20-second period fleetsim measures.
            let mut periods = Vec::new();
            for (name, value, high_resolution) in [
                ("metric_period", w.metric_period, false),
                ("high_resolution_metric_period", w.high_resolution_metric_period, true),
            ] {
                let Some(DurationField(period)) = value else { continue };
                let field = format!("{prefix}.what_if.{name}");
                if period.is_zero() || period.as_nanos() % 20_000_000_000 != 0 || period > SimDuration::from_secs(3600)
                {
                    c.problem(
                        &field,
                        format!("expected a multiple of 20 s up to 1 h, found {} s", period.as_secs_f64()),
                    );
                    continue;
                }
                let tracks = a.target_tracking.iter().any(|t| {
                    use super::schema::PredefinedMetricFile::{CpuHighResolution, MemoryHighResolution};
                    matches!(t.predefined_metric_type, Some(CpuHighResolution | MemoryHighResolution))
                        == high_resolution
                });
                if !tracks {
                    c.problem(&field, "no target tracking policy reads datapoints of this period; remove it");
                }
                periods.push((field, period));
            }
            let aws = TargetTrackingAlarms::default();
            let longest = [
                w.alarm_high.map_or(aws.high.1, |s| s.evaluation_periods),
                w.alarm_low.map_or(aws.low.1, |s| s.evaluation_periods),
            ]
            .into_iter()
            .max()
            .unwrap_or(aws.low.1)
            .max(a.alarm_evaluation_range.unwrap_or(0));
            for (field, period) in periods {
                check_alarm_span(c, &field, period, longest);
            }
            if let Some(share) = w.scale_in_threshold_share {
                if !(share > 0.0 && share <= 1.0) {
                    c.problem(
                        format!("{prefix}.what_if.scale_in_threshold_share"),
                        format!("expected (0, 1], found {share}"),
                    );
                }
            }
        }
        for (i, action) in a.scheduled_actions.iter().enumerate() {
            let at = format!("{prefix}.scheduled_actions[{i}]");
            c.schedule(
                (&format!("{at}.schedule"), &action.schedule),
                (&format!("{at}.timezone"), action.timezone.as_deref()),
                has_start_time,
            );
            if action.min_capacity.is_none() && action.max_capacity.is_none() {
                c.problem(&at, "expected min_capacity, max_capacity or both (§1.9)");
            }
            if let (Some(min), Some(max)) = (action.min_capacity, action.max_capacity) {
                if min > max {
                    c.problem(format!("{at}.max_capacity"), format!("expected ≥ min_capacity ({min}), found {max}"));
                }
            }
        }
    }
    // Fargate: 2–120 s (aws-semantics §2.5).
    c.duration_range(&field("stop_timeout"), s.stop_timeout, 2, 120, "Fargate stopTimeout, aws-semantics §2.5");
}

/// CloudWatch: an alarm's period × evaluation periods is at most one day (§6).
fn check_alarm_span(c: &mut Checker, field: &str, period: SimDuration, evaluation_periods: usize) {
    let span = period.as_secs_f64() * evaluation_periods as f64;
    if span > 86_400.0 {
        c.problem(
            field,
            format!(
                "period × evaluation periods is at most one day in CloudWatch; found {} s × {evaluation_periods}",
                period.as_secs_f64()
            ),
        );
    }
}

/// A step policy and its alarm (aws-semantics §1.8, API model).
fn check_step_policy(c: &mut Checker, prefix: &str, p: &super::schema::StepScalingFile) {
    use super::schema::AdjustmentTypeFile;
    let a = &p.alarm;
    let period = a.period.map_or(SimDuration::from_secs(60), |d| d.0);
    // ECS metrics are one-minute metrics: an alarm's period is a multiple of 60 s (§6).
    if period.is_zero() || period.as_nanos() % 60_000_000_000 != 0 {
        c.problem(
            format!("{prefix}.alarm.period"),
            format!("expected a multiple of 60 s (ECS publishes one-minute metrics), found {} s", period.as_secs_f64()),
        );
    }
    if a.evaluation_periods == 0 || a.evaluation_periods > 60 {
        c.problem(
            format!("{prefix}.alarm.evaluation_periods"),
            format!("expected 1–60 (fleetsim keeps an hour of datapoints), found {}", a.evaluation_periods),
        );
    }
    check_alarm_span(c, &format!("{prefix}.alarm.period"), period, a.evaluation_periods);
    if let Some(m) = a.datapoints_to_alarm {
        if m == 0 || m > a.evaluation_periods {
            c.problem(
                format!("{prefix}.alarm.datapoints_to_alarm"),
                format!("expected 1–evaluation_periods ({}), found {m}", a.evaluation_periods),
            );
        }
    }
    if !a.threshold.is_finite() {
        c.problem(format!("{prefix}.alarm.threshold"), "expected a finite number");
    }
    let field = format!("{prefix}.step_adjustments");
    if p.step_adjustments.is_empty() {
        c.problem(&field, "expected at least one step");
    }
    if p.min_adjustment_magnitude.is_some() && p.adjustment_type != AdjustmentTypeFile::PercentChangeInCapacity {
        c.problem(format!("{prefix}.min_adjustment_magnitude"), "used only with PercentChangeInCapacity (§1.8)");
    }
    let mut bounds: Vec<(f64, f64)> = Vec::new();
    for (i, step) in p.step_adjustments.iter().enumerate() {
        let lower = step.metric_interval_lower_bound.unwrap_or(f64::NEG_INFINITY);
        let upper = step.metric_interval_upper_bound.unwrap_or(f64::INFINITY);
        if lower.is_infinite() && upper.is_infinite() {
            c.problem(format!("{field}[{i}]"), "a step may not leave both bounds null (§1.8)");
        } else if lower >= upper {
            c.problem(format!("{field}[{i}]"), format!("expected lower bound < upper bound, found {lower} ≥ {upper}"));
        }
        if p.adjustment_type == AdjustmentTypeFile::ExactCapacity && step.scaling_adjustment < 0 {
            c.problem(format!("{field}[{i}].scaling_adjustment"), "ExactCapacity needs a value ≥ 0 (§1.8)");
        }
        bounds.push((lower, upper));
    }
    bounds.sort_by(|x, y| x.0.total_cmp(&y.0));
    for pair in bounds.windows(2) {
        if pair[0].1 != pair[1].0 {
            c.problem(
                &field,
                format!("steps must neither overlap nor leave gaps (§1.8): {} then {}", pair[0].1, pair[1].0),
            );
        }
    }
    let any_negative_lower = bounds.iter().any(|b| b.0.is_finite() && b.0 < 0.0);
    let any_positive_upper = bounds.iter().any(|b| b.1.is_finite() && b.1 > 0.0);
    if any_negative_lower && !bounds.iter().any(|b| b.0.is_infinite()) {
        c.problem(&field, "a negative lower bound needs a step with a null lower bound (§1.8)");
    }
    if any_positive_upper && !bounds.iter().any(|b| b.1.is_infinite()) {
        c.problem(&field, "a positive upper bound needs a step with a null upper bound (§1.8)");
    }
}

/// Where a service's tasks run (aws-semantics §4.1, §4.4, §5). Returns the
/// ASG providers (by index in the file) when the service runs on EC2.
fn check_capacity(c: &mut Checker, file: &ScenarioFile, prefix: &str, s: &ServiceFile) -> Option<Vec<usize>> {
    let field = |name: &str| format!("{prefix}.{name}");
    let asg_index = |name: &str| file.capacity_providers.iter().position(|p| p.name == name);
    let on_asg: Option<Vec<usize>> = match (&s.capacity_provider_strategy, s.launch_type) {
        (None, Some(LaunchTypeFile::Ec2)) => {
            if file.capacity_providers.len() != 1 {
                c.problem(
                    field("launch_type"),
                    format!(
                        "\"EC2\" takes the cluster's one [[capacity_providers]] entry; found {}: name one in a \
                         capacity_provider_strategy instead",
                        file.capacity_providers.len()
                    ),
                );
                None
            } else {
                Some(vec![0])
            }
        }
        (Some(items), _) => {
            let asg: Vec<usize> = items.iter().filter_map(|i| asg_index(&i.capacity_provider)).collect();
            if !asg.is_empty() && asg.len() < items.len() {
                c.problem(
                    field("capacity_provider_strategy"),
                    "a strategy holds Fargate providers or ASG providers, not both (§4.4)",
                );
            }
            Some(asg).filter(|a| !a.is_empty())
        }
        (None, _) => None,
    };
    if on_asg.is_none() {
        c.count_range(&field("ephemeral_storage_gib"), s.ephemeral_storage_gib, 20, 200, "Fargate, aws-semantics §4.1");
        if s.placement_strategy.is_some() || !s.placement_constraints.is_empty() {
            c.problem(
                field("placement_strategy"),
                "placement strategies and constraints apply on EC2 only, not on Fargate (§5.2)",
            );
        }
    }
    check_placement(c, prefix, s);
    if let Some(providers) = &on_asg {
        check_fits_instances(c, file, prefix, s, providers);
    }
    let Some(items) = &s.capacity_provider_strategy else { return on_asg };
    let strategy = field("capacity_provider_strategy");
    if s.launch_type.is_some() {
        c.problem(
            field("launch_type"),
            "a service sets a launch_type or a capacity_provider_strategy, not both (§4.4)",
        );
    }
    if items.is_empty() || items.len() > 20 {
        c.problem(&strategy, format!("expected 1–20 items (§4.4), found {}", items.len()));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{strategy}[{i}]");
        let name = item.capacity_provider.as_str();
        if super::lower::provider_id(file, name).is_none() {
            let mut known = vec!["\"FARGATE\"".to_string(), "\"FARGATE_SPOT\"".to_string()];
            known.extend(file.capacity_providers.iter().map(|p| format!("\"{}\"", p.name)));
            c.problem(
                format!("{at}.capacity_provider"),
                format!("expected one of {}, found \"{name}\"", known.join(", ")),
            );
        }
        if seen.contains(&name) {
            c.problem(format!("{at}.capacity_provider"), format!("\"{name}\" is listed twice"));
        }
        seen.push(name);
        c.count_range(&format!("{at}.weight"), item.weight, 0, 1000, "§4.4");
        c.count_range(&format!("{at}.base"), item.base, 0, 100_000, "§4.4");
    }
    if items.iter().filter(|item| item.base.unwrap_or(0) > 0).count() > 1 {
        c.problem(&strategy, "only one item may set a base (§4.4)");
    }
    if !items.is_empty() && items.iter().all(|item| item.weight.unwrap_or(0) == 0) {
        c.problem(&strategy, "expected at least one weight above 0; the API's default weight is 0 (§4.4)");
    }
    on_asg
}

/// A custom CodeDeploy configuration: the block its type needs, whole
/// percentages and minutes. Model choice: a canary's share 1–99 (100 is
/// AllAtOnce), a linear step 1–100, intervals 1–2,880 minutes (CodeDeploy's
/// longest wait).
fn check_traffic_routing_config(c: &mut Checker, field: &str, config: &TrafficRoutingConfigFile) {
    let (canary, linear) = (config.time_based_canary.as_ref(), config.time_based_linear.as_ref());
    match config.kind {
        TrafficRoutingKind::TimeBasedCanary => match canary {
            None => c.problem(format!("{field}.time_based_canary"), "missing: TimeBasedCanary needs it"),
            Some(k) => {
                c.count_range(
                    &format!("{field}.time_based_canary.canary_percentage"),
                    Some(k.canary_percentage),
                    1,
                    99,
                    "percent",
                );
                c.count_range(
                    &format!("{field}.time_based_canary.canary_interval"),
                    Some(k.canary_interval),
                    1,
                    2880,
                    "minutes",
                );
            }
        },
        TrafficRoutingKind::TimeBasedLinear => match linear {
            None => c.problem(format!("{field}.time_based_linear"), "missing: TimeBasedLinear needs it"),
            Some(l) => {
                c.count_range(
                    &format!("{field}.time_based_linear.linear_percentage"),
                    Some(l.linear_percentage),
                    1,
                    100,
                    "percent",
                );
                c.count_range(
                    &format!("{field}.time_based_linear.linear_interval"),
                    Some(l.linear_interval),
                    1,
                    2880,
                    "minutes",
                );
            }
        },
        TrafficRoutingKind::AllAtOnce => {}
    }
    if canary.is_some() && config.kind != TrafficRoutingKind::TimeBasedCanary {
        c.problem(format!("{field}.time_based_canary"), "only with type = \"TimeBasedCanary\"");
    }
    if linear.is_some() && config.kind != TrafficRoutingKind::TimeBasedLinear {
        c.problem(format!("{field}.time_based_linear"), "only with type = \"TimeBasedLinear\"");
    }
}

/// Blue/green settings (§2.7): one controller, a known configuration, AWS's ranges.
fn check_traffic_shifting(c: &mut Checker, prefix: &str, d: &DeploymentConfigurationFile) {
    let at = |f: &str| format!("{prefix}.deployment_configuration.{f}");
    let strategy = d.strategy.unwrap_or(StrategyFile::Rolling);
    if let Some(cd) = &d.code_deploy {
        if d.strategy.is_some() {
            c.problem(at("code_deploy"), "a service has the CODE_DEPLOY controller or an ECS strategy, not both");
        }
        let predefined = super::lower::code_deploy_steps(&cd.deployment_config).is_some();
        match &cd.traffic_routing_config {
            None if !predefined => c.problem(
                at("code_deploy.deployment_config"),
                format!(
                    "expected a predefined configuration (CodeDeployDefault.ECSAllAtOnce, …ECSCanary10Percent5Minutes, \
                     …ECSCanary10Percent15Minutes, …ECSLinear10PercentEvery1Minutes, …ECSLinear10PercentEvery3Minutes), \
                     or a custom one with traffic_routing_config, found \"{}\"",
                    cd.deployment_config
                ),
            ),
            Some(_) if predefined || cd.deployment_config.starts_with("CodeDeployDefault.") => c.problem(
                at("code_deploy.deployment_config"),
                "the CodeDeployDefault. prefix is CodeDeploy's own; name the custom configuration otherwise",
            ),
            Some(custom) => check_traffic_routing_config(c, &at("code_deploy.traffic_routing_config"), custom),
            None => {}
        }
        c.count_range(
            &at("code_deploy.termination_wait_time_in_minutes"),
            cd.termination_wait_time_in_minutes,
            0,
            2880,
            "§2.7",
        );
    }
    c.count_range(&at("bake_time_in_minutes"), d.bake_time_in_minutes, 0, 1440, "§2.7");
    if strategy == StrategyFile::BlueGreen && d.bake_time_in_minutes.is_none() && d.code_deploy.is_none() {
        c.problem(at("bake_time_in_minutes"), "BLUE_GREEN needs bake_time_in_minutes (§2.7)");
    }
    if let Some(l) = &d.linear_configuration {
        if strategy != StrategyFile::Linear {
            c.problem(at("linear_configuration"), "only with strategy = \"LINEAR\"");
        }
        if let Some(p) = l.step_percent {
            if !(3.0..=100.0).contains(&p) {
                c.problem(at("linear_configuration.step_percent"), format!("expected 3.0–100.0 (§2.7), found {p}"));
            }
        }
        c.count_range(
            &at("linear_configuration.step_bake_time_in_minutes"),
            l.step_bake_time_in_minutes,
            0,
            1440,
            "§2.7",
        );
    }
    if let Some(k) = &d.canary_configuration {
        if strategy != StrategyFile::Canary {
            c.problem(at("canary_configuration"), "only with strategy = \"CANARY\"");
        }
        if let Some(p) = k.canary_percent {
            if !(0.1..=100.0).contains(&p) {
                c.problem(at("canary_configuration.canary_percent"), format!("expected 0.1–100.0 (§2.7), found {p}"));
            }
        }
        c.count_range(
            &at("canary_configuration.canary_bake_time_in_minutes"),
            k.canary_bake_time_in_minutes,
            0,
            1440,
            "§2.7",
        );
    }
    if let Some(a) = &d.rollback_alarm {
        if strategy == StrategyFile::Rolling && d.code_deploy.is_none() {
            c.problem(at("rollback_alarm"), "fleetsim's rollback alarm watches a traffic-shifting deployment's new target group; give a strategy or code_deploy");
        }
        if a.threshold == 0 {
            c.problem(at("rollback_alarm.threshold"), "expected at least 1 request");
        }
        c.count_range(&at("rollback_alarm.evaluation_periods"), a.evaluation_periods, 1, 60, "minutes");
    }
}

/// `[expect]`: at least one bound, each with a min or a max in order.
fn check_expect(c: &mut Checker, file: &ScenarioFile, services: &[(String, &ServiceFile)]) {
    let Some(e) = &file.expect else { return };
    c.count_range("expect.seeds", e.seeds, 1, 1000, "fleetsim's limit");
    let mut any = check_bounds(c, e, "expect");
    let names: Vec<String> = services.iter().enumerate().map(|(i, (_, s))| super::lower::service_name(s, i)).collect();
    for (name, table) in e.services.iter().flatten() {
        let prefix = format!("expect.services.{name}");
        if !names.contains(name) {
            let known = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
            c.problem(&prefix, format!("no service of that name: expected one of the services ({known})"));
        }
        if table.seeds.is_some() {
            c.problem(format!("{prefix}.seeds"), "seeds are the whole [expect] table's: set them in [expect]");
        }
        if table.services.is_some() {
            c.problem(format!("{prefix}.services"), "expected bounds on this service, not another services table");
        }
        if !check_bounds(c, table, &prefix) {
            c.problem(&prefix, "expected at least one bound on the service, such as availability = { min = 0.999 }");
        }
        any = true;
        // A queue worker or a scheduled job answers no requests: a bound on
        // request figures would hold whatever happens.
        let service = names.iter().position(|n| n == name).map(|i| services[i].1);
        if let Some(kind) = service.and_then(|s| {
            if s.worker.is_some() {
                Some("a queue worker")
            } else if s.schedule.is_some() {
                Some("a scheduled job")
            } else {
                None
            }
        }) {
            use crate::check::Metric;
            let request_figures = [
                Metric::Requests,
                Metric::Availability,
                Metric::LatencyP50Ms,
                Metric::LatencyP99Ms,
                Metric::MeanQueueTimeMs,
                Metric::CostPerMillionRequestsUsd,
                Metric::FailedRequests,
            ];
            for metric in request_figures.into_iter().filter(|&m| table.bound(m).is_some()) {
                c.problem(
                    format!("{prefix}.{}", metric.key()),
                    format!("{name} is {kind}: it answers no requests, so a bound on this figure would always hold"),
                );
            }
        }
    }
    if !any {
        c.problem("expect", "expected at least one bound, such as availability = { min = 0.999 }");
    }
}

/// One table's bounds, each with a min, a max or both; true when it has any.
fn check_bounds(c: &mut Checker, e: &super::schema::ExpectFile, prefix: &str) -> bool {
    let mut any = false;
    for metric in crate::check::Metric::ALL {
        let Some(bound) = e.bound(metric) else { continue };
        any = true;
        let field = format!("{prefix}.{}", metric.key());
        for (name, value) in [("min", bound.min), ("max", bound.max)] {
            if value.is_some_and(|v| !v.is_finite()) {
                c.problem(format!("{field}.{name}"), "expected a finite number");
            }
        }
        match (bound.min, bound.max) {
            (None, None) => c.problem(&field, "expected a min, a max or both"),
            (Some(lo), Some(hi)) if lo > hi => c.problem(&field, format!("min {lo} is above max {hi}")),
            _ => {}
        }
        // A bound no run can meet is a mistake in the bound, not a failed check.
        let (lowest, highest) = metric.possible_range();
        if let Some(min) = bound.min.filter(|&m| m > highest) {
            c.problem(
                format!("{field}.min"),
                format!("expected at most {highest} (the figure's largest value), found {min}"),
            );
        }
        if let Some(max) = bound.max.filter(|&m| m < lowest) {
            c.problem(
                format!("{field}.max"),
                format!("expected at least {lowest} (the figure's smallest value), found {max}"),
            );
        }
    }
    any
}

/// A probability in [0, 1].
fn check_probability(c: &mut Checker, field: &str, value: Option<f64>) {
    if let Some(p) = value {
        if !(0.0..=1.0).contains(&p) {
            c.problem(field, format!("expected a probability 0–1, found {p}"));
        }
    }
}

/// Fault injection, `deploymentConfiguration` and `[[service.deployments]]` (§2.2, §2.4).
fn check_deployments(
    c: &mut Checker,
    prefix: &str,
    s: &ServiceFile,
    service_name: &str,
    duration: SimDuration,
    base: &Path,
) {
    check_probability(c, &format!("{prefix}.start_failure_probability"), s.start_failure_probability);
    check_probability(c, &format!("{prefix}.health_check_failure_probability"), s.health_check_failure_probability);
    if let Some(d) = &s.deployment_configuration {
        let at = |f: &str| format!("{prefix}.deployment_configuration.{f}");
        c.count_range(&at("minimum_healthy_percent"), d.minimum_healthy_percent, 0, 100, "§2.2");
        c.count_range(&at("maximum_percent"), d.maximum_percent, 100, 2000, "§2.2; fleetsim's upper bound");
        check_traffic_shifting(c, prefix, d);
        if let Some(b) = &d.deployment_circuit_breaker {
            if let Some(t) = &b.threshold {
                let ok = match t.kind {
                    ThresholdKind::Count => t.value >= 1.0 && t.value.fract() == 0.0 && t.value <= 10_000.0,
                    _ => t.value > 0.0 && t.value <= 100.0,
                };
                if !ok {
                    c.problem(
                        at("deployment_circuit_breaker.threshold.value"),
                        format!("expected a whole count ≥ 1 for COUNT, or a percentage in (0, 100], found {}", t.value),
                    );
                }
            }
        }
    }
    check_container_health_check(c, &format!("{prefix}.container_health_check"), s.container_health_check.as_ref());
    if !s.is_load_balanced() {
        if let Some(d) = &s.deployment_configuration {
            if d.code_deploy.is_some() || d.strategy.is_some_and(|k| k != StrategyFile::Rolling) {
                c.problem(
                    format!("{prefix}.deployment_configuration"),
                    "blue/green, linear and canary deployments shift traffic at a load balancer (§2.7); \
                     this service has load_balanced = false",
                );
            }
        }
    }
    let mut previous = SimDuration::ZERO;
    let mut names = vec![format!("{service_name}:1")];
    for (k, d) in s.deployments.iter().enumerate() {
        let at = |f: &str| format!("{prefix}.deployments[{k}].{f}");
        let name = d.name.clone().unwrap_or_else(|| format!("{service_name}:{}", k + 2));
        if names.contains(&name) {
            c.problem(
                at("name"),
                format!("\"{name}\" names another revision of the service; revision names must differ"),
            );
        }
        names.push(name);
        if d.at.0 >= duration {
            c.problem(at("at"), "expected a time before the end of the simulation");
        }
        if k > 0 && d.at.0 <= previous {
            c.problem(at("at"), "expected deployments in time order, each after the one before");
        }
        previous = d.at.0;
        if let Some(scale) = d.service_time_scale {
            if !(scale.is_finite() && scale > 0.0 && scale <= 100.0) {
                c.problem(at("service_time_scale"), format!("expected a factor in (0, 100], found {scale}"));
            }
        }
        if let Some(v) = d.vcpu_per_request {
            let task_vcpu = f64::from(s.cpu.unwrap_or(super::lower::DEFAULT_CPU_UNITS)) / 1024.0;
            if !(v > 0.0 && v <= task_vcpu) {
                c.problem(at("vcpu_per_request"), format!("expected (0, {task_vcpu}] vCPU (the task's), found {v}"));
            }
        }
        for (field, value) in [
            ("memory_baseline_mib", d.memory_baseline_mib),
            ("memory_per_request_mib", d.memory_per_request_mib),
            ("memory_leak_per_request_mib", d.memory_leak_per_request_mib),
            ("memory_leak_per_hour_mib", d.memory_leak_per_hour_mib),
        ] {
            if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
                c.problem(at(field), format!("expected MiB ≥ 0, found {}", value.unwrap_or_default()));
            }
        }
        check_probability(c, &at("start_failure_probability"), d.start_failure_probability);
        check_probability(c, &at("health_check_failure_probability"), d.health_check_failure_probability);
        if let Some(dist) = &d.startup_time {
            check_distribution(c, &at("startup_time"), dist, base, false);
        }
        c.duration_range(&at("stop_timeout"), d.stop_timeout, 2, 120, "Fargate, §2.5");
        check_container_health_check(c, &at("container_health_check"), d.container_health_check.as_ref());
    }
}

/// `routes`: each share in (0, 1], together at most 1, each path absolute;
/// not with a request trace's own path column.
fn check_traffic_routes(c: &mut Checker, prefix: &str, t: &TrafficFile) {
    if t.path_column.is_none() {
        let given = [("method_column", t.method_column.is_some()), ("host_column", t.host_column.is_some())];
        let given = given.into_iter().chain([("header_columns", t.header_columns.is_some())]);
        if let Some((field, _)) = given.into_iter().find(|(_, set)| *set) {
            c.problem(format!("{prefix}.{field}"), "only with path_column (the request line's path)");
        }
    }
    let headers: Vec<&String> = t.header_columns.iter().flat_map(|h| h.keys()).collect();
    for (i, header) in headers.iter().enumerate() {
        let field = format!("{prefix}.header_columns.{header}");
        if let Some(other) = headers[..i].iter().find(|h| h.eq_ignore_ascii_case(header)) {
            c.problem(field, format!("the same header as \"{other}\" (header names are case-insensitive)"));
        } else if header.eq_ignore_ascii_case("host") {
            c.problem(field, "the Host header is host_column's (matched by host-header, §10.2)");
        } else if header.is_empty() || !header.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            c.problem(field, "expected an HTTP header name (visible ASCII characters, no colon)");
        }
    }
    if !t.routes.is_empty() && t.path_column.is_some() {
        c.problem(
            format!("{prefix}.routes"),
            "a request trace with path_column routes each request by its own path; drop routes",
        );
    }
    let mut total = 0.0;
    for (i, route) in t.routes.iter().enumerate() {
        if !(route.share.is_finite() && route.share > 0.0 && route.share <= 1.0) {
            c.problem(
                format!("{prefix}.routes[{i}].share"),
                format!("expected a share in (0, 1], found {}", route.share),
            );
        } else {
            total += route.share;
        }
        if !route.path.starts_with('/') {
            c.problem(
                format!("{prefix}.routes[{i}].path"),
                format!("expected a path starting with /, found \"{}\"", route.path),
            );
        }
    }
    if total > 1.0 + 1e-9 {
        c.problem(
            format!("{prefix}.routes"),
            format!("the shares add up to {total}, above 1 (the rest of 1 goes to GET /)"),
        );
    }
}

/// Calls between services: each callee a known, load-balanced service other
/// than the caller; probability (0, 1], count 1–100, a timeout above 0; and
/// no cycle (a request would wait on itself).
fn check_calls(c: &mut Checker, services: &[(String, &ServiceFile)]) {
    let names: Vec<String> = services.iter().enumerate().map(|(i, (_, s))| super::lower::service_name(s, i)).collect();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
    for (i, (prefix, service)) in services.iter().enumerate() {
        for (k, call) in service.calls.iter().enumerate() {
            let at = |f: &str| format!("{prefix}.calls[{k}].{f}");
            match names.iter().position(|n| *n == call.service) {
                None => c.problem(
                    at("service"),
                    format!(
                        "expected one of the services ({}), found \"{}\"",
                        names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "),
                        call.service
                    ),
                ),
                Some(j) if j == i => c.problem(at("service"), "a service cannot call itself"),
                Some(j) if !services[j].1.is_load_balanced() => c.problem(
                    at("service"),
                    format!(
                        "\"{}\" has load_balanced = false; calls reach a service through its target group",
                        call.service
                    ),
                ),
                Some(j) => {
                    if services[j].1.service_time.distribution == DistributionKind::Trace {
                        c.problem(
                            at("service"),
                            format!(
                                "\"{}\" takes its service times from the trace, which its calls do not carry; give it a distribution",
                                call.service
                            ),
                        );
                    }
                    edges[i].push(j)
                }
            }
            if let Some(p) = call.probability {
                if !(p > 0.0 && p <= 1.0) {
                    c.problem(at("probability"), format!("expected a probability in (0, 1], found {p}"));
                }
            }
            c.count_range(&at("count"), call.count, 1, 100, "fleetsim's limit");
            if call.timeout.is_some_and(|t| t.0.is_zero()) {
                c.problem(at("timeout"), "expected a duration above 0");
            }
        }
    }
    for (prefix, service) in services {
        let total: u32 = service.calls.iter().map(|call| call.count.unwrap_or(1).min(1000)).sum();
        if total > 100 {
            c.problem(
                format!("{prefix}.calls"),
                format!("expected at most 100 calls a request in all (fleetsim's limit), found {total}"),
            );
        }
    }
    // A cycle, found by depth-first search from each service in order.
    fn visit(node: usize, edges: &[Vec<usize>], state: &mut [u8], path: &mut Vec<usize>) -> Option<Vec<usize>> {
        state[node] = 1;
        path.push(node);
        for &next in &edges[node] {
            if state[next] == 1 {
                let start = path.iter().position(|&n| n == next).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(next);
                return Some(cycle);
            }
            if state[next] == 0 {
                if let Some(cycle) = visit(next, edges, state, path) {
                    return Some(cycle);
                }
            }
        }
        state[node] = 2;
        path.pop();
        None
    }
    let mut state = vec![0u8; services.len()];
    for start in 0..services.len() {
        if state[start] == 0 {
            if let Some(cycle) = visit(start, &edges, &mut state, &mut Vec::new()) {
                let shown: Vec<&str> = cycle.iter().map(|&n| names[n].as_str()).collect();
                c.problem(
                    format!("{}.calls", services[cycle[0]].0),
                    format!("the calls form a cycle ({}); a request would wait on itself", shown.join(" → ")),
                );
                return;
            }
        }
    }
}

/// The listener's rules and default action (aws-semantics §10): priorities
/// 1–50,000 and unique, at most 100 rules, ELB's limits on conditions, and
/// every target group naming a service behind the load balancer.
fn check_listener(c: &mut Checker, file: &ScenarioFile, services: &[(String, &ServiceFile)]) {
    let lb = &file.load_balancer;
    if lb.rules.len() > 100 {
        c.problem(
            "load_balancer.rules",
            format!("expected at most 100 rules (§10.4's quota), found {}", lb.rules.len()),
        );
    }
    let names: Vec<String> = services.iter().enumerate().map(|(i, (_, s))| super::lower::service_name(s, i)).collect();
    let mut priorities: Vec<(u32, usize)> = Vec::new();
    for (i, rule) in lb.rules.iter().enumerate() {
        let at = |f: &str| format!("load_balancer.rules[{i}].{f}");
        c.count_range(&at("priority"), Some(rule.priority), 1, 50_000, "§10.1");
        if let Some(&(_, j)) = priorities.iter().find(|(p, _)| *p == rule.priority) {
            c.problem(at("priority"), format!("{} is also rules[{j}]'s; priorities are unique (§10.1)", rule.priority));
        }
        priorities.push((rule.priority, i));
        check_conditions(c, &at("conditions"), &rule.conditions);
        check_action(c, &at("action"), &rule.action, &names, services);
    }
    if let Some(action) = &lb.default_action {
        check_action(c, "load_balancer.default_action", action, &names, services);
    }
}

/// A rule's conditions (§10.2): at least one; at most one each of
/// path-pattern, host-header and http-request-method; values present, ≤ 128
/// characters; at most 5 values and 5 wildcards in the rule.
fn check_conditions(c: &mut Checker, field: &str, conditions: &[ConditionFile]) {
    if conditions.is_empty() {
        c.problem(field, "expected at least one condition (only the default rule has none, §10.1)");
    }
    let (mut values, mut wildcards) = (0, 0);
    for (k, condition) in conditions.iter().enumerate() {
        let at = |f: &str| format!("{field}[{k}].{f}");
        let single = matches!(
            condition.field,
            ConditionFieldFile::PathPattern | ConditionFieldFile::HostHeader | ConditionFieldFile::HttpRequestMethod
        );
        if single && conditions[..k].iter().any(|other| other.field == condition.field) {
            c.problem(at("field"), "at most one condition of this field per rule (§10.2)");
        }
        let is_query = condition.field == ConditionFieldFile::QueryString;
        match (is_query, condition.values.is_empty(), condition.query_string.is_empty()) {
            (true, _, true) => c.problem(at("query_string"), "expected at least one { key, value } pair"),
            (true, false, _) => c.problem(at("values"), "query-string takes query_string pairs, not values"),
            (false, true, _) => c.problem(at("values"), "expected at least one value"),
            (false, _, false) => c.problem(at("query_string"), "only with field = \"query-string\""),
            _ => {}
        }
        match (&condition.http_header_name, condition.field == ConditionFieldFile::HttpHeader) {
            (None, true) => c.problem(at("http_header_name"), "missing: http-header names its header"),
            (Some(name), true) if name.eq_ignore_ascii_case("host") => {
                c.problem(at("http_header_name"), "the Host header is matched by host-header (§10.2)")
            }
            (Some(_), false) => c.problem(at("http_header_name"), "only with field = \"http-header\""),
            _ => {}
        }
        let texts: Vec<&str> = condition
            .values
            .iter()
            .map(String::as_str)
            .chain(condition.query_string.iter().flat_map(|q| q.key.as_deref().into_iter().chain([q.value.as_str()])))
            .collect();
        for text in &texts {
            if text.len() > 128 {
                c.problem(at("values"), format!("expected values of at most 128 characters (§10.2), found \"{text}\""));
            }
        }
        if condition.values.len() + condition.query_string.len() > 3 {
            c.problem(
                at("values"),
                format!(
                    "expected at most 3 values a condition (§10.2), found {}",
                    condition.values.len() + condition.query_string.len()
                ),
            );
        }
        values += condition.values.len() + condition.query_string.len();
        wildcards += texts.iter().map(|t| t.matches(['*', '?']).count()).sum::<usize>();
    }
    if values > 5 {
        c.problem(field, format!("expected at most 5 condition values in a rule (§10.2), found {values}"));
    }
    if wildcards > 5 {
        c.problem(field, format!("expected at most 5 wildcards in a rule (§10.2), found {wildcards}"));
    }
}

/// `forward` to target groups named by their services (load balanced), with
/// weights 0–999 (§10.3), or a `fixed_response`.
fn check_action(
    c: &mut Checker,
    field: &str,
    action: &ActionFile,
    names: &[String],
    services: &[(String, &ServiceFile)],
) {
    let check_group = |c: &mut Checker, at: String, name: &str| match names.iter().position(|n| n == name) {
        None => c.problem(
            at,
            format!(
                "expected a target group named after a service ({}), found \"{name}\"",
                names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
            ),
        ),
        Some(i) if !services[i].1.is_load_balanced() => {
            c.problem(at, format!("service \"{name}\" has load_balanced = false: it has no target group"))
        }
        Some(_) => {}
    };
    match (&action.forward, &action.fixed_response) {
        (Some(_), Some(_)) | (None, None) => c.problem(field, "expected one of forward or fixed_response"),
        (Some(ForwardFile::One(name)), None) => check_group(c, format!("{field}.forward"), name),
        (Some(ForwardFile::Weighted(groups)), None) => {
            if groups.is_empty() || groups.len() > 5 {
                c.problem(
                    format!("{field}.forward"),
                    format!("expected 1–5 target groups (§10.3), found {}", groups.len()),
                );
            }
            for (g, group) in groups.iter().enumerate() {
                check_group(c, format!("{field}.forward[{g}].target_group"), &group.target_group);
                c.count_range(&format!("{field}.forward[{g}].weight"), Some(group.weight), 0, 999, "§10.3");
                if groups[..g].iter().any(|other| other.target_group == group.target_group) {
                    c.problem(format!("{field}.forward[{g}].target_group"), "listed twice in one forward");
                }
            }
            if !groups.is_empty() && groups.iter().all(|g| g.weight == 0) {
                c.problem(format!("{field}.forward"), "expected at least one weight above 0");
            }
        }
        (None, Some(fixed)) => {
            if !(200..=599).contains(&fixed.status_code) {
                c.problem(
                    format!("{field}.fixed_response.status_code"),
                    format!("expected a 2XX, 4XX or 5XX status (§10.3), found {}", fixed.status_code),
                );
            }
        }
    }
}

/// A container `healthCheck`'s ranges (aws-semantics §2.6).
fn check_container_health_check(c: &mut Checker, field: &str, check: Option<&ContainerHealthCheckFile>) {
    let Some(check) = check else { return };
    c.duration_range(&format!("{field}.interval"), check.interval, 5, 300, "§2.6");
    c.duration_range(&format!("{field}.timeout"), check.timeout, 2, 60, "§2.6");
    c.count_range(&format!("{field}.retries"), check.retries, 1, 10, "§2.6");
    c.duration_range(&format!("{field}.start_period"), check.start_period, 0, 300, "§2.6");
}

/// What CreateService refuses with `schedulingStrategy` DAEMON (§13.3): it
/// runs on EC2 only, has no desired count, no placement strategy, no Service
/// Auto Scaling, no CODE_DEPLOY controller, and deploys within 100 %.
fn check_daemon(c: &mut Checker, prefix: &str, s: &ServiceFile, on_asg: bool) {
    let field = |name: &str| format!("{prefix}.{name}");
    if !on_asg {
        let (at, found) = match (s.launch_type, &s.capacity_provider_strategy) {
            (_, Some(_)) => ("capacity_provider_strategy", "a Fargate capacity provider"),
            (Some(LaunchTypeFile::Fargate), None) => ("launch_type", "\"FARGATE\""),
            _ => ("launch_type", "none (the default is FARGATE)"),
        };
        c.problem(
            field(at),
            format!(
                "a DAEMON service runs on EC2 only (§13.3): expected launch_type = \"EC2\" or a strategy of ASG \
                 capacity providers, found {found}"
            ),
        );
    }
    if s.desired_count.is_some() {
        c.problem(field("desired_count"), "a DAEMON service has no desired count: one task per instance (§13.3)");
    }
    if !s.desired_count_changes.is_empty() {
        c.problem(
            field("desired_count_changes"),
            "a DAEMON service has no desired count to change: one task per instance (§13.3)",
        );
    }
    if s.auto_scaling.is_some() {
        c.problem(field("auto_scaling"), "a DAEMON service takes no Service Auto Scaling (§13.3)");
    }
    if s.placement_strategy.is_some() {
        c.problem(field("placement_strategy"), "a DAEMON service takes no placement strategy (§13.3)");
    }
    let Some(d) = &s.deployment_configuration else { return };
    let at = |name: &str| format!("{prefix}.deployment_configuration.{name}");
    if d.code_deploy.is_some() {
        c.problem(at("code_deploy"), "the CODE_DEPLOY controller does not support DAEMON services (§13.3)");
    }
    if d.strategy.is_some_and(|k| k != StrategyFile::Rolling) {
        c.problem(at("strategy"), "a DAEMON service deploys ROLLING only in fleetsim (§13.3: maximumPercent 100)");
    }
    if let Some(maximum) = d.maximum_percent.filter(|&m| m != 100) {
        c.problem(
            at("maximum_percent"),
            format!("a DAEMON service's maximumPercent must be 100 (§13.3), found {maximum}"),
        );
    }
}

/// `placementStrategy` and `placementConstraints` as ECS accepts them (§5.2).
fn check_placement(c: &mut Checker, prefix: &str, s: &ServiceFile) {
    if let Some(items) = &s.placement_strategy {
        if items.len() > 5 {
            c.problem(
                format!("{prefix}.placement_strategy"),
                format!("expected at most 5 rules (§5.2), found {}", items.len()),
            );
        }
        for (i, item) in items.iter().enumerate() {
            let at = format!("{prefix}.placement_strategy[{i}].field");
            let field = item.field.as_deref();
            match item.kind {
                PlacementStrategyKind::Binpack if !matches!(field, Some("cpu" | "memory")) => {
                    c.problem(at, format!("binpack takes field \"cpu\" or \"memory\", found {field:?}"));
                }
                PlacementStrategyKind::Spread
                    if !matches!(field, Some("instanceId" | "host" | "attribute:ecs.availability-zone")) =>
                {
                    c.problem(
                        at,
                        format!(
                            "fleetsim spreads over \"instanceId\" (or \"host\") or \"attribute:ecs.availability-zone\", found {field:?}"
                        ),
                    );
                }
                PlacementStrategyKind::Random if field.is_some() => c.problem(at, "random takes no field"),
                _ => {}
            }
        }
    }
    if s.placement_constraints.len() > 10 {
        c.problem(format!("{prefix}.placement_constraints"), "expected at most 10 constraints (§5.2)");
    }
    for (i, constraint) in s.placement_constraints.iter().enumerate() {
        let at = format!("{prefix}.placement_constraints[{i}]");
        match constraint.kind {
            PlacementConstraintKind::DistinctInstance if constraint.expression.is_some() => {
                c.problem(format!("{at}.expression"), "distinctInstance takes no expression");
            }
            PlacementConstraintKind::MemberOf => c.problem(
                format!("{at}.type"),
                "memberOf is not modelled (every instance of a provider has one type); remove it",
            ),
            _ => {}
        }
    }
}

/// A task that fits no empty instance would wait in PROVISIONING for ever
/// (§5.1, §5.6): refuse it here, with the sizes.
fn check_fits_instances(c: &mut Checker, file: &ScenarioFile, prefix: &str, s: &ServiceFile, providers: &[usize]) {
    let cpu = s.cpu.unwrap_or(super::lower::DEFAULT_CPU_UNITS);
    // What placement subtracts (§14.1).
    let memory = super::lower::reserved_memory_mib(s);
    // ECS's floor for task-level CPU on EC2 (Linux), and Docker's for memory.
    if cpu < 128 {
        c.problem(format!("{prefix}.cpu"), format!("expected at least 128 CPU units for a task on EC2, found {cpu}"));
    }
    if memory < 6 {
        c.problem(format!("{prefix}.memory"), format!("expected at least 6 MiB, found {memory}"));
    }
    for &i in providers {
        let p = &file.capacity_providers[i];
        let Some(entry) = super::instance_types::lookup(&p.instance_type) else { continue };
        let registered = p
            .registered_memory_mib
            .unwrap_or(entry.memory_mib * 39 / 40)
            .saturating_sub(p.reserved_memory_mib.unwrap_or(0));
        if cpu > entry.vcpu * 1024 {
            c.problem(
                format!("{prefix}.cpu"),
                format!("{cpu} CPU units never fit a {} ({} units, §5.2)", p.instance_type, entry.vcpu * 1024),
            );
        }
        if memory > registered {
            c.problem(
                format!("{prefix}.memory"),
                format!(
                    "{memory} MiB never fits a {}: it registers {registered} MiB, less than its nominal {} (§5.6)",
                    p.instance_type, entry.memory_mib
                ),
            );
        }
        let task_arch = match s.cpu_architecture {
            Some(CpuArchitectureFile::Arm64) => CpuArchitecture::Arm64,
            _ => CpuArchitecture::X86_64,
        };
        if task_arch != entry.architecture {
            c.problem(
                format!("{prefix}.cpu_architecture"),
                format!(
                    "the task is {} but {} is {}: no instance of {} can run it",
                    task_arch.as_str(),
                    p.instance_type,
                    entry.architecture.as_str(),
                    p.name
                ),
            );
        }
    }
}

/// `[[capacity_providers]]`: names, instance types and AWS's ranges (§5).
fn check_capacity_providers(c: &mut Checker, file: &ScenarioFile, base: &Path) {
    let mut names: Vec<&str> = Vec::new();
    for (i, p) in file.capacity_providers.iter().enumerate() {
        let at = |f: &str| format!("capacity_providers[{i}].{f}");
        let name = p.name.as_str();
        if name.is_empty()
            || name.len() > 255
            || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            c.problem(at("name"), format!("expected letters, digits, '-' or '_', found \"{name}\""));
        }
        // ECS reserves these prefixes for its own providers.
        if ["aws", "ecs", "fargate"].iter().any(|prefix| name.to_ascii_lowercase().starts_with(prefix)) {
            c.problem(at("name"), format!("names beginning with aws, ecs or fargate are reserved, found \"{name}\""));
        }
        if names.contains(&name) {
            c.problem(at("name"), format!("\"{name}\" is used twice"));
        }
        names.push(name);
        if super::instance_types::lookup(&p.instance_type).is_none() {
            c.problem(
                at("instance_type"),
                format!("\"{}\" is not an EC2 instance type of prices/ec2_instance_types.csv", p.instance_type),
            );
        } else if p.awsvpc_tasks_per_instance.is_none()
            && super::instance_types::awsvpc_tasks(&p.instance_type).is_none()
        {
            c.problem(
                at("awsvpc_tasks_per_instance"),
                format!(
                    "{} is not in the ENI table of aws-semantics §5.3: give how many awsvpc tasks it holds",
                    p.instance_type
                ),
            );
        }
        c.count_range(&at("awsvpc_tasks_per_instance"), p.awsvpc_tasks_per_instance, 1, 120, "§5.3");
        if let (Some(registered), Some(entry)) =
            (p.registered_memory_mib, super::instance_types::lookup(&p.instance_type))
        {
            if registered == 0 || registered > entry.memory_mib {
                c.problem(
                    at("registered_memory_mib"),
                    format!(
                        "expected 1–{} MiB (the nominal size of {}), found {registered}",
                        entry.memory_mib, p.instance_type
                    ),
                );
            }
        }
        let min = p.min_size.unwrap_or(0);
        if p.max_size == 0 || min > p.max_size {
            c.problem(at("max_size"), format!("expected max_size ≥ 1 and ≥ min_size ({min}), found {}", p.max_size));
        }
        if let Some(desired) = p.desired_capacity {
            if desired < min || desired > p.max_size {
                c.problem(
                    at("desired_capacity"),
                    format!("expected min_size–max_size ({min}–{}), found {desired}", p.max_size),
                );
            }
        }
        if let Some(zones) = &p.availability_zones {
            if zones.is_empty() {
                c.problem(at("availability_zones"), "expected at least one availability zone");
            }
        }
        if let Some(d) = &p.registration_time {
            check_distribution(c, &at("registration_time"), d, base, false);
        }
        if let Some(m) = &p.managed_scaling {
            c.count_range(&at("managed_scaling.target_capacity"), m.target_capacity, 1, 100, "§5.1");
            c.count_range(
                &at("managed_scaling.minimum_scaling_step_size"),
                m.minimum_scaling_step_size,
                1,
                10_000,
                "§5.1",
            );
            c.count_range(
                &at("managed_scaling.maximum_scaling_step_size"),
                m.maximum_scaling_step_size,
                1,
                10_000,
                "§5.1",
            );
            if m.minimum_scaling_step_size.unwrap_or(1) > m.maximum_scaling_step_size.unwrap_or(10_000) {
                c.problem(at("managed_scaling"), "minimum_scaling_step_size is above maximum_scaling_step_size");
            }
            c.duration_range(
                &at("managed_scaling.instance_warmup_period"),
                m.instance_warmup_period,
                0,
                10_000,
                "§5.1",
            );
        } else if p.managed_termination_protection == Some(true) {
            c.problem(at("managed_termination_protection"), "needs managed_scaling (§5.1)");
        }
        if let Some(spot) = &p.spot {
            if let Some(rate) = spot.interruptions_per_instance_hour {
                if !(rate.is_finite() && (0.0..=60.0).contains(&rate)) {
                    c.problem(
                        at("spot.interruptions_per_instance_hour"),
                        format!("expected a rate 0–60, found {rate}"),
                    );
                }
            }
        }
    }
}

/// `[fargate_spot]`: rates, shares and windows that make sense (aws-semantics §4.3).
fn check_fargate_spot(c: &mut Checker, file: &ScenarioFile, base: &Path) {
    let Some(spot) = &file.fargate_spot else { return };
    // fleetsim's bound: at most one a minute (beyond, no task would ever serve).
    if let Some(rate) = spot.interruptions_per_task_hour {
        if !(rate.is_finite() && (0.0..=60.0).contains(&rate)) {
            c.problem("fargate_spot.interruptions_per_task_hour", format!("expected a rate 0–60, found {rate}"));
        }
    }
    let share_ok = |share: f64| share > 0.0 && share <= 1.0;
    if let Some(waves) = spot.reclaim_waves {
        if !(waves.per_hour.is_finite() && (0.0..=60.0).contains(&waves.per_hour)) {
            c.problem("fargate_spot.reclaim_waves.per_hour", format!("expected a rate 0–60, found {}", waves.per_hour));
        }
        if !share_ok(waves.share) {
            c.problem("fargate_spot.reclaim_waves.share", format!("expected (0, 1], found {}", waves.share));
        }
    }
    for (i, wave) in spot.waves.iter().enumerate() {
        if !share_ok(wave.share) {
            c.problem(format!("fargate_spot.waves[{i}].share"), format!("expected (0, 1], found {}", wave.share));
        }
    }
    for (i, window) in spot.droughts.iter().enumerate() {
        if window.end.0 <= window.start.0 {
            c.problem(format!("fargate_spot.droughts[{i}].end"), "expected a time after start");
        }
    }
    if let Some(path) = &spot.interruptions_file {
        c.file_exists("fargate_spot.interruptions_file", path, base);
    }
}

/// `[pricing]`: files that exist, a Spot share and discounts that make sense.
fn check_pricing(c: &mut Checker, file: &ScenarioFile, base: &Path) {
    let p = &file.pricing;
    for (field, path) in [
        ("pricing.fargate_file", &p.fargate_file),
        ("pricing.alb_file", &p.alb_file),
        ("pricing.other_file", &p.other_file),
        ("pricing.ec2_file", &p.ec2_file),
    ] {
        if let Some(path) = path {
            c.file_exists(field, path, base);
        }
    }
    if let Some(share) = p.spot_price_share {
        if !(share > 0.0 && share <= 1.0) {
            c.problem("pricing.spot_price_share", format!("expected a share of On-Demand in (0, 1], found {share}"));
        }
    }
    let keys = crate::cost::line_item_keys();
    for (key, &percent) in &p.discount_percent {
        let field = format!("pricing.discount_percent.{key}");
        let instance_key = crate::cost::INSTANCE_KEY_PREFIXES.iter().any(|prefix| key.starts_with(prefix));
        if !keys.contains(key) && !instance_key {
            c.problem(
                &field,
                format!("expected a line item key, one of {}, or ec2_instance_hours_<type>", keys.join(", ")),
            );
        } else if !(0.0..=100.0).contains(&percent) {
            c.problem(&field, format!("expected a percentage 0–100, found {percent}"));
        }
    }
}

/// fleetsim's bound: more would be a thread per request no task runs.
const MAX_CONCURRENCY: u32 = 10_000;

/// Valid Fargate memory for a CPU size: (min, max, step) MiB (aws-semantics §4.1).
fn fargate_memory_range(cpu_units: u32) -> Option<(u32, u32, u32)> {
    Some(match cpu_units {
        256 => (512, 2048, 512),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return None,
    })
}

fn check_distribution(c: &mut Checker, prefix: &str, d: &DistributionFile, base: &Path, trace_times: bool) {
    let field = |name: &str| format!("{prefix}.{name}");
    let kind = d.distribution;
    let used: &[&str] = match kind {
        DistributionKind::Constant => &["value"],
        DistributionKind::Exponential => &["mean"],
        DistributionKind::Lognormal => &["median", "p99"],
        DistributionKind::Gamma => &["mean", "cv"],
        DistributionKind::Uniform => &["min", "max"],
        DistributionKind::Empirical => &["file", "column"],
        DistributionKind::Trace => &[],
    };
    let context = format!("distribution {kind:?}").to_lowercase();
    let present: [(&str, bool); 8] = [
        ("value", d.value.is_some()),
        ("mean", d.mean.is_some()),
        ("median", d.median.is_some()),
        ("p99", d.p99.is_some()),
        ("cv", d.cv.is_some()),
        ("min", d.min.is_some()),
        ("max", d.max.is_some()),
        ("file", d.file.is_some()),
    ];
    for (name, is_present) in present.into_iter().chain([("column", d.column.is_some())]) {
        if is_present && !used.contains(&name) {
            c.problem(field(name), format!("not used by {context}; remove it"));
        }
    }
    match kind {
        DistributionKind::Constant => c.required_duration(&field("value"), d.value, false),
        DistributionKind::Exponential => c.required_duration(&field("mean"), d.mean, true),
        DistributionKind::Lognormal => {
            c.required_duration(&field("median"), d.median, true);
            c.required_duration(&field("p99"), d.p99, true);
            if let (Some(median), Some(p99)) = (d.median, d.p99) {
                if p99.0 <= median.0 {
                    c.problem(field("p99"), "expected p99 > median");
                }
            }
        }
        DistributionKind::Gamma => {
            c.required_duration(&field("mean"), d.mean, true);
            match d.cv {
                None => c.problem(field("cv"), "missing: expected the coefficient of variation (> 0)"),
                Some(cv) if !cv.is_finite() || cv <= 0.0 => {
                    c.problem(field("cv"), format!("expected a number > 0, found {cv}"))
                }
                Some(_) => {}
            }
        }
        DistributionKind::Uniform => {
            c.required_duration(&field("min"), d.min, false);
            c.required_duration(&field("max"), d.max, false);
            if let (Some(min), Some(max)) = (d.min, d.max) {
                if max.0 < min.0 {
                    c.problem(field("max"), "expected max ≥ min");
                }
            }
        }
        DistributionKind::Empirical => {
            match &d.file {
                None => c.problem(field("file"), "missing: expected a CSV of observed durations"),
                Some(file) => c.file_exists(&field("file"), file, base),
            }
            if let Some(column) = &d.column {
                if super::lower::unit_of_column(column).is_none() {
                    c.problem(
                        field("column"),
                        format!("expected a name ending in _ms, _s or _seconds (its unit), found \"{column}\""),
                    );
                }
            }
        }
        DistributionKind::Trace => {
            if !trace_times {
                c.problem(
                    field("distribution"),
                    "\"trace\" needs traffic kind = \"request_trace\" with a service_time_column (every [[traffic]] source)",
                );
            }
        }
    }
}

fn check_load_balancer(c: &mut Checker, file: &ScenarioFile) {
    c.count_range(
        "load_balancer.availability_zones",
        file.load_balancer.availability_zones,
        2,
        30,
        "an ALB spans at least two AZs, §3.6",
    );
    if let Some(n) = file.load_balancer.requests_per_connection {
        if !(n.is_finite() && n >= 1.0) {
            c.problem("load_balancer.requests_per_connection", format!("expected a number ≥ 1, found {n}"));
        }
    }
    let lb = &file.load_balancer;
    // Ranges: aws-semantics §3.2–§3.4.
    c.duration_range("load_balancer.idle_timeout", lb.idle_timeout, 1, 4000, "ALB idle timeout, aws-semantics §3.3");
    c.duration_range("load_balancer.deregistration_delay", lb.deregistration_delay, 0, 3600, "aws-semantics §3.4");
    if let Some(DurationField(slow_start)) = lb.slow_start_duration {
        if !slow_start.is_zero() {
            c.duration_range(
                "load_balancer.slow_start_duration",
                lb.slow_start_duration,
                30,
                900,
                "aws-semantics §3.4; 0 is off",
            );
            if lb.algorithm == Some(super::schema::AlgorithmFile::LeastOutstandingRequests) {
                c.problem(
                    "load_balancer.slow_start_duration",
                    "slow start cannot be combined with least_outstanding_requests (aws-semantics §3.1)",
                );
            }
        }
    }
    let hc = &lb.health_check;
    c.duration_range(
        "load_balancer.health_check.interval",
        hc.interval,
        5,
        300,
        "HealthCheckIntervalSeconds, aws-semantics §3.2",
    );
    c.duration_range(
        "load_balancer.health_check.timeout",
        hc.timeout,
        2,
        120,
        "HealthCheckTimeoutSeconds, aws-semantics §3.2",
    );
    c.count_range(
        "load_balancer.health_check.healthy_threshold_count",
        hc.healthy_threshold_count,
        2,
        10,
        "aws-semantics §3.2",
    );
    c.count_range(
        "load_balancer.health_check.unhealthy_threshold_count",
        hc.unhealthy_threshold_count,
        2,
        10,
        "aws-semantics §3.2",
    );
    let interval = hc.interval.map_or(SimDuration::from_secs(30), |d| d.0);
    let timeout = hc.timeout.map_or(SimDuration::from_secs(5), |d| d.0);
    if timeout >= interval {
        c.problem(
            "load_balancer.health_check.timeout",
            format!(
                "must be smaller than the interval ({} s), found {} s (aws-semantics §3.2)",
                interval.as_secs_f64(),
                timeout.as_secs_f64()
            ),
        );
    }
}

/// SQS queues (§12.1) and their workers (§12.2): unique queue names, AWS's
/// ranges, every `queue = …` naming a queue, one consumer service per queue.
fn check_queues(c: &mut Checker, file: &ScenarioFile, services: &[(String, &ServiceFile)]) {
    let names: Vec<&str> = file.queues.iter().map(|q| q.name.as_str()).collect();
    let known = || names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    let unknown = |c: &mut Checker, field: String, name: &str| {
        if !names.contains(&name) {
            let expected = if names.is_empty() { "a [[queues]] table of that name".to_string() } else { known() };
            c.problem(field, format!("expected one of the queues ({expected}), found \"{name}\""));
        }
    };
    for (i, q) in file.queues.iter().enumerate() {
        let at = |f: &str| format!("queues[{i}].{f}");
        if q.name.is_empty() {
            c.problem(at("name"), "expected a queue name");
        }
        if let Some(j) = names[..i].iter().position(|n| *n == q.name) {
            c.problem(at("name"), format!("\"{}\" is also queues[{j}]'s name; names are unique", q.name));
        }
        c.duration_range(&at("visibility_timeout"), q.visibility_timeout, 0, 43_200, "SQS's range (§12.1)");
        if let Some(DurationField(d)) = q.message_retention_period {
            if d < SimDuration::from_secs(60) || d > SimDuration::from_secs(14 * 86_400) {
                c.problem(
                    at("message_retention_period"),
                    format!("expected 60 s to 14 days (SQS's range, §12.1), found {} s", d.as_secs_f64()),
                );
            }
        }
        c.count_range(
            &at("receive_message_wait_time_seconds"),
            q.receive_message_wait_time_seconds,
            0,
            20,
            "seconds (SQS's range, §12.1)",
        );
        c.count_range(&at("max_receive_count"), q.max_receive_count, 1, 1000, "receives (§12.1)");
        if let Some(DurationField(d)) = q.inactive_after {
            if d.is_zero() {
                c.problem(at("inactive_after"), "expected a duration > 0");
            }
        }
        let consumers: Vec<&String> = services
            .iter()
            .filter(|(_, s)| s.worker.as_ref().is_some_and(|w| w.queue == q.name))
            .map(|(p, _)| p)
            .collect();
        if consumers.len() > 1 {
            c.problem(
                format!("{}.worker.queue", consumers[1]),
                format!(
                    "\"{}\" is also {}'s queue; fleetsim models one worker service per queue",
                    q.name, consumers[0]
                ),
            );
        }
    }
    if let Some(traffic) = &file.traffic {
        for (prefix, t) in traffic.with_prefixes() {
            if let Some(queue) = &t.queue {
                unknown(c, format!("{prefix}.queue"), queue);
                if !t.routes.is_empty() || t.path_column.is_some() {
                    c.problem(
                        format!("{prefix}.queue"),
                        "messages to a queue take no ALB route; drop routes and path_column",
                    );
                }
            }
        }
    }
    for (prefix, s) in services {
        let Some(w) = &s.worker else { continue };
        let at = |f: &str| format!("{prefix}.worker.{f}");
        unknown(c, at("queue"), &w.queue);
        c.count_range(&at("max_number_of_messages"), w.max_number_of_messages, 1, 10, "messages (§12.2)");
        c.count_range(&at("wait_time_seconds"), w.wait_time_seconds, 0, 20, "seconds (§12.2)");
        if let Some(DurationField(d)) = w.empty_receive_pause {
            if d.is_zero() {
                c.problem(at("empty_receive_pause"), "expected a duration > 0 (a worker cannot poll without pause)");
            }
        }
        if s.load_balanced == Some(true) {
            c.problem(format!("{prefix}.load_balanced"), "a queue worker takes no requests from the ALB; drop it");
        }
        if !s.calls.is_empty() {
            c.problem(format!("{prefix}.calls"), "a queue worker's jobs make no calls (not modelled)");
        }
        if s.service_time.distribution == DistributionKind::Trace
            && !file.traffic.as_ref().is_some_and(|t| {
                t.sources
                    .iter()
                    .any(|t| t.queue.as_deref() == Some(w.queue.as_str()) && t.service_time_column.is_some())
            })
        {
            c.problem(
                format!("{prefix}.service_time"),
                "distribution = \"trace\" needs a request trace with service_time_column sending to the worker's queue",
            );
        }
    }
}

/// The memory model and its limits (§14.1): amounts ≥ 0; Docker's 6 MiB
/// floor; a reservation no larger than the container's hard limit; on
/// Fargate the containers within the task's `memory`, which is required.
fn check_memory(c: &mut Checker, prefix: &str, s: &ServiceFile, on_ec2: bool) {
    let field = |f: &str| format!("{prefix}.{f}");
    for (name, value) in [
        ("memory_baseline_mib", s.memory_baseline_mib),
        ("memory_per_request_mib", s.memory_per_request_mib),
        ("memory_leak_per_request_mib", s.memory_leak_per_request_mib),
        ("memory_leak_per_hour_mib", s.memory_leak_per_hour_mib),
    ] {
        if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            c.problem(field(name), format!("expected MiB ≥ 0, found {}", value.unwrap_or_default()));
        }
    }
    for (name, value) in [("container_memory", s.container_memory), ("memory_reservation", s.memory_reservation)] {
        if value.is_some_and(|v| v < 6) {
            c.problem(
                field(name),
                format!("expected at least 6 MiB (Docker's floor, §14.1), found {}", value.unwrap_or(0)),
            );
        }
    }
    if let (Some(reservation), Some(hard)) = (s.memory_reservation, s.container_memory) {
        if reservation > hard {
            c.problem(
                field("memory_reservation"),
                format!(
                    "expected at most container_memory ({hard} MiB; memory is the larger, §14.1), found {reservation}"
                ),
            );
        }
    }
    let task_memory = s.memory.unwrap_or(super::lower::DEFAULT_MEMORY_MIB);
    if s.memory.is_some() || !on_ec2 {
        for (name, value) in [("container_memory", s.container_memory), ("memory_reservation", s.memory_reservation)] {
            if value.is_some_and(|v| v > task_memory) {
                c.problem(
                    field(name),
                    format!(
                        "expected at most the task's memory ({task_memory} MiB): the containers' reservations \
                         must fit the task (§14.1), found {}",
                        value.unwrap_or(0)
                    ),
                );
            }
        }
    }
}

/// A schedule that runs standalone tasks (§13.1): its expression, 1–10
/// tasks (one RunTask call), a flexible window up to 1,440 minutes, and none
/// of what only a service has.
fn check_run_task(c: &mut Checker, file: &ScenarioFile, prefix: &str, s: &ServiceFile) {
    let Some(r) = &s.schedule else { return };
    let at = |f: &str| format!("{prefix}.schedule.{f}");
    c.schedule((&at("expression"), &r.expression), (&at("timezone"), r.timezone.as_deref()), file.start_time.is_some());
    c.count_range(&at("task_count"), r.task_count, 1, 10, "one RunTask call, §13.1");
    c.duration_range(&at("flexible_time_window"), r.flexible_time_window, 0, 1440 * 60, "up to 1,440 minutes, §13.1");
    let service_only: [(&str, bool); 9] = [
        ("desired_count", s.desired_count.is_some()),
        ("desired_count_changes", !s.desired_count_changes.is_empty()),
        ("auto_scaling", s.auto_scaling.is_some()),
        ("worker", s.worker.is_some()),
        ("calls", !s.calls.is_empty()),
        ("deployments", !s.deployments.is_empty()),
        ("warm_start", s.warm_start.is_some()),
        ("load_balanced", s.load_balanced == Some(true)),
        ("mean_time_between_crashes", s.mean_time_between_crashes.is_some()),
    ];
    for (field, set) in service_only {
        if set {
            c.problem(
                format!("{prefix}.{field}"),
                "a scheduled task (schedule = …) is not a service: it runs its job and exits; drop it",
            );
        }
    }
    if s.is_daemon() {
        c.problem(format!("{prefix}.scheduling_strategy"), "a scheduled task is not a service; drop it");
    }
}
