//! Application Auto Scaling beyond target tracking: step scaling policies with
//! their CloudWatch alarms (`cloudwatch describe-alarms`, aws-semantics §1.8),
//! scheduled actions (`describe-scheduled-actions`, §1.9) and the clock they
//! need, and a deployment's rollback alarm (§2.7). Pure, like its parent.

use super::{float, quote, seconds, Builder, Comment, Error, Inputs, Node, Source, Table, ASSUMED};
use crate::engine::calendar::{civil_from_epoch, parse_utc, parse_wall_time};
use crate::model::schedule::Schedule;
use crate::model::TimeZone;

/// What the imported schedules need of the scenario's clock.
#[derive(Clone, Debug, Default)]
pub(super) struct Clock {
    /// The zone whose midnight starts the run: the first `at`/`cron`
    /// action's `Timezone` other than UTC (so a day's run holds that zone's day).
    zone: Option<TimeZone>,
    /// Some action uses `at(…)` or `cron(…)`: the scenario needs a `start_time`.
    needs_start: bool,
    /// The earliest `at(…)`: the run starts on its date.
    first_at: Option<FirstAt>,
    /// Some scheduled action was imported: the run lasts a day.
    any_action: bool,
    /// Each `at(…)` action's instant (None: a wall time its zone skips) and its source.
    at_instants: Vec<(Option<i64>, Source)>,
    /// Actions' `StartTime` / `EndTime` (epoch seconds) and their source.
    windows: Vec<(Option<i64>, Option<i64>, Source)>,
    /// The run, once `clock_keys` fixed it: (start epoch seconds, duration seconds).
    run: Option<(Option<i64>, i64)>,
}

/// The earliest `at(…)` action's date and where it came from.
#[derive(Clone, Debug)]
struct FirstAt {
    /// `yyyy-mm-dd`, in its zone's wall time.
    date: String,
    schedule: String,
    file: String,
    path: String,
}

impl FirstAt {
    fn error(&self, message: String) -> Error {
        Error { file: self.file.clone(), path: self.path.clone(), message }
    }
}

const UTC_ZONES: [&str; 11] =
    ["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z", "Zulu", "Etc/Zulu", "UCT", "Etc/UCT", "Universal", "Etc/Universal"];

fn is_utc(zone: &str) -> bool {
    UTC_ZONES.contains(&zone)
}

/// Whether a scaling resource (`ResourceId` `service/<cluster>/<name>`,
/// dimension `ecs:service:DesiredCount`, §1.1) is the service `name`'s.
pub(super) fn is_for(node: &Node, name: &str) -> Result<bool, Error> {
    let resource = node.opt_str("ResourceId")?.map(|(r, _)| r);
    let dimension = node.opt_str("ScalableDimension")?.map(|(d, _)| d);
    let suffix = format!("/{name}");
    Ok(resource.is_some_and(|r| r.starts_with("service/") && r.ends_with(&suffix))
        && dimension.is_none_or(|d| d == "ecs:service:DesiredCount"))
}

fn actions<'a>(root: &Node<'a>) -> Result<Vec<Node<'a>>, Error> {
    root.require("ScheduledActions", "describe-scheduled-actions output holds `ScheduledActions`")?.items()
}

/// The zone whose midnight starts the run, from every scheduled action of
/// the imported services: the first `at`/`cron` action's `Timezone` other
/// than UTC. Each action keeps its own `Timezone` (`timezone = …`); this only
/// picks the day the run covers.
pub(super) fn clock(inputs: &Inputs, names: &[String]) -> Result<Clock, Error> {
    let mut clock = Clock::default();
    let Some(root) = &inputs.scheduled else { return Ok(clock) };
    for action in actions(root)? {
        let mut ours = false;
        for name in names {
            ours |= is_for(&action, name)?;
        }
        let schedule = action.opt_str("Schedule")?.map(|(s, _)| s.trim_start()).unwrap_or("");
        if !ours || schedule.starts_with("rate(") {
            continue; // Timezone does not apply to rate(…) (§1.9).
        }
        // An unknown name is reported with its field when the action is mapped.
        if let Some(zone) = action.opt_str("Timezone")?.and_then(|(z, _)| TimeZone::from_iana_name(z)) {
            if !is_utc(zone.name()) {
                clock.zone = Some(zone);
                break;
            }
        }
    }
    Ok(clock)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of an epoch second.
fn utc_text(epoch_secs: i64) -> String {
    let t = civil_from_epoch(epoch_secs);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year, t.month, t.day, t.hour, t.minute, t.second)
}

