//! Throughput benchmarks (criterion): the whole model in requests/s and the bare
//! engine in events/s. Figures and the commands that produced them: benches/README.md.
//!
//! - `full_model/1h_1000rps`: `fleetsim run` minus writing files — a
//!   quickstart-like service (the same as benches/day-1000rps.toml, but 1 h) at
//!   a constant 1,000 req/s, 3.6 million requests per iteration, through
//!   `run::simulate_scenario` (traffic, ALB, tasks with processor sharing, the
//!   full `observe::Collector`).
//! - `full_model/1h_1000rps_autoscaling`: the same hour of
//!   benches/day-1000rps-autoscaling.toml, the same service with two target
//!   tracking policies that keep its 25 tasks: what the auto scaling machinery
//!   costs (the bar: at most 10 % of the throughput).
//! - `engine/mm4x100`: the engine alone (`EventQueue`, `RngStreams`,
//!   `sample::exponential`), no model: 100 independent M/M/4 queues in one event
//!   queue, each a count of busy servers and a FIFO count.
//!
//! Run: `cargo bench --bench throughput` (a few minutes on 2 cores).

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use fleetsim::engine::sample::exponential;
use fleetsim::engine::{EventQueue, RngStreams, SimDuration, SimTime, Stream};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// A benchmark day (benches/day-1000rps*.toml) shortened to 1 h.
fn hour_of(day: &str, file: &str) -> fleetsim::scenario::Scenario {
    assert!(day.contains("duration = \"24h\""), "benches/{file}: expected duration = \"24h\"");
    let text = day.replacen("duration = \"24h\"", "duration = \"1h\"", 1);
    match fleetsim::scenario::parse(&text, Path::new("benches/bench-1h.toml")) {
        Ok(scenario) => scenario,
        Err(e) => panic!("benches/{file} is invalid: {}", e.lines().join("; ")),
    }
}

fn full_model(c: &mut Criterion) {
    let variants = [
        ("1h_1000rps", hour_of(include_str!("day-1000rps.toml"), "day-1000rps.toml")),
        (
            "1h_1000rps_autoscaling",
            hour_of(include_str!("day-1000rps-autoscaling.toml"), "day-1000rps-autoscaling.toml"),
        ),
        // Issue 8: three services in a chain; throughput counts client (end-to-end) requests.
        ("1h_1000rps_chain", hour_of(include_str!("day-1000rps-chain.toml"), "day-1000rps-chain.toml")),
    ];
    let mut group = c.benchmark_group("full_model");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(20));
    for (name, scenario) in &variants {
        // One run outside the timing, for the request count and a sanity check.
        let output = fleetsim::run::simulate_scenario(scenario, None).expect("synthetic traffic cannot fail");
        let requests = output.figures.requests.total;
        assert!((3_500_000..3_700_000).contains(&requests), "{name}: expected ≈ 3.6 M requests in 1 h, got {requests}");
        assert!(output.figures.requests.availability() > 0.95, "{name}: the service should mostly succeed");
        for service in &output.figures.services {
            assert_eq!(
                (service.scale_out_activities, service.scale_in_activities),
                (0, 0),
                "{name}: each fleet should keep its 25 tasks, so the variants simulate the same fleets"
            );
        }
        group.throughput(Throughput::Elements(requests));
        group.bench_function(*name, |b| {
            b.iter(|| {
                let output = fleetsim::run::simulate_scenario(black_box(scenario), None).expect("synthetic traffic");
                black_box(output.figures.requests.total)
            })
        });
    }
    group.finish();
}

const QUEUES: usize = 100;
const SERVERS: u32 = 4;
const ARRIVAL_RATE: f64 = 3.2;
const SERVICE_RATE: f64 = 1.0;
/// Events per iteration: ≈ 3,100 simulated seconds of the 100 queues (640 events/s).
const EVENTS: u64 = 2_000_000;

#[derive(Clone, Copy)]
enum Ev {
    Arrival(u32),
    Departure(u32),
}

struct Station {
    busy: u32,
    waiting: u64,
    arrivals: Stream,
    services: Stream,
    /// Time-integral of busy servers (server·ns), for the utilisation check.
    busy_area: u128,
    last_change: SimTime,
}

impl Station {
    fn set_busy(&mut self, now: SimTime, busy: u32) {
        self.busy_area += u128::from(self.busy) * u128::from((now - self.last_change).as_nanos());
        self.last_change = now;
        self.busy = busy;
    }
}

fn after(now: SimTime, stream: &mut Stream, rate: f64) -> SimTime {
    now + SimDuration::from_secs_f64(exponential(stream, 1.0 / rate))
}

/// Runs `events` events of 100 M/M/4 queues; returns (served, mean utilisation).
fn mm4_queues(seed: u64, events: u64) -> (u64, f64) {
    let streams = RngStreams::new(seed);
    let mut queue: EventQueue<Ev> = EventQueue::new();
    let mut stations: Vec<Station> = (0..QUEUES as u64)
        .map(|i| Station {
            busy: 0,
            waiting: 0,
            arrivals: streams.substream("mm4_arrivals", i),
            services: streams.substream("mm4_services", i),
            busy_area: 0,
            last_change: SimTime::ZERO,
        })
        .collect();
    for (i, s) in stations.iter_mut().enumerate() {
        queue.schedule(after(SimTime::ZERO, &mut s.arrivals, ARRIVAL_RATE), Ev::Arrival(i as u32));
    }
    let mut served = 0u64;
    for _ in 0..events {
        let Some((now, event)) = queue.pop() else { break };
        match event {
            Ev::Arrival(i) => {
                let s = &mut stations[i as usize];
                if s.busy < SERVERS {
                    s.set_busy(now, s.busy + 1);
                    queue.schedule(after(now, &mut s.services, SERVICE_RATE), Ev::Departure(i));
                } else {
                    s.waiting += 1;
                }
                queue.schedule(after(now, &mut s.arrivals, ARRIVAL_RATE), Ev::Arrival(i));
            }
            Ev::Departure(i) => {
                let s = &mut stations[i as usize];
                served += 1;
                if s.waiting > 0 {
                    s.waiting -= 1;
                    queue.schedule(after(now, &mut s.services, SERVICE_RATE), Ev::Departure(i));
                } else {
                    s.set_busy(now, s.busy - 1);
                }
            }
        }
    }
    let now = queue.now();
    let busy_area: u128 = stations
        .iter_mut()
        .map(|s| {
            let busy = s.busy;
            s.set_busy(now, busy);
            s.busy_area
        })
        .sum();
    let utilisation = busy_area as f64 / (now.as_nanos() as f64 * f64::from(SERVERS) * QUEUES as f64);
    (served, utilisation)
}

fn engine(c: &mut Criterion) {
    // Not a no-op: the queues must show ρ = λ / (c μ) = 0.8.
    let (served, utilisation) = mm4_queues(1, EVENTS);
    assert!((utilisation - 0.8).abs() < 0.02, "M/M/4 utilisation {utilisation}, expected 0.8");
    assert!(served > EVENTS * 2 / 5, "served {served} of {EVENTS} events");

    let mut group = c.benchmark_group("engine");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function("mm4x100", |b| b.iter(|| black_box(mm4_queues(black_box(7), EVENTS))));
    group.finish();
}

criterion_group!(benches, full_model, engine);
criterion_main!(benches);
