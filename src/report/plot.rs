//! A run's charts, one image each: request rate, tasks (desired, running,
//! healthy; by capacity provider when there are several), p99 latency per
//! minute and the cluster's cost so far (the bill's total in the caption),
//! then one chart per scaling policy: its metric against its target, with the
//! minutes its alarms were in ALARM shaded; and a sweep's cost against
//! availability. Each is drawn once, generic over the plotters backend, as
//! PNG and as SVG. Fonts come from the `dejavu` crate, so it draws on a
//! machine with no font packages.

use super::atomic_write::{commit, temporary_path};
use super::Error;
use crate::model::autoscaling::AlarmState;
use crate::model::config::{ServiceConfig, ServiceMetric};
use crate::observe::MinuteRow;
use crate::run::RunOutput;
use crate::scenario::Scenario;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

pub(super) fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // dejavu ships a valid TTF; a failure would only mean text is not drawn.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    });
}

/// A chart that draws the same on any plotters backend, so its PNG and its
/// SVG are one drawing.
pub trait Figure {
    /// Width and height, px.
    fn size(&self) -> (u32, u32);
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static;
}

/// The figure as SVG text, for its `.svg` file and the HTML report.
pub fn svg(figure: &impl Figure) -> Result<String, String> {
    register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, figure.size()).into_drawing_area();
        figure.draw_on(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(text)
}

/// The figure as a PNG at `path`, drawn into a temporary file and renamed.
pub fn png(path: &Path, figure: &impl Figure) -> Result<(), Error> {
    register_fonts();
    let tmp = temporary_path(path).with_extension("png");
    let result = (|| {
        let root = BitMapBackend::new(&tmp, figure.size()).into_drawing_area();
        figure.draw_on(&root)?;
        root.present().map_err(|e| e.to_string())
    })();
    if let Err(message) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Plot { path: path.display().to_string(), message });
    }
    commit(&tmp, path)
}

type Series = Vec<(f64, f64)>;

/// Stroke of series that jump from minute to minute (rate, latency, metrics):
/// plotters draws a wider line as polygons whose inner corners spike far past
/// the data where a line turns sharply between points a pixel apart; a 1 px
/// line is drawn exactly.
const NOISY_STROKE: u32 = 1;
/// Stroke of step-like series (task counts) and reference lines.
const STEP_STROKE: u32 = 2;

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A panel's frame: title, axes over [0, x_max] hours × [0, y_max], the grid.
fn framed_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    y_label: &str,
    x_max: f64,
    y_max: f64,
) -> Result<Chart<'a, DB>, String>
where
    DB::ErrorType: 'static,
{
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
    Ok(chart)
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_label: &str,
    x_max: f64,
    stroke: u32,
    series: &[(String, RGBColor, Series)],
    legend: SeriesLabelPosition,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let y_max = series.iter().flat_map(|(_, _, s)| s.iter().map(|p| p.1)).fold(0.0f64, f64::max);
    let y_max = if y_max > 0.0 { y_max * 1.1 } else { 1.0 };
    let mut chart = framed_chart(area, title, y_label, x_max, y_max)?;
    for (name, color, points) in series {
        let color = *color;
        chart
            .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(stroke)))
            .map_err(|e| e.to_string())?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(STEP_STROKE)));
    }
    draw_legend(&mut chart, legend)
}

/// The series' legend in a white box, as every panel draws it.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .position(position)
        .draw()
        .map_err(|e| e.to_string())
}

/// A run chart's size, px: as wide as the report's page, one panel high.
const RUN_CHART_SIZE: (u32, u32) = (1200, 300);

/// A scaling policy's panel: which datapoints it draws and the lines it draws them against.
struct PolicyPanel {
    /// The service's index in the cluster (and in `RunFigures::minutes`).
    service: usize,
    /// The policy's index in `MinuteRow::policies` (target tracking first, then step).
    policy: usize,
    title: String,
    /// The service's and the policy's names, for the chart's file name.
    slug_source: String,
    metric: ServiceMetric,
    /// The target value, or a step policy's alarm threshold.
    threshold: f64,
    threshold_label: String,
    /// AlarmLow's threshold (target tracking only).
    scale_in_threshold: Option<f64>,
    /// Label of the shading of the minutes `alarm_high` was in ALARM.
    alarm_high_label: &'static str,
}

