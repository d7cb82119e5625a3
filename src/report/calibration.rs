//! What `fleetsim validate-model` writes and prints: the per-minute
//! comparison of simulated against observed latency percentiles and status
//! rates as `validation.csv`, and the terminal's table and verdict.

use crate::calibration::{Figures, Row, Validation, MIN_MINUTE_LATENCIES, STATUS_CLASSES};
use crate::traffic::access_log::format_iso8601_micros;
use std::fmt::Write as _;

/// `2026-11-02T14:05Z`.
fn minute_label(nanos: u64) -> String {
    format!("{}Z", &format_iso8601_micros(nanos)[..16])
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v:.3}"))
}

fn latency(f: &Figures, i: usize) -> Option<f64> {
    f.latency_ms.map(|l| l[i])
}

/// The CSV's columns: per minute (and a last `overall` row) requests,
/// latencies with a target's answer, p50/p90/p99 in ms side by side, the p99
/// error, and each status class's share of requests, side by side.
pub fn validation_csv(v: &Validation) -> Vec<u8> {
    let mut t = String::new();
    let mut header = vec![
        "minute".to_string(),
        "start".into(),
        "observed_requests".into(),
        "simulated_requests".into(),
        "observed_latency_count".into(),
        "simulated_latency_count".into(),
    ];
    for p in ["p50", "p90", "p99"] {
        header.push(format!("observed_latency_ms_{p}"));
        header.push(format!("simulated_latency_ms_{p}"));
    }
    header.push("latency_p99_error_percent".into());
    for class in STATUS_CLASSES {
        header.push(format!("observed_{class}_rate"));
        header.push(format!("simulated_{class}_rate"));
    }
    let _ = writeln!(t, "{}", header.join(","));
    let row = |t: &mut String, minute: String, start: u64, r: &Row| {
        let mut cells = vec![
            minute,
            minute_label(start),
            r.observed.requests.to_string(),
            r.simulated.requests.to_string(),
            r.observed.latency_count.to_string(),
            r.simulated.latency_count.to_string(),
        ];
        for i in 0..3 {
            cells.push(ms(latency(&r.observed, i)));
            cells.push(ms(latency(&r.simulated, i)));
        }
        cells.push(r.latency_error(2).map_or_else(String::new, |e| format!("{:.2}", 100.0 * e)));
        for class in 0..STATUS_CLASSES.len() {
            for side in [&r.observed, &r.simulated] {
                cells.push(side.rate(class).map_or_else(String::new, |x| format!("{x:.6}")));
            }
        }
        let _ = writeln!(t, "{}", cells.join(","));
    };
    for (i, r) in v.minutes.iter().enumerate() {
        row(&mut t, i.to_string(), v.origin_nanos + i as u64 * 60_000_000_000, r);
    }
    row(&mut t, "overall".into(), v.origin_nanos, &v.overall);
    t.into_bytes()
}

fn pair(o: Option<f64>, s: Option<f64>, precision: usize) -> String {
    let cell = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |x| format!("{x:.precision$}"));
    format!("{:>8} / {:<8}", cell(o), cell(s))
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |x| format!("{:+.1} %", 100.0 * x))
}

/// The terminal's table (a line per minute and the whole period) and verdict.
pub fn validation_text(v: &Validation) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:<8}{:<18}{:>19}{:>21}{:>21}{:>21}{:>21}",
        "minute",
        "start",
        "requests obs / sim",
        "p50 ms obs / sim",
        "p90 ms obs / sim",
        "p99 ms obs / sim",
        "5xx % obs / sim"
    );
    let line = |t: &mut String, minute: &str, start: u64, r: &Row| {
        let (o, s) = (&r.observed, &r.simulated);
        let _ = writeln!(
            t,
            "{minute:<8}{:<18}{:>8} / {:<8}{:>21}{:>21}{:>21}{:>21}",
            minute_label(start),
            o.requests,
            s.requests,
            pair(latency(o, 0), latency(s, 0), 1),
            pair(latency(o, 1), latency(s, 1), 1),
            pair(latency(o, 2), latency(s, 2), 1),
            pair(o.server_error_rate().map(|x| 100.0 * x), s.server_error_rate().map(|x| 100.0 * x), 2),
        );
    };
    for (i, r) in v.minutes.iter().enumerate() {
        line(&mut t, &i.to_string(), v.origin_nanos + i as u64 * 60_000_000_000, r);
    }
    line(&mut t, "overall", v.origin_nanos, &v.overall);
    for (name, side) in [("observed", &v.overall.observed), ("simulated", &v.overall.simulated)] {
        let cells: Vec<String> = STATUS_CLASSES
            .iter()
            .enumerate()
            .map(|(i, class)| {
                format!("{class} {}", side.rate(i).map_or_else(|| "-".into(), |x| format!("{:.2} %", 100.0 * x)))
            })
            .collect();
        let _ = writeln!(t, "status {name:<10} {}", cells.join(", "));
    }
    let o = &v.overall;
    let minute_figure = match v.minute_p99_error_median {
        Some(e) => format!(
            "median per-minute p99 error {:.1} % over {} minute(s) with ≥ {MIN_MINUTE_LATENCIES} latencies",
            100.0 * e,
            v.compared_minute_count
        ),
        None => format!("no minute has ≥ {MIN_MINUTE_LATENCIES} latencies on both sides"),
    };
    let rate = |f: &Figures| f.server_error_rate().map_or_else(|| "-".into(), |x| format!("{:.2} %", 100.0 * x));
    let _ = writeln!(
        t,
        "verdict: {} — overall p50 {}, p90 {}, p99 {} (simulated {} ms, observed {} ms); {minute_figure}; \
         5xx simulated {} against observed {}",
        v.verdict.as_str(),
        percent(o.latency_error(0)),
        percent(o.latency_error(1)),
        percent(o.latency_error(2)),
        ms(latency(&o.simulated, 2)),
        ms(latency(&o.observed, 2)),
        rate(&o.simulated),
        rate(&o.observed),
    );
    t
}
