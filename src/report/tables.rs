//! The summary JSON and the two CSV tables, rendered to bytes. Floats are
//! printed at fixed precision or by serde_json (ryu), so bytes never depend on
//! the machine.

use crate::model::listener::Action;
use crate::model::FailureCause;
use crate::observe::{LatencySummary, RequestCounts, LATENCY_SIGNIFICANT_DIGITS};
use crate::run::RunOutput;
use crate::scenario::Scenario;
use serde_json::{json, Value};

/// Rounds for display: fixed decimals keep files short and stable. (Exact
/// powers of ten from a table: `powi`'s precision is not specified.)
pub(super) fn round(x: f64, decimals: usize) -> f64 {
    const SCALES: [f64; 7] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
    let scale = SCALES[decimals.min(6)];
    (x * scale).round() / scale
}

fn requests_json(r: &RequestCounts) -> Value {
    let by_cause: serde_json::Map<String, Value> = FailureCause::ALL
        .iter()
        .zip(r.failed_by_cause)
        .map(|(cause, n)| (cause.as_str().to_string(), json!(n)))
        .collect();
    json!({
        "total": r.total,
        "succeeded": r.succeeded,
        "failed": r.failed(),
        "failed_by_status": {
            "500": r.failed_with_status(500),
            "502": r.failed_with_status(502),
            "503": r.failed_with_status(503),
            "504": r.failed_with_status(504),
        },
        "failed_by_cause": by_cause,
    })
}

fn latency_json(l: &LatencySummary) -> Value {
    json!({
        "count": l.count,
        "mean": round(l.mean_ms, 3),
        "p50": round(l.p50_ms, 3),
        "p90": round(l.p90_ms, 3),
        "p99": round(l.p99_ms, 3),
        "p99_9": round(l.p99_9_ms, 3),
        "max": round(l.max_ms, 3),
    })
}

/// Every setting the scenario uses that AWS does not offer, in words: reports
/// must never pass a what-if off as AWS's behaviour.
pub fn what_if_notes(scenario: &Scenario) -> Vec<String> {
    let mut notes = Vec::new();
    for service in &scenario.cluster.services {
        let Some(scaling) = &service.auto_scaling else { continue };
        let shape = scaling.target_tracking_alarms;
        if shape.is_what_if() && !scaling.target_tracking.is_empty() {
            notes.push(format!(
                "service {}: target tracking alarms AlarmHigh {} of {}, AlarmLow {} of {} below {} × target \
                 (what-if: AWS uses 3 of 3, 15 of 15 below 0.9 × target)",
                service.name, shape.high.0, shape.high.1, shape.low.0, shape.low.1, shape.scale_in_threshold_share
            ));
        }
        let periods = scaling.metric_periods;
        if periods.is_what_if() {
            notes.push(format!(
                "service {}: target tracking reads {} s datapoints ({} s for high-resolution metrics) \
                 (what-if: CloudWatch's are 60 s and 20 s; request counts are sums over the period)",
                service.name,
                periods.standard.as_secs_f64(),
                periods.high_resolution.as_secs_f64()
            ));
        }
    }
    notes
}