/// The top-level `duration` and `start_time` the schedules need. An `at(…)`
/// whose day the scenario cannot hold (year 0 east of UTC; a zoned run past
/// the zones' tables) is refused here, by its field: the scenario's own error
/// would name a file not yet written.
pub(super) fn clock_keys(b: &mut Builder) -> Result<(), Error> {
    let duration_secs = if b.clock.any_action {
        b.top.set("duration", quote("24h"), ASSUMED);
        b.assume("duration = \"24h\" (simulated time: a day, so that daily scheduled actions fire)");
        86_400
    } else {
        b.top.set("duration", quote("6h"), ASSUMED);
        b.assume("duration = \"6h\" (simulated time)");
        21_600
    };
    let mut start = None;
    if b.clock.needs_start {
        let date = b.clock.first_at.as_ref().map_or_else(|| "2026-11-02".into(), |f| f.date.clone());
        let midnight = parse_wall_time(&format!("{date}T00:00:00"));
        match (b.clock.zone, midnight) {
            (Some(zone), Some(midnight)) => {
                // Where the zone's clocks skip midnight, the run starts at the
                // gap, when they jump to 01:00: midnight at the offset before it.
                let as_if_utc = midnight.utc_epoch_secs();
                let epoch = zone
                    .first_instant(midnight)
                    .unwrap_or_else(|| as_if_utc - zone.utc_offset_secs(as_if_utc - 86_400));
                if let Some(first) = b.clock.first_at.as_ref().filter(|_| civil_from_epoch(epoch).year < 0) {
                    return Err(first.error(format!(
                        "expected an at(…) whose day starts in a year the scenario can represent (start_time \
                         0000–9999, UTC), found \"{}\": midnight of {date} in {} (the scheduled actions' \
                         Timezone) is {}",
                        first.schedule,
                        zone.name(),
                        utc_text(epoch)
                    )));
                }
                // The scenario's check refuses a zoned schedule in a run past the tables.
                let last = crate::model::time_zone::LAST_RULES_YEAR;
                let end_year = civil_from_epoch(epoch + duration_secs).year;
                if let Some(first) = b.clock.first_at.as_ref().filter(|_| end_year > last) {
                    return Err(first.error(format!(
                        "expected an at(…) whose day's run ends by {last} (the time zones' daylight-saving rules \
                         fleetsim has, chrono-tz's IANA tables, end then), found \"{}\": the run, {} h from \
                         midnight of {date} in {} (the scheduled actions' Timezone), ends in {end_year}; use UTC \
                         or an earlier date",
                        first.schedule,
                        duration_secs / 3600,
                        zone.name()
                    )));
                }
                let text = utc_text(epoch);
                b.top.set("start_time", quote(&text), format!("{ASSUMED}: midnight, {} wall time", zone.name()));
                b.assume(format!(
                    "start_time = \"{text}\" (UTC time of the run's start): midnight in {}, the scheduled actions' \
                     Timezone, so that the run holds that day",
                    zone.name()
                ));
                start = Some(epoch);
            }
            _ => {
                let text = format!("{date}T00:00:00Z");
                start = parse_utc(&text);
                b.top.set("start_time", quote(&text), ASSUMED);
                b.assume(format!(
                    "start_time = \"{text}\" (UTC time of the run's start: at(…) and cron(…) schedules need one)"
                ));
            }
        }
    }
    b.clock.run = Some((start, duration_secs));
    Ok(())
}

