//! Several scenarios side by side: one row of cost and availability per
//! scenario, rendered as `comparison.csv`, a bar chart `comparison.png` and an
//! aligned terminal table. Builds and renders only; never runs a scenario.

use super::atomic_write::{atomic_write, commit, temporary_path};
use super::plot::register_fonts;
use super::tables::round;
use super::Error;
use crate::model::FailureCause;
use crate::run::RunOutput;
use crate::scenario::Scenario;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One scenario's figures, summed over its services.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonRow {
    pub scenario: String,
    pub seed: u64,
    pub cost_usd: f64,
    /// None when the run had no requests.
    pub cost_usd_per_million_requests: Option<f64>,
    /// (cost − first scenario's cost) / first scenario's cost, percent; None
    /// when the first scenario cost nothing.
    pub cost_vs_first_percent: Option<f64>,
    /// USD per line item, in [`Comparison::line_item_keys`] order; 0 where the
    /// scenario's bill has no such line.
    pub line_items_usd: Vec<f64>,
    pub requests_total: u64,
    pub requests_failed: u64,
    /// succeeded / total.
    pub availability: f64,
    pub latency_ms_p50: f64,
    pub latency_ms_p99: f64,
    /// Indexed like [`FailureCause::ALL`].
    pub failed_by_cause: Vec<u64>,
    /// Requests that failed while tasks could not be placed (no capacity).
    pub failed_while_capacity_short: u64,
    pub tasks_interrupted: u64,
    pub capacity_short_minutes: f64,
    pub task_hours: f64,
}

/// Scenarios side by side, in the order they were given.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Every line item key any scenario's bill has, in [`line_item_columns`]'s order.
    pub line_item_keys: Vec<String>,
    pub rows: Vec<ComparisonRow>,
}

/// The union of the bills' line item keys, so that the columns do not depend
/// on which scenario came first: Fargate's in `cost::line_item_keys` order,
/// then EC2's instance-hours (their keys name the instance type, so no fixed
/// list holds them) in first-seen order, then the ALB's, then any other key.
pub fn line_item_columns<'a>(keys_by_bill: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let canonical = crate::cost::line_item_keys();
    let alb = canonical.iter().position(|k| k == "alb_hours").unwrap_or(canonical.len());
    let rank = |key: &str| match canonical.iter().position(|k| k == key) {
        Some(p) => (p, 1),
        None if crate::cost::INSTANCE_KEY_PREFIXES.iter().any(|prefix| key.starts_with(prefix)) => (alb, 0),
        None => (canonical.len(), 0),
    };
    let mut keys: Vec<String> = Vec::new();
    for key in keys_by_bill {
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
    }
    // A stable sort: keys of one rank keep their first-seen order.
    keys.sort_by_key(|key| rank(key));
    keys
}

/// The comparison of runs, one row per run in the order given.
pub fn comparison(runs: &[(&Scenario, &RunOutput)]) -> Comparison {
    let line_item_keys =
        line_item_columns(runs.iter().flat_map(|(_, output)| output.bill.lines.iter().map(|l| l.key.as_str())));
    let first_cost = runs.first().map(|(_, o)| o.bill.total_usd);
    let rows = runs
        .iter()
        .map(|(scenario, output)| {
            let f = &output.figures;
            let r = &f.requests;
            let cost_usd = output.bill.total_usd;
            ComparisonRow {
                scenario: scenario.name.clone(),
                seed: output.seed,
                cost_usd,
                cost_usd_per_million_requests: (r.total > 0).then(|| cost_usd / r.total as f64 * 1e6),
                cost_vs_first_percent: first_cost.filter(|&c| c > 0.0).map(|c| (cost_usd - c) / c * 100.0),
                line_items_usd: line_item_keys
                    .iter()
                    // A fold from +0.0: `sum` of no f64 is −0.0, which would print as "-0".
                    .map(|key| output.bill.lines.iter().filter(|l| &l.key == key).fold(0.0, |usd, l| usd + l.usd))
                    .collect(),
                requests_total: r.total,
                requests_failed: r.failed(),
                availability: r.availability(),
                latency_ms_p50: f.latency.p50_ms,
                latency_ms_p99: f.latency.p99_ms,
                failed_by_cause: r.failed_by_cause.to_vec(),
                failed_while_capacity_short: f.services.iter().map(|s| s.failed_while_capacity_short).sum(),
                tasks_interrupted: f.services.iter().map(|s| s.tasks_interrupted).sum(),
                capacity_short_minutes: f.services.iter().map(|s| s.capacity_short_minutes).sum(),
                task_hours: f.services.iter().map(|s| s.task_hours).sum(),
            }
        })
        .collect();
    Comparison { line_item_keys, rows }
}

