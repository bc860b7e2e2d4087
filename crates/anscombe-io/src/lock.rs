//! One writer per destination, and what a writer that died leaves behind.
//!
//! A writer holds `.NAME.lock` beside its destination (an OS file lock, which the OS releases
//! when the process ends however it ends), so a second writer of the same destination gets
//! [`StagingError::InUse`] instead of racing. Holding it, the writer knows that every
//! staging of that destination (`.NAME.partial-PID-N…`) and every old store set aside
//! (`.NAME.replaced-PID-N`) belongs to a writer that died (SIGKILL, power loss), and
//! [`recover`] removes them, first moving an old store set aside back should the destination
//! be missing (the writer died between the two renames of a replacement).
//!
//! The locks held are registered, so that [`remove_stagings`] (called by a program's SIGINT
//! and SIGTERM handler) can recover every destination being written before the process exits.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::atomic::StagingError;

/// The destinations whose lock this process holds.
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The lock on one destination, held until dropped.
#[derive(Debug)]
pub(crate) struct DestinationLock {
    destination: PathBuf,
    path: PathBuf,
    // Closing the file releases the lock; declared last, so it is closed after the unlink.
    file: File,
}

impl DestinationLock {
    /// Takes the lock of `destination`, or fails at once with [`StagingError::InUse`].
    pub(crate) fn acquire(destination: &Path) -> Result<Self, StagingError> {
        let path = sibling(destination, "lock");
        // The previous holder unlinks the file before releasing it: a lock won on a file that
        // is no longer at `path` guards nothing, so try again on the new one.
        for _ in 0..16 {
            let file = File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(StagingError::io(&path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(StagingError::InUse(destination.to_path_buf()));
                }
                Err(TryLockError::Error(error)) => return Err(StagingError::io(&path)(error)),
            }
            if still_at(&file, &path) {
                HELD.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(destination.to_path_buf());
                return Ok(DestinationLock {
                    destination: destination.to_path_buf(),
                    path,
                    file,
                });
            }
        }
        Err(StagingError::InUse(destination.to_path_buf()))
    }
}

impl Drop for DestinationLock {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = held.iter().position(|d| *d == self.destination) {
            held.swap_remove(i);
        }
        // Unlinked while still locked (see `acquire`), so no lock file is left behind.
        if cfg!(unix) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// True when `file` is the file at `path` (Unix: same device and inode).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

/// Lock files are never unlinked here (see `Drop`), so the one opened is the one named.
#[cfg(not(unix))]
fn still_at(_: &File, _: &Path) -> bool {
    true
}

/// `dir/.NAME.<what>`: the hidden siblings of a destination.
pub(crate) fn sibling(destination: &Path, what: &str) -> PathBuf {
    destination.with_file_name(format!(".{}.{what}", file_name(destination)))
}

/// The destination's file name (`output` for a path without one).
pub(crate) fn file_name(destination: &Path) -> String {
    destination
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned())
}

/// What a dead writer of `destination` may have left: `Some(true)` for an old store it set
/// aside, `Some(false)` for its staging, `None` for anything else. The names are
/// `.NAME.partial-PID-N[.EXT]` and `.NAME.replaced-PID-N`.
fn leftover(destination: &Path, name: &str) -> Option<bool> {
    let rest = name.strip_prefix(&format!(".{}.", file_name(destination)))?;
    let (aside, rest) = if let Some(rest) = rest.strip_prefix("partial-") {
        (false, rest)
    } else {
        (true, rest.strip_prefix("replaced-")?)
    };
    let (pid, rest) = rest.split_once('-')?;
    let n_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (n, extension) = rest.split_at(n_end);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let expected = destination
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    (digits(pid) && digits(n) && (extension.is_empty() || (!aside && extension == expected)))
        .then_some(aside)
}

/// Removes what dead writers of `destination` left beside it, first moving an old store set
/// aside back when the destination is missing. Call it holding the destination's lock only.
pub(crate) fn recover(destination: &Path) {
    let folder = match destination.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = fs::read_dir(&folder) else {
        return;
    };
    let mut found: Vec<(PathBuf, bool)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            leftover(destination, &name).map(|aside| (entry.path(), aside))
        })
        .collect();
    // Restore before removing: a missing destination with an old store set aside is a
    // replacement that died between its two renames.
    if fs::symlink_metadata(destination).is_err()
        && let Some(i) = found.iter().position(|(_, aside)| *aside)
    {
        let (old, _) = found.swap_remove(i);
        let _ = fs::rename(&old, destination);
    }
    for (path, _) in found {
        remove(&path);
    }
}

/// Removes a file or a folder tree; a tree that other threads still write into is retried.
pub(crate) fn remove(path: &Path) {
    for _ in 0..4 {
        let removed = match fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(path),
            Ok(_) => fs::remove_file(path),
            Err(_) => return,
        };
        if removed.is_ok() {
            return;
        }
    }
}

/// Removes the stagings of every destination this process is writing (and puts back any
/// old store a replacement had set aside), for a signal handler to call before the process
/// exits: SIGINT and SIGTERM do not unwind, so the stagings' own cleanup never runs. The
/// locks stay held until the process exits.
pub fn remove_stagings() {
    let held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    for destination in held.iter() {
        recover(destination);
        if cfg!(unix) {
            let _ = fs::remove_file(sibling(destination, "lock"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_recognised_by_name_only() {
        let d = Path::new("dir/movie.zarr");
        assert_eq!(leftover(d, ".movie.zarr.partial-12-0.zarr"), Some(false));
        assert_eq!(leftover(d, ".movie.zarr.partial-12-3"), Some(false));
        assert_eq!(leftover(d, ".movie.zarr.replaced-12-3"), Some(true));
        for other in [
            "movie.zarr",
            ".movie.zarr.lock",
            ".movie.zarr.partial-x-1",
            ".movie.zarr.partial-1-",
            ".movie.zarr.partial-1-2.tif",
            ".movie.zarr.replaced-1-2.zarr",
            ".other.zarr.partial-1-2",
            ".movie.zarr.partial-1-2.zarr.partial-3-4",
            "notes.txt",
        ] {
            assert_eq!(leftover(d, other), None, "{other}");
        }
    }
}
