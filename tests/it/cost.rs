//! The bill against AWS's published prices (aws-semantics §3.6, §4.2, §4.3),
//! worked by hand: us-east-1 Fargate Linux/x86 $0.04048 per vCPU-hour and
//! $0.004445 per GB-hour, ARM $0.03238 and $0.00356, storage above 20 GB
//! $0.000111 per GB-hour, ALB $0.0225 per hour and $0.008 per LCU-hour.

use crate::support;
use fleetsim::cost::{bill, AlbHour, PriceFiles, PriceSheet, Usage};
use fleetsim::model::config::ClusterConfig;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// A one-service cluster whose task is `cpu`/`memory` with `extra` service lines.
fn cluster(cpu: u32, memory: u32, extra: &str) -> ClusterConfig {
    support::scenario(&format!(
        "duration = \"1h\"\n[traffic]\nkind = \"constant\"\nrate_per_second = 1.0\n\
         [service]\ncpu = {cpu}\nmemory = {memory}\nservice_time = {{ distribution = \"constant\", value = \"10ms\" }}\n{extra}"
    ))
    .cluster
}

fn us_east_1() -> PriceSheet {
    PriceSheet::load("us-east-1", &PriceFiles::builtin()).expect("shipped prices")
}

fn line(b: &fleetsim::cost::Bill, key: &str) -> f64 {
    b.lines.iter().find(|l| l.key == key).map_or(0.0, |l| l.usd)
}

/// Goal: the issue's worked example: one 0.5 vCPU / 1 GB x86 task for 24 h =
/// 0.5 × 24 × 0.04048 + 1 × 24 × 0.004445 = 0.48576 + 0.10668 = 0.59244 USD.
#[test]
fn a_half_vcpu_task_for_a_day_costs_0_59244() {
    let usage = Usage { task_seconds: vec![vec![86_400, 0]], alb_hours: vec![], ..Default::default() };
    let b = bill(&cluster(512, 1024, ""), &usage, &us_east_1()).expect("priced");
    assert!(close(line(&b, "fargate_vcpu_hours_x86_64"), 0.48576), "{b:?}");
    assert!(close(line(&b, "fargate_gb_hours_x86_64"), 0.10668));
    assert!(close(b.total_usd, 0.59244), "{}", b.total_usd);
}

/// Goal: ARM is priced on its own rates: 0.5 × 24 × 0.03238 + 1 × 24 × 0.00356
/// = 0.38856 + 0.08544 = 0.474 USD; 50 GiB of ephemeral storage adds
/// (50 − 20) × 24 × 0.000111 = 0.07992 USD.
#[test]
fn arm_and_ephemeral_storage_have_their_own_lines() {
    let usage = Usage { task_seconds: vec![vec![86_400, 0]], alb_hours: vec![], ..Default::default() };
    let arm = cluster(512, 1024, "cpu_architecture = \"ARM64\"\nephemeral_storage_gib = 50\n");
    let b = bill(&arm, &usage, &us_east_1()).expect("priced");
    assert!(close(line(&b, "fargate_vcpu_hours_arm64"), 0.38856), "{b:?}");
    assert!(close(line(&b, "fargate_gb_hours_arm64"), 0.08544));
    assert!(close(line(&b, "fargate_ephemeral_storage_gb_hours"), 0.07992));
    assert!(close(b.total_usd, 0.474 + 0.07992));
}

/// Goal: Fargate Spot bills at the table's dated Spot rate (0.01288871 per
/// vCPU-hour, 0.00141527 per GB-hour on 2026-09-28), or at the scenario's
/// share of On-Demand.
#[test]
fn spot_bills_at_its_own_price() {
    let spot =
        cluster(1024, 2048, "capacity_provider_strategy = [{ capacity_provider = \"FARGATE_SPOT\", weight = 1 }]\n");
    let usage = Usage { task_seconds: vec![vec![0, 3600]], alb_hours: vec![], ..Default::default() };
    let b = bill(&spot, &usage, &us_east_1()).expect("priced");
    assert!(close(b.total_usd, 0.01288871 + 2.0 * 0.00141527), "{b:?}");
    let files = PriceFiles { spot_share: Some(0.5), ..PriceFiles::builtin() };
    let half = PriceSheet::load("us-east-1", &files).expect("prices");
    let b = bill(&spot, &usage, &half).expect("priced");
    assert!(close(b.total_usd, 0.5 * (0.04048 + 2.0 * 0.004445)), "{b:?}");
}

