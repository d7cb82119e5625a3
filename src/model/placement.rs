//! Task placement on EC2 instances (aws-semantics §5.2) and ECS's bin-pack
//! estimate of the instances a group needs (§5.1). Pure: the world hands in
//! what each instance has free and which tasks it holds.

use super::config::{InstanceType, Placement, PlacementResource, PlacementStrategy};

/// What a task reserves on an instance (§5.2): its CPU units, its memory and,
/// in `awsvpc` mode, one ENI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reservation {
    pub cpu_units: u32,
    pub memory_mib: u32,
}

/// An instance as placement sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub availability_zone: u32,
    pub cpu_free: u32,
    pub memory_free: u32,
    pub awsvpc_free: u32,
    /// Tasks of the service being placed already on this instance, and in its AZ.
    pub service_tasks: u32,
    pub service_tasks_in_zone: u32,
}

impl Candidate {
    fn fits(&self, need: Reservation, placement: &Placement) -> bool {
        self.cpu_free >= need.cpu_units
            && self.memory_free >= need.memory_mib
            && self.awsvpc_free >= 1
            && !(placement.distinct_instance && self.service_tasks > 0)
    }
}

/// The instance a task goes to, by index into `candidates`, or None when none
/// fits. Filters first (resources, then the binding `distinctInstance`),
/// then each strategy in order keeps the best; `random` draws one number per
/// instance still in the running. Model choice: what ties after every
/// strategy goes to the first candidate (the oldest instance).
pub fn choose(
    candidates: &[Candidate],
    need: Reservation,
    placement: &Placement,
    mut random: impl FnMut() -> u64,
) -> Option<usize> {
    let mut best: Vec<usize> = (0..candidates.len()).filter(|&i| candidates[i].fits(need, placement)).collect();
    for strategy in &placement.strategy {
        if best.len() <= 1 {
            break;
        }
        let scores: Vec<u64> = best
            .iter()
            .map(|&i| {
                let c = &candidates[i];
                match strategy {
                    // Least left over after placing.
                    PlacementStrategy::Binpack(PlacementResource::Cpu) => u64::from(c.cpu_free - need.cpu_units),
                    PlacementStrategy::Binpack(PlacementResource::Memory) => u64::from(c.memory_free - need.memory_mib),
                    PlacementStrategy::SpreadInstances => u64::from(c.service_tasks),
                    PlacementStrategy::SpreadAvailabilityZones => u64::from(c.service_tasks_in_zone),
                    PlacementStrategy::Random => random(),
                }
            })
            .collect();
        let lowest = scores.iter().copied().min().unwrap_or(0);
        best = best.iter().zip(&scores).filter(|(_, &s)| s == lowest).map(|(&i, _)| i).collect();
    }
    best.first().copied()
}

/// One empty instance's worth of room, for the estimate.
#[derive(Clone, Debug)]
pub struct Bin {
    pub cpu_free: u32,
    pub memory_free: u32,
    pub awsvpc_free: u32,
    /// Services (by index) holding a `distinctInstance` task here.
    pub distinct_services: Vec<u32>,
}

impl Bin {
    pub fn empty(instance_type: &InstanceType) -> Bin {
        Bin {
            cpu_free: instance_type.cpu_units,
            memory_free: instance_type.memory_mib,
            awsvpc_free: instance_type.awsvpc_tasks,
            distinct_services: Vec::new(),
        }
    }

    fn try_take(&mut self, task: &WaitingTask) -> bool {
        let fits = self.cpu_free >= task.need.cpu_units
            && self.memory_free >= task.need.memory_mib
            && self.awsvpc_free >= 1
            && !(task.distinct_instance && self.distinct_services.contains(&task.service));
        if fits {
            self.cpu_free -= task.need.cpu_units;
            self.memory_free -= task.need.memory_mib;
            self.awsvpc_free -= 1;
            if task.distinct_instance {
                self.distinct_services.push(task.service);
            }
        }
        fits
    }
}

/// A PROVISIONING task, for the estimate.
#[derive(Clone, Copy, Debug)]
pub struct WaitingTask {
    pub service: u32,
    pub need: Reservation,
    pub distinct_instance: bool,
}

/// ECS's estimate for CapacityProviderReservation (§5.1): first-fit of the
/// waiting tasks, in order, into `launching` (instances that have not
/// registered yet), then into as many new empty instances as it takes.
/// Returns (launching instances used, new instances needed). A task that
/// fits no empty instance is left out, as ECS leaves it out.
pub fn instances_needed(waiting: &[WaitingTask], launching: Vec<Bin>, instance_type: &InstanceType) -> (u32, u32) {
    instances_needed_from(waiting, launching, &Bin::empty(instance_type))
}

