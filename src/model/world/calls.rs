//! Calls between services (issue 8): once a request's own work is done, it
//! calls other services, in sequence or all at once, and keeps its place in
//! its task (a concurrency slot, no CPU) until the calls are answered. Its
//! latency includes theirs; a call that fails or times out fails the
//! request, or not, as the scenario says. Part of [`World`].
//!
//! Model choices: a call reaches the callee through the callee's target
//! group, as a request from the ALB would (an internal load balancer or
//! Service Connect's proxy), so the callee's metrics and scaling see it; a
//! request whose call fails answers at once (fail fast), and its other calls
//! run on with nobody waiting; the application answers 500 then.

use super::World;
use crate::engine::{SimDuration, SimTime};
use crate::model::event::Event;
use crate::model::ids::{ServiceId, TaskId};
use crate::model::observation::{FailureCause, Observation, Observer, Outcome};
use crate::model::processor::{Departure, Request, NOT_A_CALL};
use std::collections::VecDeque;

/// A request done with its own work, waiting on its calls.
pub(super) struct CallPlan {
    task: TaskId,
    departure: Departure,
    /// The calls it makes, in order: (callee, its timeout line, fails the request).
    planned: Vec<(ServiceId, u32, bool)>,
    /// The next planned call to make.
    next: usize,
    /// Calls made and not yet answered or given up.
    outstanding: u32,
    /// The callee the latest call went to (what the request waits on now).
    waiting_on: ServiceId,
    /// Still waiting for its answer (false once answered or cut).
    live: bool,
}

/// One call in flight.
pub(super) struct Call {
    plan: u32,
    callee: ServiceId,
    fails_request: bool,
    /// Its caller stopped waiting (timeout); the callee's answer goes nowhere.
    abandoned: bool,
    /// Counts the slot's reuses, so a stale timeout entry never matches.
    generation: u32,
}

/// Calls with one timeout duration time out in the order they were made, so
/// each duration keeps a FIFO of deadlines and one event for its head: no
/// event per call to schedule and cancel (issue 8's speed bar).
pub(super) struct TimeoutLine {
    pub duration: SimDuration,
    /// (deadline, call, its generation then), deadlines non-decreasing.
    pending: VecDeque<(SimTime, u32, u32)>,
    /// Its event is scheduled (at the first deadline still waited on), so
    /// a call made while the line's event runs does not schedule a second.
    armed: bool,
}

impl TimeoutLine {
    pub fn new(duration: SimDuration) -> Self {
        TimeoutLine { duration, pending: VecDeque::new(), armed: false }
    }
}

impl<O: Observer> World<O> {
    /// `departure`'s own work is done in `task_id`, which holds its slot: draw
    /// the calls it makes (each with its probability, `count` times) and make
    /// them, all at once or the first of a sequence.
    pub(super) fn begin_calls(&mut self, task_id: TaskId, departure: Departure) {
        let service = self.tasks[task_id.index()].service;
        let config = &self.config.services[service.index()];
        let parallel = config.calls_in_parallel;
        let plan_id = match self.free_call_plans.pop() {
            Some(id) => id,
            None => {
                self.call_plans.push(CallPlan {
                    task: task_id,
                    departure,
                    planned: Vec::new(),
                    next: 0,
                    outstanding: 0,
                    waiting_on: service,
                    live: false,
                });
                (self.call_plans.len() - 1) as u32
            }
        };
        let draws = &mut self.call_draws[service.index()];
        let plan = &mut self.call_plans[plan_id as usize];
        plan.task = task_id;
        plan.departure = departure;
        plan.planned.clear();
        plan.next = 0;
        plan.outstanding = 0;
        plan.waiting_on = service;
        plan.live = true;
        for (k, call) in config.calls.iter().enumerate() {
            if call.probability >= 1.0 || draws.uniform() < call.probability {
                let line = self.call_timeout_lines[service.index()][k];
                for _ in 0..call.count {
                    plan.planned.push((call.service, line, call.fails_request));
                }
            }
        }
        self.tasks[task_id.index()].held_calls.push(plan_id);
        if parallel {
            while self.call_plans[plan_id as usize].next < self.call_plans[plan_id as usize].planned.len() {
                self.make_next_call(plan_id);
                if !self.call_plans[plan_id as usize].live {
                    return; // a call failed at once and failed the request
                }
            }
        }
        self.carry_on(plan_id);
    }