/// Actions active only part of the run (`StartTime`/`EndTime`): fleetsim runs
/// a scheduled action throughout, so those that do not cover the run are noted.
pub(super) fn check_windows(b: &mut Builder) {
    let Some((start, duration)) = b.clock.run else { return };
    // An at(…) fires once: one outside the run (another zone's day, say) never does.
    for (instant, source) in std::mem::take(&mut b.clock.at_instants) {
        match (instant, start) {
            (None, _) => b.not_modelled.push(format!(
                "{source}: at(…) names a wall time its Timezone skips (daylight saving starts): AWS never runs it, \
                 and fleetsim refuses it; fix the schedule"
            )),
            (Some(at), Some(start)) if at < start || at >= start + duration => b.not_modelled.push(format!(
                "{source}: at(…) is at {} (UTC), outside the run ({} for {} h): it never fires; move start_time",
                utc_text(at),
                utc_text(start),
                duration / 3600
            )),
            _ => {}
        }
    }
    let windows = std::mem::take(&mut b.clock.windows);
    for (from, until, source) in windows {
        let covered = match start {
            Some(start) => from.is_none_or(|f| f <= start) && until.is_none_or(|u| u >= start + duration),
            None => false,
        };
        if !covered {
            b.not_modelled.push(format!(
                "{source}: StartTime/EndTime do not cover the run; fleetsim runs the action throughout it"
            ));
        }
    }
}

/// An ISO 8601 time as the AWS CLI prints it (`2026-11-01T00:00:00+00:00`,
/// fractions of a second, `Z`, or an offset) in epoch seconds; or epoch
/// seconds as a number, as the AWS CLI v1 prints a JSON-protocol service's
/// times (Application Auto Scaling's) under its default `cli_timestamp_format = none`.
fn timestamp(node: &Node) -> Result<i64, Error> {
    const WHAT: &str = "a time such as \"2026-11-01T00:00:00+00:00\" or epoch seconds";
    if let serde_json::Value::Number(n) = node.value {
        return n
            .as_f64()
            .filter(|v| v.is_finite() && v.abs() < 1e15)
            .map(|v| v.floor() as i64)
            .ok_or_else(|| node.expected(WHAT));
    }
    let text = node.str()?.trim();
    let bad = || node.expected(WHAT);
    let (date, rest) = text.split_once('T').ok_or_else(bad)?;
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let clock = clock.split('.').next().unwrap_or(clock);
    let local = parse_utc(&format!("{date}T{clock}")).ok_or_else(bad)?;
    let offset_secs = match offset {
        "" | "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (h, m) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
            // An offset is at most 23:59; a longer one overflowed (found by fuzzing).
            if !(0..=23).contains(&h) || !(0..=59).contains(&m) {
                return Err(bad());
            }
            sign * (h * 3600 + m * 60)
        }
    };
    Ok(local - offset_secs)
}

/// A DAEMON service's scalable target, scaling policies and scheduled
/// actions: ECS runs one task per instance and has no desired count for them
/// to move (aws-semantics §13.3), so none is imported, and each is reported
/// rather than dropped without a word.
pub(super) fn daemon_scaling_left_out(b: &mut Builder, name: &str, inputs: &Inputs) -> Result<(), Error> {
    const WHY: &str = "of a DAEMON service (one task per instance: no desired count to scale, §13.3): left out";
    let named = |node: &Node, key: &str| -> Result<String, Error> {
        Ok(node.opt_str(key)?.map_or(String::new(), |(n, _)| format!(" {n:?}")))
    };
    if let Some(root) = &inputs.targets {
        for target in
            root.require("ScalableTargets", "describe-scalable-targets output holds `ScalableTargets`")?.items()?
        {
            if is_for(&target, name)? {
                b.not_modelled(&target, format!("the scalable target {WHY}"));
            }
        }
    }
    if let Some(root) = &inputs.policies {
        for policy in
            root.require("ScalingPolicies", "describe-scaling-policies output holds `ScalingPolicies`")?.items()?
        {
            if is_for(&policy, name)? {
                b.not_modelled(&policy, format!("the scaling policy{} {WHY}", named(&policy, "PolicyName")?));
            }
        }
    }
    if let Some(root) = &inputs.scheduled {
        for action in actions(root)? {
            if is_for(&action, name)? {
                b.not_modelled(
                    &action,
                    format!("the scheduled action{} {WHY}", named(&action, "ScheduledActionName")?),
                );
            }
        }
    }
    Ok(())
}

