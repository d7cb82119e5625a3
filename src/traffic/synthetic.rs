//! Synthetic Poisson arrivals: constant, diurnal, step and spike rate profiles.
//! Piecewise-constant profiles are generated exactly (restarting at each rate
//! change, which the exponential's lack of memory allows); the diurnal one by
//! thinning against its peak rate.

use super::{to_sim_time, TrafficSpec};
use crate::engine::{sample, SimDuration, SimTime, Stream};
use crate::model::{Arrival, RouteId};

/// A request rate over source time, in requests per second.
#[derive(Clone, Debug, PartialEq)]
pub enum RateProfile {
    Constant {
        rate_per_second: f64,
    },
    /// A sinusoid between trough and peak with the given period, peaking at `peak_at`
    /// (and every period after).
    Diurnal {
        peak_per_second: f64,
        trough_per_second: f64,
        period: SimDuration,
        peak_at: SimDuration,
    },
    /// `before_per_second` until `at`, then `after_per_second`.
    Step {
        before_per_second: f64,
        after_per_second: f64,
        at: SimDuration,
    },
    /// `base_per_second`, with `spike_per_second` during [start, start + duration).
    Spike {
        base_per_second: f64,
        spike_per_second: f64,
        start: SimDuration,
        duration: SimDuration,
    },
}

impl RateProfile {
    /// The rate at `t` seconds and the time of its next change (∞ if none).
    fn piece(&self, t: f64) -> (f64, f64) {
        match *self {
            RateProfile::Constant { rate_per_second } => (rate_per_second, f64::INFINITY),
            RateProfile::Step { before_per_second, after_per_second, at } => {
                let at = at.as_secs_f64();
                if t < at {
                    (before_per_second, at)
                } else {
                    (after_per_second, f64::INFINITY)
                }
            }
            RateProfile::Spike { base_per_second, spike_per_second, start, duration } => {
                let (start, end) = (start.as_secs_f64(), (start + duration).as_secs_f64());
                if t < start {
                    (base_per_second, start)
                } else if t < end {
                    (spike_per_second, end)
                } else {
                    (base_per_second, f64::INFINITY)
                }
            }
            RateProfile::Diurnal { .. } => (self.rate_at(t), f64::INFINITY),
        }
    }

    /// The rate at `t` seconds of source time.
    pub fn rate_at(&self, t: f64) -> f64 {
        match *self {
            RateProfile::Diurnal { peak_per_second, trough_per_second, period, peak_at } => {
                let phase = 2.0 * std::f64::consts::PI * (t - peak_at.as_secs_f64()) / period.as_secs_f64();
                trough_per_second + (peak_per_second - trough_per_second) * (1.0 + libm::cos(phase)) / 2.0
            }
            _ => self.piece(t).0,
        }
    }
}

pub struct Synthetic {
    profile: RateProfile,
    rate_scale: f64,
    /// Source time of the last candidate, seconds.
    t: f64,
    end: SimTime,
    spec: TrafficSpec,
    stream: Stream,
    done: bool,
}

impl Synthetic {
    pub fn new(profile: RateProfile, spec: &TrafficSpec, stream: Stream, end: SimTime) -> Self {
        Synthetic {
            profile,
            rate_scale: spec.rate_scale,
            t: spec.start_offset.as_secs_f64(),
            end,
            spec: spec.clone(),
            stream,
            done: false,
        }
    }

    fn next_source_time(&mut self) -> Option<f64> {
        if let RateProfile::Diurnal { peak_per_second, trough_per_second, .. } = self.profile {
            let max_rate = peak_per_second.max(trough_per_second) * self.rate_scale;
            if max_rate <= 0.0 {
                return None;
            }
            loop {
                self.t += sample::exponential(&mut self.stream, 1.0) / max_rate;
                let accept = self.stream.uniform() * max_rate < self.profile.rate_at(self.t) * self.rate_scale;
                if accept {
                    return Some(self.t);
                }
            }
        }
        loop {
            let (rate, change) = self.profile.piece(self.t);
            let rate = rate * self.rate_scale;
            if rate <= 0.0 {
                if change.is_infinite() {
                    return None;
                }
                self.t = change;
                continue;
            }
            let next = self.t + sample::exponential(&mut self.stream, 1.0) / rate;
            if next >= change {
                self.t = change;
                continue;
            }
            self.t = next;
            return Some(next);
        }
    }

    pub fn next_arrival(&mut self) -> Option<Arrival> {
        if self.done {
            return None;
        }
        loop {
            let Some(t) = self.next_source_time() else {
                self.done = true;
                return None;
            };
            let Some(at) = to_sim_time(SimDuration::from_secs_f64(t).as_nanos(), &self.spec) else { continue };
            if at >= self.end {
                self.done = true;
                return None;
            }
            return Some(Arrival { at, route: RouteId(0), demand: None, response_bytes: None, queue: None });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;
    use crate::traffic::SourceSpec;

    fn count(profile: RateProfile, from_s: u64, to_s: u64, end_s: u64) -> usize {
        let spec = TrafficSpec {
            source: SourceSpec::Synthetic(profile.clone()),
            rate_scale: 1.0,
            time_scale: 1.0,
            start_offset: SimDuration::ZERO,
            routing: crate::traffic::Routing::Fixed(RouteId(0)),
        };
        let mut s = Synthetic::new(profile, &spec, RngStreams::new(9).stream("arrivals"), SimTime::from_secs(end_s));
        std::iter::from_fn(|| s.next_arrival())
            .filter(|a| a.at >= SimTime::from_secs(from_s) && a.at < SimTime::from_secs(to_s))
            .count()
    }

    #[test]
    fn spike_rates_hold_in_each_piece() {
        let spike = RateProfile::Spike {
            base_per_second: 10.0,
            spike_per_second: 100.0,
            start: SimDuration::from_secs(1000),
            duration: SimDuration::from_secs(100),
        };
        // Poisson counts: sd = sqrt(mean); allow ~4 sd.
        let before = count(spike.clone(), 0, 1000, 2000) as f64;
        let during = count(spike.clone(), 1000, 1100, 2000) as f64;
        assert!((before - 10_000.0).abs() < 400.0, "{before}");
        assert!((during - 10_000.0).abs() < 400.0, "{during}");
    }

    #[test]
    fn diurnal_peak_and_trough() {
        let diurnal = RateProfile::Diurnal {
            peak_per_second: 100.0,
            trough_per_second: 10.0,
            period: SimDuration::from_secs(86_400),
            peak_at: SimDuration::from_secs(43_200),
        };
        // 10 minutes around the peak and around the trough.
        let peak = count(diurnal.clone(), 42_900, 43_500, 86_400) as f64;
        let trough = count(diurnal, 0, 300, 86_400) as f64
            + count(RateProfile::Constant { rate_per_second: 0.0 }, 0, 1, 1) as f64;
        assert!((peak / 600.0 - 100.0).abs() < 5.0, "peak rate {}", peak / 600.0);
        assert!((trough / 300.0 - 10.0).abs() < 1.5, "trough rate {}", trough / 300.0);
    }
}