    /// Makes the plan's next call: a request to the callee, now.
    fn make_next_call(&mut self, plan_id: u32) {
        let now = self.now();
        let plan = &mut self.call_plans[plan_id as usize];
        let (callee, line, fails_request) = plan.planned[plan.next];
        plan.next += 1;
        plan.outstanding += 1;
        plan.waiting_on = callee;
        let route = plan.departure.request.route;
        let call_id = match self.free_calls.pop() {
            Some(id) => {
                let call = &mut self.calls[id as usize];
                (call.plan, call.callee, call.fails_request, call.abandoned) = (plan_id, callee, fails_request, false);
                id
            }
            None => {
                self.calls.push(Call { plan: plan_id, callee, fails_request, abandoned: false, generation: 0 });
                (self.calls.len() - 1) as u32
            }
        };
        let generation = self.calls[call_id as usize].generation;
        let timeouts = &mut self.call_timeouts[line as usize];
        let deadline = now + timeouts.duration;
        timeouts.pending.push_back((deadline, call_id, generation));
        if timeouts.pending.len() == 1 && !timeouts.armed {
            timeouts.armed = true;
            self.queue.schedule(deadline, Event::CallTimeoutsDue(line));
        }
        let definition = &self.config.services[callee.index()].task;
        let demand = definition.service_time.sample(&mut self.call_service_time[callee.index()]);
        let response_bytes = definition.response_bytes;
        let request = Request { arrived: now, route, call: call_id, demand, cpu_millis: 0, response_bytes };
        self.deliver(callee, request);
    }

    /// After a call is answered (or at the start): the next call of a
    /// sequence, or the answer once nothing is outstanding.
    fn carry_on(&mut self, plan_id: u32) {
        let plan = &self.call_plans[plan_id as usize];
        if !plan.live || plan.outstanding > 0 || self.finishing {
            return;
        }
        if plan.next < plan.planned.len() {
            self.make_next_call(plan_id);
            // A call that failed at once has moved the plan on already.
        } else {
            self.answer_plan(plan_id, None);
        }
    }

    /// The callee answered call `call_id` (or failed it, `caused_by` being the
    /// service whose trouble it was).
    pub(super) fn call_finished(&mut self, call_id: u32, succeeded: bool, caused_by: ServiceId) {
        let call = &mut self.calls[call_id as usize];
        // Its timeout entry, if any, no longer matches.
        call.generation = call.generation.wrapping_add(1);
        let abandoned = call.abandoned;
        let (plan_id, fails_request) = (call.plan, call.fails_request);
        self.free_calls.push(call_id);
        if abandoned {
            return; // its caller gave up at the timeout
        }
        self.call_plans[plan_id as usize].outstanding -= 1;
        self.after_call(plan_id, succeeded || !fails_request, caused_by);
    }

    /// The head of a timeout line is due: every call whose deadline has
    /// come and that is still waited on times out; the event moves to the
    /// next deadline of a call still waited on. Entries of calls answered
    /// since are dropped on the way, whatever their deadline: most calls are
    /// answered long before their timeout, so the line's event skips over
    /// them instead of firing once per call.
    pub(super) fn call_timeouts_due(&mut self, line: u32) {
        let now = self.now();
        self.call_timeouts[line as usize].armed = false;
        while let Some(&(deadline, call_id, generation)) = self.call_timeouts[line as usize].pending.front() {
            let call = &self.calls[call_id as usize];
            let waited_on = call.generation == generation && !call.abandoned;
            if waited_on && deadline > now {
                let timeouts = &mut self.call_timeouts[line as usize];
                if !timeouts.armed {
                    timeouts.armed = true;
                    self.queue.schedule(deadline, Event::CallTimeoutsDue(line));
                }
                return;
            }
            self.call_timeouts[line as usize].pending.pop_front();
            if waited_on {
                self.call_times_out(call_id);
            }
        }
    }

    /// The caller stops waiting for call `call_id`: a failure of the callee.
    fn call_times_out(&mut self, call_id: u32) {
        let call = &mut self.calls[call_id as usize];
        call.abandoned = true;
        let (plan_id, callee, fails_request) = (call.plan, call.callee, call.fails_request);
        self.call_plans[plan_id as usize].outstanding -= 1;
        self.after_call(plan_id, !fails_request, callee);
    }

    fn after_call(&mut self, plan_id: u32, carry_on: bool, caused_by: ServiceId) {
        if !self.call_plans[plan_id as usize].live {
            self.free_plan_if_done(plan_id);
            return;
        }
        if carry_on {
            self.carry_on(plan_id);
        } else {
            self.answer_plan(plan_id, Some(caused_by));
        }
    }

