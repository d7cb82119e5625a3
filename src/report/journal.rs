//! A sweep's journal (`runs.journal`): one line per finished run, appended as
//! each run ends, so a sweep that is killed keeps what it finished and
//! `--resume` skips it. Lines are whole or ignored: each ends with the
//! FNV-1a hash of its text, so a line cut short by a kill never counts.
//! Figures are written in Rust's shortest round-trip form, so a resumed
//! sweep's tables are the same bytes as an uninterrupted one's.

use super::Error;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

/// A journal open for appending, shared by the threads running the sweep.
pub struct Journal {
    file: Mutex<File>,
    path: String,
}

/// What a journal says about a sweep: its identity line, and each whole
/// line's (variant, seed, figures).
pub struct JournalEntries {
    pub identity: String,
    pub runs: Vec<(usize, u64, Vec<f64>)>,
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Journal {
    /// Starts a new journal for the sweep `identity` (replacing any old one),
    /// or, with `resume`, keeps appending to the existing one.
    pub fn open(path: &Path, identity: &str, resume: bool) -> Result<Journal, Error> {
        let shown = path.display().to_string();
        let error = |source| Error::Write { path: shown.clone(), source };
        let file = if resume && path.exists() {
            let mut file = OpenOptions::new().append(true).open(path).map_err(error)?;
            // A kill may have cut the last line: the next record starts on a line of its own.
            let text = std::fs::read(path).map_err(error)?;
            if text.last().is_some_and(|&b| b != b'\n') {
                file.write_all(b"\n").map_err(error)?;
            }
            file
        } else {
            // The identity line goes in whole (temporary file, then rename): a
            // kill leaves no journal or one that `--resume` reads, never an empty one.
            super::atomic_write(path, format!("{}\n", with_hash(&format!("sweep {identity}"))).as_bytes())?;
            OpenOptions::new().append(true).open(path).map_err(error)?
        };
        Ok(Journal { file: Mutex::new(file), path: shown })
    }

    /// Records one finished run: one write of one whole line.
    pub fn record(&self, variant: usize, seed: u64, figures: &[f64]) -> Result<(), Error> {
        let mut text = format!("run {variant} {seed}");
        for x in figures {
            text.push_str(&format!(" {x:?}"));
        }
        let line = format!("{}\n", with_hash(&text));
        let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(line.as_bytes()).map_err(|source| Error::Write { path: self.path.clone(), source })
    }
}

fn with_hash(text: &str) -> String {
    format!("{text} #{:016x}", fnv1a(text))
}

/// The whole lines of a journal's text; None when it has no identity line.
pub fn read_journal(text: &str) -> Option<JournalEntries> {
    let whole = |line: &str| -> Option<String> {
        let (body, hash) = line.rsplit_once(" #")?;
        (u64::from_str_radix(hash, 16).ok()? == fnv1a(body)).then(|| body.to_string())
    };
    let mut lines = text.split_inclusive('\n').filter(|l| l.ends_with('\n')).map(|l| whole(l.trim_end_matches('\n')));
    let identity = lines.next()??.strip_prefix("sweep ")?.to_string();
    let mut runs = Vec::new();
    for body in lines.flatten() {
        let mut fields = body.split(' ');
        if fields.next() != Some("run") {
            continue;
        }
        let (Some(Ok(variant)), Some(Ok(seed))) =
            (fields.next().map(str::parse::<usize>), fields.next().map(str::parse::<u64>))
        else {
            continue;
        };
        let figures: Result<Vec<f64>, _> = fields.map(str::parse::<f64>).collect();
        if let Ok(figures) = figures {
            runs.push((variant, seed, figures));
        }
    }
    Some(JournalEntries { identity, runs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_lines_round_trip_and_a_cut_line_is_ignored() {
        let mut text = format!("{}\n", with_hash("sweep abc"));
        let figures = [0.1 + 0.2, f64::INFINITY, 1e-300, 42.0];
        let mut line = "run 1 7".to_string();
        for x in figures {
            line.push_str(&format!(" {x:?}"));
        }
        text.push_str(&format!("{}\n", with_hash(&line)));
        let cut = format!("{}\n", with_hash("run 2 8 0.5"));
        text.push_str(&cut[..cut.len() - 6]); // killed mid-line
        let entries = read_journal(&text).expect("an identity line");
        assert_eq!(entries.identity, "abc");
        assert_eq!(entries.runs.len(), 1);
        assert_eq!(entries.runs[0].0, 1);
        assert_eq!(entries.runs[0].1, 7);
        assert!(entries.runs[0].2.iter().zip(figures).all(|(a, b)| a.to_bits() == b.to_bits()));
        // A line whose text was changed fails its hash.
        let tampered = text.replacen("run 1 7", "run 1 9", 1);
        assert_eq!(read_journal(&tampered).map(|e| e.runs.len()), Some(0));
    }
}
