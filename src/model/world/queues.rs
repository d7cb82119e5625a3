//! Standard SQS queues and the worker services that consume them (issue 9,
//! aws-semantics §12). Part of [`World`].
//!
//! A message is sent by a traffic source, waits visible, is received by a
//! worker task's `ReceiveMessage`, stays invisible for the visibility timeout
//! while the task works on it as a job (the processor's service-time and CPU
//! model, as for requests), and is deleted when the job ends. A message whose
//! job never ends in time (its task was killed, or the job outlasts the
//! timeout) is visible again and received again; past `maxReceiveCount` it
//! moves to the dead-letter queue; past the retention period it expires.
//! Every message is always in exactly one of: visible, in flight, deleted,
//! in the DLQ, expired.
//!
//! Model choices (§12.2, named in the README):
//! - delivery is FIFO by the time a message became visible;
//! - a long poll returns at once with what is visible (up to
//!   `MaxNumberOfMessages` and the task's free slots), else waits; waiting
//!   tasks are served oldest first, the moment a message becomes visible, one
//!   message per waiting poll; a poll that waits out `WaitTimeSeconds` is an
//!   empty receive and the task polls again at once;
//! - a short poll sees every visible message (SQS's sampling of servers is
//!   not modelled); after an empty one the task pauses `empty_receive_pause`;
//! - calls take no time (no API round trip);
//! - a delete succeeds only with the latest receipt: a job that finishes after
//!   its message was received again leaves it to the newer receive (the
//!   message is processed twice);
//! - a delete of a message that expired or went to the DLQ while the job ran
//!   deletes nothing and is counted apart from stale receipts (§12 is silent
//!   on it);
//! - a worker stops polling at SIGTERM and finishes the jobs it holds; jobs
//!   cut at SIGKILL leave their messages in flight until the timeout.

use super::World;
use crate::engine::{SimDuration, SimTime, Stream};
use crate::model::event::Event;
use crate::model::ids::{QueueId, RouteId, TaskId};
use crate::model::observation::{JobEnd, Observation, Observer, QueueCounts, TaskState};
use crate::model::processor::{Admission, Request};
use std::collections::VecDeque;

/// [`Request::call`] of a job: this bit, and the job's index below it.
pub const JOB_BIT: u32 = 1 << 31;

/// `ApproximateAgeOfOldestMessage` skips messages received this often (§12.3).
const AGE_SKIPS_RECEIVE_COUNT: u32 = 3;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum MessageState {
    Visible,
    InFlight,
    /// Left the queue (see `Message::left`); the slot is free once no job
    /// holds it.
    Gone,
}

/// How a message left the queue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Left {
    Deleted,
    MovedToDlq,
    Expired,
}

struct Message {
    sent_at: SimTime,
    /// The job's work, drawn when it was sent (the same on every receive).
    demand: SimDuration,
    receive_count: u32,
    /// Counts the slot's reuses, so that stale line entries never match.
    generation: u32,
    state: MessageState,
    /// Set when `state` is `Gone`.
    left: Left,
    /// Jobs of this message not yet ended. A gone message's slot is reused
    /// only when this is 0, so a job's delete can still tell how its
    /// message left.
    jobs_held: u32,
}

/// A job in a worker task: the message it came from and the receive it is.
pub(super) struct Job {
    queue: QueueId,
    message: u32,
    generation: u32,
    receive_count: u32,
    /// Its message's send time.
    sent_at: SimTime,
    received_at: SimTime,
    /// Its task was killed: it ends without deleting.
    abandoned: bool,
}

/// A FIFO of deadlines with at most one pending event for its head:
/// entries are pushed in deadline order, so only the head is ever due first.
struct Line<T> {
    entries: VecDeque<(SimTime, T)>,
    event_pending: bool,
}

impl<T> Default for Line<T> {
    fn default() -> Self {
        Line { entries: VecDeque::new(), event_pending: false }
    }
}

