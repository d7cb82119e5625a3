//! A results folder written whole: every file goes into a hidden sibling,
//! which `commit` swaps in for the old folder, so an interrupted writer leaves
//! the old complete result or no folder, never old and new files mixed.

use super::Error;
use std::path::{Path, PathBuf};

/// Files whose presence marks a folder as fleetsim's: a run's (and
/// validate-model's) `summary.json`, a comparison's `comparison.csv`, a sweep's
/// `variants.csv` or its `runs.journal` (all a killed sweep may leave).
pub const RESULT_MARKERS: [&str; 4] = ["summary.json", "comparison.csv", "variants.csv", "runs.journal"];

/// A new result being written beside its destination `out`, in
/// `.<name>.tmp-<pid>`; dropped uncommitted, it is removed.
pub struct StagedFolder {
    out: PathBuf,
    tmp: PathBuf,
    aside: PathBuf,
    committed: bool,
}

fn write_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write { path: path.display().to_string(), source }
}

impl StagedFolder {
    /// Checks that `out` may be replaced (absent, empty, or a fleetsim result:
    /// never a user's folder that merely happens to be named), removes what
    /// killed writers to `out` left behind, and creates the hidden sibling.
    pub fn create(out: &Path) -> Result<StagedFolder, Error> {
        let out = destination(out)?;
        refuse_foreign(&out)?;
        let (parent, name) = match (out.parent(), out.file_name()) {
            (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_string_lossy().into_owned()),
            _ => return Err(Error::NotReplaceable { path: out.display().to_string(), why: "it has no parent folder" }),
        };
        std::fs::create_dir_all(&parent).map_err(write_error(&parent))?;
        remove_leftovers(&parent, &name);
        let pid = std::process::id();
        let tmp = parent.join(format!(".{name}.tmp-{pid}"));
        let aside = parent.join(format!(".{name}.old-{pid}"));
        // Our own pid's leftovers can only be an earlier process's that had this pid.
        for stale in [&tmp, &aside] {
            remove_dir_if_present(stale)?;
        }
        std::fs::create_dir(&tmp).map_err(write_error(&tmp))?;
        Ok(StagedFolder { out, tmp, aside, committed: false })
    }

    /// Where to write the new result.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Swaps the new result in: the old folder is renamed aside, the new one
    /// into place, and the old one removed. Killed between the two renames, the
    /// out path is absent (the old result waits in `.<name>.old-<pid>`).
    pub fn commit(mut self) -> Result<(), Error> {
        let had_old = match std::fs::symlink_metadata(&self.out) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(write_error(&self.out)(e)),
        };
        if had_old {
            std::fs::rename(&self.out, &self.aside).map_err(write_error(&self.out))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.out) {
            if had_old {
                // Put the old result back rather than leave no result at all.
                let _ = std::fs::rename(&self.aside, &self.out);
            }
            return Err(write_error(&self.out)(e));
        }
        self.committed = true;
        if had_old {
            // The new result is in place; an old copy that will not go is
            // hidden, and the next run into this folder removes it.
            let _ = std::fs::remove_dir_all(&self.aside);
        }
        Ok(())
    }
}

impl Drop for StagedFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// The folder to replace: through a symbolic link to its target (so the
/// linked folder is replaced, not the link), and `.` or `..` by their names.
fn destination(out: &Path) -> Result<PathBuf, Error> {
    let is_link = std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink());
    if is_link || out.file_name().is_none() {
        return std::fs::canonicalize(out).map_err(write_error(out));
    }
    Ok(out.to_path_buf())
}

/// Refuses to replace anything but a folder fleetsim wrote (or an empty one):
/// `--out ~` must not wipe a home folder.
fn refuse_foreign(out: &Path) -> Result<(), Error> {
    let shown = || out.display().to_string();
    let metadata = match std::fs::metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(write_error(out)(e)),
    };
    if !metadata.is_dir() {
        return Err(Error::NotReplaceable { path: shown(), why: "it exists and is not a folder" });
    }
    let empty = std::fs::read_dir(out).map_err(write_error(out))?.next().is_none();
    if empty || RESULT_MARKERS.iter().any(|marker| out.join(marker).is_file()) {
        return Ok(());
    }
    Err(Error::NotReplaceable {
        path: shown(),
        why: "it is not empty and holds no fleetsim result (summary.json, comparison.csv, variants.csv or \
              runs.journal); choose another --out, or empty the folder",
    })
}

fn remove_dir_if_present(path: &Path) -> Result<(), Error> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(write_error(path)(e)),
        _ => Ok(()),
    }
}

/// Removes `.<name>.tmp-<pid>` and `.<name>.old-<pid>` beside `out` left by
/// killed processes. Only where /proc shows which processes live: a running
/// writer's folder is never removed, so elsewhere leftovers stay (hidden, and
/// harmless). Best effort: a leftover that will not go is no reason to fail.
fn remove_leftovers(parent: &Path, name: &str) {
    let proc_dir = Path::new("/proc");
    if !proc_dir.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(if parent.as_os_str().is_empty() { Path::new(".") } else { parent }) else {
        return;
    };
    let prefixes = [format!(".{name}.tmp-"), format!(".{name}.old-")];
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let Some(pid) = prefixes.iter().find_map(|p| file_name.strip_prefix(p.as_str())) else { continue };
        let is_pid = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
        if is_pid && pid != std::process::id().to_string() && !proc_dir.join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(path: &Path, text: &str) {
        crate::report::atomic_write(path, text.as_bytes()).expect("write");
    }

    /// Goal: a writer stopped before `commit` (as a kill stops it) leaves the
    /// old result whole and untouched; a commit replaces it whole, stale
    /// files included.
    #[test]
    fn the_old_result_stays_whole_until_the_new_one_replaces_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("x");
        let first = StagedFolder::create(&out).expect("stage");
        put(&first.path().join("summary.json"), "old");
        put(&first.path().join("stale.csv"), "old");
        first.commit().expect("commit");
        let second = StagedFolder::create(&out).expect("stage");
        put(&second.path().join("timeseries.csv"), "new");
        // Interrupted: no commit and no cleanup.
        let tmp = second.path().to_path_buf();
        std::mem::forget(second);
        assert_eq!(std::fs::read_to_string(out.join("summary.json")).expect("old"), "old");
        assert!(!out.join("timeseries.csv").exists());
        assert!(tmp.join("timeseries.csv").exists());
        let third = StagedFolder::create(&out).expect("stage");
        assert!(!third.path().join("timeseries.csv").exists(), "the same pid's leftover is removed");
        put(&third.path().join("summary.json"), "new");
        third.commit().expect("commit");
        assert_eq!(std::fs::read_to_string(out.join("summary.json")).expect("new"), "new");
        assert!(!out.join("stale.csv").exists(), "a rerun replaces the folder whole");
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("list").flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, ["x"], "nothing hidden left beside it");
    }

    /// Goal: a folder that is not fleetsim's is refused, and left as it was.
    #[test]
    fn a_foreign_folder_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        put(&dir.path().join("notes.txt"), "mine");
        let error = StagedFolder::create(dir.path()).err().expect("refused");
        assert!(error.to_string().starts_with(&dir.path().display().to_string()), "{error}");
        assert!(dir.path().join("notes.txt").exists());
        let names = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(names, 1, "no temporary folder inside");
    }
}
