//! CloudWatch exports of a count metric (the ALB's or a target group's
//! `RequestCount`) as the AWS CLI prints them, read into per-period counts
//! for `CountTrace` (aws-semantics §11.3). The JSON is read whole: an export
//! is at most a few tens of thousands of datapoints, not a request log.
//!
//! Shapes: `get-metric-data` (`MetricDataResults[{Id, Label, Timestamps,
//! Values, StatusCode}]`, newest first by default; the CLI's pagination
//! repeats a result per page, so results sharing the chosen Id are joined)
//! and `get-metric-statistics` (`{Label, Datapoints[{Timestamp, Sum, …}]}`,
//! in no order). Both are sorted; the period is the greatest common divisor
//! of the steps between datapoints (a multiple of 60 s, ALB metrics'
//! resolution); a period without a datapoint had no requests (§11.3: ALB
//! metrics are only published while requests flow) and counts 0.
//! Also CSV `timestamp,value` (ISO 8601 UTC or epoch seconds, an optional
//! header, any order): the console's and scripts' export (§11.3 model choice).

use super::access_log::parse_iso8601_nanos;
use super::Error;
use serde_json::Value;
use std::path::Path;

/// Per-period counts, oldest first, one per period from the first to the last.
#[derive(Clone, Debug, PartialEq)]
pub struct CloudWatchCounts {
    pub label: String,
    pub period_nanos: u64,
    /// (period start, ns since the epoch; the count in it).
    pub points: Vec<(u64, f64)>,
}

/// ALB metrics come at 60 s (§11.3): the period of a lone datapoint.
const ALB_PERIOD_NANOS: u64 = 60_000_000_000;

/// fleetsim's bound on the periods an export spans once gaps are filled
/// (10 M: 19 years of minutes), so a stray timestamp cannot exhaust memory.
const MAX_PERIODS: u64 = 10_000_000;

pub fn read_export(path: &Path, metric: Option<&str>) -> Result<CloudWatchCounts, Error> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| Error::Open { path: shown.clone(), source })?;
    // Not "cannot read": the file was read, its bytes are not text (found by fuzzing).
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        Error::Line {
            path: shown.clone(),
            line: valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1,
            message: format!("expected UTF-8 text, found byte 0x{:02x}", e.as_bytes()[valid.len()]),
        }
    })?;
    let problem = |message: String| Error::File { path: shown.clone(), message };
    if !text.trim_start().starts_with('{') && !text.trim().is_empty() {
        let (label, points) =
            csv_points(&text, metric).map_err(|(line, message)| Error::Line { path: shown.clone(), line, message })?;
        return counts(label, points).map_err(problem);
    }
    let json: Value = serde_json::from_str(&text).map_err(|e| Error::Line {
        path: shown.clone(),
        line: e.line() as u64,
        message: format!("expected the JSON the AWS CLI prints: {e}"),
    })?;
    let (label, points) = if let Some(results) = json.get("MetricDataResults") {
        metric_data(&json, results, metric).map_err(problem)?
    } else if let Some(datapoints) = json.get("Datapoints") {
        metric_statistics(&json, datapoints, metric).map_err(problem)?
    } else {
        return Err(problem(
            "expected the output of `aws cloudwatch get-metric-data` (MetricDataResults) or \
             `get-metric-statistics` (Datapoints), found neither key"
                .into(),
        ));
    };
    counts(label, points).map_err(problem)
}

