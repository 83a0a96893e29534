//! Backup files on disk: written whole or not at all, and the scheduled ones
//! (named by time, listed oldest first, pruned to the newest few).

use std::io;
use std::path::{Path, PathBuf};

/// Name and extension of the files scheduled backups write.
const SCHEDULED_PREFIX: &str = "zapfleet-backup-";
const EXTENSION: &str = ".age";

/// A file being written that appears whole or not at all: it is written
/// beside its final path (readable by the owner only) and renamed there by
/// [`Partial::finish`]; dropped unfinished, it is removed.
pub struct Partial {
    partial: PathBuf,
    path: PathBuf,
    finished: bool,
}

impl Partial {
    /// Starts the file that will be `path`; returns it open for writing.
    pub fn create(path: &Path) -> io::Result<(Self, std::fs::File)> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("backup");
        let partial = dir.join(format!(".{name}.partial-{}", nanoid::nanoid!(8)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&partial)?;
        let this = Self {
            partial,
            path: path.to_owned(),
            finished: false,
        };
        Ok((this, file))
    }

    /// Flushes `file` to disk and puts it in its place.
    pub fn finish(mut self, file: std::fs::File) -> io::Result<()> {
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.partial, &self.path)?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// The file name of a scheduled backup taken at `at` (sorts by time).
pub fn scheduled_name(at: crate::domain::Timestamp) -> String {
    let stamp: String = at
        .to_rfc3339()
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .take(15)
        .collect();
    format!("{SCHEDULED_PREFIX}{stamp}Z{EXTENSION}")
}

/// The scheduled backups in `dir`, oldest first.
pub fn scheduled_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_scheduled_name)
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Whether a file name is one [`scheduled_name`] makes (a backup put in the
/// folder by hand, e.g. `zapfleet-backup-before-upgrade.age`, is not, and is
/// neither pruned nor taken for the newest).
fn is_scheduled_name(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix(SCHEDULED_PREFIX)
        .and_then(|rest| rest.strip_suffix(EXTENSION))
    else {
        return false;
    };
    let bytes = stamp.as_bytes();
    bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8]
            .iter()
            .chain(&bytes[9..15])
            .all(u8::is_ascii_digit)
}

/// Removes the oldest scheduled backups beyond the newest `keep`.
pub fn prune(dir: &Path, keep: usize) -> io::Result<usize> {
    let files = scheduled_files(dir)?;
    let extra = files.len().saturating_sub(keep);
    for old in &files[..extra] {
        std::fs::remove_file(old)?;
    }
    Ok(extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    #[test]
    fn scheduled_names_sort_by_time() {
        let name = scheduled_name(Timestamp::from_millis(1_764_374_400_123));
        assert_eq!(name, "zapfleet-backup-20251129T000000Z.age");
        assert!(is_scheduled_name(&name));
        assert!(!is_scheduled_name("zapfleet-backup-before-upgrade.age"));
        assert!(!is_scheduled_name(
            "zapfleet-backup-20251129T000000Z.age.partial"
        ));
    }
}