/// `comparison.csv`: a header, then one row per scenario. Numbers are rounded
/// as `summary.json` rounds them (USD to 6 decimals), so a row's cost is the
/// scenario's `cost_usd.total` to the digit.
pub fn comparison_csv(comparison: &Comparison) -> Vec<u8> {
    let mut header: Vec<String> =
        ["scenario", "seed", "cost_usd", "cost_usd_per_million_requests", "cost_vs_first_percent"]
            .map(String::from)
            .to_vec();
    header.extend(comparison.line_item_keys.iter().map(|k| format!("{k}_usd")));
    header.extend(
        ["requests_total", "requests_failed", "availability_percent", "latency_ms_p50", "latency_ms_p99"]
            .map(String::from),
    );
    header.extend(FailureCause::ALL.iter().map(|c| format!("failed_{}", c.as_str())));
    header.extend(
        ["failed_while_capacity_short", "tasks_interrupted", "capacity_short_minutes", "task_hours"].map(String::from),
    );
    let optional = |x: Option<f64>, decimals| x.map_or_else(String::new, |v| round(v, decimals).to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(&header);
    for row in &comparison.rows {
        let mut record = vec![
            row.scenario.clone(),
            row.seed.to_string(),
            round(row.cost_usd, 6).to_string(),
            optional(row.cost_usd_per_million_requests, 6),
            optional(row.cost_vs_first_percent, 4),
        ];
        record.extend(row.line_items_usd.iter().map(|usd| round(*usd, 6).to_string()));
        record.extend([
            row.requests_total.to_string(),
            row.requests_failed.to_string(),
            round(100.0 * row.availability, 4).to_string(),
            round(row.latency_ms_p50, 3).to_string(),
            round(row.latency_ms_p99, 3).to_string(),
        ]);
        record.extend(row.failed_by_cause.iter().map(u64::to_string));
        record.extend([
            row.failed_while_capacity_short.to_string(),
            row.tasks_interrupted.to_string(),
            round(row.capacity_short_minutes, 3).to_string(),
            round(row.task_hours, 4).to_string(),
        ]);
        let _ = writer.write_record(&record);
    }
    writer.into_inner().unwrap_or_default()
}

/// Decimals of USD shown to people: cents, unless every bill is under a
/// dollar (a short run), where cents would read 0.00 throughout.
fn usd_decimals(rows: &[ComparisonRow]) -> usize {
    if rows.iter().any(|r| r.cost_usd >= 1.0) {
        2
    } else {
        4
    }
}

/// The table for the terminal: one column per scenario, one line per figure
/// (a row per scenario would run past any terminal once the line items are in).
/// Failure causes no scenario saw are left out; `comparison.csv` has them all.
pub fn comparison_text(comparison: &Comparison) -> String {
    let rows = &comparison.rows;
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    let mut line = |label: &str, cell: &dyn Fn(&ComparisonRow) -> String| {
        lines.push((label.to_string(), rows.iter().map(cell).collect()));
    };
    let usd_decimals = usd_decimals(rows);
    line("seed", &|r| r.seed.to_string());
    line("cost USD", &|r| format!("{:.usd_decimals$}", r.cost_usd));
    line("  vs first", &|r| {
        if rows.first().is_some_and(|first| std::ptr::eq(first, r)) {
            "baseline".into()
        } else {
            r.cost_vs_first_percent.map_or_else(|| "-".into(), |p| format!("{p:+.1} %"))
        }
    });
    line("  per million requests", &|r| {
        r.cost_usd_per_million_requests.map_or_else(|| "-".into(), |c| format!("{c:.3}"))
    });
    for (i, key) in comparison.line_item_keys.iter().enumerate() {
        line(&format!("  {key}"), &|r| format!("{:.usd_decimals$}", r.line_items_usd[i]));
    }
    line("requests", &|r| r.requests_total.to_string());
    line("availability %", &|r| format!("{:.4}", 100.0 * r.availability));
    line("latency p50 ms", &|r| format!("{:.1}", r.latency_ms_p50));
    line("latency p99 ms", &|r| format!("{:.1}", r.latency_ms_p99));
    line("failed", &|r| r.requests_failed.to_string());
    for (i, cause) in FailureCause::ALL.iter().enumerate() {
        // Spot interruptions always: a zero there is an answer worth showing.
        if *cause == FailureCause::SpotInterruption || rows.iter().any(|r| r.failed_by_cause[i] > 0) {
            line(&format!("  {}", cause.as_str()), &|r| r.failed_by_cause[i].to_string());
        }
    }
    line("  while capacity short", &|r| r.failed_while_capacity_short.to_string());
    line("tasks interrupted", &|r| r.tasks_interrupted.to_string());
    line("capacity-short minutes", &|r| format!("{:.1}", r.capacity_short_minutes));
    line("task-hours", &|r| format!("{:.1}", r.task_hours));
    let label_width = lines.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            lines
                .iter()
                .map(|(_, cells)| cells[i].chars().count())
                .chain([r.scenario.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    let _ = write!(text, "{:label_width$}", "");
    for (r, width) in rows.iter().zip(&widths) {
        let _ = write!(text, "  {:>width$}", r.scenario);
    }
    text.push('\n');
    for (label, cells) in &lines {
        let _ = write!(text, "{label:label_width$}");
        for (cell, width) in cells.iter().zip(&widths) {
            let _ = write!(text, "  {cell:>width$}");
        }
        text.push('\n');
    }
    text
}

/// Writes `comparison.png`, then `comparison.csv` last: a present CSV means
/// the comparison is whole.
pub fn write_comparison(dir: &Path, comparison: &Comparison) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.display().to_string(), source })?;
    let chart = dir.join("comparison.png");
    draw_chart(&chart, comparison)?;
    let csv = dir.join("comparison.csv");
    atomic_write(&csv, &comparison_csv(comparison))?;
    Ok(vec![chart, csv])
}