impl<T> Line<T> {
    /// Pushes an entry; true when the caller must schedule the line's event.
    fn push(&mut self, deadline: SimTime, entry: T) -> bool {
        debug_assert!(self.entries.back().is_none_or(|(d, _)| *d <= deadline));
        self.entries.push_back((deadline, entry));
        !std::mem::replace(&mut self.event_pending, true)
    }
}

pub(super) struct QueueState {
    messages: Vec<Message>,
    free_messages: Vec<u32>,
    /// (message, generation), oldest visible-since first; entries of messages
    /// that moved on are skipped.
    visible: VecDeque<(u32, u32)>,
    /// In-flight messages, by the time they are visible again:
    /// (message, generation, receive count then).
    invisible: Line<(u32, u32, u32)>,
    /// Every message not gone, in send order, by when it expires (retention).
    by_age: Line<(u32, u32)>,
    /// Tasks in a long poll, oldest first: (task, its poll number).
    long_polls: Line<(TaskId, u32)>,
    visible_count: u64,
    in_flight_count: u64,
    /// This minute's counts and the run's.
    minute: QueueCounts,
    totals: QueueCounts,
    /// The last time the queue held a message or was called (§12.3).
    last_active: SimTime,
    /// Each message's job demand, drawn at send in send order.
    demand_draws: Stream,
}

impl QueueState {
    pub fn new(demand_draws: Stream) -> Self {
        QueueState {
            messages: Vec::new(),
            free_messages: Vec::new(),
            visible: VecDeque::new(),
            invisible: Line::default(),
            by_age: Line::default(),
            long_polls: Line::default(),
            visible_count: 0,
            in_flight_count: 0,
            minute: QueueCounts::default(),
            totals: QueueCounts::default(),
            last_active: SimTime::ZERO,
            demand_draws,
        }
    }

    fn count(&mut self, f: impl Fn(&mut QueueCounts)) {
        f(&mut self.minute);
        f(&mut self.totals);
    }

    fn live(&self, message: u32, generation: u32) -> bool {
        let m = &self.messages[message as usize];
        m.generation == generation && m.state != MessageState::Gone
    }

    /// The message leaves the queue for good; its slot is reused once no
    /// job holds it.
    fn release(&mut self, message: u32, left: Left) {
        let m = &mut self.messages[message as usize];
        match m.state {
            MessageState::Visible => self.visible_count -= 1,
            MessageState::InFlight => self.in_flight_count -= 1,
            MessageState::Gone => unreachable!("invariant: message {message} released twice"),
        }
        m.state = MessageState::Gone;
        m.left = left;
        m.generation = m.generation.wrapping_add(1);
        if m.jobs_held == 0 {
            self.free_messages.push(message);
        }
    }

    /// A job of the message ended; the last one out frees a gone message's slot.
    fn job_ended(&mut self, message: u32) {
        let m = &mut self.messages[message as usize];
        m.jobs_held -= 1;
        if m.jobs_held == 0 && m.state == MessageState::Gone {
            self.free_messages.push(message);
        }
    }
}

/// What a queue looks like at a minute's end, for CloudWatch (§12.3).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct QueueSample {
    pub visible: u64,
    pub age_of_oldest_secs: Option<f64>,
}

impl<O: Observer> World<O> {
    /// `SendMessage` from a traffic source: the message is visible now.
    pub(super) fn send_message(&mut self, queue: QueueId, demand: Option<SimDuration>) {
        let now = self.now();
        let config = &self.config.queues[queue.index()];
        let retention = config.retention;
        // Drawn for every message, so that policies compared on one seed see
        // the same jobs (common random numbers).
        let drawn = match config.consumer {
            Some(service) => self.config.services[service.index()]
                .task
                .service_time
                .sample(&mut self.queues[queue.index()].demand_draws),
            None => SimDuration::ZERO,
        };
        let q = &mut self.queues[queue.index()];
        let demand = demand.unwrap_or(drawn);
        let message = Message {
            sent_at: now,
            demand,
            receive_count: 0,
            generation: 0,
            state: MessageState::Visible,
            left: Left::Deleted,
            jobs_held: 0,
        };
        let id = match q.free_messages.pop() {
            Some(id) => {
                let generation = q.messages[id as usize].generation;
                q.messages[id as usize] = Message { generation, ..message };
                id
            }
            None => {
                q.messages.push(message);
                (q.messages.len() - 1) as u32
            }
        };
        let generation = q.messages[id as usize].generation;
        q.visible.push_back((id, generation));
        q.visible_count += 1;
        q.last_active = now;
        q.count(|c| c.sent += 1);
        if q.by_age.push(now + retention, (id, generation)) {
            self.queue.schedule(now + retention, Event::QueueRetentionDue(queue));
        }
        self.serve_long_polls(queue);
    }