/// Sorted, checked and gap-filled per-period counts of an export's datapoints.
fn counts(label: String, mut points: Vec<Point>) -> Result<CloudWatchCounts, String> {
    let problem = |message: String| message;
    if points.is_empty() {
        return Err(problem(format!("{label}: expected at least one datapoint, found none")));
    }
    points.sort_by_key(|&(t, _, _)| t);
    for pair in points.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(problem(format!(
                "{}: {} appears twice (also {}); expected one datapoint per period",
                pair[1].2,
                super::access_log::format_iso8601_micros(pair[1].0),
                pair[0].2
            )));
        }
    }
    // The greatest common divisor of the steps, not the smallest step: a
    // 60 s export missing minutes 1, 3 and 4 (no requests, §11.3) has steps
    // of 120 s and 180 s, and is still a 60 s export.
    let period_nanos = points.windows(2).map(|p| p[1].0 - p[0].0).reduce(gcd).unwrap_or(ALB_PERIOD_NANOS);
    if period_nanos % ALB_PERIOD_NANOS != 0 {
        // ALB metrics come at 60 s (§11.3): some datapoint is off the minute grid of the first.
        let pair = points
            .windows(2)
            .find(|p| (p[1].0 - points[0].0) % ALB_PERIOD_NANOS != 0)
            .expect("a step off the 60 s grid exists when the steps' divisor is off it");
        return Err(problem(format!(
            "{}: expected datapoints a whole number of periods (60 s, ALB metrics' resolution) apart, found {} \
             after {}",
            pair[1].2,
            super::access_log::format_iso8601_micros(pair[1].0),
            super::access_log::format_iso8601_micros(pair[0].0),
        )));
    }
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let periods = (last - first) / period_nanos + 1;
    if periods > MAX_PERIODS {
        return Err(problem(format!(
            "{label}: the datapoints span {periods} periods of {} s, over fleetsim's bound of {MAX_PERIODS}",
            period_nanos / 1_000_000_000
        )));
    }
    let mut filled = Vec::with_capacity(periods as usize);
    let mut given = points.iter().peekable();
    for i in 0..periods {
        let t = first + i * period_nanos;
        let value = match given.peek() {
            Some(&&(at, value, _)) if at == t => {
                given.next();
                value
            }
            _ => 0.0,
        };
        filled.push((t, value));
    }
    Ok(CloudWatchCounts { label, period_nanos, points: filled })
}

/// A CSV export: `timestamp,value` rows, an optional header (whose value
/// column is the label), blank lines and `#` comments skipped. Errors carry
/// their 1-based line.
fn csv_points(text: &str, metric: Option<&str>) -> Result<(String, Vec<Point>), (u64, String)> {
    let mut label = None;
    let mut points = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let row = raw.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        if fields.len() != 2 {
            return Err((line, format!("expected two columns `timestamp,value`, found {}", fields.len())));
        }
        let (t, v) = (fields[0], fields[1]);
        let at = parse_iso8601_nanos(t).or_else(|| super::decimal::parse_seconds(t.as_bytes()));
        let Some(at) = at else {
            if label.is_none() && points.is_empty() {
                // The header: its value column names the metric.
                label = Some(v.to_string());
                continue;
            }
            return Err((
                line,
                format!("timestamp: expected an ISO 8601 time like 2026-11-02T14:05:00Z or epoch seconds, found `{t}`"),
            ));
        };
        match v.parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => points.push((at, value, format!("line {line}"))),
            _ => return Err((line, format!("value: expected a non-negative count, found `{v}`"))),
        }
    }
    let label = label.unwrap_or_else(|| "value".to_string());
    if let Some(metric) = metric {
        if metric != label {
            return Err((
                1,
                format!("header: expected the value column \"{metric}\" (traffic.metric), found \"{label}\""),
            ));
        }
    }
    Ok((label, points))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// A datapoint: (time, value, its field path).
type Point = (u64, f64, String);

fn string<'a>(value: &'a Value, field: &str) -> Result<&'a str, String> {
    value.as_str().ok_or_else(|| format!("{field}: expected a string, found {value}"))
}

/// An ISO 8601 string, or epoch seconds: what the AWS CLI v1 prints for a
/// JSON-protocol service under its default `cli_timestamp_format = none`.
fn timestamp(value: &Value, field: &str) -> Result<u64, String> {
    if let Value::Number(n) = value {
        return super::decimal::parse_seconds(n.to_string().as_bytes()).ok_or_else(|| {
            format!("{field}: expected an ISO 8601 time like 2026-11-02T14:05:00+00:00 or epoch seconds, found {n}")
        });
    }
    let text = string(value, field)?;
    parse_iso8601_nanos(text)
        .ok_or_else(|| format!("{field}: expected an ISO 8601 time like 2026-11-02T14:05:00+00:00, found \"{text}\""))
}

