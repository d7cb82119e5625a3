//! Sweeps: a grid of variants (each a set of `--set` overrides) × seeds, and
//! their statistics across seeds: mean, standard deviation, a 95 % Student-t
//! interval, and each variant's paired difference from the first (the
//! baseline) on the same seeds. Pure: `cli::sweep` runs the grid on rayon and
//! hands the runs back in grid order; `report` writes the tables.

use crate::check::Metric;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// One point of the grid: its name and its overrides.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// `target_value=50 scale_in_cooldown=120s`, or `baseline` with no overrides.
    pub name: String,
    pub overrides: Vec<(String, String)>,
}

/// The cartesian product of the settings, in order (the last key varies fastest).
pub fn grid(settings: &[(String, Vec<String>)]) -> Vec<Variant> {
    // Short names (the key's last part) unless two keys share it.
    let short = |k: &str| k.rsplit('.').next().unwrap_or(k).to_string();
    let mut lasts: Vec<String> = settings.iter().map(|(k, _)| short(k)).collect();
    lasts.sort();
    let unique = lasts.windows(2).all(|w| w[0] != w[1]);
    let label = move |k: &str| if unique { short(k) } else { k.to_string() };
    let mut variants = vec![Vec::new()];
    for (key, values) in settings {
        variants = variants
            .into_iter()
            .flat_map(|prefix: Vec<(String, String)>| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((key.clone(), v.clone()));
                    next
                })
            })
            .collect();
    }
    variants
        .into_iter()
        .map(|overrides| {
            let name = if overrides.is_empty() {
                "baseline".to_string()
            } else {
                overrides.iter().map(|(k, v)| format!("{}={v}", label(k))).collect::<Vec<_>>().join(" ")
            };
            Variant { name, overrides }
        })
        .collect()
}

/// A mean with its spread across seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub std_dev: f64,
    /// The 95 % Student-t interval of the mean; None with one seed or an
    /// infinite value (a deployment that never completed).
    pub ci95: Option<(f64, f64)>,
}

impl Estimate {
    /// `mean [low, high]` times `scale`, at `digits` decimals (the mean alone
    /// without an interval).
    pub fn display(&self, scale: f64, digits: usize) -> String {
        match self.ci95 {
            Some((lo, hi)) => {
                format!("{:.digits$} [{:.digits$}, {:.digits$}]", self.mean * scale, lo * scale, hi * scale)
            }
            None => format!("{:.digits$}", self.mean * scale),
        }
    }
}

/// The variants' indices by mean cost, cheapest first (ties in grid order).
pub fn by_cost(summaries: &[VariantSummary]) -> Vec<usize> {
    let cost = Metric::CostUsd.index();
    let mut order: Vec<usize> = (0..summaries.len()).collect();
    order.sort_by(|&a, &b| summaries[a].estimates[cost].mean.total_cmp(&summaries[b].estimates[cost].mean));
    order
}

/// The two-sided 95 % Student-t quantile for `n` samples.
fn t_quantile(n: usize) -> Option<f64> {
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?;
    Some(t.inverse_cdf(0.975))
}

pub fn estimate(values: &[f64]) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate { mean: f64::NAN, std_dev: f64::NAN, ci95: None };
    }
    // Summed in seed order: the same bytes on any thread count.
    let mean = values.iter().sum::<f64>() / n as f64;
    if !mean.is_finite() {
        return Estimate { mean, std_dev: f64::NAN, ci95: None };
    }
    if n == 1 {
        return Estimate { mean, std_dev: 0.0, ci95: None };
    }
    let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let std_dev = variance.sqrt();
    let ci95 = t_quantile(n).map(|t| {
        let half = t * std_dev / (n as f64).sqrt();
        (mean - half, mean + half)
    });
    Estimate { mean, std_dev, ci95 }
}

/// One variant's figures across seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantSummary {
    pub variant: Variant,
    pub seeds: usize,
    /// Per metric (in `Metric::ALL` order).
    pub estimates: Vec<Estimate>,
    /// Per metric: this variant minus the baseline on each seed (common
    /// random numbers), estimated across seeds. None for the baseline.
    pub paired_differences: Option<Vec<Estimate>>,
}