    /// Tasks waiting in long polls get the visible messages, oldest poll first.
    fn serve_long_polls(&mut self, queue: QueueId) {
        while self.queues[queue.index()].visible_count > 0 {
            let Some((_, (task_id, poll))) = self.queues[queue.index()].long_polls.entries.pop_front() else {
                return;
            };
            let task = &mut self.tasks[task_id.index()];
            if task.poll != Some(poll) {
                continue;
            }
            task.poll = None;
            // A task that stopped listening while it waited (SIGTERM, its
            // containers gone, a hang) takes nothing: it stopped polling.
            if !task.answers() || task.state != TaskState::Running {
                continue;
            }
            // A long poll returns at the first message (§12.2): one.
            self.receive(task_id, 1);
            self.poll(task_id);
        }
    }

    /// A worker task with free slots calls `ReceiveMessage` now, unless it is
    /// in a call already or does not listen (starting, stopping, hung).
    pub(super) fn poll(&mut self, task_id: TaskId) {
        let task = &self.tasks[task_id.index()];
        let Some(worker) = &self.config.services[task.service.index()].worker else { return };
        if task.poll.is_some() || !task.answers() || task.state != TaskState::Running {
            return;
        }
        let concurrency = self.definition(task_id).concurrency as usize;
        let (queue, max_messages, wait_time, pause) =
            (worker.queue, worker.max_number_of_messages, worker.wait_time, worker.empty_receive_pause);
        let now = self.now();
        loop {
            let task = &self.tasks[task_id.index()];
            if !task.answers() || task.state != TaskState::Running {
                return; // killed by its memory while receiving
            }
            let free = concurrency.saturating_sub(task.processor.len());
            if free == 0 {
                return; // it polls again when a job ends
            }
            let asked = (max_messages as usize).min(free) as u32;
            if self.receive(task_id, asked) > 0 {
                continue; // more may be visible; if not, the next call waits
            }
            let q = &mut self.queues[queue.index()];
            q.last_active = now;
            self.poll_number = self.poll_number.wrapping_add(1);
            let poll = self.poll_number;
            self.tasks[task_id.index()].poll = Some(poll);
            if wait_time.is_zero() {
                q.count(|c| c.empty_receives += 1);
                self.queue.schedule(now + pause, Event::ShortPollPauseEnds { task: task_id, poll });
            } else if q.long_polls.push(now + wait_time, (task_id, poll)) {
                self.queue.schedule(now + wait_time, Event::LongPollsDue(queue));
            }
            return;
        }
    }

