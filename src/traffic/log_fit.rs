//! Service times fitted from ALB access logs (aws-semantics §11.2): each
//! target group's `target_processing_time`, streamed once, as a log-normal
//! from its median and p99 and as a table of quantiles. Pure figures; never
//! writes (`report::trace` prints the scenario snippet and the table).
//!
//! Why `target_processing_time`. The simulator's service time is a request's
//! time in a task. Of the three timings an entry holds (§11.2), field 7 runs
//! from the ALB sending the request to the target until the target starts its
//! response headers: the task's time, as the ALB sees it. Fields 6 and 8
//! (`request_processing_time`, `response_processing_time`) are the load
//! balancer's own work, which fleetsim does not model; they are left out.
//! Field 7 also holds any wait in the task's own queue and the network's
//! round trip, so logs of lightly loaded tasks fit the service time best.

use super::access_log::LogEntry;
use super::log_merge::{log_files, LogMerge};
use super::log_summary::Timing;
use super::Error;
use crate::engine::sample::Z_99;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// z such that Φ(z) = 0.9 (standard normal 90th percentile).
pub const Z_90: f64 = 1.281_551_565_544_600_4;

/// How many quantiles the empirical table holds: the values at
/// (i + ½)/1000, so its draws follow the logs up to their p99.95.
pub const QUANTILE_TABLE_LEN: usize = 1000;

/// The logs' observed quantiles of one group, µs (nearest rank).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observed {
    pub p50_micros: u64,
    pub p90_micros: u64,
    pub p99_micros: u64,
    pub max_micros: u64,
}

/// The parametric fit of one group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fitted {
    /// ln X ~ N(mu, sigma²) through the observed median and p99.
    LogNormal {
        median_micros: u64,
        p99_micros: u64,
        mu: f64,
        sigma: f64,
        /// The fit's own p90, µs, against the observed p90: the goodness figure.
        p90_micros: f64,
        /// Kolmogorov–Smirnov distance between the fit and the logs' values.
        ks_distance: f64,
    },
    /// Median and p99 equal: no spread to fit.
    Constant { micros: u64 },
    /// A median of 0 (the logs print ms, so sub-ms targets read 0.000): no
    /// log-normal goes through it; the quantile table still applies.
    Unfittable,
}

/// One target group's entries and their fit.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupFit {
    /// Field 17, `target_group_arn`.
    pub target_group_arn: String,
    /// The target group's name, from its ARN (`…:targetgroup/<name>/<id>`).
    pub name: String,
    /// Entries with a target time, and those with `-1` (left out).
    pub timing: Timing,
    pub observed: Option<Observed>,
    /// `None` when fewer than `min_samples` entries have a target time.
    pub fitted: Option<Fitted>,
    /// The quantile table, µs (empty when not fitted).
    pub quantiles_micros: Vec<u64>,
}

/// What `fleetsim trace fit` reports.
#[derive(Clone, Debug, PartialEq)]
pub struct LogFit {
    pub files: Vec<PathBuf>,
    pub entry_count: u64,
    /// Entries with no target group (`-`: fixed responses, redirects, errors
    /// before routing, §11.2): they never reached a task.
    pub without_target_group_count: u64,
    pub min_samples: u64,
    /// By target group ARN.
    pub groups: Vec<GroupFit>,
}

/// A target group's name, from its ARN.
pub fn target_group_name(arn: &str) -> &str {
    arn.split(":targetgroup/").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or(arn)
}

/// Φ(z), by libm's erfc (bit-exact on every platform).
fn standard_normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Nearest-rank values at the quantiles `qs` (ascending), in one pass.
fn quantiles(timing: &Timing, qs: impl Iterator<Item = f64>) -> Vec<u64> {
    let n = timing.count;
    let mut out = Vec::new();
    let mut values = timing.counts_by_micros.iter();
    let (mut value, mut seen) = (0, 0);
    for q in qs {
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        while seen < rank {
            match values.next() {
                Some((&v, &count)) => {
                    value = v;
                    seen += count;
                }
                None => break,
            }
        }
        out.push(value);
    }
    out
}

/// The largest gap between the fit's CDF and the logs' step function, at
/// every distinct value (from below and from above). The logs' rounding to
/// 1 ms (§11.2) adds to it for targets of a few ms.
fn ks_distance(timing: &Timing, mu: f64, sigma: f64) -> f64 {
    let n = timing.count as f64;
    let mut below = 0u64;
    let mut worst: f64 = 0.0;
    for (&micros, &count) in &timing.counts_by_micros {
        let fit = if micros == 0 { 0.0 } else { standard_normal_cdf((libm::log(micros as f64 / 1e6) - mu) / sigma) };
        let above = below + count;
        worst = worst.max((fit - below as f64 / n).abs()).max((fit - above as f64 / n).abs());
        below = above;
    }
    worst
}