    /// The request is answered: its slot goes to the next queued request,
    /// and its client (the ALB, or a caller) hears back.
    fn answer_plan(&mut self, plan_id: u32, failed_by: Option<ServiceId>) {
        let now = self.now();
        let plan = &mut self.call_plans[plan_id as usize];
        plan.live = false;
        let (task_id, departure) = (plan.task, plan.departure);
        let (made_calls, waiting_on) = (!plan.planned.is_empty(), plan.waiting_on);
        let task = &mut self.tasks[task_id.index()];
        task.held_calls.retain(|&p| p != plan_id);
        let service = task.service;
        task.processor.release_held(now);
        self.reschedule_completion(task_id);
        self.free_plan_if_done(plan_id);
        self.unanswered -= 1;
        let request = departure.request;
        let is_call = request.call != NOT_A_CALL;
        let idle_timeout = self.config.load_balancer.idle_timeout;
        let (at, outcome) = match failed_by {
            _ if now - request.arrived > idle_timeout => {
                (request.arrived + idle_timeout, Outcome::Failed(FailureCause::IdleTimeout))
            }
            Some(_) => (now, Outcome::Failed(FailureCause::DependencyFailed)),
            None => (now, Outcome::Succeeded),
        };
        // A dependency's failure is its; a 504 of a request that waited on
        // calls is blamed on the service it waited on last (model choice).
        if outcome == Outcome::Failed(FailureCause::IdleTimeout) {
            // An ELB 504, for a blue/green rollback alarm (see `complete_requests`).
            let group = self.tasks[task_id.index()].target_group;
            self.count_new_group_failure(service, group);
        }
        let caused_by = match outcome {
            Outcome::Failed(FailureCause::DependencyFailed) => failed_by.unwrap_or(service),
            Outcome::Failed(FailureCause::IdleTimeout) if made_calls => waiting_on,
            _ => service,
        };
        self.emit(Observation::RequestFinished {
            at,
            service,
            route: request.route,
            call: is_call,
            caused_by,
            arrived: request.arrived,
            outcome,
            queue_time: departure.started - request.arrived,
            response_bytes: if outcome == Outcome::Succeeded { request.response_bytes } else { 0 },
        });
        if is_call {
            self.call_finished(request.call, outcome == Outcome::Succeeded, caused_by);
        }
        let task = &self.tasks[task_id.index()];
        if task.state == crate::model::observation::TaskState::Stopping && task.processor.is_empty() {
            self.process_exited(task_id);
        }
    }

    fn free_plan_if_done(&mut self, plan_id: u32) {
        let plan = &self.call_plans[plan_id as usize];
        if !plan.live && plan.outstanding == 0 {
            self.free_call_plans.push(plan_id);
            // Mark it so a second release cannot happen.
            self.call_plans[plan_id as usize].outstanding = u32::MAX;
        }
    }

    /// The task is cut off: the requests it holds for their calls stop
    /// waiting; returned for the caller to fail as its clients see them.
    pub(super) fn abandon_held_calls(&mut self, task_id: TaskId) -> Vec<Request> {
        let held = std::mem::take(&mut self.tasks[task_id.index()].held_calls);
        // Their slots are free again (nobody will read what the task does now).
        let now = self.now();
        self.tasks[task_id.index()].processor.drop_held(held.len(), now);
        self.reschedule_completion(task_id);
        held.into_iter()
            .map(|plan_id| {
                self.call_plans[plan_id as usize].live = false;
                let request = self.call_plans[plan_id as usize].departure.request;
                self.free_plan_if_done(plan_id);
                request
            })
            .collect()
    }

    /// Who a refusal is blamed on: a task refuses because its slots are full;
    /// when at least half of them are held by requests waiting on calls, the
    /// service most of those wait on is the cause (model choice), else the
    /// task's own service.
    pub(super) fn refusal_cause(&self, task_id: TaskId) -> ServiceId {
        let task = &self.tasks[task_id.index()];
        let concurrency = self.definition(task_id).concurrency as usize;
        if task.held_calls.is_empty() || task.held_calls.len() * 2 < concurrency {
            return task.service;
        }
        let mut counts = vec![0usize; self.config.services.len()];
        for &plan in &task.held_calls {
            counts[self.call_plans[plan as usize].waiting_on.index()] += 1;
        }
        // The most waited-on; ties go to the lowest service id.
        let (best, _) = counts.iter().enumerate().fold((0, 0), |best, (i, &n)| if n > best.1 { (i, n) } else { best });
        ServiceId(best as u32)
    }
}
