//! Issue 9: SQS queues and queue workers (aws-semantics §12).

use crate::support;
use fleetsim::engine::{RngStreams, SimDuration, SimTime};
use fleetsim::model::observation::JobEnd;
use fleetsim::model::{Observation, Observer, QueueId, World};
use fleetsim::queueing::mean_wait;
use fleetsim::traffic::Arrivals;

/// Time queued of each deleted job, summed per batch of send time.
struct TimeQueued {
    batch_nanos: u64,
    sum_secs: Vec<f64>,
    count: Vec<u64>,
}

impl Observer for TimeQueued {
    fn observe(&mut self, o: &Observation) {
        if let Observation::JobFinished { sent_at, received_at, end: JobEnd::Deleted, .. } = *o {
            let b = (sent_at.as_nanos() / self.batch_nanos) as usize;
            if b < self.sum_secs.len() {
                self.sum_secs[b] += (received_at - sent_at).as_secs_f64();
                self.count[b] += 1;
            }
        }
    }
}

/// Goal: issue 9's M/M/c. Four workers of one job at a time (exponential,
/// mean 400 ms: μ = 2.5/s) on a queue fed at λ = 8/s (ρ = 0.8), long
/// polling. Waiting workers receive a message the instant it is visible and
/// messages leave in the order they became visible, so the pool is an M/M/4
/// FIFO queue: polling adds nothing measurable (no round trip is modelled,
/// and a long poll that waits out its 20 s polls again at once). The mean
/// time queued is Erlang C's Wq within 4.5 batch standard errors.
#[test]
fn a_worker_pool_with_long_polling_is_an_m_m_c_queue() {
    let (lambda, mu, servers, secs) = (8.0, 2.5, 4u32, 20_000u64);
    let text = format!(
        r#"
duration = "{secs}s"
seed = 11
[[queues]]
name = "jobs"
visibility_timeout = "12h"
[traffic]
kind = "constant"
rate_per_second = {lambda}
queue = "jobs"
[[services]]
name = "worker"
desired_count = {servers}
warm_start = true
concurrency = 1
cpu_contention = false
service_time = {{ distribution = "exponential", mean = "400ms" }}
worker = {{ queue = "jobs", max_number_of_messages = 10, wait_time_seconds = 20 }}
"#
    );
    let scenario = support::scenario(&text);
    let end = SimTime::ZERO + scenario.duration;
    let mut arrivals = Arrivals::open(&scenario.traffic, &RngStreams::new(scenario.seed), end).expect("traffic opens");
    let batches = 21;
    let observer = TimeQueued {
        batch_nanos: secs * 1_000_000_000 / batches,
        sum_secs: vec![0.0; batches as usize],
        count: vec![0; batches as usize],
    };
    let waits = fleetsim::run::simulate(&scenario.cluster, scenario.seed, scenario.duration, &mut arrivals, observer)
        .expect("runs");
    let means: Vec<f64> = (1..21).map(|b| waits.sum_secs[b] / waits.count[b] as f64).collect();
    let n = means.len() as f64;
    let mean = means.iter().sum::<f64>() / n;
    let se = (means.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0) / n).sqrt();
    let expected = mean_wait(lambda, mu, servers);
    let case = format!("{mean:.5} ± {se:.5} s against Erlang C's {expected:.5} s");
    assert!(se < 0.05 * expected, "run too short to test: {case}");
    assert!((mean - expected).abs() < 4.5 * se, "{case}");
}

/// The scenario of the visibility test: one message at 0.5 s, a job of 60 s,
/// a visibility timeout of 30 s and maxReceiveCount 2; the worker's task is
/// stopped at 8 s (SIGTERM, SIGKILL 2 s later) and at 40 s, and a new one
/// started at 20 s and at 45 s.
const VISIBILITY: &str = r#"
duration = "3m"
[[queues]]
name = "jobs"
visibility_timeout = "30s"
max_receive_count = 2
[traffic]
kind = "request_trace"
file = "queues/one-message.csv"
queue = "jobs"
[[services]]
name = "worker"
desired_count = 1
warm_start = true
concurrency = 1
stop_timeout = "2s"
provisioning_time = "1s"
startup_time = { distribution = "constant", value = "2s" }
app_ready_time = "0s"
service_time = { distribution = "constant", value = "60s" }
worker = { queue = "jobs", wait_time_seconds = 20 }
desired_count_changes = [
  { at = "8s", desired_count = 0 },
  { at = "20s", desired_count = 1 },
  { at = "40s", desired_count = 0 },
  { at = "45s", desired_count = 1 },
]
"#;