pub fn summary_json(scenario: &Scenario, output: &RunOutput) -> Vec<u8> {
    let f = &output.figures;
    let allocation = &output.bill.allocation;
    let services: Vec<Value> = f
        .services
        .iter()
        .zip(&scenario.cluster.services)
        .zip(&f.minutes)
        .enumerate()
        .map(|(i, ((s, config), rows))| {
            let by_provider: serde_json::Map<String, Value> = config
                .capacity_provider_strategy
                .iter()
                .map(|item| {
                    let p = item.provider.index();
                    (f.provider_names[p].clone(), json!(round(s.task_hours_by_provider.get(p).copied().unwrap_or(0.0), 4)))
                })
                .collect();
            json!({
                "name": s.name,
                "requests": requests_json(&s.requests),
                "availability": round(s.requests.availability(), 6),
                "latency_ms": latency_json(&s.latency),
                "queue_time_ms": latency_json(&s.queue_time),
                "queued_share": round(s.queued_share, 6),
                "tasks": {
                    "running_mean": round(s.running_tasks_mean, 4),
                    "running_min": s.running_tasks_min,
                    "running_max": s.running_tasks_max,
                    "launched": s.tasks_launched,
                    "task_hours": round(s.task_hours, 4),
                    "task_hours_by_provider": by_provider,
                    "launched_by_revision": s
                        .tasks_launched_by_revision
                        .iter()
                        .enumerate()
                        .map(|(r, &n)| (revision_name(config, r), json!(n)))
                        .collect::<serde_json::Map<String, Value>>(),
                    "oom_kills_by_revision": s
                        .oom_kills_by_revision
                        .iter()
                        .enumerate()
                        .map(|(r, &n)| (revision_name(config, r), json!(n)))
                        .collect::<serde_json::Map<String, Value>>(),
                },
                "interruptions": {
                    "tasks_interrupted": s.tasks_interrupted,
                    "requests_failed_spot_interruption": s.requests.failed_by_cause[FailureCause::SpotInterruption as usize],
                    "capacity_short_minutes": round(s.capacity_short_minutes, 3),
                    "requests_failed_while_capacity_short": s.failed_while_capacity_short,
                },
                // Failures of the ALB's clients: answered by this service, and caused by it
                // (itself, or as a service another one called).
                "end_to_end_failures": {
                    "answered": s.end_to_end_failures_answered,
                    "caused": s.end_to_end_failures_caused,
                },
                "healthy_target_minutes_below_desired": round(s.healthy_target_minutes_below_desired, 3),
                "elasticity": elasticity_json(scenario, config, rows),
                "mean_requests_in_tasks": round(s.mean_requests_in_tasks, 4),
                "scaling": {
                    "scale_out_activities": s.scale_out_activities,
                    "scale_in_activities": s.scale_in_activities,
                    "policies": s.policies.iter().map(|p| json!({
                        "name": p.name,
                        "metric": p.metric,
                        "target_value": p.target_value,
                        "minutes_over_target": p.minutes_over_target,
                    })).collect::<Vec<_>>(),
                },
                "cost_usd": allocation.services.get(i).map(|c| json!({
                    "total": usd(c.total_cents()),
                    "fargate": usd(c.fargate_cents),
                    "ec2_allocated": usd(c.ec2_allocated_cents),
                    "shared": usd(c.shared_cents),
                })),
            })
        })
        .collect();
    let mut summary = json!({
        "scenario": scenario.name,
        // The file name only: the folder differs between machines, the bytes must not.
        "scenario_file": scenario.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        "scenario_hash": format!("fnv1a64:{:016x}", scenario.file_hash),
        "seed": output.seed,
        "region": scenario.region,
        "simulated_seconds": scenario.duration.as_secs_f64(),
        "requests": requests_json(&f.requests),
        "availability": round(f.requests.availability(), 6),
        "latency_ms": latency_json(&f.latency),
        "latency_note": format!(
            "latency of succeeded requests, ALB arrival to response; percentiles from a histogram with {LATENCY_SIGNIFICANT_DIGITS} significant digits (within 0.1 %)"
        ),
        "cost_usd": cost_json(scenario, output),
        "routes": routes_json(scenario, output),
        "services": services,
        "capacity_providers": providers_json(scenario, output),
        "deployments": deployments_json(scenario, output),
        "what_if": what_if_notes(scenario),
    });
    if !f.scheduled_runs.is_empty() {
        summary["scheduled_runs"] = Value::Array(
            f.scheduled_runs
                .iter()
                .map(|r| {
                    json!({
                        "service": r.service,
                        "run": r.run,
                        "outcome": r.outcome(),
                        "scheduled_at_s": round(r.scheduled_at_s, 3),
                        "fired_at_s": round(r.fired_at_s, 3),
                        "tasks_started": r.tasks_started,
                        "not_placed": r.failures.iter().map(|(reason, n)| json!({"reason": reason, "tasks": n})).collect::<Vec<_>>(),
                        "longest_provisioning_wait_s": round(r.longest_provisioning_wait_s, 3),
                        "jobs_completed": r.jobs_completed,
                        "jobs_stopped_early": r.jobs_stopped_early.iter().map(|(reason, n)| json!({"reason": reason, "tasks": n})).collect::<Vec<_>>(),
                        "last_stopped_at_s": r.last_stopped_at_s.map(|t| round(t, 3)),
                    })
                })
                .collect(),
        );
    }
    // Only scenarios with queues carry the key, so that others read as before.
    if !f.queues.is_empty() {
        summary["queues"] = Value::Array(f.queues.iter().map(queue_json).collect());
    }
    let mut bytes = serde_json::to_vec_pretty(&summary).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// One SQS queue over the run (issue 9): every message accounted for.
fn queue_json(q: &crate::observe::QueueSummary) -> Value {
    let t = &q.totals;
    json!({
        "name": q.name,
        "messages": {
            "sent": t.sent,
            "deleted": t.deleted,
            "moved_to_dlq": t.moved_to_dlq,
            "expired": t.expired,
            "visible_at_end": q.visible_at_end,
            "in_flight_at_end": q.in_flight_at_end,
        },
        "receives": {
            "received": t.received,
            "redelivered": t.redelivered,
            "empty_receives": t.empty_receives,
            "deletes_with_stale_receipt": t.stale_deletes,
            "deletes_of_gone_messages": t.gone_deletes,
            "jobs_abandoned": q.jobs_abandoned,
        },
        "job_latency_ms": latency_json(&q.job_latency),
        "time_queued_ms": latency_json(&q.time_queued),
        "max_visible": q.max_visible,
        "max_age_of_oldest_message_s": round(q.max_age_of_oldest_secs, 3),
    })
}

/// One row per queue and minute: depth at its end and the minute's counts (§12.3).
pub fn queues_csv(output: &RunOutput) -> Vec<u8> {
    let mut out = String::from(
        "minute_start_s,queue,visible,in_flight,age_of_oldest_message_s,sent,received,redelivered,deleted,\
         moved_to_dlq,expired,empty_receives\n",
    );
    for (q, rows) in output.figures.queues.iter().zip(&output.figures.queue_minutes) {
        for (minute, r) in rows.iter().enumerate() {
            let c = &r.counts;
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{}\n",
                minute * 60,
                q.name,
                r.visible,
                r.in_flight,
                optional(r.age_of_oldest_secs, 3),
                c.sent,
                c.received,
                c.redelivered,
                c.deleted,
                c.moved_to_dlq,
                c.expired,
                c.empty_receives
            ));
        }
    }
    out.into_bytes()
}

