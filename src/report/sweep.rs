//! A sweep's tables: `runs.csv` (a row per variant × seed, every figure a
//! column) and `variants.csv` (per variant and figure: mean, standard
//! deviation, 95 % interval, and the paired difference from the baseline).

use crate::check::{Expectation, Metric};
use crate::sweep::{Estimate, Variant, VariantSummary};

fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else if x.is_nan() {
        String::new()
    } else if x < 0.0 {
        "-inf".into()
    } else {
        "inf".into()
    }
}

/// `rows`: (variant index, seed, figures as `sweep::run_figures` lays them
/// out: the cluster's in `Metric::ALL` order, then one per bound of
/// `service_bounds`, named `service.metric`), in grid order.
pub fn runs_csv(variants: &[Variant], service_bounds: &[&Expectation], rows: &[(usize, u64, Vec<f64>)]) -> Vec<u8> {
    let mut out = String::from("variant,seed");
    for m in Metric::ALL {
        out.push(',');
        out.push_str(m.key());
    }
    for e in service_bounds {
        out.push(',');
        out.push_str(&e.key());
    }
    out.push('\n');
    for (v, seed, values) in rows {
        out.push_str(&format!("\"{}\",{seed}", variants[*v].name.replace('"', "\"\"")));
        for &x in values {
            out.push(',');
            out.push_str(&number(x));
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn estimate_cells(e: &Estimate) -> [String; 4] {
    let (lo, hi) = e.ci95.map_or((String::new(), String::new()), |(lo, hi)| (number(lo), number(hi)));
    [number(e.mean), number(e.std_dev), lo, hi]
}

pub fn variants_csv(summaries: &[VariantSummary]) -> Vec<u8> {
    let mut out = String::from("variant,seeds");
    for m in Metric::ALL {
        let k = m.key();
        out.push_str(&format!(",{k}_mean,{k}_std_dev,{k}_ci95_low,{k}_ci95_high"));
        out.push_str(&format!(",{k}_diff_mean,{k}_diff_ci95_low,{k}_diff_ci95_high"));
    }
    out.push('\n');
    for s in summaries {
        out.push_str(&format!("\"{}\",{}", s.variant.name.replace('"', "\"\""), s.seeds));
        for (m, e) in s.estimates.iter().enumerate() {
            for cell in estimate_cells(e) {
                out.push(',');
                out.push_str(&cell);
            }
            match s.paired_differences.as_ref().map(|d| d[m]) {
                Some(d) => {
                    let [mean, _, lo, hi] = estimate_cells(&d);
                    out.push_str(&format!(",{mean},{lo},{hi}"));
                }
                None => out.push_str(",,,"),
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}
