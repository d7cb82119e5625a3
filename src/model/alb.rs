//! One target group of the ALB: its registered targets, their health, and the
//! routing choice among them. Knows tasks only by id and outstanding count.

use super::config::{Algorithm, HealthCheckConfig};
use super::ids::TaskId;
use super::observation::TargetHealth;
use crate::engine::Stream;

#[derive(Clone, Debug)]
struct Target {
    task: TaskId,
    health: TargetHealth,
    consecutive_passes: u32,
    consecutive_failures: u32,
}

/// What a health-check result changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthTransition {
    None,
    BecameHealthy,
    BecameUnhealthy,
}

#[derive(Clone, Debug, Default)]
pub struct TargetGroup {
    /// Registered targets (draining included), in registration order.
    targets: Vec<Target>,
    /// The targets a new request may go to; recomputed when health changes.
    routable: Vec<TaskId>,
    healthy_count: u32,
    cursor: usize,
}

impl TargetGroup {
    pub fn healthy_count(&self) -> u32 {
        self.healthy_count
    }

    /// Registered targets that are not draining.
    pub fn registered_count(&self) -> u32 {
        self.targets.iter().filter(|t| t.health != TargetHealth::Draining).count() as u32
    }

    fn target_mut(&mut self, task: TaskId) -> &mut Target {
        match self.targets.iter_mut().find(|t| t.task == task) {
            Some(target) => target,
            None => panic!("invariant: task {task:?} is not registered in its target group"),
        }
    }

    pub fn health(&self, task: TaskId) -> Option<TargetHealth> {
        self.targets.iter().find(|t| t.task == task).map(|t| t.health)
    }

    /// A newly registered target starts `initial` (aws-semantics §3.2).
    pub fn register(&mut self, task: TaskId) {
        self.targets.push(Target {
            task,
            health: TargetHealth::Initial,
            consecutive_passes: 0,
            consecutive_failures: 0,
        });
        self.refresh();
    }

    /// The target stops getting new requests (aws-semantics §3.4).
    pub fn start_draining(&mut self, task: TaskId) {
        self.target_mut(task).health = TargetHealth::Draining;
        self.refresh();
    }

    pub fn remove(&mut self, task: TaskId) {
        self.targets.retain(|t| t.task != task);
        self.refresh();
    }

    /// Applies one health-check result (aws-semantics §3.2: consecutive
    /// successes and failures against the thresholds; model choice for new targets).
    pub fn record_check(&mut self, task: TaskId, passed: bool, config: &HealthCheckConfig) -> HealthTransition {
        let target = self.target_mut(task);
        let before = target.health;
        if passed {
            target.consecutive_passes += 1;
            target.consecutive_failures = 0;
            let needed = match before {
                TargetHealth::Initial if !config.new_target_needs_threshold => 1,
                _ => config.healthy_threshold_count,
            };
            if before != TargetHealth::Healthy && target.consecutive_passes >= needed {
                target.health = TargetHealth::Healthy;
            }
        } else {
            target.consecutive_failures += 1;
            target.consecutive_passes = 0;
            if before != TargetHealth::Unhealthy && target.consecutive_failures >= config.unhealthy_threshold_count {
                target.health = TargetHealth::Unhealthy;
            }
        }
        let after = target.health;
        if after == before {
            return HealthTransition::None;
        }
        self.refresh();
        match after {
            TargetHealth::Healthy => HealthTransition::BecameHealthy,
            _ => HealthTransition::BecameUnhealthy,
        }
    }

    /// Healthy targets if there are any; else fail-open to every registered,
    /// non-draining target (aws-semantics §3.3; model choice: `initial` counts
    /// as unhealthy); else none, and the ALB answers 503.
    fn refresh(&mut self) {
        self.routable.clear();
        self.routable.extend(self.targets.iter().filter(|t| t.health == TargetHealth::Healthy).map(|t| t.task));
        self.healthy_count = self.routable.len() as u32;
        if self.routable.is_empty() {
            self.routable.extend(self.targets.iter().filter(|t| t.health != TargetHealth::Draining).map(|t| t.task));
        }
    }

