//! Capacity: which provider a task goes to, whether it can be placed, and how
//! Fargate Spot takes tasks back (aws-semantics §4.3, §4.4). Part of
//! [`World`]; the split is `model::capacity`, the stopping is the lifecycle's.

use super::World;
use crate::engine::sample::exponential;
use crate::engine::SimDuration;
use crate::model::config::{CapacityProviderKind, SpotMarket, FARGATE_SPOT};
use crate::model::event::Event;
use crate::model::ids::{CapacityProviderId, TaskId};
use crate::model::observation::{Observation, Observer, StopReason, TargetHealth, TaskState};

impl<O: Observer> World<O> {
    pub(super) fn spot_market(&self) -> Option<&SpotMarket> {
        match &self.config.capacity_providers.get(FARGATE_SPOT.index())?.kind {
            CapacityProviderKind::FargateSpot(market) => Some(market),
            _ => None,
        }
    }

    /// Puts the Spot market's known times on the calendar: scheduled and
    /// replayed interruptions, the first random wave, the end of each drought.
    pub(super) fn schedule_spot_market(&mut self) {
        let Some(market) = self.spot_market().cloned() else { return };
        // Only inside the simulated duration: nothing is reclaimed while requests drain.
        let end = self.metrics_end;
        for (i, &(at, _)) in market.scheduled_waves.iter().enumerate().filter(|w| w.1 .0 < end) {
            self.queue.schedule(at, Event::SpotWave(Some(i as u32)));
        }
        for (i, &(at, _)) in market.replayed.iter().enumerate().filter(|r| r.1 .0 < end) {
            self.queue.schedule(at, Event::SpotReplay(i as u32));
        }
        for &(_, end) in &market.droughts {
            self.queue.schedule(end, Event::CapacityReturns(FARGATE_SPOT));
        }
        self.schedule_random_wave();
    }

    fn schedule_random_wave(&mut self) {
        let Some(per_hour) = self.spot_market().map(|m| m.waves_per_hour).filter(|&r| r > 0.0) else { return };
        let after = SimDuration::from_secs_f64(exponential(&mut self.spot_wave_times, 3600.0 / per_hour));
        let at = self.now() + after;
        if at < self.metrics_end {
            self.queue.schedule(at, Event::SpotWave(None));
        }
    }

    /// False while the provider has no capacity to place a task (a Spot drought).
    pub(super) fn can_place(&self, provider: CapacityProviderId) -> bool {
        let now = self.now();
        match &self.config.capacity_providers[provider.index()].kind {
            // On EC2 a task that finds no room waits in PROVISIONING (§5.1).
            CapacityProviderKind::Fargate | CapacityProviderKind::AutoScalingGroup(_) => true,
            CapacityProviderKind::FargateSpot(market) => {
                !market.droughts.iter().any(|&(start, end)| start <= now && now < end)
            }
        }
    }

    /// A RUNNING Spot task starts its own interruption clock (Poisson, per task-hour).
    pub(super) fn start_spot_clock(&mut self, task_id: TaskId) {
        let task = &self.tasks[task_id.index()];
        if task.capacity_provider != FARGATE_SPOT {
            return;
        }
        let Some(rate) = self.spot_market().map(|m| m.interruptions_per_task_hour).filter(|&r| r > 0.0) else {
            return;
        };
        // Keyed by the task's launch ordinal: other tasks' draws never move it.
        let mut stream = self.streams.substream("spot_interruptions", task.ordinal);
        let after = SimDuration::from_secs_f64(exponential(&mut stream, 3600.0 / rate));
        let id = self.queue.schedule(self.now() + after, Event::SpotInterruption(task_id));
        self.tasks[task_id.index()].spot_interruption = Some(id);
    }