fn unit(metric: ServiceMetric) -> &'static str {
    match metric {
        ServiceMetric::CpuUtilization | ServiceMetric::MemoryUtilization => "percent",
        ServiceMetric::RequestCount => "requests / minute",
        ServiceMetric::RequestCountPerTarget => "requests / target / minute",
        ServiceMetric::ApproximateNumberOfMessagesVisible => "messages",
        ServiceMetric::ApproximateAgeOfOldestMessage => "seconds",
        ServiceMetric::BacklogPerTask => "messages / task",
    }
}

/// The service's scaling policies, in the order of `MinuteRow::policies`.
fn policy_panels(index: usize, service: &ServiceConfig) -> Vec<PolicyPanel> {
    let Some(scaling) = &service.auto_scaling else { return Vec::new() };
    let share = scaling.target_tracking_alarms.scale_in_threshold_share;
    let tracking = scaling.target_tracking.iter().enumerate().map(|(j, p)| PolicyPanel {
        service: index,
        policy: j,
        title: if p.name.contains(p.metric.aws_name()) {
            format!("{}: target tracking policy {}", service.name, p.name)
        } else {
            format!("{}: target tracking policy {} ({})", service.name, p.name, p.metric.aws_name())
        },
        slug_source: format!("{} {}", service.name, p.name),
        metric: p.metric.service_metric(),
        threshold: p.target_value,
        threshold_label: format!("target {}", p.target_value),
        scale_in_threshold: Some(p.target_value * share),
        alarm_high_label: "AlarmHigh in ALARM",
    });
    let tracking_count = scaling.target_tracking.len();
    let step = scaling.step_scaling.iter().enumerate().map(|(k, p)| PolicyPanel {
        service: index,
        policy: tracking_count + k,
        title: format!("{}: step scaling policy {} ({})", service.name, p.name, p.alarm.metric.aws_name()),
        slug_source: format!("{} {}", service.name, p.name),
        metric: p.alarm.metric,
        threshold: p.alarm.threshold,
        threshold_label: format!("alarm threshold {} {}", p.alarm.comparison_operator.symbol(), p.alarm.threshold),
        scale_in_threshold: None,
        alarm_high_label: "alarm in ALARM",
    });
    tracking.chain(step).collect()
}

/// The minute's own datapoint of a metric, as CloudWatch publishes it for that
/// minute (the same values `summary.json` counts minutes over target with).
fn datapoint(row: &MinuteRow, metric: ServiceMetric) -> Option<f64> {
    match metric {
        ServiceMetric::CpuUtilization => row.cpu_utilization,
        ServiceMetric::MemoryUtilization => row.memory_utilization,
        ServiceMetric::RequestCount => Some(row.request_count as f64).filter(|&n| n > 0.0),
        ServiceMetric::RequestCountPerTarget => row.request_count_per_target,
        ServiceMetric::ApproximateNumberOfMessagesVisible => row.messages_visible,
        ServiceMetric::ApproximateAgeOfOldestMessage => row.age_of_oldest_message,
        ServiceMetric::BacklogPerTask => row.backlog_per_task,
    }
}

/// Runs of consecutive minutes for which `in_alarm` holds, as [start, end) in hours.
fn alarm_spans(rows: &[MinuteRow], minutes: usize, in_alarm: impl Fn(&MinuteRow) -> bool) -> Vec<(f64, f64)> {
    let mut spans: Vec<(f64, f64)> = Vec::new();
    let mut open: Option<usize> = None;
    for m in 0..=minutes {
        let alarm = m < minutes && rows.get(m).is_some_and(&in_alarm);
        match (alarm, open) {
            (true, None) => open = Some(m),
            (false, Some(start)) => {
                spans.push((start as f64 / 60.0, m as f64 / 60.0));
                open = None;
            }
            _ => {}
        }
    }
    spans
}

