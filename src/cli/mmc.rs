//! `fleetsim mmc`: the M/M/c model of ../shared/peers-bench run through the
//! full model (ALB with random routing, tasks as c-server stations, CPU
//! contention off), printing the JSON keys bench_peers.py reads.

use crate::engine::sample::DurationDistribution;
use crate::engine::{RngStreams, SimDuration, SimTime};
use crate::model::capacity::SplitShortfall;
use crate::model::config::{only_on, CapacityProviderConfig, CpuArchitecture, SpotMarket, FARGATE};
use crate::model::config::{
    Algorithm, ClusterConfig, HealthCheckConfig, LoadBalancerConfig, ServiceConfig, TargetGroupConfig, TaskDefinition,
};
use crate::model::listener::{Action, Listener};
use crate::model::{RouteId, ServiceId, TargetGroupId};
use crate::observe::Collector;
use crate::queueing;
use crate::traffic::{Arrivals, RateProfile, Routing, SourceSpec, TrafficSpec};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long)]
    pub arrival_rate: f64,
    #[arg(long)]
    pub service_rate: f64,
    #[arg(long)]
    pub servers: u32,
    #[arg(long)]
    pub customers: u64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value_t = 1)]
    pub stations: u32,
}

/// A cluster of `stations` tasks, each an M/M/`servers` station, that start at once.
pub fn mmc_cluster(service_rate: f64, servers: u32, stations: u32) -> ClusterConfig {
    let task = TaskDefinition {
        cpu_units: 1024,
        memory_mib: 2048,
        concurrency: servers,
        queue_limit: u32::MAX,
        service_time: DurationDistribution::Exponential { mean_secs: 1.0 / service_rate },
        vcpu_per_request_millis: 1,
        memory_baseline_mib: 0.0,
        memory_per_request_mib: 0.0,
        memory_leak_per_request_mib: 0.0,
        memory_leak_per_hour_mib: 0.0,
        memory_reserved_mib: 2048,
        memory_limit_mib: Some(2048),
        cpu_contention: false,
        startup_time: DurationDistribution::Constant(SimDuration::ZERO),
        provisioning_time: SimDuration::ZERO,
        app_ready_time: SimDuration::ZERO,
        stop_timeout: SimDuration::from_secs(30),
        deprovisioning_time: SimDuration::ZERO,
        mean_time_between_crashes: None,
        architecture: CpuArchitecture::X86_64,
        ephemeral_storage_gib: 20,
        assign_public_ip: false,
        response_bytes: 0,
        service_time_scale: 1.0,
        start_failure_probability: 0.0,
        health_check_failure_probability: 0.0,
        unhealthy_after: None,
        container_health_check: None,
    };
    ClusterConfig {
        queues: Vec::new(),
        services: vec![ServiceConfig {
            name: "mmc".into(),
            scheduling_strategy: Default::default(),
            desired_count: stations,
            desired_count_changes: vec![],
            task,
            target_group: TargetGroupId(0),
            load_balanced: true,
            alternate_target_group: TargetGroupId(1),
            health_check_grace_period: SimDuration::ZERO,
            auto_scaling: None,
            capacity_provider_strategy: only_on(FARGATE),
            split_shortfall: SplitShortfall::After,
            placement: Default::default(),
            warm_start: false,
            deployments: Vec::new(),
            deployment_configuration: Default::default(),
            calls: Vec::new(),
            calls_in_parallel: false,
            worker: None,
            run_task: None,
        }],
        load_balancer: LoadBalancerConfig {
            algorithm: Algorithm::Random,
            idle_timeout: SimDuration::from_secs(4000),
            target_groups: vec![
                TargetGroupConfig {
                    service: ServiceId(0),
                    health_check: HealthCheckConfig::default(),
                    deregistration_delay: SimDuration::from_secs(300),
                    slow_start: SimDuration::ZERO,
                };
                2
            ],
            listener: std::sync::Arc::new(Listener::new(vec![], Action::forward(TargetGroupId(0)))),
            route_names: vec!["default".into()],
            request_bytes: 0,
            requests_per_connection: 1.0,
            public_ipv4_addresses: 0,
        },
        capacity_providers: CapacityProviderConfig::fargate_pair(SpotMarket::default()),
    }
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    let valid = args.arrival_rate > 0.0
        && args.service_rate > 0.0
        && args.servers > 0
        && args.stations > 0
        && args.customers > 0;
    if !valid {
        return Err(vec!["mmc: rates, servers, stations and customers must be > 0".into()]);
    }
    let total_rate = args.arrival_rate * f64::from(args.stations);
    let duration = SimDuration::from_secs_f64(args.customers as f64 / total_rate);
    let cluster = mmc_cluster(args.service_rate, args.servers, args.stations);
    let spec = TrafficSpec {
        source: SourceSpec::Synthetic(RateProfile::Constant { rate_per_second: total_rate }),
        rate_scale: 1.0,
        time_scale: 1.0,
        start_offset: SimDuration::ZERO,
        routing: Routing::Fixed(RouteId(0)),
    };
    let end = SimTime::ZERO + duration;
    #[allow(clippy::disallowed_methods)] // benchmark adapter: wall time is its output
    let started = std::time::Instant::now();
    let mut arrivals = Arrivals::open(&spec, &RngStreams::new(args.seed), end).map_err(|e| vec![e.to_string()])?;
    let collector =
        crate::run::simulate(&cluster, args.seed, duration, &mut arrivals, Collector::new(vec!["mmc".into()], end))
            .map_err(|e| vec![e.to_string()])?;
    let figures = collector.finish();
    let wall = started.elapsed().as_secs_f64();
    let s = &figures.services[0];
    let served = s.latency.count;
    let expected_wait = queueing::mean_wait(args.arrival_rate, args.service_rate, args.servers);
    let mean_wait = s.queue_time.mean_ms / 1000.0;
    let out = serde_json::json!({
        "tool": "fleetsim",
        "version": env!("CARGO_PKG_VERSION"),
        "customers": served,
        "wall_s": wall,
        "customers_per_s": served as f64 / wall,
        "mean_wait_s": mean_wait,
        "mean_wait_rel_err": (mean_wait - expected_wait) / expected_wait,
        "p_wait": s.queued_share,
        "p99_response_s": s.latency.p99_ms / 1000.0,
        "erlang_c": { "mean_wait_s": expected_wait, "p_wait": queueing::erlang_c(args.arrival_rate, args.service_rate, args.servers) },
    });
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}