    pub(super) fn spot_wave(&mut self, scheduled: Option<u32>) {
        let share = match (scheduled, self.spot_market()) {
            (Some(i), Some(market)) => market.scheduled_waves[i as usize].1,
            (None, Some(market)) => market.wave_share,
            (_, None) => return,
        };
        let running = self.interruptible_spot_tasks();
        // A share of the running Spot tasks, rounded up: a wave takes at least one.
        // The nudge keeps 0.55 × 100 (55.000…01 in binary) at 55.
        let count = (share * running.len() as f64 - 1e-9).ceil().max(0.0) as usize;
        self.interrupt_some(running, count, "reclaim wave");
        if scheduled.is_none() {
            self.schedule_random_wave();
        }
    }

    pub(super) fn spot_replay(&mut self, row: u32) {
        let Some(&(_, tasks)) = self.spot_market().and_then(|m| m.replayed.get(row as usize)) else { return };
        let running = self.interruptible_spot_tasks();
        if (running.len() as u32) < tasks {
            // The replay names more interruptions than there are Spot tasks to take.
            let at = self.now();
            self.emit(Observation::SpotReplayShort { at, row, asked: tasks, found: running.len() as u32 });
        }
        self.interrupt_some(running, tasks as usize, "replayed interruption");
    }

    /// RUNNING Spot tasks not already stopping, across the cluster, in launch order.
    fn interruptible_spot_tasks(&self) -> Vec<TaskId> {
        (0..self.tasks.len() as u32)
            .map(TaskId)
            .filter(|t| {
                let task = &self.tasks[t.index()];
                task.capacity_provider == FARGATE_SPOT && task.state == TaskState::Running && task.is_stoppable()
            })
            .collect()
    }

    /// `count` of `candidates`, chosen uniformly without replacement (seeded).
    fn interrupt_some(&mut self, mut candidates: Vec<TaskId>, count: usize, source: &'static str) {
        let count = count.min(candidates.len());
        for i in 0..count {
            let j = i + self.spot_picks.below((candidates.len() - i) as u64) as usize;
            candidates.swap(i, j);
        }
        for &task in &candidates[..count] {
            self.spot_interruption(task, source);
        }
    }

    /// The two-minute notice (§4.3 model choice): ECS deregisters the target
    /// and sends SIGTERM at once, without waiting for the deregistration
    /// delay; SIGKILL follows at min(stopTimeout, the notice). The replacement
    /// launches when the task has STOPPED, or now with `replace_at = "notice"`.
    pub(super) fn spot_interruption(&mut self, task_id: TaskId, source: &'static str) {
        let now = self.now();
        let replace_at_notice = self.spot_market().is_some_and(|m| m.replace_at_notice);
        let warning = self.spot_market().map_or(SimDuration::from_secs(120), |m| m.warning);
        let task = &mut self.tasks[task_id.index()];
        if task.state != TaskState::Running || !task.is_stoppable() {
            return;
        }
        task.stopping_for = Some(StopReason::SpotInterruption);
        task.holds_slot = !replace_at_notice;
        // A wave or a replay cancels the task's own pending interruption.
        for id in task.take_stop_cancelled_timers().collect::<Vec<_>>() {
            self.queue.cancel(id);
        }
        let service = self.tasks[task_id.index()].service;
        self.emit(Observation::SpotInterruptionNotice { at: now, service, task: task_id, source });
        let group_id = self.tasks[task_id.index()].target_group;
        if self.target_groups[group_id.index()].health(task_id).is_some() {
            self.target_groups[group_id.index()].start_draining(task_id);
            self.emit_health(task_id, TargetHealth::Draining);
            self.set_state(task_id, TaskState::Deactivating);
        }
        let stop_timeout = self.definition(task_id).stop_timeout;
        self.sigterm_within(task_id, stop_timeout.min(warning));
        if replace_at_notice {
            self.reconcile(service);
        }
    }

    /// A drought is over: every service places what it could not.
    pub(super) fn capacity_returns(&mut self) {
        for s in 0..self.services.len() {
            self.reconcile(crate::model::ServiceId(s as u32));
        }
    }
}
