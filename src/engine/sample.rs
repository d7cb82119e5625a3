//! Samplers for the distributions scenarios use, built on `libm` so that every
//! platform draws the same bits (std's `ln`/`exp` may differ by platform).
//! Pure functions of a [`Stream`]; no state of their own.

use super::rng::Stream;
use super::time::SimDuration;
use std::sync::Arc;

/// z such that Φ(z) = 0.99 (standard normal 99th percentile).
pub const Z_99: f64 = 2.326_347_874_040_841;

/// Exponential with the given mean, by inversion.
pub fn exponential(stream: &mut Stream, mean: f64) -> f64 {
    -mean * libm::log(stream.uniform_open0())
}

/// Standard normal by Box–Muller: each pair of uniforms gives two normals; the
/// second is kept in the stream for the next call (halving the libm work).
pub fn standard_normal(stream: &mut Stream) -> f64 {
    if let Some(spare) = stream.spare_normal.take() {
        return spare;
    }
    let u1 = stream.uniform_open0();
    let u2 = stream.uniform();
    let radius = libm::sqrt(-2.0 * libm::log(u1));
    let (sin, cos) = libm::sincos(2.0 * std::f64::consts::PI * u2);
    stream.spare_normal = Some(radius * sin);
    radius * cos
}

/// Gamma(shape, scale) by Marsaglia and Tsang; shape < 1 by boosting.
pub fn gamma(stream: &mut Stream, shape: f64, scale: f64) -> f64 {
    if shape < 1.0 {
        let u = stream.uniform_open0();
        return gamma(stream, shape + 1.0, scale) * libm::pow(u, 1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / libm::sqrt(9.0 * d);
    loop {
        let x = standard_normal(stream);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = stream.uniform_open0();
        if libm::log(u) < 0.5 * x * x + d - d * v + d * libm::log(v) {
            return d * v * scale;
        }
    }
}

/// `count` independent uniforms on [0, 1), drawn one at a time in ascending
/// order (sequential order statistics), so that a large sample is never held
/// or sorted in memory. The smallest of k uniforms on [x, 1) is
/// 1 − (1 − x)·V^(1/k) with V uniform on (0, 1]: each draw multiplies the
/// room left above the previous point by V^(1/k), k being the number still to
/// come (Bentley and Saxe, "Generating sorted lists of random numbers", 1980,
/// run from the bottom). One uniform per point, through `libm`, so the same
/// bits on every machine.
#[derive(Clone, Debug)]
pub struct SortedUniforms {
    remaining: u64,
    /// 1 − the last point drawn (1 before the first).
    room_above: f64,
}

impl SortedUniforms {
    pub fn new(count: u64) -> Self {
        SortedUniforms { remaining: count, room_above: 1.0 }
    }

    /// Points still to come.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The next point, not below the previous one; None after `count`.
    /// In [0, 1]: it reaches 1 only when the room left rounds to nothing,
    /// so a caller scaling it onto whole units clamps the top.
    pub fn next(&mut self, stream: &mut Stream) -> Option<f64> {
        if self.remaining == 0 {
            return None;
        }
        let still_to_come = self.remaining as f64;
        self.room_above *= libm::exp(libm::log(stream.uniform_open0()) / still_to_come);
        self.remaining -= 1;
        Some(1.0 - self.room_above)
    }
}

/// A distribution of durations, in the forms scenarios can give.
#[derive(Clone, Debug, PartialEq)]
pub enum DurationDistribution {
    Constant(SimDuration),
    Exponential {
        mean_secs: f64,
    },
    /// ln X ~ N(mu, sigma²), X in seconds.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Gamma {
        shape: f64,
        scale_secs: f64,
    },
    Uniform {
        min: SimDuration,
        max: SimDuration,
    },
    /// Observed values in seconds, each drawn with equal probability.
    Empirical(Arc<[f64]>),
}

impl DurationDistribution {
    /// Log-normal from its median and 99th percentile (p99 > median > 0).
    pub fn log_normal_from_median_p99(median_secs: f64, p99_secs: f64) -> Self {
        DurationDistribution::LogNormal { mu: libm::log(median_secs), sigma: libm::log(p99_secs / median_secs) / Z_99 }
    }

    /// Gamma from its mean and coefficient of variation (cv > 0).
    pub fn gamma_from_mean_cv(mean_secs: f64, cv: f64) -> Self {
        let shape = 1.0 / (cv * cv);
        DurationDistribution::Gamma { shape, scale_secs: mean_secs / shape }
    }

    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        match self {
            DurationDistribution::Constant(d) => *d,
            DurationDistribution::Exponential { mean_secs } => {
                SimDuration::from_secs_f64(exponential(stream, *mean_secs))
            }
            DurationDistribution::LogNormal { mu, sigma } => {
                SimDuration::from_secs_f64(libm::exp(mu + sigma * standard_normal(stream)))
            }
            DurationDistribution::Gamma { shape, scale_secs } => {
                SimDuration::from_secs_f64(gamma(stream, *shape, *scale_secs))
            }
            DurationDistribution::Uniform { min, max } => {
                let span = max.as_nanos() - min.as_nanos();
                SimDuration::from_nanos(min.as_nanos() + stream.below(span + 1))
            }
            DurationDistribution::Empirical(values) => {
                SimDuration::from_secs_f64(values[stream.below(values.len() as u64) as usize])
            }
        }
    }

    /// The mean in seconds (for reports and the M/M/c adapter).
    pub fn mean_secs(&self) -> f64 {
        match self {
            DurationDistribution::Constant(d) => d.as_secs_f64(),
            DurationDistribution::Exponential { mean_secs } => *mean_secs,
            DurationDistribution::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            DurationDistribution::Gamma { shape, scale_secs } => shape * scale_secs,
            DurationDistribution::Uniform { min, max } => (min.as_secs_f64() + max.as_secs_f64()) / 2.0,
            DurationDistribution::Empirical(values) => values.iter().sum::<f64>() / values.len() as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn moments(dist: &DurationDistribution, n: usize) -> (f64, f64) {
        let mut s = RngStreams::new(1).stream("test");
        let xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut s).as_secs_f64()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        (mean, var)
    }

    #[test]
    fn libm_bits_are_pinned() {
        // If these change, outputs change across machines: libm must be bit-exact.
        // (glibc's exp(1.7) ends in ...8a7: one ulp apart, which is why we use libm.)
        assert_eq!(libm::log(0.3).to_bits(), 0xbff3_4378_fcbd_a721);
        assert_eq!(libm::exp(1.7).to_bits(), 0x4015_e552_770d_f8a6);
        assert_eq!(libm::cos(1.0).to_bits(), 0x3fe1_4a28_0fb5_068c);
    }

    #[test]
    fn exponential_mean_and_variance() {
        // 200k draws: standard error of the mean is 0.1/sqrt(2e5) ≈ 2.2e-4, so ±1e-3 is ~4.5 SE.
        let (m, v) = moments(&DurationDistribution::Exponential { mean_secs: 0.1 }, 200_000);
        assert!((m - 0.1).abs() < 1e-3, "mean {m}");
        assert!((v - 0.01).abs() < 5e-4, "variance {v}");
    }

    #[test]
    fn lognormal_median_and_p99() {
        let dist = DurationDistribution::log_normal_from_median_p99(0.04, 0.4);
        let mut s = RngStreams::new(3).stream("test");
        let mut xs: Vec<f64> = (0..200_000).map(|_| dist.sample(&mut s).as_secs_f64()).collect();
        xs.sort_by(f64::total_cmp);
        let median = xs[100_000];
        let p99 = xs[198_000];
        assert!((median / 0.04 - 1.0).abs() < 0.02, "median {median}");
        assert!((p99 / 0.4 - 1.0).abs() < 0.05, "p99 {p99}");
    }

    #[test]
    fn gamma_mean_and_cv() {
        for cv in [0.5, 1.0, 2.0] {
            let (m, v) = moments(&DurationDistribution::gamma_from_mean_cv(0.2, cv), 200_000);
            let sd = v.sqrt();
            assert!((m / 0.2 - 1.0).abs() < 0.02, "cv {cv}: mean {m}");
            assert!((sd / m / cv - 1.0).abs() < 0.04, "cv {cv}: sd {sd}");
        }
    }

    /// Goal: sorted uniforms are uniform order statistics. Method: 200,000
    /// points; ascending, in [0, 1]; the k-th point has mean k/(n+1) and
    /// standard deviation ≤ 1/(2·sqrt(n)) (≈ 0.0011), so each checked quantile
    /// is within 5 sd (0.0056); mean 1/2 and variance 1/12 of the points
    /// within 5 standard errors (sd of the mean 0.00065, of the variance
    /// sqrt(1/180 n) ≈ 0.00017); the spacings are exponential-like, so their
    /// mean is 1/(n+1) and their sd about the same.
    #[test]
    fn sorted_uniforms_are_uniform_order_statistics() {
        let n = 200_000u64;
        let mut s = RngStreams::new(11).stream("test");
        let mut sorted = SortedUniforms::new(n);
        let points: Vec<f64> = std::iter::from_fn(|| sorted.next(&mut s)).collect();
        assert_eq!(points.len() as u64, n);
        assert_eq!(sorted.remaining(), 0);
        assert!(points.windows(2).all(|w| w[0] <= w[1]), "ascending");
        assert!(points.iter().all(|p| (0.0..=1.0).contains(p)));
        for k in [n / 100, n / 4, n / 2, 3 * n / 4, 99 * n / 100] {
            let expected = k as f64 / (n + 1) as f64;
            let got = points[k as usize - 1];
            assert!((got - expected).abs() < 0.0056, "point {k}: {got} vs {expected}");
        }
        let mean = points.iter().sum::<f64>() / n as f64;
        let variance = points.iter().map(|p| (p - mean) * (p - mean)).sum::<f64>() / (n - 1) as f64;
        assert!((mean - 0.5).abs() < 5.0 * 0.00065, "mean {mean}");
        assert!((variance - 1.0 / 12.0).abs() < 5.0 * 0.00017, "variance {variance}");
        let gaps: Vec<f64> = points.windows(2).map(|w| w[1] - w[0]).collect();
        let gap_mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let gap_sd = (gaps.iter().map(|g| (g - gap_mean) * (g - gap_mean)).sum::<f64>() / gaps.len() as f64).sqrt();
        assert!((gap_mean * (n + 1) as f64 - 1.0).abs() < 0.01, "gap mean {gap_mean}");
        assert!((gap_sd * (n + 1) as f64 - 1.0).abs() < 0.02, "gap sd {gap_sd}");
        // Same seed, same bits (libm, one uniform per point).
        let mut again = SortedUniforms::new(n);
        let mut s = RngStreams::new(11).stream("test");
        assert!(points.iter().all(|p| again.next(&mut s).is_some_and(|q| q.to_bits() == p.to_bits())));
    }

    #[test]
    fn uniform_and_empirical_stay_in_range() {
        let uniform =
            DurationDistribution::Uniform { min: SimDuration::from_secs(30), max: SimDuration::from_secs(60) };
        let empirical = DurationDistribution::Empirical(Arc::from(vec![0.1, 0.2, 0.7]));
        let mut s = RngStreams::new(5).stream("test");
        for _ in 0..10_000 {
            let u = uniform.sample(&mut s);
            assert!(u >= SimDuration::from_secs(30) && u <= SimDuration::from_secs(60));
            let e = empirical.sample(&mut s).as_secs_f64();
            assert!([0.1, 0.2, 0.7].iter().any(|x| (x - e).abs() < 1e-9));
        }
    }
}
