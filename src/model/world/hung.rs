//! A hung application (a revision's `unhealthy_after`): its process and its
//! socket stay up, so connections are accepted, but nothing is ever answered
//! (aws-semantics §3.3: no response within the idle timeout is a 504; 502 at
//! once is for a refused connection). Part of [`World`].
//!
//! Every request the task holds when it hangs, and every request sent to it
//! after, waits for the ALB's idle timeout from its arrival. One timeout for
//! all, so the requests wait in one FIFO per task in deadline order, with one
//! event at its head's deadline (as calls' timeout lines do): the 504 is
//! observed when it happens, never ahead of time.

use super::World;
use crate::model::event::Event;
use crate::model::ids::TaskId;
use crate::model::observation::{FailureCause, Observer};
use crate::model::processor::Request;

impl<O: Observer> World<O> {
    /// The application stops answering, for good. Its health checks time out
    /// from now (scheduler). If its containers are up, what it holds is
    /// frozen in place: requests in service and queued keep their slots and
    /// never finish, and it uses no CPU (model choice: a hung application is
    /// blocked, and frees no concurrency). Their clients, and those of the
    /// requests it holds while they wait on their calls (whose answers now
    /// go nowhere), get the ALB's 504 at their idle timeout.
    pub(super) fn app_hangs(&mut self, task_id: TaskId) {
        let now = self.now();
        let task = &mut self.tasks[task_id.index()];
        task.hung = true;
        if task.up_since.is_none() {
            return; // its containers have exited already
        }
        task.processor.hang(now);
        self.reschedule_completion(task_id); // cancels the next completion
        let task = &self.tasks[task_id.index()];
        // Nobody waits on a task whose connections the ALB has cut; a worker's
        // jobs have no client (their messages reappear at their visibility
        // timeout, §12.2).
        if task.connections_cut || self.config.services[task.service.index()].worker.is_some() {
            return;
        }
        let mut requests = Vec::with_capacity(task.processor.len());
        task.processor.for_each_request(|r| requests.push(*r));
        requests.extend(self.abandon_held_calls(task_id));
        requests.sort_by_key(|r| r.arrived);
        let task = &mut self.tasks[task_id.index()];
        task.hung_requests.extend(requests);
        // Armed while the due ones are answered (see `hung_requests_time_out`).
        task.hung_timeout_armed = true;
        self.hung_requests_time_out(task_id);
    }

    /// A request sent to the hung application: the connection is accepted,
    /// no answer comes, and the ALB gives up at its idle timeout (§3.3).
    /// Model choice: it never fills the task's queue (the socket's backlog
    /// holds it), so it is never refused.
    pub(super) fn deliver_to_hung_app(&mut self, task_id: TaskId, request: Request) {
        self.unanswered += 1;
        let deadline = request.arrived + self.config.load_balancer.idle_timeout;
        let task = &mut self.tasks[task_id.index()];
        task.hung_requests.push_back(request);
        if !task.hung_timeout_armed {
            task.hung_timeout_armed = true;
            self.queue.schedule(deadline, Event::HungRequestsTimeOut(task_id));
        }
    }

    /// The requests waiting on the hung task whose idle timeout has come get
    /// 504 (§3.3), at their timeout; the event moves to the next one. The task
    /// stays armed until the end, so a request that an answer sets off (a
    /// caller's next call) and that lands here waits its turn in the FIFO.
    /// An event left over from a task cut off since finds nothing.
    pub(super) fn hung_requests_time_out(&mut self, task_id: TaskId) {
        let now = self.now();
        let idle_timeout = self.config.load_balancer.idle_timeout;
        loop {
            let task = &mut self.tasks[task_id.index()];
            let Some(&request) = task.hung_requests.front() else {
                task.hung_timeout_armed = false;
                return;
            };
            let deadline = request.arrived + idle_timeout;
            if deadline > now {
                self.queue.schedule(deadline, Event::HungRequestsTimeOut(task_id));
                return;
            }
            task.hung_requests.pop_front();
            // Held past its timeout before the hang: answered then, as
            // `complete_requests` backdates a slow response's 504.
            self.answer_idle_timeout(task_id, &request);
        }
    }

    /// The ALB answers a request waiting on the hung task 504, one idle
    /// timeout after it arrived: an ELB 5XX on its target group (for a
    /// blue/green rollback alarm), answered as a cut request past its idle
    /// timeout is (a call's caller hears of it too).
    fn answer_idle_timeout(&mut self, task_id: TaskId, request: &Request) {
        let (service, group) = (self.tasks[task_id.index()].service, self.tasks[task_id.index()].target_group);
        self.count_new_group_failure(service, group);
        self.answer_cut(service, request, FailureCause::IdleTimeout);
    }
}
