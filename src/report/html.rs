//! `report.html`: one self-contained page a planner can open or attach (issue
//! 6): the scenario, the headline figures, failures by cause, one row per
//! service and route, the bill, the deployments, and each of the run's charts
//! inlined as SVG in its own section (no script, no network). Rendered to
//! bytes; `report` writes it.

use crate::model::FailureCause;
use crate::run::RunOutput;
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// Text for HTML: `&`, `<`, `>` and quotes escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A table: a header row, then rows of cells (already escaped).
fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

fn percent(x: f64) -> String {
    format!("{:.4} %", 100.0 * x)
}

fn cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// The page's head and heading (`title` and `heading` already escaped): one
/// style sheet, inline, for both pages.
fn page_start(out: &mut String, title: &str, heading: &str) {
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>\n\
         body {{ font-family: sans-serif; margin: 2em auto; max-width: 1240px; color: #222; }}\n\
         table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}\n\
         th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}\n\
         th:first-child, td:first-child {{ text-align: left; }}\n\
         th {{ background: #f2f2f2; }}\n\
         tr.chosen td {{ background: #fde2e2; font-weight: bold; }}\n\
         .meta {{ color: #555; }}\n\
         </style></head><body>\n<h1>{heading}</h1>\n"
    );
}

/// An SVG document as an element of the page: its XML declaration, which
/// HTML does not allow, dropped, and its namespace, which HTML's parser gives
/// every `<svg>` anyway, dropped so the page holds no URL at all.
fn inline_svg(svg: &str) -> String {
    let element = svg.find("<svg").map_or(svg, |start| &svg[start..]);
    element.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// A chart as the page shows it.
pub struct InlineChart {
    pub heading: String,
    /// Its PNG's and SVG's path beside the page, without the extension.
    pub path_stem: String,
    pub svg: String,
}

/// The page, with each chart inlined under its heading.
pub fn report_html(scenario: &Scenario, output: &RunOutput, charts: &[InlineChart]) -> Vec<u8> {
    let f = &output.figures;
    let r = &f.requests;
    let mut out = String::new();
    let name = escape(&scenario.name);
    page_start(&mut out, &format!("fleetsim: {name}"), &name);
    let file = scenario.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let _ = writeln!(
        out,
        "<p class=\"meta\">seed {} · {} simulated · {} (fnv1a64:{:016x}) · {} · written by fleetsim {}</p>",
        output.seed,
        escape(&super::human_duration(scenario.duration)),
        escape(&file),
        scenario.file_hash,
        escape(&scenario.region),
        env!("CARGO_PKG_VERSION")
    );

    out.push_str("<h2>Headline</h2>\n");
    let per_million = if r.total > 0 { output.bill.total_usd / r.total as f64 * 1e6 } else { 0.0 };
    table(
        &mut out,
        &["figure", "value"],
        &[
            vec!["requests (clients of the ALB)".into(), r.total.to_string()],
            vec!["availability".into(), percent(r.availability())],
            vec![
                "latency p50 / p99 / max (succeeded)".into(),
                format!("{:.1} / {:.1} / {:.1} ms", f.latency.p50_ms, f.latency.p99_ms, f.latency.max_ms),
            ],
            vec![
                "failed: 500 / 502 / 503 / 504".into(),
                format!(
                    "{} / {} / {} / {}",
                    r.failed_with_status(500),
                    r.failed_with_status(502),
                    r.failed_with_status(503),
                    r.failed_with_status(504)
                ),
            ],
            vec![
                "cost".into(),
                format!("{:.2} USD ({per_million:.4} USD per million requests)", output.bill.total_usd),
            ],
        ],
    );

    let causes: Vec<Vec<String>> = FailureCause::ALL
        .iter()
        .zip(r.failed_by_cause)
        .filter(|(_, n)| *n > 0)
        .map(|(cause, n)| vec![escape(cause.as_str()), cause.status().to_string(), n.to_string()])
        .collect();
    if !causes.is_empty() {
        out.push_str("<h2>Failures by cause</h2>\n");
        table(&mut out, &["cause", "status", "requests"], &causes);
    }

    out.push_str("<h2>Services</h2>\n");
    let services: Vec<Vec<String>> = f
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let cost = output.bill.allocation.services.get(i).map_or_else(String::new, |c| cents(c.total_cents()));
            vec![
                escape(&s.name),
                s.requests.total.to_string(),
                percent(s.requests.availability()),
                format!("{:.1}", s.latency.p99_ms),
                format!("{:.2} / {}", s.running_tasks_mean, s.running_tasks_max),
                format!("{:.2}", s.task_hours),
                format!("{} / {}", s.scale_out_activities, s.scale_in_activities),
                format!("{} / {}", s.end_to_end_failures_answered, s.end_to_end_failures_caused),
                cost,
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "service",
            "requests (calls included)",
            "availability",
            "p99 ms",
            "running tasks mean / max",
            "task-hours",
            "scale-outs / scale-ins",
            "client failures answered / caused",
            "cost USD",
        ],
        &services,
    );

    if f.routes.len() > 1 {
        out.push_str("<h2>Routes (listener rules, end to end)</h2>\n");
        let routes: Vec<Vec<String>> = f
            .routes
            .iter()
            .map(|route| {
                vec![
                    escape(&route.name),
                    route.requests.total.to_string(),
                    percent(route.requests.availability()),
                    format!("{:.1}", route.latency.p99_ms),
                    route.fixed_responses.to_string(),
                ]
            })
            .collect();
        table(&mut out, &["route", "requests", "availability", "p99 ms", "fixed responses"], &routes);
    }

    out.push_str("<h2>Bill</h2>\n");
    let lines: Vec<Vec<String>> = output
        .bill
        .lines
        .iter()
        .map(|l| {
            vec![
                escape(&l.description),
                format!("{:.4} {}", l.quantity, escape(l.unit)),
                format!("{:.6}", l.usd_per_unit),
                format!("{:.2}", l.usd),
                escape(&l.price_as_of),
            ]
        })
        .collect();
    table(&mut out, &["line item", "quantity", "USD per unit", "USD", "price as of"], &lines);

    if !f.deployments.is_empty() {
        out.push_str("<h2>Deployments</h2>\n");
        let rows: Vec<Vec<String>> = f
            .deployments
            .iter()
            .map(|d| {
                vec![
                    escape(&d.revision),
                    format!("{:.0} s", d.started.as_secs_f64()),
                    d.ended.map_or_else(|| "—".into(), |end| format!("{:.0} s", (end - d.started).as_secs_f64())),
                    escape(d.outcome),
                    d.failed_tasks.to_string(),
                    format!("{} / {}", d.peak_running, d.min_healthy),
                    format!("{} / {}", d.requests_failed, d.requests),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                "revision",
                "start",
                "duration",
                "outcome",
                "failed tasks",
                "peak running / fewest healthy",
                "failed / requests",
            ],
            &rows,
        );
    }

    out.push_str("<h2>Over time</h2>\n");
    for chart in charts {
        let _ = write!(
            out,
            "<section>\n<h3>{}</h3>\n{}\n<p class=\"meta\">{path}.png, {path}.svg</p>\n</section>\n",
            escape(&chart.heading),
            inline_svg(&chart.svg),
            path = escape(&chart.path_stem),
        );
    }
    out.push_str(
        "<p class=\"meta\">Beside this page: summary.json (every figure), timeseries.csv (per service \
         and minute), events.csv, and each chart above as PNG and SVG in charts/.</p>\n</body></html>\n",
    );
    out.into_bytes()
}

/// A sweep's `report.html`: the variants ranked by mean cost with their 95 %
/// intervals, whether each meets the scenario's `[expect]` bounds, and the
/// cost-versus-availability chart (Pareto front, the cheapest variant that
/// meets the bounds in red) inlined as SVG.
pub fn sweep_html(
    title: &str,
    summaries: &[crate::sweep::VariantSummary],
    meets: Option<&[bool]>,
    chosen: Option<usize>,
    chart_svg: &str,
) -> Vec<u8> {
    use crate::check::Metric;
    let (cost, availability, p99) =
        (Metric::CostUsd.index(), Metric::Availability.index(), Metric::LatencyP99Ms.index());
    let mut out = String::new();
    let title = escape(title);
    page_start(&mut out, &format!("fleetsim sweep: {title}"), &format!("Sweep: {title}"));
    let seeds = summaries.first().map_or(0, |s| s.seeds);
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} variants × {seeds} seeds; means over seeds with 95 % Student-t intervals; \
         differences from the baseline are paired (common random numbers). Written by fleetsim {}.</p>",
        summaries.len(),
        env!("CARGO_PKG_VERSION")
    );
    match (meets, chosen) {
        (Some(_), Some(i)) => {
            let _ = writeln!(
                out,
                "<p>The cheapest variant that meets the scenario's <code>[expect]</code> bounds: <b>{}</b>.</p>",
                escape(&summaries[i].variant.name)
            );
        }
        (Some(_), None) => out.push_str("<p>No variant meets the scenario's <code>[expect]</code> bounds.</p>\n"),
        (None, _) => out.push_str("<p class=\"meta\">The scenario has no <code>[expect]</code> bounds to meet.</p>\n"),
    }
    out.push_str(
        "<table><thead><tr><th>variant</th><th>cost USD</th><th>vs baseline USD (paired)</th>\
                  <th>availability %</th><th>p99 ms</th><th>meets [expect]</th></tr></thead><tbody>\n",
    );
    for i in crate::sweep::by_cost(summaries) {
        let s = &summaries[i];
        let diff = s.paired_differences.as_ref().map_or_else(|| "baseline".to_string(), |d| d[cost].display(1.0, 4));
        let verdict = meets.map_or("—", |m| if m[i] { "yes" } else { "no" });
        let class = if chosen == Some(i) { " class=\"chosen\"" } else { "" };
        let _ = writeln!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{verdict}</td></tr>",
            escape(&s.variant.name),
            s.estimates[cost].display(1.0, 4),
            diff,
            s.estimates[availability].display(100.0, 4),
            s.estimates[p99].display(1.0, 1)
        );
    }
    out.push_str("</tbody></table>\n<h2>Cost against availability</h2>\n<div>\n");
    out.push_str(&inline_svg(chart_svg));
    out.push_str(
        "\n</div>\n<p class=\"meta\">Beside this page: runs.csv (every run), variants.csv (every figure's \
         estimates), sweep.png and sweep.svg (this chart).</p>\n</body></html>\n",
    );
    out.into_bytes()
}