/// Goal: issue 9's visibility timeout, worked by hand. The message is
/// received at 0.5 s; the task is killed at 10 s (SIGTERM at 8 s plus the
/// 2 s stopTimeout), so its job is abandoned and the message stays in flight
/// until 0.5 + 30 = 30.5 s, when the new task's waiting long poll receives it
/// (receive count 2, a redelivery). That task is killed at 42 s; the message
/// is visible again at 60.5 s, and the receive that would make its count 3
/// moves it to the dead-letter queue instead (§12.2's model choice).
#[test]
fn a_killed_worker_s_message_reappears_after_the_visibility_timeout_then_goes_to_the_dlq() {
    let (figures, observations) = support::run_observed(VISIBILITY);
    let s = |x: f64| SimTime::ZERO + SimDuration::from_secs_f64(x);
    let jobs: Vec<(SimTime, SimTime, u32, JobEnd)> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::JobFinished { at, received_at, receive_count, end, .. } => {
                Some((at, received_at, receive_count, end))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        jobs,
        vec![(s(10.0), s(0.5), 1, JobEnd::Abandoned), (s(42.0), s(30.5), 2, JobEnd::Abandoned)],
        "two receives, each cut by a SIGKILL"
    );
    let minutes: Vec<_> = observations
        .iter()
        .filter_map(|o| match o {
            Observation::QueueMinuteClosed { start, visible, in_flight, counts, .. } => {
                Some((start.as_nanos() / 60_000_000_000, *visible, *in_flight, *counts))
            }
            _ => None,
        })
        .collect();
    // Minute 0: sent, received twice (once a redelivery), in flight at its end.
    assert_eq!((minutes[0].1, minutes[0].2), (0, 1));
    assert_eq!((minutes[0].3.sent, minutes[0].3.received, minutes[0].3.redelivered), (1, 2, 1));
    // Minute 1: at 60.5 s the third receive moves it to the DLQ.
    assert_eq!((minutes[1].1, minutes[1].2, minutes[1].3.moved_to_dlq, minutes[1].3.received), (0, 0, 1, 0));
    let q = &figures.queues[0];
    assert_eq!((q.totals.sent, q.totals.deleted, q.totals.moved_to_dlq, q.jobs_abandoned), (1, 0, 1, 2));
}