/// Colours of the line items, in column order (Tableau 10: distinct, and
/// readable to most colour-blind readers).
const PALETTE: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(160, 203, 232),
    RGBColor(242, 142, 43),
    RGBColor(255, 190, 125),
    RGBColor(89, 161, 79),
    RGBColor(140, 209, 125),
    RGBColor(182, 153, 45),
    RGBColor(121, 112, 109),
    RGBColor(225, 87, 89),
    RGBColor(176, 122, 161),
];

fn draw_chart(path: &Path, comparison: &Comparison) -> Result<(), Error> {
    register_fonts();
    let tmp = temporary_path(path).with_extension("png");
    if let Err(message) = draw_chart_to(&tmp, comparison) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Plot { path: path.display().to_string(), message });
    }
    commit(&tmp, path)
}

/// Width of the legend on the right, px.
const LEGEND_WIDTH: u32 = 330;

/// One stacked bar per scenario (its bill by line item), with its total and
/// availability written above it; the legend to the right of the chart.
fn draw_chart_to(path: &Path, comparison: &Comparison) -> Result<(), String> {
    let rows = &comparison.rows;
    let bars = i32::try_from(rows.len()).map_err(|_| "too many scenarios to draw".to_string())?;
    let width = LEGEND_WIDTH + 100 + 220 * u32::try_from(rows.len()).unwrap_or(u32::MAX).clamp(2, 20);
    let root = BitMapBackend::new(path, (width, 620)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (chart_area, legend_area) = root.split_horizontally(width - LEGEND_WIDTH);
    let usd_decimals = usd_decimals(rows);
    let highest = rows.iter().map(|r| r.cost_usd).fold(0.0f64, f64::max);
    // Headroom for the three lines of text above the highest bar.
    let y_max = if highest > 0.0 { highest * 1.3 } else { 1.0 };
    let mut chart = ChartBuilder::on(&chart_area)
        .caption("cost by line item (USD); total and availability above each bar", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        // plotters' integer ranges include their end: 0..n − 1 is n segments.
        .build_cartesian_2d((0..(bars - 1).max(0)).into_segmented(), 0.0..y_max)
        .map_err(|e| e.to_string())?;
    let name = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
            usize::try_from(*i).ok().and_then(|i| rows.get(i)).map_or_else(String::new, |r| r.scenario.clone())
        }
        SegmentValue::Last => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        // Bold lines only: the fine grid would stripe the bars' background.
        .light_line_style(TRANSPARENT)
        .x_labels(rows.len())
        .x_label_formatter(&name)
        .y_desc("USD")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, row) in (0..bars).zip(rows) {
        let mut bottom = 0.0;
        for (k, usd) in row.line_items_usd.iter().enumerate() {
            let top = bottom + usd;
            let color = PALETTE[k % PALETTE.len()];
            let mut bar =
                Rectangle::new([(SegmentValue::Exact(i), bottom), (SegmentValue::Exact(i + 1), top)], color.filled());
            bar.set_margin(0, 0, 30, 30);
            chart.draw_series(std::iter::once(bar)).map_err(|e| e.to_string())?;
            bottom = top;
        }
        let above = Pos::new(HPos::Center, VPos::Bottom);
        let total = match row.cost_vs_first_percent {
            Some(p) if i > 0 => format!("{:.usd_decimals$} USD ({p:+.1} %)", row.cost_usd),
            _ => format!("{:.usd_decimals$} USD", row.cost_usd),
        };
        let availability = format!("availability {:.4} %", 100.0 * row.availability);
        let label = EmptyElement::at((SegmentValue::CenterOf(i), row.cost_usd))
            + Text::new(total, (0, -24), ("sans-serif", 16).into_font().color(&BLACK).pos(above))
            + Text::new(availability, (0, -6), ("sans-serif", 14).into_font().color(&BLACK).pos(above));
        chart.draw_series(std::iter::once(label)).map_err(|e| e.to_string())?;
    }
    // The legend, top to bottom in the stacking order read from the top of a bar down.
    let text = ("sans-serif", 14).into_font().color(&BLACK);
    let entries = comparison.line_item_keys.iter().enumerate().rev();
    for (row, (k, key)) in (0i32..).zip(entries) {
        let y = 60 + row * 24;
        let color = PALETTE[k % PALETTE.len()];
        legend_area.draw(&Rectangle::new([(8, y), (26, y + 14)], color.filled())).map_err(|e| e.to_string())?;
        legend_area.draw(&Text::new(key.as_str(), (34, y), text.clone())).map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, cost_usd: f64) -> ComparisonRow {
        ComparisonRow {
            scenario: name.into(),
            seed: 1,
            cost_usd,
            cost_usd_per_million_requests: Some(0.5),
            cost_vs_first_percent: Some(0.0),
            line_items_usd: vec![cost_usd],
            requests_total: 10,
            requests_failed: 0,
            availability: 1.0,
            latency_ms_p50: 1.0,
            latency_ms_p99: 2.0,
            failed_by_cause: vec![0; FailureCause::ALL.len()],
            failed_while_capacity_short: 0,
            tasks_interrupted: 0,
            capacity_short_minutes: 0.0,
            task_hours: 1.0,
        }
    }

    /// Goal: line item columns in the bill's order whichever scenario came
    /// first: Fargate, EC2 instance-hours, ALB, unknown keys last.
    #[test]
    fn line_item_columns_follow_the_bill_not_the_argument_order() {
        let keys = line_item_columns([
            "alb_hours",
            "future_item",
            "ec2_spot_instance_hours_m6i.large",
            "fargate_spot_vcpu_hours_x86_64",
            "alb_lcu_hours",
            "fargate_vcpu_hours_x86_64",
            "ec2_instance_hours_c7g.xlarge",
            "alb_hours",
        ]);
        let expected = [
            "fargate_vcpu_hours_x86_64",
            "fargate_spot_vcpu_hours_x86_64",
            "ec2_spot_instance_hours_m6i.large",
            "ec2_instance_hours_c7g.xlarge",
            "alb_hours",
            "alb_lcu_hours",
            "future_item",
        ];
        assert_eq!(keys, expected);
    }

    /// Goal: the terminal table lines up: every line as wide as the header,
    /// each scenario's column right-aligned under its name.
    #[test]
    fn terminal_table_columns_line_up() {
        let comparison = Comparison {
            line_item_keys: vec!["alb_hours".into()],
            rows: vec![row("a", 1.0), row("a-much-longer-name", 123.456)],
        };
        let text = comparison_text(&comparison);
        let widths: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|&w| w == widths[0]), "{text}");
        assert!(text.lines().any(|l| l.starts_with("  alb_hours") && l.ends_with("123.46")), "{text}");
        assert!(text.lines().any(|l| l.starts_with("  spot_interruption")), "{text}");
    }
}
