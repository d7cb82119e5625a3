//! One PNG per run: request rate, tasks (desired, running, healthy) and p99
//! latency per minute. Fonts come from the `dejavu` crate, so it draws on a
//! machine with no font packages.

use super::atomic_write::{commit, temporary_path};
use super::Error;
use crate::run::RunOutput;
use crate::scenario::Scenario;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // dejavu ships a valid TTF; a failure would only mean text is not drawn.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    });
}

pub fn draw(path: &Path, scenario: &Scenario, output: &RunOutput) -> Result<(), Error> {
    register_fonts();
    let tmp = temporary_path(path).with_extension("png");
    let result = draw_to(&tmp, scenario, output);
    if let Err(message) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Plot { path: path.display().to_string(), message });
    }
    commit(&tmp, path)
}

type Series = Vec<(f64, f64)>;

fn panel(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    title: &str,
    y_label: &str,
    x_max: f64,
    series: &[(&str, RGBColor, Series)],
) -> Result<(), String> {
    let y_max = series.iter().flat_map(|(_, _, s)| s.iter().map(|p| p.1)).fold(0.0f64, f64::max);
    let y_max = if y_max > 0.0 { y_max * 1.1 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("simulated hours")
        .y_desc(y_label)
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())?;
    for (name, color, points) in series {
        let color = *color;
        chart
            .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| e.to_string())
}

fn as_refs(v: &[(String, RGBColor, Series)]) -> Vec<(&str, RGBColor, Series)> {
    v.iter().map(|(n, c, s)| (n.as_str(), *c, s.clone())).collect()
}

fn draw_to(path: &Path, scenario: &Scenario, output: &RunOutput) -> Result<(), String> {
    let root = BitMapBackend::new(path, (1200, 900)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let panels = root.split_evenly((3, 1));
    let hours = |minute: usize| minute as f64 / 60.0;
    let x_max = (scenario.duration.as_secs_f64() / 3600.0).max(1.0 / 60.0);
    let colors = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];
    let mut rate = Vec::new();
    let mut tasks = Vec::new();
    let mut latency = Vec::new();
    for (i, (service, rows)) in scenario.cluster.services.iter().zip(&output.figures.minutes).enumerate() {
        let color = colors[i % colors.len()];
        let in_run = |(m, _): &(usize, &crate::observe::MinuteRow)| hours(*m) < x_max;
        rate.push((
            format!("{} requests/s", service.name),
            color,
            rows.iter()
                .enumerate()
                .filter(in_run)
                .map(|(m, r)| (hours(m), r.arrivals as f64 / 60.0))
                .collect::<Series>(),
        ));
        let counts = |f: fn(&crate::observe::MinuteRow) -> u32| -> Series {
            rows.iter().enumerate().filter(in_run).map(|(m, r)| (hours(m), f64::from(f(r)))).collect()
        };
        tasks.push((format!("{} desired", service.name), BLACK, counts(|r| r.desired_count)));
        tasks.push((format!("{} running", service.name), color, counts(|r| r.running_count)));
        tasks.push((format!("{} healthy", service.name), GREEN, counts(|r| r.healthy_count)));
        latency.push((
            format!("{} p99 latency", service.name),
            color,
            rows.iter()
                .enumerate()
                .filter(in_run)
                .filter_map(|(m, r)| r.latency_ms_p99.map(|p| (hours(m), p)))
                .collect::<Series>(),
        ));
    }
    let title = format!("{} (seed {})", scenario.name, output.seed);
    panel(&panels[0], &format!("{title}: request rate"), "requests / s", x_max, &as_refs(&rate))?;
    panel(&panels[1], "tasks", "tasks", x_max, &as_refs(&tasks))?;
    panel(&panels[2], "latency of succeeded requests, p99 per minute", "ms", x_max, &as_refs(&latency))?;
    root.present().map_err(|e| e.to_string())
}