/// The service's scheduled actions as `[[…auto_scaling.scheduled_actions]]` (§1.9).
pub(super) fn scheduled_actions(b: &mut Builder, name: &str, doc: Option<&Node>) -> Result<Vec<Table>, Error> {
    let Some(root) = doc else { return Ok(Vec::new()) };
    let mut tables = Vec::new();
    for action in actions(root)? {
        if !is_for(&action, name)? {
            continue;
        }
        let mut t = Table::new(&b.header("auto_scaling.scheduled_actions"), true, action.source());
        if let Some((n, node)) = action.opt_str("ScheduledActionName")? {
            t.set("name", quote(n), node.source());
        }
        let schedule_node = action.require("Schedule", "the action's at(…), rate(…) or cron(…) schedule")?;
        let schedule = schedule_node.str()?;
        let zone = match action.opt_str("Timezone")? {
            Some((name, node)) => Some((
                TimeZone::from_iana_name(name)
                    .ok_or_else(|| node.expected("an IANA time zone name such as \"America/New_York\""))?,
                node,
            )),
            None => None,
        };
        let parsed =
            crate::scenario::schedule_expr::parse_schedule(schedule, zone.as_ref().map_or(TimeZone::UTC, |(z, _)| *z))
                .map_err(|e| schedule_node.error(e))?;
        let comment = schedule_node.source();
        let mut timezone = None;
        match parsed {
            Schedule::Rate { .. } => {
                if let Some((z, _)) = zone.as_ref().filter(|(z, _)| !is_utc(z.name())) {
                    timezone = Some(format!("(Timezone {} does not apply to rate(…), §1.9)", z.name()));
                }
            }
            Schedule::At { epoch_secs } => {
                b.clock.needs_start = true;
                b.clock.at_instants.push((epoch_secs, comment.clone()));
                let date = schedule.trim().trim_start_matches("at(").get(..10).unwrap_or("").to_string();
                // yyyy-mm-dd strings order as their dates do.
                if b.clock.first_at.as_ref().is_none_or(|first| date < first.date) {
                    b.clock.first_at = Some(FirstAt {
                        date,
                        schedule: schedule.to_string(),
                        file: schedule_node.file.to_string(),
                        path: schedule_node.path.clone(),
                    });
                }
            }
            Schedule::Cron(_) => b.clock.needs_start = true,
        }
        let comment = match timezone {
            Some(note) => comment.with(format!(" {note}")),
            None => comment.into(),
        };
        t.set("schedule", quote(schedule), comment);
        if let (Some((z, node)), false) = (zone, matches!(parsed, Schedule::Rate { .. })) {
            // at(…) and cron(…) read this zone's wall time, daylight saving followed (§1.9).
            t.set("timezone", quote(z.name()), node.source());
        }
        let target = action.require("ScalableTargetAction", "what the action sets (MinCapacity, MaxCapacity)")?;
        let min = target.opt_u32("MinCapacity")?;
        let max = target.opt_u32("MaxCapacity")?;
        if min.is_none() && max.is_none() {
            return Err(target.error("expected MinCapacity, MaxCapacity or both (§1.9)"));
        }
        for (key, value) in [("min_capacity", min), ("max_capacity", max)] {
            if let Some((v, n)) = value {
                t.set(key, v.to_string(), n.source());
            }
        }
        let from = action.get("StartTime")?.map(|n| timestamp(&n)).transpose()?;
        let until = action.get("EndTime")?.map(|n| timestamp(&n)).transpose()?;
        if from.is_some() || until.is_some() {
            b.clock.windows.push((from, until, action.source()));
        }
        b.clock.any_action = true;
        tables.push(t);
    }
    Ok(tables)
}

/// A whole number that may be negative (a step's `ScalingAdjustment`).
fn int(node: &Node) -> Result<i64, Error> {
    let parsed = match node.value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| node.expected("a whole number"))
}

fn strings<'a>(node: &Node<'a>, key: &str) -> Result<Vec<&'a str>, Error> {
    node.list(key)?.iter().map(Node::str).collect()
}

/// The alarms of `describe-alarms` (`MetricAlarms`).
fn metric_alarms<'a>(root: &Node<'a>) -> Result<Vec<Node<'a>>, Error> {
    root.require("MetricAlarms", "describe-alarms output holds `MetricAlarms`")?.items()
}