    /// Picks the target for a new request; None when the group has nowhere to send it.
    pub fn pick(
        &mut self,
        algorithm: Algorithm,
        outstanding: impl Fn(TaskId) -> usize,
        routing: &mut Stream,
    ) -> Option<TaskId> {
        let n = self.routable.len();
        if n == 0 {
            return None;
        }
        let chosen = match algorithm {
            Algorithm::RoundRobin => {
                let i = self.cursor % n;
                self.cursor = i + 1;
                self.routable[i]
            }
            Algorithm::Random => self.routable[routing.below(n as u64) as usize],
            Algorithm::LeastOutstandingRequests => {
                // Ties go to the first in rotating order, so equal targets share load.
                let start = self.cursor % n;
                self.cursor = start + 1;
                let mut best = self.routable[start];
                let mut best_load = outstanding(best);
                for k in 1..n {
                    let candidate = self.routable[(start + k) % n];
                    let load = outstanding(candidate);
                    if load < best_load {
                        best = candidate;
                        best_load = load;
                    }
                }
                best
            }
        };
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn fails_open_to_unhealthy_targets_but_not_to_draining_ones() {
        let config = HealthCheckConfig::default();
        let mut rng = RngStreams::new(1).stream("routing");
        let mut group = TargetGroup::default();
        assert_eq!(group.pick(Algorithm::RoundRobin, |_| 0, &mut rng), None, "no targets: 503");
        group.register(TaskId(0));
        group.register(TaskId(1));
        // Both initial: fail-open sends to both.
        let picks: Vec<_> = (0..4).map(|_| group.pick(Algorithm::RoundRobin, |_| 0, &mut rng).unwrap()).collect();
        assert_eq!(picks, [TaskId(0), TaskId(1), TaskId(0), TaskId(1)]);
        assert_eq!(group.record_check(TaskId(1), true, &config), HealthTransition::BecameHealthy);
        assert_eq!(group.pick(Algorithm::RoundRobin, |_| 0, &mut rng), Some(TaskId(1)));
        group.start_draining(TaskId(1));
        assert_eq!(group.pick(Algorithm::RoundRobin, |_| 0, &mut rng), Some(TaskId(0)), "fail-open to the initial one");
        group.start_draining(TaskId(0));
        assert_eq!(group.pick(Algorithm::RoundRobin, |_| 0, &mut rng), None, "only draining: 503");
    }

    #[test]
    fn thresholds_count_consecutive_results() {
        let config = HealthCheckConfig { new_target_needs_threshold: true, ..HealthCheckConfig::default() };
        let mut group = TargetGroup::default();
        group.register(TaskId(0));
        for _ in 0..4 {
            assert_eq!(group.record_check(TaskId(0), true, &config), HealthTransition::None);
        }
        assert_eq!(group.record_check(TaskId(0), true, &config), HealthTransition::BecameHealthy, "5th pass");
        assert_eq!(group.record_check(TaskId(0), false, &config), HealthTransition::None);
        assert_eq!(group.record_check(TaskId(0), true, &config), HealthTransition::None, "resets the failure run");
        assert_eq!(group.record_check(TaskId(0), false, &config), HealthTransition::None);
        assert_eq!(group.record_check(TaskId(0), false, &config), HealthTransition::BecameUnhealthy, "2 in a row");
    }

    #[test]
    fn least_outstanding_picks_the_idlest() {
        let mut rng = RngStreams::new(1).stream("routing");
        let mut group = TargetGroup::default();
        for i in 0..3 {
            group.register(TaskId(i));
        }
        let load = |t: TaskId| [5, 1, 3][t.index()];
        for _ in 0..3 {
            assert_eq!(group.pick(Algorithm::LeastOutstandingRequests, load, &mut rng), Some(TaskId(1)));
        }
    }
}
