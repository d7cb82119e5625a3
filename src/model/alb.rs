//! One target group of the ALB: its registered targets, their health, and the
//! routing choice among them. Knows tasks only by id and outstanding count.

use super::config::{Algorithm, HealthCheckConfig};
use super::ids::TaskId;
use super::observation::TargetHealth;
use crate::engine::{SimDuration, SimTime, Stream};

#[derive(Clone, Debug)]
struct Target {
    task: TaskId,
    health: TargetHealth,
    consecutive_passes: u32,
    consecutive_failures: u32,
    /// When it last became healthy.
    healthy_since: Option<SimTime>,
    /// Slow start: (start, end) of the ramp (aws-semantics §3.4).
    slow_start: Option<(SimTime, SimTime)>,
}

impl Target {
    /// Its share of requests relative to a full target: 1 outside slow start,
    /// rising linearly from 0 to 1 through it (§3.4).
    fn weight(&self, now: SimTime) -> f64 {
        match self.slow_start {
            Some((start, end)) if now < end => {
                now.saturating_since(start).as_nanos() as f64 / (end - start).as_nanos() as f64
            }
            _ => 1.0,
        }
    }
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
    /// The latest end of any target's slow start: the hot path checks only this.
    ramping_until: SimTime,
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
            healthy_since: None,
            slow_start: None,
        });
        self.refresh();
    }

    /// A target that was registered and healthy before the run began.
    pub fn register_healthy(&mut self, task: TaskId, now: SimTime, healthy_threshold_count: u32) {
        self.targets.push(Target {
            task,
            health: TargetHealth::Healthy,
            consecutive_passes: healthy_threshold_count,
            consecutive_failures: 0,
            healthy_since: Some(now),
            slow_start: None,
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
    /// `slow_start` is the group's slow-start duration (zero: off).
    pub fn record_check(
        &mut self,
        task: TaskId,
        passed: bool,
        config: &HealthCheckConfig,
        now: SimTime,
        slow_start: SimDuration,
    ) -> HealthTransition {
        // A target enters slow start only if another target was already healthy
        // and not in slow start; targets registered together into an empty group
        // do not (§3.4).
        let ramp_needed = !slow_start.is_zero()
            && self.targets.iter().any(|t| {
                t.task != task
                    && t.health == TargetHealth::Healthy
                    && t.healthy_since.is_some_and(|since| since < now)
                    && t.weight(now) >= 1.0
            });
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
                target.healthy_since = Some(now);
                target.slow_start = ramp_needed.then(|| (now, now + slow_start));
            }
        } else {
            target.consecutive_failures += 1;
            target.consecutive_passes = 0;
            if before != TargetHealth::Unhealthy && target.consecutive_failures >= config.unhealthy_threshold_count {
                target.health = TargetHealth::Unhealthy;
                // It leaves slow start early when it becomes unhealthy (§3.4).
                target.slow_start = None;
            }
        }
        let after = target.health;
        if let Some((_, end)) = target.slow_start {
            self.ramping_until = self.ramping_until.max(end);
        }
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
        now: SimTime,
    ) -> Option<TaskId> {
        let n = self.routable.len();
        if n == 0 {
            return None;
        }
        if now < self.ramping_until {
            return Some(self.pick_with_slow_start(algorithm, routing, now));
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

impl TargetGroup {
    /// Round robin or random, thinned by slow-start weights: a target ramping
    /// up is taken with probability equal to its weight, else the algorithm
    /// moves on (model choice: AWS does not say how the share is enforced).
    fn pick_with_slow_start(&mut self, algorithm: Algorithm, routing: &mut Stream, now: SimTime) -> TaskId {
        let n = self.routable.len();
        let mut first = None;
        for _ in 0..n {
            let candidate = match algorithm {
                Algorithm::Random => self.routable[routing.below(n as u64) as usize],
                _ => {
                    let i = self.cursor % n;
                    self.cursor = i + 1;
                    self.routable[i]
                }
            };
            first.get_or_insert(candidate);
            let weight = self.targets.iter().find(|t| t.task == candidate).map_or(1.0, |t| t.weight(now));
            if weight >= 1.0 || routing.uniform() < weight {
                return candidate;
            }
        }
        first.unwrap_or(self.routable[0])
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
        assert_eq!(group.pick(Algorithm::RoundRobin, |_| 0, &mut rng, SimTime::ZERO), None, "no targets: 503");
        group.register(TaskId(0));
        group.register(TaskId(1));
        // Both initial: fail-open sends to both.
        let picks: Vec<_> =
            (0..4).map(|_| group.pick(Algorithm::RoundRobin, |_| 0, &mut rng, SimTime::ZERO).unwrap()).collect();
        assert_eq!(picks, [TaskId(0), TaskId(1), TaskId(0), TaskId(1)]);
        assert_eq!(
            group.record_check(TaskId(1), true, &config, SimTime::ZERO, SimDuration::ZERO),
            HealthTransition::BecameHealthy
        );
        assert_eq!(group.pick(Algorithm::RoundRobin, |_| 0, &mut rng, SimTime::ZERO), Some(TaskId(1)));
        group.start_draining(TaskId(1));
        assert_eq!(
            group.pick(Algorithm::RoundRobin, |_| 0, &mut rng, SimTime::ZERO),
            Some(TaskId(0)),
            "fail-open to the initial one"
        );
        group.start_draining(TaskId(0));
        assert_eq!(group.pick(Algorithm::RoundRobin, |_| 0, &mut rng, SimTime::ZERO), None, "only draining: 503");
    }

    #[test]
    fn thresholds_count_consecutive_results() {
        let config = HealthCheckConfig { new_target_needs_threshold: true, ..HealthCheckConfig::default() };
        let mut group = TargetGroup::default();
        group.register(TaskId(0));
        let mut check = |passed| group.record_check(TaskId(0), passed, &config, SimTime::ZERO, SimDuration::ZERO);
        for _ in 0..4 {
            assert_eq!(check(true), HealthTransition::None);
        }
        assert_eq!(check(true), HealthTransition::BecameHealthy, "5th pass");
        assert_eq!(check(false), HealthTransition::None);
        assert_eq!(check(true), HealthTransition::None, "resets the failure run");
        assert_eq!(check(false), HealthTransition::None);
        assert_eq!(check(false), HealthTransition::BecameUnhealthy, "2 in a row");
    }

    /// Goal: slow start (aws-semantics §3.4). Method: two targets healthy since
    /// t = 1 s, a third healthy at 100 s with a 300 s slow start: its share of
    /// round-robin picks is about w / (2 + w) at weight w: ~0 just after 100 s,
    /// ~0.3 near 400 s (w → 1), exactly 1/3 after. Targets healthy together
    /// into an empty group do not ramp.
    #[test]
    fn slow_start_ramps_a_new_targets_share() {
        let config = HealthCheckConfig::default();
        let slow = SimDuration::from_secs(300);
        let at = |s: u64| SimTime::from_secs(s);
        let mut rng = RngStreams::new(2).stream("routing");
        let mut group = TargetGroup::default();
        for i in 0..3 {
            group.register(TaskId(i));
        }
        group.record_check(TaskId(0), true, &config, at(1), slow);
        group.record_check(TaskId(1), true, &config, at(1), slow);
        assert_eq!(group.targets[1].slow_start, None, "healthy together into an empty group: no ramp");
        group.record_check(TaskId(2), true, &config, at(100), slow);
        assert_eq!(group.targets[2].slow_start, Some((at(100), at(400))));
        let mut share = |from: u64| {
            let picks = 30_000;
            let hits = (0..picks)
                .filter(|k| {
                    let now = at(from) + SimDuration::from_nanos(k * 1_000_000);
                    group.pick(Algorithm::RoundRobin, |_| 0, &mut rng, now) == Some(TaskId(2))
                })
                .count();
            hits as f64 / picks as f64
        };
        let early = share(100);
        let late = share(370);
        let after = share(400);
        assert!(early < 0.03, "first 30 s: {early}");
        assert!((late - 0.31).abs() < 0.03, "last 30 s (w ≈ 0.95): {late}");
        assert!((after - 1.0 / 3.0).abs() < 1e-3, "after the ramp: {after}");
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
            assert_eq!(group.pick(Algorithm::LeastOutstandingRequests, load, &mut rng, SimTime::ZERO), Some(TaskId(1)));
        }
    }
}
