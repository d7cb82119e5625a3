//! What happens inside one task: up to `concurrency` requests in service at once,
//! a bounded FIFO queue behind them, and processor sharing of the task's vCPUs.
//! Knows nothing of targets, services or observers.
//!
//! # Processor sharing in O(log n)
//!
//! Every request in service progresses at the same rate r(t): 1 when the vCPU
//! they ask for fits in the task, else capacity / demand. An "attained service"
//! clock V(t) = ∫ r dt advances for all of them at once. A request that starts
//! at V₀ with demand D finishes when V reaches V₀ + D, its finish tag, fixed at
//! start. So the requests sit in a min-heap of tags, and only the task's next
//! completion moves when the number in service (hence r) changes — the idea of
//! DSLab's throughput-sharing model. All clocks are integer nanoseconds.
//!
//! Model choice (AWS says nothing of applications): a request's whole service
//! time slows by r, not only its CPU part, and a task refuses beyond its
//! queue (the ALB answers 502, as the foundation issue asks).
//!
//! A hung application ([`Processor::hang`]) is frozen for good: what it holds
//! keeps its slots and never finishes, queued requests never start, and it
//! uses no CPU (model choice: a hang is the application blocked, as in a
//! deadlock, not spinning).

use super::ids::RouteId;
use crate::engine::{SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// [`Request::call`] of a request that came through the ALB.
pub const NOT_A_CALL: u32 = u32::MAX;

/// A request as the task sees it.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    pub arrived: SimTime,
    /// The listener route it came by, for per-route figures.
    pub route: RouteId,
    /// A call from another service's request: the call's id; [`NOT_A_CALL`]
    /// for a request from a client of the ALB.
    pub call: u32,
    /// Service time when the request has the CPU it wants.
    pub demand: SimDuration,
    /// vCPU in thousandths while in service.
    pub cpu_millis: u32,
    /// Bytes of its response, for the ALB's processed bytes (§3.6).
    pub response_bytes: u32,
}

/// A request that has left the task.
#[derive(Clone, Copy, Debug)]
pub struct Departure {
    pub request: Request,
    pub started: SimTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Started,
    Queued,
    Refused,
}

#[derive(Clone, Copy)]
struct InService {
    request: Request,
    started: SimTime,
}

pub struct Processor {
    concurrency: usize,
    queue_limit: usize,
    capacity_millis: u64,
    cpu_contention: bool,
    slots: Vec<InService>,
    free_slots: Vec<u32>,
    /// (finish tag, start sequence, slot): ties finish in start order.
    finish_order: BinaryHeap<Reverse<(u64, u64, u32)>>,
    waiting: VecDeque<Request>,
    /// Requests done with their own work that keep their place while they
    /// wait on calls to other services: they hold a slot, use no CPU.
    held: usize,
    start_seq: u64,
    attained: u64,
    cpu_demand_millis: u64,
    last_update: SimTime,
    /// milli-vCPU·ns used since the last [`Processor::take_integrals`].
    cpu_used: u128,
    /// request·ns spent in the task (queue and service) since the last take.
    requests_in_task: u128,
    /// The application hung: nothing progresses, finishes or starts.
    hung: bool,
}

impl Processor {
    pub fn new(concurrency: u32, queue_limit: u32, cpu_units: u32, cpu_contention: bool, now: SimTime) -> Self {
        Processor {
            concurrency: concurrency as usize,
            queue_limit: queue_limit as usize,
            // 1024 CPU units = 1 vCPU = 1000 milli-vCPU.
            capacity_millis: u64::from(cpu_units) * 1000 / 1024,
            cpu_contention,
            // Grown on demand: concurrency may be large and mostly unused.
            slots: Vec::with_capacity(concurrency.min(64) as usize),
            free_slots: Vec::new(),
            finish_order: BinaryHeap::with_capacity(concurrency.min(64) as usize),
            waiting: VecDeque::new(),
            held: 0,
            start_seq: 0,
            attained: 0,
            cpu_demand_millis: 0,
            last_update: now,
            cpu_used: 0,
            requests_in_task: 0,
            hung: false,
        }
    }

    /// Requests in the task: in service, waiting on calls, or queued.
    pub fn len(&self) -> usize {
        self.finish_order.len() + self.held + self.waiting.len()
    }