/// Goal: no message is lost or counted twice. Random traffic, worker kills
/// (crashes and scale changes), short and long polling, visibility timeouts
/// shorter than some jobs (duplicates), small maxReceiveCounts and short
/// retention: at every minute, every message sent is visible, in flight,
/// deleted, in the DLQ or expired, and the counters agree with a recount of
/// every message's own state.
#[test]
fn every_message_is_accounted_for_under_random_kills_and_settings() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut outcomes = [0u64; 5];
    for case in 0..12 {
        let rate = 2 + next(30);
        let workers = 1 + next(6);
        let visibility = 1 + next(20);
        let retention = 60 + next(300);
        let max_receive = 1 + next(4);
        let wait = if next(2) == 0 { 0 } else { 1 + next(20) };
        let messages = 1 + next(10);
        let concurrency = 1 + next(8);
        let mean_ms = 100 + next(5000);
        let crash_s = 20 + next(300);
        let text = format!(
            r#"
duration = "20m"
seed = {case}
[[queues]]
name = "q"
visibility_timeout = "{visibility}s"
message_retention_period = "{retention}s"
max_receive_count = {max_receive}
[traffic]
kind = "spike"
base_per_second = {rate}
spike_per_second = {spike}
start = "5m"
duration = "2m"
queue = "q"
[[services]]
name = "w"
desired_count = {workers}
warm_start = true
concurrency = {concurrency}
stop_timeout = "3s"
mean_time_between_crashes = "{crash_s}s"
service_time = {{ distribution = "exponential", mean = "{mean_ms}ms" }}
worker = {{ queue = "q", max_number_of_messages = {messages}, wait_time_seconds = {wait}, empty_receive_pause = "700ms" }}
desired_count_changes = [{{ at = "3m", desired_count = 1 }}, {{ at = "9m", desired_count = {workers} }}]
"#,
            spike = rate * 3
        );
        let scenario = support::scenario(&text);
        let end = SimTime::ZERO + scenario.duration;
        let mut arrivals = Arrivals::open(&scenario.traffic, &RngStreams::new(scenario.seed), end).expect("opens");
        let mut world = World::new(scenario.cluster.clone(), scenario.seed, scenario.duration, Vec::new());
        let mut next_arrival = arrivals.next_arrival().expect("reads");
        let mut audits = 0u64;
        loop {
            let next_event = world.next_event_time();
            match next_arrival {
                Some(a) if next_event.is_none_or(|at| a.at < at) => {
                    world.handle_arrival(a);
                    next_arrival = arrivals.next_arrival().expect("reads");
                }
                _ => match next_event {
                    Some(at) if at <= end => {
                        world.step();
                    }
                    _ => break,
                },
            }
            // An audit every simulated 10 s.
            if world.now().as_nanos() / 10_000_000_000 > audits {
                let audit = world.queue_audit(QueueId(0));
                assert!(audit.balances(), "case {case}: {audit:?}\n{text}");
                audits += 1;
                for o in world.observer() {
                    if let Observation::JobFinished { end, .. } = o {
                        outcomes[*end as usize] += 1;
                    }
                }
                // Keep the log short; the audit reads the world, not the log.
                world.observer_mut().clear();
            }
        }
        let audit = world.queue_audit(QueueId(0));
        assert!(audit.balances(), "case {case} at the end: {audit:?}\n{text}");
        assert!(audits >= 119, "case {case}: {audits} audits");
        outcomes[4] += audit.totals.moved_to_dlq + audit.totals.expired;
    }
    // The cases reach every way out: deletes, stale receipts, deletes of
    // gone messages, kills, DLQ or expiry.
    assert!(outcomes.iter().all(|&n| n > 0), "{outcomes:?}");
}

/// Goal: AWS's own example (§12.4): acceptable latency 10 s ÷ 0.1 s a
/// message = target 100; 1,500 visible messages on 10 running tasks is 150
/// each, so target tracking sets desiredCount to 10 × 150 / 100 = 15.
/// Ten tasks each hold one hour-long job; 1,510 messages arrive in the first
/// second (a count trace): 10 in flight, 1,500 visible from minute 0 on.
#[test]
fn backlog_per_task_scales_as_aws_s_example_says() {
    let (figures, observations) = support::run_observed(
        r#"
duration = "10m"
[[queues]]
name = "jobs"
visibility_timeout = "12h"
[traffic]
kind = "count_trace"
file = "queues/burst.csv"
queue = "jobs"
[[services]]
name = "worker"
desired_count = 10
warm_start = true
concurrency = 1
startup_time = { distribution = "constant", value = "1h" }
service_time = { distribution = "constant", value = "1h" }
worker = { queue = "jobs", wait_time_seconds = 20 }
[services.auto_scaling]
min_capacity = 1
max_capacity = 100
target_tracking = [{ customized_metric = "sqs_backlog_per_task", target_value = 100.0 }]
"#,
    );
    let first = observations.iter().find_map(|o| match *o {
        Observation::DesiredCountChanged { at, desired_count, .. } if at > SimTime::ZERO => Some(desired_count),
        _ => None,
    });
    let visible: Vec<f64> = figures.minutes[0].iter().filter_map(|r| r.messages_visible).collect();
    assert!(visible.iter().all(|&v| v == 1500.0), "{visible:?}");
    assert_eq!(first, Some(15), "1,500 messages / 10 tasks = 150 against a target of 100");
}