/// Which datapoints the panel draws: each minute's own datapoint, at the minute
/// it measures (as the CloudWatch console graphs a metric), not
/// `PolicyMinute::metric`, the newest datapoint the policy could see when it
/// evaluated. A user tuning a target or a cooldown wants to see the load the
/// service carried next to the rate and task charts above it (same minute, same
/// x), and the shaded ALARM minutes then sit where the alarm really was: the
/// gap between the line crossing the target and the shading starting is the
/// policy's reaction time (3 breaching datapoints plus the publication delay),
/// which the lagged series would hide by shifting the line onto the shading.
/// A high-resolution policy's 20-second datapoints are shown as the minute's.
fn policy_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &PolicyPanel,
    rows: &[MinuteRow],
    minutes: usize,
    x_max: f64,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let hours = |minute: usize| minute as f64 / 60.0;
    // Runs of minutes with a datapoint: a missing datapoint leaves a gap.
    let mut segments: Vec<Series> = Vec::new();
    let mut current: Series = Vec::new();
    for (m, row) in rows.iter().enumerate().take(minutes) {
        match datapoint(row, panel.metric) {
            Some(v) => current.push((hours(m), v)),
            None if !current.is_empty() => segments.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    let data_max = segments.iter().flatten().map(|p| p.1).fold(0.0f64, f64::max);
    // Headroom above the data for the legend (upper left).
    let y_max = data_max.max(panel.threshold).max(1.0) * 1.45;
    let mut chart = framed_chart(area, &panel.title, unit(panel.metric), x_max, y_max)?;
    // The alarms first, so the lines are drawn over them. A minute's state is
    // the one `MinuteRow::policies` holds: evaluated at the minute's start (a
    // high-resolution policy's: its last evaluation in the minute).
    let policy = panel.policy;
    let mut bands = vec![(
        panel.alarm_high_label,
        RGBColor(250, 190, 190),
        alarm_spans(rows, minutes, |r| r.policies.get(policy).is_some_and(|p| p.alarm_high == AlarmState::Alarm)),
    )];
    if panel.scale_in_threshold.is_some() {
        // Target tracking's second alarm; a step policy has one.
        bands.push((
            "AlarmLow in ALARM",
            RGBColor(190, 225, 190),
            alarm_spans(rows, minutes, |r| {
                r.policies.get(policy).is_some_and(|p| p.alarm_low == Some(AlarmState::Alarm))
            }),
        ));
    }
    for (label, color, spans) in bands {
        chart
            .draw_series(
                spans.into_iter().map(move |(x0, x1)| Rectangle::new([(x0, 0.0), (x1, y_max)], color.filled())),
            )
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], color.filled()));
    }
    let line = RGBColor(20, 70, 170);
    let mut first = true;
    for segment in segments {
        let drawn =
            chart.draw_series(LineSeries::new(segment, line.stroke_width(NOISY_STROKE))).map_err(|e| e.to_string())?;
        if first {
            drawn
                .label(format!("{} per minute", panel.metric.aws_name()))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], line.stroke_width(STEP_STROKE)));
            first = false;
        }
    }
    chart
        .draw_series(LineSeries::new(
            [(0.0, panel.threshold), (x_max, panel.threshold)],
            BLACK.stroke_width(STEP_STROKE),
        ))
        .map_err(|e| e.to_string())?
        .label(panel.threshold_label.as_str())
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(STEP_STROKE)));
    if let Some(low) = panel.scale_in_threshold {
        let gray = RGBColor(90, 90, 90);
        chart
            .draw_series(DashedLineSeries::new([(0.0, low), (x_max, low)], 8, 5, gray.stroke_width(1)))
            .map_err(|e| e.to_string())?
            .label(format!("AlarmLow threshold {}", (low * 100.0).round() / 100.0))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], gray.stroke_width(1)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// One chart of a run's report.
pub struct RunChart<'a> {
    /// The name of its files in `charts/`, without the extension.
    pub file_stem: String,
    /// The heading of its section in `report.html`.
    pub heading: String,
    /// The run's length in hours: every chart shares the x axis.
    x_max: f64,
    drawing: RunDrawing<'a>,
}

enum RunDrawing<'a> {
    /// Lines over time, one per series.
    Lines {
        title: String,
        y_label: &'static str,
        stroke: u32,
        series: Vec<(String, RGBColor, Series)>,
        legend: SeriesLabelPosition,
    },
    /// A scaling policy's metric against its target, from its service's minutes.
    Policy { panel: PolicyPanel, rows: &'a [MinuteRow], minutes: usize },
}

impl Figure for RunChart<'_> {
    fn size(&self) -> (u32, u32) {
        RUN_CHART_SIZE
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        match &self.drawing {
            RunDrawing::Lines { title, y_label, stroke, series, legend } => {
                panel(root, title, y_label, self.x_max, *stroke, series, legend.clone())
            }
            RunDrawing::Policy { panel, rows, minutes } => policy_panel(root, panel, rows, *minutes, self.x_max),
        }
    }
}

/// A file name's part from free text: lower-case letters, digits and dashes.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    // Names can be long; a file name has to stay well under 255 bytes.
    out.truncate(60);
    out.trim_end_matches('-').to_string()
}

