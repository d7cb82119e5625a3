//! EC2 capacity (aws-semantics §5): Auto Scaling groups of one instance
//! type, task placement on their instances, ECS managed scaling on
//! CapacityProviderReservation, scale-in with or without managed termination
//! protection and draining, and EC2 Spot reclaims. Part of [`World`].

use super::World;
use crate::engine::sample::exponential;
use crate::engine::{EventId, SimDuration, SimTime};
use crate::model::config::{AutoScalingGroupProvider, PlacementResource, PlacementStrategy};
use crate::model::event::Event;
use crate::model::ids::{CapacityProviderId, InstanceId, ServiceId, TaskId};
use crate::model::observation::{FailureCause, InstanceState, Observation, Observer, StopReason, TaskState};
use crate::model::placement::{self, Bin, Candidate, Reservation, WaitingTask};

/// Consecutive low CPR datapoints before managed scaling scales in (AlarmLow, §5.1).
const SCALE_IN_DATAPOINTS: u32 = 15;

pub(super) struct Instance {
    pub(super) provider: CapacityProviderId,
    availability_zone: u32,
    pub(super) state: InstanceState,
    /// None for the instances registered before the run began: long past
    /// any warm-up (§5.1's instanceWarmupPeriod counts from a launch).
    launched_at: Option<SimTime>,
    pub(super) cpu_free: u32,
    pub(super) memory_free: u32,
    pub(super) awsvpc_free: u32,
    /// Tasks placed here and not yet STOPPED.
    pub(super) tasks: Vec<TaskId>,
    /// Registration, or the Spot notice, or the reclaim at its end.
    timer: Option<EventId>,
    /// Scale-in with draining: it ends once its tasks are gone.
    terminate_when_empty: bool,
    /// EC2 has sent its Spot interruption notice: it will not take new tasks.
    spot_noticed: bool,
}

/// One ASG provider's group.
#[derive(Default)]
pub(super) struct GroupState {
    desired_capacity: u32,
    /// Consecutive minutes with CPR below the target.
    low_minutes: u32,
    launched: u64,
    /// PROVISIONING tasks with no instance yet, in launch order.
    waiting: Vec<TaskId>,
}

impl<O: Observer> World<O> {
    fn asg(&self, provider: CapacityProviderId) -> Option<&AutoScalingGroupProvider> {
        self.config.capacity_providers[provider.index()].auto_scaling_group()
    }

    /// Time zero: each group has its desired capacity, already registered
    /// (model choice: the cluster existed before the run; its tasks start now).
    pub(super) fn start_groups(&mut self) {
        for p in 0..self.config.capacity_providers.len() {
            let provider = CapacityProviderId(p as u32);
            if let Some(asg) = self.asg(provider) {
                self.groups[p].desired_capacity = asg.desired_capacity;
                self.fill_group(provider, "the group's desired capacity at the start");
            }
        }
        for i in 0..self.instances.len() {
            if let Some(timer) = self.instances[i].timer.take() {
                self.queue.cancel(timer);
            }
            self.instances[i].launched_at = None;
            self.set_instance_state(InstanceId(i as u32), InstanceState::Active, "registered before the run began");
            // Its daemons first, before any service places a replica (§13.3).
            self.place_daemons(InstanceId(i as u32));
        }
    }