/// One `StepScaling` policy with the alarm that invokes it (the alarm whose
/// `AlarmActions` hold the policy's ARN; else one named in its `Alarms`),
/// as `[[…auto_scaling.step_scaling]]` and its `alarm` table (§1.8).
pub(super) fn step_scaling(
    b: &mut Builder,
    policy: &Node,
    alarms: Option<&Node>,
    service: &str,
) -> Result<Vec<Table>, Error> {
    let cfg = policy.require("StepScalingPolicyConfiguration", "a StepScaling policy's configuration")?;
    let Some(alarms) = alarms else {
        b.not_modelled(
            policy,
            "a StepScaling policy: its alarm's metric, threshold and periods are in `aws cloudwatch describe-alarms`; \
             give them with --alarms",
        );
        return Ok(Vec::new());
    };
    let arn = policy.opt_str("PolicyARN")?.map(|(a, _)| a);
    let names: Vec<&str> =
        policy.list("Alarms")?.iter().filter_map(|a| a.value.get("AlarmName").and_then(|v| v.as_str())).collect();
    let mut invoking = Vec::new();
    for alarm in metric_alarms(alarms)? {
        let actions = strings(&alarm, "AlarmActions")?;
        let by_action = arn.is_some_and(|arn| actions.contains(&arn));
        let by_name = arn.is_none() && alarm.opt_str("AlarmName")?.is_some_and(|(n, _)| names.contains(&n));
        if by_action || by_name {
            invoking.push(alarm);
        } else if let Some(arn) = arn {
            for key in ["OKActions", "InsufficientDataActions"] {
                if strings(&alarm, key)?.contains(&arn) {
                    b.not_modelled(
                        &alarm,
                        format!("invokes the step policy from {key}: fleetsim scales only in ALARM"),
                    );
                }
            }
        }
    }
    let Some(alarm) = invoking.first() else {
        b.not_modelled(
            policy,
            format!(
                "a StepScaling policy no alarm of {} invokes (no AlarmActions hold its PolicyARN): left out",
                alarms.file
            ),
        );
        return Ok(Vec::new());
    };
    for extra in &invoking[1..] {
        b.not_modelled(extra, "a second alarm invoking the same step policy: fleetsim gives a policy one alarm");
    }
    let Some(alarm_table) = step_alarm(b, alarm, service)? else { return Ok(Vec::new()) };

    let mut t = Table::new(&b.header("auto_scaling.step_scaling"), true, policy.source());
    if let Some((name, n)) = policy.opt_str("PolicyName")? {
        t.set("name", quote(name), n.source());
    }
    let kind = cfg.require("AdjustmentType", "the policy's AdjustmentType")?;
    match kind.str()? {
        k @ ("ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity") => {
            t.set("adjustment_type", quote(k), kind.source());
        }
        other => {
            return Err(
                kind.expected(&format!("ChangeInCapacity, PercentChangeInCapacity or ExactCapacity (not {other:?})"))
            )
        }
    }
    let mut steps = Vec::new();
    for step in cfg.require("StepAdjustments", "the policy's steps")?.items()? {
        let mut parts = Vec::new();
        for (json, toml) in [
            ("MetricIntervalLowerBound", "metric_interval_lower_bound"),
            ("MetricIntervalUpperBound", "metric_interval_upper_bound"),
        ] {
            if let Some(n) = step.get(json)? {
                parts.push(format!("{toml} = {}", float(n.f64()?)));
            }
        }
        let adjustment = step.require("ScalingAdjustment", "the step's ScalingAdjustment")?;
        parts.push(format!("scaling_adjustment = {}", int(&adjustment)?));
        steps.push(format!("{{ {} }}", parts.join(", ")));
    }
    let steps_node = cfg.require("StepAdjustments", "")?;
    t.set("step_adjustments", format!("[{}]", steps.join(", ")), steps_node.source());
    if let Some((v, n)) = cfg.opt_u32("MinAdjustmentMagnitude")? {
        t.set("min_adjustment_magnitude", v.to_string(), n.source());
    }
    match cfg.opt_u32("Cooldown")? {
        Some((v, n)) => t.set("cooldown", seconds(v), n.source()),
        None => {
            t.set("cooldown", seconds(300), format!("{} is absent: AWS's default (§1.8)", cfg.child_path("Cooldown")))
        }
    }
    if let Some((v, n)) = cfg.opt_str("MetricAggregationType")? {
        match v {
            "Average" | "Minimum" | "Maximum" => t.set("metric_aggregation_type", quote(v), n.source()),
            other => return Err(n.expected(&format!("Average, Minimum or Maximum (not {other:?})"))),
        }
    }
    Ok(vec![t, alarm_table])
}

