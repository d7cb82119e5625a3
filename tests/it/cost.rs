//! The bill against AWS's published prices (aws-semantics §3.6, §4.2, §4.3),
//! worked by hand: us-east-1 Fargate Linux/x86 $0.04048 per vCPU-hour and
//! $0.004445 per GB-hour, ARM $0.03238 and $0.00356, storage above 20 GB
//! $0.000111 per GB-hour, ALB $0.0225 per hour and $0.008 per LCU-hour.

use crate::support;
use fleetsim::cost::{bill, AlbHour, PriceFiles, PriceSheet, Reserved, Usage};
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

/// The allocation's sums, which hold whatever the run: the services and
/// `unallocated` make the bill's total rounded to the cent, and each ASG
/// provider's allocations make its instance cost in cents, itself within a
/// cent of the exact figure.
pub fn assert_allocation_sums(b: &fleetsim::cost::Bill) {
    let a = &b.allocation;
    assert_eq!(a.total_cents, (b.total_usd * 100.0).round() as i64, "{a:?}");
    let services: i64 = a.services.iter().map(|s| s.total_cents()).sum();
    assert_eq!(services + a.unallocated_cents, a.total_cents, "{a:?}");
    for p in &a.providers {
        assert_eq!(p.by_service_cents.iter().sum::<i64>() + p.unallocated_cents, p.instance_cents, "{p:?}");
        assert!((p.instance_cents as f64 - p.instance_usd * 100.0).abs() < 1.0, "{p:?}");
    }
}

/// Goal: two Fargate services each pay their own tasks at AWS's prices
/// (§4.2), worked by hand for 10 hours (provisioning 0 s, so each task bills
/// from 0 to the end):
///
/// | service | tasks | line items per task-hour | 10 h |
/// |---|---|---|---|
/// | api (x86) | 2 × 1 vCPU / 2 GB | 0.04048 + 2 × 0.004445 = 0.04937 | 20 × 0.04937 = 0.9874 |
/// | worker (ARM) | 1 × 0.5 vCPU / 1 GB, 30 GiB, public IP | 0.5 × 0.03238 + 0.00356 + 10 × 0.000111 + 0.005 = 0.02586 | 0.2586 |
///
/// The ALB is shared by requests: all go to api (the first service takes the
/// default action), so worker pays none of it. The ALB is 10 × 0.0225 +
/// 10 × 0.04 LCU (1 new connection/s ÷ 25) × 0.008 + 20 × 0.005 (two public
/// IPv4s) = 0.3282 USD. In cents: the total 1.5742 USD is 157 cents; the parts
/// 98.74 (api), 25.86 (worker) and 32.82 (ALB) floor to 155, and the two
/// cents left go to the largest fractions: worker 26, the ALB 33, api 98.
#[test]
fn fargate_services_each_pay_their_own_tasks() {
    let text = r#"
        duration = "10h"
        [traffic]
        kind = "constant"
        rate_per_second = 1.0
        [[services]]
        name = "api"
        desired_count = 2
        cpu = 1024
        memory = 2048
        provisioning_time = "0s"
        service_time = { distribution = "constant", value = "10ms" }
        [[services]]
        name = "worker"
        desired_count = 1
        cpu = 512
        memory = 1024
        cpu_architecture = "ARM64"
        ephemeral_storage_gib = 30
        assign_public_ip = true
        provisioning_time = "0s"
        service_time = { distribution = "constant", value = "10ms" }
    "#;
    let output = fleetsim::run::simulate_scenario(&support::scenario(text), None).expect("runs");
    assert_eq!(output.figures.usage.task_seconds, vec![vec![72_000, 0], vec![36_000, 0]]);
    let a = &output.bill.allocation;
    let (api, worker) = (&a.services[0], &a.services[1]);
    assert!(close(api.fargate_usd, 0.9874), "{api:?}");
    assert!(close(worker.fargate_usd, 0.2586), "{worker:?}");
    assert_eq!((api.fargate_cents, worker.fargate_cents), (98, 26));
    assert_eq!((api.shared_cents, api.total_cents(), a.total_cents), (33, 131, 157));
    assert_eq!((api.ec2_allocated_cents, worker.ec2_allocated_cents), (0, 0));
    assert_eq!(worker.shared_cents, 0);
    let alb: f64 = output.bill.lines.iter().filter(|l| l.key.starts_with("alb_")).map(|l| l.usd).sum();
    assert!(close(api.shared_usd, alb), "{api:?}");
    // Fargate per service adds up to the bill's Fargate lines.
    let fargate: f64 = output.bill.lines.iter().filter(|l| !l.key.starts_with("alb_")).map(|l| l.usd).sum();
    assert!(close(api.fargate_usd + worker.fargate_usd, fargate));
    assert_eq!(a.unallocated_cents, 0);
    assert_allocation_sums(&output.bill);
}

