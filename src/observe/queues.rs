//! What a run's SQS queues did (issue 9): per queue, the run's counts, one
//! row per minute (depth, age of the oldest message, the minute's counts),
//! and the latency of jobs from send to delete.

use super::{micros, new_histogram, summarize, LatencySummary};
use crate::engine::SimTime;
use crate::model::observation::{JobEnd, QueueCounts};
use hdrhistogram::Histogram;

/// One queue's minute, as CloudWatch would show it (§12.3).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueMinuteRow {
    /// `ApproximateNumberOfMessagesVisible` and `…NotVisible` at the minute's end.
    pub visible: u64,
    pub in_flight: u64,
    /// `ApproximateAgeOfOldestMessage`, seconds; None while the queue is inactive.
    pub age_of_oldest_secs: Option<f64>,
    pub counts: QueueCounts,
}

/// One queue over the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueSummary {
    pub name: String,
    pub totals: QueueCounts,
    /// Messages still visible and in flight when the run ended.
    pub visible_at_end: u64,
    pub in_flight_at_end: u64,
    /// Jobs whose task was killed before they were done.
    pub jobs_abandoned: u64,
    /// Send to delete, of the jobs that deleted their message.
    pub job_latency: LatencySummary,
    /// Send to the receive that was processed and deleted.
    pub time_queued: LatencySummary,
    pub max_visible: u64,
    pub max_age_of_oldest_secs: f64,
}

#[derive(Clone, Debug)]
pub(super) struct QueueCollector {
    name: String,
    rows: Vec<QueueMinuteRow>,
    job_latency: Histogram<u64>,
    job_latency_sum_nanos: u128,
    time_queued: Histogram<u64>,
    time_queued_sum_nanos: u128,
    jobs_abandoned: u64,
}

impl QueueCollector {
    pub fn new(name: String) -> Self {
        QueueCollector {
            name,
            rows: Vec::new(),
            job_latency: new_histogram(),
            job_latency_sum_nanos: 0,
            time_queued: new_histogram(),
            time_queued_sum_nanos: 0,
            jobs_abandoned: 0,
        }
    }

    pub fn job_finished(&mut self, at: SimTime, sent_at: SimTime, received_at: SimTime, end: JobEnd) {
        match end {
            JobEnd::Deleted => {
                let latency = at - sent_at;
                self.job_latency.saturating_record(micros(latency));
                self.job_latency_sum_nanos += u128::from(latency.as_nanos());
                let queued = received_at - sent_at;
                // A job received the instant it was sent records 0.
                self.time_queued.saturating_record(queued.as_nanos() / 1000);
                self.time_queued_sum_nanos += u128::from(queued.as_nanos());
            }
            JobEnd::ReceiptStale | JobEnd::MessageGone => {}
            JobEnd::Abandoned => self.jobs_abandoned += 1,
        }
    }

    pub fn minute_closed(&mut self, start: SimTime, row: QueueMinuteRow) {
        let index = start.minute_index() as usize;
        if self.rows.len() <= index {
            self.rows.resize(index + 1, QueueMinuteRow::default());
        }
        self.rows[index] = row;
    }

    /// The summary and the minute rows.
    pub fn finish(self) -> (QueueSummary, Vec<QueueMinuteRow>) {
        let mut totals = QueueCounts::default();
        for r in &self.rows {
            let c = r.counts;
            totals.sent += c.sent;
            totals.received += c.received;
            totals.redelivered += c.redelivered;
            totals.deleted += c.deleted;
            totals.stale_deletes += c.stale_deletes;
            totals.gone_deletes += c.gone_deletes;
            totals.moved_to_dlq += c.moved_to_dlq;
            totals.expired += c.expired;
            totals.empty_receives += c.empty_receives;
        }
        let last = self.rows.last().cloned().unwrap_or_default();
        let summary = QueueSummary {
            name: self.name,
            totals,
            visible_at_end: last.visible,
            in_flight_at_end: last.in_flight,
            jobs_abandoned: self.jobs_abandoned,
            job_latency: summarize(&self.job_latency, self.job_latency_sum_nanos),
            time_queued: summarize(&self.time_queued, self.time_queued_sum_nanos),
            max_visible: self.rows.iter().map(|r| r.visible).max().unwrap_or(0),
            max_age_of_oldest_secs: self.rows.iter().filter_map(|r| r.age_of_oldest_secs).fold(0.0, f64::max),
        };
        (summary, self.rows)
    }
}