/// As [`instances_needed`], with `fresh` the room a new instance offers: an
/// empty one less its DAEMON tasks' reservations (§13.3), so the estimate
/// counts them and leaves out a task that fits only without them.
pub fn instances_needed_from(waiting: &[WaitingTask], mut launching: Vec<Bin>, fresh: &Bin) -> (u32, u32) {
    let launching_count = launching.len();
    let mut used = vec![false; launching_count];
    for task in waiting {
        if !fresh.clone().try_take(task) {
            continue;
        }
        match launching.iter_mut().position(|bin| bin.try_take(task)) {
            Some(i) => {
                if i < launching_count {
                    used[i] = true;
                }
            }
            None => {
                let mut bin = fresh.clone();
                bin.try_take(task);
                launching.push(bin);
            }
        }
    }
    let used_launching = used.iter().filter(|&&u| u).count() as u32;
    (used_launching, (launching.len() - launching_count) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::CpuArchitecture;

    fn m6i_large() -> InstanceType {
        InstanceType {
            name: "m6i.large".into(),
            vcpu: 2,
            cpu_units: 2048,
            memory_mib: 7987,
            architecture: CpuArchitecture::X86_64,
            awsvpc_tasks: 10,
        }
    }

    fn candidate(zone: u32, cpu_free: u32, service_tasks: u32, in_zone: u32) -> Candidate {
        Candidate {
            availability_zone: zone,
            cpu_free,
            memory_free: 8000,
            awsvpc_free: 10,
            service_tasks,
            service_tasks_in_zone: in_zone,
        }
    }

    const HALF: Reservation = Reservation { cpu_units: 512, memory_mib: 1024 };

    #[test]
    fn binpack_picks_the_fullest_instance_that_fits() {
        let placement =
            Placement { strategy: vec![PlacementStrategy::Binpack(PlacementResource::Cpu)], ..Default::default() };
        let candidates = [candidate(0, 2048, 0, 0), candidate(1, 1024, 1, 1), candidate(2, 256, 3, 3)];
        assert_eq!(choose(&candidates, HALF, &placement, || 0), Some(1));
    }

    #[test]
    fn spread_over_zones_then_instances() {
        let placement = Placement {
            strategy: vec![PlacementStrategy::SpreadAvailabilityZones, PlacementStrategy::SpreadInstances],
            ..Default::default()
        };
        let candidates = [candidate(0, 2048, 1, 1), candidate(1, 2048, 1, 2), candidate(1, 2048, 0, 2)];
        assert_eq!(choose(&candidates, HALF, &placement, || 0), Some(0));
        let candidates = [candidate(0, 2048, 2, 2), candidate(1, 2048, 1, 1), candidate(1, 2048, 0, 1)];
        assert_eq!(choose(&candidates, HALF, &placement, || 0), Some(2));
    }

    #[test]
    fn distinct_instance_is_binding() {
        let placement = Placement { strategy: vec![], distinct_instance: true };
        let candidates = [candidate(0, 2048, 1, 1), candidate(1, 2048, 1, 1)];
        assert_eq!(choose(&candidates, HALF, &placement, || 0), None);
    }

    #[test]
    fn the_estimate_fills_launching_instances_before_new_ones() {
        let task = WaitingTask {
            service: 0,
            need: Reservation { cpu_units: 1024, memory_mib: 2048 },
            distinct_instance: false,
        };
        // Two per instance by CPU: five tasks, one launching instance → 1 used, 2 new.
        let (used, new) = instances_needed(&[task; 5], vec![Bin::empty(&m6i_large())], &m6i_large());
        assert_eq!((used, new), (1, 2));
        let too_big = WaitingTask { need: Reservation { cpu_units: 4096, memory_mib: 1 }, ..task };
        assert_eq!(instances_needed(&[too_big], vec![], &m6i_large()), (0, 0));
        let distinct = WaitingTask { distinct_instance: true, ..task };
        assert_eq!(instances_needed(&[distinct; 3], vec![], &m6i_large()), (0, 3));
    }

    #[test]
    fn the_estimate_counts_daemon_reservations() {
        let task = WaitingTask {
            service: 0,
            need: Reservation { cpu_units: 1024, memory_mib: 2048 },
            distinct_instance: false,
        };
        // A 512-unit daemon on each new instance leaves room for one task, not two.
        let mut fresh = Bin::empty(&m6i_large());
        fresh.cpu_free -= 512;
        fresh.memory_free -= 256;
        fresh.awsvpc_free -= 1;
        assert_eq!(instances_needed_from(&[task; 4], vec![], &fresh), (0, 4));
        assert_eq!(instances_needed(&[task; 4], vec![], &m6i_large()), (0, 2));
        // A task that fits only without the daemon is left out, as ECS leaves it out.
        let big = WaitingTask { need: Reservation { cpu_units: 2048, memory_mib: 1024 }, ..task };
        assert_eq!(instances_needed_from(&[big], vec![], &fresh), (0, 0));
    }
}