/// A step policy's alarm as the scenario's `alarm` table, or None (noted)
/// when it watches what fleetsim does not publish.
fn step_alarm(b: &mut Builder, alarm: &Node, own: &str) -> Result<Option<Table>, Error> {
    if let Some((false, n)) = alarm.opt_bool("ActionsEnabled")? {
        b.not_modelled(&n, "the alarm's actions are disabled: it never invokes the policy; left out");
        return Ok(None);
    }
    if !alarm.list("Metrics")?.is_empty() {
        b.not_modelled(alarm, "an alarm on metric math (Metrics): fleetsim alarms on one metric; policy left out");
        return Ok(None);
    }
    let metric = alarm.require("MetricName", "the alarm's metric")?;
    let namespace = alarm.opt_str("Namespace")?.map(|(n, _)| n).unwrap_or("");
    // The statistic behind fleetsim's datapoints (§6): ECS's Average, the ALB's Sum.
    let expected = match (namespace, metric.str()?) {
        ("AWS/ECS", "CPUUtilization" | "MemoryUtilization") => "Average",
        ("AWS/ApplicationELB", "RequestCount" | "RequestCountPerTarget") => "Sum",
        (ns, m) => {
            b.not_modelled(&metric, format!("{ns} {m}: not a metric fleetsim publishes; the step policy is left out"));
            return Ok(None);
        }
    };
    let mut t = Table::new(&b.header("auto_scaling.step_scaling.alarm"), false, alarm.source());
    t.set("metric_name", quote(metric.str()?), metric.source());
    match (alarm.opt_str("Statistic")?, alarm.get("ExtendedStatistic")?) {
        (Some((s, _)), _) if s == expected => {}
        (Some((s, n)), _) => b.not_modelled(&n, format!("{s}: fleetsim's alarm reads the {expected}")),
        (None, Some(n)) => b.not_modelled(&n, format!("a percentile statistic: fleetsim's alarm reads the {expected}")),
        (None, None) => {}
    }
    if namespace == "AWS/ECS" {
        for d in alarm.list("Dimensions")? {
            if d.opt_str("Name")?.is_some_and(|(n, _)| n == "ServiceName") {
                let watched = d.opt_str("Value")?.map(|(v, _)| v).unwrap_or("");
                if watched != own {
                    b.not_modelled(&d, format!("watches service {watched:?}: simulated on {own:?}'s own metric"));
                }
            }
        }
    }
    let period = alarm.require("Period", "the alarm's period in seconds")?;
    let secs = period.u32()?;
    if secs >= 60 && secs % 60 == 0 {
        t.set("period", seconds(secs), period.source());
    } else {
        b.not_modelled(&period, format!("{secs} s: ECS publishes one-minute datapoints (§6); simulated at 60 s"));
        t.set("period", seconds(60), period.source().with(format!(" = {secs}, raised to one minute")));
    }
    let n = alarm.require("EvaluationPeriods", "the alarm's EvaluationPeriods")?;
    t.set("evaluation_periods", n.u32()?.to_string(), n.source());
    if let Some((m, node)) = alarm.opt_u32("DatapointsToAlarm")? {
        t.set("datapoints_to_alarm", m.to_string(), node.source());
    }
    let threshold = alarm.require("Threshold", "the alarm's Threshold")?;
    t.set("threshold", float(threshold.f64()?), threshold.source());
    let op = alarm.require("ComparisonOperator", "the alarm's ComparisonOperator")?;
    match op.str()? {
        o @ ("GreaterThanThreshold"
        | "GreaterThanOrEqualToThreshold"
        | "LessThanThreshold"
        | "LessThanOrEqualToThreshold") => t.set("comparison_operator", quote(o), op.source()),
        other => {
            b.not_modelled(&op, format!("{other} (an anomaly detection band): not modelled; policy left out"));
            return Ok(None);
        }
    }
    if let Some((treat, n)) = alarm.opt_str("TreatMissingData")? {
        if treat != "missing" {
            b.not_modelled(&n, format!("{treat}: fleetsim treats missing datapoints as missing (§1.3)"));
        }
    }
    Ok(Some(t))
}

