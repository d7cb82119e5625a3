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
    /// Run one slice of the (variant, seed) grid: `INDEX/COUNT` (jobs whose
    /// grid position modulo COUNT is INDEX), or `COUNT` with the index from
    /// the engine (AWS_BATCH_JOB_ARRAY_INDEX, JOB_COMPLETION_INDEX or
    /// SLURM_ARRAY_TASK_ID), or `auto` (Slurm's index and count). Writes only
    /// the slice's runs.journal; `fleetsim merge` makes the tables.
    #[arg(long, value_name = "INDEX/COUNT")]
    pub shard: Option<String>,
}

/// `fleetsim merge`: the same scenario and settings as the sharded sweep, and
/// the shards' output folders.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    #[command(flatten)]
    pub sweep: Args,
    /// The shards' folders (each holding its runs.journal).
    #[arg(required = true, num_args = 1..)]
    pub shards: Vec<PathBuf>,
}

/// `(index, count)` of `--shard`, with the index (and count) from the
/// engine's variables when not given.
fn shard_of(spec: &str) -> Result<(u64, u64), String> {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<u64>().ok());
    let engine_index =
        || ["AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"].iter().find_map(|n| env(n));
    let bad = || format!("--shard {spec}: expected INDEX/COUNT (0 ≤ INDEX < COUNT), COUNT, or auto");
    let (index, count) = match spec.split_once('/') {
        Some((i, n)) => (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?),
        None if spec == "auto" => (
            engine_index().ok_or("--shard auto: no array index in the environment (SLURM_ARRAY_TASK_ID, …)")?,
            env("SLURM_ARRAY_TASK_COUNT").ok_or("--shard auto: SLURM_ARRAY_TASK_COUNT is not set")?,
        ),
        None => {
            let count = spec.trim().parse().map_err(|_| bad())?;
            let index = engine_index().ok_or_else(|| {
                format!("--shard {spec}: no array index in the environment (AWS_BATCH_JOB_ARRAY_INDEX, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)")
            })?;
            (index, count)
        }
    };
    if count == 0 || index >= count {
        return Err(bad());
    }
    Ok((index, count))
}

pub fn merge(args: MergeArgs) -> Result<ExitCode, Vec<String>> {
    run_sweep(args.sweep, &args.shards)
}