/// The run's charts in the report's order: traffic, tasks, latency, cost, then
/// one per scaling policy (services in cluster order, target tracking first).
pub fn run_charts<'a>(scenario: &Scenario, output: &'a RunOutput) -> Vec<RunChart<'a>> {
    let hours = |minute: usize| minute as f64 / 60.0;
    let x_max = (scenario.duration.as_secs_f64() / 3600.0).max(1.0 / 60.0);
    // Minutes that begin before the end (later rows hold requests that drained after it).
    let minutes = (scenario.duration.as_nanos().div_ceil(60_000_000_000)) as usize;
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
        // One service: black, its colour, green. Several: shades of each service's colour.
        let (desired_color, healthy_color) = if scenario.cluster.services.len() == 1 {
            (BLACK, GREEN)
        } else {
            let RGBColor(r, g, b) = color;
            (RGBColor(r / 2, g / 2, b / 2), RGBColor(r / 2 + 128, g / 2 + 128, b / 2 + 128))
        };
        tasks.push((format!("{} desired", service.name), desired_color, counts(|r| r.desired_count)));
        tasks.push((format!("{} running", service.name), color, counts(|r| r.running_count)));
        tasks.push((format!("{} healthy", service.name), healthy_color, counts(|r| r.healthy_count)));
        // Tasks by capacity provider, when the service's run on more than one.
        let providers_used: Vec<usize> = (0..scenario.cluster.capacity_providers.len())
            .filter(|&p| rows.iter().any(|r| r.running_by_provider.get(p).is_some_and(|&n| n > 0)))
            .collect();
        if providers_used.len() > 1 {
            let provider_colors =
                [RGBColor(255, 140, 0), RGBColor(148, 0, 211), RGBColor(0, 128, 128), RGBColor(139, 69, 19)];
            for (k, &p) in providers_used.iter().enumerate() {
                let running: Series = rows
                    .iter()
                    .enumerate()
                    .filter(in_run)
                    .map(|(m, row)| (hours(m), f64::from(row.running_by_provider.get(p).copied().unwrap_or(0))))
                    .collect();
                let provider = &scenario.cluster.capacity_providers[p].name;
                tasks.push((
                    format!("{} running on {provider}", service.name),
                    provider_colors[k % provider_colors.len()],
                    running,
                ));
            }
        }
        // With deployments, each revision's RUNNING tasks.
        let revision_colors =
            [RGBColor(230, 120, 0), RGBColor(140, 60, 170), RGBColor(0, 150, 150), RGBColor(120, 120, 120)];
        for r in 0..=service.deployments.len() {
            if service.deployments.is_empty() {
                break;
            }
            let name = if r == 0 { format!("{}:1", service.name) } else { service.deployments[r - 1].name.clone() };
            let running: Series = rows
                .iter()
                .enumerate()
                .filter(in_run)
                .map(|(m, row)| (hours(m), f64::from(row.running_by_revision.get(r).copied().unwrap_or(0))))
                .collect();
            tasks.push((format!("running {name}"), revision_colors[r % revision_colors.len()], running));
        }
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
    // The cluster's EC2 instances, on the tasks' axis: one line per ASG provider.
    for (p, provider) in output.figures.providers.iter().enumerate() {
        if scenario.cluster.capacity_providers[p].auto_scaling_group().is_none() || provider.minutes.is_empty() {
            continue;
        }
        let instances: Series = provider
            .minutes
            .iter()
            .enumerate()
            .filter(|(m, _)| hours(*m) < x_max)
            .map(|(m, r)| (hours(m), f64::from(r.instances)))
            .collect();
        tasks.push((format!("{} instances", provider.name), colors[(p + 3) % colors.len()], instances));
    }
    // Each deployment: a vertical mark where it began, with how it ended.
    let task_top = tasks.iter().flat_map(|(_, _, s)| s.iter().map(|p| p.1)).fold(1.0f64, f64::max);
    for d in &output.figures.deployments {
        let x = (d.started.as_nanos() as f64 / 3.6e12).min(x_max);
        let name = &scenario.cluster.services[d.service.index()].name;
        let took = d.ended.map_or_else(String::new, |e| format!(" in {:.0} s", (e - d.started).as_secs_f64()));
        tasks.push((
            format!("{name} deployment {} {}: {}{took}", d.ordinal, d.revision, d.outcome),
            RGBColor(200, 0, 0),
            vec![(x, 0.0), (x, task_top)],
        ));
    }
    let lines = |file_stem: &str, heading: &str, title: String, y_label, stroke, series, legend| RunChart {
        file_stem: file_stem.to_string(),
        heading: heading.to_string(),
        x_max,
        drawing: RunDrawing::Lines { title, y_label, stroke, series, legend },
    };
    let title = format!("{} (seed {})", scenario.name, output.seed);
    let upper_right = SeriesLabelPosition::UpperRight;
    let mut charts = vec![
        lines(
            "traffic",
            "Traffic",
            format!("{title}: request rate"),
            "requests / s",
            NOISY_STROKE,
            rate,
            upper_right.clone(),
        ),
        lines("tasks", "Tasks", "tasks".to_string(), "tasks", STEP_STROKE, tasks, upper_right.clone()),
        lines(
            "latency",
            "Latency",
            "latency of succeeded requests, p99 per minute".to_string(),
            "ms",
            NOISY_STROKE,
            latency,
            upper_right,
        ),
    ];
    // Each minute's figure is the bill at the minute's end; clamped so a run that
    // ends inside a minute does not draw past the axis.
    let cost: Series =
        output.cumulative_cost_usd.iter().enumerate().map(|(m, &usd)| (hours(m + 1).min(x_max), usd)).collect();
    let cost_title = format!("cluster cost so far (bill total {:.2} USD)", output.bill.total_usd);
    // Legend upper left: a running total ends at the upper right.
    let cost_series = vec![("USD so far, end of each minute".to_string(), BLUE, cost)];
    charts.push(lines("cost", "Cost", cost_title, "USD", STEP_STROKE, cost_series, SeriesLabelPosition::UpperLeft));
    let policies = scenario.cluster.services.iter().enumerate().flat_map(|(i, s)| policy_panels(i, s));
    for (k, panel) in policies.enumerate() {
        let rows = output.figures.minutes.get(panel.service).map_or(&[][..], Vec::as_slice);
        charts.push(RunChart {
            file_stem: format!("scaling-{}-{}", k + 1, slug(&panel.slug_source)),
            heading: format!("Scaling metric: {}", panel.title),
            x_max,
            drawing: RunDrawing::Policy { panel, rows, minutes },
        });
    }
    charts
}