/// A cluster of two services on one m6i.large ASG provider (index 2), for
/// bills worked from a hand-made usage.
fn two_services_on_m6i() -> ClusterConfig {
    support::scenario(
        r#"
        duration = "1h"
        [traffic]
        kind = "constant"
        rate_per_second = 1.0
        [[services]]
        name = "a"
        launch_type = "EC2"
        service_time = { distribution = "constant", value = "10ms" }
        [[services]]
        name = "b"
        launch_type = "EC2"
        service_time = { distribution = "constant", value = "10ms" }
        [[capacity_providers]]
        name = "m6i"
        instance_type = "m6i.large"
        max_size = 4
        "#,
    )
    .cluster
}

/// Goal: CPU and memory are weighted by their share of the instance's price
/// as split cost allocation data does (9 per vCPU to 1 per GB). Worked: an
/// m6i.large (2 vCPU, registering ⌊8192 × 0.975⌋ = 7987 MiB = 7.7998 GiB)
/// for 100 hours costs 9.60 USD; CPU's share is 18 / (18 + 7.7998) = 0.697680.
/// A reserves 1536 CPU units and 1024 MiB, B 512 and 3072: A's share is
/// 0.697680 × 0.75 + 0.302320 × 0.25 = 0.598840, 574.89 → 575 cents; B
/// 385 (a 50/50 rule would give 480 each). A further hour in which nothing is
/// reserved (0.096 USD) goes to `unallocated`.
#[test]
fn instance_cost_splits_by_reserved_cpu_and_memory_weighted_nine_to_one() {
    let cluster = two_services_on_m6i();
    let hour: u128 = 3_600_000_000_000;
    let reserved = |cpu: u128, mib: u128| Reserved { cpu_unit_nanos: cpu * hour, memory_mib_nanos: mib * hour };
    let mut usage = Usage {
        task_seconds: vec![vec![0; 3]; 2],
        instance_seconds: vec![0, 0, 100 * 3600],
        instance_nanos_by_hour: vec![vec![], vec![], vec![hour; 100]],
        reserved_by_hour: vec![
            vec![vec![]; 2],
            vec![vec![]; 2],
            vec![vec![reserved(1536, 1024); 100], vec![reserved(512, 3072); 100]],
        ],
        ..Default::default()
    };
    let b = bill(&cluster, &usage, &us_east_1()).expect("priced");
    let p = &b.allocation.providers[2];
    assert!(close(p.instance_usd, 9.6), "{p:?}");
    let cpu_share: f64 = 18.0 / (18.0 + 7987.0 / 1024.0);
    let a_share = cpu_share * 0.75 + (1.0 - cpu_share) * 0.25;
    assert!((a_share - 0.598840).abs() < 1e-6, "{a_share}");
    assert!(close(b.allocation.services[0].ec2_allocated_usd, 9.6 * a_share));
    assert_eq!(p.by_service_cents, [575, 385]);
    assert_eq!(p.unallocated_cents, 0);
    assert_allocation_sums(&b);

    usage.instance_seconds[2] += 3600;
    usage.instance_nanos_by_hour[2].push(hour);
    for per_service in &mut usage.reserved_by_hour[2] {
        per_service.push(Reserved::default());
    }
    let b = bill(&cluster, &usage, &us_east_1()).expect("priced");
    let p = &b.allocation.providers[2];
    assert_eq!((p.instance_cents, p.by_service_cents.clone(), p.unallocated_cents), (970, vec![575, 385], 10));
    assert_eq!(b.allocation.unallocated_cents, 10);
    assert_allocation_sums(&b);
}