    /// Instances in the group: launched and not yet terminated.
    pub(super) fn group_instances(&self, provider: CapacityProviderId) -> impl Iterator<Item = InstanceId> + '_ {
        (0..self.instances.len() as u32).map(InstanceId).filter(move |&i| {
            let instance = &self.instances[i.index()];
            instance.provider == provider && instance.state != InstanceState::Terminated
        })
    }

    /// The ASG launches instances until it has its desired capacity.
    fn fill_group(&mut self, provider: CapacityProviderId, reason: &'static str) {
        let have = self.group_instances(provider).count() as u32;
        for _ in have..self.groups[provider.index()].desired_capacity {
            self.launch_instance(provider, reason);
        }
    }

    /// A new instance in the AZ with the fewest (ASG AZ balance; ties to the first).
    fn launch_instance(&mut self, provider: CapacityProviderId, reason: &'static str) {
        let now = self.now();
        let asg = self.asg(provider).expect("an ASG provider").clone();
        let zones = asg.availability_zones.len() as u32;
        let mut per_zone = vec![0u32; zones as usize];
        for i in self.group_instances(provider) {
            per_zone[self.instances[i.index()].availability_zone as usize] += 1;
        }
        let availability_zone = (0..zones).min_by_key(|&z| (per_zone[z as usize], z)).unwrap_or(0);
        let ordinal = (u64::from(provider.0) << 40) | self.groups[provider.index()].launched;
        self.groups[provider.index()].launched += 1;
        let registration = asg.registration_time.sample(&mut self.streams.substream("instance_registration", ordinal));
        let spot = asg.spot;
        let instance_type = &asg.instance_type;
        let id = InstanceId(self.instances.len() as u32);
        self.instances.push(Instance {
            provider,
            availability_zone,
            state: InstanceState::Launching,
            launched_at: Some(now),
            cpu_free: instance_type.cpu_units,
            memory_free: instance_type.memory_mib,
            awsvpc_free: instance_type.awsvpc_tasks,
            tasks: Vec::new(),
            timer: Some(self.queue.schedule(now + registration, Event::InstanceRegistered(id))),
            terminate_when_empty: false,
            spot_noticed: false,
        });
        self.emit(Observation::InstanceStateChanged {
            at: now,
            capacity_provider: provider,
            instance: id,
            availability_zone,
            from: None,
            to: InstanceState::Launching,
            reason,
        });
        // A Spot instance can be taken back from its launch (§5.5), keyed by its ordinal.
        if let Some(spot) = spot.filter(|s| s.interruptions_per_instance_hour > 0.0) {
            let mut stream = self.streams.substream("ec2_spot_interruptions", ordinal);
            let after =
                SimDuration::from_secs_f64(exponential(&mut stream, 3600.0 / spot.interruptions_per_instance_hour));
            // Registration is on the timer until the instance is active; the notice has its own event.
            self.queue.schedule(now + after, Event::InstanceSpotNotice(id));
        }
    }

    pub(super) fn set_instance_state(&mut self, id: InstanceId, to: InstanceState, reason: &'static str) {
        let at = self.now();
        let instance = &mut self.instances[id.index()];
        let from = instance.state;
        instance.state = to;
        let (capacity_provider, availability_zone) = (instance.provider, instance.availability_zone);
        self.emit(Observation::InstanceStateChanged {
            at,
            capacity_provider,
            instance: id,
            availability_zone,
            from: Some(from),
            to,
            reason,
        });
        // A daemon service's desired count is its ACTIVE instances (§13.3).
        self.refresh_daemon_desired(capacity_provider);
    }

    pub(super) fn instance_registered(&mut self, id: InstanceId) {
        self.instances[id.index()].timer = None;
        if self.instances[id.index()].state != InstanceState::Launching {
            return;
        }
        self.set_instance_state(id, InstanceState::Active, "registered with the cluster");
        // The daemons' reservations come off before any replica is placed (§13.3 model choice).
        self.place_daemons(id);
        self.place_waiting(self.instances[id.index()].provider);
    }

    // ---- placement ----------------------------------------------------------

    pub(super) fn reservation(&self, service: ServiceId) -> Reservation {
        let task = &self.config.services[service.index()].task;
        Reservation { cpu_units: task.cpu_units, memory_mib: task.memory_reserved_mib }
    }

    /// Why RunTask could not place a task of `service` on this ASG provider
    /// now (§13.2), or None when it can be placed, or can wait in
    /// PROVISIONING because managed scaling may still add an instance
    /// (model choice: a group at its maximum, or without managed scaling,
    /// fails the call as a launch type would, with `RESOURCE:*`).
    pub(super) fn run_task_placement_failure(
        &self,
        service: ServiceId,
        provider: CapacityProviderId,
    ) -> Option<&'static str> {
        let asg = self.asg(provider)?;
        let need = self.reservation(service);
        let active: Vec<&Instance> = self
            .group_instances(provider)
            .map(|i| &self.instances[i.index()])
            .filter(|i| i.state == InstanceState::Active)
            .collect();
        let fits =
            |i: &&Instance| i.cpu_free >= need.cpu_units && i.memory_free >= need.memory_mib && i.awsvpc_free >= 1;
        if active.iter().any(fits) {
            return None;
        }
        if asg.managed_scaling.is_some() && self.groups[provider.index()].desired_capacity < asg.max_size {
            return None;
        }
        // The first resource no instance has enough of, in ECS's order of checks.
        Some(if !active.iter().any(|i| i.cpu_free >= need.cpu_units) {
            "RESOURCE:CPU"
        } else if !active.iter().any(|i| i.memory_free >= need.memory_mib) {
            "RESOURCE:MEMORY"
        } else if !active.iter().any(|i| i.awsvpc_free >= 1) {
            "RESOURCE:ENI"
        } else {
            "RESOURCE:CPU"
        })
    }

    /// A new task on an ASG provider: placed now if an instance has room,
    /// else it waits in PROVISIONING (§5.1).
    pub(super) fn place_or_wait(&mut self, task_id: TaskId) {
        if !self.try_place(task_id) {
            let provider = self.tasks[task_id.index()].capacity_provider;
            self.groups[provider.index()].waiting.push(task_id);
        }
    }

    /// Places the task on the instance placement chooses (§5.2), and starts it.
    fn try_place(&mut self, task_id: TaskId) -> bool {
        let (service, provider) = (self.tasks[task_id.index()].service, self.tasks[task_id.index()].capacity_provider);
        let active: Vec<InstanceId> = self
            .group_instances(provider)
            .filter(|&i| self.instances[i.index()].state == InstanceState::Active)
            .collect();
        let zones = self.asg(provider).map_or(1, |a| a.availability_zones.len());
        let mut in_zone = vec![0u32; zones];
        let on_instance: Vec<u32> = active
            .iter()
            .map(|&i| {
                let instance = &self.instances[i.index()];
                let n = instance.tasks.iter().filter(|t| self.tasks[t.index()].service == service).count() as u32;
                in_zone[instance.availability_zone as usize] += n;
                n
            })
            .collect();
        let candidates: Vec<Candidate> = active
            .iter()
            .zip(&on_instance)
            .map(|(&i, &n)| {
                let instance = &self.instances[i.index()];
                Candidate {
                    availability_zone: instance.availability_zone,
                    cpu_free: instance.cpu_free,
                    memory_free: instance.memory_free,
                    awsvpc_free: instance.awsvpc_free,
                    service_tasks: n,
                    service_tasks_in_zone: in_zone[instance.availability_zone as usize],
                }
            })
            .collect();
        let need = self.reservation(service);
        let placement_random = &mut self.placement_random;
        let placement = &self.config.services[service.index()].placement;
        let Some(chosen) = placement::choose(&candidates, need, placement, || placement_random.next_u64()) else {
            return false;
        };
        self.place_on(task_id, active[chosen]);
        true
    }

    /// The task takes its reservation on the instance and starts (§5.2).
    pub(super) fn place_on(&mut self, task_id: TaskId, id: InstanceId) {
        let service = self.tasks[task_id.index()].service;
        let need = self.reservation(service);
        let instance = &mut self.instances[id.index()];
        instance.cpu_free -= need.cpu_units;
        instance.memory_free -= need.memory_mib;
        instance.awsvpc_free -= 1;
        instance.tasks.push(task_id);
        let availability_zone = instance.availability_zone;
        self.tasks[task_id.index()].instance = Some(id);
        let at = self.now();
        self.emit(Observation::TaskPlaced { at, service, task: task_id, instance: id, availability_zone });
        self.begin_startup(task_id);
    }

    /// Waiting tasks of the provider, in launch order, placed where they fit.
    fn place_waiting(&mut self, provider: CapacityProviderId) {
        let waiting = std::mem::take(&mut self.groups[provider.index()].waiting);
        let mut still = Vec::new();
        let mut placed_services = Vec::new();
        for task in waiting {
            if self.try_place(task) {
                placed_services.push(self.tasks[task.index()].service);
            } else {
                still.push(task);
            }
        }
        self.groups[provider.index()].waiting = still;
        placed_services.sort();
        placed_services.dedup();
        for service in placed_services {
            self.report_unplaced(service);
        }
    }

    /// A waiting task that stops leaves the queue.
    pub(super) fn forget_waiting(&mut self, task_id: TaskId) {
        let provider = self.tasks[task_id.index()].capacity_provider;
        if let Some(group) = self.groups.get_mut(provider.index()) {
            group.waiting.retain(|&t| t != task_id);
        }
    }

    /// The service's tasks waiting for an instance on this provider.
    pub(super) fn waiting_count(&self, service: ServiceId, provider: CapacityProviderId) -> u32 {
        self.groups[provider.index()].waiting.iter().filter(|t| self.tasks[t.index()].service == service).count() as u32
    }

    /// A STOPPED task gives its instance's room back; waiting tasks may take it.
    pub(super) fn release_instance(&mut self, task_id: TaskId) {
        let Some(id) = self.tasks[task_id.index()].instance else { return };
        let need = self.reservation(self.tasks[task_id.index()].service);
        let instance = &mut self.instances[id.index()];
        instance.tasks.retain(|&t| t != task_id);
        if instance.state == InstanceState::Terminated {
            return;
        }
        instance.cpu_free += need.cpu_units;
        instance.memory_free += need.memory_mib;
        instance.awsvpc_free += 1;
        match instance.state {
            // The last replica gone, the daemons stop: last to stop (§13.3).
            InstanceState::Draining => self.stop_daemons_if_alone(id),
            // ECS retries a daemon that did not fit on this very instance (§13.3).
            InstanceState::Active => self.place_daemons(id),
            _ => {}
        }
        let instance = &self.instances[id.index()];
        if instance.tasks.is_empty() && instance.terminate_when_empty {
            self.terminate_instance(id, "drained for the group's scale-in");
        } else {
            self.place_waiting(self.instances[id.index()].provider);
        }
    }

    /// Which of a service's tasks on an ASG provider to stop first on
    /// scale-in (§5.2), by its first placement strategy: binpack stops on the
    /// instance with the most left over, spread where the service has the most
    /// tasks. Lower keys stop first.
    pub(super) fn scale_in_key(&self, task_id: TaskId) -> u64 {
        let task = &self.tasks[task_id.index()];
        let Some(instance) = task.instance.map(|i| &self.instances[i.index()]) else { return 0 };
        let same_service = |t: &&TaskId| self.tasks[t.index()].service == task.service;
        let strategy = self.config.services[task.service.index()].placement.strategy.first().copied();
        let most_first = |n: u64| u64::MAX - n;
        match strategy {
            Some(PlacementStrategy::Binpack(PlacementResource::Cpu)) => most_first(u64::from(instance.cpu_free)),
            Some(PlacementStrategy::Binpack(PlacementResource::Memory)) => most_first(u64::from(instance.memory_free)),
            Some(PlacementStrategy::SpreadInstances) => {
                most_first(instance.tasks.iter().filter(same_service).count() as u64)
            }
            Some(PlacementStrategy::SpreadAvailabilityZones) => {
                let zone = instance.availability_zone;
                let in_zone = self
                    .instances
                    .iter()
                    .filter(|i| i.provider == instance.provider && i.availability_zone == zone)
                    .map(|i| i.tasks.iter().filter(same_service).count() as u64)
                    .sum();
                most_first(in_zone)
            }
            Some(PlacementStrategy::Random) | None => 0,
        }
    }

    // ---- managed scaling ------------------------------------------------------

    /// The minute's CapacityProviderReservation for every group with managed
    /// scaling, and what ECS does about it (§5.1).
    pub(super) fn managed_scaling_minute(&mut self) {
        for p in 0..self.config.capacity_providers.len() {
            let provider = CapacityProviderId(p as u32);
            if self.asg(provider).is_some_and(|a| a.managed_scaling.is_some()) {
                self.managed_scaling(provider);
            }
        }
    }

    fn managed_scaling(&mut self, provider: CapacityProviderId) {
        let now = self.now();
        let asg = self.asg(provider).expect("an ASG provider").clone();
        let scaling = asg.managed_scaling.expect("managed scaling");
        // N: every instance running in the group, draining ones too (§5.1), so a
        // scale-out step is measured against what the group's desired capacity holds.
        let in_group: Vec<InstanceId> = self.group_instances(provider).collect();
        let n = in_group.len() as u32;
        // Daemon tasks do not count as use (§5.1): an instance with only its daemons is empty.
        let busy = in_group.iter().filter(|&&i| !self.holds_only_daemons(i)).count() as u32;
        // A new instance offers what its daemons leave (§13.3 model choice), to the estimate too.
        let fresh = self.fresh_bin(provider, &asg.instance_type);
        // Booting instances will take waiting tasks, unless EC2 is already taking them back.
        let launching: Vec<Bin> = in_group
            .iter()
            .filter(|i| {
                let instance = &self.instances[i.index()];
                instance.state == InstanceState::Launching && !instance.spot_noticed
            })
            .map(|_| fresh.clone())
            .collect();
        let waiting: Vec<WaitingTask> = self.groups[provider.index()]
            .waiting
            .iter()
            .map(|t| {
                let service = self.tasks[t.index()].service;
                WaitingTask {
                    service: service.0,
                    need: self.reservation(service),
                    distinct_instance: self.config.services[service.index()].placement.distinct_instance,
                }
            })
            .collect();
        let (launching_used, new_needed) = placement::instances_needed_from(&waiting, launching, &fresh);
        let needed = busy + launching_used + new_needed;
        // M / N × 100; 200 % from zero instances with work waiting; 100 % with none (§5.1).
        let reservation_percent = match (n, needed) {
            (0, 0) => 100.0,
            (0, _) => 200.0,
            _ => 100.0 * f64::from(needed) / f64::from(n),
        };
        let target = f64::from(scaling.target_capacity);
        let desired_before = self.groups[provider.index()].desired_capacity;
        // Model choice §5.1: the steady state is ⌈M × 100 / targetCapacity⌉.
        let steady = (u64::from(needed) * 100).div_ceil(u64::from(scaling.target_capacity)) as u32;
        let clamp_step = |k: u32| k.clamp(scaling.minimum_scaling_step_size, scaling.maximum_scaling_step_size);
        let mut cause = None;
        if n == 0 && needed == 0 {
            // Nothing runs and nothing waits: no action (§5.1 model choice; #653's loop is not reproduced).
            self.groups[provider.index()].low_minutes = 0;
        } else if reservation_percent > target {
            self.groups[provider.index()].low_minutes = 0;
            let warm = in_group.iter().all(|i| {
                self.instances[i.index()].launched_at.is_none_or(|at| now - at >= scaling.instance_warmup_period)
            });
            if warm {
                let step = if n == 0 {
                    clamp_step(if scaling.from_zero_uses_demand { new_needed.max(2) } else { 2 })
                } else {
                    clamp_step(steady.saturating_sub(n))
                };
                let to = (desired_before + step).min(asg.max_size);
                if to > desired_before {
                    self.groups[provider.index()].desired_capacity = to;
                    cause = Some(format!(
                        "CapacityProviderReservation {reservation_percent:.0} > targetCapacity {}: {step} instances",
                        scaling.target_capacity
                    ));
                }
            }
        } else if reservation_percent < target {
            let group = &mut self.groups[provider.index()];
            group.low_minutes += 1;
            if group.low_minutes >= SCALE_IN_DATAPOINTS {
                let empty = in_group
                    .iter()
                    .filter(|i| {
                        self.holds_only_daemons(**i) && self.instances[i.index()].state != InstanceState::Draining
                    })
                    .count() as u32;
                // Against the desired capacity: instances already on their way out do not count twice.
                let floor = steady.max(asg.min_size);
                let remove = empty.min((desired_before / 2).max(1)).min(desired_before.saturating_sub(floor));
                if remove > 0 {
                    self.groups[provider.index()].desired_capacity = desired_before.saturating_sub(remove);
                    self.scale_in_group(provider, remove, &asg);
                    cause = Some(format!(
                        "CapacityProviderReservation {reservation_percent:.0} < targetCapacity {} for {} minutes: {remove} empty instances",
                        scaling.target_capacity, self.groups[provider.index()].low_minutes
                    ));
                }
            }
        } else {
            self.groups[provider.index()].low_minutes = 0;
        }
        let desired_capacity = self.groups[provider.index()].desired_capacity;
        self.emit(Observation::CapacityProviderReservation {
            at: now,
            capacity_provider: provider,
            reservation_percent,
            instances_needed: needed,
            instances_in_service: n,
            desired_capacity,
        });
        if let Some(cause) = cause {
            self.emit(Observation::AsgDesiredCapacityChanged {
                at: now,
                capacity_provider: provider,
                from: desired_before,
                to: desired_capacity,
                cause,
            });
            self.fill_group(provider, "managed scaling raised the desired capacity");
        }
    }

    /// The ASG ends `count` instances. With managed termination protection only
    /// empty ones are eligible (§5.1). Among the eligible, the ASG's default
    /// termination policy: the AZ with the most instances, then (model choice)
    /// at random. An instance with tasks is drained first with managed
    /// draining, else its tasks die with it.
    fn scale_in_group(&mut self, provider: CapacityProviderId, count: u32, asg: &AutoScalingGroupProvider) {
        for _ in 0..count {
            let eligible: Vec<InstanceId> = self
                .group_instances(provider)
                .filter(|&i| {
                    // Managed termination protection guards instances with non-daemon tasks (§5.1).
                    self.instances[i.index()].state != InstanceState::Draining
                        && (!asg.managed_termination_protection || self.holds_only_daemons(i))
                })
                .collect();
            let mut per_zone = vec![0u32; asg.availability_zones.len()];
            for &i in &eligible {
                per_zone[self.instances[i.index()].availability_zone as usize] += 1;
            }
            let Some(&busiest) = per_zone.iter().max() else { return };
            let in_zone: Vec<InstanceId> = eligible
                .into_iter()
                .filter(|i| per_zone[self.instances[i.index()].availability_zone as usize] == busiest)
                .collect();
            if in_zone.is_empty() {
                return;
            }
            let chosen = in_zone[self.asg_termination.below(in_zone.len() as u64) as usize];
            if self.instances[chosen.index()].tasks.is_empty() || !asg.managed_draining {
                self.terminate_instance(chosen, "managed scaling scale-in");
            } else {
                self.instances[chosen.index()].terminate_when_empty = true;
                self.drain_instance(chosen, "managed draining before scale-in");
            }
        }
    }

    /// DRAINING (§2.3): tasks not yet RUNNING stop at once, RUNNING ones are
    /// stopped and replaced elsewhere (model choice until maximumPercent
    /// exists: the replacement launches at once). Daemon tasks stop once
    /// every other task here has STOPPED (§13.3). Standalone tasks (RunTask)
    /// are not affected: they run to their end, and the instance waits for
    /// them (docs: container-instance-draining).
    fn drain_instance(&mut self, id: InstanceId, reason: &'static str) {
        self.set_instance_state(id, InstanceState::Draining, reason);
        let tasks: Vec<TaskId> = self.instances[id.index()]
            .tasks
            .iter()
            .copied()
            .filter(|&t| {
                !self.is_daemon_task(t) && !self.config.services[self.tasks[t.index()].service.index()].is_run_task()
            })
            .collect();
        self.stop_daemons_if_alone(id);
        let mut services: Vec<ServiceId> = Vec::new();
        for task in tasks {
            self.stop_task(task, StopReason::ContainerInstanceDraining);
            services.push(self.tasks[task.index()].service);
        }
        services.sort();
        services.dedup();
        for service in services {
            self.reconcile(service);
        }
    }

    /// The instance is gone: the ASG stops billing it, tasks still on it die
    /// (their requests fail as `cause` says) and their services replace them.
    fn terminate_instance(&mut self, id: InstanceId, reason: &'static str) {
        self.terminate_instance_for(id, reason, FailureCause::TaskStopped);
    }

    fn terminate_instance_for(&mut self, id: InstanceId, reason: &'static str, cause: FailureCause) {
        if self.instances[id.index()].state == InstanceState::Terminated {
            return;
        }
        if let Some(timer) = self.instances[id.index()].timer.take() {
            self.queue.cancel(timer);
        }
        // Replicas die first, the daemons last (§13.3), at the same instant.
        let mut tasks = self.instances[id.index()].tasks.clone();
        tasks.sort_by_key(|&t| self.is_daemon_task(t));
        let mut services: Vec<ServiceId> = Vec::new();
        for &task in &tasks {
            if self.tasks[task.index()].state < TaskState::Deprovisioning {
                if cause == FailureCause::SpotInterruption {
                    self.report_ec2_spot_task(task, "EC2 Spot instance reclaimed");
                }
                self.kill_task(task, StopReason::InstanceTerminated, cause);
                services.push(self.tasks[task.index()].service);
            }
        }
        self.set_instance_state(id, InstanceState::Terminated, reason);
        services.sort();
        services.dedup();
        for service in services {
            self.reconcile(service);
        }
    }

    /// A task dies where it stands: requests in it fail with `cause`, its
    /// target leaves the group, the containers are gone.
    fn kill_task(&mut self, task_id: TaskId, reason: StopReason, cause: FailureCause) {
        let task = &mut self.tasks[task_id.index()];
        task.stopping_for.get_or_insert(reason);
        task.holds_slot = false;
        task.listening = false;
        for id in task.take_stop_cancelled_timers().collect::<Vec<_>>() {
            self.queue.cancel(id);
        }
        self.forget_waiting(task_id);
        self.cut_requests(task_id, cause);
        if self.tasks[task_id.index()].state < TaskState::Stopping {
            self.set_state(task_id, TaskState::Stopping);
        }
        self.process_exited(task_id);
    }

    // ---- EC2 Spot ---------------------------------------------------------------

    /// A task that EC2 Spot takes: counted with the service's interruptions.
    fn report_ec2_spot_task(&mut self, task: TaskId, source: &'static str) {
        if std::mem::replace(&mut self.tasks[task.index()].spot_counted, true) {
            return; // counted at the notice
        }
        let at = self.now();
        let service = self.tasks[task.index()].service;
        self.emit(Observation::SpotInterruptionNotice { at, service, task, source });
    }

    /// The two-minute notice (§5.5): with Spot instance draining on, the
    /// instance drains now; either way EC2 takes it when the notice runs out.
    pub(super) fn instance_spot_notice(&mut self, id: InstanceId) {
        let now = self.now();
        let instance = &self.instances[id.index()];
        if instance.state == InstanceState::Terminated {
            return;
        }
        let Some(spot) = self.asg(instance.provider).and_then(|a| a.spot) else { return };
        // A booting instance never registers now; a draining one drains on.
        if let Some(timer) = self.instances[id.index()].timer.take() {
            self.queue.cancel(timer);
        }
        self.instances[id.index()].spot_noticed = true;
        let capacity_provider = self.instances[id.index()].provider;
        self.emit(Observation::InstanceSpotNotice { at: now, capacity_provider, instance: id });
        if spot.spot_instance_draining && self.instances[id.index()].state == InstanceState::Active {
            for task in self.instances[id.index()].tasks.clone() {
                if self.tasks[task.index()].is_stoppable() {
                    self.report_ec2_spot_task(task, "EC2 Spot notice: the instance drains");
                }
            }
            self.drain_instance(id, "Spot interruption notice (ECS_ENABLE_SPOT_INSTANCE_DRAINING)");
        }
        self.instances[id.index()].timer = Some(self.queue.schedule(now + spot.warning, Event::InstanceReclaimed(id)));
    }

    /// EC2 takes the Spot instance back; the ASG launches a replacement.
    pub(super) fn instance_reclaimed(&mut self, id: InstanceId) {
        self.instances[id.index()].timer = None;
        let provider = self.instances[id.index()].provider;
        self.terminate_instance_for(id, "Spot instance reclaimed", FailureCause::SpotInterruption);
        self.fill_group(provider, "replacing a reclaimed Spot instance");
    }
}
