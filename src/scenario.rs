//! Scenario files: TOML parsed with serde ([`schema`]), checked for every
//! problem with its field path ([`validate`]) and lowered into the model's
//! plain config ([`lower`]). Runs nothing and writes nothing.

mod duration;
pub mod import;
mod instance_types;
mod lower;
pub mod overrides;
mod schedule_expr;
pub mod schema;
mod validate;

use crate::engine::SimDuration;
use crate::model::config::ClusterConfig;
use crate::traffic::TrafficSpec;
use std::fmt;
use std::path::{Path, PathBuf};

pub use duration::DurationField;

/// A validated scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub path: PathBuf,
    pub seed: u64,
    pub duration: SimDuration,
    pub region: String,
    pub cluster: ClusterConfig,
    pub traffic: TrafficSpec,
    /// The region's prices: fleetsim's snapshots or the scenario's files.
    pub prices: crate::cost::PriceSheet,
    /// FNV-1a 64 of the scenario file's bytes, recorded in reports.
    pub file_hash: u64,
    /// `[expect]`: what `fleetsim check` holds the runs to.
    pub expect: Option<crate::check::Expectations>,
}

/// One thing wrong with a scenario, at a field path such as `service.concurrency`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    /// 1-based line in the scenario file, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read scenario: {source}")]
    Read { path: String, source: std::io::Error },
    /// Every problem found; `Display` shows the first (`run` stops there).
    #[error("{path}: {}", problems[0])]
    Invalid { path: String, problems: Vec<Problem> },
}

impl Error {
    /// One line per problem, each naming the file.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Error::Invalid { path, problems } => problems.iter().map(|p| format!("{path}: {p}")).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// Reads, validates and lowers a scenario file.
pub fn load(path: &Path) -> Result<Scenario, Error> {
    let text =
        std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
    parse(&text, path)
}

/// Reads a scenario file with `--set key=value` overrides applied first.
pub fn load_with_overrides(path: &Path, overrides: &[(String, String)]) -> Result<Scenario, Error> {
    let text =
        std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
    let text = overrides::apply(&text, overrides)
        .map_err(|p| Error::Invalid { path: path.display().to_string(), problems: vec![p] })?;
    // Line numbers would point into the re-serialised text, not the file.
    parse(&text, path).map_err(|e| match e {
        Error::Invalid { path, problems } => {
            Error::Invalid { path, problems: problems.into_iter().map(|p| Problem { line: None, ..p }).collect() }
        }
        other => other,
    })
}

/// Validates and lowers scenario text; `path` names it in errors and anchors
/// relative trace paths.
pub fn parse(text: &str, path: &Path) -> Result<Scenario, Error> {
    let shown = path.display().to_string();
    let invalid = |problems| Error::Invalid { path: shown.clone(), problems };
    let file = schema::from_toml(text).map_err(|p| invalid(vec![p]))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let problems = validate::validate(&file, base);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem().map_or_else(|| "scenario".to_string(), |s| s.to_string_lossy().into_owned())
    });
    lower::lower(&file, name, path, base, crate::engine::RngStreams::fnv_hash(text.as_bytes()))
        .map_err(|p| invalid(vec![p]))
}
