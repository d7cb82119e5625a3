//! Write to a temporary file in the same folder, then rename over the target:
//! readers see the old file or the new one, never half of one.

use super::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary sibling of `path` that a writer fills before renaming.
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = temporary_path(path);
    let error = |source| Error::Write { path: path.display().to_string(), source };
    let result = (|| {
        #[allow(clippy::disallowed_methods)] // the one place files are created
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(error)
}

/// Moves a finished temporary file into place.
pub fn commit(tmp: &Path, path: &Path) -> Result<(), Error> {
    std::fs::rename(tmp, path).map_err(|source| Error::Write { path: path.display().to_string(), source })
}