/// One variant in a sweep's cost-versus-availability chart.
pub struct SweepPoint {
    pub name: String,
    pub availability_percent: f64,
    pub cost_usd: f64,
    pub on_front: bool,
    /// The cheapest variant that meets the scenario's `[expect]` bounds.
    pub chosen: bool,
}

/// A sweep's chart: each variant's mean cost against its mean availability,
/// the Pareto front joined, the chosen variant in red.
pub struct SweepChart<'a> {
    pub title: &'a str,
    pub points: &'a [SweepPoint],
}

impl Figure for SweepChart<'_> {
    fn size(&self) -> (u32, u32) {
        (1000, 600)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        draw_sweep(root, self.title, self.points)
    }
}

fn draw_sweep<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    points: &[SweepPoint],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (mut x_lo, mut x_hi) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p.availability_percent), hi.max(p.availability_percent))
    });
    let y_hi = points.iter().map(|p| p.cost_usd).fold(0.0f64, f64::max) * 1.15;
    if !x_lo.is_finite() || x_hi - x_lo < 1e-6 {
        (x_lo, x_hi) = (x_lo.min(100.0) - 0.01, x_hi.max(0.0) + 0.01);
    }
    let pad = (x_hi - x_lo) * 0.1;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d((x_lo - pad)..(x_hi + pad).min(100.0 + pad), 0.0..y_hi.max(1e-6))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("availability, mean over seeds (%)")
        .y_desc("cost, mean over seeds (USD)")
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())?;
    let mut front: Vec<(f64, f64)> =
        points.iter().filter(|p| p.on_front).map(|p| (p.availability_percent, p.cost_usd)).collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart
        .draw_series(LineSeries::new(front, BLUE.stroke_width(STEP_STROKE)))
        .map_err(|e| e.to_string())?
        .label("Pareto front (no variant cheaper and more available)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE.stroke_width(STEP_STROKE)));
    for p in points {
        let color = if p.chosen { RED } else { BLACK };
        let at = (p.availability_percent, p.cost_usd);
        chart
            .draw_series([Circle::new(at, if p.chosen { 7 } else { 4 }, color.filled())])
            .map_err(|e| e.to_string())?;
        chart
            .draw_series([Text::new(format!(" {}", p.name), at, ("sans-serif", 12).into_font().color(&color))])
            .map_err(|e| e.to_string())?;
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
}
