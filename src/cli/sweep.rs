//! `fleetsim sweep FILE --seeds N --set key=v1,v2 …`: every variant of the
//! grid × every seed on rayon (a progress bar on stderr when it is a
//! terminal), collected in grid order; writes `runs.csv` and `variants.csv`
//! and prints the variants ranked by mean cost.

use crate::check::Metric;
use crate::{report, run, scenario, sweep};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Seeds per variant: the scenario's seed, then seed + 1, …
    #[arg(long, default_value_t = 10)]
    pub seeds: u32,
    /// A setting to vary: `key=v1,v2,…` (a dotted path into the scenario,
    /// such as service.auto_scaling.target_tracking[0].target_value). Repeat
    /// for a grid; the first value set is the baseline.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    pub sets: Vec<String>,
    /// Where to write (default: results/<scenario name>-sweep/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip the runs an interrupted run of the same sweep finished (its
    /// `runs.journal`); the tables come out the same bytes.
    #[arg(long)]
    pub resume: bool,
}

/// Splits `v1,v2` at commas outside brackets, braces and quotes.
fn split_values(text: &str) -> Vec<String> {
    let (mut values, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                values.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    values.push(current.trim().to_string());
    values
}

fn parse_sets(sets: &[String]) -> Result<Vec<(String, Vec<String>)>, Vec<String>> {
    sets.iter()
        .map(|s| {
            let (key, values) =
                s.split_once('=').ok_or_else(|| vec![format!("--set {s}: expected KEY=VALUE[,VALUE…]")])?;
            let values = split_values(values);
            if key.trim() == "seed" {
                return Err(vec![format!(
                    "--set {s}: vary seeds with --seeds; every variant runs the same seeds, so differences are paired"
                )]);
            }
            if key.trim().is_empty() || values.iter().any(String::is_empty) {
                return Err(vec![format!("--set {s}: expected KEY=VALUE[,VALUE…] with no empty value")]);
            }
            Ok((key.trim().to_string(), values))
        })
        .collect()
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    if args.seeds == 0 || args.seeds > 10_000 {
        return Err(vec![format!("--seeds: expected 1–10000, found {}", args.seeds)]);
    }
    let variants = sweep::grid(&parse_sets(&args.sets)?);
    // Every variant loads (and validates) before anything runs.
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for variant in &variants {
        match scenario::load_with_overrides(&args.scenario, &variant.overrides) {
            Ok(s) => scenarios.push(s),
            Err(e) => problems.extend(e.lines().into_iter().map(|l| format!("{l} (variant {})", variant.name))),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let jobs: Vec<(usize, u64)> = (0..variants.len())
        .flat_map(|v| (0..u64::from(args.seeds)).map(move |k| (v, k)))
        .map(|(v, k)| (v, scenarios[v].seed.wrapping_add(k)))
        .collect();
    let dir = args.out.unwrap_or_else(|| PathBuf::from("results").join(format!("{}-sweep", scenarios[0].name)));
    std::fs::create_dir_all(&dir).map_err(|e| vec![format!("{}: cannot create: {e}", dir.display())])?;
    // The journal: every finished run, appended as it ends (issue 6, scope 7).
    let journal_path = dir.join("runs.journal");
    // The sweep's identity: every variant's full settings and scenario text,
    // and the size and change time of each file its traffic reads (a trace
    // edited between a kill and a resume makes another sweep).
    let variant_ids: Vec<String> = variants
        .iter()
        .zip(&scenarios)
        .map(|(v, s)| {
            let settings: Vec<String> = v.overrides.iter().map(|(k, value)| format!("{k}={value}")).collect();
            format!("{:016x} {}", s.file_hash, settings.join(" "))
        })
        .collect();
    let traces: Vec<String> = trace_files(&scenarios[0].traffic)
        .iter()
        .map(|path| match std::fs::metadata(path) {
            Ok(m) => format!("{}:{}:{:?}", path.display(), m.len(), m.modified().ok()),
            Err(_) => path.display().to_string(),
        })
        .collect();
    let identity = format!("v2 variants {} traces {}", variant_ids.join(" | "), traces.join(" | "));
    let mut done: std::collections::BTreeMap<(usize, u64), Vec<f64>> = std::collections::BTreeMap::new();
    if args.resume {
        if let Ok(text) = std::fs::read_to_string(&journal_path) {
            let shown = journal_path.display();
            let entries = report::read_journal(&text)
                .ok_or_else(|| vec![format!("{shown}: not a sweep journal; run without --resume to start over")])?;
            if entries.identity != identity {
                return Err(vec![format!(
                    "{shown}: the journal belongs to another sweep (another scenario file or other --set values); \
                     run without --resume to start over"
                )]);
            }
            for (v, seed, figures) in entries.runs {
                if figures.len() == Metric::ALL.len() {
                    done.insert((v, seed), figures);
                }
            }
        }
    }
    let journal = report::Journal::open(&journal_path, &identity, args.resume).map_err(|e| vec![e.to_string()])?;
    let resumed = jobs.iter().filter(|job| done.contains_key(job)).count();
    let progress = ProgressBar::new(jobs.len() as u64);
    progress.set_position(resumed as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    #[allow(clippy::disallowed_methods)] // wall time of the runs, for the terminal only
    let started = std::time::Instant::now();
    // Collected in grid order whatever thread ran which job: the same bytes
    // on any number of threads.
    let outputs: Vec<Result<Vec<f64>, String>> = jobs
        .par_iter()
        .map(|&(v, seed)| {
            if let Some(figures) = done.get(&(v, seed)) {
                return Ok(figures.clone());
            }
            let s = &scenarios[v];
            let output = run::simulate_scenario(s, Some(seed)).map_err(|e| e.to_string())?;
            let figures: Vec<f64> = Metric::ALL.iter().map(|m| m.measure(&output, s)).collect();
            journal.record(v, seed, &figures).map_err(|e| e.to_string())?;
            progress.inc(1);
            Ok(figures)
        })
        .collect();
    progress.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    let mut rows = Vec::with_capacity(jobs.len());
    let mut values: Vec<Vec<Vec<f64>>> = variants.iter().map(|_| Vec::new()).collect();
    for (&(v, seed), output) in jobs.iter().zip(outputs) {
        let figures = output.map_err(|e| vec![e])?;
        values[v].push(figures.clone());
        rows.push((v, seed, figures));
    }
    let summaries = sweep::summarize(&variants, &values);
    report::atomic_write(&dir.join("runs.csv"), &report::runs_csv(&variants, &rows))
        .map_err(|e| vec![e.to_string()])?;
    // Which variants meet the scenario's [expect] bounds, judged as `check` does;
    // the cheapest of them (by mean cost, ties in grid order) is the one to pick.
    // Each variant by its own bounds (a --set may move them), over the sweep's seeds.
    let meets: Option<Vec<bool>> = scenarios[0].expect.is_some().then(|| {
        values
            .iter()
            .zip(&scenarios)
            .map(|(per_seed, s)| s.expect.as_ref().is_some_and(|e| sweep::meets(e, per_seed)))
            .collect()
    });
    let cost = Metric::ALL.iter().position(|&m| m == Metric::CostUsd).unwrap_or(0);
    let chosen = meets.as_ref().and_then(|m| {
        (0..summaries.len())
            .filter(|&i| m[i])
            .min_by(|&a, &b| summaries[a].estimates[cost].mean.total_cmp(&summaries[b].estimates[cost].mean))
    });
    report::write_sweep_report(&dir, &scenarios[0].name, &summaries, meets.as_deref(), chosen)
        .map_err(|e| vec![e.to_string()])?;
    // Last: variants.csv present means the sweep's tables are whole.
    report::atomic_write(&dir.join("variants.csv"), &report::variants_csv(&summaries))
        .map_err(|e| vec![e.to_string()])?;
    let mut text = format!(
        "fleetsim sweep: {} variants × {} seeds = {} runs in {wall:.2} s{}\n",
        variants.len(),
        args.seeds,
        jobs.len(),
        if resumed > 0 { format!(" ({resumed} resumed from runs.journal)") } else { String::new() }
    );
    text.push_str(&ranked_table(&summaries));
    if let Some(i) = chosen {
        text.push_str(&format!("cheapest variant meeting [expect]: {}\n", summaries[i].variant.name));
    } else if meets.is_some() {
        text.push_str("no variant meets [expect]\n");
    }
    text.push_str(&format!(
        "wrote {}/{{runs.csv, sweep.png, sweep.svg, report.html, variants.csv, runs.journal}}\n",
        dir.display()
    ));
    // A closed pipe (`| head -1`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// The trace files a traffic spec reads.
fn trace_files(spec: &crate::traffic::TrafficSpec) -> Vec<PathBuf> {
    use crate::traffic::SourceSpec;
    match &spec.source {
        SourceSpec::Synthetic(_) => Vec::new(),
        SourceSpec::CountTrace { path } | SourceSpec::RequestTrace { path, .. } => vec![path.clone()],
        SourceSpec::Merged(specs) => specs.iter().flat_map(trace_files).collect(),
    }
}

/// Variants by mean cost, cheapest first (ties in grid order), with their
/// 95 % intervals and the paired cost difference from the baseline.
fn ranked_table(summaries: &[sweep::VariantSummary]) -> String {
    let index = |m: Metric| Metric::ALL.iter().position(|&x| x == m).unwrap_or(0);
    let (cost, availability, p99) = (index(Metric::CostUsd), index(Metric::Availability), index(Metric::LatencyP99Ms));
    let interval = |e: &sweep::Estimate, scale: f64, digits: usize| match e.ci95 {
        Some((lo, hi)) => format!("{:.digits$} [{:.digits$}, {:.digits$}]", e.mean * scale, lo * scale, hi * scale),
        None => format!("{:.digits$}", e.mean * scale),
    };
    let mut order: Vec<usize> = (0..summaries.len()).collect();
    order.sort_by(|&a, &b| summaries[a].estimates[cost].mean.total_cmp(&summaries[b].estimates[cost].mean));
    let mut rows = vec![[
        "variant".to_string(),
        "cost USD (95 % CI)".to_string(),
        "vs baseline USD (paired)".to_string(),
        "availability %".to_string(),
        "p99 ms".to_string(),
    ]];
    for i in order {
        let s = &summaries[i];
        let diff = s.paired_differences.as_ref().map_or_else(|| "baseline".to_string(), |d| interval(&d[cost], 1.0, 4));
        rows.push([
            s.variant.name.clone(),
            interval(&s.estimates[cost], 1.0, 4),
            diff,
            interval(&s.estimates[availability], 100.0, 4),
            interval(&s.estimates[p99], 1.0, 1),
        ]);
    }
    let widths: Vec<usize> = (0..5).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut text = String::new();
    for row in &rows {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, &w)| format!("{cell:<w$}")).collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas() {
        assert_eq!(split_values("50,60, 70"), ["50", "60", "70"]);
        assert_eq!(split_values("[1, 2],[3]"), ["[1, 2]", "[3]"]);
        assert_eq!(split_values("\"a,b\",c"), ["\"a,b\"", "c"]);
    }
}
