//! Queueing results against closed forms: a task with CPU contention off and
//! exponential service is an M/M/c station (c = concurrency), so its waits must
//! match Erlang C, and every run must satisfy Little's law.

use crate::support;
use fleetsim::engine::SimTime;
use fleetsim::model::{Observation, Observer, Outcome};
use fleetsim::queueing::{erlang_c, mean_wait};

/// A scenario of `tasks` M/M/`servers` stations that are up from time zero.
fn mmc_scenario(
    arrival_rate: f64,
    service_mean_ms: f64,
    servers: u32,
    tasks: u32,
    algorithm: &str,
    secs: u64,
) -> String {
    format!(
        r#"
        duration = "{secs}s"
        seed = 11
        [traffic]
        kind = "constant"
        rate_per_second = {arrival_rate}
        [service]
        desired_count = {tasks}
        concurrency = {servers}
        queue_limit = 100000000
        cpu_contention = false
        vcpu_per_request = 0.001
        service_time = {{ distribution = "exponential", mean = "{service_mean_ms}ms" }}
        startup_time = {{ distribution = "constant", value = "0s" }}
        provisioning_time = "0s"
        deprovisioning_time = "0s"
        [load_balancer]
        algorithm = "{algorithm}"
        idle_timeout = "4000s"
        "#
    )
}

/// Batch means of the wait and of P(wait > 0), by arrival time, so the
/// standard error accounts for the correlation between successive waits.
struct BatchMeans {
    batch_nanos: u64,
    wait_sum_nanos: Vec<u128>,
    waited: Vec<u64>,
    count: Vec<u64>,
}

impl BatchMeans {
    fn new(duration_secs: u64, batches: usize) -> Self {
        BatchMeans {
            batch_nanos: duration_secs * 1_000_000_000 / batches as u64,
            wait_sum_nanos: vec![0; batches],
            waited: vec![0; batches],
            count: vec![0; batches],
        }
    }

    /// (mean, standard error) of the per-batch means, skipping the first batch (warm-up from empty).
    fn estimate(&self, per_batch: impl Fn(usize) -> f64) -> (f64, f64) {
        let xs: Vec<f64> = (1..self.count.len()).map(per_batch).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }

    fn wait_secs(&self) -> (f64, f64) {
        self.estimate(|b| self.wait_sum_nanos[b] as f64 / 1e9 / self.count[b] as f64)
    }

    fn p_wait(&self) -> (f64, f64) {
        self.estimate(|b| self.waited[b] as f64 / self.count[b] as f64)
    }
}

impl Observer for BatchMeans {
    fn observe(&mut self, observation: &Observation) {
        if let Observation::RequestFinished { arrived, outcome: Outcome::Succeeded, queue_time, .. } = *observation {
            let b = (arrived.as_nanos() / self.batch_nanos) as usize;
            if b < self.count.len() {
                self.wait_sum_nanos[b] += u128::from(queue_time.as_nanos());
                self.waited[b] += u64::from(!queue_time.is_zero());
                self.count[b] += 1;
            }
        }
    }
}

fn run_batches(text: &str, secs: u64) -> (BatchMeans, fleetsim::observe::RunFigures) {
    let scenario = support::scenario(text);
    let end = SimTime::ZERO + scenario.duration;
    let mut arrivals =
        fleetsim::traffic::Arrivals::open(&scenario.traffic, &fleetsim::engine::RngStreams::new(scenario.seed), end)
            .expect("traffic opens");
    let names = vec!["web".to_string()];
    let (batches, collector) = fleetsim::run::simulate(
        &scenario.cluster,
        scenario.seed,
        scenario.duration,
        &mut arrivals,
        (BatchMeans::new(secs, 21), fleetsim::observe::Collector::new(names, end)),
    )
    .expect("runs");
    (batches, collector.finish())
}