pub fn run(args: Args) -> Result<ExitCode, Vec<String>> {
    run_sweep(args, &[])
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

fn run_sweep(args: Args, merge_from: &[PathBuf]) -> Result<ExitCode, Vec<String>> {
    let shard = args.shard.as_deref().map(shard_of).transpose().map_err(|e| vec![e])?;
    if shard.is_some() && (!merge_from.is_empty() || args.resume) {
        return Err(vec!["--shard runs one slice; resume or merge it apart".into()]);
    }
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
    // runs.csv has one column per bound on a service: every variant must
    // bound the same services' figures (a --set may move a bound, not add one).
    let bound_keys = |s: &scenario::Scenario| sweep::service_bounds(s).iter().map(|e| e.key()).collect::<Vec<_>>();
    if let Some(first) = scenarios.first() {
        let baseline = bound_keys(first);
        for (variant, s) in variants.iter().zip(&scenarios).skip(1) {
            if bound_keys(s) != baseline {
                problems.push(format!(
                    "variant {}: its [expect.services] bounds ({}) differ from the first variant's ({}); a --set may \
                     change a bound's values, not which figures are bounded",
                    variant.name,
                    bound_keys(s).join(", "),
                    baseline.join(", ")
                ));
            }
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
    // and a fingerprint of each file its traffic reads (a trace edited between
    // a kill and a resume makes another sweep; shards on other machines agree).
    let variant_ids: Vec<String> = variants
        .iter()
        .zip(&scenarios)
        .map(|(v, s)| {
            let settings: Vec<String> = v.overrides.iter().map(|(k, value)| format!("{k}={value}")).collect();
            format!("{:016x} {}", s.file_hash, settings.join(" "))
        })
        .collect();
    let traces: Vec<String> = trace_files(&scenarios[0].traffic).iter().map(|path| trace_fingerprint(path)).collect();
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
                if scenarios.get(v).is_some_and(|s| figures.len() == sweep::figure_count(s)) {
                    done.insert((v, seed), figures);
                }
            }
        }
    }
    // Merging: every shard's journal, of this very sweep, and nothing missing.
    for shard_dir in merge_from {
        let path = shard_dir.join("runs.journal");
        let shown = path.display();
        let text = std::fs::read_to_string(&path).map_err(|e| vec![format!("{shown}: cannot read: {e}")])?;
        let entries = report::read_journal(&text).ok_or_else(|| vec![format!("{shown}: not a sweep journal")])?;
        if entries.identity != identity {
            return Err(vec![format!(
                "{shown}: the journal belongs to another sweep (another scenario file or other --set values)"
            )]);
        }
        for (v, seed, figures) in entries.runs {
            if scenarios.get(v).is_some_and(|s| figures.len() == sweep::figure_count(s)) {
                done.insert((v, seed), figures);
            }
        }
    }
    if !merge_from.is_empty() {
        let missing: Vec<&(usize, u64)> = jobs.iter().filter(|job| !done.contains_key(job)).collect();
        if let Some(&&(v, seed)) = missing.first() {
            return Err(vec![format!(
                "the shards hold {} of {} runs; missing {} runs, such as variant {} seed {seed}",
                jobs.len() - missing.len(),
                jobs.len(),
                missing.len(),
                variants[v].name
            )]);
        }
    }
    let journal = report::Journal::open(&journal_path, &identity, args.resume).map_err(|e| vec![e.to_string()])?;
    if !merge_from.is_empty() {
        // The merged folder's journal holds every run, in grid order (it resumes like any other).
        for &(v, seed) in &jobs {
            journal.record(v, seed, &done[&(v, seed)]).map_err(|e| vec![e.to_string()])?;
        }
    }
    // A shard runs the jobs whose grid position modulo COUNT is its INDEX.
    let jobs: Vec<(usize, u64)> = match shard {
        Some((index, count)) => {
            jobs.iter().enumerate().filter(|(k, _)| *k as u64 % count == index).map(|(_, &job)| job).collect()
        }
        None => jobs,
    };
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
            let figures = sweep::run_figures(&output, s);
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
    if let Some((index, count)) = shard {
        let text = format!(
            "fleetsim sweep: shard {index}/{count}: {} runs in {wall:.2} s; wrote {}/runs.journal \
             (fleetsim merge, with the same scenario and settings, makes the tables)\n",
            jobs.len(),
            dir.display()
        );
        let _ = std::io::stdout().write_all(text.as_bytes());
        return Ok(ExitCode::SUCCESS);
    }
    let summaries = sweep::summarize(&variants, &values);
    report::atomic_write(
        &dir.join("runs.csv"),
        &report::runs_csv(&variants, &sweep::service_bounds(&scenarios[0]), &rows),
    )
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
    let chosen = meets.as_ref().and_then(|m| sweep::by_cost(&summaries).into_iter().find(|&i| m[i]));
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

/// What identifies a trace's content, the same on every machine (not its
/// path or change time): its size and the FNV-1a hash of its first and last
/// MiB (all of it when smaller).
fn trace_fingerprint(path: &std::path::Path) -> String {
    use std::io::{Read, Seek, SeekFrom};
    const PART: u64 = 1 << 20;
    let hash = |bytes: &[u8], h: u64| bytes.iter().fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let Ok(mut file) = std::fs::File::open(path) else { return "unreadable".into() };
    let size = file.metadata().map_or(0, |m| m.len());
    let mut h = 0xcbf2_9ce4_8422_2325;
    let mut buffer = Vec::new();
    if Read::by_ref(&mut file).take(PART).read_to_end(&mut buffer).is_ok() {
        h = hash(&buffer, h);
    }
    // The last MiB (or the rest, when the middle is shorter than that).
    let tail = size <= 2 * PART || file.seek(SeekFrom::End(-(PART as i64))).is_ok();
    buffer.clear();
    if size > PART && tail && file.read_to_end(&mut buffer).is_ok() {
        h = hash(&buffer, h);
    }
    format!("{size}:{h:016x}")
}

/// The trace files a traffic spec reads.
fn trace_files(spec: &crate::traffic::TrafficSpec) -> Vec<PathBuf> {
    use crate::traffic::SourceSpec;
    match &spec.source {
        SourceSpec::Synthetic(_) => Vec::new(),
        SourceSpec::CountTrace { path } | SourceSpec::RequestTrace { path, .. } => vec![path.clone()],
        SourceSpec::CloudWatch { path, .. } => vec![path.clone()],
        // Every log file, so a folder is fingerprinted by its contents.
        SourceSpec::AlbAccessLogs { paths, .. } => crate::traffic::log_files(paths).unwrap_or_else(|_| paths.clone()),
        SourceSpec::Merged(specs) => specs.iter().flat_map(trace_files).collect(),
    }
}

/// Variants by mean cost, cheapest first (ties in grid order), with their
/// 95 % intervals and the paired cost difference from the baseline.
fn ranked_table(summaries: &[sweep::VariantSummary]) -> String {
    let (cost, availability, p99) =
        (Metric::CostUsd.index(), Metric::Availability.index(), Metric::LatencyP99Ms.index());
    let mut rows = vec![[
        "variant".to_string(),
        "cost USD (95 % CI)".to_string(),
        "vs baseline USD (paired)".to_string(),
        "availability %".to_string(),
        "p99 ms".to_string(),
    ]];
    for i in sweep::by_cost(summaries) {
        let s = &summaries[i];
        let diff = s.paired_differences.as_ref().map_or_else(|| "baseline".to_string(), |d| d[cost].display(1.0, 4));
        rows.push([
            s.variant.name.clone(),
            s.estimates[cost].display(1.0, 4),
            diff,
            s.estimates[availability].display(100.0, 4),
            s.estimates[p99].display(1.0, 1),
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