/// Per listener route (a rule by priority, then the default action): what
/// it does, and what its clients saw (§10).
fn routes_json(scenario: &Scenario, output: &RunOutput) -> Vec<Value> {
    let lb = &scenario.cluster.load_balancer;
    let service_of = |group: crate::model::TargetGroupId| {
        &scenario.cluster.services[lb.target_groups[group.index()].service.index()].name
    };
    output
        .figures
        .routes
        .iter()
        .enumerate()
        .map(|(i, route)| {
            let action = match lb.listener.action(crate::model::RouteId(i as u32)) {
                Action::FixedResponse { status } => format!("fixed-response {status}"),
                Action::Forward(groups) if groups.len() == 1 => {
                    format!("forward {}", service_of(groups[0].target_group))
                }
                Action::Forward(groups) => format!(
                    "forward {}",
                    groups
                        .iter()
                        .map(|g| format!("{} (weight {})", service_of(g.target_group), g.weight))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            json!({
                "name": route.name,
                "action": action,
                "requests": requests_json(&route.requests),
                "availability": round(route.requests.availability(), 6),
                "latency_ms": latency_json(&route.latency),
                "fixed_responses": route.fixed_responses,
            })
        })
        .collect()
}

fn revision_name(service: &crate::model::config::ServiceConfig, revision: usize) -> String {
    match revision {
        0 => format!("{}:1", service.name),
        k => service.deployments.get(k - 1).map_or_else(|| format!("revision {k}"), |d| d.name.clone()),
    }
}

/// Every deployment (§2.2): when, how it ended, how long it took, and what
/// users and the fleet saw while it ran.
fn deployments_json(scenario: &Scenario, output: &RunOutput) -> Vec<Value> {
    let seconds = |t: crate::engine::SimTime| round(t.as_nanos() as f64 / 1e9, 3);
    output
        .figures
        .deployments
        .iter()
        .map(|d| {
            json!({
                "service": scenario.cluster.services[d.service.index()].name,
                "deployment": d.ordinal,
                "revision": d.revision,
                "why": d.why,
                "started_s": seconds(d.started),
                "ended_s": d.ended.map(seconds),
                "duration_s": d.ended.map(|e| round((e - d.started).as_secs_f64(), 3)),
                "rollout_state": d.outcome,
                "circuit_breaker_failed_tasks": d.failed_tasks,
                "stuck": d.stuck,
                "peak_running_tasks": d.peak_running,
                "min_healthy_tasks": d.min_healthy,
                "requests": d.requests,
                "requests_failed": d.requests_failed,
            })
        })
        .collect()
}

/// SPEC's elasticity figures over the run's whole minutes (see `elasticity`).
fn elasticity_json(
    scenario: &Scenario,
    config: &crate::model::config::ServiceConfig,
    rows: &[crate::observe::MinuteRow],
) -> Value {
    let minutes = (scenario.duration.as_nanos() / 60_000_000_000) as usize;
    let rows = &rows[..minutes.min(rows.len())];
    let arrivals: Vec<u64> = rows.iter().map(|r| r.arrivals).collect();
    let supply: Vec<u32> = rows.iter().map(|r| r.healthy_count).collect();
    let Some(demand) = crate::elasticity::demand_per_minute(config, &arrivals) else {
        return json!({ "note": "not computed: requests carry their own service times, so there is no mean demand" });
    };
    match crate::elasticity::elasticity(&demand, &supply) {
        None => Value::Null,
        Some(e) => json!({
            "under_provisioning_accuracy_percent": round(e.under_provisioning_accuracy, 4),
            "over_provisioning_accuracy_percent": round(e.over_provisioning_accuracy, 4),
            "under_provisioning_timeshare_percent": round(e.under_provisioning_timeshare, 4),
            "over_provisioning_timeshare_percent": round(e.over_provisioning_timeshare, 4),
            "instability_percent": round(e.instability, 4),
            "jitter_per_hour": round(e.jitter_per_hour, 4),
            "note": "SPEC RG (Herbst et al.): demand = tasks the minute's arrivals need at the first target tracking policy's target (CPU or requests per target; else 100 % CPU), supply = healthy tasks at the minute's end",
        }),
    }
}

/// Whole cents as USD: exact in decimal, so sums of the printed figures hold.
fn usd(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Cents per service by name, then `unallocated` when some cost is (under
/// `(unallocated)` if a service has that name).
fn by_service_json(scenario: &Scenario, cents: impl Iterator<Item = i64>, unallocated: i64) -> Value {
    let mut map: serde_json::Map<String, Value> =
        scenario.cluster.services.iter().zip(cents).map(|(s, c)| (s.name.clone(), json!(usd(c)))).collect();
    if unallocated != 0 {
        let key = if map.contains_key("unallocated") { "(unallocated)" } else { "unallocated" };
        map.insert(key.into(), json!(usd(unallocated)));
    }
    Value::Object(map)
}

/// Each ASG provider's instances over the run (§5).
fn providers_json(scenario: &Scenario, output: &RunOutput) -> Vec<Value> {
    scenario
        .cluster
        .capacity_providers
        .iter()
        .zip(&output.figures.providers)
        .zip(&output.bill.allocation.providers)
        .filter_map(|((config, p), allocation)| {
            let asg = config.auto_scaling_group()?;
            Some(json!({
                "name": p.name,
                "instance_type": asg.instance_type.name,
                "purchase": if asg.spot.is_some() { "spot" } else { "on_demand" },
                "instances_launched": p.instances_launched,
                "instances_max": p.instances_max,
                "instance_hours": round(p.instance_hours, 4),
                "spot_reclaims": p.spot_reclaims,
                "managed_scaling": asg.managed_scaling.map(|m| json!({
                    "target_capacity": m.target_capacity,
                    "minimum_scaling_step_size": m.minimum_scaling_step_size,
                    "maximum_scaling_step_size": m.maximum_scaling_step_size,
                    "instance_warmup_period_s": m.instance_warmup_period.as_secs_f64(),
                })),
                "cost_usd": {
                    "instances": usd(allocation.instance_cents),
                    "by_service": by_service_json(
                        scenario,
                        allocation.by_service_cents.iter().copied(),
                        allocation.unallocated_cents,
                    ),
                },
            }))
        })
        .collect()
}

/// The bill: total, per million requests, and every line item with its price's date.
fn cost_json(scenario: &Scenario, output: &RunOutput) -> Value {
    let bill = &output.bill;
    let requests = output.figures.requests.total;
    let lines: Vec<Value> = bill
        .lines
        .iter()
        .map(|l| {
            json!({
                "item": l.key,
                "description": l.description,
                "quantity": round(l.quantity, 6),
                "unit": l.unit,
                "usd_per_unit": l.usd_per_unit,
                "discount_percent": l.discount_percent,
                "usd": round(l.usd, 6),
                "price_as_of": l.price_as_of,
            })
        })
        .collect();
    json!({
        "total": round(bill.total_usd, 6),
        "per_million_requests": if requests > 0 { json!(round(bill.total_usd / requests as f64 * 1e6, 6)) } else { Value::Null },
        "region": scenario.region,
        "line_items": lines,
        "note": "list prices from dated snapshots (price_as_of); Fargate per second with a 1-minute minimum from image pull to stop; EC2 instances per second with a 1-minute minimum from launch to termination (tasks on them are not billed); a partial ALB-hour bills whole",
        "by_service": by_service_json(
            scenario,
            bill.allocation.services.iter().map(|c| c.total_cents()),
            bill.allocation.unallocated_cents,
        ),
        "by_service_note": "in cents summing to the total rounded to the cent: each service's own Fargate tasks; each EC2 provider's instance cost per hour split by the CPU units and MiB the services' tasks reserved on it, CPU and memory weighted 9:1 per vCPU and GB as AWS's split cost allocation data does, idle capacity spread in the same proportion (hours with nothing reserved: unallocated); the ALB by each service's share of requests (model choice)",
    })
}

fn optional(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(String::new, |v| format!("{v:.decimals$}"))
}

pub fn timeseries_csv(scenario: &Scenario, output: &RunOutput) -> Vec<u8> {
    let mut out = String::from(
        "minute_start_s,service,arrivals,succeeded,failed_500,failed_502,failed_503,failed_504,latency_ms_p50,latency_ms_p99,\
         desired_count,running_count,healthy_count,cpu_utilization_percent,mean_requests_in_tasks,\
         memory_utilization_percent,request_count,request_count_per_target",
    );
    // Per scaling policy: the datapoint it saw at the minute's start and its two alarms.
    let policy_columns = scenario
        .cluster
        .services
        .iter()
        .map(|s| s.auto_scaling.as_ref().map_or(0, |a| a.target_tracking.len() + a.step_scaling.len()))
        .max()
        .unwrap_or(0);
    for p in 0..policy_columns {
        out.push_str(&format!(",policy{p}_metric,policy{p}_alarm_high,policy{p}_alarm_low"));
    }
    // RUNNING tasks per capacity provider any service uses, then the bill so far.
    let providers: Vec<usize> = (0..output.figures.provider_names.len())
        .filter(|&p| {
            scenario
                .cluster
                .services
                .iter()
                .any(|s| s.capacity_provider_strategy.iter().any(|i| i.provider.index() == p))
        })
        .collect();
    for &p in &providers {
        out.push_str(&format!(",running_{}", output.figures.provider_names[p]));
    }
    // The cluster's instances per ASG provider and its CapacityProviderReservation
    // (the same on every service's row: they are the cluster's).
    let groups: Vec<usize> = (0..scenario.cluster.capacity_providers.len())
        .filter(|&p| scenario.cluster.capacity_providers[p].auto_scaling_group().is_some())
        .collect();
    // RUNNING tasks per task-definition revision, when a service deploys (revision 1 is the first).
    let revisions = scenario
        .cluster
        .services
        .iter()
        .map(|s| if s.deployments.is_empty() { 0 } else { s.deployments.len() + 1 })
        .max()
        .unwrap_or(0);
    for r in 0..revisions {
        out.push_str(&format!(",running_revision_{}", r + 1));
    }
    for &p in &groups {
        let name = &output.figures.provider_names[p];
        out.push_str(&format!(",instances_{name},capacity_provider_reservation_{name}"));
    }
    out.push_str(",cumulative_cost_usd\n");
    // The simulated duration only: requests answered while the last ones drain
    // after it count in summary.json, but those minutes have no fleet figures.
    let minutes = scenario.duration.as_nanos().div_ceil(60_000_000_000) as usize;
    for minute in 0..minutes {
        for (service, rows) in scenario.cluster.services.iter().zip(&output.figures.minutes) {
            let Some(row) = rows.get(minute) else { continue };
            let r = &row.requests;
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.3}\n",
                minute * 60,
                service.name,
                row.arrivals,
                r.succeeded,
                r.failed_with_status(500),
                r.failed_with_status(502),
                r.failed_with_status(503),
                r.failed_with_status(504),
                optional(row.latency_ms_p50, 3),
                optional(row.latency_ms_p99, 3),
                row.desired_count,
                row.running_count,
                row.healthy_count,
                optional(row.cpu_utilization, 2),
                row.mean_requests_in_tasks,
            ));
            out.pop(); // the newline: more columns follow
            out.push_str(&format!(
                ",{},{},{}",
                optional(row.memory_utilization, 2),
                row.request_count,
                optional(row.request_count_per_target, 2)
            ));
            for p in 0..policy_columns {
                match row.policies.get(p) {
                    Some(m) => out.push_str(&format!(
                        ",{},{},{}",
                        optional(m.metric, 2),
                        m.alarm_high.as_str(),
                        m.alarm_low.map_or("", |a| a.as_str())
                    )),
                    None => out.push_str(",,,"),
                }
            }
            for &p in &providers {
                out.push_str(&format!(",{}", row.running_by_provider.get(p).copied().unwrap_or(0)));
            }
            for r in 0..revisions {
                out.push_str(&format!(",{}", row.running_by_revision.get(r).copied().unwrap_or(0)));
            }
            for &p in &groups {
                let row = output.figures.providers.get(p).and_then(|g| g.minutes.get(minute));
                out.push_str(&format!(
                    ",{},{}",
                    row.map_or(0, |r| r.instances),
                    optional(row.and_then(|r| r.reservation_percent), 1)
                ));
            }
            out.push_str(&format!(",{:.6}\n", output.cumulative_cost_usd.get(minute).copied().unwrap_or(0.0)));
        }
    }
    out.into_bytes()
}

pub fn events_csv(scenario: &Scenario, output: &RunOutput) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["time_s", "time", "service", "task", "event", "detail"]);
    for e in &output.figures.events {
        let _ = writer.write_record([
            format!("{}.{:03}", e.at.as_nanos() / 1_000_000_000, e.at.as_nanos() / 1_000_000 % 1000),
            e.at.to_string(),
            e.service.map_or_else(String::new, |s| scenario.cluster.services[s.index()].name.clone()),
            e.task.map_or_else(String::new, |t| t.0.to_string()),
            e.event.to_string(),
            e.detail.clone(),
        ]);
    }
    writer.into_inner().unwrap_or_default()
}