/// Goal: short polling counts an empty receive per poll of an empty queue
/// and pauses between them (model choice); long polling counts one per
/// `WaitTimeSeconds` waited out.
#[test]
fn empty_receives_follow_the_polling_mode() {
    let run = |worker: &str| {
        support::run(&format!(
            r#"
duration = "10m"
[[queues]]
name = "jobs"
[[services]]
name = "worker"
desired_count = 2
warm_start = true
service_time = {{ distribution = "constant", value = "1s" }}
worker = {worker}
"#
        ))
        .queues[0]
            .totals
            .empty_receives
    };
    // Short: a poll at 0, 2, …, 598 s on each of 2 tasks. Long: polls waited
    // out at 20, 40, …, 580 s (the one ending at 600 s ends with the run).
    assert_eq!(run(r#"{ queue = "jobs", empty_receive_pause = "2s" }"#), 2 * 300);
    assert_eq!(run(r#"{ queue = "jobs", wait_time_seconds = 20 }"#), 2 * 29);
}

/// One message at 10 s to a worker whose only task stopped listening at 5 s
/// while it waited in a long poll: scaled in (idle, so it exits at once),
/// scaled in while it still works on a long job, or hung (`unhealthy_after`).
/// Returns (received, deleted, visible at the end).
fn message_after_the_worker_stopped_listening(task: &str) -> (u64, u64, u64) {
    let figures = support::run(&format!(
        r#"
duration = "2m"
[[queues]]
name = "jobs"
[traffic]
kind = "request_trace"
file = "queues/one-message-at-10s.csv"
queue = "jobs"
[[services]]
name = "worker"
desired_count = 1
warm_start = true
stop_timeout = "2m"
service_time = {{ distribution = "constant", value = "1s" }}
worker = {{ queue = "jobs", wait_time_seconds = 20 }}
{task}
"#
    ));
    let q = &figures.queues[0];
    (q.totals.received, q.totals.deleted, q.visible_at_end)
}

/// Goal: a worker stops polling when it stops listening (SIGTERM, a hang):
/// a long poll it was waiting in when that happened returns nothing to it,
/// so the message stays visible. (A dead task's long poll used to receive
/// the message and delete it after its containers had exited.)
#[test]
fn a_task_that_stopped_listening_during_a_long_poll_receives_nothing() {
    let scaled_in = r#"desired_count_changes = [{ at = "5s", desired_count = 0 }]"#;
    assert_eq!(message_after_the_worker_stopped_listening(&format!("concurrency = 1\n{scaled_in}")), (0, 0, 1));
    let hung = "concurrency = 1\nunhealthy_after = \"5s\"";
    assert_eq!(message_after_the_worker_stopped_listening(hung), (0, 0, 1));
}

/// Goal: scaling from and to zero end to end (§12.4): a worker service at
/// min 0 and desired 0 with a step policy on visible messages above 0
/// (1 of 1) starts tasks when 50 messages arrive at 5:00; they drain the
/// queue, and a second step policy sets 0 after three minutes with none
/// visible.
#[test]
fn a_worker_service_scales_from_zero_on_visible_messages_and_back() {
    let (figures, observations) = support::run_observed(
        r#"
duration = "30m"
[[queues]]
name = "jobs"
[traffic]
kind = "count_trace"
file = "queues/burst-at-5m.csv"
queue = "jobs"
[[services]]
name = "worker"
desired_count = 0
concurrency = 1
service_time = { distribution = "constant", value = "2s" }
worker = { queue = "jobs", wait_time_seconds = 20 }
[services.auto_scaling]
min_capacity = 0
max_capacity = 4
[[services.auto_scaling.step_scaling]]
name = "out"
adjustment_type = "ChangeInCapacity"
cooldown = "60s"
alarm = { metric_name = "ApproximateNumberOfMessagesVisible", evaluation_periods = 1, threshold = 0.0, comparison_operator = "GreaterThanThreshold" }
step_adjustments = [{ metric_interval_lower_bound = 0.0, scaling_adjustment = 2 }]
[[services.auto_scaling.step_scaling]]
name = "in"
adjustment_type = "ExactCapacity"
cooldown = "60s"
alarm = { metric_name = "ApproximateNumberOfMessagesVisible", evaluation_periods = 3, threshold = 0.0, comparison_operator = "LessThanOrEqualToThreshold" }
step_adjustments = [{ metric_interval_upper_bound = 0.0, scaling_adjustment = 0 }]
"#,
    );
    let desired: Vec<(u64, u32)> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::DesiredCountChanged { at, desired_count, .. } if at > SimTime::ZERO => {
                Some((at.as_nanos() / 60_000_000_000, desired_count))
            }
            _ => None,
        })
        .collect();
    // Minute 5's sample (50 visible at 6:00) is published after the lag:
    // +2 at 8:00, +2 more once the cooldown ends with messages still visible,
    // then 0 once three published minutes show none.
    assert_eq!(desired, [(8, 2), (9, 4), (14, 0)]);
    let q = &figures.queues[0];
    assert_eq!((q.totals.sent, q.totals.deleted, q.visible_at_end, q.in_flight_at_end), (50, 50, 0, 0), "{q:?}");
    assert_eq!(figures.minutes[0].last().map(|r| r.running_count), Some(0));
}

/// Goal: a job reports its own message's send time, even when the message
/// left the queue while the job ran and a newer message came in behind it.
/// A 120 s job received at 0.5 s outlives its message (retention 60 s);
/// a message is sent at 70 s; the first job's end (a delete of a gone
/// message at 120.5 s) names the send at 0.5 s, not 70 s.
#[test]
fn a_job_whose_message_expired_reports_its_own_send_time() {
    let (figures, observations) = support::run_observed(
        r#"
duration = "3m"
[[queues]]
name = "jobs"
visibility_timeout = "12h"
message_retention_period = "60s"
[traffic]
kind = "request_trace"
file = "queues/two-messages.csv"
queue = "jobs"
[[services]]
name = "worker"
desired_count = 1
warm_start = true
concurrency = 2
cpu_contention = false
service_time = { distribution = "constant", value = "120s" }
worker = { queue = "jobs", wait_time_seconds = 20 }
"#,
    );
    let s = |x: f64| SimTime::ZERO + SimDuration::from_secs_f64(x);
    let jobs: Vec<(SimTime, SimTime, SimTime, JobEnd)> = observations
        .iter()
        .filter_map(|o| match *o {
            Observation::JobFinished { at, sent_at, received_at, end, .. } => Some((at, sent_at, received_at, end)),
            _ => None,
        })
        .collect();
    assert_eq!(jobs, vec![(s(120.5), s(0.5), s(0.5), JobEnd::MessageGone)]);
    assert_eq!(figures.queues[0].totals.expired, 2, "both messages outlive retention");
}

/// One message at 0.5 s to one worker task (two jobs at once, no CPU
/// contention) whose jobs take `job`; the queue's settings in `queue`.
/// Returns the queue's run totals.
fn one_message_outlived_by_its_job(queue: &str, job: &str) -> fleetsim::model::observation::QueueCounts {
    support::run(&format!(
        r#"
duration = "2m"
[[queues]]
name = "jobs"
{queue}
[traffic]
kind = "request_trace"
file = "queues/one-message.csv"
queue = "jobs"
[[services]]
name = "worker"
desired_count = 1
warm_start = true
concurrency = 2
cpu_contention = false
service_time = {{ distribution = "constant", value = "{job}" }}
worker = {{ queue = "jobs", wait_time_seconds = 20 }}
"#
    ))
    .queues[0]
        .totals
}

/// Goal: a delete that deletes nothing says why: its receipt was replaced
/// by a later receive, or its message left the queue while the job ran.
///
/// | time   | retention 60 s, visibility 12 h, job 90 s         |
/// |--------|---------------------------------------------------|
/// | 0.5 s  | received (job 1)                                  |
/// | 60.5 s | expired                                           |
/// | 90.5 s | job 1's delete: message gone                      |
///
/// | time   | visibility 30 s, maxReceiveCount 2, job 40 s      |
/// |--------|---------------------------------------------------|
/// | 0.5 s  | received (job 1)                                  |
/// | 30.5 s | visible again, received (job 2)                   |
/// | 40.5 s | job 1's delete: stale receipt (job 2 holds it)    |
/// | 60.5 s | visible again; the third receive moves it to DLQ  |
/// | 70.5 s | job 2's delete: message gone                      |
#[test]
fn a_delete_that_deletes_nothing_says_whether_the_receipt_was_stale_or_the_message_gone() {
    let expired = one_message_outlived_by_its_job(
        r#"visibility_timeout = "12h"
message_retention_period = "60s""#,
        "90s",
    );
    assert_eq!((expired.expired, expired.deleted), (1, 0));
    assert_eq!((expired.stale_deletes, expired.gone_deletes), (0, 1), "{expired:?}");

    let received_again = one_message_outlived_by_its_job(
        r#"visibility_timeout = "30s"
max_receive_count = 2"#,
        "40s",
    );
    assert_eq!((received_again.received, received_again.moved_to_dlq, received_again.deleted), (2, 1, 0));
    assert_eq!((received_again.stale_deletes, received_again.gone_deletes), (1, 1), "{received_again:?}");
}