fn fit_group(timing: &Timing) -> (Observed, Fitted, Vec<u64>) {
    let q = quantiles(timing, [0.5, 0.9, 0.99, 1.0].into_iter());
    let observed = Observed { p50_micros: q[0], p90_micros: q[1], p99_micros: q[2], max_micros: q[3] };
    let table = quantiles(timing, (0..QUANTILE_TABLE_LEN).map(|i| (i as f64 + 0.5) / QUANTILE_TABLE_LEN as f64));
    let fitted = if observed.p50_micros == 0 {
        Fitted::Unfittable
    } else if observed.p99_micros <= observed.p50_micros {
        Fitted::Constant { micros: observed.p50_micros }
    } else {
        let (median, p99) = (observed.p50_micros as f64 / 1e6, observed.p99_micros as f64 / 1e6);
        // The same parameters `lognormal` with this median and p99 lowers to (engine::sample).
        let mu = libm::log(median);
        let sigma = libm::log(p99 / median) / Z_99;
        Fitted::LogNormal {
            median_micros: observed.p50_micros,
            p99_micros: observed.p99_micros,
            mu,
            sigma,
            p90_micros: libm::exp(mu + sigma * Z_90) * 1e6,
            ks_distance: ks_distance(timing, mu, sigma),
        }
    };
    (observed, fitted, table)
}

/// What the fit keeps of an entry while the merge's window holds it back.
struct Sample {
    target_group_arn: Option<String>,
    target_nanos: Option<u64>,
}

fn sample(entry: &LogEntry) -> Result<Sample, String> {
    Ok(Sample {
        target_group_arn: entry.target_group_arn.map(str::to_string),
        target_nanos: entry.target_processing_nanos,
    })
}

/// Reads every file under `paths` once, in arrival order, and fits each
/// target group with at least `min_samples` entries that have a target time.
pub fn fit(paths: &[PathBuf], reorder_window_nanos: u64, min_samples: u64) -> Result<LogFit, Error> {
    let files = log_files(paths)?;
    let mut merge = LogMerge::new(files.clone(), reorder_window_nanos);
    let mut by_arn: BTreeMap<String, Timing> = BTreeMap::new();
    let (mut entry_count, mut without_target_group_count) = (0, 0);
    while let Some(logged) = merge.next(&mut sample)? {
        entry_count += 1;
        let Sample { target_group_arn, target_nanos } = logged.item;
        match target_group_arn {
            Some(arn) => by_arn.entry(arn).or_default().record(target_nanos),
            None => without_target_group_count += 1,
        }
    }
    if entry_count == 0 {
        let shown = files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err(Error::File { path: shown, message: "the access logs hold no requests".into() });
    }
    let groups = by_arn
        .into_iter()
        .map(|(arn, timing)| {
            let name = target_group_name(&arn).to_string();
            let (observed, fitted, quantiles_micros) = if timing.count == 0 {
                (None, None, Vec::new())
            } else if timing.count < min_samples {
                (Some(fit_group(&timing).0), None, Vec::new())
            } else {
                let (observed, fitted, table) = fit_group(&timing);
                (Some(observed), Some(fitted), table)
            };
            GroupFit { target_group_arn: arn, name, timing, observed, fitted, quantiles_micros }
        })
        .collect();
    Ok(LogFit { files, entry_count, without_target_group_count, min_samples, groups })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_arn() {
        assert_eq!(target_group_name("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/73e2"), "web");
        assert_eq!(target_group_name("odd"), "odd");
    }

    #[test]
    fn quantile_table_is_nearest_rank() {
        let mut t = Timing::default();
        for ms in 1..=10 {
            t.record(Some(ms * 1_000_000));
        }
        assert_eq!(quantiles(&t, [0.05, 0.5, 0.51, 1.0].into_iter()), vec![1000, 5000, 6000, 10_000]);
    }

    #[test]
    fn a_log_normal_fits_itself() {
        // Values at the exact quantiles of ln N(ln 0.04, 0.5²): the fit
        // recovers mu and sigma and its KS distance is one step (1/n).
        let (mu, sigma) = (libm::log(0.04), 0.5);
        let mut t = Timing::default();
        let n = 2000;
        for i in 0..n {
            let p = (i as f64 + 0.5) / n as f64;
            // Bisection on Φ for the inverse.
            let (mut lo, mut hi) = (-10.0, 10.0);
            for _ in 0..100 {
                let mid: f64 = (lo + hi) / 2.0;
                if standard_normal_cdf(mid) < p {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            t.record(Some((libm::exp(mu + sigma * lo) * 1e9) as u64));
        }
        let (_, fitted, table) = fit_group(&t);
        let Fitted::LogNormal { mu: m, sigma: s, ks_distance, .. } = fitted else { panic!("{fitted:?}") };
        assert!((m - mu).abs() < 0.01 && (s / sigma - 1.0).abs() < 0.02, "{m} {s}");
        assert!(ks_distance < 0.01, "{ks_distance}");
        assert_eq!(table.len(), QUANTILE_TABLE_LEN);
    }
}