fn count(value: &Value, field: &str) -> Result<f64, String> {
    match value.as_f64() {
        Some(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{field}: expected a non-negative count, found {value}")),
    }
}

fn metric_data(json: &Value, results: &Value, metric: Option<&str>) -> Result<(String, Vec<Point>), String> {
    if json.get("NextToken").is_some_and(|t| !t.is_null()) {
        return Err("NextToken: the export stops at a page boundary; print every page (the AWS CLI paginates \
                    unless given --no-paginate or --max-items)"
            .into());
    }
    let Some(results) = results.as_array() else {
        return Err(format!("MetricDataResults: expected a list, found {results}"));
    };
    let ids: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (r.get("Id").and_then(Value::as_str).unwrap_or(""), r.get("Label").and_then(Value::as_str).unwrap_or(""))
        })
        .collect();
    let chosen_id = match metric {
        Some(metric) => match ids.iter().find(|(id, label)| *id == metric || *label == metric) {
            Some((id, _)) => *id,
            None => {
                return Err(format!(
                    "MetricDataResults: expected a result with Id or Label \"{metric}\" (traffic.metric), found {}",
                    describe(&ids)
                ))
            }
        },
        None => {
            let first = ids.first().map_or("", |(id, _)| *id);
            if ids.iter().any(|(id, _)| *id != first) {
                return Err(format!(
                    "MetricDataResults: holds several metrics ({}); choose one with traffic.metric",
                    describe(&ids)
                ));
            }
            first
        }
    };
    let mut label = String::new();
    let mut points = Vec::new();
    for (i, result) in results.iter().enumerate() {
        if ids[i].0 != chosen_id {
            continue;
        }
        let at = |field: &str| format!("MetricDataResults[{i}].{field}");
        if label.is_empty() {
            label = if ids[i].1.is_empty() { chosen_id.to_string() } else { ids[i].1.to_string() };
        }
        if let Some(status) = result.get("StatusCode") {
            // PartialData marks a page the CLI's pagination continues (§11.3).
            let status = string(status, &at("StatusCode"))?;
            if status != "Complete" && status != "PartialData" {
                return Err(format!("{}: expected Complete or PartialData, found \"{status}\"", at("StatusCode")));
            }
        }
        let list = |name: &str| -> Result<&Vec<Value>, String> {
            match result.get(name) {
                Some(Value::Array(items)) => Ok(items),
                Some(other) => Err(format!("{}: expected a list, found {other}", at(name))),
                None => Err(format!("{}: missing", at(name))),
            }
        };
        let (timestamps, values) = (list("Timestamps")?, list("Values")?);
        if timestamps.len() != values.len() {
            return Err(format!(
                "{}: expected as many values as Timestamps ({}), found {}",
                at("Values"),
                timestamps.len(),
                values.len()
            ));
        }
        for (j, (t, v)) in timestamps.iter().zip(values).enumerate() {
            let t_field = at(&format!("Timestamps[{j}]"));
            points.push((timestamp(t, &t_field)?, count(v, &at(&format!("Values[{j}]")))?, t_field));
        }
    }
    Ok((label, points))
}

fn describe(ids: &[(&str, &str)]) -> String {
    let names: Vec<String> = ids.iter().map(|(id, label)| format!("Id \"{id}\" Label \"{label}\"")).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn metric_statistics(json: &Value, datapoints: &Value, metric: Option<&str>) -> Result<(String, Vec<Point>), String> {
    let label = json.get("Label").and_then(Value::as_str).unwrap_or("Datapoints").to_string();
    if let Some(metric) = metric {
        if metric != label {
            return Err(format!("Label: expected \"{metric}\" (traffic.metric), found \"{label}\""));
        }
    }
    let Some(datapoints) = datapoints.as_array() else {
        return Err(format!("Datapoints: expected a list, found {datapoints}"));
    };
    let mut points = Vec::with_capacity(datapoints.len());
    for (i, point) in datapoints.iter().enumerate() {
        let at = |field: &str| format!("Datapoints[{i}].{field}");
        let t = point.get("Timestamp").ok_or_else(|| format!("{}: missing", at("Timestamp")))?;
        // RequestCount's meaningful statistic is Sum (§11.3).
        let sum = point
            .get("Sum")
            .ok_or_else(|| format!("{}: missing; export with --statistics Sum (RequestCount is a Sum)", at("Sum")))?;
        points.push((timestamp(t, &at("Timestamp"))?, count(sum, &at("Sum"))?, at("Timestamp")));
    }
    Ok((label, points))
}