/// A deployment's `alarms` (§2.4, §2.7) as the scenario's `rollback_alarm`:
/// fleetsim's watches the new target group's 5XX count in a traffic-shifting
/// deployment, so only such an alarm maps; the rest are noted.
pub(super) fn deployment_alarm(
    b: &mut Builder,
    cfg: &Node,
    doc: Option<&Node>,
    traffic_shifting: bool,
) -> Result<Option<(String, Comment)>, Error> {
    if !traffic_shifting {
        b.not_modelled(
            cfg,
            "deployment alarms on a rolling deployment: fleetsim's rollback alarm watches a traffic-shifting \
             deployment's new target group; no alarm-based rollback",
        );
        return Ok(None);
    }
    if let Some((false, n)) = cfg.opt_bool("rollback")? {
        b.not_modelled(&n, "alarms that fail a deployment without rolling it back: fleetsim's alarm rolls back");
        return Ok(None);
    }
    let Some(doc) = doc else {
        b.not_modelled(cfg, "deployment alarms: their metrics are in `aws cloudwatch describe-alarms`; give --alarms");
        return Ok(None);
    };
    let all = metric_alarms(doc)?;
    let mut mapped = None;
    for wanted in &cfg.list("alarmNames")? {
        let wanted_name = wanted.str()?;
        let mut found = None;
        for a in &all {
            if a.opt_str("AlarmName")?.is_some_and(|(n, _)| n == wanted_name) {
                found = Some(a.clone());
            }
        }
        let Some(alarm) = found else {
            b.not_modelled(wanted, format!("no alarm named {wanted_name:?} in {}", doc.file));
            continue;
        };
        if mapped.is_some() {
            b.not_modelled(&alarm, "a second deployment alarm: fleetsim watches one");
            continue;
        }
        let metric = alarm.opt_str("MetricName")?.map(|(m, _)| m).unwrap_or("");
        let five_xx = matches!(metric, "HTTPCode_Target_5XX_Count" | "HTTPCode_ELB_5XX_Count");
        let op = alarm.opt_str("ComparisonOperator")?.map(|(o, _)| o).unwrap_or("");
        let threshold = alarm.require("Threshold", "the alarm's Threshold")?.f64()?;
        // Counts are whole: "> 4.5" and ">= 5" both mean at least 5 requests.
        let at_least = match op {
            "GreaterThanOrEqualToThreshold" => threshold.ceil(),
            "GreaterThanThreshold" => threshold.floor() + 1.0,
            _ => -1.0,
        };
        if !five_xx || at_least < 1.0 {
            b.not_modelled(
                &alarm,
                format!("{metric} {op}: fleetsim's rollback alarm counts the new target group's 5XX responses"),
            );
            continue;
        }
        let periods = alarm.require("EvaluationPeriods", "the alarm's EvaluationPeriods")?.u32()?;
        if let Some((m, n)) = alarm.opt_u32("DatapointsToAlarm")? {
            if m != periods {
                b.not_modelled(
                    &n,
                    format!("{m} of {periods}: fleetsim's rollback alarm needs {periods} minutes in a row"),
                );
            }
        }
        if let Some((p, n)) = alarm.opt_u32("Period")? {
            if p != 60 {
                b.not_modelled(&n, format!("{p} s: fleetsim's rollback alarm counts one-minute periods"));
            }
        }
        mapped = Some((
            format!("{{ threshold = {}, evaluation_periods = {periods} }}", at_least as u64),
            // The alarm holds the values written; the deployment names it.
            alarm.source().with(format!(" (named by {})", wanted.source())),
        ));
    }
    Ok(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn cli_timestamps() {
        for (text, epoch) in [
            ("\"2026-11-02T00:00:00+00:00\"", 1_793_577_600),
            ("\"2026-11-02T00:00:00.123000+00:00\"", 1_793_577_600),
            ("\"2026-11-01T19:00:00-05:00\"", 1_793_577_600),
            ("\"2026-11-02T00:00:00Z\"", 1_793_577_600),
            // The AWS CLI v1's default for a JSON-protocol service: epoch seconds.
            ("1793577600.0", 1_793_577_600),
            ("1793577600.5", 1_793_577_600),
            ("1793577600", 1_793_577_600),
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            let node = Node::root("a.json", &v);
            assert_eq!(timestamp(&node), Ok(epoch), "{text}");
        }
    }
}
