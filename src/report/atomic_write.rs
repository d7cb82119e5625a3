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

/// A file written as a stream (too large to hold whole, like a day of
/// converted access logs) to its temporary sibling, renamed by `commit`;
/// dropped uncommitted, the temporary file is removed.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    writer: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile, Error> {
        let tmp = temporary_path(path);
        #[allow(clippy::disallowed_methods)] // the temporary file the rename makes whole
        let file =
            std::fs::File::create(&tmp).map_err(|source| Error::Write { path: path.display().to_string(), source })?;
        Ok(AtomicFile { path: path.to_path_buf(), tmp, writer: Some(std::io::BufWriter::with_capacity(1 << 16, file)) })
    }

    pub fn commit(mut self) -> Result<(), Error> {
        let error = |source| Error::Write { path: self.path.display().to_string(), source };
        let writer = self.writer.take().ok_or_else(|| error(std::io::Error::other("already committed")))?;
        let result = writer
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)
            .and_then(|file| file.sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.path));
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result.map_err(error)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match &mut self.writer {
            Some(writer) => writer.write(bytes),
            None => Err(std::io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