    /// Receives up to `asked` visible messages into the task as jobs; returns
    /// how many it got. A message past `maxReceiveCount` moves to the DLQ
    /// at the receive that would exceed it, and is not returned (§12.2).
    fn receive(&mut self, task_id: TaskId, asked: u32) -> u32 {
        let now = self.now();
        let service = self.tasks[task_id.index()].service;
        let queue = self.config.services[service.index()].worker.as_ref().expect("invariant: a worker polls").queue;
        let config = &self.config.queues[queue.index()];
        let (visibility_timeout, max_receive_count) = (config.visibility_timeout, config.max_receive_count);
        let mut received = 0;
        while received < asked {
            let q = &mut self.queues[queue.index()];
            let Some((id, generation)) = q.visible.pop_front() else { break };
            if !q.live(id, generation) || q.messages[id as usize].state != MessageState::Visible {
                continue; // expired while visible
            }
            let m = &mut q.messages[id as usize];
            m.receive_count += 1;
            if max_receive_count.is_some_and(|max| m.receive_count > max) {
                q.release(id, Left::MovedToDlq);
                q.count(|c| c.moved_to_dlq += 1);
                continue;
            }
            let (receive_count, sent_at, demand) = (m.receive_count, m.sent_at, m.demand);
            m.state = MessageState::InFlight;
            m.jobs_held += 1;
            q.visible_count -= 1;
            q.in_flight_count += 1;
            q.last_active = now;
            q.count(|c| {
                c.received += 1;
                c.redelivered += u64::from(receive_count > 1);
            });
            let until = now + visibility_timeout;
            if q.invisible.push(until, (id, generation, receive_count)) {
                self.queue.schedule(until, Event::QueueVisibilityDue(queue));
            }
            let job =
                Job { queue, message: id, generation, receive_count, sent_at, received_at: now, abandoned: false };
            let job_id = match self.free_jobs.pop() {
                Some(j) => {
                    self.jobs[j as usize] = job;
                    j
                }
                None => {
                    self.jobs.push(job);
                    (self.jobs.len() - 1) as u32
                }
            };
            let task = &mut self.tasks[task_id.index()];
            let demand = if task.service_time_scale != 1.0 {
                SimDuration::from_secs_f64(demand.as_secs_f64() * task.service_time_scale)
            } else {
                demand
            };
            let request = Request {
                arrived: sent_at,
                route: RouteId(0),
                call: JOB_BIT | job_id,
                demand,
                cpu_millis: task.cpu_millis,
                response_bytes: 0,
            };
            let admitted = task.processor.admit(request, now);
            debug_assert_eq!(admitted, Admission::Started, "a worker asks only for free slots");
            received += 1;
        }
        if received > 0 {
            self.reschedule_completion(task_id);
            if self.tasks[task_id.index()].memory_watched {
                self.check_memory(task_id); // may kill it (OOM)
            }
        }
        received
    }

    /// A job's work is done: its message is deleted (with the latest
    /// receipt only), and the task may poll for more.
    pub(super) fn job_done(&mut self, task_id: TaskId, job_id: u32) {
        let now = self.now();
        let service = self.tasks[task_id.index()].service;
        let job = &self.jobs[job_id as usize];
        let (queue, message, generation, receive_count, sent_at, received_at, abandoned) =
            (job.queue, job.message, job.generation, job.receive_count, job.sent_at, job.received_at, job.abandoned);
        self.free_jobs.push(job_id);
        let q = &mut self.queues[queue.index()];
        if abandoned {
            return q.job_ended(message);
        }
        q.last_active = now;
        // The slot is not reused while this job holds it, so a message not
        // live is this job's, gone.
        let m = &q.messages[message as usize];
        let end = if q.live(message, generation) {
            if m.receive_count == receive_count {
                JobEnd::Deleted
            } else {
                JobEnd::ReceiptStale
            }
        } else {
            match m.left {
                // By a later receive's job: this receipt was stale.
                Left::Deleted => JobEnd::ReceiptStale,
                // Model choice: SQS does not say what such a delete returns
                // (§12); it deletes nothing.
                Left::MovedToDlq | Left::Expired => JobEnd::MessageGone,
            }
        };
        match end {
            JobEnd::Deleted => {
                q.release(message, Left::Deleted);
                q.count(|c| c.deleted += 1);
            }
            JobEnd::ReceiptStale => q.count(|c| c.stale_deletes += 1),
            JobEnd::MessageGone => q.count(|c| c.gone_deletes += 1),
            JobEnd::Abandoned => unreachable!("invariant: an abandoned job ends above"),
        }
        q.job_ended(message);
        self.emit(Observation::JobFinished { at: now, queue, service, sent_at, received_at, receive_count, end });
    }