/// Goal: one task with concurrency c is M/M/c. Method: c ∈ {1, 4, 16},
/// ρ ∈ {0.5, 0.7, 0.9}, μ = 10/s per server, about 1.5 M customers per case
/// (ρ = 0.9 at c = 1 relaxes in ~1/(μ(1−√ρ)²) ≈ 38 s, so 20 batches of
/// several hundred relaxation times each are close to independent). The
/// simulated mean wait and P(wait > 0) must lie within 4.5 batch standard
/// errors of Erlang C (a false alarm about once in 10⁵ per figure), and the
/// standard error must be under 5 % of the mean wait so the test has power.
/// The cases share one seed (common random numbers), so their errors lean the
/// same way: seed 11 runs all a little low, seed 12 all a little high.
#[test]
fn single_task_matches_erlang_c() {
    let mu = 10.0;
    for servers in [1u32, 4, 16] {
        for rho in [0.5, 0.7, 0.9] {
            let lambda = rho * f64::from(servers) * mu;
            let secs = (1_500_000.0 / lambda) as u64;
            let (batches, _) = run_batches(&mmc_scenario(lambda, 100.0, servers, 1, "round_robin", secs), secs);
            let (wait, wait_se) = batches.wait_secs();
            let (p_wait, p_se) = batches.p_wait();
            let expected_wait = mean_wait(lambda, mu, servers);
            let expected_p = erlang_c(lambda, mu, servers);
            let case = format!("c={servers} ρ={rho}: wait {wait:.3e} ± {wait_se:.2e} s vs {expected_wait:.3e}; P(wait) {p_wait:.4} ± {p_se:.4} vs {expected_p:.4}");
            assert!(wait_se < 0.05 * expected_wait, "run too short to test: {case}");
            eprintln!("{case}");
            assert!((wait - expected_wait).abs() < 4.5 * wait_se, "mean wait off: {case}");
            assert!((p_wait - expected_p).abs() < 4.5 * p_se, "P(wait > 0) off: {case}");
        }
    }
}

/// Goal: Little's law L = λW on the same kind of run. Method: L is the model's
/// own time-average of requests inside tasks (integrated in the task, not from
/// request records); λ = served / duration, W = mean latency of served
/// requests. They differ only by requests in flight at the ends of a 2-hour
/// run (a few dozen against ~2 M), so 0.5 % is generous.
#[test]
fn littles_law_holds() {
    for (servers, rho) in [(1u32, 0.8), (4, 0.9), (16, 0.6)] {
        let lambda = rho * f64::from(servers) * 10.0;
        let secs = 7200;
        let figures = support::run(&mmc_scenario(lambda, 100.0, servers, 1, "round_robin", secs));
        let s = &figures.services[0];
        let throughput = s.latency.count as f64 / secs as f64;
        let l = s.mean_requests_in_tasks;
        let lw = throughput * s.latency.mean_ms / 1000.0;
        assert!((l - lw).abs() / lw < 0.005, "c={servers} ρ={rho}: L = {l:.4}, λW = {lw:.4}");
        assert_eq!(s.requests.failed(), 0, "no failures in a stable queue");
    }
}

/// Goal: routing. Method: 4 tasks of M/M/2 at ρ = 0.8. Under `random` each task
/// sees a Poisson stream of λ/4, so each is M/M/2 and the mean wait is Erlang
/// C's (4.5 batch SE). At the same load, least outstanding requests must wait
/// less than round robin, which must wait less than random (the differences are
/// tens of standard errors, so the order is not luck).
#[test]
fn routing_algorithms_rank_as_theory_says() {
    let (mu, servers, tasks, rho) = (10.0, 2u32, 4u32, 0.8);
    let lambda = rho * f64::from(servers * tasks) * mu;
    let secs = 20_000;
    let mut waits = Vec::new();
    for algorithm in ["random", "round_robin", "least_outstanding_requests"] {
        let (batches, _) = run_batches(&mmc_scenario(lambda, 100.0, servers, tasks, algorithm, secs), secs);
        let (wait, se) = batches.wait_secs();
        waits.push((algorithm, wait, se));
    }
    let (_, random_wait, random_se) = waits[0];
    let expected = mean_wait(lambda / f64::from(tasks), mu, servers);
    assert!(
        (random_wait - expected).abs() < 4.5 * random_se,
        "random: {random_wait:.5} ± {random_se:.5} vs Erlang C {expected:.5}"
    );
    let (_, rr, rr_se) = waits[1];
    let (_, lor, lor_se) = waits[2];
    assert!(rr + 5.0 * (rr_se + random_se) < random_wait, "round robin {rr:.5} should beat random {random_wait:.5}");
    assert!(lor + 5.0 * (lor_se + rr_se) < rr, "least outstanding {lor:.5} should beat round robin {rr:.5}");
}