    /// Slots taken: in service, or held waiting on calls.
    fn busy(&self) -> usize {
        self.finish_order.len() + self.held
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn slowed_down(&self) -> bool {
        self.cpu_contention && self.cpu_demand_millis > self.capacity_millis
    }

    /// Brings the clocks and integrals up to `now`.
    fn advance(&mut self, now: SimTime) {
        let dt = u128::from((now - self.last_update).as_nanos());
        if dt == 0 {
            return;
        }
        if !self.finish_order.is_empty() && !self.hung {
            if self.slowed_down() {
                let cap = u128::from(self.capacity_millis);
                self.attained += (dt * cap / u128::from(self.cpu_demand_millis)) as u64;
                self.cpu_used += cap * dt;
            } else {
                self.attained += dt as u64;
                self.cpu_used += u128::from(self.cpu_demand_millis) * dt;
            }
        }
        self.requests_in_task += self.len() as u128 * dt;
        self.last_update = now;
    }

    fn start(&mut self, request: Request, now: SimTime) {
        let tag = self.attained + request.demand.as_nanos();
        let entry = InService { request, started: now };
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.slots[slot as usize] = entry;
                slot
            }
            None => {
                self.slots.push(entry);
                (self.slots.len() - 1) as u32
            }
        };
        self.cpu_demand_millis += u64::from(request.cpu_millis);
        self.finish_order.push(Reverse((tag, self.start_seq, slot)));
        self.start_seq += 1;
    }

    /// Offers a request at `now`: it starts, waits, or is refused.
    pub fn admit(&mut self, request: Request, now: SimTime) -> Admission {
        self.advance(now);
        if self.busy() < self.concurrency {
            self.start(request, now);
            Admission::Started
        } else if self.waiting.len() < self.queue_limit {
            self.waiting.push_back(request);
            Admission::Queued
        } else {
            Admission::Refused
        }
    }

    /// The application hangs at `now`, for good: from here nothing in the
    /// task progresses, finishes or starts, and no slot is freed.
    pub fn hang(&mut self, now: SimTime) {
        self.advance(now);
        self.hung = true;
    }

    /// When the next request in service will finish, if the set in service
    /// does not change before then; never, once hung.
    pub fn next_completion(&self) -> Option<SimTime> {
        if self.hung {
            return None;
        }
        let Reverse((tag, _, _)) = *self.finish_order.peek()?;
        let remaining = tag.saturating_sub(self.attained);
        let wall = if self.slowed_down() {
            // ceil, so that the attained clock has reached the tag by then
            let num = u128::from(remaining) * u128::from(self.cpu_demand_millis);
            num.div_ceil(u128::from(self.capacity_millis)) as u64
        } else {
            remaining
        };
        Some(self.last_update + SimDuration::from_nanos(wall))
    }

    /// Finishes every request whose tag has been reached by `now`, then starts
    /// queued requests in the freed places. Calls `on_departure` for each; a
    /// request for which it returns true stays, holding its slot, until
    /// [`release_held`](Self::release_held).
    pub fn complete_due(&mut self, now: SimTime, mut on_departure: impl FnMut(Departure) -> bool) {
        self.advance(now);
        while let Some(&Reverse((tag, _, slot))) = self.finish_order.peek() {
            if tag > self.attained {
                break;
            }
            self.finish_order.pop();
            self.free_slots.push(slot);
            let done = self.slots[slot as usize];
            self.cpu_demand_millis -= u64::from(done.request.cpu_millis);
            if on_departure(Departure { request: done.request, started: done.started }) {
                self.held += 1;
            }
        }
        self.start_waiting(now);
    }

    /// A held request is answered: its slot goes to the next in the queue.
    pub fn release_held(&mut self, now: SimTime) {
        self.advance(now);
        self.held = self.held.saturating_sub(1);
        self.start_waiting(now);
    }

    /// `count` held requests are gone (their task was cut off): their slots
    /// go to the queued requests, which the application still works through;
    /// a hung application frees nothing.
    pub fn drop_held(&mut self, count: usize, now: SimTime) {
        self.advance(now);
        if !self.hung {
            self.held = self.held.saturating_sub(count);
        }
        self.start_waiting(now);
    }

    fn start_waiting(&mut self, now: SimTime) {
        if self.hung {
            return;
        }
        while self.busy() < self.concurrency {
            let Some(request) = self.waiting.pop_front() else { break };
            self.start(request, now);
        }
    }

    /// Every request in the task, in service (start order) then queued, without removing them.
    pub fn for_each_request(&self, mut f: impl FnMut(&Request)) {
        let mut in_service: Vec<(u64, u32)> =
            self.finish_order.iter().map(|Reverse((_, seq, slot))| (*seq, *slot)).collect();
        in_service.sort_unstable();
        for (_, slot) in in_service {
            f(&self.slots[slot as usize].request);
        }
        self.waiting.iter().for_each(f);
    }

    /// Drops every request (the process was killed).
    pub fn clear(&mut self, now: SimTime) {
        self.advance(now);
        self.finish_order.clear();
        self.slots.clear();
        self.free_slots.clear();
        self.waiting.clear();
        self.held = 0;
        self.cpu_demand_millis = 0;
        self.hung = false;
    }

    /// (milli-vCPU·ns of CPU used, request·ns in the task) since the last call.
    pub fn take_integrals(&mut self, now: SimTime) -> (u128, u128) {
        self.advance(now);
        let taken = (self.cpu_used, self.requests_in_task);
        self.cpu_used = 0;
        self.requests_in_task = 0;
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(at_ms: u64, demand_ms: u64, cpu_millis: u32) -> Request {
        Request {
            arrived: SimTime::from_nanos(at_ms * 1_000_000),
            route: RouteId(0),
            call: NOT_A_CALL,
            demand: SimDuration::from_millis(demand_ms),
            cpu_millis,
            response_bytes: 0,
        }
    }

    fn ms(t: SimTime) -> f64 {
        t.as_nanos() as f64 / 1e6
    }

    /// Goal: without contention the task is c servers and a FIFO queue.
    /// c = 2, requests of 100 ms at t = 0, 0, 0: the third waits for the first.
    #[test]
    fn fifo_servers_without_contention() {
        let t0 = SimTime::ZERO;
        let mut p = Processor::new(2, 1, 1024, false, t0);
        assert_eq!(p.admit(request(0, 100, 1000), t0), Admission::Started);
        assert_eq!(p.admit(request(0, 100, 1000), t0), Admission::Started);
        assert_eq!(p.admit(request(0, 100, 1000), t0), Admission::Queued);
        assert_eq!(p.admit(request(0, 100, 1000), t0), Admission::Refused);
        let t1 = p.next_completion().unwrap();
        assert_eq!(ms(t1), 100.0);
        let mut done = Vec::new();
        p.complete_due(t1, |d| {
            done.push(d);
            false
        });
        assert_eq!(done.len(), 2, "both finish at 100 ms");
        assert_eq!(ms(p.next_completion().unwrap()), 200.0, "the queued one started at 100 ms");
    }

    /// Goal: processor sharing slows everyone when CPU is oversubscribed.
    /// 1 vCPU, two requests each wanting 1 vCPU for 100 ms: each runs at half
    /// speed, both finish at 200 ms; CPU used = 1 vCPU × 200 ms.
    #[test]
    fn processor_sharing_halves_the_rate() {
        let t0 = SimTime::ZERO;
        let mut p = Processor::new(8, 0, 1024, true, t0);
        p.admit(request(0, 100, 1000), t0);
        p.admit(request(0, 100, 1000), t0);
        let t1 = p.next_completion().unwrap();
        assert!((ms(t1) - 200.0).abs() < 1e-3, "{}", ms(t1));
        let mut n = 0;
        p.complete_due(t1, |_| {
            n += 1;
            false
        });
        assert_eq!(n, 2);
        let (cpu, in_task) = p.take_integrals(t1);
        assert!((cpu as f64 / 1e3 / 1e6 - 200.0).abs() < 1e-3, "vCPU·ms {}", cpu as f64 / 1e9);
        assert!((in_task as f64 / 1e6 - 400.0).abs() < 1e-3);
    }

    /// Goal: a change in the set in service moves the next completion.
    /// 1 vCPU; A (1 vCPU, 100 ms) at 0; B (1 vCPU, 100 ms) at 50 ms.
    /// A alone until 50 ms (50 done), then both at half speed: A needs 50 more
    /// → 100 ms wall → A at 150 ms; B has 50 done by then, alone again → 200 ms.
    #[test]
    fn arrival_mid_service_reschedules() {
        let mut p = Processor::new(8, 0, 1024, true, SimTime::ZERO);
        p.admit(request(0, 100, 1000), SimTime::ZERO);
        let t50 = SimTime::from_nanos(50_000_000);
        p.admit(request(50, 100, 1000), t50);
        let a_done = p.next_completion().unwrap();
        assert!((ms(a_done) - 150.0).abs() < 1e-3);
        p.complete_due(a_done, |d| {
            assert_eq!(d.request.arrived, SimTime::ZERO);
            false
        });
        let b_done = p.next_completion().unwrap();
        assert!((ms(b_done) - 200.0).abs() < 1e-3, "{}", ms(b_done));
    }

    /// Goal: a hung processor is frozen. c = 1, queue 1, 1 vCPU: A (100 ms)
    /// starts at 0, B queues; the hang at 50 ms stops everything: no next
    /// completion, no CPU after 50 ms, B never starts and both stay in the
    /// task (2 requests × 100 ms in the task by 100 ms).
    #[test]
    fn a_hung_processor_holds_everything_and_uses_no_cpu() {
        let mut p = Processor::new(1, 1, 1024, true, SimTime::ZERO);
        assert_eq!(p.admit(request(0, 100, 1000), SimTime::ZERO), Admission::Started);
        assert_eq!(p.admit(request(0, 100, 1000), SimTime::ZERO), Admission::Queued);
        p.hang(SimTime::from_nanos(50_000_000));
        assert_eq!(p.next_completion(), None);
        let t100 = SimTime::from_nanos(100_000_000);
        p.complete_due(t100, |_| panic!("a hung task finishes nothing"));
        assert_eq!(p.len(), 2);
        let (cpu, in_task) = p.take_integrals(t100);
        assert_eq!(cpu, 1000 * 50_000_000, "1 vCPU for the 50 ms before the hang");
        assert_eq!(in_task, 2 * 100_000_000);
    }
}