    /// The task's jobs due now are done; their slots go to new receives.
    pub(super) fn complete_jobs(&mut self, task_id: TaskId) {
        let now = self.now();
        let mut done = std::mem::take(&mut self.finished_calls_buffer);
        self.tasks[task_id.index()].processor.complete_due(now, |departure| {
            done.push(departure.request.call & !JOB_BIT);
            false
        });
        for &job_id in &done {
            self.job_done(task_id, job_id);
        }
        let served = done.len() as u32;
        done.clear();
        self.finished_calls_buffer = done;
        self.reschedule_completion(task_id);
        if self.tasks[task_id.index()].memory_watched {
            self.requests_served_memory(task_id, served);
            if self.tasks[task_id.index()].state != TaskState::Running {
                return; // killed by its memory
            }
        }
        let task = &self.tasks[task_id.index()];
        if task.state == TaskState::Stopping && task.processor.is_empty() {
            return self.process_exited(task_id);
        }
        self.poll(task_id);
    }

    /// The task was killed: its jobs end without deleting; their messages
    /// stay in flight until the visibility timeout.
    pub(super) fn abandon_jobs(&mut self, task_id: TaskId) {
        let now = self.now();
        let service = self.tasks[task_id.index()].service;
        let mut jobs = Vec::new();
        self.tasks[task_id.index()].processor.for_each_request(|r| jobs.push(r.call & !JOB_BIT));
        for job_id in jobs {
            let job = &mut self.jobs[job_id as usize];
            if std::mem::replace(&mut job.abandoned, true) {
                continue;
            }
            let (queue, sent_at, received_at, receive_count) =
                (job.queue, job.sent_at, job.received_at, job.receive_count);
            self.emit(Observation::JobFinished {
                at: now,
                queue,
                service,
                sent_at,
                received_at,
                receive_count,
                end: JobEnd::Abandoned,
            });
        }
    }

    /// The task's processor is cleared: its jobs' slots are free again.
    pub(super) fn release_jobs(&mut self, task_id: TaskId) {
        let mut jobs = Vec::new();
        self.tasks[task_id.index()].processor.for_each_request(|r| jobs.push(r.call & !JOB_BIT));
        for &job_id in &jobs {
            let job = &self.jobs[job_id as usize];
            self.queues[job.queue.index()].job_ended(job.message);
        }
        self.free_jobs.extend(jobs);
    }

    /// In-flight messages whose visibility timeout ended are visible again.
    pub(super) fn queue_visibility_due(&mut self, queue: QueueId) {
        let now = self.now();
        let q = &mut self.queues[queue.index()];
        q.invisible.event_pending = false;
        while let Some(&(until, (id, generation, receive_count))) = q.invisible.entries.front() {
            let m = &mut q.messages[id as usize];
            let current =
                m.generation == generation && m.state == MessageState::InFlight && m.receive_count == receive_count;
            if !current {
                // Deleted (or received again) already: never due again.
                q.invisible.entries.pop_front();
                continue;
            }
            if until > now {
                q.invisible.event_pending = true;
                self.queue.schedule(until, Event::QueueVisibilityDue(queue));
                break;
            }
            q.invisible.entries.pop_front();
            m.state = MessageState::Visible;
            q.in_flight_count -= 1;
            q.visible_count += 1;
            q.visible.push_back((id, generation));
        }
        self.serve_long_polls(queue);
    }

    /// Messages past the retention period expire, visible or in flight.
    pub(super) fn queue_retention_due(&mut self, queue: QueueId) {
        let now = self.now();
        let q = &mut self.queues[queue.index()];
        q.by_age.event_pending = false;
        while let Some(&(expires, (id, generation))) = q.by_age.entries.front() {
            if expires > now {
                q.by_age.event_pending = true;
                self.queue.schedule(expires, Event::QueueRetentionDue(queue));
                break;
            }
            q.by_age.entries.pop_front();
            if q.live(id, generation) {
                q.release(id, Left::Expired);
                q.count(|c| c.expired += 1);
            }
        }
    }