/// Goal: an ALB for an hour at 100 requests/s, one request per connection,
/// 1 KiB in and 4 KiB out: new connections 100/s ÷ 25 = 4 LCU; active
/// connections 6,000/min ÷ 3,000 = 2 LCU; bytes 360,000 × 5 KiB = 1.72 GB =
/// 1.72 LCU; billed 4 LCU: 0.0225 + 4 × 0.008 = 0.0545 USD, plus the
/// internet-facing ALB's two public IPv4s (one per AZ, §3.6 model choice):
/// 2 × 0.005 = 0.01 USD; an internal ALB has none.
#[test]
fn an_alb_hour_bills_its_largest_lcu_dimension() {
    let hour = AlbHour {
        new_connections: 360_000.0,
        active_connection_minutes: 360_000.0,
        processed_bytes: 360_000 * 5 * 1024,
        billable_rule_evaluations: 0,
    };
    assert!(close(hour.lcus(), 4.0));
    let usage = Usage { task_seconds: vec![vec![0, 0]], alb_hours: vec![hour], ..Default::default() };
    let b = bill(&cluster(1024, 2048, ""), &usage, &us_east_1()).expect("priced");
    assert!(close(b.total_usd, 0.0645), "{b:?}");
    assert!(close(line(&b, "alb_public_ipv4_hours"), 0.01), "{b:?}");
    let mut internal = cluster(1024, 2048, "");
    internal.load_balancer.public_ipv4_addresses = 0;
    let b = bill(&internal, &usage, &us_east_1()).expect("priced");
    assert!(close(b.total_usd, 0.0545), "{b:?}");
}

/// Goal: the whole path — a run bills its task from the image pull until the
/// end: one 0.5 vCPU / 1 GB task, provisioning 0 s, for 24 h, so Fargate's
/// lines are the worked 0.59244 USD; the ALB bills 24 hours; the cumulative
/// cost's last minute is the total.
#[test]
fn a_day_long_run_bills_the_worked_example() {
    let text = r#"
        duration = "24h"
        [traffic]
        kind = "constant"
        rate_per_second = 0.5
        [service]
        cpu = 512
        memory = 1024
        provisioning_time = "0s"
        service_time = { distribution = "constant", value = "10ms" }
    "#;
    let output = fleetsim::run::simulate_scenario(&support::scenario(text), None).expect("runs");
    let b = &output.bill;
    assert_eq!(output.figures.usage.task_seconds, vec![vec![86_400, 0]]);
    assert!(close(line(b, "fargate_vcpu_hours_x86_64") + line(b, "fargate_gb_hours_x86_64"), 0.59244), "{b:?}");
    assert!(close(line(b, "alb_hours"), 24.0 * 0.0225));
    let last = output.cumulative_cost_usd.last().copied().unwrap_or_default();
    assert!((last - b.total_usd).abs() < 1e-9, "{last} vs {}", b.total_usd);
}

/// Goal: a task that runs 30 s bills the one-minute minimum. Method: desired
/// 1 → 0 at 30 s; the task, still starting, stops at once: PENDING at 0 s
/// (provisioning 0 s) to DEPROVISIONING at 30 s = 30 s, billed 60.
#[test]
fn a_short_task_bills_the_one_minute_minimum() {
    let text = r#"
        duration = "10m"
        [traffic]
        kind = "constant"
        rate_per_second = 0.0
        [service]
        desired_count = 1
        desired_count_changes = [{ at = "30s", desired_count = 0 }]
        provisioning_time = "0s"
        startup_time = { distribution = "constant", value = "50s" }
        service_time = { distribution = "constant", value = "10ms" }
    "#;
    let output = fleetsim::run::simulate_scenario(&support::scenario(text), None).expect("runs");
    assert_eq!(output.figures.usage.task_seconds, vec![vec![60, 0]]);
}

/// Goal: a request trace's response sizes reach the ALB's processed bytes
/// (§3.6): three requests answering 1 GiB, 1 GiB and 0.5 GiB, each with a
/// 1 KiB request, are 2.5 GiB + 3 KiB processed in the hour: 2.5000029 LCU,
/// the largest dimension (three connections are nothing).
#[test]
fn response_sizes_from_a_trace_are_processed_bytes() {
    let text = r#"
        duration = "1h"
        [traffic]
        kind = "request_trace"
        file = "responses.csv"
        service_time_column = "latency_s"
        response_bytes_column = "bytes"
        [service]
        service_time = { distribution = "trace" }
        startup_time = { distribution = "constant", value = "0s" }
        provisioning_time = "0s"
    "#;
    let output = fleetsim::run::simulate_scenario(&support::scenario(text), None).expect("runs");
    assert_eq!(output.figures.requests.succeeded, 3, "{:?}", output.figures.requests);
    let hour = &output.figures.usage.alb_hours[0];
    assert_eq!(hour.processed_bytes, 2_684_354_560 + 3 * 1024);
    let lcu = output.bill.lines.iter().find(|l| l.key == "alb_lcu_hours").expect("LCU line");
    assert!((lcu.quantity - (2.5 + 3.0 / 1_048_576.0)).abs() < 1e-9, "{lcu:?}");
}