/// `values[v][k][m]`: variant v, seed k, metric m.
pub fn summarize(variants: &[Variant], values: &[Vec<Vec<f64>>]) -> Vec<VariantSummary> {
    let metrics = Metric::ALL.len();
    let column = |v: usize, m: usize| values[v].iter().map(|run| run[m]).collect::<Vec<f64>>();
    variants
        .iter()
        .enumerate()
        .map(|(v, variant)| VariantSummary {
            variant: variant.clone(),
            seeds: values[v].len(),
            estimates: (0..metrics).map(|m| estimate(&column(v, m))).collect(),
            paired_differences: (v > 0).then(|| {
                (0..metrics)
                    .map(|m| {
                        let diffs: Vec<f64> = column(v, m).iter().zip(column(0, m)).map(|(a, b)| a - b).collect();
                        estimate(&diffs)
                    })
                    .collect()
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_is_the_cartesian_product_in_order() {
        let g = grid(&[("service.a".into(), vec!["1".into(), "2".into()]), ("b".into(), vec!["x".into(), "y".into()])]);
        let names: Vec<&str> = g.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["a=1 b=x", "a=1 b=y", "a=2 b=x", "a=2 b=y"]);
        assert_eq!(grid(&[])[0].name, "baseline");
        // Keys that end alike keep their full paths, so names stay apart.
        let g = grid(&[("x[0].t".into(), vec!["1".into()]), ("x[1].t".into(), vec!["2".into()])]);
        assert_eq!(g[0].name, "x[0].t=1 x[1].t=2");
    }

    #[test]
    fn student_t_interval_by_hand() {
        // 1, 2, 3, 4, 5: mean 3, s = √2.5 = 1.5811; t(0.975, 4) = 2.7764:
        // half-width 2.7764 × 1.5811 / √5 = 1.9632.
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((e.mean - 3.0).abs() < 1e-12);
        assert!((e.std_dev - 2.5f64.sqrt()).abs() < 1e-12);
        let (lo, hi) = e.ci95.unwrap();
        assert!((hi - 3.0 - 1.9632).abs() < 1e-3, "{hi}");
        assert!((3.0 - lo - 1.9632).abs() < 1e-3, "{lo}");
        assert_eq!(estimate(&[7.0]).ci95, None);
        assert!(estimate(&[1.0, f64::INFINITY]).std_dev.is_nan());
    }
}

/// The scenario's `[expect]` bounds on one service, in their order: a sweep
/// records each one's figure after the cluster's.
pub fn service_bounds(scenario: &crate::scenario::Scenario) -> Vec<&crate::check::Expectation> {
    scenario.expect.iter().flat_map(|e| &e.checks).filter(|e| e.service.is_some()).collect()
}

/// A run's figures as a sweep records them: the cluster's in `Metric::ALL`
/// order, then the figure of each of [`service_bounds`].
pub fn run_figures(output: &crate::run::RunOutput, scenario: &crate::scenario::Scenario) -> Vec<f64> {
    let cluster = Metric::ALL.iter().map(|m| m.measure(output, scenario));
    cluster.chain(service_bounds(scenario).iter().map(|e| e.measure(output, scenario))).collect()
}

/// How many figures [`run_figures`] gives for `scenario`.
pub fn figure_count(scenario: &crate::scenario::Scenario) -> usize {
    Metric::ALL.len() + service_bounds(scenario).len()
}

/// Whether a variant meets a scenario's `[expect]` bounds, judged as `check`
/// judges them (each bound's statistic over the variant's seeds);
/// `per_seed[k]` holds seed k's figures as [`run_figures`] lays them out.
pub fn meets(expectations: &crate::check::Expectations, per_seed: &[Vec<f64>]) -> bool {
    let mut service_bound = Metric::ALL.len();
    expectations.checks.iter().all(|e| {
        let column = match e.service {
            None => e.metric.index(),
            Some(_) => {
                service_bound += 1;
                service_bound - 1
            }
        };
        let values: Vec<f64> =
            per_seed.iter().map(|figures| figures.get(column).copied().unwrap_or(f64::NAN)).collect();
        e.holds(e.over.apply(&values))
    })
}

/// The variants no other beats on both cost (lower) and availability
/// (higher): the Pareto front, by index.
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<bool> {
    points
        .iter()
        .map(|&(availability, cost)| {
            !points.iter().any(|&(a, c)| a >= availability && c <= cost && (a > availability || c < cost))
        })
        .collect()
}

#[cfg(test)]
mod front_tests {
    use super::pareto_front;

    #[test]
    fn dominated_variants_leave_the_front() {
        // (availability, cost): the second is cheaper and as available as the first.
        let points = [(0.99, 10.0), (0.99, 8.0), (0.999, 12.0), (0.98, 13.0)];
        assert_eq!(pareto_front(&points), [false, true, true, false]);
    }
}
