//! The only module that writes files: `summary.json`, `timeseries.csv`,
//! `events.csv`, `charts/` (each chart as PNG and SVG), `queues.csv` and `report.html` of a run, a sweep's
//! tables, chart and page, `comparison.csv`/`comparison.png` of several, JUnit XML of `fleetsim check`, and
//! the CSV traces `fleetsim trace convert` makes of access logs, each written to a temporary name and renamed,
//! so an interrupted run never leaves a half-written file that looks whole.

mod atomic_write;
mod calibration;
mod compare;
mod html;
mod journal;
mod junit;
mod plot;
mod sweep;
mod tables;
mod trace;

use crate::run::RunOutput;
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

pub use atomic_write::{atomic_write, AtomicFile};
pub use calibration::{validation_csv, validation_text};
pub use compare::{comparison, comparison_csv, comparison_text, write_comparison, Comparison, ComparisonRow};
pub use journal::{read_journal, Journal, JournalEntries};
pub use junit::junit_xml;
pub use sweep::{runs_csv, variants_csv};
pub use tables::what_if_notes;
pub use trace::{trace_fit_csv, trace_fit_toml, trace_summary_text, CountCsv, RequestCsv};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot write: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("{path}: cannot draw the plot: {message}")]
    Plot { path: String, message: String },
}

/// A sweep's chart (`sweep.png`, `sweep.svg`) and `report.html`: each
/// variant's mean cost against its mean availability, the Pareto front, and
/// `chosen` (the cheapest variant meeting the `[expect]` bounds, whose
/// verdicts are `meets`) in red.
pub fn write_sweep_report(
    dir: &Path,
    title: &str,
    summaries: &[crate::sweep::VariantSummary],
    meets: Option<&[bool]>,
    chosen: Option<usize>,
) -> Result<Vec<PathBuf>, Error> {
    use crate::check::Metric;
    let (cost, availability) = (Metric::CostUsd.index(), Metric::Availability.index());
    let coordinates: Vec<(f64, f64)> =
        summaries.iter().map(|s| (s.estimates[availability].mean, s.estimates[cost].mean)).collect();
    let front = crate::sweep::pareto_front(&coordinates);
    let points: Vec<plot::SweepPoint> = summaries
        .iter()
        .zip(&coordinates)
        .zip(front)
        .enumerate()
        .map(|(i, ((s, &(a, c)), on_front))| plot::SweepPoint {
            name: s.variant.name.clone(),
            availability_percent: 100.0 * a,
            cost_usd: c,
            on_front,
            chosen: chosen == Some(i),
        })
        .collect();
    let chart_title = format!("{title}: cost against availability");
    let chart = plot::SweepChart { title: &chart_title, points: &points };
    let png = dir.join("sweep.png");
    plot::png(&png, &chart)?;
    let svg_path = dir.join("sweep.svg");
    let svg = plot::svg(&chart).map_err(|message| Error::Plot { path: svg_path.display().to_string(), message })?;
    atomic_write(&svg_path, svg.as_bytes())?;
    let html = dir.join("report.html");
    atomic_write(&html, &html::sweep_html(title, summaries, meets, chosen, &svg))?;
    Ok(vec![png, svg_path, html])
}

/// `validate-model`'s per-minute comparison as `dir/validation.csv`.
pub fn write_validation(dir: &Path, validation: &crate::calibration::Validation) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.display().to_string(), source })?;
    let path = dir.join("validation.csv");
    atomic_write(&path, &validation_csv(validation))?;
    Ok(path)
}

/// A duration for people: `24.0 h`, `20.0 min`, `45 s`.
pub fn human_duration(d: crate::engine::SimDuration) -> String {
    let s = d.as_secs_f64();
    if s >= 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s >= 60.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.0} s")
    }
}

/// The folder, inside a run's, that holds each chart as PNG and SVG.
pub const CHARTS_DIR: &str = "charts";

/// The files of one run's report, in the order they were written.
pub fn write_run_report(dir: &Path, scenario: &Scenario, output: &RunOutput) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write { path: dir.display().to_string(), source })?;
    let mut written = Vec::new();
    let timeseries = dir.join("timeseries.csv");
    atomic_write(&timeseries, &tables::timeseries_csv(scenario, output))?;
    written.push(timeseries);
    let events = dir.join("events.csv");
    atomic_write(&events, &tables::events_csv(scenario, output))?;
    written.push(events);
    // Each chart as PNG and SVG in charts/; the SVG also goes inline in report.html.
    let charts_dir = dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir)
        .map_err(|source| Error::Write { path: charts_dir.display().to_string(), source })?;
    let mut inlined = Vec::new();
    for chart in plot::run_charts(scenario, output) {
        let png = charts_dir.join(format!("{}.png", chart.file_stem));
        plot::png(&png, &chart)?;
        written.push(png);
        let svg_path = charts_dir.join(format!("{}.svg", chart.file_stem));
        let svg = plot::svg(&chart).map_err(|message| Error::Plot { path: svg_path.display().to_string(), message })?;
        atomic_write(&svg_path, svg.as_bytes())?;
        written.push(svg_path);
        inlined.push(html::InlineChart {
            heading: chart.heading,
            path_stem: format!("{CHARTS_DIR}/{}", chart.file_stem),
            svg,
        });
    }
    let html_path = dir.join("report.html");
    atomic_write(&html_path, &html::report_html(scenario, output, &inlined))?;
    written.push(html_path);
    if !output.figures.queues.is_empty() {
        let queues = dir.join("queues.csv");
        atomic_write(&queues, &tables::queues_csv(output))?;
        written.push(queues);
    }
    // Last: a summary.json present means the report is whole.
    let summary = dir.join("summary.json");
    atomic_write(&summary, &tables::summary_json(scenario, output))?;
    written.push(summary);
    Ok(written)
}