    /// Long polls that waited out `WaitTimeSeconds` come back empty; their
    /// tasks poll again.
    pub(super) fn long_polls_due(&mut self, queue: QueueId) {
        let now = self.now();
        self.queues[queue.index()].long_polls.event_pending = false;
        loop {
            let q = &mut self.queues[queue.index()];
            let Some(&(deadline, (task_id, poll))) = q.long_polls.entries.front() else { return };
            if deadline > now {
                q.long_polls.event_pending = true;
                self.queue.schedule(deadline, Event::LongPollsDue(queue));
                return;
            }
            q.long_polls.entries.pop_front();
            if self.tasks[task_id.index()].poll == Some(poll) {
                q.count(|c| c.empty_receives += 1);
                self.tasks[task_id.index()].poll = None;
                self.poll(task_id);
            }
        }
    }

    pub(super) fn short_poll_pause_ends(&mut self, task_id: TaskId, poll: u32) {
        if self.tasks[task_id.index()].poll == Some(poll) {
            self.tasks[task_id.index()].poll = None;
            self.poll(task_id);
        }
    }

    /// The queue at a minute's end: its depth, the age of its oldest message
    /// (skipping those received three times or more, §12.3), and nothing once
    /// it has been inactive long enough (model choice §12.3).
    pub(super) fn queue_sample(&mut self, queue: QueueId) -> Option<QueueSample> {
        let now = self.now();
        let inactive_after = self.config.queues[queue.index()].inactive_after;
        let q = &mut self.queues[queue.index()];
        if q.visible_count + q.in_flight_count > 0 {
            q.last_active = now;
        }
        if now - q.last_active >= inactive_after {
            return None;
        }
        // Gone messages at the head will never matter again.
        while let Some(&(_, (id, generation))) = q.by_age.entries.front() {
            if q.live(id, generation) {
                break;
            }
            q.by_age.entries.pop_front();
        }
        let oldest = q.by_age.entries.iter().find_map(|&(_, (id, generation))| {
            let m = &q.messages[id as usize];
            (m.generation == generation && m.state != MessageState::Gone && m.receive_count < AGE_SKIPS_RECEIVE_COUNT)
                .then_some(m.sent_at)
        });
        Some(QueueSample {
            visible: q.visible_count,
            age_of_oldest_secs: Some(oldest.map_or(0.0, |sent| (now - sent).as_secs_f64())),
        })
    }

    /// Closes each queue's minute: its counts and depth go to the observer.
    pub(super) fn queues_minute(&mut self, start: SimTime) {
        for i in 0..self.queues.len() {
            let queue = QueueId(i as u32);
            let sample = self.queue_sample(queue);
            let q = &mut self.queues[i];
            let counts = std::mem::take(&mut q.minute);
            let (visible, in_flight) = (q.visible_count, q.in_flight_count);
            self.emit(Observation::QueueMinuteClosed {
                start,
                queue,
                visible,
                in_flight,
                age_of_oldest_secs: sample.and_then(|s| s.age_of_oldest_secs),
                counts,
            });
        }
    }

    /// The queue's books, for audits: the counters kept as messages move, and
    /// the same counts recounted from every message's own state.
    pub fn queue_audit(&self, queue: QueueId) -> QueueAudit {
        let q = &self.queues[queue.index()];
        let count = |state| q.messages.iter().filter(|m| m.state == state).count() as u64;
        QueueAudit {
            visible: q.visible_count,
            in_flight: q.in_flight_count,
            visible_recounted: count(MessageState::Visible),
            in_flight_recounted: count(MessageState::InFlight),
            totals: q.totals,
        }
    }
}

/// See [`World::queue_audit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueAudit {
    pub visible: u64,
    pub in_flight: u64,
    pub visible_recounted: u64,
    pub in_flight_recounted: u64,
    pub totals: QueueCounts,
}

impl QueueAudit {
    /// Every message sent is in exactly one place.
    pub fn balances(&self) -> bool {
        let t = &self.totals;
        self.visible == self.visible_recounted
            && self.in_flight == self.in_flight_recounted
            && t.sent == self.visible + self.in_flight + t.deleted + t.moved_to_dlq + t.expired
    }
}
